//! `map_attribute`: what a client writes to one SCIM attribute is written to
//! another, for a backend that stores the same fact elsewhere, e.g. an
//! identity provider's app roles (`roles[primary eq true].value`, ENTRA-09)
//! kept in a custom extension attribute (seed 000). Works on POST and PUT
//! bodies, on path-less PATCH values, and on PATCH operations whose path
//! names the source attribute, in any of the shapes RFC 7644 §3.5.2 allows.
//!
//! A multi-valued source gives one value: its `primary` element's, or its
//! only element's. Several elements and none primary cannot be put into one
//! value: the request is refused with `400 invalidValue` instead of a guess.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::scim::{key_ci, op_member, op_name};
use super::target::AttrTarget;
use super::{CompileCx, Flow, LocalResponse};
use crate::rules::model::MapAttributeSpec;
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;
use crate::scim::{ScimError, ScimType};

const NAME: &str = "map_attribute";

/// A compiled `map_attribute`.
#[derive(Debug)]
pub struct MapAttribute {
    from: AttrTarget,
    to: AttrTarget,
    detail: Option<String>,
}

/// Several values and none primary.
#[derive(Debug)]
struct Ambiguous;

impl MapAttribute {
    pub fn compile(spec: &MapAttributeSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let from = AttrTarget::compile(&spec.from, field.key("from"), cx);
        let to = AttrTarget::compile(&spec.to, field.key("to"), cx);
        let (from, to) = (from?, to?);
        if from.same_attribute(&to.path) {
            cx.error(
                field.key("to"),
                format!("`{}` and `{}` are the same attribute", spec.from, spec.to),
                Some("map_attribute moves values between two different attributes"),
            );
            return None;
        }
        if spec.detail.as_deref().is_some_and(|d| d.trim().is_empty()) {
            cx.error(field.key("detail"), "the detail is empty", None);
            return None;
        }
        Some(MapAttribute {
            from,
            to,
            detail: spec.detail.clone(),
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        let Body::Json(Value::Object(map)) = &mut req.body else {
            return Flow::Continue;
        };
        let result = match key_ci(map, "Operations").map(str::to_string) {
            Some(k) => match map.get_mut(&k) {
                Some(Value::Array(ops)) => self.in_patch(rule, &k, ops, trace),
                _ => Ok(Flow::Continue),
            },
            None => self
                .in_resource(rule, map, "", true, trace)
                .map(|_| Flow::Continue),
        };
        result.unwrap_or_else(|Ambiguous| Flow::Respond(LocalResponse::error(rule, self.error())))
    }

    fn error(&self) -> ScimError {
        let detail = self.detail.clone().unwrap_or_else(|| {
            format!(
                "`{}` holds several values and none is marked primary, but this backend keeps \
                 one value in `{}`; give the user one value in the identity provider, or mark one primary",
                self.from.text(),
                self.to.text()
            )
        });
        ScimError::new(400, Some(ScimType::InvalidValue), detail)
    }

    /// Moves the source attribute of a resource (or of a path-less PATCH
    /// value at `at`) to the target. `root`: a whole resource, whose
    /// `schemas` must then list the target's extension (RFC 7643 §3).
    /// Returns whether anything changed.
    fn in_resource(
        &self,
        rule: &Arc<str>,
        map: &mut Map<String, Value>,
        at: &str,
        root: bool,
        trace: &mut Trace,
    ) -> Result<bool, Ambiguous> {
        let from = &self.from.path;
        // Where the source lives, and its value.
        let (ext_key, key) = match &from.urn {
            Some(u) => {
                let Some(ek) = key_ci(map, u).map(str::to_string) else {
                    return Ok(false);
                };
                let Some(Value::Object(ext)) = map.get(&ek) else {
                    return Ok(false);
                };
                let Some(k) = key_ci(ext, &from.name).map(str::to_string) else {
                    return Ok(false);
                };
                (Some(ek), k)
            }
            None => match key_ci(map, &from.name) {
                Some(k) => (None, k.to_string()),
                None => return Ok(false),
            },
        };
        let source = match &ext_key {
            Some(ek) => map.get(ek).and_then(|e| e.get(&key)),
            None => map.get(&key),
        };
        let picked = match source {
            Some(v) => pick(v, from.sub.as_deref())?,
            None => return Ok(false),
        };
        // Remove the source.
        let removed = match &ext_key {
            Some(ek) => {
                let Some(Value::Object(ext)) = map.get_mut(ek) else {
                    return Ok(false);
                };
                let v = ext.shift_remove(&key);
                if ext.is_empty() {
                    map.shift_remove(ek);
                }
                v.map(|v| (format!("{at}/{}/{}", esc(ek), esc(&key)), v))
            }
            None => map
                .shift_remove(&key)
                .map(|v| (format!("{at}/{}", esc(&key)), v)),
        };
        if let Some((pointer, before)) = removed {
            trace.body_change(rule, NAME, pointer, before, Value::Null);
        }
        let Some(value) = picked else {
            return Ok(true);
        };
        self.write(rule, map, at, value, trace);
        if root && let Some(u) = &self.to.path.urn {
            add_schema(rule, map, u, trace);
        }
        Ok(true)
    }

    /// Writes `value` to the target inside `map`, creating the extension
    /// and parent objects it needs.
    fn write(
        &self,
        rule: &Arc<str>,
        map: &mut Map<String, Value>,
        at: &str,
        value: Value,
        trace: &mut Trace,
    ) {
        let to = &self.to.path;
        let mut pointer = at.to_string();
        let container = match &to.urn {
            Some(u) => {
                let ek = key_ci(map, u).unwrap_or(u).to_string();
                pointer.push('/');
                pointer.push_str(&esc(&ek));
                let entry = map.entry(ek).or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                match entry {
                    Value::Object(m) => m,
                    _ => return,
                }
            }
            None => map,
        };
        let name = key_ci(container, &to.name).unwrap_or(&to.name).to_string();
        pointer.push('/');
        pointer.push_str(&esc(&name));
        let (slot, key) = match &to.sub {
            None => (container, name),
            Some(sub) => {
                let entry = container
                    .entry(name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                let Value::Object(m) = entry else {
                    return;
                };
                let k = key_ci(m, sub).unwrap_or(sub).to_string();
                pointer.push('/');
                pointer.push_str(&esc(&k));
                (m, k)
            }
        };
        let before = slot.insert(key, value.clone()).unwrap_or(Value::Null);
        if before != value {
            trace.body_change(rule, NAME, pointer, before, value);
        }
    }

    /// Rewrites the PATCH operations that address the source attribute.
    fn in_patch(
        &self,
        rule: &Arc<str>,
        ops_key: &str,
        ops: &mut Vec<Value>,
        trace: &mut Trace,
    ) -> Result<Flow, Ambiguous> {
        // Decide first, so that a refusal leaves the body as the client sent it.
        let mut plan: Vec<Option<Option<Value>>> = Vec::with_capacity(ops.len());
        for op in ops.iter() {
            let new = self.rewrite_op(op)?;
            if new.is_none() {
                self.check_partial(op)?;
            }
            plan.push(new);
        }
        let had = ops.len();
        let mut out = Vec::with_capacity(had);
        for (i, (op, new)) in std::mem::take(ops).into_iter().zip(plan).enumerate() {
            let at = format!("/{ops_key}/{i}");
            match new {
                // Not about the source.
                None => {
                    let mut op = op;
                    let path_less = op_member(&op, "path").is_none()
                        && matches!(op_name(&op).as_deref(), Some("add" | "replace"));
                    if path_less && let Some(m) = op.as_object_mut() {
                        let vk = key_ci(m, "value").unwrap_or("value").to_string();
                        if let Some(Value::Object(partial)) = m.get_mut(&vk) {
                            self.in_resource(rule, partial, &format!("{at}/{vk}"), false, trace)?;
                            if partial.is_empty() {
                                trace.body_change(rule, NAME, at, op, Value::Null);
                                continue;
                            }
                        }
                    }
                    out.push(op);
                }
                Some(Some(replacement)) => {
                    trace.body_change(rule, NAME, at, op, replacement.clone());
                    out.push(replacement);
                }
                Some(None) => trace.body_change(rule, NAME, at, op, Value::Null),
            }
        }
        *ops = out;
        if had > 0 && ops.is_empty() {
            // Only writes the backend cannot hold (a role's `display`, say):
            // nothing to send, and an empty PATCH is invalid.
            return Ok(Flow::Respond(LocalResponse {
                rule: rule.clone(),
                status: http::StatusCode::NO_CONTENT,
                headers: Vec::new(),
                body: None,
            }));
        }
        Ok(Flow::Continue)
    }

    /// Whether a path-less operation's partial resource holds a source that
    /// gives no single value.
    fn check_partial(&self, op: &Value) -> Result<(), Ambiguous> {
        if op_member(op, "path").is_some() {
            return Ok(());
        }
        let Some(partial) = op_member(op, "value").filter(|v| v.is_object()) else {
            return Ok(());
        };
        match super::target::value_in(
            partial,
            &AttrTarget {
                path: crate::scim::filter::AttrPath {
                    sub: None,
                    ..self.from.path.clone()
                },
            },
        ) {
            Some(v) => pick(v, self.from.path.sub.as_deref()).map(|_| ()),
            None => Ok(()),
        }
    }

    /// What becomes of one operation whose path names the source:
    /// `None` when it does not; `Some(None)` to drop it; `Some(Some(op))` to
    /// replace it.
    fn rewrite_op(&self, op: &Value) -> Result<Option<Option<Value>>, Ambiguous> {
        let Some(Ok(pp)) = AttrTarget::parse_op_path(op) else {
            return Ok(None);
        };
        if !self.from.same_attribute(&pp.attr) {
            return Ok(None);
        }
        let to = self.to.text();
        let want = self.from.path.sub.as_deref();
        let have = pp.attr.sub.as_deref().or(pp.sub.as_deref());
        let same_sub = match (want, have) {
            (Some(w), Some(h)) => w.eq_ignore_ascii_case(h),
            (None, None) => true,
            // The whole source or a whole element: it carries the wanted sub-attribute.
            (Some(_), None) => true,
            // A part of the source, which the target cannot hold.
            (None, Some(_)) => false,
        };
        let name = op_name(op);
        match name.as_deref() {
            Some("remove") => Ok(Some(same_sub.then(|| json!({"op": "remove", "path": to})))),
            Some("add" | "replace") => {
                if !same_sub {
                    return Ok(Some(None));
                }
                let Some(value) = op_member(op, "value") else {
                    return Ok(Some(None));
                };
                let picked = match (have, &pp.filter) {
                    // `roles[…].value` or `roles.value`: the value itself.
                    (Some(_), _) => Some(value.clone()).filter(|v| !v.is_null()),
                    // `roles[…]`: one element.
                    (None, Some(_)) => sub_of(&decode(value), want),
                    // `roles`: the whole attribute.
                    (None, None) => pick(value, want)?,
                };
                Ok(Some(match picked {
                    Some(v) => Some(json!({"op": "replace", "path": to, "value": v})),
                    None if name.as_deref() == Some("replace")
                        && pp.filter.is_none()
                        && matches!(value, Value::Array(a) if a.is_empty()) =>
                    {
                        // Replacing the list with nothing leaves no value.
                        Some(json!({"op": "remove", "path": to}))
                    }
                    None => None,
                }))
            }
            _ => Ok(None),
        }
    }
}

/// JSON Pointer escaping of one member name (RFC 6901).
fn esc(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Entra's app-role PATCHes (ENTRA-09) carry each element as a JSON object
/// written into a string, `{"value": "{\"id\":…,\"value\":\"Admin\"}"}`:
/// such an element is read as the object in the string (keeping a `primary`
/// given outside it). An element that is itself such a string is read alike.
fn decode(v: &Value) -> Value {
    let parse = |s: &str| {
        s.trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<Value>(s).ok())
            .flatten()
            .filter(Value::is_object)
    };
    match v {
        Value::String(s) => parse(s).unwrap_or_else(|| v.clone()),
        Value::Object(m) => {
            let inner = key_ci(m, "value")
                .and_then(|k| m.get(k))
                .and_then(Value::as_str)
                .and_then(parse);
            match inner {
                Some(Value::Object(mut inner)) => {
                    if let Some(k) = key_ci(m, "primary")
                        && key_ci(&inner, "primary").is_none()
                        && let Some(p) = m.get(k)
                    {
                        inner.insert(k.to_string(), p.clone());
                    }
                    Value::Object(inner)
                }
                _ => v.clone(),
            }
        }
        _ => v.clone(),
    }
}

/// Whether an element says `primary: true` (or `"True"`, ENTRA-02).
fn is_primary(e: &Value) -> bool {
    let Value::Object(m) = e else {
        return false;
    };
    match key_ci(m, "primary").and_then(|k| m.get(k)) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The sub-attribute `sub` of an element (the element itself without one);
/// `None` when absent or null.
fn sub_of(e: &Value, sub: Option<&str>) -> Option<Value> {
    let v = match sub {
        None => Some(e.clone()),
        Some(s) => e
            .as_object()
            .and_then(|m| key_ci(m, s).and_then(|k| m.get(k)))
            .cloned(),
    };
    v.filter(|v| !v.is_null())
}

/// The one value a source attribute gives: a list's primary element, or its
/// only element; a single value as it is.
fn pick(v: &Value, sub: Option<&str>) -> Result<Option<Value>, Ambiguous> {
    match v {
        Value::Array(items) => {
            let elements: Vec<Value> = items.iter().map(decode).collect();
            let chosen = match elements.iter().find(|e| is_primary(e)) {
                Some(p) => p,
                None => match elements.as_slice() {
                    [] => return Ok(None),
                    [only] => only,
                    _ => return Err(Ambiguous),
                },
            };
            Ok(sub_of(chosen, sub))
        }
        other => Ok(sub_of(&decode(other), sub)),
    }
}

/// Lists the extension `urn` in the resource's `schemas` (RFC 7643 §3),
/// when it has a `schemas` list that lacks it.
fn add_schema(rule: &Arc<str>, map: &mut Map<String, Value>, urn: &str, trace: &mut Trace) {
    let Some(k) = key_ci(map, "schemas").map(str::to_string) else {
        return;
    };
    let Some(Value::Array(schemas)) = map.get_mut(&k) else {
        return;
    };
    if schemas
        .iter()
        .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    {
        return;
    }
    schemas.push(Value::String(urn.to_string()));
    trace.body_change(
        rule,
        NAME,
        format!("/{}/{}", esc(&k), schemas.len() - 1),
        Value::Null,
        Value::String(urn.to_string()),
    );
}

#[cfg(test)]
mod tests;
