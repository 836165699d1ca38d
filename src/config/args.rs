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

use super::file::CredentialScheme;
use super::units::{ByteSize, Span};
use crate::telemetry::redact::ValueLogging;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// A configuration file (`scimshim.yaml`) serving one or more IdP connections, each with its own rules and upstream (docs/config.md). Not with `--upstream`/`--rules`.
    #[arg(long, env = "SCIMSHIM_CONFIG", conflicts_with_all = ["upstream", "rules", "upstream_ca", "upstream_client_cert", "upstream_client_key", "inbound_token_sha256_file", "upstream_credential_env", "upstream_credential_file", "upstream_credential_scheme"])]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the log says which). Default: 127.0.0.1:8080.
    #[arg(long, env = "SCIMSHIM_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); with `--tls-key`. Reloaded when the files change.
    #[arg(long, env = "SCIMSHIM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `--tls-cert`.
    #[arg(long, env = "SCIMSHIM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How long a client may take for the TLS handshake. Default: 10s.
    #[arg(long, env = "SCIMSHIM_TLS_HANDSHAKE_TIMEOUT")]
    pub tls_handshake_timeout: Option<Span>,
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
    /// A client certificate chain (PEM) to present to an https upstream that asks for one (mTLS); with `--upstream-client-key`.
    #[arg(
        long,
        env = "SCIMSHIM_UPSTREAM_CLIENT_CERT",
        requires = "upstream_client_key"
    )]
    pub upstream_client_cert: Option<PathBuf>,
    /// The private key (PEM) of `--upstream-client-cert`.
    #[arg(
        long,
        env = "SCIMSHIM_UPSTREAM_CLIENT_KEY",
        requires = "upstream_client_cert"
    )]
    pub upstream_client_key: Option<PathBuf>,
    /// Accept only requests whose `Authorization: Bearer <token>` hashes (SHA-256) to a line of this file (hex, one per line, `#` comments allowed; `scimshim hash-token` makes them). Others get a SCIM 401 and are never forwarded.
    #[arg(long, env = "SCIMSHIM_INBOUND_TOKEN_SHA256_FILE")]
    pub inbound_token_sha256_file: Option<PathBuf>,
    /// The environment variable holding the backend's own credential, sent as `Authorization` instead of the client's; with `--upstream-credential-scheme`.
    #[arg(
        long,
        env = "SCIMSHIM_UPSTREAM_CREDENTIAL_ENV",
        conflicts_with = "upstream_credential_file",
        requires = "upstream_credential_scheme"
    )]
    pub upstream_credential_env: Option<String>,
    /// A file holding the backend's own credential (one trailing newline trimmed), sent as `Authorization` instead of the client's; with `--upstream-credential-scheme`.
    #[arg(
        long,
        env = "SCIMSHIM_UPSTREAM_CREDENTIAL_FILE",
        requires = "upstream_credential_scheme"
    )]
    pub upstream_credential_file: Option<PathBuf>,
    /// How the upstream credential is written: `basic` (the secret is user:password, base64-encoded), `bearer`, or `none` (the secret is the whole header value).
    #[arg(long, env = "SCIMSHIM_UPSTREAM_CREDENTIAL_SCHEME", value_enum)]
    pub upstream_credential_scheme: Option<CredentialScheme>,
    /// How long in-flight requests may finish after SIGTERM/SIGINT. Default: 10s.
    #[arg(long, env = "SCIMSHIM_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<Span>,
    /// How much of rewritten values the logs show: `redacted` (the default) hides personal data; secrets never show.
    #[arg(long, env = "SCIMSHIM_LOG_VALUES", value_enum)]
    pub log_values: Option<ValueLogging>,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, env = "SCIMSHIM_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
    /// How often to look for changed rule files and configuration; a change is applied once it has held for one more look. `0` turns watching off (SIGHUP still reloads). Default: 1s.
    #[arg(long, env = "SCIMSHIM_RELOAD_INTERVAL")]
    pub reload_interval: Option<Span>,
    /// Serve `/healthz`, `/readyz`, `/metrics` and `/rules` on this address (e.g. `127.0.0.1:9901`; port 0 picks a free port). Off unless given.
    #[arg(long, env = "SCIMSHIM_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Whether `/readyz` waits until the upstream has answered a request once.
    #[arg(long, env = "SCIMSHIM_READYZ_REQUIRES_UPSTREAM", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub readyz_requires_upstream: bool,
}
