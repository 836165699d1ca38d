//! `respond`: answer locally instead of forwarding. The answer names its rule in
//! the logs and in an `x-scimshim-rule` response header.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use super::CompileCx;
use crate::rules::model::RespondSpec;
use crate::rules::request::{Body, Request};
use crate::rules::yaml::FieldPath;
use crate::scim::error::empty_list_response;
use crate::scim::{ScimError, ScimType};

/// An answer made by a rule instead of the upstream.
#[derive(Debug, Clone)]
pub struct LocalResponse {
    /// The rule that answered.
    pub rule: Arc<str>,
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// A JSON body, already encoded; served as `application/scim+json`.
    pub body: Option<Bytes>,
}

impl LocalResponse {
    /// A SCIM error answer from `rule`.
    pub fn error(rule: &Arc<str>, error: ScimError) -> Self {
        LocalResponse {
            rule: rule.clone(),
            status: StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
            headers: Vec::new(),
            body: Some(Bytes::from(error.to_bytes())),
        }
    }
}

/// A compiled `respond`.
#[derive(Debug)]
pub struct Respond {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Bytes>,
    /// With `echo_request_body`: the object laid over the request body.
    overlay: Option<serde_json::Map<String, Value>>,
}

impl Respond {
    pub fn compile(spec: &RespondSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let status = match StatusCode::from_u16(spec.status) {
            Ok(s) if s.as_u16() >= 200 => Some(s),
            _ => {
                cx.error(
                    field.key("status"),
                    format!("{} is not a final HTTP status", spec.status),
                    Some("use 200 to 599"),
                );
                None
            }
        };
        let given = [spec.body.is_some(), spec.error.is_some(), spec.empty_list]
            .iter()
            .filter(|b| **b)
            .count();
        if given > 1 {
            cx.error(
                field.clone(),
                "give at most one of `body`, `error` and `empty_list`",
                None,
            );
            return None;
        }
        let mut body = None;
        let mut overlay = None;
        if let Some(err) = &spec.error {
            let scim_type = match &err.scim_type {
                Some(t) => match ScimType::parse(t) {
                    Some(t) => Some(t),
                    None => {
                        cx.error(
                            field.key("error").key("scim_type"),
                            format!("`{t}` is not a scimType of RFC 7644 §3.12"),
                            Some("invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue, invalidVers, sensitive"),
                        );
                        return None;
                    }
                },
                None => None,
            };
            let e = ScimError::new(spec.status, scim_type, err.detail.clone());
            body = Some(Bytes::from(e.to_bytes()));
        } else if spec.empty_list {
            body = Some(Bytes::from(
                serde_json::to_vec(&empty_list_response()).unwrap_or_default(),
            ));
        } else if let Some(b) = &spec.body {
            if spec.echo_request_body {
                match b {
                    Value::Object(map) => overlay = Some(map.clone()),
                    _ => {
                        cx.error(field.key("body"), "with `echo_request_body`, `body` must be an object laid over the request body", None);
                        return None;
                    }
                }
            } else {
                body = Some(Bytes::from(serde_json::to_vec(b).unwrap_or_default()));
            }
        }
        if spec.echo_request_body && overlay.is_none() {
            if spec.error.is_some() || spec.empty_list {
                cx.error(
                    field.key("echo_request_body"),
                    "`echo_request_body` goes with `body` only",
                    None,
                );
                return None;
            }
            overlay = Some(serde_json::Map::new());
        }
        if let Some(s) = status {
            let has_body = body.is_some() || overlay.is_some();
            if has_body && (s == StatusCode::NO_CONTENT || s == StatusCode::NOT_MODIFIED) {
                cx.error(
                    field.key("status"),
                    format!("a {} answer has no body", s.as_u16()),
                    Some("drop the body, or answer 200"),
                );
                return None;
            }
        }
        let mut headers = Vec::new();
        for (name, value) in spec.headers.iter().flatten() {
            let hf = field.key("headers").key(name);
            let Some(n) = cx.header_name(hf.clone(), name) else {
                continue;
            };
            match HeaderValue::from_str(value) {
                Ok(v) => headers.push((n, v)),
                Err(_) => cx.error(hf, "not a valid header value", None),
            }
        }
        Some(Respond {
            status: status?,
            headers,
            body,
            overlay,
        })
    }

    pub fn needs_body(&self) -> bool {
        self.overlay.is_some()
    }

    pub fn respond(&self, rule: &Arc<str>, req: &Request) -> LocalResponse {
        let body = match &self.overlay {
            Some(overlay) => {
                let mut base = match &req.body {
                    Body::Json(Value::Object(map)) => map.clone(),
                    _ => serde_json::Map::new(),
                };
                // RFC 7643 §4.1.1: a password is never returned.
                base.shift_remove("password");
                for (k, v) in overlay {
                    base.insert(k.clone(), v.clone());
                }
                Some(Bytes::from(
                    serde_json::to_vec(&Value::Object(base)).unwrap_or_default(),
                ))
            }
            None => self.body.clone(),
        };
        LocalResponse {
            rule: rule.clone(),
            status: self.status,
            headers: self.headers.clone(),
            body,
        }
    }
}
