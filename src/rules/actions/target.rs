//! SCIM attributes named in rules (`userName`, `name.givenName`,
//! `urn:…:enterprise:2.0:User:department`) and where a request writes them:
//! in a POST or PUT body (the resource itself), in a PATCH operation whose
//! `path` names the attribute, its parent or an element of it, or inside
//! the partial resource of a path-less operation (RFC 7644 §3.5.2). Shared
//! by `require`, `immutable` and `map_attribute`, so that a rule names an
//! attribute once instead of a JSONPath per request shape. Names and URNs
//! compare case-insensitively (RFC 7643 §2.1); a core User or Group URN is
//! optional (RFC 7644 §3.10).

use serde_json::Value;

use super::CompileCx;
use super::scim::{key_ci, op_name, strip_core_urn};
use crate::rules::jsonpath::{Pointer, Step};
use crate::rules::yaml::FieldPath;
use crate::scim::filter::{AttrPath, PatchPath, parse_attr_path, parse_patch_path};
use crate::scim::urn;

/// A SCIM attribute path from a rule file, compiled once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrTarget {
    /// The path with a core User or Group URN dropped (`urn` is then `None`).
    pub path: AttrPath,
}

/// Whether `urn` names the core User or Group schema.
fn is_core(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(urn::USER) || urn.eq_ignore_ascii_case(urn::GROUP)
}

/// The path with a core URN dropped, so that `userName` and
/// `urn:…:core:2.0:User:userName` compare equal.
fn without_core(mut path: AttrPath) -> AttrPath {
    if path.urn.as_deref().is_some_and(is_core) {
        path.urn = None;
    }
    path
}

impl AttrTarget {
    /// Parses `text` as an attribute path (RFC 7644 §3.10). A value filter
    /// (`emails[type eq "work"]`) is not an attribute and is refused.
    pub fn compile(text: &str, field: FieldPath, cx: &mut CompileCx) -> Option<AttrTarget> {
        match parse_attr_path(text) {
            Ok(path) => Some(AttrTarget {
                path: without_core(path),
            }),
            Err(e) => {
                cx.error(
                    field,
                    format!("`{text}` is not a SCIM attribute path: {e}"),
                    Some("write `userName`, `name.givenName` or `urn:…:2.0:User:attribute`; filters are not allowed here"),
                );
                None
            }
        }
    }

    /// The path as a PATCH `path` or an error message would write it.
    pub fn text(&self) -> String {
        self.path.to_string()
    }

    /// Whether `other` names the same top-level attribute (sub-attributes
    /// not compared).
    pub fn same_attribute(&self, other: &AttrPath) -> bool {
        let other_urn = other.urn.as_deref().filter(|u| !is_core(u));
        let urn_equal = match (self.path.urn.as_deref(), other_urn) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        urn_equal && self.path.name.eq_ignore_ascii_case(&other.name)
    }

    /// The PATCH path of an operation, parsed, with a core URN ignored.
    pub fn parse_op_path(op: &Value) -> Option<Result<PatchPath, ()>> {
        let text = super::scim::op_member(op, "path")?.as_str()?;
        Some(
            parse_patch_path(strip_core_urn(text))
                .map(|mut p| {
                    p.attr = without_core(p.attr);
                    p
                })
                .map_err(|_| ()),
        )
    }

    /// Pointers to the values a request body writes to this attribute: the
    /// attribute in a resource body; in a PATCH body, the `value` of every
    /// `add` or `replace` whose path is the attribute (or, for a
    /// sub-attribute, its parent or a filtered element's sub-attribute), and
    /// the attribute inside every path-less operation's partial resource.
    /// Values of a multi-valued parent are listed element by element.
    pub fn written(&self, body: &Value) -> Vec<Pointer> {
        let mut out = Vec::new();
        let Value::Object(map) = body else {
            return out;
        };
        let ops_key = key_ci(map, "Operations");
        match ops_key.and_then(|k| map.get(k).map(|v| (k, v))) {
            Some((ops_key, Value::Array(ops))) => {
                for (i, op) in ops.iter().enumerate() {
                    let base = Pointer(vec![Step::Key(ops_key.to_string()), Step::Index(i)]);
                    self.written_by_op(body, op, base, &mut out);
                }
            }
            _ => self.in_resource(body, Pointer::default(), &mut out),
        }
        out
    }

    fn written_by_op(&self, doc: &Value, op: &Value, base: Pointer, out: &mut Vec<Pointer>) {
        if !matches!(op_name(op).as_deref(), Some("add" | "replace")) {
            return;
        }
        let Some(op_map) = op.as_object() else {
            return;
        };
        let Some(value_key) = key_ci(op_map, "value") else {
            return;
        };
        let value_ptr = child(&base, value_key);
        let pp = match Self::parse_op_path(op) {
            None => return self.in_resource(doc, value_ptr, out),
            Some(Ok(pp)) => pp,
            Some(Err(())) => return,
        };
        if !self.same_attribute(&pp.attr) {
            return;
        }
        let op_sub = pp.attr.sub.as_deref().or(pp.sub.as_deref());
        match (self.path.sub.as_deref(), op_sub) {
            // The attribute itself (an element when filtered: not the attribute).
            (None, None) if pp.filter.is_none() => out.push(value_ptr),
            (Some(want), Some(have)) if want.eq_ignore_ascii_case(have) => out.push(value_ptr),
            // The parent: the attribute, or a filtered element, holds the sub-attribute.
            (Some(want), None) => subs_of(doc, &value_ptr, want, out),
            _ => {}
        }
    }

    /// The attribute inside the resource (or partial resource) at `base`.
    pub fn in_resource(&self, doc: &Value, base: Pointer, out: &mut Vec<Pointer>) {
        let Some(Value::Object(map)) = base.get(doc) else {
            return;
        };
        let (container, map) = match &self.path.urn {
            Some(u) => match key_ci(map, u).map(|k| (k, map.get(k))) {
                Some((k, Some(Value::Object(ext)))) => (child(&base, k), ext),
                _ => return,
            },
            None => (base, map),
        };
        let Some(name) = key_ci(map, &self.path.name) else {
            return;
        };
        let at = child(&container, name);
        match &self.path.sub {
            None => out.push(at),
            Some(sub) => subs_of(doc, &at, sub, out),
        }
    }
}

/// `base` extended by the member `key`.
pub fn child(base: &Pointer, key: &str) -> Pointer {
    let mut p = base.clone();
    p.0.push(Step::Key(key.to_string()));
    p
}

/// The sub-attribute `sub` of the complex value at `at`, or of each element
/// when it is a list.
fn subs_of(doc: &Value, at: &Pointer, sub: &str, out: &mut Vec<Pointer>) {
    match at.get(doc) {
        Some(Value::Object(m)) => {
            if let Some(k) = key_ci(m, sub) {
                out.push(child(at, k));
            }
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Value::Object(m) = item
                    && let Some(k) = key_ci(m, sub)
                {
                    let mut p = at.clone();
                    p.0.push(Step::Index(i));
                    out.push(child(&p, k));
                }
            }
        }
        _ => {}
    }
}

/// The value of `target` in a resource (a fetched one, or a partial one).
pub fn value_in<'v>(resource: &'v Value, target: &AttrTarget) -> Option<&'v Value> {
    let mut found = Vec::new();
    target.in_resource(resource, Pointer::default(), &mut found);
    found.first().and_then(|p| p.get(resource))
}

#[cfg(test)]
mod tests;
