//! Actions that need the resource as the upstream holds it now:
//! `upsert_filtered_path` (ENTRA-07) and `patch_via_put` (backends without
//! PATCH); and the deprovisioning pair `delete_as_deactivate` /
//! `deactivate_as_delete` (seed 004, ENTRA-13, OKTA-06).
//!
//! The engine stays pure: an action that needs the resource says so
//! ([`wants_resource`]) and evaluation pauses with
//! [`crate::rules::Step::NeedResource`]; the proxy fetches it with a GET,
//! logs the fetch, stores it in [`Request::resource`] and resumes.

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, IF_MATCH};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

use super::scim::{key_ci, op_member, op_name, op_path, operations_ci};
use super::{Flow, LocalResponse};
use crate::rules::request::{Body, Fetched, Request};
use crate::rules::trace::Trace;
use crate::scim::filter::{self, CompValue, CompareOp, Filter, parse_patch_path};
use crate::scim::patch::{self, PatchRequest, Strictness};
use crate::scim::schema::ResourceType;
use crate::scim::{ScimError, urn};

/// The resource types whose items the actions here work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    User,
    Group,
}

impl Item {
    pub fn resource_type(self) -> ResourceType {
        match self {
            Item::User => ResourceType::user(),
            Item::Group => ResourceType::group(),
        }
    }
}

/// What an item path (`…/Users/{id}`) addresses; no allocation, so it is
/// cheap to ask on every request a rule matches.
pub fn item_of(path: &str) -> Option<Item> {
    let mut segments = path.trim_end_matches('/').rsplit('/');
    segments.next().filter(|s| !s.is_empty())?;
    let collection = segments.next()?;
    if collection.eq_ignore_ascii_case("Users") {
        Some(Item::User)
    } else if collection.eq_ignore_ascii_case("Groups") {
        Some(Item::Group)
    } else {
        None
    }
}

/// The `attr eq value` pairs of a filter made only of such comparisons joined
/// by `and`: what a new element must hold to match it. `None` for anything else.
fn eq_pairs(f: &Filter, out: &mut Vec<(String, Value)>) -> bool {
    match f {
        Filter::And(a, b) => eq_pairs(a, out) && eq_pairs(b, out),
        Filter::Compare(path, CompareOp::Eq, value) if path.urn.is_none() && path.sub.is_none() => {
            let v = match value {
                CompValue::Null => return false,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::String(s) => Value::String(s.clone()),
            };
            out.push((path.name.clone(), v));
            true
        }
        _ => false,
    }
}

/// The elements of the multi-valued attribute `attr` in `resource`.
fn elements<'r>(resource: &'r Value, attr: &filter::AttrPath) -> &'r [Value] {
    let Some(mut map) = resource.as_object() else {
        return &[];
    };
    if let Some(u) = &attr.urn
        && let Some(k) = key_ci(map, u)
        && let Some(Value::Object(ext)) = map.get(k)
    {
        map = ext;
    }
    match key_ci(map, &attr.name).and_then(|k| map.get(k)) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// Whether an action of this rule will want the current resource.
pub fn patch_has_filtered_write(req: &Request) -> bool {
    let Body::Json(Value::Object(map)) = &req.body else {
        return false;
    };
    let Some(Value::Array(ops)) = key_ci(map, "Operations").and_then(|k| map.get(k)) else {
        return false;
    };
    ops.iter().any(|op| {
        matches!(op_name(op).as_deref(), Some("add" | "replace"))
            && op_path(op).is_some_and(|p| p.contains('['))
    })
}

const UPSERT: &str = "upsert_filtered_path";

#[derive(Debug)]
pub struct UpsertFilteredPath;

