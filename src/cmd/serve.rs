//! `scimshim serve`: validate everything (flags, or `--config scimshim.yaml`
//! with its connections), bind, serve until SIGTERM/SIGINT.

use std::sync::Arc;

use crate::admin::{self, OpsState};
use crate::cli::ServeArgs;
use crate::config::{ConfigError, ServeConfig};
use crate::proxy::connection::DEFAULT_NAME;
use crate::proxy::{self, Connections, Proxy, tls};
use crate::reload::{self, Reloader};
use crate::rules::secret::ProcessEnv;
use crate::telemetry::events;

use super::exit;

pub fn run(args: &ServeArgs) -> i32 {
    // What the configuration is built from, as it is now: a change from here
    // on is reloaded.
    let started = reload::Sources::of(args).snapshot();
    let config = match ServeConfig::build(args, &ProcessEnv) {
        Ok(c) => c,
        Err(ConfigError::Rules(diags)) => {
            for d in &diags {
                events::rule_diagnostic(d);
            }
            let n = diags.iter().filter(|d| d.is_error()).count();
            tracing::error!(
                "not starting: the rule files have {n} error(s); run `scimshim check` for details"
            );
            return exit::USAGE;
        }
        Err(ConfigError::File { path, diagnostics }) => {
            for d in &diagnostics {
                events::rule_diagnostic(d);
            }
            let n = diagnostics.iter().filter(|d| d.is_error()).count();
            tracing::error!(
                "not starting: {} has {n} error(s); run `scimshim check --config {}` for details",
                path.display(),
                path.display()
            );
            return exit::USAGE;
        }
        Err(e) => {
            tracing::error!("not starting: {e}");
            return exit::USAGE;
        }
    };
    for w in &config.warnings {
        events::rule_diagnostic(w);
    }
    // One worker: a current-thread runtime, without the work-stealing
    // scheduler's cross-thread wake-ups (the common sidecar shape: one CPU).
    let mut runtime = match config.worker_threads {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n.max(1));
            b
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    runtime.enable_all();
    let runtime = match runtime.build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return exit::USAGE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(config.listen).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("cannot listen on {}: {e}", config.listen);
                return exit::USAGE;
            }
        };
        let addr = listener.local_addr().unwrap_or(config.listen);
        // Bound before the `listening` line, so that whoever waits for that
        // line can already find the admin address in the log.
        let admin_listener = match config.admin_listen {
            Some(at) => match tokio::net::TcpListener::bind(at).await {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::error!("cannot listen on {at} (admin): {e}");
                    return exit::USAGE;
                }
            },
            None => None,
        };
        // Shared by the proxy, the admin listener and reloading.
        let ops = OpsState::new(
            config.readyz_requires_upstream,
            reload::report::build(&config.connections, config.file.as_deref(), 1),
        );
        // SIGHUP reloads from here on, before anyone can see the log line below.
        let hangup = reload::Hangup::install();
        let admin_addr = admin_listener.as_ref().and_then(|l| l.local_addr().ok());
        let admin = admin_listener.map(|l| admin::server::start(l, ops.clone()));
        let (mut rules, mut files) = (0, 0);
        for c in config.connections.iter() {
            let set = c.rules.load();
            rules += set.len();
            files += set.files.len();
        }
        if let Some(tls) = &config.tls {
            tls::terminating(tls.files());
        }
        events::listening(&events::Listening {
            listen: addr,
            admin: admin_addr,
            upstream: &upstreams(&config.connections),
            base_path: &config.base_path,
            rules,
            files,
            rules_hash: &ops.rules().hash,
        });
        let grace = config.shutdown_grace;
        let mut proxy: Arc<Proxy> = Proxy::with_connections(
            config.connections,
            config.base_path,
            config.max_body_bytes,
            config.timeout,
            config.log_values,
            ops.clone(),
        );
        if config.tls.is_some()
            && let Some(p) = Arc::get_mut(&mut proxy)
        {
            p.scheme = "https";
        }
        let reloader = Reloader::new(args.clone(), started, proxy.clone(), ops.clone());
        if let Err(e) = reload::start(reloader, config.reload_interval, hangup) {
            tracing::warn!("cannot watch the rule files, they will not reload: {e}");
        }
        // `/readyz` fails from the signal on, while requests drain.
        let shutdown = async move {
            shutdown_signal().await;
            ops.mark_draining();
        };
        let served = match config.tls {
            Some(tls) => {
                let reloader = tls.spawn_reloader();
                let served = proxy::server::serve_tls(listener, proxy, tls, shutdown, grace).await;
                reloader.abort();
                served
            }
            None => proxy::serve(listener, proxy, shutdown, grace).await,
        };
        if let Some(admin) = admin {
            admin.stop().await;
        }
        match served {
            Ok(()) => exit::OK,
            Err(e) => {
                tracing::error!("server error: {e}");
                exit::USAGE
            }
        }
    })
}

/// The upstream for the log: its URL alone for the flags' single connection,
/// `name=url` for each connection of a file.
fn upstreams(connections: &Connections) -> String {
    match connections.iter().next() {
        Some(only) if connections.len() == 1 && &*only.name == DEFAULT_NAME => {
            only.upstream.display.clone()
        }
        _ => connections
            .iter()
            .map(|c| format!("{}={}", c.name, c.upstream.display))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
