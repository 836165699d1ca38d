//! SCIM-aware PATCH rewrites built on [`crate::scim`]: `normalize_patch`
//! (ENTRA-01, ENTRA-05, ENTRA-06), `members_remove_by_value` (ENTRA-04,
//! JUMPCLOUD-03) and `manager_shape` (ENTRA-08). Each works on the raw JSON a
//! client sent, spelled however it was spelled, and leaves RFC 7644 §3.5.2
//! form behind.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{Flow, LocalResponse};
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use crate::scim::{ScimError, ScimType, urn};

/// The key of `map` equal to `name` ignoring ASCII case (RFC 7643 §2.1:
/// attribute names are case-insensitive).
pub(super) fn key_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m str> {
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// The `Operations` array (any spelling of the member name).
pub(super) fn operations_ci(req: &mut Request) -> Option<&mut Vec<Value>> {
    let Body::Json(Value::Object(map)) = &mut req.body else {
        return None;
    };
    let key = key_ci(map, "Operations")?.to_string();
    match map.get_mut(&key) {
        Some(Value::Array(ops)) => Some(ops),
        _ => None,
    }
}

/// An operation's member `name` (any case).
pub(super) fn op_member<'v>(op: &'v Value, name: &str) -> Option<&'v Value> {
    let map = op.as_object()?;
    map.get(key_ci(map, name)?)
}

/// The operation's `op`, lower-cased, if it is a string.
pub(super) fn op_name(op: &Value) -> Option<String> {
    op_member(op, "op")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// The operation's `path` with a core User/Group schema URN prefix removed.
pub(super) fn op_path(op: &Value) -> Option<&str> {
    op_member(op, "path")
        .and_then(Value::as_str)
        .map(strip_core_urn)
}

/// `path` without a leading core User or Group schema URN and its colon
/// (RFC 7644 §3.10 makes the qualification optional for core attributes).
pub(super) fn strip_core_urn(path: &str) -> &str {
    for core in [urn::USER, urn::GROUP] {
        if path.len() > core.len()
            && path.is_char_boundary(core.len())
            && path[..core.len()].eq_ignore_ascii_case(core)
            && path[core.len()..].starts_with(':')
        {
            return &path[core.len() + 1..];
        }
    }
    path
}

/// Whether `key` starts with `urn:` (any case) and has more after it. Byte
/// slicing is avoided: a key may start with a multi-byte character.
fn has_urn_prefix(key: &str) -> bool {
    key.len() > 4 && key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// Whether `key` names a whole schema (a container in a resource) rather than
/// an attribute inside one: a known schema id, or by the URN convention
/// `...:<version>:<ResourceType>` where the segment before the last is a
/// version number such as `2.0`.
pub(super) fn is_schema_id(key: &str) -> bool {
    if [urn::USER, urn::GROUP, urn::ENTERPRISE_USER]
        .iter()
        .any(|id| id.eq_ignore_ascii_case(key))
    {
        return true;
    }
    let mut segments = key.rsplit(':');
    let _resource_type = segments.next();
    segments.next().is_some_and(|v| {
        !v.is_empty()
            && v.bytes().any(|b| b.is_ascii_digit())
            && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    })
}

/// Where a path-less value's key belongs: the chain of object keys to walk.
/// `None` for keys that are paths with a value filter (they become ops).
fn key_segments(key: &str) -> Option<Vec<String>> {
    if key.contains('[') {
        return None;
    }
    if has_urn_prefix(key) {
        if is_schema_id(key) {
            return Some(vec![key.to_string()]);
        }
        let (schema, attr) = key.rsplit_once(':')?;
        let mut segments = Vec::new();
        let core = [urn::USER, urn::GROUP]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(schema));
        if !core {
            segments.push(schema.to_string());
        }
        segments.extend(attr.split('.').map(str::to_string));
        return Some(segments);
    }
    Some(key.split('.').map(str::to_string).collect())
}

/// Puts `value` at `segments` inside `out`, creating objects on the way and
/// merging objects that are already there (keys matched ignoring case).
fn insert_merge(out: &mut Map<String, Value>, segments: &[String], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let key = key_ci(out, first).map_or_else(|| first.clone(), str::to_string);
    if rest.is_empty() {
        match (out.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                for (k, v) in incoming {
                    insert_merge(existing, &[k], v);
                }
            }
            (_, value) => {
                out.insert(key, value);
            }
        }
        return;
    }
    let slot = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert_merge(inner, rest, value);
    }
}

/// A rebuilt partial resource, and the filtered keys split off it as
/// `(path, value)` pairs.
pub type Rebuilt = (Map<String, Value>, Vec<(String, Value)>);

