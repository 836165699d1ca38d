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
    Serve(Box<ServeArgs>),
    /// Validate rule files: every problem is reported. Exit 0 ok, 1 problems, 2 unreadable.
    Check(CheckArgs),
    /// Run the rule tests (`*.test.yaml`) beside the rules, through the same
    /// evaluation as `serve`. Exit 0 all pass, 1 failures, 2 invalid files.
    Test(TestArgs),
    /// Print the JSON Schema of rule files, or with `--config` of `scimshim.yaml` (for editors).
    Schema(SchemaArgs),
    /// Start the embedded strict backend and the proxy in front of it, replay an
    /// Entra-style session through them, then serve until Ctrl-C.
    Demo(DemoArgs),
    /// Run only the embedded strict, in-memory SCIM 2.0 backend.
    Backend(BackendArgs),
    /// Show how the rules treat one request: every rule considered and why,
    /// each change as a diff, the final request, and optionally what the
    /// embedded strict backend says before and after. Exit 0 explained, 2 bad
    /// input or rules.
    Explain(ExplainArgs),
    /// Print the line for an inbound-auth hash file (hex SHA-256) of a token
    /// read from standard input, or of a new random token (`--generate`).
    /// The token is never taken from the command line. Exit 0 ok, 2 error.
    HashToken(HashTokenArgs),
}

#[derive(Debug, Args)]
pub struct HashTokenArgs {
    /// Make a new random token (32 bytes, base64url): the token goes to
    /// standard error, shown this once; the hash line to standard output.
    #[arg(long)]
    pub generate: bool,
    /// A note written after the hash (`<hash>  # <note>`), e.g. the IdP's name.
    #[arg(long, value_name = "NOTE")]
    pub comment: Option<String>,
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
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub paths: Vec<PathBuf>,
    /// Check a configuration file (`scimshim.yaml`) and every connection's rules instead.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the schema of the configuration file (`scimshim.yaml`) instead.
    #[arg(long)]
    pub config: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule files or directories, in evaluation order (as `serve --rules`).
    #[arg(long = "rules", required = true, num_args = 1.., action = clap::ArgAction::Append)]
    pub rules: Vec<PathBuf>,
    /// The request: JSON or YAML (method, path, headers, body) or raw HTTP.
    /// Without it, or with `-`, it is read from standard input.
    #[arg(long)]
    pub request: Option<PathBuf>,
    /// The resource (JSON or YAML) a rule that fetches the addressed resource
    /// gets; without it the fetch gets 404.
    #[arg(long)]
    pub resource: Option<PathBuf>,
    /// The SCIM base path the proxy serves.
    #[arg(long, default_value = "/scim/v2")]
    pub base_path: String,
    /// Serve fetches from the embedded strict backend (seeded with
    /// `--resource`), show what it answers before and after the rules, and
    /// run the response rules on its answer.
    #[arg(long)]
    pub against_embedded: bool,
    /// The upstream's answer (JSON or YAML: status, headers, body) to run
    /// the response rules on.
    #[arg(long, conflicts_with = "against_embedded")]
    pub response: Option<PathBuf>,
    /// When to colour the output (`auto`: on a terminal, unless `NO_COLOR` is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ExplainColor,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExplainColor {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule test files (`*.test.yaml`) or directories searched for them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Fail (exit 1) when a loaded rule is exercised by no test, or a rule
    /// file under the directories given has no tests.
    #[arg(long)]
    pub coverage_strict: bool,
}
