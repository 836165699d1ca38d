//! Hot reload for `serve`: the rules change while the proxy runs, and a bad
//! edit never leaves it without rules.
//!
//! - **What is watched**: the `--rules` files and directories, or with
//!   `--config` the configuration file and every rule path it names. A poll
//!   every `--reload-interval` (default 1s) hashes each path with what it
//!   holds ([`watch`]); directories are listed again each time, and paths are
//!   read through any symlinks, so a Kubernetes ConfigMap update (a swap of
//!   the `..data` symlink) is seen like an edit. No notify API: polling works
//!   the same on every file system, including network mounts and ConfigMap
//!   volumes. SIGHUP reloads at once, also with watching off.
//! - **Debounce**: a change is loaded only once it has held still for one
//!   more poll ([`debounce`]), so half-written files are not loaded.
//! - **Build, then swap**: a reload builds the whole configuration with the
//!   code `serve` starts with ([`ServeConfig::build`]), then stores each
//!   connection's new rule set in its `ArcSwap`. A request takes one snapshot
//!   of its connection's set when it starts and finishes on it.
//! - **All or nothing**: any error keeps every rule set in use; each problem
//!   is logged, `/rules` shows them and the failed-reload count grows. A
//!   configuration change other than the connections' `rules` lists (listen
//!   address, connections, matchers, upstreams, settings) cannot be applied
//!   live: the reload is refused as a whole and says a restart is needed
//!   ([`restart`]).

pub mod debounce;
pub mod report;
pub mod restart;
pub mod watch;

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::admin::{OpsState, ReloadFailure};
use crate::config::{ConfigError, ServeArgs, ServeConfig};
use crate::proxy::Proxy;
use crate::rules::Diagnostic;
use crate::rules::secret::ProcessEnv;
use crate::telemetry::events;

pub use crate::digest::{Digest, sha256};
pub use debounce::{Debounce, Poll};
pub use watch::{Snapshot, Sources};

/// What started a reload, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A poll saw a change that held still.
    Poll,
    /// SIGHUP.
    Signal,
}

impl Trigger {
    fn label(self) -> &'static str {
        match self {
            Trigger::Poll => "poll",
            Trigger::Signal => "sighup",
        }
    }
}

/// Why a reload failed: rule or configuration diagnostics, and problems
/// that are not diagnostics (an unreadable path, a change needing a restart).
#[derive(Debug, Default)]
struct Failure {
    diagnostics: Vec<Diagnostic>,
    problems: Vec<String>,
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        match e {
            ConfigError::Rules(diagnostics) | ConfigError::File { diagnostics, .. } => Failure {
                diagnostics,
                problems: Vec::new(),
            },
            other => Failure {
                diagnostics: Vec::new(),
                problems: vec![other.to_string()],
            },
        }
    }
}

/// Reloads the running proxy's rules from the sources it started with.
pub struct Reloader {
    args: ServeArgs,
    sources: Sources,
    proxy: Arc<Proxy>,
    ops: Arc<OpsState>,
    debounce: Debounce,
    /// What a reload may not change (the configuration without its rule
    /// lists), as the set in use was loaded.
    fixed: Option<Value>,
    /// The version of the set in use.
    version: u64,
}

impl Reloader {
    /// `started` is the snapshot taken just before the configuration in use
    /// was built (so a change made while it loaded is reloaded); `ops`
    /// already holds its report.
    pub fn new(
        args: ServeArgs,
        started: Snapshot,
        proxy: Arc<Proxy>,
        ops: Arc<OpsState>,
    ) -> Reloader {
        let version = ops.rules().version;
        Reloader {
            sources: Sources::of(&args),
            args,
            proxy,
            ops,
            debounce: Debounce::new(started.digest),
            fixed: started.fixed,
            version,
        }
    }

    /// One poll: reloads if the inputs changed and then held still.
    pub fn poll(&mut self) {
        let snapshot = self.sources.snapshot();
        if self.debounce.observe(snapshot.digest) == Poll::Reload {
            self.reload_from(snapshot, Trigger::Poll);
        }
    }

    /// Reloads now, changed or not (SIGHUP).
    pub fn reload(&mut self, trigger: Trigger) {
        let snapshot = self.sources.snapshot();
        self.reload_from(snapshot, trigger);
    }

    fn reload_from(&mut self, snapshot: Snapshot, trigger: Trigger) {
        // Whatever the outcome, these inputs were tried: a broken edit is
        // not retried until it changes.
        self.debounce.loaded(snapshot.digest);
        match self.build(&snapshot) {
            Ok(config) => self.swap(config, snapshot, trigger),
            Err(failure) => self.fail(failure, trigger),
        }
    }

