//! Request routing: which endpoint a path names (RFC 7644 §3.2), the checks
//! every request goes through (authorization, media type, JSON syntax), and
//! the method table with its 405 / 501 answers.

use ::http::Method;
use ::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, WWW_AUTHENTICATE};
use ::http::uri::Authority;
use serde_json::Value;

use super::query::Query;
use super::reply::{self, err};
use super::{Backend, BackendRequest, BackendResponse, Kind, Profile};
use crate::scim::classify::strip_base;
use crate::scim::error::{ScimError, ScimType};

/// An endpoint of the service provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    /// `/Users`, `/Groups`
    Collection(Kind),
    /// `/Users/{id}`
    Item(Kind, String),
    /// `/Users/.search` (RFC 7644 §3.4.3)
    Search(Kind),
    /// `/ServiceProviderConfig` (RFC 7644 §4)
    ServiceProviderConfig,
    /// `/Schemas`
    Schemas,
    /// `/Schemas/{urn}`
    Schema(String),
    /// `/ResourceTypes`
    ResourceTypes,
    /// `/ResourceTypes/{name}`
    ResourceType(String),
    /// `/Me` and below (RFC 7644 §3.11), not implemented
    Me,
    /// `/Bulk` (RFC 7644 §3.7), not implemented
    Bulk,
    /// `/.search` at the root (RFC 7644 §3.4.3), not implemented
    RootSearch,
}

impl Route {
    /// Routes a percent-encoded path. Endpoint names match case-insensitively
    /// (as in scim2-server); a trailing slash is ignored; empty segments in
    /// the middle, the base path itself and paths outside it route nowhere.
    pub(super) fn parse(path: &str, profile: &Profile) -> Option<Route> {
        let base = normalized_base(&profile.base_path);
        let rel = strip_base(path, &base)?.trim_end_matches('/');
        let rel = rel.strip_prefix('/')?;
        let mut segments = Vec::new();
        for raw in rel.split('/') {
            if raw.is_empty() {
                return None;
            }
            segments.push(super::query::percent_decode(raw, false)?);
        }
        let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
        let kind_of = |s: &str| {
            if is(s, "Users") {
                Some(Kind::User)
            } else if is(s, "Groups") && profile.groups {
                Some(Kind::Group)
            } else {
                None
            }
        };
        match segments.as_slice() {
            [first] if first == ".search" => Some(Route::RootSearch),
            [first] if is(first, "ServiceProviderConfig") => Some(Route::ServiceProviderConfig),
            [first] if is(first, "Schemas") => Some(Route::Schemas),
            [first, id] if is(first, "Schemas") => Some(Route::Schema(id.clone())),
            [first] if is(first, "ResourceTypes") => Some(Route::ResourceTypes),
            [first, name] if is(first, "ResourceTypes") => Some(Route::ResourceType(name.clone())),
            [first] if is(first, "Bulk") => Some(Route::Bulk),
            [first, ..] if is(first, "Me") => Some(Route::Me),
            [first] => kind_of(first).map(Route::Collection),
            [first, second] if second == ".search" => kind_of(first).map(Route::Search),
            [first, id] => kind_of(first).map(|k| Route::Item(k, id.clone())),
            _ => None,
        }
    }
}

/// `/scim/v2/` → `/scim/v2`; `scim` → `/scim`; `/` → ``.
fn normalized_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// What a handler needs to know about the request beyond its route.
pub(super) struct Ctx<'a> {
    pub(super) req: &'a BackendRequest,
    pub(super) query: Query,
    /// `http://host` from the `Host` header, or empty (relative URLs).
    origin: String,
    base: String,
}

impl Ctx<'_> {
    /// The URL of `rel` (an endpoint path such as `/Users/42`): absolute when
    /// the request named its host, otherwise relative to the server root.
    pub(super) fn url(&self, rel: &str) -> String {
        format!("{}{}{}", self.origin, self.base, rel)
    }
}

/// Answers `req`: route, authorize, then run the endpoint's handler.
pub(super) fn dispatch(backend: &Backend, req: &BackendRequest) -> BackendResponse {
    let Some(route) = Route::parse(&req.path, &backend.profile) else {
        return reply::not_found(format!("No SCIM endpoint at '{}'", req.path));
    };
    // The ServiceProviderConfig never needs authentication, as in scim2-server:
    // clients read it to learn how to authenticate (RFC 7643 §5
    // "authenticationSchemes").
    if route != Route::ServiceProviderConfig
        && let Some(denied) = authorize(&backend.profile, req)
    {
        return denied;
    }
    let query = match Query::parse(req.query.as_deref()) {
        Ok(q) => q,
        Err(e) => return reply::error(&e),
    };
    let ctx = Ctx {
        req,
        query,
        origin: origin(req),
        base: normalized_base(&backend.profile.base_path),
    };
    let method = &req.method;
    match route {
        Route::Collection(kind) => match *method {
            Method::GET => backend.query_resources(&ctx, kind),
            Method::POST => backend.create(&ctx, kind),
            _ => reply::method_not_allowed("GET, POST"),
        },
        Route::Item(kind, id) => match *method {
            Method::GET => backend.read(&ctx, kind, &id),
            Method::PUT => backend.replace(&ctx, kind, &id),
            Method::PATCH if backend.profile.patch => backend.modify(&ctx, kind, &id),
            Method::PATCH => reply::not_implemented("PATCH is not supported; use PUT"),
            Method::DELETE => backend.delete(&ctx, kind, &id),
            _ if backend.profile.patch => reply::method_not_allowed("DELETE, GET, PATCH, PUT"),
            _ => reply::method_not_allowed("DELETE, GET, PUT"),
        },
        Route::Search(kind) => match *method {
            Method::POST => backend.search(&ctx, kind),
            _ => reply::method_not_allowed("POST"),
        },
        Route::ServiceProviderConfig
        | Route::Schemas
        | Route::Schema(_)
        | Route::ResourceTypes
        | Route::ResourceType(_) => match *method {
            Method::GET => backend.discovery(&ctx, &route),
            _ => reply::method_not_allowed("GET"),
        },
        Route::Me => reply::not_implemented("/Me is not supported"),
        Route::Bulk => reply::not_implemented("Bulk operations are not supported"),
        Route::RootSearch => {
            reply::not_implemented("Searching from the server root is not supported")
        }
    }
}

