//! `coerce_by_schema`: lax values (`"True"`, `"42"`) become the type the
//! schema declares for their attribute, wherever the attribute is. The
//! schema, not a list of names in a rule file, decides which attributes are
//! booleans or integers (ENTRA-02, OKTA-02, SAILPOINT-01).
//!
//! Works on POST/PUT bodies, on PATCH operation values (the operation's path
//! decides the attribute), and in response rules on a resource or on each
//! resource of a ListResponse.

use std::sync::Arc;

use serde_json::Value;

use super::scim::{key_ci, op_member};
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::scim::filter::parse_patch_path;
use crate::scim::schema::{Coerced, ResourceType};

const NAME: &str = "coerce_by_schema";

/// The resource types are built once, at load.
#[derive(Debug)]
pub struct CoerceBySchema {
    user: ResourceType,
    group: ResourceType,
}

impl CoerceBySchema {
    pub fn new() -> Self {
        CoerceBySchema {
            user: ResourceType::user(),
            group: ResourceType::group(),
        }
    }

    /// The resource type a path is about: `…/Users`, `…/Users/{id}` and the
    /// same for Groups. `/.search` bodies are queries, not resources.
    fn resource_type(&self, path: &str) -> Option<&ResourceType> {
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let last = segments.next()?;
        let collection =
            if last.eq_ignore_ascii_case("Users") || last.eq_ignore_ascii_case("Groups") {
                last
            } else if last.starts_with('.') || last.is_empty() {
                return None;
            } else {
                segments.next()?
            };
        if collection.eq_ignore_ascii_case("Users") {
            Some(&self.user)
        } else if collection.eq_ignore_ascii_case("Groups") {
            Some(&self.group)
        } else {
            None
        }
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(rt) = self.resource_type(&req.path) else {
            return;
        };
        let is_patch = req.status.is_none() && req.method == http::Method::PATCH;
        let Body::Json(body) = &mut req.body else {
            return;
        };
        if is_patch {
            coerce_patch(rule, rt, body, trace);
            return;
        }
        let Some(map) = body.as_object_mut() else {
            return;
        };
        // A ListResponse: each of its resources.
        if let Some(key) = key_ci(map, "Resources").map(str::to_string)
            && let Some(Value::Array(resources)) = map.get_mut(&key)
        {
            for (i, resource) in resources.iter_mut().enumerate() {
                let changed = rt.coerce_traced(resource);
                record(rule, &format!("/{key}/{i}"), resource, changed, trace);
            }
            return;
        }
        let changed = rt.coerce_traced(body);
        record(rule, "", body, changed, trace);
    }
}

fn coerce_patch(rule: &Arc<str>, rt: &ResourceType, body: &mut Value, trace: &mut Trace) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let Some(key) = key_ci(map, "Operations").map(str::to_string) else {
        return;
    };
    let Some(Value::Array(ops)) = map.get_mut(&key) else {
        return;
    };
    for (i, op) in ops.iter_mut().enumerate() {
        let path = match op_member(op, "path").and_then(Value::as_str) {
            // A path that does not parse is left for the backend to reject.
            Some(text) => match parse_patch_path(text) {
                Ok(p) => Some(p),
                Err(_) => continue,
            },
            None => None,
        };
        let Some(obj) = op.as_object_mut() else {
            continue;
        };
        let Some(value_key) = key_ci(obj, "value").map(str::to_string) else {
            continue;
        };
        let Some(value) = obj.get_mut(&value_key) else {
            continue;
        };
        let changed = rt.coerce_patch_value(path.as_ref(), value);
        record(
            rule,
            &format!("/{key}/{i}/{value_key}"),
            value,
            changed,
            trace,
        );
    }
}

/// One change per coerced value, its pointer under `prefix`.
fn record(rule: &Arc<str>, prefix: &str, doc: &Value, changed: Vec<Coerced>, trace: &mut Trace) {
    for (pointer, before) in changed {
        let after = if trace.record_changes {
            doc.pointer(&pointer).cloned().unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        trace.body_change(rule, NAME, format!("{prefix}{pointer}"), before, after);
    }
}

#[cfg(test)]
mod tests;
