use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::config::file::json_schema;
use crate::rules::secret::MapEnv;

/// A directory under the system temp dir, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scimshim-config-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join("rules")).unwrap();
        std::fs::write(
            dir.join("rules/one.yaml"),
            "rules:\n  - id: t.one\n    description: test\n    actions:\n      - set_header: {name: x-one, value: \"1\"}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("rules/two.yaml"),
            "rules:\n  - id: t.two\n    description: test\n    actions:\n      - set_header: {name: x-two, value: \"2\"}\n",
        )
        .unwrap();
        Dir(dir)
    }

    fn load(&self, text: &str, env: &[(&str, &str)]) -> LoadedConfig {
        let env = MapEnv(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        load_str(
            &self.0.join("scimshim.yaml"),
            text,
            &env,
            SecretMode::Require,
        )
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `line:column field: message` for each diagnostic.
fn brief(loaded: &LoadedConfig) -> Vec<String> {
    loaded
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.field, d.message))
        .collect()
}

const GOOD: &str = "\
listen: 0.0.0.0:9000
base_path: /scim/v2/
upstream: http://backend:8000/scim/v2
max_body_bytes: 2MiB
upstream_timeout: 5s
shutdown_grace: 3
log_values: full
worker_threads: 2
reload_interval: 250ms
connections:
  - name: entra
    match:
      path_prefix: /scim/v2/entra/
    rules: [rules/one.yaml]
  - name: okta
    match:
      bearer_token: {env: OKTA_TOKEN}
    rules: [rules]
    upstream: http://okta-backend:9000/v2
  - name: jumpcloud
    match:
      header: {name: X-Scimshim-Connection, value: jumpcloud}
  - name: fallback
";

#[test]
fn a_valid_file_gives_its_settings_and_connections_in_order() {
    let dir = Dir::new();
    let loaded = dir.load(GOOD, &[("OKTA_TOKEN", "tok-okta")]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let s = &loaded.settings;
    assert_eq!(s.listen, Some("0.0.0.0:9000".parse().unwrap()));
    assert_eq!(s.base_path.as_deref(), Some("/scim/v2"));
    assert_eq!(s.max_body_bytes, Some(ByteSize(2 << 20)));
    assert_eq!(
        s.upstream_timeout,
        Some(Span(std::time::Duration::from_secs(5)))
    );
    assert_eq!(
        s.shutdown_grace,
        Some(Span(std::time::Duration::from_secs(3)))
    );
    assert_eq!(s.log_values, Some(LogValues::Full));
    assert_eq!(s.worker_threads, Some(2));
    assert_eq!(
        s.reload_interval,
        Some(Span(std::time::Duration::from_millis(250)))
    );
    assert_eq!(loaded.listed, 4);
    let summary: Vec<(String, String, String, usize)> = loaded
        .connections
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.matcher.describe(),
                c.upstream.display.clone(),
                c.rules.load().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "entra".into(),
                "path prefix `/scim/v2/entra`".into(),
                "http://backend:8000/scim/v2".into(),
                1
            ),
            (
                "okta".into(),
                "a bearer token".into(),
                "http://okta-backend:9000/v2".into(),
                2
            ),
            (
                "jumpcloud".into(),
                "header `x-scimshim-connection`".into(),
                "http://backend:8000/scim/v2".into(),
                0
            ),
            (
                "fallback".into(),
                "any request".into(),
                "http://backend:8000/scim/v2".into(),
                0
            ),
        ]
    );
    // The token was read from the environment, as given.
    let Matcher::BearerToken(token) = &loaded.connections[1].matcher else {
        panic!("okta matches by token");
    };
    assert_eq!(token.expose(), "tok-okta");
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let dir = Dir::new();
    let text = "\
base_path: scim
max_body_bytes: 1TB
upstrem: http://x
connections:
  - name: entra
    match: {path_prefix: /scim/v2/entra}
    rules: [rules/one.yaml, rules/nope.yaml]
    upstream: ftp://backend
  - name: entra
    match:
      path_prefix: /scim/v2/entra/
    upstream: http://b
  - name: okta
    match:
      bearer_token: {env: OKTA_TOKEN}
    upstream: http://b
    colour: blue
  - name: hdr
    match:
      header: {name: \"bad name\", value: x}
    upstream: http://b
  - name: no-match
    upstream: http://b
  - name: bad name!
    match: {path_prfix: /x}
";
    let loaded = dir.load(text, &[]);
    assert_eq!(
        brief(&loaded),
        vec![
            "1:12 base_path: invalid base path `scim`: it must start with `/`",
            "2:17 max_body_bytes: `1TB`: unknown size unit `TB`; use KiB, MiB or GiB",
            "3:1 upstrem: unknown field `upstrem` in the configuration, expected one of \
             `listen`, `tls`, `base_path`, `upstream`, `upstream_ca`, \
             `upstream_client_cert`, `upstream_client_key`, `max_body_bytes`, \
             `upstream_timeout`, `shutdown_grace`, `log_values`, `worker_threads`, \
             `reload_interval`, `admin_listen`, `connections`",
            "7:29 connections[0].rules[1]: rule path `rules/nope.yaml` does not exist",
            "8:15 connections[0].upstream: invalid upstream URL `ftp://backend`: the scheme must be http or https",
            "9:11 connections[1].name: duplicate connection name `entra`",
            "11:20 connections[1].match.path_prefix: two connections with the path prefix `/scim/v2/entra`",
            "15:21 connections[2].match.bearer_token: environment variable `OKTA_TOKEN` is not set or empty",
            "17:5 connections[2].colour: unknown field `colour` in a connection, expected one of \
             `name`, `match`, `rules`, `upstream`, `upstream_ca`, `upstream_client_cert`, \
             `upstream_client_key`, `inbound_auth`, `upstream_credential`",
            "20:22 connections[3].match.header.name: `bad name` is not a valid header name",
            "22:5 connections[4]: connection `no-match` has no `match`, but only the last connection may leave it out",
            "24:5 connections[5]: this connection has no upstream",
            "24:11 connections[5].name: invalid connection name `bad name!`",
            "25:13 connections[5].match: unknown variant `path_prfix`, expected one of `path_prefix`, `bearer_token`, `header`",
        ]
    );
    assert!(loaded.diagnostics.iter().all(Diagnostic::is_error));
    assert!(loaded.connections.is_empty());
    let hint = loaded.diagnostics[5].hint.as_deref();
    assert_eq!(
        hint,
        Some("first used at line 5; connection names must be unique")
    );
}

