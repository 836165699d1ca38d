//! Every notable event, one function each, so that field names stay stable and
//! (later) metrics are bumped in the same place. Field names: `request.id`,
//! `rule.id`, `rule.action`, `rule.target`, `rule.before`, `rule.after`, `http.method`,
//! `http.path`, `http.status`, `scim.resource`, `upstream.duration_ms`, `connection`,
//! `rules.applied`, `local`, `local.rule`, `error.origin`, `error.kind`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::rules::{Change, Diagnostic};

use super::redact::{self, ValueLogging};

/// A request's id in the logs: a per-process prefix and a sequence number,
/// written `0a1b2c3d-2f`. It is formatted only when an event is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
    pub prefix: u32,
    pub seq: u64,
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}-{:x}", self.prefix, self.seq)
    }
}

/// Whether `rule applied` events are written (they are info events).
pub fn rule_applied_enabled() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// One applied change (rule id, action, target, before/after, redacted), and
/// the IdP connection whose rules made it.
pub fn rule_applied(request_id: RequestId, connection: &str, change: &Change, mode: ValueLogging) {
    // Redacting and encoding the values costs more than the event itself: skip
    // it when nobody listens at this level.
    if !rule_applied_enabled() {
        return;
    }
    let (before, after) = if change.secret {
        ("\"[redacted]\"".to_string(), "\"[redacted]\"".to_string())
    } else {
        (
            redact::value(&change.target, &change.before, mode).to_string(),
            redact::value(&change.target, &change.after, mode).to_string(),
        )
    };
    tracing::info!(
        request.id = %request_id,
        connection,
        rule.id = &*change.rule,
        rule.action = change.action,
        rule.target = %change.target,
        rule.before = %before,
        rule.after = %after,
        "rule applied"
    );
}

/// Facts about one finished request (its response head is known).
pub struct RequestDone<'a> {
    pub request_id: RequestId,
    /// The IdP connection the request was attributed to (`default` for the
    /// flags' single connection, `-` when none claimed it).
    pub connection: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub resource: &'a str,
    pub status: u16,
    pub upstream: Option<Duration>,
    pub applied: &'a [std::sync::Arc<str>],
    /// The rule that answered locally, if one did.
    pub local_rule: Option<&'a str>,
    /// The kind of proxy-made error, if the proxy answered with one.
    pub error: Option<(&'static str, &'static str)>,
}

/// Whether the per-request event would be written: `request failed` is a
/// warning, `request` is info.
pub fn request_done_enabled(failed: bool) -> bool {
    if failed {
        tracing::enabled!(tracing::Level::WARN)
    } else {
        tracing::enabled!(tracing::Level::INFO)
    }
}

/// One event per request.
pub fn request_done(r: &RequestDone) {
    let applied = Joined(r.applied);
    let upstream_ms = r.upstream.map(|d| d.as_secs_f64() * 1000.0);
    let local = r.local_rule.is_some() || r.error.is_some();
    match r.error {
        Some((origin, kind)) => tracing::warn!(
            request.id = %r.request_id,
            connection = r.connection,
            http.method = r.method,
            http.path = r.path,
            scim.resource = r.resource,
            http.status = r.status,
            upstream.duration_ms = upstream_ms,
            rules.applied = %applied,
            local,
            error.origin = origin,
            error.kind = kind,
            "request failed"
        ),
        None => tracing::info!(
            request.id = %r.request_id,
            connection = r.connection,
            http.method = r.method,
            http.path = r.path,
            scim.resource = r.resource,
            http.status = r.status,
            upstream.duration_ms = upstream_ms,
            rules.applied = %applied,
            local,
            local.rule = r.local_rule,
            "request"
        ),
    }
}

/// Rule ids joined with commas, written only if the event is logged.
struct Joined<'a>(&'a [std::sync::Arc<str>]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(id)?;
        }
        Ok(())
    }
}

/// Details of a proxy-made error that an operator may need (never secrets).
pub fn error_detail(request_id: RequestId, origin: &'static str, kind: &'static str, detail: &str) {
    tracing::warn!(
        request.id = %request_id,
        error.origin = origin,
        error.kind = kind,
        detail,
        "proxy error"
    );
}

