//! The `scimshim.yaml` format as serde types: exactly what the file may say,
//! nothing validated yet. Unknown fields are errors everywhere. The JSON Schema
//! (`docs/scimshim.schema.json`, `scimshim schema --config`) is generated from
//! these types; `docs/config.md` documents every field.

use std::net::SocketAddr;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::units::{ByteSize, Span};
use crate::rules::model::SecretSourceSpec;
use crate::telemetry::redact::ValueLogging;

/// A scimshim configuration: proxy-wide settings, then the IdP connections it
/// serves. A command-line flag or `SCIMSHIM_*` variable for a setting wins
/// over the file; `--rules` and `--upstream` cannot be combined with a file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address to listen on, e.g. `0.0.0.0:8080` (default `127.0.0.1:8080`).
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// The SCIM base path clients use (default `/scim/v2`). Requests outside
    /// it, once a connection's path prefix is removed, get a SCIM 404.
    #[serde(default)]
    pub base_path: Option<String>,
    /// The upstream of every connection that does not name its own.
    #[serde(default)]
    pub upstream: Option<String>,
    /// Extra CA certificates (PEM) for every `https` upstream of a connection
    /// that does not name its own. Relative to this file.
    #[serde(default)]
    pub upstream_ca: Option<PathBuf>,
    /// Largest request body a rule may read (default `1MiB`).
    #[serde(default)]
    pub max_body_bytes: Option<ByteSize>,
    /// How long an upstream may take to answer, and a client to send a body a
    /// rule reads (default `30s`).
    #[serde(default)]
    pub upstream_timeout: Option<Span>,
    /// How long in-flight requests may finish after SIGTERM/SIGINT (default `10s`).
    #[serde(default)]
    pub shutdown_grace: Option<Span>,
    /// How much of rewritten values the logs show: `redacted` (default) or `full`.
    #[serde(default)]
    pub log_values: Option<LogValues>,
    /// Worker threads (default: the number of CPUs).
    #[serde(default)]
    pub worker_threads: Option<usize>,
    /// The IdP connections, in attribution order: a request belongs to the
    /// first connection whose `match` holds. At least one.
    #[schemars(length(min = 1))]
    pub connections: Vec<ConnectionSpec>,
}

/// One IdP connection: how its requests are recognised, its rules and its
/// upstream.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    /// Unique; logged as `connection` with every request and rule event.
    /// Letters, digits, `.`, `-` and `_`.
    pub name: String,
    /// How a request is attributed to this connection. Only the last
    /// connection may leave it out: it then takes every request that no
    /// earlier connection claimed (the default connection).
    #[serde(default, rename = "match")]
    pub matcher: Option<MatchSpec>,
    /// Rule files and directories (relative to this file), applied in order.
    /// Empty or left out: requests pass through unchanged.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// The SCIM backend of this connection; the top-level `upstream` if left out.
    #[serde(default)]
    pub upstream: Option<String>,
    /// Extra CA certificates (PEM) for this connection's `https` upstream;
    /// the top-level `upstream_ca` if left out. Relative to this file.
    #[serde(default)]
    pub upstream_ca: Option<PathBuf>,
}

/// How a request is attributed to a connection: exactly one of these.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MatchSpec {
    /// The request path starts with this prefix (whole segments, e.g.
    /// `/scim/v2/entra`). The prefix stands for `base_path`: rules and the
    /// upstream see `/scim/v2/entra/Users` as `/scim/v2/Users`.
    PathPrefix(String),
    /// The request carries `Authorization: Bearer <token>` with this token,
    /// read once at start-up; compared in constant time, never logged.
    BearerToken(SecretSourceSpec),
    /// The request carries this header with exactly this value.
    Header(HeaderMatchSpec),
}

/// A header and the value that claims a request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatchSpec {
    /// Header name (case-insensitive), e.g. `x-scimshim-connection`.
    pub name: String,
    /// The exact value (case-sensitive).
    pub value: String,
}

/// How much of rewritten values the logs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogValues {
    /// Structural values only; personal data is hidden.
    Redacted,
    /// Everything except secrets; for debugging only.
    Full,
}

impl From<LogValues> for ValueLogging {
    fn from(v: LogValues) -> ValueLogging {
        match v {
            LogValues::Redacted => ValueLogging::Redacted,
            LogValues::Full => ValueLogging::Full,
        }
    }
}

/// Top-level fields, in the order of [`ConfigFile`].
pub const TOP_FIELDS: [&str; 10] = [
    "listen",
    "base_path",
    "upstream",
    "upstream_ca",
    "max_body_bytes",
    "upstream_timeout",
    "shutdown_grace",
    "log_values",
    "worker_threads",
    "connections",
];

/// Connection fields, in the order of [`ConnectionSpec`].
pub const CONNECTION_FIELDS: [&str; 5] = ["name", "match", "rules", "upstream", "upstream_ca"];

/// The JSON Schema of `scimshim.yaml`, for editors.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or(Value::Null)
}
