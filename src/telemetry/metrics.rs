//! The metrics `/metrics` exposes, and the one place their names live.
//!
//! Every name is a constant here, prefixed `scimshim_`. Label values come
//! from enums ([`Method`], [`UpstreamErrorKind`], `ResourceKind`) or from
//! bounded sets (connection names, ids of loaded rules, 3-digit statuses).
//! Recording is cheap: the histogram and the error counters are atomics; the
//! series whose labels are only known at run time sit in small maps behind
//! one mutex, keyed by the interned `Arc<str>` names the proxy already holds,
//! so a request whose series exists allocates nothing.
//!
//! [`Metrics::render`] writes the Prometheus text exposition format 0.0.4 by
//! hand: `# HELP` and `# TYPE` lines, then one line per series, in a stable
//! order (sorted by label values; methods in [`Method`]'s order).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::scim::classify::ResourceKind;

/// Requests answered, by connection, resource, method and status.
pub const REQUESTS_TOTAL: &str = "scimshim_requests_total";
/// Times a rule applied to a request or a response, by rule id.
pub const RULE_APPLICATIONS_TOTAL: &str = "scimshim_rule_applications_total";
/// Requests a rule answered without the upstream's answer, by connection and rule.
pub const LOCAL_ANSWERS_TOTAL: &str = "scimshim_local_answers_total";
/// How long the upstream took to answer forwarded requests.
pub const UPSTREAM_DURATION_SECONDS: &str = "scimshim_upstream_duration_seconds";
/// Upstream failures the proxy answered itself, by kind.
pub const UPSTREAM_ERRORS_TOTAL: &str = "scimshim_upstream_errors_total";
/// Rule reloads, by result (`ok` or `error`).
pub const RULE_RELOADS_TOTAL: &str = "scimshim_rule_reloads_total";
/// The rule set in use: always 1, its version and hash as labels.
pub const RULE_SET_INFO: &str = "scimshim_rule_set_info";

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The label value for "none": a request no connection claimed, or a path
/// that names no SCIM resource. The same `-` the request log line shows.
pub const NONE: &str = "-";

/// The histogram's upper bounds, in nanoseconds and as their `le` label.
const BUCKETS: [(u64, &str); 11] = [
    (5_000_000, "0.005"),
    (10_000_000, "0.01"),
    (25_000_000, "0.025"),
    (50_000_000, "0.05"),
    (100_000_000, "0.1"),
    (250_000_000, "0.25"),
    (500_000_000, "0.5"),
    (1_000_000_000, "1"),
    (2_500_000_000, "2.5"),
    (5_000_000_000, "5"),
    (10_000_000_000, "10"),
];

/// A request method as a label: the five SCIM uses (RFC 7644 §3.2), the rest
/// as `OTHER`, so that a client cannot grow the label set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Other,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }
}

impl From<&http::Method> for Method {
    fn from(m: &http::Method) -> Method {
        match *m {
            http::Method::GET => Method::Get,
            http::Method::POST => Method::Post,
            http::Method::PUT => Method::Put,
            http::Method::PATCH => Method::Patch,
            http::Method::DELETE => Method::Delete,
            _ => Method::Other,
        }
    }
}

/// Why the upstream gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// No connection could be made, or it broke before an answer.
    Unreachable,
    /// No answer within `--upstream-timeout`.
    Timeout,
    /// An answer that response rules had to read was too large or broke off.
    Unreadable,
}

impl UpstreamErrorKind {
    /// Every kind, in the order `/metrics` lists them.
    pub const ALL: [UpstreamErrorKind; 3] = [
        UpstreamErrorKind::Unreachable,
        UpstreamErrorKind::Timeout,
        UpstreamErrorKind::Unreadable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamErrorKind::Unreachable => "unreachable",
            UpstreamErrorKind::Timeout => "timeout",
            UpstreamErrorKind::Unreadable => "unreadable",
        }
    }

    fn index(self) -> usize {
        match self {
            UpstreamErrorKind::Unreachable => 0,
            UpstreamErrorKind::Timeout => 1,
            UpstreamErrorKind::Unreadable => 2,
        }
    }
}

