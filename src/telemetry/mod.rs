//! Logging: JSON in containers, human text on a terminal. Every notable event is
//! a function in [`events`]; values pass through [`redact`] before they are logged.

pub mod events;
pub mod metrics;
pub mod redact;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, text when it is.
    Auto,
    Json,
    Text,
}

/// Installs the global subscriber. `filter` is an `EnvFilter` directive such as
/// `info` or `scimshim=debug`. Logs go to standard error.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if json {
        builder
            .json()
            .with_target(false)
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init()
    } else {
        builder.with_target(false).try_init()
    };
    // A subscriber may already be installed (tests); that is fine.
    drop(result);
}
