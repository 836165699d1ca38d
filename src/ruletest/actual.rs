//! What running one case produced: the forwarded request, the answers and
//! the trace's record. `compare` and `coverage` read it; `run` makes it.

use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use crate::proxy::error::X_SCIMSHIM_RULE;
use crate::rules::{Body, Change, LocalResponse, Request};
use crate::scim::urn;

/// What evaluating one case produced.
#[derive(Debug, Clone)]
pub struct Actual {
    /// The request as forwarded, when no request rule answered.
    pub forwarded: Option<Request>,
    /// The answer a request rule gave instead of forwarding.
    pub local: Option<Answer>,
    /// With an upstream: what the client gets in the end.
    pub returned: Option<Answer>,
    /// Rules that changed or answered the message, request rules first.
    pub applied: Vec<Arc<str>>,
    /// Every change, request rules first.
    pub changes: Vec<Change>,
    /// How often the engine fetched the resource.
    pub fetches: u32,
}

/// An answer to the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: AnswerBody,
    /// The rule that made it, for local answers.
    pub rule: Option<Arc<str>>,
}

/// A message body as compared.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerBody {
    None,
    Json(Value),
    /// Not JSON: shown as text, never equal to an expected JSON body.
    Text(String),
}

impl AnswerBody {
    /// A request's body as the engine left it.
    pub fn of(body: &Body) -> AnswerBody {
        match body {
            Body::Empty | Body::Unread => AnswerBody::None,
            Body::Json(v) => AnswerBody::Json(v.clone()),
            Body::Opaque => AnswerBody::Text("<a body that is not JSON>".into()),
        }
    }

    pub(super) fn from_bytes(bytes: Option<&Bytes>) -> AnswerBody {
        match bytes {
            None => AnswerBody::None,
            Some(b) if b.is_empty() => AnswerBody::None,
            Some(b) => match serde_json::from_slice(b) {
                Ok(v) => AnswerBody::Json(v),
                Err(_) => AnswerBody::Text(String::from_utf8_lossy(b).into_owned()),
            },
        }
    }
}

impl Answer {
    /// A rule's local answer as the proxy sends it: its headers, a SCIM
    /// media type when there is a body, and `x-scimshim-rule`.
    pub fn local(local: &LocalResponse) -> Answer {
        let mut headers = HeaderMap::new();
        if local.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
        }
        for (name, value) in &local.headers {
            headers.insert(name.clone(), value.clone());
        }
        if local.body.is_none() {
            headers.remove(CONTENT_TYPE);
        }
        if let Ok(v) = HeaderValue::from_str(&local.rule) {
            headers.insert(X_SCIMSHIM_RULE.clone(), v);
        }
        Answer {
            status: local.status.as_u16(),
            headers,
            body: AnswerBody::from_bytes(local.body.as_ref()),
            rule: Some(local.rule.clone()),
        }
    }
}
