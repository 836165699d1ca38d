//! The HTTP shell around the engine: accepts HTTP/1.1 and HTTP/2 from clients,
//! runs the request phases, and forwards through a pooled upstream client.
//!
//! Phases of one request (see `docs/architecture.md`):
//! attribute to a connection → authenticate ([`auth`]) → classify → match rules → rewrite (reading the body only if a matching rule
//! needs it) → answer locally or forward → stream the response back → log.

pub mod auth;
pub mod body;
pub mod connection;
pub mod error;
pub mod handler;
pub mod headers;
pub mod pool;
pub mod server;
pub mod tls;
pub mod upstream;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::admin::{OpsState, RulesReport};
use crate::rules::RuleSet;
use crate::telemetry::events::RequestId;
use crate::telemetry::redact::ValueLogging;

pub use connection::{Connection, Connections, Matcher};
pub use server::serve;
pub use upstream::Upstream;

/// Everything a request needs, shared by all client connections.
pub struct Proxy {
    /// The IdP connections, each with its rules and upstream; a request is
    /// attributed to one of them first.
    pub connections: Connections,
    /// The SCIM base path served, without a trailing slash (`/scim/v2`).
    pub base_path: String,
    /// Largest body a rule may read.
    pub max_body_bytes: usize,
    /// Time allowed for the upstream to answer, and for a client to send a body
    /// that a rule must read.
    pub timeout: Duration,
    pub log_values: ValueLogging,
    /// `http` or `https`, for `X-Forwarded-Proto`.
    pub scheme: &'static str,
    /// Name the applied rules in an `x-scimshim-applied` response header
    /// (`scimshim demo`; off in `serve`, where the log says it).
    pub announce_applied: bool,
    /// Readiness, the rules report and the metrics the admin listener shows;
    /// the handler marks the upstream reached and records every request here.
    pub ops: Arc<OpsState>,
    ids: RequestIds,
}

impl Proxy {
    /// A proxy with one connection that takes every request (`--rules`,
    /// `--upstream`), with operational state of its own (`scimshim demo`).
    pub fn new(
        rules: RuleSet,
        upstream: Upstream,
        base_path: String,
        max_body_bytes: usize,
        timeout: Duration,
        log_values: ValueLogging,
    ) -> Arc<Proxy> {
        Proxy::with_connections(
            Connections::single(rules, upstream),
            base_path,
            max_body_bytes,
            timeout,
            log_values,
            OpsState::new(true, RulesReport::default()),
        )
    }

    /// A proxy serving several IdP connections (`scimshim.yaml`), reporting
    /// to `ops` (shared with the admin listener and reloading).
    pub fn with_connections(
        connections: Connections,
        base_path: String,
        max_body_bytes: usize,
        timeout: Duration,
        log_values: ValueLogging,
        ops: Arc<OpsState>,
    ) -> Arc<Proxy> {
        Arc::new(Proxy {
            connections,
            base_path,
            max_body_bytes,
            timeout,
            log_values,
            scheme: "http",
            announce_applied: false,
            ops,
            ids: RequestIds::new(),
        })
    }
}

/// Request ids: a per-process prefix and a counter, cheap and unique enough to
/// join log lines.
struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or(0);
        RequestIds {
            prefix: nanos ^ std::process::id(),
            next: AtomicU64::new(1),
        }
    }

    fn next(&self) -> RequestId {
        RequestId {
            prefix: self.prefix,
            seq: self.next.fetch_add(1, Ordering::Relaxed),
        }
    }
}
