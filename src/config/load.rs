//! Loading `scimshim.yaml`: YAML with positions (the rule loader's
//! [`yaml`](crate::rules::yaml) tree) → one field at a time into the serde
//! types of [`super::file`] → validated connections, each with its compiled
//! rules and its upstream. Every problem is collected, with file, field path,
//! line, column and a hint; nothing stops at the first. `serve --config` and
//! `check --config` both load through [`load_file`].

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use http::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use super::file::{CONNECTION_FIELDS, LogValues, MatchSpec, TOP_FIELDS, TlsSpec};
use super::units::{ByteSize, Span};
use crate::proxy::tls::PemFiles;
use crate::proxy::upstream::{UpstreamError, UpstreamTls};
use crate::proxy::{Connection, Matcher, Upstream};
use crate::rules::actions::CompileCx;
use crate::rules::diagnostic::Problem;
use crate::rules::secret::{Env, Secret};
use crate::rules::yaml::{self, FieldPath, Kind, Node, Pos, Seg};
use crate::rules::{Diagnostic, LoadOptions, SecretMode, Severity};

/// The configuration file could not be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct ReadError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// The proxy-wide settings the file gave (each left out is `None`).
#[derive(Debug, Default)]
pub struct FileSettings {
    pub listen: Option<SocketAddr>,
    /// Normalised: no trailing `/`.
    pub base_path: Option<String>,
    pub max_body_bytes: Option<ByteSize>,
    pub upstream_timeout: Option<Span>,
    pub shutdown_grace: Option<Span>,
    pub log_values: Option<LogValues>,
    pub worker_threads: Option<usize>,
    /// The listener's certificate and key (`tls`), paths resolved.
    pub tls: Option<ListenerTlsSettings>,
    pub admin_listen: Option<SocketAddr>,
    pub reload_interval: Option<Span>,
}

/// The file's `tls`: its certificate files (checked to load) and handshake
/// time limit.
#[derive(Debug, Clone)]
pub struct ListenerTlsSettings {
    pub files: PemFiles,
    pub handshake_timeout: Option<Span>,
}

/// What loading found.
pub struct LoadedConfig {
    pub path: PathBuf,
    pub settings: FileSettings,
    /// The connections without errors, in file order.
    pub connections: Vec<Connection>,
    /// How many connections the file lists.
    pub listed: usize,
    /// Every problem: the file's own, then those of each connection's rule
    /// files (a rule file shared by two connections is reported once).
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadedConfig {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads `path`. Relative paths inside it (rules, CA files, secret files) are
/// relative to its directory.
pub fn load_file(
    path: &Path,
    env: &dyn Env,
    secrets: SecretMode,
) -> Result<LoadedConfig, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(load_str(path, &text, env, secrets))
}

/// Loads configuration text as if read from `path`.
pub fn load_str(path: &Path, text: &str, env: &dyn Env, secrets: SecretMode) -> LoadedConfig {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut loader = Loader {
        file: path,
        dir,
        env,
        secrets,
        diagnostics: Vec::new(),
        rule_diagnostics: Vec::new(),
    };
    let mut loaded = LoadedConfig {
        path: path.to_path_buf(),
        settings: FileSettings::default(),
        connections: Vec::new(),
        listed: 0,
        diagnostics: Vec::new(),
    };
    match yaml::parse(text) {
        Ok(root) => loader.root(&root, &mut loaded),
        Err(e) => loader.push(
            Severity::Error,
            e.pos,
            &FieldPath::root(),
            format!("invalid YAML: {}", e.message),
            None,
        ),
    }
    // The file's own problems in the file's order, then the rule files'.
    let mut all = loader.diagnostics;
    all.sort_by_key(|d| (d.line, d.column));
    all.extend(loader.rule_diagnostics);
    loaded.diagnostics = dedup(all);
    loaded
}

/// Drops repeated diagnostics (a rule file or a top-level setting shared by
/// several connections), keeping the first.
fn dedup(all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    all.into_iter()
        .filter(|d| {
            seen.insert((
                d.file.clone(),
                d.line,
                d.column,
                d.field.clone(),
                d.message.clone(),
            ))
        })
        .collect()
}

const DOCS: &str = "see docs/config.md";

struct Loader<'a> {
    file: &'a Path,
    dir: &'a Path,
    env: &'a dyn Env,
    secrets: SecretMode,
    /// Problems in the configuration file itself.
    diagnostics: Vec<Diagnostic>,
    /// Problems in the connections' rule files.
    rule_diagnostics: Vec<Diagnostic>,
}

