//! The engine's view of a request: what rules read and edit. The proxy builds it
//! from the HTTP request and turns it back into one; `explain` and `test` build it
//! from files. Nothing here does I/O.

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

/// A request being evaluated.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The URL path, percent-encoded as received.
    pub path: String,
    /// The query string without `?`, untouched.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Body,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: None,
            headers: HeaderMap::new(),
            body: Body::Empty,
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
