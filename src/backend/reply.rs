//! Building responses: SCIM error bodies (RFC 7644 §3.12), resource and
//! ListResponse bodies (RFC 7644 §3.4.2), and the headers that go with them.

use ::http::header::{ALLOW, CONTENT_TYPE, ETAG, HeaderName, HeaderValue, LOCATION};
use ::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::BackendResponse;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::urn;

/// A response with a JSON body sent as `application/scim+json` (RFC 7644 §3.1).
pub(super) fn json(status: StatusCode, body: Value) -> BackendResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
    BackendResponse {
        status,
        headers,
        body: Some(body),
    }
}

/// A response without a body (204, 304).
pub(super) fn empty(status: StatusCode) -> BackendResponse {
    BackendResponse {
        status,
        headers: HeaderMap::new(),
        body: None,
    }
}

/// The RFC 7644 §3.12 error response for `e`.
pub(super) fn error(e: &ScimError) -> BackendResponse {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, e.to_json())
}

/// Shorthand for a `ScimError`.
pub(super) fn err(
    status: u16,
    scim_type: Option<ScimType>,
    detail: impl Into<String>,
) -> ScimError {
    ScimError::new(status, scim_type, detail)
}

/// 404 with a SCIM error body.
pub(super) fn not_found(detail: impl Into<String>) -> BackendResponse {
    error(&err(404, None, detail))
}

/// 405 with the `Allow` header HTTP requires (RFC 9110 §15.5.6).
pub(super) fn method_not_allowed(allow: &'static str) -> BackendResponse {
    let resp = error(&err(405, None, "The endpoint does not support this method"));
    with_header(resp, ALLOW, allow)
}

/// 501 for an operation the service provider does not support
/// (RFC 7644 §3.12, Table 8).
pub(super) fn not_implemented(detail: impl Into<String>) -> BackendResponse {
    error(&err(501, None, detail))
}

/// Adds a header; a value that is not a valid header value is left out
/// rather than failing the response.
pub(super) fn with_header(
    mut resp: BackendResponse,
    name: HeaderName,
    value: &str,
) -> BackendResponse {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers.insert(name, v);
    }
    resp
}

/// Adds `Location` and `ETag` taken from the resource's `meta`
/// (RFC 7644 §3.1, §3.14).
pub(super) fn with_resource_headers(
    resp: BackendResponse,
    location: &str,
    version: &str,
) -> BackendResponse {
    let resp = with_header(resp, LOCATION, location);
    with_header(resp, ETAG, version)
}

/// A ListResponse (RFC 7644 §3.4.2).
pub(super) fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [urn::LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
