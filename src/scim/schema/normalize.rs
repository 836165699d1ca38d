//! Normalisation of request bodies: key spelling ([`ResourceType::canonicalize`]),
//! the `schemas` list ([`ResourceType::complete_schemas`]) and lax values
//! ([`ResourceType::coerce`]).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::model::{AttrType, Attribute, Mutability, ResourceType};
use crate::scim::filter::{AttrPath, CompValue, Filter, PatchPath};

/// Escapes one JSON pointer reference token (RFC 6901 §3).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The definition of a top-level key of the resource: a common attribute
/// (RFC 7643 §3.1) or an attribute of the core schema.
fn core_attribute<'a>(rt: &'a ResourceType, key: &str) -> Option<&'a Attribute> {
    ResourceType::common_attributes()
        .iter()
        .chain(rt.schema.attributes.iter())
        .find(|a| a.name.eq_ignore_ascii_case(key))
}

/// One value [`ResourceType::coerce`] changed: where, and what it was.
pub type Coerced = (String, Value);

/// See [`ResourceType::coerce`].
pub(super) fn coerce(rt: &ResourceType, resource: &mut Value, changed: &mut Vec<Coerced>) {
    let Some(obj) = resource.as_object_mut() else {
        return;
    };
    for (key, value) in obj.iter_mut() {
        let pointer = format!("/{}", escape(key));
        if let Some(ext) = rt.extension(key) {
            coerce_members(&ext.attributes, value, &pointer, changed);
        } else if let Some(attr) = core_attribute(rt, key) {
            coerce_value(attr, value, &pointer, changed);
        }
    }
}

/// See [`ResourceType::coerce_patch_value`].
pub(super) fn coerce_patch_value(
    rt: &ResourceType,
    path: Option<&PatchPath>,
    value: &mut Value,
    changed: &mut Vec<Coerced>,
) {
    let Some(path) = path else {
        // No path: the value is a partial resource (RFC 7644 §3.5.2.1).
        return coerce(rt, value, changed);
    };
    if let Some(ext) = rt.extension_by_path(&path.attr) {
        // The whole extension object.
        return coerce_members(&ext.attributes, value, "", changed);
    }
    let Some((_, attr)) = rt.attribute(&path.attr) else {
        return;
    };
    match (&path.filter, &path.sub) {
        // `emails[type eq "work"].primary`: the value is the sub-attribute's.
        (Some(_), Some(sub)) => {
            if let Some(sub) = attr.sub(sub) {
                coerce_value(sub, value, "", changed);
            }
        }
        // `emails[type eq "work"]`: the value is an element, or several.
        (Some(_), None) => coerce_elements(attr, value, "", changed),
        // `active`, `name.givenName`, `emails`: the value is the attribute's;
        // a lone element for a multi-valued attribute becomes a list of one.
        (None, _) => coerce_value(attr, value, "", changed),
    }
}

/// See [`ResourceType::coerce_filter`].
pub(super) fn coerce_filter(
    rt: &ResourceType,
    parent: Option<&Attribute>,
    filter: &Filter,
) -> Filter {
    let definition = |path: &AttrPath| -> Option<&Attribute> {
        match parent {
            // Inside a value filter, names are the parent's sub-attributes.
            Some(p) if path.urn.is_none() => match &path.sub {
                None => p.sub(&path.name),
                Some(_) => None,
            },
            _ => rt.attribute(path).map(|(_, a)| a),
        }
    };
    match filter {
        Filter::Compare(path, op, CompValue::String(s)) => {
            let typed = match definition(path).map(|a| a.ty) {
                Some(AttrType::Boolean) => lax_bool(s).map(CompValue::Bool),
                Some(AttrType::Integer) => lax_integer(s).map(|n| CompValue::Number(n.into())),
                _ => None,
            };
            Filter::Compare(
                path.clone(),
                *op,
                typed.unwrap_or_else(|| CompValue::String(s.clone())),
            )
        }
        Filter::Compare(..) | Filter::Present(_) => filter.clone(),
        Filter::Not(inner) => Filter::Not(Box::new(coerce_filter(rt, parent, inner))),
        Filter::And(a, b) => Filter::And(
            Box::new(coerce_filter(rt, parent, a)),
            Box::new(coerce_filter(rt, parent, b)),
        ),
        Filter::Or(a, b) => Filter::Or(
            Box::new(coerce_filter(rt, parent, a)),
            Box::new(coerce_filter(rt, parent, b)),
        ),
        Filter::ValuePath(path, inner) => {
            let attr = definition(path);
            Filter::ValuePath(path.clone(), Box::new(coerce_filter(rt, attr, inner)))
        }
    }
}

