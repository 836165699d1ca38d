//! Errors the proxy answers itself, each tagged with where it came from and
//! turned into a SCIM error response (RFC 7644 §3.12) carrying an
//! `x-scimshim-error` header, so nobody mistakes it for the backend's answer.

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};

use super::body::{ProxyBody, full};
use crate::scim::{ScimError, ScimType, urn};

/// Header on every response the proxy made up; its value is the error kind.
pub static X_SCIMSHIM_ERROR: HeaderName = HeaderName::from_static("x-scimshim-error");
/// Header on every response a rule made; its value is the rule id.
pub static X_SCIMSHIM_RULE: HeaderName = HeaderName::from_static("x-scimshim-rule");

/// Who caused an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The client sent something unusable.
    Client,
    /// The upstream could not be reached or did not answer in time.
    Upstream,
    /// The proxy or its configuration.
    Proxy,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Client => "client",
            Origin::Upstream => "upstream",
            Origin::Proxy => "proxy",
        }
    }
}

/// An error the proxy answers itself.
#[derive(Debug)]
pub enum ProxyError {
    /// The path is outside the served base path.
    NotFound {
        base_path: String,
    },
    /// No IdP connection claims the request (`scimshim.yaml` without a
    /// default connection). `tried` describes the matchers, never a secret.
    NoConnection {
        tried: std::sync::Arc<str>,
    },
    BodyTooLarge {
        limit: usize,
    },
    BodyTimeout,
    BodyBroken,
    InvalidJson {
        detail: String,
    },
    /// A rule produced a path or header the upstream request cannot carry.
    BadRewrite {
        detail: String,
    },
    UpstreamUnreachable,
    UpstreamTimeout,
    /// A response that response rules must read is larger than the limit,
    /// or broke off while being read.
    UpstreamResponseUnreadable {
        detail: String,
    },
    /// A bug: the handler panicked.
    Internal,
}

impl ProxyError {
    pub fn origin(&self) -> Origin {
        match self {
            ProxyError::NotFound { .. }
            | ProxyError::NoConnection { .. }
            | ProxyError::BodyTooLarge { .. }
            | ProxyError::BodyTimeout
            | ProxyError::BodyBroken
            | ProxyError::InvalidJson { .. } => Origin::Client,
            ProxyError::BadRewrite { .. } | ProxyError::Internal => Origin::Proxy,
            ProxyError::UpstreamUnreachable
            | ProxyError::UpstreamTimeout
            | ProxyError::UpstreamResponseUnreadable { .. } => Origin::Upstream,
        }
    }

    /// A stable, machine-readable name (the `x-scimshim-error` value).
    pub fn kind(&self) -> &'static str {
        match self {
            ProxyError::NotFound { .. } => "not-found",
            ProxyError::NoConnection { .. } => "no-connection",
            ProxyError::BodyTooLarge { .. } => "body-too-large",
            ProxyError::BodyTimeout => "body-timeout",
            ProxyError::BodyBroken => "body-broken",
            ProxyError::InvalidJson { .. } => "invalid-json",
            ProxyError::BadRewrite { .. } => "bad-rewrite",
            ProxyError::UpstreamUnreachable => "upstream-unreachable",
            ProxyError::UpstreamTimeout => "upstream-timeout",
            ProxyError::UpstreamResponseUnreadable { .. } => "upstream-response-unreadable",
            ProxyError::Internal => "internal",
        }
    }

    pub fn to_scim(&self) -> ScimError {
        match self {
            ProxyError::NotFound { base_path } => ScimError::new(
                404,
                None,
                format!("no SCIM endpoint here: this service serves SCIM under {base_path}/"),
            ),
            ProxyError::NoConnection { tried } => ScimError::new(
                404,
                None,
                format!("no connection of this service claims the request; tried: {tried}"),
            ),
            ProxyError::BodyTooLarge { limit } => ScimError::new(
                413,
                None,
                format!("the request body is larger than {limit} bytes"),
            ),
            ProxyError::BodyTimeout => {
                ScimError::new(408, None, "the request body did not arrive in time")
            }
            ProxyError::BodyBroken => {
                ScimError::new(400, None, "the request body could not be read")
            }
            ProxyError::InvalidJson { detail } => ScimError::new(
                400,
                Some(ScimType::InvalidSyntax),
                format!("the request body is not valid JSON: {detail}"),
            ),
            ProxyError::BadRewrite { .. } => ScimError::new(
                500,
                None,
                "a rewrite rule produced a request that cannot be sent",
            ),
            ProxyError::UpstreamUnreachable => {
                ScimError::new(502, None, "the SCIM backend could not be reached")
            }
            ProxyError::UpstreamTimeout => {
                ScimError::new(504, None, "the SCIM backend did not answer in time")
            }
            ProxyError::UpstreamResponseUnreadable { detail } => ScimError::new(
                502,
                None,
                format!(
                    "the SCIM backend's response could not be read for the response rules: {detail}"
                ),
            ),
            ProxyError::Internal => ScimError::new(
                500,
                None,
                "scimshim failed on this request; its log says more",
            ),
        }
    }

    pub fn into_response(self) -> Response<ProxyBody> {
        let scim = self.to_scim();
        let mut resp = scim_response(
            StatusCode::from_u16(scim.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            scim.to_bytes(),
        );
        resp.headers_mut().insert(
            X_SCIMSHIM_ERROR.clone(),
            HeaderValue::from_static(self.kind()),
        );
        resp
    }
}

/// A response with a SCIM JSON body.
pub fn scim_response(status: StatusCode, body: Vec<u8>) -> Response<ProxyBody> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
    resp
}
