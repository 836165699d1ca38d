//! Test support: start the real binary, a recording upstream, the real SCIM
//! server, and send requests. Nothing here sleeps to synchronise: readiness is
//! read from logs or polled with a deadline.

#![allow(dead_code)]

pub mod backend;
pub mod client;
pub mod embedded;
pub mod recorder;
pub mod scimshim;

use std::path::{Path, PathBuf};

pub use backend::ScimServer;
pub use client::send;
pub use embedded::{Embedded, Strict};
pub use recorder::Recorder;
pub use scimshim::Scimshim;

/// The repository root (where `rules/` lives).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A recording upstream answering `Canned::default()`, and scimshim in front of
/// it with `--upstream <recorder><upstream_path>` followed by `args`.
pub async fn through_recorder(upstream_path: &str, args: &[&str]) -> (Recorder, Scimshim) {
    let rec = Recorder::start(recorder::Canned::default()).await;
    let upstream = format!("{}{upstream_path}", rec.url());
    let mut all = vec!["--upstream", upstream.as_str()];
    all.extend_from_slice(args);
    let shim = Scimshim::start(&all);
    (rec, shim)
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scimshim-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `name` with `contents` and returns its path as a string.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, contents).expect("write temp file");
        p.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