/// Rebuilds a path-less PATCH value into a partial resource (RFC 7644
/// §3.5.2.1): dotted keys nest (`name.givenName`), URN-qualified keys go under
/// their schema (core URNs to the top level), and keys with a value filter
/// (`emails[type eq "work"].value`) are returned to become pathed operations.
/// `None` when nothing needed rebuilding.
pub fn rebuild_partial(value: &Map<String, Value>) -> Option<Rebuilt> {
    let plain = |k: &String| {
        let qualified = has_urn_prefix(k) && !is_schema_id(k);
        !(k.contains('.') || k.contains('[') || qualified)
    };
    if value.keys().all(plain) {
        return None;
    }
    let mut out = Map::new();
    let mut pathed = Vec::new();
    for (k, v) in value {
        match key_segments(k) {
            Some(segments) => insert_merge(&mut out, &segments, v.clone()),
            None => pathed.push((strip_core_urn(k).to_string(), v.clone())),
        }
    }
    Some((out, pathed))
}

const NORMALIZE: &str = "normalize_patch";

#[derive(Debug)]
pub struct NormalizePatch;

impl NormalizePatch {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Body::Json(Value::Object(map)) = &mut req.body else {
            return;
        };
        if key_ci(map, "schemas").is_none() {
            let after = json!([urn::PATCH_OP]);
            map.insert("schemas".into(), after.clone());
            trace.body_change(rule, NORMALIZE, "/schemas".into(), Value::Null, after);
        }
        let Some(key) = key_ci(map, "Operations").map(str::to_string) else {
            return;
        };
        if key != "Operations"
            && let Some(ops) = map.remove(&key)
        {
            map.insert("Operations".into(), ops);
            trace.body_change(
                rule,
                NORMALIZE,
                "/Operations".into(),
                Value::String(key),
                Value::String("Operations".into()),
            );
        }
        let Some(Value::Array(ops)) = map.get_mut("Operations") else {
            return;
        };
        let mut out = Vec::with_capacity(ops.len());
        for (i, mut op) in std::mem::take(ops).into_iter().enumerate() {
            let extra = normalize_op(rule, i, &mut op, trace);
            if !op.is_null() {
                out.push(op);
            }
            out.extend(extra);
        }
        *ops = out;
    }
}

/// Normalises one operation in place; returns operations split off it.
fn normalize_op(rule: &Arc<str>, i: usize, op: &mut Value, trace: &mut Trace) -> Vec<Value> {
    let Value::Object(map) = op else {
        return Vec::new();
    };
    // Member names of the operation itself: `Op`, `Path`, `Value` → lower case.
    let renames: Vec<String> = map
        .keys()
        .filter(|k| {
            ["op", "path", "value"]
                .iter()
                .any(|n| k.eq_ignore_ascii_case(n) && k.as_str() != *n)
        })
        .cloned()
        .collect();
    let target = |leaf: &str| format!("/Operations/{i}/{leaf}");
    for k in renames {
        if let Some(v) = map.remove(&k) {
            let lower = k.to_ascii_lowercase();
            trace.body_change(
                rule,
                NORMALIZE,
                target(&lower),
                Value::String(k),
                Value::String(lower.clone()),
            );
            map.insert(lower, v);
        }
    }
    if let Some(Value::String(name)) = map.get_mut("op")
        && name.bytes().any(|b| b.is_ascii_uppercase())
    {
        let before = Value::String(name.clone());
        name.make_ascii_lowercase();
        let after = Value::String(name.clone());
        trace.body_change(rule, NORMALIZE, target("op"), before, after);
    }
    if let Some(Value::String(path)) = map.get_mut("path") {
        let stripped = strip_core_urn(path);
        if stripped.len() != path.len() {
            let before = Value::String(path.clone());
            *path = stripped.to_string();
            let after = Value::String(path.clone());
            trace.body_change(rule, NORMALIZE, target("path"), before, after);
        }
    }
    if map.contains_key("path") {
        return Vec::new();
    }
    let op_name = map
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("replace")
        .to_string();
    let Some(Value::Object(value)) = map.get_mut("value") else {
        return Vec::new();
    };
    let Some((rebuilt, pathed)) = rebuild_partial(value) else {
        return Vec::new();
    };
    let before = Value::Object(std::mem::replace(value, rebuilt));
    let after = Value::Object(value.clone());
    trace.body_change(rule, NORMALIZE, target("value"), before, after);
    let empty = value.is_empty();
    let extra: Vec<Value> = pathed
        .into_iter()
        .map(|(path, v)| json!({"op": op_name, "path": path, "value": v}))
        .collect();
    for (n, e) in extra.iter().enumerate() {
        trace.body_change(
            rule,
            NORMALIZE,
            format!("/Operations/{i}+{}", n + 1),
            Value::Null,
            e.clone(),
        );
    }
    if empty && !extra.is_empty() {
        // Every key became its own operation: the emptied one goes.
        *op = Value::Null;
    }
    extra
}