/// What later connections are checked against.
#[derive(Default)]
struct Seen {
    /// Name → line of its first use.
    names: Vec<(String, u32)>,
    /// Path prefix → (connection name, line).
    prefixes: Vec<(String, String, u32)>,
    /// Token → connection name (only tokens actually read).
    tokens: Vec<(Secret, String)>,
    /// (header name, value) → connection name.
    headers: Vec<(HeaderName, HeaderValue, String)>,
}

/// The top-level upstream settings, for connections that give none.
struct Defaults<'n> {
    upstream: Option<(String, &'n Node)>,
    upstream_ca: Option<(PathBuf, &'n Node)>,
    upstream_client: Option<ClientPair<'n>>,
}

/// An `upstream_client_cert`/`upstream_client_key` pair, where it was found.
#[derive(Clone)]
struct ClientPair<'n> {
    files: PemFiles,
    node: &'n Node,
    field: FieldPath,
}

impl<'a> Loader<'a> {
    fn push(
        &mut self,
        severity: Severity,
        pos: Pos,
        field: &FieldPath,
        message: String,
        hint: Option<&str>,
    ) {
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.to_path_buf(),
            rule: None,
            field: field.to_string(),
            line: pos.line,
            column: pos.column,
            message,
            hint: hint.map(str::to_string),
        });
    }

    fn error(&mut self, pos: Pos, field: &FieldPath, message: String, hint: Option<&str>) {
        self.push(Severity::Error, pos, field, message, hint);
    }

    /// Places a problem found at `p.field` under `node` (which stands at `at`).
    fn problem(&mut self, node: &Node, at: &FieldPath, p: &Problem) {
        let (inner, _) = node.locate(&p.field);
        let pos = p
            .key
            .as_deref()
            .and_then(|k| inner.key_pos(k))
            .unwrap_or(inner.pos);
        self.diagnostics.push(Diagnostic {
            severity: p.severity,
            file: self.file.to_path_buf(),
            rule: None,
            field: at.join(&p.field).to_string(),
            line: pos.line,
            column: pos.column,
            message: p.message.clone(),
            hint: p.hint.clone(),
        });
    }

    /// Deserialises `node` (at `at`) as a `T`, reporting a failure.
    fn typed<T: DeserializeOwned>(&mut self, node: &Node, at: &FieldPath) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(node.to_json()) {
            Ok(v) => Some(v),
            Err(e) => {
                let p = serde_problem(&e);
                self.problem(node, at, &p);
                None
            }
        }
    }

    /// Reports every key of `map` not in `known`.
    fn unknown_keys(&mut self, map: &Node, at: &FieldPath, known: &[&str], what: &str) {
        let Kind::Map(entries) = &map.kind else {
            return;
        };
        for (key, pos, _) in entries {
            if !known.contains(&key.as_str()) {
                self.error(
                    *pos,
                    &at.key(key),
                    format!(
                        "unknown field `{key}` in {what}, expected one of `{}`",
                        known.join("`, `")
                    ),
                    Some("unknown fields are errors so that a typo cannot go unnoticed; see docs/config.md"),
                );
            }
        }
    }

    fn root(&mut self, root: &Node, out: &mut LoadedConfig) {
        let top = FieldPath::root();
        match &root.kind {
            Kind::Map(_) => {}
            Kind::Null => {
                self.error(
                    root.pos,
                    &top,
                    "the configuration file is empty".into(),
                    Some("it needs at least `connections: [...]`; see docs/config.md"),
                );
                return;
            }
            _ => {
                self.error(
                    root.pos,
                    &top,
                    "a configuration must be a mapping with a `connections` list".into(),
                    Some(DOCS),
                );
                return;
            }
        }
        self.unknown_keys(root, &top, &TOP_FIELDS, "the configuration");
        out.settings = self.settings(root);
        let defaults = Defaults {
            upstream: self.optional::<String>(root, &top, "upstream"),
            upstream_ca: self
                .optional::<PathBuf>(root, &top, "upstream_ca")
                .map(|(v, n)| (self.dir.join(v), n)),
            upstream_client: self.client_pair(root, &top),
        };
        let Some(list) = root.get("connections") else {
            self.error(
                root.pos,
                &top,
                "missing field `connections`".into(),
                Some("list the IdP connections this proxy serves; see docs/config.md"),
            );
            return;
        };
        let at = top.key("connections");
        let items = match &list.kind {
            Kind::Seq(items) if !items.is_empty() => items,
            Kind::Seq(_) | Kind::Null => {
                self.error(
                    list.pos,
                    &at,
                    "`connections` is empty".into(),
                    Some("a configuration needs at least one connection"),
                );
                return;
            }
            _ => {
                self.error(
                    list.pos,
                    &at,
                    "`connections` must be a list".into(),
                    Some(DOCS),
                );
                return;
            }
        };
        out.listed = items.len();
        let mut seen = Seen::default();
        let last = items.len() - 1;
        for (i, item) in items.iter().enumerate() {
            if let Some(c) = self.connection(item, &at.index(i), i == last, &defaults, &mut seen) {
                out.connections.push(c);
            }
        }
    }

    /// A top-level field, if present and well-typed, with its node.
    fn optional<'n, T: DeserializeOwned>(
        &mut self,
        map: &'n Node,
        at: &FieldPath,
        key: &str,
    ) -> Option<(T, &'n Node)> {
        let node = map.get(key)?;
        if matches!(node.kind, Kind::Null) {
            return None;
        }
        self.typed(node, &at.key(key)).map(|v| (v, node))
    }

    fn settings(&mut self, root: &Node) -> FileSettings {
        let top = FieldPath::root();
        let mut s = FileSettings {
            listen: self.optional(root, &top, "listen").map(|(v, _)| v),
            base_path: None,
            max_body_bytes: self.optional(root, &top, "max_body_bytes").map(|(v, _)| v),
            upstream_timeout: self
                .optional(root, &top, "upstream_timeout")
                .map(|(v, _)| v),
            shutdown_grace: self.optional(root, &top, "shutdown_grace").map(|(v, _)| v),
            log_values: self.optional(root, &top, "log_values").map(|(v, _)| v),
            worker_threads: self.optional(root, &top, "worker_threads").map(|(v, _)| v),
            tls: self.listener_tls(root),
            admin_listen: self.optional(root, &top, "admin_listen").map(|(v, _)| v),
            reload_interval: self.optional(root, &top, "reload_interval").map(|(v, _)| v),
        };
        if let Some((raw, node)) = self.optional::<String>(root, &top, "base_path") {
            match super::normalize_base_path(&raw) {
                Ok(p) => s.base_path = Some(p),
                Err(_) => self.error(
                    node.pos,
                    &top.key("base_path"),
                    format!("invalid base path `{raw}`: it must start with `/`"),
                    Some("for example `/scim/v2`"),
                ),
            }
        }
        s
    }

    /// Validates one connection and, if it has no errors, builds it.
    fn connection(
        &mut self,
        item: &Node,
        at: &FieldPath,
        is_last: bool,
        defaults: &Defaults,
        seen: &mut Seen,
    ) -> Option<Connection> {
        if !matches!(item.kind, Kind::Map(_)) {
            self.error(
                item.pos,
                at,
                "a connection must be a mapping with `name`, `match`, `rules` and `upstream`"
                    .into(),
                Some(DOCS),
            );
            return None;
        }
        let errors_before = self.error_count();
        self.unknown_keys(item, at, &CONNECTION_FIELDS, "a connection");
        let name = self.name(item, at, seen);
        let found = match item.get("match") {
            Some(node) if !matches!(node.kind, Kind::Null) => {
                let spec: Option<MatchSpec> = self.typed(node, &at.key("match"));
                spec.and_then(|s| self.matcher(s, node, &at.key("match"), name.as_deref(), seen))
            }
            _ => {
                if !is_last {
                    self.error(
                        item.pos,
                        at,
                        format!(
                            "{} has no `match`, but only the last connection may leave it out",
                            label(name.as_deref())
                        ),
                        Some(
                            "a connection without `match` takes every request; it would hide the connections after it",
                        ),
                    );
                }
                Some(Matcher::Any)
            }
        };
        let spec_rules: Vec<PathBuf> = match item.get("rules") {
            Some(node) if !matches!(node.kind, Kind::Null) => {
                self.typed(node, &at.key("rules")).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let rules = self.rule_set(item, at, &spec_rules);
        let upstream = self.upstream(item, at, name.as_deref(), defaults);
        let (inbound_auth, credential) = self.auth(item, at, name.as_deref(), found.as_ref());
        let clean = self.error_count() == errors_before;
        match (name, found, rules, upstream) {
            (Some(name), Some(matcher), Some(rules), Some(upstream)) if clean => Some(
                Connection::new(&name, matcher, rules, upstream)
                    .with_auth(inbound_auth, credential),
            ),
            _ => None,
        }
    }

    fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .chain(&self.rule_diagnostics)
            .filter(|d| d.is_error())
            .count()
    }

    fn name(&mut self, item: &Node, at: &FieldPath, seen: &mut Seen) -> Option<String> {
        let Some(node) = item.get("name") else {
            self.error(
                item.pos,
                at,
                "missing field `name`".into(),
                Some("every connection needs a unique `name`; it is logged as `connection`"),
            );
            return None;
        };
        let field = at.key("name");
        let name: String = self.typed(node, &field)?;
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !valid {
            self.error(
                node.pos,
                &field,
                format!("invalid connection name `{name}`"),
                Some("use 1 to 64 letters, digits, `.`, `-` and `_`"),
            );
            return None;
        }
        if let Some((_, line)) = seen.names.iter().find(|(n, _)| *n == name) {
            let hint = format!("first used at line {line}; connection names must be unique");
            self.error(
                node.pos,
                &field,
                format!("duplicate connection name `{name}`"),
                Some(&hint),
            );
            return None;
        }
        seen.names.push((name.clone(), node.pos.line));
        Some(name)
    }

    /// Validates a `match` and checks it against the earlier connections'.
    fn matcher(
        &mut self,
        spec: MatchSpec,
        node: &Node,
        at: &FieldPath,
        name: Option<&str>,
        seen: &mut Seen,
    ) -> Option<Matcher> {
        let name = name.unwrap_or("?").to_string();
        match spec {
            MatchSpec::PathPrefix(raw) => {
                let field = at.key("path_prefix");
                let pos = node.pos_of(&FieldPath::root().key("path_prefix"));
                let prefix = raw.trim_end_matches('/').to_string();
                let problem = if !raw.starts_with('/') {
                    Some("it must start with `/`")
                } else if prefix.is_empty() {
                    Some(
                        "`/` would claim every request; leave `match` out on the last connection instead",
                    )
                } else if raw.contains(['?', '#']) || raw.contains("//") {
                    Some("it must be a plain path, without `?`, `#` or `//`")
                } else {
                    None
                };
                if let Some(why) = problem {
                    self.error(
                        pos,
                        &field,
                        format!("invalid path prefix `{raw}`"),
                        Some(why),
                    );
                    return None;
                }
                if let Some((_, other, line)) = seen.prefixes.iter().find(|(p, _, _)| *p == prefix)
                {
                    let hint = format!("connection `{other}` (line {line}) already claims it");
                    self.error(
                        pos,
                        &field,
                        format!("two connections with the path prefix `{prefix}`"),
                        Some(&hint),
                    );
                    return None;
                }
                if let Some((p, other, line)) = seen.prefixes.iter().find(|(p, _, _)| {
                    prefix.as_bytes().starts_with(p.as_bytes())
                        && prefix.as_bytes().get(p.len()) == Some(&b'/')
                }) {
                    let hint = format!(
                        "connection `{other}` (line {line}) claims `{p}` and everything under it first; list the longer prefix first"
                    );
                    self.error(
                        pos,
                        &field,
                        format!("the path prefix `{prefix}` can never be reached"),
                        Some(&hint),
                    );
                    return None;
                }
                seen.prefixes.push((prefix.clone(), name, pos.line));
                Some(Matcher::PathPrefix(prefix))
            }
            MatchSpec::BearerToken(source) => {
                let mut cx = CompileCx::new(self.env, self.dir, self.secrets);
                let secret = cx.secret(FieldPath::root().key("bearer_token"), &source);
                let read_cleanly = cx.problems.is_empty();
                for p in &cx.problems {
                    self.problem(node, at, p);
                }
                let secret = secret?;
                if read_cleanly {
                    if let Some((_, other)) = seen.tokens.iter().find(|(t, _)| *t == secret) {
                        let hint = format!(
                            "connection `{other}` already uses it; each IdP needs its own token"
                        );
                        self.error(
                            node.pos_of(&FieldPath::root().key("bearer_token")),
                            &at.key("bearer_token"),
                            "two connections with the same bearer token".into(),
                            Some(&hint),
                        );
                        return None;
                    }
                    seen.tokens.push((secret.clone(), name));
                }
                Some(Matcher::BearerToken(secret))
            }
            MatchSpec::Header(h) => {
                let field = at.key("header");
                let header_node = node.get("header").unwrap_or(node);
                let header_name = HeaderName::from_bytes(h.name.as_bytes());
                if header_name.is_err() {
                    self.error(
                        header_node.pos_of(&FieldPath::root().key("name")),
                        &field.key("name"),
                        format!("`{}` is not a valid header name", h.name),
                        Some("header names are tokens: letters, digits and !#$%&'*+-.^_`|~"),
                    );
                }
                let value = HeaderValue::from_str(&h.value);
                if value.is_err() {
                    self.error(
                        header_node.pos_of(&FieldPath::root().key("value")),
                        &field.key("value"),
                        "the header value holds characters a header cannot carry".into(),
                        Some("use visible ASCII characters and spaces"),
                    );
                }
                let (Ok(header_name), Ok(value)) = (header_name, value) else {
                    return None;
                };
                if let Some((_, _, other)) = seen
                    .headers
                    .iter()
                    .find(|(n, v, _)| *n == header_name && *v == value)
                {
                    let hint = format!("connection `{other}` already claims it");
                    self.error(
                        header_node.pos,
                        &field,
                        format!("two connections with the same `{header_name}` header value"),
                        Some(&hint),
                    );
                    return None;
                }
                seen.headers
                    .push((header_name.clone(), value.clone(), name));
                Some(Matcher::Header {
                    name: header_name,
                    value,
                })
            }
        }
    }

    /// Checks that every rule path exists, then loads the rules. `None` if
    /// anything is wrong (the problems are reported).
    fn rule_set(
        &mut self,
        item: &Node,
        at: &FieldPath,
        paths: &[PathBuf],
    ) -> Option<crate::rules::RuleSet> {
        let mut resolved = Vec::with_capacity(paths.len());
        let mut missing = false;
        for (i, p) in paths.iter().enumerate() {
            let full = self.dir.join(p);
            if full.exists() {
                resolved.push(full);
            } else {
                missing = true;
                let field = FieldPath::root().key("rules").index(i);
                self.error(
                    item.pos_of(&field),
                    &at.join(&field),
                    format!("rule path `{}` does not exist", p.display()),
                    Some(&format!(
                        "looked for {}; relative paths are relative to the configuration file",
                        full.display()
                    )),
                );
            }
        }
        let loaded = crate::rules::load(
            &resolved,
            &LoadOptions {
                env: self.env,
                secrets: self.secrets,
            },
        );
        match loaded {
            Ok(loaded) => {
                let bad = loaded.has_errors();
                self.rule_diagnostics.extend(loaded.diagnostics);
                (!bad && !missing).then_some(loaded.set)
            }
            Err(e) => {
                let field = FieldPath::root().key("rules");
                self.error(item.pos_of(&field), &at.join(&field), e.to_string(), None);
                None
            }
        }
    }

    /// The top-level `tls`, its paths resolved and the pair checked to load.
    fn listener_tls(&mut self, root: &Node) -> Option<ListenerTlsSettings> {
        let at = FieldPath::root().key("tls");
        let (spec, node) = self.optional::<TlsSpec>(root, &FieldPath::root(), "tls")?;
        let files = PemFiles {
            cert: self.dir.join(&spec.cert),
            key: self.dir.join(&spec.key),
        };
        if let Err(e) = files.load() {
            let key = if e.is_about_key() { "key" } else { "cert" };
            self.error(
                node.pos_of(&FieldPath::root().key(key)),
                &at.key(key),
                e.to_string(),
                Some("`cert` is a PEM certificate chain, leaf first, and `key` its private key; relative to the configuration file"),
            );
            return None;
        }
        Some(ListenerTlsSettings {
            files,
            handshake_timeout: spec.handshake_timeout,
        })
    }

    /// `upstream_client_cert` and `upstream_client_key` of `map`: both or
    /// neither.
    fn client_pair<'n>(&mut self, map: &'n Node, at: &FieldPath) -> Option<ClientPair<'n>> {
        let cert = self.optional::<PathBuf>(map, at, "upstream_client_cert");
        let key = self.optional::<PathBuf>(map, at, "upstream_client_key");
        match (cert, key) {
            (Some((cert, node)), Some((key, _))) => Some(ClientPair {
                files: PemFiles {
                    cert: self.dir.join(cert),
                    key: self.dir.join(key),
                },
                node,
                field: at.key("upstream_client_cert"),
            }),
            (None, None) => None,
            (Some((_, node)), None) | (None, Some((_, node))) => {
                let (given, missing) = if map.get("upstream_client_cert").is_some() {
                    ("upstream_client_cert", "upstream_client_key")
                } else {
                    ("upstream_client_key", "upstream_client_cert")
                };
                self.error(
                    node.pos,
                    &at.key(given),
                    format!("`{given}` without `{missing}`"),
                    Some("a client certificate needs its private key: give both files"),
                );
                None
            }
        }
    }

    /// Builds the connection's upstream from its own or the top-level settings.
    fn upstream(
        &mut self,
        item: &Node,
        at: &FieldPath,
        name: Option<&str>,
        defaults: &Defaults,
    ) -> Option<Upstream> {
        let own_url = self
            .optional::<String>(item, at, "upstream")
            .map(|(v, n)| (v, n, at.key("upstream")));
        let own_ca = self
            .optional::<PathBuf>(item, at, "upstream_ca")
            .map(|(v, n)| (self.dir.join(v), n, at.key("upstream_ca")));
        let client = self
            .client_pair(item, at)
            .or_else(|| defaults.upstream_client.clone());
        let url = own_url.or_else(|| {
            defaults
                .upstream
                .as_ref()
                .map(|(v, n)| (v.clone(), *n, FieldPath::root().key("upstream")))
        });
        let ca = own_ca.or_else(|| {
            defaults
                .upstream_ca
                .as_ref()
                .map(|(v, n)| (v.clone(), *n, FieldPath::root().key("upstream_ca")))
        });
        let Some((url, url_node, url_field)) = url else {
            if item.get("upstream").is_none() {
                self.error(
                    item.pos,
                    at,
                    format!("{} has no upstream", label(name)),
                    Some("set `upstream` on the connection or at the top level"),
                );
            }
            return None;
        };
        let tls = UpstreamTls {
            ca: ca.as_ref().map(|(p, _, _)| p.clone()),
            client: client.as_ref().map(|c| c.files.clone()),
        };
        match Upstream::with_tls(&url, &tls) {
            Ok(u) => Some(u),
            Err(e @ UpstreamError::ClientCert(_)) => {
                let (pos, field) = match &client {
                    Some(c) => (c.node.pos, c.field.clone()),
                    None => (url_node.pos, url_field),
                };
                self.error(
                    pos,
                    &field,
                    e.to_string(),
                    Some("`upstream_client_cert` is a PEM certificate chain and `upstream_client_key` its private key; relative to the configuration file"),
                );
                None
            }
            Err(e @ UpstreamError::InvalidUrl(..)) => {
                self.error(
                    url_node.pos,
                    &url_field,
                    e.to_string(),
                    Some("for example `http://app:8000/scim/v2` or `https://scim.example.com/v2`"),
                );
                None
            }
            Err(e @ UpstreamError::Credentials(_)) => {
                self.error(
                    url_node.pos,
                    &url_field,
                    e.to_string(),
                    Some("`upstream_credential: {value_from: {file: ...}, scheme: basic}` reads the backend's credential from a file or the environment"),
                );
                None
            }
            Err(e @ UpstreamError::Ca { .. }) => {
                let (pos, field) = match &ca {
                    Some((_, node, field)) => (node.pos, field.clone()),
                    None => (url_node.pos, url_field),
                };
                self.error(
                    pos,
                    &field,
                    e.to_string(),
                    Some("a PEM file with one or more CA certificates, relative to the configuration file"),
                );
                None
            }
        }
    }
}

/// `connection `okta``, or `this connection` when it has no valid name.
fn label(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("connection `{n}`"),
        None => "this connection".into(),
    }
}

/// Turns a serde error at a path into a problem pointing at the right key.
fn serde_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let mut field = FieldPath::root();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => field.0.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => field.0.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                field.0.push(Seg::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let message = e.inner().to_string();
    let mut problem = Problem::error(field.clone(), message.clone()).hint(DOCS);
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(name) = rest.split('`').next()
        {
            // serde reports an unknown field at the path of the field itself.
            if field.0.last() == Some(&Seg::Key(name.to_string())) {
                field.0.pop();
                problem.field = field.clone();
            }
            problem.key = Some(name.to_string());
            problem.hint = Some(if prefix.starts_with("unknown field") {
                "unknown fields are errors so that a typo cannot go unnoticed; see docs/config.md"
                    .into()
            } else {
                "a `match` is one of `path_prefix`, `bearer_token` or `header`; see docs/config.md"
                    .into()
            });
        }
    }
    problem
}

pub(super) mod auth;
#[cfg(test)]
mod tests;
