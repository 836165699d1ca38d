//! `set_header`, `remove_header` and `rewrite_header`.

use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use serde_json::Value;

use super::CompileCx;
use regex::Regex;

use crate::rules::model::{RemoveHeaderSpec, RewriteHeaderSpec, SetHeaderSpec};
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

#[derive(Debug)]
pub struct RewriteHeader {
    name: HeaderName,
    pattern: Regex,
    replace: String,
}

impl RewriteHeader {
    pub fn compile(
        spec: &RewriteHeaderSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let name = cx.header_name(field.key("name"), &spec.name);
        let pattern = cx.regex(field.key("pattern"), &spec.pattern);
        Some(RewriteHeader {
            name: name?,
            pattern: pattern?,
            replace: spec.replace.clone(),
        })
    }

    /// Rewrites the first value of the header; a value that is not visible
    /// ASCII, or a result that is not a valid header value, is left alone.
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(old) = req.headers.get(&self.name) else {
            return;
        };
        let Ok(text) = old.to_str() else {
            return;
        };
        let new = self.pattern.replace(text, self.replace.as_str());
        if new == text {
            return;
        }
        let Ok(mut value) = HeaderValue::from_str(&new) else {
            return;
        };
        let secret = old.is_sensitive() || crate::rules::secret::is_secret_header(&self.name);
        value.set_sensitive(secret);
        let before = header_json(Some(old));
        req.headers.insert(self.name.clone(), value.clone());
        let target = format!("header:{}", self.name);
        if secret {
            trace.secret_change(rule, "rewrite_header", target);
        } else {
            trace.change(
                rule,
                "rewrite_header",
                target,
                before,
                header_json(Some(&value)),
            );
        }
    }
}

fn header_json(v: Option<&HeaderValue>) -> Value {
    match v {
        Some(v) => Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secret::MapEnv;

    fn compile(name: &str, pattern: &str, replace: &str) -> RewriteHeader {
        let env = MapEnv::default();
        let mut cx = CompileCx::new(
            &env,
            std::path::Path::new("."),
            crate::rules::SecretMode::Require,
        );
        let spec = RewriteHeaderSpec {
            name: name.into(),
            pattern: pattern.into(),
            replace: replace.into(),
        };
        match RewriteHeader::compile(&spec, &FieldPath::root(), &mut cx) {
            Some(a) => a,
            None => panic!("{:?}", cx.problems),
        }
    }

    #[test]
    fn a_doubled_bearer_scheme_collapses_and_is_logged_as_a_secret() {
        // ENTRA-16
        let a = compile("authorization", r"(?i)^bearer\s+bearer\s+", "Bearer ");
        let mut req = Request::new(http::Method::GET, "/scim/v2/Users");
        req.headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer bearer t0k3n"),
        );
        let mut trace = Trace::default();
        a.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(
            req.headers.get("authorization").map(HeaderValue::as_bytes),
            Some(&b"Bearer t0k3n"[..])
        );
        assert_eq!(trace.changes.len(), 1);
        assert!(trace.changes[0].secret);
        assert_eq!(trace.changes[0].before, Value::Null);
        // Already single: nothing to do.
        a.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(trace.changes.len(), 1);
    }

    #[test]
    fn other_headers_are_logged_with_their_values() {
        let a = compile("user-agent", "^$", "unknown");
        let mut req = Request::new(http::Method::GET, "/scim/v2/Users");
        req.headers
            .insert("user-agent", HeaderValue::from_static(""));
        let mut trace = Trace::default();
        a.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(trace.changes[0].before, "");
        assert_eq!(trace.changes[0].after, "unknown");
        let mut absent = Request::new(http::Method::GET, "/scim/v2/Users");
        a.apply(&Arc::from("t"), &mut absent, &mut trace);
        assert!(
            !absent.headers.contains_key("user-agent"),
            "absent stays absent"
        );
    }
}