const MEMBERS: &str = "members_remove_by_value";

#[derive(Debug)]
pub struct MembersRemoveByValue;

/// `members[value eq "<id>"]`, printed by the filter printer so quoting and
/// escaping follow RFC 7644 §3.4.2.2.
pub fn member_filter_path(id: &str) -> String {
    let path = PatchPath {
        attr: AttrPath {
            urn: None,
            name: "members".into(),
            sub: None,
        },
        filter: Some(Filter::Compare(
            AttrPath {
                urn: None,
                name: "value".into(),
                sub: None,
            },
            CompareOp::Eq,
            CompValue::String(id.to_string()),
        )),
        sub: None,
    };
    path.to_string()
}

impl MembersRemoveByValue {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        let Some(ops) = operations_ci(req) else {
            return Flow::Continue;
        };
        let touches = |op: &Value| {
            op_name(op).as_deref() == Some("remove")
                && op_path(op).is_some_and(|p| p.eq_ignore_ascii_case("members"))
                && op_member(op, "value").is_some()
        };
        if !ops.iter().any(touches) {
            return Flow::Continue;
        }
        // Work out every replacement first: a refusal leaves the body as it was.
        let mut plan: Vec<Option<Vec<Value>>> = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            if !touches(op) {
                plan.push(None);
                continue;
            }
            let value = op_member(op, "value").unwrap_or(&Value::Null);
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                Value::Object(_) => vec![value],
                _ => Vec::new(),
            };
            let ids: Option<Vec<&str>> = items
                .iter()
                .map(|m| {
                    m.as_object()
                        .and_then(|o| key_ci(o, "value").and_then(|k| o.get(k)))
                        .and_then(Value::as_str)
                })
                .collect();
            let Some(ids) = ids.filter(|_| value.is_array() || value.is_object()) else {
                // Forwarding this would risk a literal server emptying the
                // group; refusing loses nothing.
                return Flow::Respond(LocalResponse::error(
                    rule,
                    ScimError::new(
                        400,
                        Some(ScimType::InvalidValue),
                        format!(
                            "operation {i} removes `members` with a value that is not a list of {{\"value\": id}} objects; refusing rather than risking the removal of every member"
                        ),
                    ),
                ));
            };
            plan.push(Some(
                ids.iter()
                    .map(|id| json!({"op": "remove", "path": member_filter_path(id)}))
                    .collect(),
            ));
        }
        let mut out = Vec::with_capacity(ops.len());
        for (i, (op, replacement)) in std::mem::take(ops).into_iter().zip(plan).enumerate() {
            let Some(replacement) = replacement else {
                out.push(op);
                continue;
            };
            trace.body_change(
                rule,
                MEMBERS,
                format!("/Operations/{i}"),
                op,
                Value::Array(replacement.clone()),
            );
            out.extend(replacement);
        }
        *ops = out;
        if ops.is_empty() {
            // Every operation removed an empty list of members: nothing to do,
            // and an empty PATCH is invalid (RFC 7644 §3.5.2).
            return Flow::Respond(LocalResponse {
                rule: rule.clone(),
                status: http::StatusCode::NO_CONTENT,
                headers: Vec::new(),
                body: None,
            });
        }
        Flow::Continue
    }
}

const MANAGER: &str = "manager_shape";

#[derive(Debug)]
pub struct ManagerShape;