/// Coerces the members of an object (a complex value or an extension) that
/// `attributes` define.
fn coerce_members(
    attributes: &[Attribute],
    value: &mut Value,
    pointer: &str,
    changed: &mut Vec<Coerced>,
) {
    let Some(inner) = value.as_object_mut() else {
        return;
    };
    for (name, value) in inner.iter_mut() {
        if let Some(attr) = attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            let pointer = format!("{pointer}/{}", escape(name));
            coerce_value(attr, value, &pointer, changed);
        }
    }
}

fn coerce_value(attr: &Attribute, value: &mut Value, pointer: &str, changed: &mut Vec<Coerced>) {
    if attr.multi_valued && attr.ty == AttrType::Complex && value.is_object() {
        // One element given where the schema wants a list (ONELOGIN-02:
        // `"emails": {...}`): a list of that one element.
        let element = std::mem::take(value);
        changed.push((pointer.to_owned(), element.clone()));
        *value = Value::Array(vec![element]);
    }
    coerce_elements(attr, value, pointer, changed);
}

/// Like [`coerce_value`], without making a list of a lone element: for a
/// value that is one element (a PATCH path with a value filter).
fn coerce_elements(attr: &Attribute, value: &mut Value, pointer: &str, changed: &mut Vec<Coerced>) {
    match value {
        Value::Array(items) if attr.multi_valued => {
            for (i, item) in items.iter_mut().enumerate() {
                coerce_single(attr, item, &format!("{pointer}/{i}"), changed);
            }
        }
        _ => coerce_single(attr, value, pointer, changed),
    }
}

fn coerce_single(attr: &Attribute, value: &mut Value, pointer: &str, changed: &mut Vec<Coerced>) {
    let replacement = match (attr.ty, &mut *value) {
        (AttrType::Boolean, Value::String(s)) => lax_bool(s).map(Value::Bool),
        (AttrType::Integer, Value::String(s)) => lax_integer(s).map(Value::from),
        (AttrType::Complex, Value::Object(_)) => {
            coerce_members(&attr.sub_attributes, value, pointer, changed);
            None
        }
        _ => None,
    };
    if let Some(replacement) = replacement {
        let before = std::mem::replace(value, replacement);
        changed.push((pointer.to_owned(), before));
    }
}

