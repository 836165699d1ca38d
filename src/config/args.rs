//! The `serve` settings as flags, each also readable from a `SCIMSHIM_*`
//! environment variable. Defined here, beside the validation that uses them;
//! `cli` only mounts them under the `serve` subcommand.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::units::{ByteSize, Span};
use crate::telemetry::redact::ValueLogging;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the log says which).
    #[arg(long, env = "SCIMSHIM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The SCIM backend, e.g. `http://app:8000/api/scim`. Paths after the base path are appended to its path.
    #[arg(long, env = "SCIMSHIM_UPSTREAM")]
    pub upstream: String,
    /// A rule file or directory; repeat to add more, applied in the order given.
    #[arg(long = "rules", env = "SCIMSHIM_RULES", value_delimiter = ',')]
    pub rules: Vec<PathBuf>,
    /// The SCIM base path clients use; requests outside it get a SCIM 404.
    #[arg(long, env = "SCIMSHIM_BASE_PATH", default_value = "/scim/v2")]
    pub base_path: String,
    /// Largest request body a rule may read (larger ones get 413 when a rule needs them).
    #[arg(long, env = "SCIMSHIM_MAX_BODY", default_value = "1MiB")]
    pub max_body_bytes: ByteSize,
    /// How long the upstream may take to answer (504 after), and a client to send a body a rule reads (408 after).
    #[arg(long, env = "SCIMSHIM_UPSTREAM_TIMEOUT", default_value = "30s")]
    pub upstream_timeout: Span,
    /// Extra CA certificates (PEM) to trust for an https upstream.
    #[arg(long, env = "SCIMSHIM_UPSTREAM_CA")]
    pub upstream_ca: Option<PathBuf>,
    /// How long in-flight requests may finish after SIGTERM/SIGINT.
    #[arg(long, env = "SCIMSHIM_SHUTDOWN_GRACE", default_value = "10s")]
    pub shutdown_grace: Span,
    /// How much of rewritten values the logs show: `redacted` hides personal data; secrets never show.
    #[arg(
        long,
        env = "SCIMSHIM_LOG_VALUES",
        value_enum,
        default_value = "redacted"
    )]
    pub log_values: ValueLogging,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, env = "SCIMSHIM_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
}
