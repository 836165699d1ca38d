//! Command-line types only. Every `serve` flag can also be set through the
//! `SCIMSHIM_*` environment variable named in its help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::config::ServeArgs;
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "scimshim",
    version,
    about = "Adapts identity providers' SCIM dialects for a strict SCIM 2.0 backend"
)]
pub struct Cli {
    /// Log line format.
    #[arg(
        long,
        global = true,
        env = "SCIMSHIM_LOG_FORMAT",
        value_enum,
        default_value = "auto"
    )]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info`, `debug`, `scimshim=debug`.
    #[arg(long, global = true, env = "SCIMSHIM_LOG", default_value = "info")]
    pub log: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the proxy.
    Serve(ServeArgs),
    /// Validate rule files: every problem is reported. Exit 0 ok, 1 problems, 2 unreadable.
    Check(CheckArgs),
    /// Print the JSON Schema of rule files (for editors).
    Schema,
    /// Start the embedded strict backend and the proxy in front of it, replay an
    /// Entra-style session through them, then serve until Ctrl-C.
    Demo(DemoArgs),
    /// Run only the embedded strict, in-memory SCIM 2.0 backend.
    Backend(BackendArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the proxy listens (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Where the embedded backend listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub backend_listen: std::net::SocketAddr,
    /// Stop after the replay instead of serving until Ctrl-C.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct BackendArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: std::net::SocketAddr,
    /// The SCIM base path served.
    #[arg(long, default_value = "/scim/v2")]
    pub base_path: String,
    /// Behave like a backend without PATCH (RFC 7644 §3.5.2: 501).
    #[arg(long)]
    pub no_patch: bool,
    /// Behave like a backend without Groups (404).
    #[arg(long)]
    pub no_groups: bool,
    /// Require exactly this `Authorization` header value.
    #[arg(long, env = "SCIMSHIM_BACKEND_AUTHORIZATION", hide_env_values = true)]
    pub authorization: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}
