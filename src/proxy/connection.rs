//! IdP connections: which client a request comes from, and the rules and
//! upstream that serve it. A deployment has one connection (the `--rules` and
//! `--upstream` flags) or several (`scimshim.yaml`, see `docs/config.md`).
//!
//! Attribution is the first phase of a request: the first connection, in
//! configuration order, whose [`Matcher`] claims the request serves it. It
//! reads only the request head and allocates nothing.

use std::borrow::Cow;
use std::sync::Arc;

use arc_swap::ArcSwap;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::Upstream;
use super::auth::{Denied, InboundAuth, UpstreamCredential, bearer_token, constant_time_eq};
use crate::rules::RuleSet;
use crate::rules::secret::Secret;

/// The name of the single connection that `--rules`/`--upstream` configure.
pub const DEFAULT_NAME: &str = "default";

/// How a request is recognised as coming from a connection.
pub enum Matcher {
    /// Every request (the single connection of the flags, or the last
    /// connection of a file when it has no `match`).
    Any,
    /// The path starts with this prefix, on a segment boundary (no trailing
    /// `/`). The prefix stands for the base path: rules and the upstream see
    /// the path with the prefix replaced by the base path.
    PathPrefix(String),
    /// `Authorization: Bearer <token>` carries this token (RFC 6750 §2.1),
    /// compared in constant time.
    BearerToken(Secret),
    /// The request carries this header with exactly this value.
    Header {
        name: HeaderName,
        value: HeaderValue,
    },
}

impl Matcher {
    /// Whether the request with this path and these headers belongs here.
    pub fn claims(&self, path: &str, headers: &HeaderMap) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::PathPrefix(prefix) => under_prefix(path.as_bytes(), prefix.as_bytes()),
            Matcher::BearerToken(token) => headers
                .get_all(AUTHORIZATION)
                .iter()
                .filter_map(|v| bearer_token(v.as_bytes()))
                .any(|t| constant_time_eq(t, token.expose().as_bytes())),
            Matcher::Header { name, value } => headers.get_all(name).iter().any(|v| v == value),
        }
    }

    /// The path as rules and the upstream see it: with a path prefix replaced
    /// by `base_path` (`/scim/v2/entra/Users` → `/scim/v2/Users`), otherwise
    /// unchanged and not copied. `path` must be one this matcher claims.
    pub fn rule_path<'a>(&self, path: &'a str, base_path: &str) -> Cow<'a, str> {
        let Matcher::PathPrefix(prefix) = self else {
            return Cow::Borrowed(path);
        };
        let rest = path.get(prefix.len()..).unwrap_or("");
        if base_path.is_empty() && rest.is_empty() {
            return Cow::Borrowed("/");
        }
        let mut s = String::with_capacity(base_path.len() + rest.len());
        s.push_str(base_path);
        s.push_str(rest);
        Cow::Owned(s)
    }

    /// What the matcher looks at, for messages; never shows a secret.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Any => "any request".into(),
            Matcher::PathPrefix(p) => format!("path prefix `{p}`"),
            Matcher::BearerToken(_) => "a bearer token".into(),
            Matcher::Header { name, .. } => format!("header `{name}`"),
        }
    }
}

/// Whether `path` is `prefix` or continues it with a `/`.
fn under_prefix(path: &[u8], prefix: &[u8]) -> bool {
    path.starts_with(prefix) && matches!(path.get(prefix.len()), None | Some(b'/'))
}

/// One IdP connection: its name (in logs), how its requests are recognised,
/// its rules and its upstream.
pub struct Connection {
    pub name: Arc<str>,
    pub matcher: Matcher,
    /// The rule set; a request takes one snapshot and keeps it to the end.
    pub rules: ArcSwap<RuleSet>,
    pub upstream: Upstream,
    /// The bearer tokens (as SHA-256 hashes) this connection accepts; checked
    /// after attribution, before any rule (see [`super::auth`]). `None`: the
    /// connection does not authenticate (a [`Matcher::BearerToken`] already
    /// proves that the client holds its token).
    pub inbound_auth: Option<InboundAuth>,
    /// The backend's own credential, sent instead of the client's.
    pub upstream_credential: Option<UpstreamCredential>,
}

impl Connection {
    pub fn new(name: &str, matcher: Matcher, rules: RuleSet, upstream: Upstream) -> Connection {
        Connection {
            name: Arc::from(name),
            matcher,
            rules: ArcSwap::from_pointee(rules),
            upstream,
            inbound_auth: None,
            upstream_credential: None,
        }
    }

    /// The same connection, authenticating clients with `inbound_auth` and
    /// presenting `upstream_credential` to the backend.
    pub fn with_auth(
        mut self,
        inbound_auth: Option<InboundAuth>,
        upstream_credential: Option<UpstreamCredential>,
    ) -> Connection {
        self.inbound_auth = inbound_auth;
        self.upstream_credential = upstream_credential;
        self
    }

    /// Whether only clients that proved they hold a secret reach this
    /// connection: by its inbound auth or by its bearer-token match.
    pub fn authenticates(&self) -> bool {
        self.inbound_auth.is_some() || matches!(self.matcher, Matcher::BearerToken(_))
    }
}

/// Every connection, in configuration order.
pub struct Connections {
    list: Vec<Connection>,
    /// What was tried, for the 404 of a request no connection claims.
    tried: Arc<str>,
}

impl Connections {
    pub fn new(list: Vec<Connection>) -> Connections {
        let tried = list
            .iter()
            .map(|c| format!("{} ({})", c.matcher.describe(), c.name))
            .collect::<Vec<_>>()
            .join(", ");
        Connections {
            list,
            tried: Arc::from(tried),
        }
    }

    /// The one connection of `--rules`/`--upstream`: every request, named
    /// [`DEFAULT_NAME`].
    pub fn single(rules: RuleSet, upstream: Upstream) -> Connections {
        Connections::new(vec![Connection::new(
            DEFAULT_NAME,
            Matcher::Any,
            rules,
            upstream,
        )])
    }

    /// The first connection, in order, that claims the request, with its index.
    pub fn attribute(&self, path: &str, headers: &HeaderMap) -> Option<(usize, &Connection)> {
        self.list
            .iter()
            .enumerate()
            .find(|(_, c)| c.matcher.claims(path, headers))
    }

    /// The connection at `index`.
    pub fn get(&self, index: usize) -> Option<&Connection> {
        self.list.get(index)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Connection> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The matchers tried, described without secrets: `path prefix
    /// `/scim/v2/entra` (entra), a bearer token (okta)`.
    pub fn tried(&self) -> &Arc<str> {
        &self.tried
    }
}

#[cfg(test)]
mod tests;

impl Connection {
    /// The authentication phase of a request attributed to `conn`: checks the
    /// inbound token, if the connection wants one, then puts the backend's
    /// credential in place of the client's, if the connection has one.
    pub fn admit(&self, headers: &mut HeaderMap) -> Result<(), Denied> {
        if let Some(auth) = &self.inbound_auth {
            auth.check(headers)?;
        }
        if let Some(credential) = &self.upstream_credential {
            credential.apply(headers);
        }
        Ok(())
    }
}
