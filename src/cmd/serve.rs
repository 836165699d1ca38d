//! `scimshim serve`: validate everything, bind, serve until SIGTERM/SIGINT.

use std::sync::Arc;

use crate::cli::ServeArgs;
use crate::config::{ConfigError, ServeConfig};
use crate::proxy::{self, Proxy};
use crate::rules::secret::ProcessEnv;
use crate::telemetry::events;

use super::exit;

pub fn run(args: &ServeArgs) -> i32 {
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
    let mut runtime = match args.worker_threads {
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
        events::listening(
            addr,
            &config.upstream.display,
            &config.base_path,
            config.rules.len(),
            config.rules.files.len(),
        );
        let grace = config.shutdown_grace;
        let proxy: Arc<Proxy> = Proxy::new(
            config.rules,
            config.upstream,
            config.base_path,
            config.max_body_bytes,
            config.timeout,
            config.log_values,
        );
        match proxy::serve(listener, proxy, shutdown_signal(), grace).await {
            Ok(()) => exit::OK,
            Err(e) => {
                tracing::error!("server error: {e}");
                exit::USAGE
            }
        }
    })
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
