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
use crate::proxy::auth::Scheme;
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
    /// Terminate TLS on the listener with this certificate and key (PEM,
    /// relative to this file); reloaded when the files change.
    #[serde(default)]
    pub tls: Option<TlsSpec>,
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
    /// A client certificate chain (PEM) presented to every `https` upstream
    /// that asks for one (mTLS), for connections that name no pair of their
    /// own; with `upstream_client_key`. Relative to this file.
    #[serde(default)]
    pub upstream_client_cert: Option<PathBuf>,
    /// The private key (PEM) of `upstream_client_cert`. Relative to this file.
    #[serde(default)]
    pub upstream_client_key: Option<PathBuf>,
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
    /// How often to look for changed rule files and changes to this file
    /// (default `1s`); `0` turns watching off (SIGHUP still reloads). See
    /// "Reloading" in docs/config.md.
    #[serde(default)]
    pub reload_interval: Option<Span>,
    /// Address of the admin listener (`/healthz`, `/readyz`, `/metrics`,
    /// `/rules`), e.g. `127.0.0.1:9901`. Off unless given.
    #[serde(default)]
    pub admin_listen: Option<SocketAddr>,
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
    /// A client certificate chain (PEM) for this connection's `https`
    /// upstream (mTLS), with `upstream_client_key`; the top-level pair if
    /// both are left out. Relative to this file.
    #[serde(default)]
    pub upstream_client_cert: Option<PathBuf>,
    /// The private key (PEM) of this connection's `upstream_client_cert`.
    #[serde(default)]
    pub upstream_client_key: Option<PathBuf>,
    /// Require an accepted bearer token from the IdP: requests without one
    /// get a SCIM 401 and are never forwarded. Not with a `bearer_token`
    /// match, which already requires its token.
    #[serde(default)]
    pub inbound_auth: Option<InboundAuthSpec>,
    /// The backend's own credential, sent instead of the IdP's
    /// `Authorization`, so the backend's secret never goes into the IdP.
    #[serde(default)]
    pub upstream_credential: Option<UpstreamCredentialSpec>,
}

/// The bearer tokens a connection accepts, as hex SHA-256 hashes (made with
/// `scimshim hash-token`); at least one hash in all.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundAuthSpec {
    /// A file of hashes, one per line; blank lines and `#` comments are
    /// ignored (a Kubernetes Secret mounted as a file works). Relative to
    /// this file; read once at start-up.
    #[serde(default)]
    pub token_sha256_file: Option<PathBuf>,
    /// Hashes written here.
    #[serde(default)]
    pub token_sha256: Vec<String>,
}

/// A credential for the upstream, read once at start-up.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpstreamCredentialSpec {
    /// The header to set (default `authorization`). The IdP's
    /// `Authorization` is removed in any case.
    #[serde(default)]
    pub header: Option<String>,
    /// Where the secret comes from: `{env: NAME}` or `{file: path}` (relative
    /// to this file; one trailing newline trimmed).
    pub value_from: SecretSourceSpec,
    /// How the secret is written: `basic` (`user:password`, base64-encoded),
    /// `bearer`, or `none` (the secret is the whole header value).
    pub scheme: CredentialScheme,
}

/// How a credential's secret becomes a header value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum CredentialScheme {
    /// `Basic base64(user:password)` (RFC 7617).
    Basic,
    /// `Bearer <secret>` (RFC 6750).
    Bearer,
    /// The secret as it is.
    None,
}

impl From<CredentialScheme> for Scheme {
    fn from(s: CredentialScheme) -> Scheme {
        match s {
            CredentialScheme::Basic => Scheme::Basic,
            CredentialScheme::Bearer => Scheme::Bearer,
            CredentialScheme::None => Scheme::None,
        }
    }
}

/// The listener's certificate: clients connect with `https://`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// The certificate chain (PEM), leaf first.
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of the leaf certificate.
    pub key: PathBuf,
    /// How long a client may take for the TLS handshake (default `10s`).
    #[serde(default)]
    pub handshake_timeout: Option<Span>,
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
pub const TOP_FIELDS: [&str; 15] = [
    "listen",
    "tls",
    "base_path",
    "upstream",
    "upstream_ca",
    "upstream_client_cert",
    "upstream_client_key",
    "max_body_bytes",
    "upstream_timeout",
    "shutdown_grace",
    "log_values",
    "worker_threads",
    "reload_interval",
    "admin_listen",
    "connections",
];

/// Connection fields, in the order of [`ConnectionSpec`].
pub const CONNECTION_FIELDS: [&str; 9] = [
    "name",
    "match",
    "rules",
    "upstream",
    "upstream_ca",
    "upstream_client_cert",
    "upstream_client_key",
    "inbound_auth",
    "upstream_credential",
];

/// The JSON Schema of `scimshim.yaml`, for editors.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or(Value::Null)
}
