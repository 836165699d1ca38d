//! Authentication translation for backends whose credentials an IdP cannot send
//! (BACKEND-01, ENTRA-16, seed 003).
//!
//! - `bearer_to_basic`: Entra can only send `Bearer <one secret>`; an admin pastes
//!   `user:key` as the secret and the backend receives `Basic base64(user:key)`.
//!   A doubled `Bearer Bearer x` (ENTRA-16) is unwrapped first.
//! - `set_credential`: the backend's own credential, read at load time from the
//!   environment or a file, replaces whatever the IdP sent.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue};

use super::{CompileCx, Flow, LocalResponse};
use crate::rules::model::{BearerToBasicSpec, SetCredentialSpec};
use crate::rules::request::Request;
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;
use crate::scim::ScimError;

#[derive(Debug)]
pub struct BearerToBasic {
    reject_if_not_pair: bool,
}

impl BearerToBasic {
    pub fn compile(
        spec: &BearerToBasicSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let reject = match spec.if_not_pair.as_deref() {
            None | Some("reject") => true,
            Some("forward") => false,
            Some(other) => {
                cx.error(
                    field.key("if_not_pair"),
                    format!("unknown choice `{other}`"),
                    Some("use `reject` or `forward`"),
                );
                return None;
            }
        };
        Some(BearerToBasic {
            reject_if_not_pair: reject,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        let Some(value) = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return Flow::Continue;
        };
        let Some(mut token) = strip_scheme(value, "bearer") else {
            return Flow::Continue;
        };
        // ENTRA-16: an admin who pastes "Bearer x" makes Entra send "Bearer Bearer x".
        while let Some(inner) = strip_scheme(token, "bearer") {
            token = inner;
        }
        let token = token.trim();
        if !token.contains(':') {
            if self.reject_if_not_pair {
                return Flow::Respond(LocalResponse::error(
                    rule,
                    ScimError::new(
                        401,
                        None,
                        "the bearer token must have the form user:key for this backend",
                    ),
                ));
            }
            return Flow::Continue;
        }
        let encoded = format!("Basic {}", STANDARD.encode(token.as_bytes()));
        let Ok(mut header) = HeaderValue::from_str(&encoded) else {
            return Flow::Continue;
        };
        header.set_sensitive(true);
        req.headers.insert(AUTHORIZATION, header);
        trace.secret_change(rule, "bearer_to_basic", "header:authorization".into());
        Flow::Continue
    }
}

/// `"Bearer abc"` → `Some("abc")` (scheme case-insensitive, RFC 7235 §2.1).
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let value = value.trim_start();
    let (head, rest) = value.split_at_checked(scheme.len())?;
    if head.eq_ignore_ascii_case(scheme) && rest.starts_with([' ', '\t']) {
        Some(rest.trim_start())
    } else {
        None
    }
}

#[derive(Debug)]
pub struct SetCredential {
    header: HeaderName,
    value: HeaderValue,
}

impl SetCredential {
    pub fn compile(
        spec: &SetCredentialSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let header = match &spec.header {
            Some(h) => cx.header_name(field.key("header"), h),
            None => Some(AUTHORIZATION),
        };
        let scheme = spec.scheme.trim();
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            cx.error(
                field.key("scheme"),
                format!("`{scheme}` is not an authorization scheme"),
                Some("for example `basic`, `bearer`, `token`"),
            );
            return None;
        }
        let secret = cx.secret(field.key("from"), &spec.from)?;
        let value = if scheme.eq_ignore_ascii_case("basic") {
            if !secret.expose().contains(':') {
                cx.error(
                    field.key("from"),
                    "a basic credential must have the form user:password",
                    None,
                );
                return None;
            }
            format!("Basic {}", STANDARD.encode(secret.expose().as_bytes()))
        } else if scheme.eq_ignore_ascii_case("bearer") {
            format!("Bearer {}", secret.expose())
        } else {
            format!("{scheme} {}", secret.expose())
        };
        let value = match HeaderValue::from_str(&value) {
            Ok(mut v) => {
                v.set_sensitive(true);
                v
            }
            Err(_) => {
                cx.error(
                    field.key("from"),
                    "the secret is not a valid header value",
                    Some("check for newlines or non-ASCII characters in it"),
                );
                return None;
            }
        };
        Some(SetCredential {
            header: header?,
            value,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        req.headers.insert(self.header.clone(), self.value.clone());
        trace.secret_change(rule, "set_credential", format!("header:{}", self.header));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scheme_case_insensitively() {
        assert_eq!(strip_scheme("Bearer abc", "bearer"), Some("abc"));
        assert_eq!(strip_scheme("bearer   a:b", "bearer"), Some("a:b"));
        assert_eq!(strip_scheme("Bearerabc", "bearer"), None);
        assert_eq!(strip_scheme("Basic abc", "bearer"), None);
        assert_eq!(strip_scheme("Be", "bearer"), None);
    }
}