/// `"true"` / `"false"` in any letter case; nothing else (not `"yes"`, `"1"`).
fn lax_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An optional `-` and decimal digits that fit an `i64`; nothing else (no
/// `+`, spaces, fraction or exponent).
fn lax_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl ResourceType {
    /// Rewrites a request body into the schema's spelling, without changing
    /// what it means:
    ///
    /// * attribute and sub-attribute names take the schema's letter case
    ///   (`UserName` → `userName`; names are case-insensitive, RFC 7643 §2.1),
    ///   `Schemas` becomes `schemas`, and an extension object's key becomes
    ///   the extension's id;
    /// * URNs in `schemas` take the schema's spelling and duplicates are
    ///   removed (RFC 7643 §3: each URI is unique);
    /// * read-only attributes and sub-attributes of the schemas (`groups`,
    ///   `manager.displayName`) are dropped: a service provider ignores them
    ///   on input (RFC 7643 §7). The common attributes `id` and `meta` are
    ///   kept (only renamed): whether to drop them, or to check `id` against
    ///   the URL, is the caller's decision.
    ///
    /// Unknown keys are left as written, for [`ResourceType::validate`] to
    /// reject. When two keys differ only in case, the one already spelled
    /// canonically keeps its place and the other keeps its spelling, so the
    /// conflict stays visible to `validate`. A body that is not an object is
    /// left alone.
    pub fn canonicalize(&self, resource: &mut Value) {
        let Some(obj) = resource.as_object_mut() else {
            return;
        };
        let old = std::mem::take(obj);
        let exact: HashSet<String> = old.keys().cloned().collect();
        for (key, mut value) in old {
            let canonical = if key.eq_ignore_ascii_case("schemas") {
                canonical_schema_list(self, &mut value);
                Some("schemas".to_owned())
            } else if let Some(ext) = self.extension(&key) {
                if let Some(inner) = value.as_object_mut() {
                    canonical_members(&ext.attributes, inner, true);
                }
                Some(ext.id.clone())
            } else if let Some(attr) = core_attribute(self, &key) {
                let common = ResourceType::common_attributes()
                    .iter()
                    .any(|c| std::ptr::eq(c, attr));
                if !common && attr.mutability == Mutability::ReadOnly {
                    continue;
                }
                canonical_value(attr, &mut value, !common);
                Some(attr.name.clone())
            } else {
                None
            };
            let name = match canonical {
                Some(c) if c != key && !exact.contains(&c) && !obj.contains_key(&c) => c,
                _ => key,
            };
            obj.insert(name, value);
        }
    }

    /// Completes `schemas` (RFC 7643 §3): creates it when absent or `null`,
    /// puts the core schema's URN first when missing, and appends the URN of
    /// each extension whose object the body carries but does not list.
    /// Returns whether anything changed. A `schemas` that is not an array is
    /// left for [`ResourceType::validate`] to reject.
    pub fn complete_schemas(&self, resource: &mut Value) -> bool {
        let Some(obj) = resource.as_object_mut() else {
            return false;
        };
        let present: Vec<String> = self
            .extensions
            .iter()
            .filter(|(ext, _)| {
                obj.iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(&ext.id) && !v.is_null())
            })
            .map(|(ext, _)| ext.id.clone())
            .collect();
        let key = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case("schemas"))
            .cloned()
            .unwrap_or_else(|| "schemas".to_owned());
        let slot = obj.entry(key).or_insert(Value::Null);
        if slot.is_null() {
            *slot = Value::Array(Vec::new());
        }
        let Some(list) = slot.as_array_mut() else {
            return false;
        };
        let listed = |list: &[Value], urn: &str| {
            list.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)))
        };
        let mut changed = false;
        if !listed(list, &self.schema.id) {
            list.insert(0, Value::String(self.schema.id.clone()));
            changed = true;
        }
        for urn in present {
            if !listed(list, &urn) {
                list.push(Value::String(urn));
                changed = true;
            }
        }
        changed
    }
}

/// Spells known URNs as their schema ids and drops case-insensitive
/// duplicates.
fn canonical_schema_list(rt: &ResourceType, value: &mut Value) {
    let Some(list) = value.as_array_mut() else {
        return;
    };
    let mut seen: HashSet<String> = HashSet::new();
    let old = std::mem::take(list);
    for mut urn in old {
        if let Value::String(s) = &mut urn {
            if let Some(schema) = rt.schema_for_urn(s) {
                s.clone_from(&schema.id);
            }
            if !seen.insert(s.to_ascii_lowercase()) {
                continue;
            }
        }
        list.push(urn);
    }
}

fn canonical_value(attr: &Attribute, value: &mut Value, drop_read_only: bool) {
    if attr.ty != AttrType::Complex {
        return;
    }
    match value {
        Value::Object(obj) => canonical_members(&attr.sub_attributes, obj, drop_read_only),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(obj) = item {
                    canonical_members(&attr.sub_attributes, obj, drop_read_only);
                }
            }
        }
        _ => {}
    }
}

/// Renames the members of `obj` to the spelling of `defs`, recursing into
/// complex values and dropping read-only ones when asked.
fn canonical_members(defs: &[Attribute], obj: &mut Map<String, Value>, drop_read_only: bool) {
    let old = std::mem::take(obj);
    let exact: HashSet<String> = old.keys().cloned().collect();
    for (key, mut value) in old {
        let attr = defs.iter().find(|a| a.name.eq_ignore_ascii_case(&key));
        let name = match attr {
            Some(attr) if drop_read_only && attr.mutability == Mutability::ReadOnly => continue,
            Some(attr) => {
                canonical_value(attr, &mut value, drop_read_only);
                if attr.name != key && !exact.contains(&attr.name) && !obj.contains_key(&attr.name)
                {
                    attr.name.clone()
                } else {
                    key
                }
            }
            None => key,
        };
        obj.insert(name, value);
    }
}
