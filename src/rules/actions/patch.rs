//! PATCH operation edits (RFC 7644 §3.5.2): `patch_lowercase_op` (ENTRA-01),
//! `patch_strip_urn` (ENTRA-06), `patch_drop_ops` (backends that lack a feature).
//! They act on the `Operations` array of a PatchOp body and ignore anything else.

use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::{CompileCx, Flow, Respond};
use crate::rules::jsonpath::{JsonPath, member, member_mut, push_index};
use crate::rules::model::{OpMatchSpec, PatchDropOpsSpec, PatchStripUrnSpec};
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;
use crate::scim::urn;

/// The `Operations` array and the key it was found under (`Operations`; a
/// lower-case `operations` is accepted too, as lenient servers do).
fn operations(req: &mut Request) -> Option<(&'static str, &mut Vec<Value>)> {
    let Body::Json(Value::Object(map)) = &mut req.body else {
        return None;
    };
    let key = if member(map, "Operations").is_some() {
        "Operations"
    } else {
        "operations"
    };
    match member_mut(map, key) {
        Some(Value::Array(ops)) => Some((key, ops)),
        _ => None,
    }
}

/// The JSON pointer `/{key}/{index}` or `/{key}/{index}/{leaf}`, built without `fmt`.
fn op_target(key: &str, index: usize, leaf: Option<&str>) -> String {
    let mut out = String::with_capacity(key.len() + leaf.map_or(0, str::len) + 8);
    out.push('/');
    out.push_str(key);
    out.push('/');
    push_index(&mut out, index);
    if let Some(leaf) = leaf {
        out.push('/');
        out.push_str(leaf);
    }
    out
}