#[test]
fn a_prefix_under_an_earlier_one_can_never_be_reached() {
    let dir = Dir::new();
    let text = "\
upstream: http://b
connections:
  - name: all
    match: {path_prefix: /scim/v2/tenants}
  - name: one
    match: {path_prefix: /scim/v2/tenants/one}
  - name: sibling
    match: {path_prefix: /scim/v2/tenantsx}
  - name: bad
    match: {path_prefix: scim}
  - name: root
    match: {path_prefix: /}
";
    let loaded = dir.load(text, &[]);
    assert_eq!(
        brief(&loaded),
        vec![
            "6:26 connections[1].match.path_prefix: the path prefix `/scim/v2/tenants/one` can never be reached",
            "10:26 connections[3].match.path_prefix: invalid path prefix `scim`",
            "12:26 connections[4].match.path_prefix: invalid path prefix `/`",
        ]
    );
    assert_eq!(
        loaded.diagnostics[0].hint.as_deref(),
        Some(
            "connection `all` (line 4) claims `/scim/v2/tenants` and everything under it first; \
             list the longer prefix first"
        )
    );
    let names: Vec<&str> = loaded.connections.iter().map(|c| &*c.name).collect();
    assert_eq!(names, ["all", "sibling"]);
}

#[test]
fn tokens_come_from_files_and_are_never_shown() {
    let dir = Dir::new();
    std::fs::write(dir.0.join("okta.token"), "tok-shared\n").unwrap();
    let text = "\
upstream: http://b
connections:
  - name: okta
    match: {bearer_token: {file: okta.token}}
  - name: onelogin
    match: {bearer_token: {env: ONELOGIN_TOKEN}}
  - name: empty
    match: {bearer_token: {file: nope.token}}
";
    let loaded = dir.load(text, &[("ONELOGIN_TOKEN", "tok-shared")]);
    let lines = brief(&loaded);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(
        lines[0],
        "6:27 connections[1].match.bearer_token: two connections with the same bearer token"
    );
    assert!(
        lines[1].starts_with("8:27 connections[2].match.bearer_token: cannot read secret file `"),
        "{lines:#?}"
    );
    let all = format!("{:?}", loaded.diagnostics);
    assert!(!all.contains("tok-shared"), "{all}");
    let Matcher::BearerToken(token) = &loaded.connections[0].matcher else {
        panic!("okta matches by token");
    };
    assert_eq!(token.expose(), "tok-shared");
}

