//! Proxy configuration: validated settings built from the command line (and its
//! `SCIMSHIM_*` environment variables), plus the loaded rule set.

mod args;
pub mod units;

pub use args::ServeArgs;

use std::net::SocketAddr;
use std::time::Duration;

use crate::proxy::Upstream;
use crate::proxy::upstream::UpstreamError;
use crate::rules::secret::Env;
use crate::rules::{Diagnostic, LoadError, LoadOptions, RuleSet, SecretMode};
use crate::telemetry::redact::ValueLogging;

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
}

/// Everything `serve` needs, validated.
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub upstream: Upstream,
    pub base_path: String,
    pub rules: RuleSet,
    /// Warnings found while loading the rules.
    pub warnings: Vec<Diagnostic>,
    pub max_body_bytes: usize,
    pub timeout: Duration,
    pub shutdown_grace: Duration,
    pub log_values: ValueLogging,
}

impl ServeConfig {
    /// Validates the arguments and loads the rules. Nothing is bound here.
    pub fn build(args: &ServeArgs, env: &dyn Env) -> Result<ServeConfig, ConfigError> {
        let base_path = normalize_base_path(&args.base_path)?;
        let upstream = Upstream::new(&args.upstream, args.upstream_ca.as_deref())?;
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
            listen: args.listen,
            upstream,
            base_path,
            rules: loaded.set,
            warnings: loaded.diagnostics,
            max_body_bytes: args.max_body_bytes.0,
            timeout: args.upstream_timeout.0,
            shutdown_grace: args.shutdown_grace.0,
            log_values: args.log_values,
        })
    }
}

/// `/scim/v2/` → `/scim/v2`; `/` → `` (serve everything).
pub fn normalize_base_path(raw: &str) -> Result<String, ConfigError> {
    if !raw.starts_with('/') {
        return Err(ConfigError::BasePath(raw.to_string()));
    }
    Ok(raw.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(normalize_base_path("/scim/v2/").unwrap(), "/scim/v2");
        assert_eq!(normalize_base_path("/").unwrap(), "");
        assert!(normalize_base_path("scim").is_err());
    }
}