impl UpsertFilteredPath {
    pub fn wants_resource(&self, req: &Request) -> bool {
        req.method == Method::PATCH && item_of(&req.path).is_some() && patch_has_filtered_write(req)
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Fetched::Found { resource, .. } = &req.resource else {
            return;
        };
        let resource = resource.clone();
        let Some(rt) = item_of(&req.path).map(Item::resource_type) else {
            return;
        };
        let Some(ops) = operations_ci(req) else {
            return;
        };
        // New elements made so far: (attribute, canonical filter) → index in `out`.
        let mut made: Vec<(String, usize)> = Vec::new();
        let mut out: Vec<Value> = Vec::with_capacity(ops.len());
        for (i, op) in std::mem::take(ops).into_iter().enumerate() {
            let name = op_name(&op);
            let Some(path) =
                op_path(&op).filter(|_| matches!(name.as_deref(), Some("add" | "replace")))
            else {
                out.push(op);
                continue;
            };
            let Ok(pp) = parse_patch_path(path) else {
                out.push(op);
                continue;
            };
            let Some(f) = &pp.filter else {
                out.push(op);
                continue;
            };
            // `roles[primary eq "True"]` means the boolean (ENTRA-09).
            let typed = rt.coerce_filter(Some(&pp.attr), f);
            let f = &typed;
            let existing = elements(&resource, &pp.attr);
            if !filter::matching_indices(f, existing, &pp.attr, &rt).is_empty() {
                // The element exists: a plain replace says exactly that
                // (an add with a filter is not defined by RFC 7644 §3.5.2.1).
                let mut op = op;
                if name.as_deref() == Some("add")
                    && let Some(map) = op.as_object_mut()
                {
                    let k = key_ci(map, "op").unwrap_or("op").to_string();
                    map.insert(k, Value::String("replace".into()));
                    trace.body_change(
                        rule,
                        UPSERT,
                        format!("/Operations/{i}/op"),
                        Value::String("add".into()),
                        Value::String("replace".into()),
                    );
                }
                out.push(op);
                continue;
            }
            let mut pairs = Vec::new();
            let value = op_member(&op, "value").cloned();
            if !eq_pairs(f, &mut pairs) || value.is_none() {
                out.push(op);
                continue;
            }
            let mut element = Map::new();
            for (k, v) in pairs {
                element.insert(k, v);
            }
            match (&pp.sub, value) {
                (Some(sub), Some(v)) => {
                    element.insert(sub.clone(), v);
                }
                (None, Some(Value::Object(fields))) => element.extend(fields),
                _ => {
                    out.push(op);
                    continue;
                }
            }
            let element = coerce_element(&rt, &pp.attr, element);
            let attr_text = pp.attr.to_string();
            let key = format!("{}\u{0}{}", attr_text.to_ascii_lowercase(), f);
            let before = op.clone();
            match made.iter().find(|(k, _)| *k == key) {
                Some((_, at)) => {
                    if let Some(Value::Object(target)) = out
                        .get_mut(*at)
                        .and_then(|o| o.get_mut("value"))
                        .and_then(|v| v.get_mut(0))
                    {
                        target.extend(element);
                    }
                    trace.body_change(
                        rule,
                        UPSERT,
                        format!("/Operations/{i}"),
                        before,
                        Value::String(format!("merged into the new element of operation {at}")),
                    );
                }
                None => {
                    let new_op =
                        json!({"op": "add", "path": attr_text, "value": [Value::Object(element)]});
                    trace.body_change(
                        rule,
                        UPSERT,
                        format!("/Operations/{i}"),
                        before,
                        new_op.clone(),
                    );
                    made.push((key, out.len()));
                    out.push(new_op);
                }
            }
        }
        *ops = out;
    }
}

