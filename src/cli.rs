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
