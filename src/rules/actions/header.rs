//! `set_header` and `remove_header`.

use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use serde_json::Value;

use super::CompileCx;
use crate::rules::model::{RemoveHeaderSpec, SetHeaderSpec};
use crate::rules::request::Request;
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;

#[derive(Debug)]
pub struct SetHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl SetHeader {
    pub fn compile(spec: &SetHeaderSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let name = cx.header_name(field.key("name"), &spec.name);
        let value = match (&spec.value, &spec.value_from) {
            (Some(v), None) => match HeaderValue::from_str(v) {
                Ok(v) => Some(v),
                Err(_) => {
                    cx.error(
                        field.key("value"),
                        "not a valid header value",
                        Some("header values are visible ASCII and spaces"),
                    );
                    None
                }
            },
            (None, Some(src)) => {
                let secret = cx.secret(field.key("value_from"), src)?;
                match HeaderValue::from_str(secret.expose()) {
                    Ok(mut v) => {
                        v.set_sensitive(true);
                        Some(v)
                    }
                    Err(_) => {
                        cx.error(
                            field.key("value_from"),
                            "the secret is not a valid header value",
                            Some("check for newlines or non-ASCII characters in it"),
                        );
                        None
                    }
                }
            }
            _ => {
                cx.error(
                    field.clone(),
                    "give exactly one of `value` and `value_from`",
                    None,
                );
                None
            }
        };
        Some(SetHeader {
            name: name?,
            value: value?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let old = req.headers.insert(self.name.clone(), self.value.clone());
        if old.as_ref() == Some(&self.value) {
            return;
        }
        let target = format!("header:{}", self.name);
        if self.value.is_sensitive() || crate::rules::secret::is_secret_header(&self.name) {
            trace.secret_change(rule, "set_header", target);
        } else {
            trace.change(
                rule,
                "set_header",
                target,
                header_json(old.as_ref()),
                header_json(Some(&self.value)),
            );
        }
    }
}

#[derive(Debug)]
pub struct RemoveHeader {
    name: HeaderName,
}

impl RemoveHeader {
    pub fn compile(spec: &RemoveHeaderSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        Some(RemoveHeader {
            name: cx.header_name(field.key("name"), &spec.name)?,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        if let Some(old) = req.headers.remove(&self.name) {
            let target = format!("header:{}", self.name);
            if crate::rules::secret::is_secret_header(&self.name) {
                trace.secret_change(rule, "remove_header", target);
            } else {
                trace.change(
                    rule,
                    "remove_header",
                    target,
                    header_json(Some(&old)),
                    Value::Null,
                );
            }
        }
    }
}

fn header_json(v: Option<&HeaderValue>) -> Value {
    match v {
        Some(v) => Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
        None => Value::Null,
    }
}