/// `{"value": id}` for a bare manager id; the first element of a one-element
/// list; `None` when `v` already has the right shape or cannot be fixed.
fn manager_object(v: &Value) -> Option<Value> {
    match v {
        Value::String(id) => Some(json!({ "value": id })),
        Value::Array(items) => match items.as_slice() {
            [first] if first.is_object() => Some(first.clone()),
            [Value::String(id)] => Some(json!({ "value": id })),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `path` (core URN already stripped) names the enterprise manager;
/// returns what follows `manager` (a filter, a sub-attribute, or nothing).
fn manager_rest(path: &str) -> Option<&str> {
    let ent = urn::ENTERPRISE_USER;
    let rest = if path.len() > ent.len()
        && path.is_char_boundary(ent.len())
        && path[..ent.len()].eq_ignore_ascii_case(ent)
        && path[ent.len()..].starts_with(':')
    {
        &path[ent.len() + 1..]
    } else {
        path
    };
    if rest.len() >= 7 && rest.is_char_boundary(7) && rest[..7].eq_ignore_ascii_case("manager") {
        let tail = &rest[7..];
        if tail.is_empty() || tail.starts_with('[') || tail.starts_with('.') {
            return Some(tail);
        }
    }
    None
}

impl ManagerShape {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let is_patch = req.status.is_none() && req.method == http::Method::PATCH;
        let Body::Json(body) = &mut req.body else {
            return;
        };
        if is_patch {
            shape_patch(rule, body, trace);
        } else {
            shape_resource_or_list(rule, body, trace);
        }
    }
}

fn shape_patch(rule: &Arc<str>, body: &mut Value, trace: &mut Trace) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let Some(key) = key_ci(map, "Operations").map(str::to_string) else {
        return;
    };
    let Some(Value::Array(ops)) = map.get_mut(&key) else {
        return;
    };
    let qualified = format!("{}:manager", urn::ENTERPRISE_USER);
    for (i, op) in ops.iter_mut().enumerate() {
        let Some(path) = op_path(op).map(str::to_string) else {
            // Path-less: the manager inside the extension object.
            if let Some(value) = op.as_object_mut().and_then(|o| {
                key_ci(o, "value")
                    .map(str::to_string)
                    .and_then(|k| o.get_mut(&k))
            }) {
                shape_in_resource(rule, value, &format!("/Operations/{i}/value"), trace);
            }
            continue;
        };
        let Some(rest) = manager_rest(&path) else {
            continue;
        };
        let Some(map) = op.as_object_mut() else {
            continue;
        };
        let path_key = key_ci(map, "path").unwrap_or("path").to_string();
        if rest.starts_with('[') {
            // `manager[value eq "x"]`: a filter on a single-valued attribute
            // is invalid; removing the manager is what is meant.
            let before = Value::String(path.clone());
            map.insert(path_key, Value::String(qualified.clone()));
            trace.body_change(
                rule,
                MANAGER,
                format!("/Operations/{i}/path"),
                before,
                Value::String(qualified.clone()),
            );
            continue;
        }
        if rest.is_empty() && !path.contains(':') {
            // A bare `manager`: extension attributes need their URN.
            map.insert(path_key, Value::String(qualified.clone()));
            trace.body_change(
                rule,
                MANAGER,
                format!("/Operations/{i}/path"),
                Value::String(path.clone()),
                Value::String(qualified.clone()),
            );
        }
        if rest.is_empty()
            && let Some(vk) = key_ci(map, "value").map(str::to_string)
            && let Some(v) = map.get_mut(&vk)
            && let Some(fixed) = manager_object(v)
        {
            let before = std::mem::replace(v, fixed.clone());
            trace.body_change(
                rule,
                MANAGER,
                format!("/Operations/{i}/value"),
                before,
                fixed,
            );
        }
    }
}

/// Fixes the manager inside a resource (or partial resource) object.
fn shape_in_resource(rule: &Arc<str>, resource: &mut Value, at: &str, trace: &mut Trace) {
    let Some(map) = resource.as_object_mut() else {
        return;
    };
    let Some(ext_key) = key_ci(map, urn::ENTERPRISE_USER).map(str::to_string) else {
        return;
    };
    let Some(Value::Object(ext)) = map.get_mut(&ext_key) else {
        return;
    };
    let Some(mk) = key_ci(ext, "manager").map(str::to_string) else {
        return;
    };
    if let Some(v) = ext.get_mut(&mk)
        && let Some(fixed) = manager_object(v)
    {
        let before = std::mem::replace(v, fixed.clone());
        trace.body_change(rule, MANAGER, format!("{at}/{ext_key}/{mk}"), before, fixed);
    }
}

/// A single resource, or every resource of a ListResponse.
fn shape_resource_or_list(rule: &Arc<str>, body: &mut Value, trace: &mut Trace) {
    let list_key = body
        .as_object()
        .and_then(|m| key_ci(m, "Resources"))
        .map(str::to_string);
    match list_key {
        Some(k) => {
            if let Some(Value::Array(items)) = body.get_mut(&k) {
                for (i, item) in items.iter_mut().enumerate() {
                    shape_in_resource(rule, item, &format!("/{k}/{i}"), trace);
                }
            }
        }
        None => shape_in_resource(rule, body, "", trace),
    }
}

#[cfg(test)]
mod tests;
