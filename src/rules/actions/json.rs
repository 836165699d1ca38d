//! JSON edits at JSONPath selections: `coerce`, `set`, `remove`, `rename`,
//! `lowercase`. They apply to JSON bodies only; on any other body they do nothing.

use std::sync::Arc;

use serde_json::{Number, Value};

use super::CompileCx;
use crate::rules::jsonpath::{JsonPath, Pointer, removal_order};
use crate::rules::model::{CoerceSpec, RenameSpec, SelectSpec, SetSpec};
use crate::rules::request::{Body, Request};
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;

fn json_body(req: &mut Request) -> Option<&mut Value> {
    match &mut req.body {
        Body::Json(v) => Some(v),
        _ => None,
    }
}

/// Target type of `coerce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoerceTo {
    Boolean,
    Number,
    String,
}

impl CoerceTo {
    /// The converted value, or `None` when it is already of that type or cannot be
    /// converted (a string that is not `true`/`false` stays a string).
    pub fn convert(self, v: &Value) -> Option<Value> {
        match (self, v) {
            (CoerceTo::Boolean, Value::String(s)) => {
                let t = s.trim();
                if t.eq_ignore_ascii_case("true") {
                    Some(Value::Bool(true))
                } else if t.eq_ignore_ascii_case("false") {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            (CoerceTo::Number, Value::String(s)) => {
                let t = s.trim();
                if let Ok(i) = t.parse::<i64>() {
                    Some(Value::Number(i.into()))
                } else {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && looks_numeric(t))
                        .and_then(Number::from_f64)
                        .map(Value::Number)
                }
            }
            (CoerceTo::String, Value::Bool(b)) => Some(Value::String(b.to_string())),
            (CoerceTo::String, Value::Number(n)) => Some(Value::String(n.to_string())),
            _ => None,
        }
    }
}

/// Rust's float parser accepts `inf`, `NaN` and `1e5`; JSON numbers are digits,
/// sign, point and exponent only.
fn looks_numeric(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
}

#[derive(Debug)]
pub struct Coerce {
    select: JsonPath,
    to: CoerceTo,
}

impl Coerce {
    pub fn compile(spec: &CoerceSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let select = cx.jsonpath(field.key("select"), &spec.select);
        let to = match spec.to.as_str() {
            "boolean" => Some(CoerceTo::Boolean),
            "number" => Some(CoerceTo::Number),
            "string" => Some(CoerceTo::String),
            other => {
                cx.error(
                    field.key("to"),
                    format!("cannot coerce to `{other}`"),
                    Some("use `boolean`, `number` or `string`"),
                );
                None
            }
        };
        Some(Coerce {
            select: select?,
            to: to?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(doc) = json_body(req) else { return };
        for ptr in self.select.select(doc) {
            let Some(node) = ptr.get_mut(doc) else {
                continue;
            };
            if let Some(new) = self.to.convert(node) {
                if !trace.record_changes {
                    *node = new;
                    trace.body_edited();
                    continue;
                }
                let before = std::mem::replace(node, new.clone());
                trace.body_change(rule, "coerce", ptr.to_json_pointer(), before, new);
            }
        }
    }
}

#[derive(Debug)]
pub struct Set {
    select: JsonPath,
    key: Option<String>,
    value: Value,
}

impl Set {
    pub fn compile(spec: &SetSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let select = cx.jsonpath(field.key("select"), &spec.select)?;
        Some(Set {
            select,
            key: spec.key.clone(),
            value: spec.value.clone(),
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(doc) = json_body(req) else { return };
        for ptr in self.select.select(doc) {
            let Some(node) = ptr.get_mut(doc) else {
                continue;
            };
            match &self.key {
                Some(key) => {
                    let Value::Object(map) = node else { continue };
                    if map.get(key) == Some(&self.value) {
                        continue;
                    }
                    let before = map
                        .insert(key.clone(), self.value.clone())
                        .unwrap_or(Value::Null);
                    let mut target = ptr.clone();
                    target
                        .0
                        .push(crate::rules::jsonpath::Step::Key(key.clone()));
                    trace.body_change(
                        rule,
                        "set",
                        target.to_json_pointer(),
                        before,
                        self.value.clone(),
                    );
                }
                None => {
                    if *node == self.value {
                        continue;
                    }
                    let before = std::mem::replace(node, self.value.clone());
                    trace.body_change(
                        rule,
                        "set",
                        ptr.to_json_pointer(),
                        before,
                        self.value.clone(),
                    );
                }
            }
        }
    }
}

#[derive(Debug)]
pub struct Remove {
    select: JsonPath,
}

impl Remove {
    pub fn compile(spec: &SelectSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        Some(Remove {
            select: cx.jsonpath(field.key("select"), &spec.select)?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(doc) = json_body(req) else { return };
        let mut ptrs: Vec<Pointer> = self
            .select
            .select(doc)
            .into_iter()
            .filter(|p| !p.0.is_empty())
            .collect();
        ptrs.sort_by(removal_order);
        for ptr in ptrs {
            if let Some(before) = ptr.remove(doc) {
                trace.body_change(rule, "remove", ptr.to_json_pointer(), before, Value::Null);
            }
        }
    }
}

#[derive(Debug)]
pub struct Rename {
    select: JsonPath,
    to: String,
}

impl Rename {
    pub fn compile(spec: &RenameSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let select = cx.jsonpath(field.key("select"), &spec.select)?;
        if spec.to.is_empty() {
            cx.error(field.key("to"), "the new key must not be empty", None);
            return None;
        }
        Some(Rename {
            select,
            to: spec.to.clone(),
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(doc) = json_body(req) else { return };
        for ptr in self.select.select(doc) {
            let Some(old_key) = ptr.last_key().map(str::to_string) else {
                continue;
            };
            if ptr.rename(doc, &self.to) {
                trace.body_change(
                    rule,
                    "rename",
                    ptr.to_json_pointer(),
                    Value::String(old_key),
                    Value::String(self.to.clone()),
                );
            }
        }
    }
}

#[derive(Debug)]
pub struct Lowercase {
    select: JsonPath,
}

impl Lowercase {
    pub fn compile(spec: &SelectSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        Some(Lowercase {
            select: cx.jsonpath(field.key("select"), &spec.select)?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(doc) = json_body(req) else { return };
        for ptr in self.select.select(doc) {
            let Some(Value::String(s)) = ptr.get_mut(doc) else {
                continue;
            };
            let lower = s.to_lowercase();
            if lower != *s {
                if !trace.record_changes {
                    *s = lower;
                    trace.body_edited();
                    continue;
                }
                let before = std::mem::replace(s, lower.clone());
                trace.body_change(
                    rule,
                    "lowercase",
                    ptr.to_json_pointer(),
                    Value::String(before),
                    Value::String(lower),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coerces_only_what_converts() {
        let b = CoerceTo::Boolean;
        assert_eq!(b.convert(&json!("True")), Some(json!(true)));
        assert_eq!(b.convert(&json!("FALSE")), Some(json!(false)));
        assert_eq!(b.convert(&json!(" false ")), Some(json!(false)));
        assert_eq!(b.convert(&json!("yes")), None);
        assert_eq!(b.convert(&json!(true)), None);
        let n = CoerceTo::Number;
        assert_eq!(n.convert(&json!("42")), Some(json!(42)));
        assert_eq!(n.convert(&json!("1.5")), Some(json!(1.5)));
        assert_eq!(n.convert(&json!("inf")), None);
        assert_eq!(n.convert(&json!("NaN")), None);
        let s = CoerceTo::String;
        assert_eq!(s.convert(&json!(7)), Some(json!("7")));
        assert_eq!(s.convert(&json!(false)), Some(json!("false")));
        assert_eq!(s.convert(&json!(null)), None);
    }
}