#[test]
fn an_unset_token_is_a_warning_for_check() {
    let dir = Dir::new();
    let text = "upstream: http://b\nconnections:\n  - name: okta\n    match: {bearer_token: {env: NOPE}}\n";
    let loaded = load_str(
        &dir.0.join("scimshim.yaml"),
        text,
        &MapEnv::default(),
        SecretMode::Lenient,
    );
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].severity, Severity::Warning);
    assert_eq!(loaded.connections.len(), 1);
}

#[test]
fn connections_need_an_upstream_and_the_file_needs_connections() {
    let dir = Dir::new();
    let loaded = dir.load("connections:\n  - name: a\n", &[]);
    assert_eq!(
        brief(&loaded),
        vec!["2:5 connections[0]: connection `a` has no upstream"]
    );
    let loaded = dir.load("listen: 127.0.0.1:1\n", &[]);
    assert_eq!(brief(&loaded), vec!["1:1 : missing field `connections`"]);
    let loaded = dir.load("connections: []\n", &[]);
    assert_eq!(
        brief(&loaded),
        vec!["1:14 connections: `connections` is empty"]
    );
    let loaded = dir.load("", &[]);
    assert_eq!(
        brief(&loaded),
        vec!["1:1 : the configuration file is empty"]
    );
    let loaded = dir.load("- a\n", &[]);
    assert_eq!(
        brief(&loaded),
        vec!["1:1 : a configuration must be a mapping with a `connections` list"]
    );
}

#[test]
fn yaml_errors_have_positions() {
    let dir = Dir::new();
    let loaded = dir.load("connections:\n  - name: [unclosed\n", &[]);
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert!(d.line >= 2, "{d:?}");
    assert!(d.message.starts_with("invalid YAML: "), "{d:?}");
    let loaded = dir.load(
        "upstream: http://a\nupstream: http://b\nconnections: []\n",
        &[],
    );
    assert!(
        loaded.diagnostics[0]
            .message
            .to_lowercase()
            .contains("duplicate"),
        "{:?}",
        loaded.diagnostics
    );
}

#[test]
fn rule_file_problems_are_reported_once_per_file() {
    let dir = Dir::new();
    std::fs::write(
        dir.0.join("rules/broken.yaml"),
        "rules:\n  - id: t.broken\n    description: x\n    actions:\n      - nonsense: {}\n",
    )
    .unwrap();
    let text = "\
upstream: http://b
connections:
  - name: a
    match: {path_prefix: /a}
    rules: [rules/broken.yaml]
  - name: b
    rules: [rules/broken.yaml]
";
    let loaded = dir.load(text, &[]);
    assert_eq!(loaded.diagnostics.len(), 1, "{:#?}", loaded.diagnostics);
    let d = &loaded.diagnostics[0];
    assert!(d.file.ends_with("rules/broken.yaml"), "{d:?}");
    assert_eq!((d.line, d.field.as_str()), (5, "rules[0].actions[0]"));
    assert!(loaded.connections.is_empty());
}

#[test]
fn the_field_lists_are_the_schemas() {
    let schema = json_schema();
    let props = |v: &serde_json::Value| -> Vec<String> {
        v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(props(&schema), TOP_FIELDS);
    assert_eq!(props(&schema["$defs"]["ConnectionSpec"]), CONNECTION_FIELDS);
    assert_eq!(schema["required"], serde_json::json!(["connections"]));
    assert_eq!(
        schema["$defs"]["ConnectionSpec"]["required"],
        serde_json::json!(["name"])
    );
}
