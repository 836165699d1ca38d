//! `patch_split_pathless`: an `add` or `replace` without `path` becomes one
//! pathed operation per attribute of its value. RFC 7644 §3.5.2.1 and
//! §3.5.2.3 allow the path-less form, whose `value` is a partial resource,
//! and JumpCloud (JUMPCLOUD-02), Okta (OKTA-02, OKTA-03) and SailPoint
//! (SAILPOINT-01) use it; some backends only take operations with a path.
//! The split says the same thing: for a multi-valued attribute both forms
//! add (or replace) the values given, for a complex one both set the
//! sub-attributes given.
//!
//! Keys are taken as attribute names. Dotted or URN-qualified keys
//! (ENTRA-05) should already have been rebuilt into nested objects by
//! `normalize_patch` (rules/common runs it first); a key this action still
//! finds is used as the path it spells.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::scim::{op_member, operations_ci};
use crate::rules::jsonpath::push_index;
use crate::rules::request::Request;
use crate::rules::trace::Trace;

const NAME: &str = "patch_split_pathless";

/// `patch_split_pathless` (no settings).
#[derive(Debug)]
pub struct PatchSplitPathless;

impl PatchSplitPathless {
    /// Splits every path-less `add`/`replace` that can be written as paths,
    /// in place; logs one change per split operation.
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(ops) = operations_ci(req) else {
            return;
        };
        if !ops.iter().any(|op| split(op).is_some()) {
            return;
        }
        let mut out = Vec::with_capacity(ops.len() + 4);
        for (i, op) in std::mem::take(ops).into_iter().enumerate() {
            let Some(parts) = split(&op) else {
                out.push(op);
                continue;
            };
            if trace.record_changes {
                let mut target = String::from("/Operations/");
                push_index(&mut target, i);
                trace.body_change(rule, NAME, target, op, Value::Array(parts.clone()));
            } else {
                trace.body_edited();
            }
            out.extend(parts);
        }
        *ops = out;
    }
}

/// The pathed operations that say what a path-less `add` or `replace` says;
/// `None` for any other operation, and for one whose value cannot be written
/// as paths (not an object, empty, an empty key, an extension whose value
/// is not an object with members).
fn split(op: &Value) -> Option<Vec<Value>> {
    let name = op_member(op, "op")?.as_str()?;
    if !(name.eq_ignore_ascii_case("add") || name.eq_ignore_ascii_case("replace")) {
        return None;
    }
    if op_member(op, "path").is_some_and(|p| !p.is_null()) {
        return None;
    }
    let Value::Object(value) = op_member(op, "value")? else {
        return None;
    };
    if value.is_empty() {
        return None;
    }
    let mut parts = Vec::with_capacity(value.len());
    for (key, v) in value {
        if key.is_empty() {
            return None;
        }
        if !is_schema_urn(key) {
            parts.push(pathed(name, key.clone(), v));
            continue;
        }
        // An extension object (RFC 7643 §3.3): one operation per attribute,
        // qualified with the schema URN (RFC 7644 §3.10).
        let attrs: &Map<String, Value> = v.as_object().filter(|m| !m.is_empty())?;
        for (attr, av) in attrs {
            if attr.is_empty() {
                return None;
            }
            parts.push(pathed(name, format!("{key}:{attr}"), av));
        }
    }
    Some(parts)
}

fn pathed(op: &str, path: String, value: &Value) -> Value {
    json!({"op": op, "path": path, "value": value})
}

/// Whether a key of a partial resource names a whole schema (an extension
/// object) rather than one URN-qualified attribute.
fn is_schema_urn(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) && super::scim::is_schema_id(key)
}

#[cfg(test)]
mod tests;
