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
use std::time::Duration;

use crate::proxy::upstream::UpstreamError;
use crate::proxy::{Connections, Upstream};
use crate::rules::secret::Env;
use crate::rules::{Diagnostic, LoadError, LoadOptions, SecretMode};
use crate::telemetry::redact::ValueLogging;

/// The SCIM base path unless told otherwise.
pub const DEFAULT_BASE_PATH: &str = "/scim/v2";
const DEFAULT_MAX_BODY: usize = 1024 * 1024;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// Why `serve` cannot start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
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
    /// Warnings found while loading the configuration and the rules.
    pub warnings: Vec<Diagnostic>,
    pub max_body_bytes: usize,
    pub timeout: Duration,
    pub shutdown_grace: Duration,
    pub log_values: ValueLogging,
    pub worker_threads: Option<usize>,
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
        let upstream = Upstream::new(url, args.upstream_ca.as_deref())?;
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
        Ok(ServeConfig {
            listen: args.listen.unwrap_or_else(default_listen),
            base_path,
            connections: Connections::single(loaded.set, upstream),
            file: None,
            warnings: loaded.diagnostics,
            max_body_bytes: args.max_body_bytes.map_or(DEFAULT_MAX_BODY, |b| b.0),
            timeout: args.upstream_timeout.map_or(DEFAULT_TIMEOUT, |s| s.0),
            shutdown_grace: args.shutdown_grace.map_or(DEFAULT_GRACE, |s| s.0),
            log_values: args.log_values.unwrap_or_default(),
            worker_threads: args.worker_threads,
        })
    }

    /// The connections of `scimshim.yaml`; flags and variables that are set
    /// win over the file's settings.
    fn from_file(args: &ServeArgs, path: &Path, env: &dyn Env) -> Result<ServeConfig, ConfigError> {
        if args.upstream.is_some() || !args.rules.is_empty() || args.upstream_ca.is_some() {
            return Err(ConfigError::Usage(
                "`--config` cannot be combined with `--upstream`, `--rules` or `--upstream-ca`: \
                 the file gives each connection its own"
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
        })
    }
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
