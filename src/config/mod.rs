//! Proxy configuration: validated settings built from the command line (and its
//! `SCIMSHIM_*` environment variables) or from a `scimshim.yaml` file, plus the
//! IdP connections with their loaded rule sets and upstreams.

mod args;
pub mod file;
pub mod load;
pub mod units;

pub use args::ServeArgs;
pub use file::json_schema;
pub use load::{LoadedConfig, ReadError, load_file, load_str};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::proxy::connection::DEFAULT_NAME;
use crate::proxy::tls::{DEFAULT_HANDSHAKE_TIMEOUT, ListenerTls, PemFiles, TlsError};
use crate::proxy::upstream::{UpstreamError, UpstreamTls};
use crate::proxy::{Connection, Connections, Matcher, Upstream};
use crate::rules::secret::Env;
use crate::rules::{Diagnostic, LoadError, LoadOptions, SecretMode};
use crate::telemetry::redact::ValueLogging;

/// The SCIM base path unless told otherwise.
pub const DEFAULT_BASE_PATH: &str = "/scim/v2";
const DEFAULT_MAX_BODY: usize = 1024 * 1024;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_GRACE: Duration = Duration::from_secs(10);
const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// Why `serve` cannot start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The listener's certificate or key cannot be used.
    #[error("listener TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("invalid base path `{0}`: it must start with `/`")]
    BasePath(String),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the rule files have {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Rules(Vec<Diagnostic>),
    #[error(transparent)]
    Read(#[from] ReadError),
    /// `scimshim.yaml` has problems (each with its position).
    #[error("{} has {} error(s)", path.display(), diagnostics.iter().filter(|d| d.is_error()).count())]
    File {
        path: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("{0}")]
    Usage(String),
}

/// Everything `serve` needs, validated.
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub base_path: String,
    /// The IdP connections, in attribution order (one, named `default`,
    /// without a configuration file).
    pub connections: Connections,
    /// The configuration file, if one was used.
    pub file: Option<PathBuf>,
    /// TLS on the listener (`--tls-cert`/`--tls-key` or the file's `tls`),
    /// its certificate loaded; `None`: plain HTTP.
    pub tls: Option<Arc<ListenerTls>>,
    /// Warnings found while loading the configuration and the rules.
    pub warnings: Vec<Diagnostic>,
    pub max_body_bytes: usize,
    pub timeout: Duration,
    pub shutdown_grace: Duration,
    pub log_values: ValueLogging,
    pub worker_threads: Option<usize>,
    /// Where the admin endpoints listen; `None`: no admin listener.
    pub admin_listen: Option<SocketAddr>,
    /// Whether `/readyz` waits for the upstream's first answer.
    pub readyz_requires_upstream: bool,
    /// How often the rule files (and the configuration file) are checked
    /// for changes; zero: only SIGHUP reloads (see [`crate::reload`]).
    pub reload_interval: Duration,
}

impl ServeConfig {
    /// Validates the arguments (and the configuration file, with `--config`)
    /// and loads the rules. Nothing is bound here.
    pub fn build(args: &ServeArgs, env: &dyn Env) -> Result<ServeConfig, ConfigError> {
        match &args.config {
            Some(path) => Self::from_file(args, path, env),
            None => Self::from_flags(args, env),
        }
    }

