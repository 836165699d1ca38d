//! What the admin endpoints report, shared between the parts that know it:
//! reloading writes [`RulesReport`], forwarding marks the upstream reached,
//! and the admin listener reads both. Cheap to read and to write: one
//! `ArcSwap` and one atomic.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::SystemTime;

use arc_swap::ArcSwap;

use crate::telemetry::metrics::{Metrics, RuleSetFacts};

/// The process's operational state, one per `serve`.
#[derive(Debug)]
pub struct OpsState {
    /// Set once the upstream has answered any request (readiness).
    upstream_reached: AtomicBool,
    /// Whether `/readyz` waits for [`OpsState::upstream_reached`].
    pub require_upstream: bool,
    /// The rule files in use and the outcome of the last reload.
    rules: ArcSwap<RulesReport>,
    /// Reloads that swapped in a new rule set.
    reloads_ok: AtomicU64,
    /// Reloads that failed and kept the previous set.
    reloads_failed: AtomicU64,
    /// Set on SIGTERM/SIGINT: `/readyz` fails while in-flight requests drain.
    draining: AtomicBool,
    /// What the proxy counts per request, for `/metrics`.
    pub metrics: Metrics,
}

impl OpsState {
    pub fn new(require_upstream: bool, rules: RulesReport) -> Arc<OpsState> {
        Arc::new(OpsState {
            upstream_reached: AtomicBool::new(false),
            require_upstream,
            rules: ArcSwap::from_pointee(rules),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            draining: AtomicBool::new(false),
            metrics: Metrics::new(),
        })
    }

    /// A reload swapped in `report` (its `last_error` is `None`).
    pub fn reloaded(&self, report: RulesReport) {
        self.reloads_ok.fetch_add(1, Ordering::Relaxed);
        self.set_rules(report);
    }

    /// A reload failed; the set in use stays and `/rules` shows why.
    pub fn reload_failed(&self, failure: ReloadFailure) {
        self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        let mut report = (*self.rules()).clone();
        report.last_error = Some(failure);
        self.set_rules(report);
    }

    /// (successful, failed) reloads so far.
    pub fn reload_counts(&self) -> (u64, u64) {
        (
            self.reloads_ok.load(Ordering::Relaxed),
            self.reloads_failed.load(Ordering::Relaxed),
        )
    }

    /// Called whenever the upstream answered (any status).
    pub fn mark_upstream_reached(&self) {
        if !self.upstream_reached.load(Ordering::Relaxed) {
            self.upstream_reached.store(true, Ordering::Relaxed);
        }
    }

    pub fn upstream_reached(&self) -> bool {
        self.upstream_reached.load(Ordering::Relaxed)
    }

    /// Ready: rules are loaded, the upstream was reached if required, and
    /// the process is not shutting down.
    pub fn ready(&self) -> bool {
        self.readiness() == Readiness::Ready
    }

    /// Whether traffic should come here, and if not, why (`/readyz`).
    pub fn readiness(&self) -> Readiness {
        if self.draining.load(Ordering::Relaxed) {
            Readiness::Draining
        } else if self.require_upstream && !self.upstream_reached() {
            Readiness::UpstreamNotReached
        } else {
            Readiness::Ready
        }
    }

    /// Shutdown began: from now on `/readyz` answers 503, so that load
    /// balancers stop sending requests while in-flight ones finish.
    pub fn mark_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// `/metrics` in the text exposition format: the recorded series, the
    /// reload counts and the rule set in use.
    pub fn render_metrics(&self) -> String {
        let rules = self.rules();
        self.metrics.render(&RuleSetFacts {
            reloads: self.reload_counts(),
            version: rules.version,
            hash: &rules.hash,
        })
    }

    pub fn rules(&self) -> Arc<RulesReport> {
        self.rules.load_full()
    }

    pub fn set_rules(&self, report: RulesReport) {
        self.rules.store(Arc::new(report));
    }
}

/// Why `/readyz` says what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// `--readyz-requires-upstream` is on and the upstream has not answered yet.
    UpstreamNotReached,
    /// SIGTERM/SIGINT arrived; in-flight requests are draining.
    Draining,
}

impl Readiness {
    /// The one-line reason `/readyz` answers with.
    pub fn reason(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::UpstreamNotReached => {
                "not ready: the upstream has not answered a request yet"
            }
            Readiness::Draining => "not ready: shutting down",
        }
    }
}

/// The rule set in use, as `/rules` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RulesReport {
    /// Counts successful loads: 1 after start, +1 per successful reload.
    pub version: u64,
    /// SHA-256 over every loaded file's path and contents, hex.
    pub hash: String,
    /// When the set in use was loaded.
    #[serde(with = "rfc3339")]
    pub loaded_at: SystemTime,
    /// Every file loaded, per connection.
    pub files: Vec<FileReport>,
    /// The last reload that failed, if it failed after the set in use loaded.
    pub last_error: Option<ReloadFailure>,
}

impl Default for RulesReport {
    fn default() -> Self {
        RulesReport {
            version: 0,
            hash: String::new(),
            loaded_at: SystemTime::UNIX_EPOCH,
            files: Vec::new(),
            last_error: None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The connection that loads it (`default` without a config file).
    pub connection: String,
    pub path: String,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadFailure {
    #[serde(with = "rfc3339")]
    pub at: SystemTime,
    /// Every diagnostic, rendered as `scimshim check` prints it.
    pub diagnostics: Vec<String>,
}

/// `SystemTime` as RFC 3339 UTC text (`2026-11-23T14:05:09Z`).
mod rfc3339 {
    use std::time::{SystemTime, UNIX_EPOCH};

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    /// Civil date from days since 1970-01-01 (proleptic Gregorian).
    pub fn format(t: SystemTime) -> String {
        let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

pub use rfc3339::format as format_time;

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn times_print_as_rfc3339() {
        assert_eq!(format_time(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_446_309);
        assert_eq!(format_time(t), "2026-11-23T15:05:09Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(format_time(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn readiness_waits_for_the_upstream_only_when_asked() {
        let s = OpsState::new(true, RulesReport::default());
        assert!(!s.ready());
        s.mark_upstream_reached();
        assert!(s.ready());
        assert!(OpsState::new(false, RulesReport::default()).ready());
    }

    #[test]
    fn draining_is_never_ready() {
        let s = OpsState::new(false, RulesReport::default());
        assert_eq!(s.readiness(), Readiness::Ready);
        s.mark_draining();
        assert_eq!(s.readiness(), Readiness::Draining);
        assert!(!s.ready());
        let waiting = OpsState::new(true, RulesReport::default());
        assert_eq!(waiting.readiness(), Readiness::UpstreamNotReached);
        assert_eq!(
            waiting.readiness().reason(),
            "not ready: the upstream has not answered a request yet"
        );
    }

    #[test]
    fn metrics_show_the_rule_set_and_reloads() {
        let s = OpsState::new(true, RulesReport::default());
        s.reloaded(RulesReport {
            version: 2,
            hash: "beef".into(),
            ..RulesReport::default()
        });
        s.reload_failed(ReloadFailure {
            at: UNIX_EPOCH,
            diagnostics: vec!["x".into()],
        });
        let text = s.render_metrics();
        assert!(text.contains("scimshim_rule_reloads_total{result=\"ok\"} 1\n"));
        assert!(text.contains("scimshim_rule_reloads_total{result=\"error\"} 1\n"));
        assert!(text.contains("scimshim_rule_set_info{version=\"2\",hash=\"beef\"} 1\n"));
    }
}
