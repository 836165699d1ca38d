//! Test support: start the real binary, a recording upstream, the real SCIM
//! server, and send requests. Nothing here sleeps to synchronise: readiness is
//! read from logs or polled with a deadline.

#![allow(dead_code)]

pub mod backend;
pub mod client;
pub mod recorder;
pub mod scimshim;

use std::path::{Path, PathBuf};

pub use backend::ScimServer;
pub use client::{Reply, send};
pub use recorder::{Recorded, Recorder};
pub use scimshim::Scimshim;

/// The repository root (where `rules/` lives).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}
