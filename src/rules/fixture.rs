//! Messages written as data, for everything that evaluates rules without a
//! socket: rule tests (`scimshim test`), `scimshim explain` and recorded
//! sessions. A [`MessageSpec`] becomes the same [`Request`] the proxy builds
//! from the wire, and a [`FixtureIo`] answers the engine's fetches from a
//! resource given in the fixture.

use std::collections::BTreeMap;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::drive::Io;
use super::request::{Body, Fetched, Request};
use crate::scim::urn;

/// A request or a response, as written in a fixture.
///
/// ```yaml
/// method: PATCH
/// path: /scim/v2/Users/42?attributes=userName
/// headers: { authorization: Bearer t0ken }
/// body: { Operations: [ { op: Replace, path: active, value: "False" } ] }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSpec {
    /// The HTTP method (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path, with the query after `?` if any (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The status (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Header names (any case) and values. A body without a `content-type`
    /// is sent as `application/scim+json`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body given as text instead, sent as written (for bodies that are
    /// not valid JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// Why a [`MessageSpec`] cannot be turned into a message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FixtureError {
    #[error("`method` is missing")]
    NoMethod,
    #[error("`{0}` is not an HTTP method")]
    Method(String),
    #[error("`path` is missing")]
    NoPath,
    #[error("`path` must start with `/`, got `{0}`")]
    Path(String),
    #[error("header `{0}`: not a valid header name")]
    HeaderName(String),
    #[error("header `{0}`: not a valid header value")]
    HeaderValue(String),
    #[error("give `body` or `body_text`, not both")]
    TwoBodies,
    #[error("`body_text` is not valid JSON: {0}")]
    InvalidJson(String),
}

impl MessageSpec {
    /// The request this describes, as the proxy would build it from the wire.
    pub fn to_request(&self) -> Result<Request, FixtureError> {
        let method = self.method.as_deref().ok_or(FixtureError::NoMethod)?;
        let method = Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| FixtureError::Method(method.to_string()))?;
        let full = self.path.as_deref().ok_or(FixtureError::NoPath)?;
        if !full.starts_with('/') {
            return Err(FixtureError::Path(full.to_string()));
        }
        let (path, query) = match full.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (full.to_string(), None),
        };
        let headers = self.header_map()?;
        let body = self.body()?;
        Ok(Request::with_parts(method, path, query, headers, body))
    }

    /// The headers, with `content-type: application/scim+json` added when
    /// there is a body and no type.
    pub fn header_map(&self) -> Result<HeaderMap, FixtureError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| FixtureError::HeaderName(name.clone()))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| FixtureError::HeaderValue(name.clone()))?;
            headers.append(n, v);
        }
        if (self.body.is_some() || self.body_text.is_some()) && !headers.contains_key(CONTENT_TYPE)
        {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
        }
        Ok(headers)
    }

    /// The body as the engine sees it.
    pub fn body(&self) -> Result<Body, FixtureError> {
        match (&self.body, &self.body_text) {
            (Some(_), Some(_)) => Err(FixtureError::TwoBodies),
            (Some(v), None) => Ok(Body::Json(v.clone())),
            (None, Some(text)) => {
                Body::parse(text.as_bytes()).map_err(|e| FixtureError::InvalidJson(e.to_string()))
            }
            (None, None) => Ok(Body::Empty),
        }
    }

    /// An upstream response this describes, as response rules see it: the
    /// request's method and path, the response's status, headers and body.
    pub fn to_response(&self, request: &Request) -> Result<Request, FixtureError> {
        let mut message = Request::with_parts(
            request.method.clone(),
            request.path.clone(),
            request.query.clone(),
            self.header_map()?,
            self.body()?,
        );
        message.status = Some(self.status.unwrap_or(200));
        Ok(message)
    }

    /// Describes a message the engine produced, for comparison and display.
    pub fn from_message(message: &Request) -> MessageSpec {
        let mut headers = BTreeMap::new();
        for (name, value) in &message.headers {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_string())
                .and_modify(|v: &mut String| {
                    v.push_str(", ");
                    v.push_str(&text);
                })
                .or_insert(text);
        }
        let (body, body_text) = match &message.body {
            Body::Json(v) => (Some(v.clone()), None),
            Body::Empty | Body::Unread => (None, None),
            Body::Opaque => (None, Some("<not JSON>".to_string())),
        };
        let (method, path) = if message.status.is_some() {
            (None, None)
        } else {
            let path = match &message.query {
                Some(q) => format!("{}?{q}", message.path),
                None => message.path.clone(),
            };
            (Some(message.method.as_str().to_string()), Some(path))
        };
        MessageSpec {
            method,
            path,
            status: message.status,
            headers,
            body,
            body_text,
        }
    }
}