/// One finished request, as the request log line sees it.
pub struct RequestSample<'a> {
    /// The connection that served it; `None` if none claimed it.
    pub connection: Option<&'a Arc<str>>,
    /// The SCIM resource its path names, if any.
    pub resource: Option<ResourceKind>,
    pub method: Method,
    pub status: u16,
    /// The rules that applied, in order (a rule may appear twice when a
    /// request is retried).
    pub applied: &'a [Arc<str>],
    /// The rule that answered, if one did.
    pub local_rule: Option<&'a Arc<str>>,
}

/// The labels of one `scimshim_requests_total` series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RequestKey {
    connection: Option<Arc<str>>,
    resource: Option<ResourceKind>,
    method: Method,
    status: u16,
}

/// The series whose label values are only known at run time.
#[derive(Debug, Default)]
struct Series {
    requests: HashMap<RequestKey, u64>,
    rules: HashMap<Arc<str>, u64>,
    local: HashMap<(Option<Arc<str>>, Arc<str>), u64>,
}

/// A histogram with the fixed [`BUCKETS`]; counts per bucket (not yet
/// cumulative), a sum in nanoseconds and a count.
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    /// Observations above the last bound.
    overflow: AtomicU64,
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let slot = BUCKETS
            .iter()
            .position(|(bound, _)| nanos <= *bound)
            .and_then(|i| self.buckets.get(i))
            .unwrap_or(&self.overflow);
        slot.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every metric the proxy records; one per `serve`, inside
/// [`OpsState`](crate::admin::OpsState).
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<Series>,
    upstream: Histogram,
    upstream_errors: [AtomicU64; UpstreamErrorKind::ALL.len()],
}