/// The string member `name` of an operation, for editing.
fn op_string<'v>(op: &'v mut Value, name: &str) -> Option<&'v mut String> {
    match op {
        Value::Object(map) => match member_mut(map, name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

#[derive(Debug)]
pub struct LowercaseOp;

impl LowercaseOp {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some((key, ops)) = operations(req) else {
            return;
        };
        for (i, op) in ops.iter_mut().enumerate() {
            let Some(name) = op_string(op, "op") else {
                continue;
            };
            // Lower-casing changes the name exactly when it has an upper-case letter.
            if !name.bytes().any(|b| b.is_ascii_uppercase()) {
                continue;
            }
            if !trace.record_changes {
                name.make_ascii_lowercase();
                trace.body_edited();
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let before = std::mem::replace(name, lower.clone());
            trace.body_change(
                rule,
                "patch_lowercase_op",
                op_target(key, i, Some("op")),
                Value::String(before),
                Value::String(lower),
            );
        }
    }
}

#[derive(Debug)]
pub struct StripUrn {
    /// Each prefix with its trailing `:`, lower-cased for comparison.
    prefixes: Vec<String>,
}

impl StripUrn {
    pub fn compile(
        spec: &PatchStripUrnSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let given = spec
            .prefixes
            .clone()
            .unwrap_or_else(|| vec![urn::USER.to_string(), urn::GROUP.to_string()]);
        let mut prefixes = Vec::new();
        for (i, p) in given.iter().enumerate() {
            let trimmed = p.trim_end_matches(':');
            if !trimmed.to_ascii_lowercase().starts_with("urn:") {
                cx.error(
                    field.key("prefixes").index(i),
                    format!("`{p}` is not a URN"),
                    Some("schema URNs start with `urn:`"),
                );
                continue;
            }
            prefixes.push(format!("{}:", trimmed.to_ascii_lowercase()));
        }
        Some(StripUrn { prefixes })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some((key, ops)) = operations(req) else {
            return;
        };
        for (i, op) in ops.iter_mut().enumerate() {
            let Some(path) = op_string(op, "path") else {
                continue;
            };
            let Some(prefix) = self.prefixes.iter().find(|p| {
                path.len() > p.len()
                    && path.is_char_boundary(p.len())
                    && path[..p.len()].eq_ignore_ascii_case(p)
            }) else {
                continue;
            };
            if !trace.record_changes {
                path.drain(..prefix.len());
                trace.body_edited();
                continue;
            }
            let stripped = path[prefix.len()..].to_string();
            let before = std::mem::replace(path, stripped.clone());
            trace.body_change(
                rule,
                "patch_strip_urn",
                op_target(key, i, Some("path")),
                Value::String(before),
                Value::String(stripped),
            );
        }
    }
}

/// A compiled predicate on one operation.
#[derive(Debug)]
struct OpMatch {
    ops: Option<Vec<String>>,
    path: Option<Regex>,
    has_path: Option<bool>,
    value: Option<JsonPath>,
}

impl OpMatch {
    fn compile(spec: &OpMatchSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let mut ok = true;
        let ops = spec.op.as_ref().map(|ops| {
            ops.iter()
                .enumerate()
                .filter_map(|(i, o)| {
                    let lower = o.to_ascii_lowercase();
                    if matches!(lower.as_str(), "add" | "remove" | "replace") {
                        Some(lower)
                    } else {
                        cx.error(
                            field.key("op").index(i),
                            format!("`{o}` is not a PATCH operation"),
                            Some("use add, remove or replace"),
                        );
                        ok = false;
                        None
                    }
                })
                .collect()
        });
        let path = match &spec.path {
            Some(p) => {
                let re = cx.regex(field.key("path"), p);
                ok &= re.is_some();
                re
            }
            None => None,
        };
        let value = match &spec.value {
            Some(v) => {
                let jp = cx.jsonpath(field.key("value"), v);
                ok &= jp.is_some();
                jp
            }
            None => None,
        };
        if spec.op.is_none()
            && spec.path.is_none()
            && spec.has_path.is_none()
            && spec.value.is_none()
        {
            cx.error(
                field.clone(),
                "an empty `where` would drop every operation",
                Some("give at least one of op, path, has_path, value"),
            );
            ok = false;
        }
        ok.then_some(OpMatch {
            ops,
            path,
            has_path: spec.has_path,
            value,
        })
    }

    fn matches(&self, op: &Value) -> bool {
        let get = |name: &str| match op {
            Value::Object(map) => member(map, name),
            _ => None,
        };
        if let Some(ops) = &self.ops {
            let name = get("op").and_then(Value::as_str).unwrap_or("");
            if !ops.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return false;
            }
        }
        let path = get("path").and_then(Value::as_str);
        if let Some(has) = self.has_path
            && has != path.is_some()
        {
            return false;
        }
        if let Some(re) = &self.path {
            match path {
                Some(p) if re.is_match(p) => {}
                _ => return false,
            }
        }
        if let Some(jp) = &self.value {
            match get("value") {
                Some(v) if jp.matches(v) => {}
                _ => return false,
            }
        }
        true
    }
}

#[derive(Debug)]
pub struct DropOps {
    matcher: OpMatch,
    if_empty: Respond,
}

impl DropOps {
    pub fn compile(spec: &PatchDropOpsSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let matcher = OpMatch::compile(&spec.where_, &field.key("where"), cx);
        let if_empty = Respond::compile(&spec.if_empty, &field.key("if_empty"), cx);
        Some(DropOps {
            matcher: matcher?,
            if_empty: if_empty?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        let Some((key, ops)) = operations(req) else {
            return Flow::Continue;
        };
        if ops.is_empty() {
            return Flow::Continue;
        }
        let mut dropped = Vec::new();
        let mut i = ops.len();
        while i > 0 {
            i -= 1;
            if self.matcher.matches(&ops[i]) {
                dropped.push((i, ops.remove(i)));
            }
        }
        let now_empty = ops.is_empty();
        for (i, op) in dropped.into_iter().rev() {
            trace.body_change(
                rule,
                "patch_drop_ops",
                op_target(key, i, None),
                op,
                Value::Null,
            );
        }
        if now_empty {
            return Flow::Respond(self.if_empty.respond(rule, req));
        }
        Flow::Continue
    }
}
