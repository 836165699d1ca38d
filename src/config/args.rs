//! The `serve` settings as flags, each also readable from a `SCIMSHIM_*`
//! environment variable. Defined here, beside the validation that uses them;
//! `cli` only mounts them under the `serve` subcommand.
//!
//! Settings that `scimshim.yaml` may also give have no clap default: a flag
//! or variable that is set wins over the file, the file over the built-in
//! default (applied in [`super::ServeConfig::build`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::units::{ByteSize, Span};
use crate::telemetry::redact::ValueLogging;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A configuration file (`scimshim.yaml`) serving one or more IdP connections, each with its own rules and upstream (docs/config.md). Not with `--upstream`/`--rules`.
    #[arg(long, env = "SCIMSHIM_CONFIG", conflicts_with_all = ["upstream", "rules", "upstream_ca"])]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the log says which). Default: 127.0.0.1:8080.
    #[arg(long, env = "SCIMSHIM_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// The SCIM backend, e.g. `http://app:8000/api/scim`. Paths after the base path are appended to its path.
    #[arg(long, env = "SCIMSHIM_UPSTREAM", required_unless_present = "config")]
    pub upstream: Option<String>,
    /// A rule file or directory; repeat to add more, applied in the order given.
    #[arg(long = "rules", env = "SCIMSHIM_RULES", value_delimiter = ',')]
    pub rules: Vec<PathBuf>,
    /// The SCIM base path clients use; requests outside it get a SCIM 404. Default: /scim/v2.
    #[arg(long, env = "SCIMSHIM_BASE_PATH")]
    pub base_path: Option<String>,
    /// Largest request body a rule may read (larger ones get 413 when a rule needs them). Default: 1MiB.
    #[arg(long, env = "SCIMSHIM_MAX_BODY")]
    pub max_body_bytes: Option<ByteSize>,
    /// How long the upstream may take to answer (504 after), and a client to send a body a rule reads (408 after). Default: 30s.
    #[arg(long, env = "SCIMSHIM_UPSTREAM_TIMEOUT")]
    pub upstream_timeout: Option<Span>,
    /// Extra CA certificates (PEM) to trust for an https upstream.
    #[arg(long, env = "SCIMSHIM_UPSTREAM_CA")]
    pub upstream_ca: Option<PathBuf>,
    /// How long in-flight requests may finish after SIGTERM/SIGINT. Default: 10s.
    #[arg(long, env = "SCIMSHIM_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<Span>,
    /// How much of rewritten values the logs show: `redacted` (the default) hides personal data; secrets never show.
    #[arg(long, env = "SCIMSHIM_LOG_VALUES", value_enum)]
    pub log_values: Option<ValueLogging>,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, env = "SCIMSHIM_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
}