/// The rule set facts `/metrics` shows beside the recorded series.
pub struct RuleSetFacts<'a> {
    /// (successful, failed) reloads.
    pub reloads: (u64, u64),
    pub version: u64,
    pub hash: &'a str,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    fn series(&self) -> MutexGuard<'_, Series> {
        // A panic while the lock was held left counts, not broken invariants.
        self.series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a finished request, the rules that applied to it and, if a rule
    /// answered it, that answer. One lock, no allocation once the series exist.
    pub fn record_request(&self, s: &RequestSample) {
        let key = RequestKey {
            connection: s.connection.cloned(),
            resource: s.resource,
            method: s.method,
            status: s.status,
        };
        let mut series = self.series();
        *series.requests.entry(key).or_insert(0) += 1;
        for rule in s.applied {
            match series.rules.get_mut(rule) {
                Some(n) => *n += 1,
                None => {
                    series.rules.insert(rule.clone(), 1);
                }
            }
        }
        if let Some(rule) = s.local_rule {
            let key = (s.connection.cloned(), rule.clone());
            *series.local.entry(key).or_insert(0) += 1;
        }
    }

    /// Records how long the upstream took to answer a forwarded request.
    pub fn observe_upstream(&self, took: Duration) {
        self.upstream.observe(took);
    }

    /// Counts an upstream failure the proxy answered itself.
    pub fn upstream_error(&self, kind: UpstreamErrorKind) {
        if let Some(c) = self.upstream_errors.get(kind.index()) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition format 0.0.4 of every metric.
    pub fn render(&self, facts: &RuleSetFacts) -> String {
        let mut out = String::with_capacity(4096);
        self.render_series(&mut out);
        self.render_upstream(&mut out);
        header(
            &mut out,
            RULE_RELOADS_TOTAL,
            "counter",
            "Rule reloads, by result: ok swapped in a new rule set, error kept the previous one.",
        );
        sample(
            &mut out,
            RULE_RELOADS_TOTAL,
            &[("result", "ok")],
            facts.reloads.0,
        );
        sample(
            &mut out,
            RULE_RELOADS_TOTAL,
            &[("result", "error")],
            facts.reloads.1,
        );
        header(
            &mut out,
            RULE_SET_INFO,
            "gauge",
            "The rule set in use: its version (successful loads) and SHA-256 hash; always 1.",
        );
        let version = facts.version.to_string();
        sample(
            &mut out,
            RULE_SET_INFO,
            &[("version", &version), ("hash", facts.hash)],
            1,
        );
        out
    }

    /// The map-backed series, sorted by label values. The lock is held only
    /// to copy the counts out.
    fn render_series(&self, out: &mut String) {
        let (mut requests, mut rules, mut local) = {
            let s = self.series();
            (
                s.requests
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<Vec<_>>(),
                s.rules
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<Vec<_>>(),
                s.local
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<Vec<_>>(),
            )
        };
        requests.sort_by(|(a, _), (b, _)| {
            (
                label(&a.connection),
                resource_label(a.resource),
                a.method,
                a.status,
            )
                .cmp(&(
                    label(&b.connection),
                    resource_label(b.resource),
                    b.method,
                    b.status,
                ))
        });
        rules.sort();
        local.sort_by(|((ca, ra), _), ((cb, rb), _)| (label(ca), ra).cmp(&(label(cb), rb)));

        header(
            out,
            REQUESTS_TOTAL,
            "counter",
            "Requests answered, by IdP connection, SCIM resource, method and status.",
        );
        for (k, n) in &requests {
            let status = k.status.to_string();
            sample(
                out,
                REQUESTS_TOTAL,
                &[
                    ("connection", label(&k.connection)),
                    ("resource", resource_label(k.resource)),
                    ("method", k.method.as_str()),
                    ("status", &status),
                ],
                *n,
            );
        }
        header(
            out,
            RULE_APPLICATIONS_TOTAL,
            "counter",
            "Times a rule applied to a request or a response, by rule id.",
        );
        for (rule, n) in &rules {
            sample(out, RULE_APPLICATIONS_TOTAL, &[("rule", rule)], *n);
        }
        header(
            out,
            LOCAL_ANSWERS_TOTAL,
            "counter",
            "Requests a rule answered itself, by IdP connection and rule id.",
        );
        for ((connection, rule), n) in &local {
            sample(
                out,
                LOCAL_ANSWERS_TOTAL,
                &[("connection", label(connection)), ("rule", rule)],
                *n,
            );
        }
    }

    fn render_upstream(&self, out: &mut String) {
        let h = &self.upstream;
        header(
            out,
            UPSTREAM_DURATION_SECONDS,
            "histogram",
            "Time from sending a request to the upstream to its response head, in seconds.",
        );
        let bucket = format!("{UPSTREAM_DURATION_SECONDS}_bucket");
        let mut cumulative = 0u64;
        for ((_, le), count) in BUCKETS.iter().zip(&h.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            sample(out, &bucket, &[("le", le)], cumulative);
        }
        cumulative += h.overflow.load(Ordering::Relaxed);
        sample(out, &bucket, &[("le", "+Inf")], cumulative);
        let sum = h.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{UPSTREAM_DURATION_SECONDS}_sum {sum}");
        // The count is the +Inf bucket, read once so that the two agree.
        let _ = writeln!(out, "{UPSTREAM_DURATION_SECONDS}_count {cumulative}");

        header(
            out,
            UPSTREAM_ERRORS_TOTAL,
            "counter",
            "Requests the upstream did not answer usably, by kind: unreachable, timeout, unreadable.",
        );
        for (kind, n) in UpstreamErrorKind::ALL.iter().zip(&self.upstream_errors) {
            sample(
                out,
                UPSTREAM_ERRORS_TOTAL,
                &[("kind", kind.as_str())],
                n.load(Ordering::Relaxed),
            );
        }
    }
}

fn label(connection: &Option<Arc<str>>) -> &str {
    connection.as_deref().unwrap_or(NONE)
}

fn resource_label(resource: Option<ResourceKind>) -> &'static str {
    resource.map_or(NONE, ResourceKind::as_str)
}

/// `# HELP` and `# TYPE` lines.
fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    escape_help(out, help);
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
}

/// One series line: `name{a="x",b="y"} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the text format requires: `\` → `\\`, `"` → `\"`,
/// newline → `\n`.
pub fn escape_label_value(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Help text as the text format requires: `\` → `\\`, newline → `\n`.
pub fn escape_help(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