/// Converts a new element's values to the schema's types (`primary eq "True"`
/// becomes `"primary": true`).
fn coerce_element(
    rt: &ResourceType,
    attr: &filter::AttrPath,
    element: Map<String, Value>,
) -> Map<String, Value> {
    let list = Value::Array(vec![Value::Object(element)]);
    let mut doc = Map::new();
    match &attr.urn {
        Some(u) if !u.eq_ignore_ascii_case(&rt.schema.id) => {
            let mut ext = Map::new();
            ext.insert(attr.name.clone(), list);
            doc.insert(u.clone(), Value::Object(ext));
        }
        _ => {
            doc.insert(attr.name.clone(), list);
        }
    }
    let mut doc = Value::Object(doc);
    rt.coerce(&mut doc);
    let list = match &attr.urn {
        Some(u) if !u.eq_ignore_ascii_case(&rt.schema.id) => doc
            .get_mut(u.as_str())
            .and_then(|e| e.get_mut(&attr.name))
            .map(Value::take),
        _ => doc.get_mut(&attr.name).map(Value::take),
    };
    match list {
        Some(Value::Array(mut items)) => match items.pop() {
            Some(Value::Object(e)) => e,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

const VIA_PUT: &str = "patch_via_put";

#[derive(Debug)]
pub struct PatchViaPut {
    pub retries: u8,
}

impl PatchViaPut {
    pub fn wants_resource(&self, req: &Request) -> bool {
        req.method == Method::PATCH && item_of(&req.path).is_some()
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        if req.method != Method::PATCH {
            return Flow::Continue;
        }
        let Some(rt) = item_of(&req.path).map(Item::resource_type) else {
            return Flow::Continue;
        };
        let (current, etag) = match &req.resource {
            Fetched::Found { resource, etag } => (resource.clone(), etag.clone()),
            Fetched::Failed { status, body } => {
                // The upstream's own answer about the resource (e.g. 404).
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
                let body = body.clone().unwrap_or_else(|| {
                    ScimError::new(status.as_u16(), None, "the resource could not be read")
                        .to_json()
                });
                return Flow::Respond(LocalResponse {
                    rule: rule.clone(),
                    status,
                    headers: Vec::new(),
                    body: serde_json::to_vec(&body).ok().map(Into::into),
                });
            }
            Fetched::NotFetched => return Flow::Continue,
        };
        let Body::Json(body) = &req.body else {
            return Flow::Continue;
        };
        let result = PatchRequest::from_json(body, Strictness::Lenient).and_then(|patch| {
            let mut next = current.clone();
            patch::apply(&mut next, &patch, &rt).map(|_| next)
        });
        let mut next = match result {
            Ok(next) => next,
            Err(e) => return Flow::Respond(LocalResponse::error(rule, e)),
        };
        if let Some(map) = next.as_object_mut()
            && let Some(k) = key_ci(map, "meta").map(str::to_string)
        {
            map.remove(&k);
        }
        let before = std::mem::replace(&mut req.body, Body::Json(next.clone()));
        if let Body::Json(before) = before {
            trace.body_change(rule, VIA_PUT, String::new(), before, next);
        }
        trace.change(
            rule,
            VIA_PUT,
            "method".into(),
            Value::String("PATCH".into()),
            Value::String("PUT".into()),
        );
        req.method = Method::PUT;
        if !req.headers.contains_key(IF_MATCH)
            && let Some(tag) = etag
            && let Ok(v) = HeaderValue::from_str(&tag)
        {
            trace.change(
                rule,
                VIA_PUT,
                "header:if-match".into(),
                Value::Null,
                Value::String(tag.clone()),
            );
            req.headers.insert(IF_MATCH, v);
            req.reply.retry_on_precondition = Some((rule.clone(), self.retries));
        }
        Flow::Continue
    }
}

const DEACTIVATE: &str = "delete_as_deactivate";

#[derive(Debug)]
pub struct DeleteAsDeactivate;

impl DeleteAsDeactivate {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        if req.method != Method::DELETE || item_of(&req.path) != Some(Item::User) {
            return;
        }
        let patch = json!({
            "schemas": [urn::PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": false}],
        });
        trace.change(
            rule,
            DEACTIVATE,
            "method".into(),
            Value::String("DELETE".into()),
            Value::String("PATCH".into()),
        );
        trace.body_change(rule, DEACTIVATE, String::new(), Value::Null, patch.clone());
        req.method = Method::PATCH;
        req.body = Body::Json(patch);
        req.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
        req.headers.remove(CONTENT_LENGTH);
        req.reply.no_content_on_success = Some(rule.clone());
    }
}

const DELETE: &str = "deactivate_as_delete";

#[derive(Debug)]
pub struct DeactivateAsDelete;

/// Whether `v` is `false` or a string spelling of it (ENTRA-02).
fn is_false(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::String(s) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// Whether every operation of a PATCH only sets `active` to false.
pub fn only_deactivates(body: &Value) -> bool {
    let Some(map) = body.as_object() else {
        return false;
    };
    let Some(Value::Array(ops)) = key_ci(map, "Operations").and_then(|k| map.get(k)) else {
        return false;
    };
    !ops.is_empty()
        && ops.iter().all(|op| {
            if !matches!(op_name(op).as_deref(), Some("replace" | "add")) {
                return false;
            }
            match (op_path(op), op_member(op, "value")) {
                (Some(p), Some(v)) => p.eq_ignore_ascii_case("active") && is_false(v),
                (None, Some(Value::Object(partial))) => {
                    partial.len() == 1
                        && partial
                            .iter()
                            .all(|(k, v)| k.eq_ignore_ascii_case("active") && is_false(v))
                }
                _ => false,
            }
        })
}

impl DeactivateAsDelete {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        if req.method != Method::PATCH || item_of(&req.path) != Some(Item::User) {
            return;
        }
        let Body::Json(body) = &req.body else {
            return;
        };
        if !only_deactivates(body) {
            return;
        }
        let before = body.clone();
        trace.change(
            rule,
            DELETE,
            "method".into(),
            Value::String("PATCH".into()),
            Value::String("DELETE".into()),
        );
        trace.body_change(rule, DELETE, String::new(), before, Value::Null);
        req.method = Method::DELETE;
        req.body = Body::Empty;
        req.headers.remove(CONTENT_TYPE);
        req.headers.remove(CONTENT_LENGTH);
    }
}

#[cfg(test)]
mod tests;
