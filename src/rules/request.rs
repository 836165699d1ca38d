//! The engine's view of a request: what rules read and edit. The proxy builds it
//! from the HTTP request and turns it back into one; `explain` and `test` build it
//! from files. Nothing here does I/O.

use std::sync::Arc;

use http::{HeaderMap, Method};
use serde_json::Value;

/// The request body as far as the engine knows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body (GET, DELETE, or a zero-length body).
    Empty,
    /// A body the engine has not seen yet. Evaluation pauses with
    /// [`super::eval::Step::NeedBody`] when a matching rule needs it.
    Unread,
    /// A JSON body.
    Json(Value),
    /// A body that is not JSON (by its `Content-Type`): body rules do not apply.
    Opaque,
}

impl Body {
    /// The body read from the wire: `Empty` for no bytes, else parsed JSON.
    pub fn parse(bytes: &[u8]) -> Result<Body, serde_json::Error> {
        if bytes.is_empty() {
            return Ok(Body::Empty);
        }
        // Through &str when the bytes are UTF-8 (nearly always): serde_json
        // then does not validate every string again. Other bytes go to
        // from_slice, which reports where the bad byte is.
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(bytes),
        };
        parsed.map(Body::Json)
    }

    /// The bytes to send for a body a rule changed (empty unless JSON).
    /// `read_len` is the length of the body as read, to size the buffer.
    pub fn encode(&self, read_len: usize) -> Result<Vec<u8>, serde_json::Error> {
        match self {
            Body::Json(v) => {
                let mut out = Vec::with_capacity(read_len + 16);
                serde_json::to_writer(&mut out, v)?;
                Ok(out)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// The addressed resource as the upstream holds it now, fetched when an action
/// asks for it ([`super::eval::Step::NeedResource`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Fetched {
    /// Nobody asked yet.
    #[default]
    NotFetched,
    /// The upstream answered 2xx with this resource.
    Found {
        resource: Value,
        /// The `ETag` response header, if any.
        etag: Option<String>,
    },
    /// The upstream answered with this non-2xx status (and body, if JSON).
    Failed { status: u16, body: Option<Value> },
}

/// What the proxy must do with the upstream's answer, as actions asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplyPlan {
    /// Answer a 2xx with `204 No Content` (the client sent a DELETE that was
    /// rewritten into another method); the rule that asked.
    pub no_content_on_success: Option<Arc<str>>,
    /// On `412 Precondition Failed`, fetch the resource again and re-run the
    /// rules from the fetch, at most this many times; the rule that asked.
    pub retry_on_precondition: Option<(Arc<str>, u8)>,
}

/// A message being evaluated: a request, or (for response rules) the upstream's
/// response, which keeps the request's method and path and carries its own
/// `status`, headers and body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The URL path, percent-encoded as received.
    pub path: String,
    /// The query string without `?`, untouched.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Body,
    /// The response status; `None` while evaluating a request.
    pub status: Option<u16>,
    /// The addressed resource, when an action needed it.
    pub resource: Fetched,
    /// Instructions for the response.
    pub reply: ReplyPlan,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: None,
            headers: HeaderMap::new(),
            body: Body::Empty,
            status: None,
            resource: Fetched::NotFetched,
            reply: ReplyPlan::default(),
        }
    }

    /// A request with every part given.
    pub fn with_parts(
        method: Method,
        path: String,
        query: Option<String>,
        headers: HeaderMap,
        body: Body,
    ) -> Self {
        Request {
            query,
            headers,
            body,
            ..Request::new(method, path)
        }
    }
}

/// Whether a `Content-Type` names JSON (`application/json`, `application/scim+json`,
/// any `application/*+json`). A missing type counts as JSON: SCIM bodies are JSON.
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else {
        return true;
    };
    // Case-insensitive comparisons on the bytes, without lower-casing a copy.
    let end = value.bytes().position(|b| b == b';').unwrap_or(value.len());
    let essence = value[..end].trim().as_bytes();
    const TYPE: &[u8] = b"application/";
    const SUFFIX: &[u8] = b"+json";
    essence.eq_ignore_ascii_case(b"application/json")
        || (essence.len() >= TYPE.len()
            && essence.len() >= SUFFIX.len()
            && essence[..TYPE.len()].eq_ignore_ascii_case(TYPE)
            && essence[essence.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_parse_and_encode() {
        assert_eq!(Body::parse(b"").unwrap(), Body::Empty);
        let body = Body::parse(br#"{"active":false,"name":"J\u00f6rg"}"#).unwrap();
        assert_eq!(
            body,
            Body::Json(serde_json::json!({"active": false, "name": "Jörg"}))
        );
        assert_eq!(
            body.encode(0).unwrap(),
            "{\"active\":false,\"name\":\"Jörg\"}".as_bytes()
        );
        assert!(Body::parse(b"{\"a\":").is_err());
        // Not UTF-8: still an error, located by serde_json.
        let err = Body::parse(b"{\"a\":\"\xff\"}").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert_eq!(Body::Opaque.encode(10).unwrap(), b"");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type(Some(
            "application/scim+json; charset=utf-8"
        )));
        assert!(is_json_content_type(Some("Application/JSON")));
        assert!(is_json_content_type(None));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some(
            "application/x-www-form-urlencoded"
        )));
        assert!(is_json_content_type(Some(" APPLICATION/Vnd.Api+JSON ")));
        assert!(is_json_content_type(Some("application/+json")));
        assert!(!is_json_content_type(Some("application/json+x")));
        assert!(!is_json_content_type(Some("text/+json")));
        assert!(!is_json_content_type(Some("+json")));
        assert!(!is_json_content_type(Some("application/")));
        assert!(!is_json_content_type(Some("")));
        assert!(!is_json_content_type(Some("applicatión/x+json")));
        assert!(is_json_content_type(Some("application/é+json")));
    }

    /// The earlier implementation, which lower-cased a copy.
    fn by_lowercasing(value: &str) -> bool {
        let essence = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    }

    #[test]
    fn same_answers_as_lowercasing() {
        let parts = [
            "",
            " ",
            "application",
            "APPLICATION",
            "/",
            "json",
            "JSON",
            "+json",
            "+JSON",
            "scim",
            "é",
            ";",
            "charset=utf-8",
            "text",
            "\t",
            "+",
            "ø+json",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    for d in ["", "/", "+json", "; x"] {
                        let v = format!("{a}{b}{c}{d}");
                        assert_eq!(is_json_content_type(Some(&v)), by_lowercasing(&v), "{v:?}");
                    }
                }
            }
        }
    }
}
