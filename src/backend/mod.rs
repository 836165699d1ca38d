//! An embedded, strict, in-memory SCIM 2.0 service provider (RFC 7643 / RFC 7644).
//!
//! `scimshim demo` serves it, in-process tests talk to it, and `explain` / `test`
//! ask it whether a rewritten request would be accepted. The core is synchronous
//! and pure apart from the clock: [`Backend::handle`] turns a [`BackendRequest`]
//! into a [`BackendResponse`]. [`http::serve`] is the thin HTTP shell around it.
//!
//! Strictness follows the RFCs first and the reference server scim2-server 0.8.3
//! where the RFCs leave a choice. Resource bodies are judged by
//! [`ResourceType::validate`] and PATCH by [`crate::scim::patch`], whose own
//! documentation lists their decisions; the backend's are these:
//!
//! | Case | Answer | RFC | scim2-server 0.8.3 |
//! |---|---|---|---|
//! | path outside the base path, unknown endpoint, `/v2/v2/Users` | 404 | 7644 §3.2 | agrees |
//! | endpoint names in another case (`/users`) | accepted | — | agrees |
//! | wrong method on `/Users` / `/Users/{id}` / discovery | 405 + `Allow` | RFC 9110 §15.5.6 | agrees |
//! | PATCH with `patch: false` | 501 | 7644 §3.12 Table 8 ("e.g., PATCH") | — |
//! | `/Bulk`, `/Me`, `/.search` at the root | 501 | 7644 §3.7, §3.11, §3.12 | serves them |
//! | no or wrong `Authorization` when a token is set | 401 + `WWW-Authenticate` | 7644 §2 | agrees |
//! | `/ServiceProviderConfig` without `Authorization` | 200 | 7643 §5 (it announces the schemes) | agrees |
//! | `Content-Type` missing or not `application/(scim+)json` (charset must be UTF-8) | 415 | 7644 §3.8 | agrees |
//! | malformed JSON, body not an object | 400 invalidSyntax | 7644 §3.12 Table 9 | agrees |
//! | filter syntax error | 400 invalidFilter | 7644 §3.4.2.2 | agrees |
//! | filter on an unknown attribute | 400 invalidFilter | 7644 §3.12 Table 9 | agrees |
//! | filter on a `returned: never` attribute (`password`) | 400 invalidFilter | 7643 §7 | allows it |
//! | `startIndex` < 1 / `count` < 0 / `count` > 1000 | 1 / 0 / 1000 | 7644 §3.4.2.4, 7643 §5 `maxResults` | agrees on clamping |
//! | `startIndex` / `count` not an integer | 400 invalidValue | — | agrees |
//! | `attributes` with `excludedAttributes` | 400 invalidValue | 7644 §3.9 ("mutually exclusive") | agrees |
//! | malformed path in `attributes` | 400 invalidPath | — | agrees |
//! | `attributes` on POST / PUT responses | honoured | 7644 §3.9 | ignores them |
//! | `sortBy` / `sortOrder` | ignored (sort unsupported) | 7644 §3.4.2.3 | sorts |
//! | filter on `/Schemas`, `/ResourceTypes`, `/ServiceProviderConfig` | 403 | 7644 §4 | agrees |
//! | `id`, `meta`, read-only attributes (`groups`) in POST / PUT | ignored | 7644 §3.5.1, 7643 §7 | agrees |
//! | PUT body `id` differing from the URL | ignored | 7644 §3.5.1 (readOnly) | agrees |
//! | PATCH that changes `id` | 400 mutability | 7644 §3.5.2 | agrees |
//! | duplicate `userName` in any letter case | 409 uniqueness | 7644 §3.3, 7643 §4.1.1 | agrees |
//! | PUT / PATCH on an unknown id | 404 before the body is judged | 7644 §3.5 | agrees |
//! | `If-Match` stale | 412, no scimType | 7644 §3.14, §3.12 Table 8 | agrees |
//! | `If-Match: *` or current (weak comparison) | proceeds | RFC 9110 §13.1.1 | agrees |
//! | `If-None-Match` current on GET | 304 with `ETag` | 7644 §3.14 | agrees |
//! | PATCH response | 204, or 200 with the resource when `attributes` / `excludedAttributes` is given | 7644 §3.5.2 | agrees |
//! | a write that changes nothing | keeps `meta.version` | 7644 §3.14 | agrees |
//! | SearchRequest without its URN or with unknown members | 400 invalidSyntax | 7644 §3.4.3 | accepts |
//! | body over 1 MiB (HTTP shell) | 413 | 7644 §3.12 Table 8 | — |
//! | `immutable` sub-attributes (`members.value`) | not checked: members have no identity beyond their value | 7644 §3.5.1 | agrees |
//! | group members naming unknown ids; deleting a member user | accepted; memberships untouched | — | agrees |
//!
//! State lives behind one `std::sync::Mutex` that is never held across an await
//! and recovers from poisoning.

mod clock;
mod discovery;
pub mod http;
mod query;
mod reply;
mod resources;
mod routes;
mod schema_ops;
mod store;

use std::sync::{Mutex, MutexGuard, OnceLock};