/// `None` when the request may proceed, else the 401 answer (RFC 7644 §2,
/// §3.12 Table 8). The whole `Authorization` value must equal the token.
fn authorize(profile: &Profile, req: &BackendRequest) -> Option<BackendResponse> {
    let token = profile.token.as_deref()?;
    let given = req.headers.get(AUTHORIZATION).map(|v| v.as_bytes());
    if given.is_some_and(|g| constant_time_eq(g, token.as_bytes())) {
        return None;
    }
    let scheme = if is_basic(token) { "Basic" } else { "Bearer" };
    let resp = reply::error(&err(
        401,
        None,
        "Authorization failure. The authorization header is invalid or missing",
    ));
    Some(reply::with_header(
        resp,
        WWW_AUTHENTICATE,
        &format!("{scheme} realm=\"SCIM\""),
    ))
}

/// Whether a token is an HTTP Basic credential (`Basic …`).
pub(super) fn is_basic(token: &str) -> bool {
    token
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("basic "))
}

/// Compares without an early exit, so timing does not reveal the prefix
/// that matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `http://` plus a well-formed `Host` header, or empty.
fn origin(req: &BackendRequest) -> String {
    req.headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<Authority>().ok())
        .map(|a| format!("http://{a}"))
        .unwrap_or_default()
}

/// Reads a request body that must be a JSON object.
///
/// * The media type must be `application/scim+json` or `application/json`
///   (RFC 7644 §3.8: providers MUST accept the first and SHOULD accept the
///   second), parameters allowed but a `charset` must be UTF-8 (RFC 8259 §8.1);
///   otherwise, or when `Content-Type` is missing, 415, as scim2-server does.
/// * Malformed JSON, or JSON that is not an object → 400 invalidSyntax
///   (RFC 7644 §3.12, Table 9).
pub(super) fn json_object(req: &BackendRequest) -> Result<Value, ScimError> {
    let media_ok = req
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(acceptable_media_type);
    if !media_ok {
        return Err(err(
            415,
            None,
            "The request body must be application/scim+json",
        ));
    }
    let value: Value = serde_json::from_slice(&req.body).map_err(|e| {
        err(
            400,
            Some(ScimType::InvalidSyntax),
            format!("Invalid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(err(
            400,
            Some(ScimType::InvalidSyntax),
            "The request body must be a JSON object",
        ));
    }
    Ok(value)
}

fn acceptable_media_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim();
    let type_ok = essence.eq_ignore_ascii_case("application/scim+json")
        || essence.eq_ignore_ascii_case("application/json");
    let charset_ok = parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            let v = value.trim().trim_matches('"');
            v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    });
    type_ok && charset_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        Route::parse(path, &Profile::default())
    }

    #[test]
    fn routes_endpoints_under_the_base_path() {
        assert_eq!(route("/scim/v2/Users"), Some(Route::Collection(Kind::User)));
        assert_eq!(
            route("/scim/v2/users/"),
            Some(Route::Collection(Kind::User))
        );
        assert_eq!(
            route("/scim/v2/Groups/a%20b"),
            Some(Route::Item(Kind::Group, "a b".into()))
        );
        assert_eq!(
            route("/scim/v2/Users/.search"),
            Some(Route::Search(Kind::User))
        );
        assert_eq!(
            route("/scim/v2/Schemas/urn%3Aietf%3Ax"),
            Some(Route::Schema("urn:ietf:x".into()))
        );
        assert_eq!(route("/scim/v2/Me/x"), Some(Route::Me));
        assert_eq!(route("/scim/v2/.search"), Some(Route::RootSearch));
        for outside in [
            "/scim/v2",
            "/scim/v2/",
            "/scim/v2/v2/Users",
            "/other/Users",
            "/scim/v2x/Users",
            "/scim/v2/Users/1/2",
            "/scim/v2/Users//1",
            "/scim/v2/Widgets",
            "/scim/v2/Users/%FF",
        ] {
            assert_eq!(route(outside), None, "{outside}");
        }
    }

    #[test]
    fn groups_disappear_when_disabled_and_root_base_works() {
        let p = Profile {
            base_path: "/".into(),
            groups: false,
            ..Profile::default()
        };
        assert_eq!(Route::parse("/Groups", &p), None);
        assert_eq!(
            Route::parse("/Users", &p),
            Some(Route::Collection(Kind::User))
        );
    }

    #[test]
    fn media_types() {
        for ok in [
            "application/scim+json",
            "application/json",
            "Application/JSON; charset=UTF-8",
            "application/scim+json;charset=\"utf-8\"",
        ] {
            assert!(acceptable_media_type(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json; charset=latin1",
            "",
        ] {
            assert!(!acceptable_media_type(bad), "{bad}");
        }
    }

    #[test]
    fn basic_tokens_are_recognised() {
        assert!(is_basic("Basic dXNlcjpwdw=="));
        assert!(is_basic("basic x"));
        assert!(!is_basic("Bearer x"));
        assert!(!is_basic("Bas"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
