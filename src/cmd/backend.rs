//! `scimshim backend`: the embedded strict SCIM backend on its own, for trying
//! rules against it and for tests that need a strict peer in another process.

use std::sync::Arc;

use crate::backend::{self, Backend, Profile};
use crate::cli::BackendArgs;

use super::exit;

pub fn run(args: &BackendArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return exit::USAGE;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on {}: {e}", args.listen);
                return exit::USAGE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.listen);
        let base_path = args.base_path.trim_end_matches('/').to_string();
        tracing::info!(
            listen = %addr,
            base_path = %base_path,
            patch = !args.no_patch,
            groups = !args.no_groups,
            "embedded backend listening"
        );
        let store = Arc::new(Backend::new(Profile {
            base_path,
            patch: !args.no_patch,
            groups: !args.no_groups,
            token: args.authorization.clone(),
        }));
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match backend::http::serve(listener, store, stop).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("server error: {e}");
                exit::USAGE
            }
        }
    })
}