    /// One connection, `default`, from `--upstream` and `--rules`.
    fn from_flags(args: &ServeArgs, env: &dyn Env) -> Result<ServeConfig, ConfigError> {
        let base_path =
            normalize_base_path(args.base_path.as_deref().unwrap_or(DEFAULT_BASE_PATH))?;
        let Some(url) = args.upstream.as_deref() else {
            return Err(ConfigError::Usage(
                "`--upstream` (or `--config`) is required".into(),
            ));
        };
        let client = match (&args.upstream_client_cert, &args.upstream_client_key) {
            (Some(cert), Some(key)) => Some(PemFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Usage(
                    "`--upstream-client-cert` and `--upstream-client-key` go together".into(),
                ));
            }
        };
        let tls = UpstreamTls {
            ca: args.upstream_ca.clone(),
            client,
        };
        let upstream = Upstream::with_tls(url, &tls)?;
        let loaded = crate::rules::load(
            &args.rules,
            &LoadOptions {
                env,
                secrets: SecretMode::Require,
            },
        )?;
        if loaded.has_errors() {
            return Err(ConfigError::Rules(loaded.diagnostics));
        }
        // Inbound auth and the backend's credential (docs/config.md).
        let auth = load::auth::from_flags(args, env).map_err(ConfigError::Usage)?;
        let mut loaded = loaded;
        loaded.diagnostics.extend(auth.warnings);
        Ok(ServeConfig {
            listen: args.listen.unwrap_or_else(default_listen),
            base_path,
            connections: Connections::new(vec![
                Connection::new(DEFAULT_NAME, Matcher::Any, loaded.set, upstream)
                    .with_auth(auth.inbound_auth, auth.credential),
            ]),
            file: None,
            tls: listener_tls(args, None)?,
            warnings: loaded.diagnostics,
            max_body_bytes: args.max_body_bytes.map_or(DEFAULT_MAX_BODY, |b| b.0),
            timeout: args.upstream_timeout.map_or(DEFAULT_TIMEOUT, |s| s.0),
            shutdown_grace: args.shutdown_grace.map_or(DEFAULT_GRACE, |s| s.0),
            log_values: args.log_values.unwrap_or_default(),
            worker_threads: args.worker_threads,
            admin_listen: args.admin_listen,
            readyz_requires_upstream: args.readyz_requires_upstream,
            reload_interval: args
                .reload_interval
                .map_or(DEFAULT_RELOAD_INTERVAL, |s| s.0),
        })
    }

    /// The connections of `scimshim.yaml`; flags and variables that are set
    /// win over the file's settings.
    fn from_file(args: &ServeArgs, path: &Path, env: &dyn Env) -> Result<ServeConfig, ConfigError> {
        if args.upstream.is_some()
            || !args.rules.is_empty()
            || args.upstream_ca.is_some()
            || args.upstream_client_cert.is_some()
            || args.upstream_client_key.is_some()
        {
            return Err(ConfigError::Usage(
                "`--config` cannot be combined with `--upstream`, `--rules`, `--upstream-ca` or \
                 `--upstream-client-cert`/`--upstream-client-key`: the file gives each connection its own"
                    .into(),
            ));
        }
        if args.inbound_token_sha256_file.is_some()
            || args.upstream_credential_env.is_some()
            || args.upstream_credential_file.is_some()
            || args.upstream_credential_scheme.is_some()
        {
            return Err(ConfigError::Usage(
                "`--config` cannot be combined with `--inbound-token-sha256-file` or \
                 `--upstream-credential-*`: the file gives each connection its own \
                 `inbound_auth` and `upstream_credential`"
                    .into(),
            ));
        }
        let loaded = load_file(path, env, SecretMode::Require)?;
        if loaded.has_errors() {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                diagnostics: loaded.diagnostics,
            });
        }
        let file = loaded.settings;
        let base_path = match &args.base_path {
            Some(flag) => normalize_base_path(flag)?,
            None => file
                .base_path
                .unwrap_or_else(|| DEFAULT_BASE_PATH.to_string()),
        };
        Ok(ServeConfig {
            listen: args.listen.or(file.listen).unwrap_or_else(default_listen),
            base_path,
            connections: Connections::new(loaded.connections),
            file: Some(path.to_path_buf()),
            tls: listener_tls(args, file.tls.as_ref())?,
            warnings: loaded.diagnostics,
            max_body_bytes: args
                .max_body_bytes
                .or(file.max_body_bytes)
                .map_or(DEFAULT_MAX_BODY, |b| b.0),
            timeout: args
                .upstream_timeout
                .or(file.upstream_timeout)
                .map_or(DEFAULT_TIMEOUT, |s| s.0),
            shutdown_grace: args
                .shutdown_grace
                .or(file.shutdown_grace)
                .map_or(DEFAULT_GRACE, |s| s.0),
            log_values: args
                .log_values
                .or(file.log_values.map(ValueLogging::from))
                .unwrap_or_default(),
            worker_threads: args.worker_threads.or(file.worker_threads),
            admin_listen: args.admin_listen.or(file.admin_listen),
            readyz_requires_upstream: args.readyz_requires_upstream,
            reload_interval: args
                .reload_interval
                .or(file.reload_interval)
                .map_or(DEFAULT_RELOAD_INTERVAL, |s| s.0),
        })
    }
}

/// The listener's TLS, its certificate loaded: `--tls-cert`/`--tls-key` win
/// over the file's `tls`; neither: plain HTTP.
fn listener_tls(
    args: &ServeArgs,
    file: Option<&load::ListenerTlsSettings>,
) -> Result<Option<Arc<ListenerTls>>, ConfigError> {
    let files = match (&args.tls_cert, &args.tls_key, file) {
        (Some(cert), Some(key), _) => PemFiles {
            cert: cert.clone(),
            key: key.clone(),
        },
        (None, None, Some(f)) => f.files.clone(),
        (None, None, None) => return Ok(None),
        _ => {
            return Err(ConfigError::Usage(
                "`--tls-cert` and `--tls-key` go together".into(),
            ));
        }
    };
    let handshake_timeout = args
        .tls_handshake_timeout
        .or(file.and_then(|f| f.handshake_timeout))
        .map_or(DEFAULT_HANDSHAKE_TIMEOUT, |s| s.0);
    if handshake_timeout.is_zero() {
        return Err(ConfigError::Usage(
            "the TLS handshake timeout must be more than 0".into(),
        ));
    }
    Ok(Some(Arc::new(ListenerTls::load(files, handshake_timeout)?)))
}

/// Where `serve` listens unless told otherwise: 127.0.0.1:8080.
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// `/scim/v2/` → `/scim/v2`; `/` → `` (serve everything).
pub fn normalize_base_path(raw: &str) -> Result<String, ConfigError> {
    if !raw.starts_with('/') {
        return Err(ConfigError::BasePath(raw.to_string()));
    }
    Ok(raw.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests;
