//! Output shaping: which attributes of a resource a response carries, from
//! the `attributes` / `excludedAttributes` parameters (RFC 7644 §3.4.2.5,
//! §3.9) and each attribute's `returned` characteristic (RFC 7643 §7).

use std::ptr;

use serde_json::{Map, Value};

use super::model::{AttrType, Attribute, ResourceType, Returned, Schema};
use crate::scim::filter::AttrPath;

/// What one requested (or excluded) path selects.
enum Selection<'a> {
    /// A top-level attribute, or one of its sub-attributes by name.
    Attribute(&'a Attribute, Option<&'a str>),
    /// A whole extension (`urn:…:enterprise:2.0:User`).
    Extension(&'a Schema),
    /// A top-level name the schemas do not define (kept for resources that
    /// carry attributes beyond the known schemas).
    Unknown(&'a str),
}

fn select<'a>(rt: &'a ResourceType, path: &'a AttrPath) -> Option<Selection<'a>> {
    if let Some(ext) = rt.extension_by_path(path) {
        return Some(Selection::Extension(ext));
    }
    match rt.top_attribute(path.urn.as_deref(), &path.name) {
        Some((_, attr)) => Some(Selection::Attribute(attr, path.sub.as_deref())),
        None if path.urn.is_none() && path.sub.is_none() => Some(Selection::Unknown(&path.name)),
        None => None,
    }
}

/// How the listed paths are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `attributes`: only the listed ones (and `returned: always`).
    Include,
    /// `excludedAttributes` (or neither): the defaults minus the listed ones.
    Exclude,
}

impl ResourceType {
    /// Shapes a resource for a response (RFC 7644 §3.4.2.5, §3.9; RFC 7643
    /// §7 `returned`):
    ///
    /// * `never` attributes (`password`) are never returned, even if asked;
    /// * `always` attributes (`id`) and `schemas` are always returned;
    /// * with a non-empty `attributes`, only the listed attributes are
    ///   returned (plus `always` ones), and `excluded` is not consulted;
    ///   `name.givenName` keeps only that sub-attribute, a bare extension
    ///   URN keeps the whole extension, and a listed attribute counts as
    ///   asking for its `request` sub-attributes;
    /// * otherwise the `default` attributes are returned minus those in
    ///   `excluded`; `request` attributes are left out.
    ///
    /// Complex values emptied by the projection (an `emails` element without
    /// the requested `value`) are dropped, then the attribute if nothing is
    /// left; so is an extension object left empty. Keys the schemas do not
    /// define are treated as `returned: default`. Unknown paths select
    /// nothing. A value that is not an object is returned unchanged.
    pub fn project(
        &self,
        resource: &Value,
        attributes: Option<&[AttrPath]>,
        excluded: Option<&[AttrPath]>,
    ) -> Value {
        let Some(obj) = resource.as_object() else {
            return resource.clone();
        };
        let (mode, paths) = match attributes {
            Some(list) if !list.is_empty() => (Mode::Include, list),
            _ => (Mode::Exclude, excluded.unwrap_or(&[])),
        };
        let selections: Vec<Selection<'_>> = paths.iter().filter_map(|p| select(self, p)).collect();
        let common = ResourceType::common_attributes();
        let mut out = Map::new();
        for (key, value) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if let Some(ext) = self.extension(key) {
                let whole = selections
                    .iter()
                    .any(|s| matches!(s, Selection::Extension(e) if ptr::eq(*e, ext)));
                if let Some(projected) = project_extension(ext, value, mode, whole, &selections) {
                    out.insert(key.clone(), projected);
                }
                continue;
            }
            let attr = common
                .iter()
                .chain(self.schema.attributes.iter())
                .find(|a| a.name.eq_ignore_ascii_case(key));
            if let Some(projected) = project_attribute(attr, key, value, mode, false, &selections) {
                out.insert(key.clone(), projected);
            }
        }
        Value::Object(out)
    }
}

fn project_extension(
    ext: &Schema,
    value: &Value,
    mode: Mode,
    whole: bool,
    selections: &[Selection<'_>],
) -> Option<Value> {
    let Some(inner) = value.as_object() else {
        // Not an object: all or nothing.
        return ((mode == Mode::Include) == whole).then(|| value.clone());
    };
    let mut out = Map::new();
    for (key, value) in inner {
        let attr = ext.attribute(key);
        // Unknown names inside an extension are only selected with it.
        let selections = if attr.is_some() { selections } else { &[] };
        if let Some(projected) = project_attribute(attr, key, value, mode, whole, selections) {
            out.insert(key.clone(), projected);
        }
    }
    (!out.is_empty() || inner.is_empty() && (mode == Mode::Include) == whole)
        .then_some(Value::Object(out))
}

/// Projects one attribute; `None` drops it. `whole` says the attribute's
/// enclosing extension was named as a whole.
fn project_attribute(
    attr: Option<&Attribute>,
    key: &str,
    value: &Value,
    mode: Mode,
    whole: bool,
    selections: &[Selection<'_>],
) -> Option<Value> {
    let returned = attr.map_or(Returned::Default, |a| a.returned);
    let named = whole
        || selections.iter().any(|s| match s {
            Selection::Attribute(a, None) => attr.is_some_and(|x| ptr::eq(*a, x)),
            Selection::Unknown(name) => attr.is_none() && name.eq_ignore_ascii_case(key),
            _ => false,
        });
    let subs: Vec<&str> = selections
        .iter()
        .filter_map(|s| match s {
            Selection::Attribute(a, Some(sub)) if attr.is_some_and(|x| ptr::eq(*a, x)) => {
                Some(*sub)
            }
            _ => None,
        })
        .collect();
    let listed = |name: &str| subs.iter().any(|s| s.eq_ignore_ascii_case(name));
    match (returned, mode) {
        (Returned::Never, _) => None,
        (Returned::Always, _) => keep_subs(attr, value, |sub, _| {
            sub.is_none_or(|s| s.returned != Returned::Never)
        }),
        (_, Mode::Include) if named => keep_subs(attr, value, |sub, _| {
            sub.is_none_or(|s| s.returned != Returned::Never)
        }),
        (_, Mode::Include) if !subs.is_empty() => keep_subs(attr, value, |sub, name| match sub {
            Some(s) => {
                s.returned == Returned::Always || s.returned != Returned::Never && listed(&s.name)
            }
            None => listed(name),
        }),
        (_, Mode::Include) | (Returned::Request, Mode::Exclude) => None,
        (_, Mode::Exclude) if named => None,
        (_, Mode::Exclude) => keep_subs(attr, value, |sub, name| match sub {
            Some(s) => {
                s.returned == Returned::Always
                    || s.returned == Returned::Default && !listed(&s.name)
            }
            None => !listed(name),
        }),
    }
}

/// Keeps the sub-attributes `keep` accepts (given their definition, if
/// known, and their key). Objects emptied by this are dropped, and the whole
/// value when nothing is left.
fn keep_subs(
    attr: Option<&Attribute>,
    value: &Value,
    keep: impl Fn(Option<&Attribute>, &str) -> bool,
) -> Option<Value> {
    let Some(attr) = attr.filter(|a| a.ty == AttrType::Complex) else {
        return Some(value.clone());
    };
    let filter = |obj: &Map<String, Value>| -> Option<Value> {
        let kept: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| keep(attr.sub(k), k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (!kept.is_empty() || obj.is_empty()).then_some(Value::Object(kept))
    };
    match value {
        Value::Object(obj) => filter(obj),
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(obj) => filter(obj),
                    other => Some(other.clone()),
                })
                .collect();
            (!kept.is_empty() || items.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other.clone()),
    }
}