    /// The new configuration, complete, or why there is none.
    fn build(&self, snapshot: &Snapshot) -> Result<ServeConfig, Failure> {
        let config = ServeConfig::build(&self.args, &ProcessEnv)?;
        // Problems name the configuration file, when there is one.
        let file = self
            .args
            .config
            .as_deref()
            .map_or_else(String::new, |p| format!("{}: ", p.display()));
        if let (Some(old), Some(new)) = (&self.fixed, &snapshot.fixed) {
            let changed = restart::changed_fields(old, new);
            if !changed.is_empty() {
                return Err(Failure {
                    diagnostics: Vec::new(),
                    problems: changed
                        .iter()
                        .map(|f| {
                            format!(
                                "{file}`{f}` changed; only the connections' `rules` reload, \
                                 restart scimshim to apply this change"
                            )
                        })
                        .collect(),
                });
            }
        }
        // The same connections in the same order (the check above covers a
        // file; this also holds when it could not run).
        let running = &self.proxy.connections;
        let same = running.len() == config.connections.len()
            && running
                .iter()
                .zip(config.connections.iter())
                .all(|(a, b)| a.name == b.name);
        if !same {
            return Err(Failure {
                diagnostics: Vec::new(),
                problems: vec![format!(
                    "{file}the connections changed; restart scimshim to apply this change"
                )],
            });
        }
        Ok(config)
    }

    fn swap(&mut self, config: ServeConfig, snapshot: Snapshot, trigger: Trigger) {
        for w in &config.warnings {
            events::rule_diagnostic(w);
        }
        for (running, new) in self.proxy.connections.iter().zip(config.connections.iter()) {
            running.rules.store(new.rules.load_full());
        }
        self.version += 1;
        if snapshot.fixed.is_some() {
            self.fixed = snapshot.fixed;
        }
        let report = report::build(&config.connections, config.file.as_deref(), self.version);
        let (rules, files) = report::counts(&config.connections);
        events::rules_reloaded(trigger.label(), self.version, &report.hash, rules, files);
        self.ops.reloaded(report);
    }

    fn fail(&self, failure: Failure, trigger: Trigger) {
        for d in &failure.diagnostics {
            events::rule_diagnostic(d);
        }
        for p in &failure.problems {
            events::reload_problem(p);
        }
        let errors =
            failure.diagnostics.iter().filter(|d| d.is_error()).count() + failure.problems.len();
        events::rules_reload_failed(trigger.label(), self.version, errors);
        let diagnostics = failure
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .chain(failure.problems)
            .collect();
        self.ops.reload_failed(ReloadFailure {
            at: SystemTime::now(),
            diagnostics,
        });
    }
}

/// SIGHUP, caught from [`Hangup::install`] on: it then no longer ends the
/// process but reloads (once [`start`] runs).
pub struct Hangup {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Hangup {
    /// Catches SIGHUP; call it inside the runtime, before anyone may send it
    /// (before the `listening` line). `None`, with a warning, if the signal
    /// cannot be caught.
    pub fn install() -> Option<Hangup> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::hangup()) {
                Ok(signal) => Some(Hangup { signal }),
                Err(e) => {
                    tracing::warn!("cannot catch SIGHUP, so it will not reload: {e}");
                    None
                }
            }
        }
        #[cfg(not(unix))]
        None
    }
}

/// Starts reloading in the background: a poll every `interval` (none when
/// it is zero) and a reload on each SIGHUP. Call it inside the runtime.
pub fn start(
    reloader: Reloader,
    interval: Duration,
    hangup: Option<Hangup>,
) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    #[cfg(unix)]
    if let Some(mut hangup) = hangup {
        tokio::spawn(async move {
            while hangup.signal.recv().await.is_some() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
    }
    #[cfg(not(unix))]
    drop((tx, hangup));
    // Its own thread: loading reads files and compiles regexes, which must
    // not hold up a runtime worker (there may be only one).
    std::thread::Builder::new()
        .name("scimshim-reload".into())
        .spawn(move || run(reloader, &rx, interval))?;
    Ok(())
}

/// The reload loop: waits for SIGHUP up to one interval, then polls.
fn run(mut reloader: Reloader, signals: &Receiver<()>, interval: Duration) {
    loop {
        let signalled = if interval.is_zero() {
            match signals.recv() {
                Ok(()) => true,
                // No signals will come, and there is nothing to poll.
                Err(_) => return,
            }
        } else {
            match signals.recv_timeout(interval) {
                Ok(()) => true,
                Err(RecvTimeoutError::Timeout) => false,
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(interval);
                    false
                }
            }
        };
        if signalled {
            // Several signals in a row make one reload.
            while signals.try_recv().is_ok() {}
            reloader.reload(Trigger::Signal);
        } else {
            reloader.poll();
        }
    }
}

#[cfg(test)]
mod tests;