/// What `serve` reports once, at start-up, when every listener is bound.
#[derive(Debug, Clone, Copy)]
pub struct Listening<'a> {
    /// The SCIM listener.
    pub listen: SocketAddr,
    /// The admin listener, if one was asked for.
    pub admin: Option<SocketAddr>,
    /// The upstream URL, or `name=url, …` for the connections of a file.
    /// URLs never hold credentials: `Upstream::with_tls` refuses them.
    pub upstream: &'a str,
    pub base_path: &'a str,
    /// Rules and rule files in use, over every connection.
    pub rules: usize,
    pub files: usize,
    /// SHA-256 over the loaded files' paths and contents (hex), as `/rules`
    /// shows it.
    pub rules_hash: &'a str,
}

/// The listeners are bound and serving: one line with the version, every
/// listener, the upstream(s) and the rule set, never a secret.
pub fn listening(l: &Listening) {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        listen = %l.listen,
        admin.listen = l.admin.map(tracing::field::display),
        upstream = l.upstream,
        base_path = l.base_path,
        rules.count = l.rules,
        rules.files = l.files,
        rules.hash = l.rules_hash,
        "scimshim listening"
    );
}

/// A rule-file problem found at load time.
pub fn rule_diagnostic(d: &Diagnostic) {
    let location = format!("{}:{}:{}", d.file.display(), d.line, d.column);
    if d.is_error() {
        tracing::error!(file = %location, rule.id = d.rule.as_deref(), field = %d.field, hint = d.hint.as_deref(), "{}", d.message);
    } else {
        tracing::warn!(file = %location, rule.id = d.rule.as_deref(), field = %d.field, hint = d.hint.as_deref(), "{}", d.message);
    }
}

/// A reload swapped in a new rule set (`trigger`: `poll` or `sighup`).
pub fn rules_reloaded(trigger: &str, version: u64, hash: &str, rules: usize, files: usize) {
    tracing::info!(
        reload.trigger = trigger,
        rules.version = version,
        rules.hash = hash,
        rules.count = rules,
        rules.files = files,
        "rules reloaded"
    );
}

/// A reload failed with `errors` problems (each logged on its own line);
/// rule-set `version` stays in use.
pub fn rules_reload_failed(trigger: &str, version: u64, errors: usize) {
    tracing::error!(
        reload.trigger = trigger,
        rules.version = version,
        errors,
        "rules reload failed"
    );
}

/// A reason a reload failed that is not a rule diagnostic (an unreadable
/// path, a change that needs a restart).
pub fn reload_problem(problem: &str) {
    tracing::error!(problem, "reload problem");
}

/// Shutdown began.
pub fn shutting_down(in_flight_grace: Duration) {
    tracing::info!(
        grace_ms = in_flight_grace.as_millis() as u64,
        "shutting down: no new connections, draining"
    );
}

/// A connection ended with an error (client went away, protocol error).
pub fn connection_error(remote: SocketAddr, error: &dyn std::fmt::Display) {
    tracing::debug!(remote = %remote, error = %error, "connection closed with an error");
}

/// The request handler panicked: a bug. The client got a SCIM 500.
pub fn handler_panicked(remote: SocketAddr) {
    tracing::error!(remote = %remote, error.origin = "proxy", error.kind = "internal", "request handler panicked; answered 500");
}

/// A rule needed the resource as the upstream holds it, and it was fetched.
pub fn resource_fetched(request_id: RequestId, path: &str, status: u16, took: Duration) {
    tracing::info!(
        request.id = %request_id,
        upstream.path = path,
        upstream.status = status,
        upstream.ms = took.as_secs_f64() * 1000.0,
        "upstream fetch"
    );
}

/// The upstream answered 412 to a request a rule made conditional; the
/// resource is fetched again and the rules re-run.
pub fn precondition_retry(
    request_id: RequestId,
    connection: &str,
    rule: &str,
    attempt: u8,
    max: u8,
) {
    tracing::info!(
        request.id = %request_id,
        connection,
        rule.id = rule,
        retry.attempt = attempt,
        retry.max = max,
        "precondition failed, retrying"
    );
}