/// Answers the engine's fetches with a fixed resource (what the upstream
/// holds now), or with a 404 when the fixture gives none. The body is never
/// asked for: fixtures are parsed up front.
#[derive(Debug, Clone, Default)]
pub struct FixtureIo {
    /// The resource a GET of the request's path returns.
    pub resource: Option<Value>,
    /// Its ETag; by default the resource's `meta.version`.
    pub etag: Option<String>,
    /// How many fetches the engine asked for.
    pub fetches: u32,
}

impl FixtureIo {
    pub fn new(resource: Option<Value>) -> Self {
        FixtureIo {
            resource,
            etag: None,
            fetches: 0,
        }
    }

    fn answer(&self) -> Fetched {
        match &self.resource {
            Some(resource) => Fetched::Found {
                etag: self.etag.clone().or_else(|| {
                    resource
                        .pointer("/meta/version")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }),
                resource: resource.clone(),
            },
            None => Fetched::Failed {
                status: 404,
                body: Some(crate::scim::ScimError::new(404, None, "no such resource").to_json()),
            },
        }
    }
}

impl Io for FixtureIo {
    type Error = std::convert::Infallible;
    async fn body(&mut self) -> Result<Body, Self::Error> {
        Ok(Body::Empty)
    }
    async fn fetch(&mut self, _: &Request) -> Result<Fetched, Self::Error> {
        self.fetches += 1;
        Ok(self.answer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(yaml: &str) -> MessageSpec {
        match serde_saphyr::from_str(yaml) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_request_spec_becomes_the_request_the_proxy_would_build() {
        let s = spec(
            "method: patch\npath: /scim/v2/Users/1?attributes=userName\nheaders: { Authorization: Bearer x }\nbody: { Operations: [ { op: Replace, path: active, value: 'False' } ] }\n",
        );
        let Ok(req) = s.to_request() else {
            panic!("{:?}", s.to_request())
        };
        assert_eq!(req.method, Method::PATCH);
        assert_eq!(req.path, "/scim/v2/Users/1");
        assert_eq!(req.query.as_deref(), Some("attributes=userName"));
        assert_eq!(
            req.headers.get("authorization").map(HeaderValue::as_bytes),
            Some(&b"Bearer x"[..])
        );
        assert_eq!(
            req.headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes),
            Some(urn::MEDIA_TYPE.as_bytes())
        );
        let Body::Json(b) = &req.body else {
            panic!("{:?}", req.body)
        };
        assert_eq!(b["Operations"][0]["value"], "False");
        let back = MessageSpec::from_message(&req);
        assert_eq!(
            back.path.as_deref(),
            Some("/scim/v2/Users/1?attributes=userName")
        );
        assert_eq!(back.body, s.body);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            ("path: /x\n", FixtureError::NoMethod),
            ("method: GET\n", FixtureError::NoPath),
            (
                "method: 'G T'\npath: /x\n",
                FixtureError::Method("G T".into()),
            ),
            ("method: GET\npath: x\n", FixtureError::Path("x".into())),
            (
                "method: GET\npath: /x\nheaders: { 'a b': c }\n",
                FixtureError::HeaderName("a b".into()),
            ),
            (
                "method: GET\npath: /x\nbody: {}\nbody_text: '{}'\n",
                FixtureError::TwoBodies,
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(spec(yaml).to_request().err(), Some(want), "{yaml}");
        }
        let bad = spec("method: POST\npath: /x\nbody_text: '{\"a\":'\n");
        assert!(matches!(
            bad.to_request(),
            Err(FixtureError::InvalidJson(_))
        ));
        assert!(
            serde_saphyr::from_str::<MessageSpec>("method: GET\npath: /x\nbodee: 1\n").is_err()
        );
    }

    #[test]
    fn fetches_are_answered_from_the_fixture() {
        let user = json!({"id": "1", "meta": {"version": "W/\"7\""}});
        let io = FixtureIo::new(Some(user.clone()));
        assert_eq!(
            io.answer(),
            Fetched::Found {
                resource: user,
                etag: Some("W/\"7\"".into())
            }
        );
        assert!(matches!(
            FixtureIo::new(None).answer(),
            Fetched::Failed { status: 404, .. }
        ));
    }
}
