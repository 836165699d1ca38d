//! `parse_json_strings`: strings that hold a JSON object become the object.
//! Entra's AppRoleAssignmentsComplex mapping sends each role as JSON text in
//! the role's `value` (`{"value": "{\"id\":…,\"value\":\"25\",\"displayName\":…}"}`,
//! ENTRA-09); a backend would store the text. The parsed members are laid
//! over the object that held the string, in the string's place, so the role
//! becomes `{"value": "25", …}` rather than a role whose `value` is an object.
//! A string that is an array element (or the whole body) has no such object
//! and is replaced by the parsed object itself.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::CompileCx;
use super::scim::key_ci;
use crate::rules::jsonpath::{JsonPath, Pointer, Step};
use crate::rules::model::ParseJsonStringsSpec;
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;

const NAME: &str = "parse_json_strings";

/// A compiled `parse_json_strings`.
#[derive(Debug)]
pub struct ParseJsonStrings {
    select: JsonPath,
    /// Member names to keep; `None`: all.
    keep: Option<Vec<String>>,
}

impl ParseJsonStrings {
    /// Compiles the JSONPath; refuses an empty `keep` or an empty name in it.
    pub fn compile(
        spec: &ParseJsonStringsSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let select = cx.jsonpath(field.key("select"), &spec.select);
        let mut ok = true;
        if let Some(keep) = &spec.keep {
            if keep.is_empty() {
                cx.error(
                    field.key("keep"),
                    "an empty `keep` would drop every member of the parsed object",
                    Some("name the members to keep, or leave `keep` out to keep them all"),
                );
                ok = false;
            }
            for (i, name) in keep.iter().enumerate() {
                if name.is_empty() {
                    cx.error(field.key("keep").index(i), "the member name is empty", None);
                    ok = false;
                }
            }
        }
        let select = select?;
        ok.then(|| ParseJsonStrings {
            select,
            keep: spec.keep.clone(),
        })
    }

    /// Parses every selected string that holds a JSON object and puts its
    /// (kept) members in the string's place.
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Body::Json(doc) = &mut req.body else {
            return;
        };
        for ptr in self.select.select(doc) {
            let Some(Value::String(text)) = ptr.get(doc) else {
                continue;
            };
            let Some(members) = self.parse(text) else {
                continue;
            };
            match ptr.0.split_last() {
                Some((Step::Key(key), parent)) => {
                    let parent = Pointer(parent.to_vec());
                    let Some(Value::Object(map)) = parent.get_mut(doc) else {
                        continue;
                    };
                    let before = trace.record_changes.then(|| Value::Object(map.clone()));
                    overlay(map, key, members);
                    match before {
                        Some(before) => {
                            let after = Value::Object(map.clone());
                            trace.body_change(rule, NAME, parent.to_json_pointer(), before, after);
                        }
                        None => trace.body_edited(),
                    }
                }
                _ => {
                    let Some(node) = ptr.get_mut(doc) else {
                        continue;
                    };
                    let after = Value::Object(members);
                    if !trace.record_changes {
                        *node = after;
                        trace.body_edited();
                        continue;
                    }
                    let before = std::mem::replace(node, after.clone());
                    trace.body_change(rule, NAME, ptr.to_json_pointer(), before, after);
                }
            }
        }
    }

    /// The kept members of the object `text` holds; `None` when it holds
    /// something else (a number, a list, plain text, broken JSON).
    fn parse(&self, text: &str) -> Option<Map<String, Value>> {
        if !text.trim_start().starts_with('{') {
            return None;
        }
        let Ok(Value::Object(mut members)) = serde_json::from_str::<Value>(text) else {
            return None;
        };
        if let Some(keep) = &self.keep {
            members.retain(|k, _| keep.iter().any(|n| n.eq_ignore_ascii_case(k)));
        }
        Some(members)
    }
}

/// Replaces the member `key` of `map` by `members`: a member `map` already
/// has (names compared without regard to case, RFC 7643 §2.1) gets the new
/// value where it stands; the others take the place of `key`, in order.
fn overlay(map: &mut Map<String, Value>, key: &str, members: Map<String, Value>) {
    let mut at = map.keys().position(|k| k == key).unwrap_or(map.len());
    map.shift_remove(key);
    for (name, value) in members {
        if let Some(existing) = key_ci(map, &name).map(str::to_string) {
            map.insert(existing, value);
        } else {
            map.shift_insert(at.min(map.len()), name, value);
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests;