use ::http::{HeaderMap, Method, StatusCode};
use bytes::Bytes;
use serde_json::Value;

use crate::scim::error::ScimError;
use crate::scim::schema::ResourceType;

pub use clock::{Clock, FixedClock, SystemClock, rfc3339};

/// What kind of backend to emulate: where it lives and which optional features
/// it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The path prefix every endpoint lives under, e.g. `/scim/v2`. `""` or `/`
    /// serves at the root. Requests outside it are answered 404.
    pub base_path: String,
    /// Whether PATCH is implemented. When `false` the backend is PUT-only and
    /// answers PATCH with 501 Not Implemented ("Service provider does not
    /// support the request operation, e.g., PATCH", RFC 7644 §3.12, Table 8),
    /// and the ServiceProviderConfig says `patch.supported: false` (RFC 7643 §5).
    pub patch: bool,
    /// Whether the Group resource type exists. When `false`, `/Groups` is 404
    /// and Group entries disappear from `/Schemas` and `/ResourceTypes`.
    pub groups: bool,
    /// When set, every request (except `/ServiceProviderConfig`) must carry an
    /// `Authorization` header equal to this value, e.g. `Bearer s3cret`;
    /// otherwise 401 (RFC 7644 §2).
    pub token: Option<String>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            base_path: "/scim/v2".to_string(),
            patch: true,
            groups: true,
            token: None,
        }
    }
}

/// The resource types the backend stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `/Users` (RFC 7643 §4.1, with the enterprise extension of §4.3).
    User,
    /// `/Groups` (RFC 7643 §4.2).
    Group,
}

impl Kind {
    /// The resource type name, as in `meta.resourceType`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    /// The endpoint, relative to the base path (RFC 7644 §3.2).
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "/Users",
            Kind::Group => "/Groups",
        }
    }
}

/// A request as the backend sees it: already read, body fully buffered.
#[derive(Debug, Clone)]
pub struct BackendRequest {
    pub method: Method,
    /// The URL path, percent-encoded as received, without the query.
    pub path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl BackendRequest {
    /// A request without headers or body; a convenience for callers and tests.
    pub fn new(method: Method, path_and_query: &str) -> BackendRequest {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (path_and_query.to_string(), None),
        };
        BackendRequest {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
}

/// The backend's answer. A `Some` body is sent as `application/scim+json`
/// (the `Content-Type` header is already set in `headers`).
#[derive(Debug, Clone)]
pub struct BackendResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Option<Value>,
}

impl BackendResponse {
    /// The body serialised as sent on the wire (empty when there is none).
    pub fn body_bytes(&self) -> Bytes {
        match &self.body {
            // Serialising a `Value` cannot fail.
            Some(body) => Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
            None => Bytes::new(),
        }
    }
}

/// The in-memory SCIM service provider. Cheap to share behind an `Arc`; every
/// method takes `&self`.
pub struct Backend {
    profile: Profile,
    clock: Box<dyn Clock>,
    state: Mutex<store::State>,
    user_type: OnceLock<ResourceType>,
    group_type: OnceLock<ResourceType>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// An empty backend with the given profile and the system clock.
    pub fn new(profile: Profile) -> Backend {
        Backend::with_clock(profile, Box::new(SystemClock))
    }

    /// An empty backend that takes `meta.created` / `meta.lastModified` from `clock`.
    pub fn with_clock(profile: Profile, clock: Box<dyn Clock>) -> Backend {
        Backend {
            profile,
            clock,
            state: Mutex::new(store::State::new()),
            user_type: OnceLock::new(),
            group_type: OnceLock::new(),
        }
    }

    /// The profile this backend was built with.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Answers one request. Never panics on any input; every error is an
    /// RFC 7644 §3.12 error body.
    pub fn handle(&self, req: &BackendRequest) -> BackendResponse {
        routes::dispatch(self, req)
    }

    /// The stored representation of one resource (including `password` and
    /// other never-returned attributes), or `None`.
    pub fn get(&self, kind: Kind, id: &str) -> Option<Value> {
        self.lock().collection(kind).get(id).cloned()
    }

    /// Every stored resource of `kind`, in creation order.
    pub fn list(&self, kind: Kind) -> Vec<Value> {
        self.lock().collection(kind).iter().cloned().collect()
    }

    /// The resource type definition for `kind`.
    pub fn resource_type(&self, kind: Kind) -> &ResourceType {
        match kind {
            Kind::User => self.user_type.get_or_init(ResourceType::user),
            Kind::Group => self.group_type.get_or_init(ResourceType::group),
        }
    }

    /// Locks the store; a poisoned lock (a panic elsewhere while holding it)
    /// is recovered rather than propagated: every write replaces whole
    /// resources, so the state is never half-updated.
    fn lock(&self) -> MutexGuard<'_, store::State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> String {
        rfc3339(self.clock.now())
    }
}

/// Converts an error into the response every endpoint uses for it.
impl From<ScimError> for BackendResponse {
    fn from(e: ScimError) -> Self {
        reply::error(&e)
    }
}

#[cfg(test)]
mod tests;
