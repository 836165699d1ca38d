//! Several IdP connections in one proxy (`serve --config scimshim.yaml`): each
//! request is attributed by path prefix, bearer token or header to the first
//! connection that claims it, and runs that connection's rules against that
//! connection's upstream. Unclaimed requests get a SCIM 404; logs name the
//! connection; tokens never reach a log line; a broken file stops `serve`
//! with every problem listed.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::recorder::Canned;
use crate::support::scimshim::{bin, run};
use crate::support::{Recorder, Scimshim, TempDir, repo, send};

const TOKEN: &str = "okta-7f3c9d1e-token-value";
const JSON: (&str, &str) = ("content-type", "application/scim+json");

/// A rule file that marks requests to Users (as the rules see the path) with
/// `x-conn: <name>`, and marks the answers to them too.
fn marker_rules(name: &str) -> String {
    format!(
        "rules:
  - id: {name}.mark
    description: marks requests this connection's rules saw
    when: {{resource: [User]}}
    actions:
      - set_header: {{name: x-conn, value: {name}}}
  - id: {name}.mark-answer
    description: marks answers to this connection's user requests
    phase: response
    when: {{resource: [User]}}
    actions:
      - set_header: {{name: x-conn-answer, value: {name}}}
"
    )
}

struct Setup {
    a: Recorder,
    b: Recorder,
    shim: Scimshim,
    _dir: TempDir,
}

/// Entra by path prefix and Okta by token to upstream A's default, Okta and
/// JumpCloud (by header) to upstream B; no default connection.
async fn three_connections(extra: &str) -> Setup {
    let a = Recorder::start(Canned::default()).await;
    let b = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("connections");
    dir.write("entra.yaml", &marker_rules("entra"));
    dir.write("okta.yaml", &marker_rules("okta"));
    dir.write("jumpcloud.yaml", &marker_rules("jumpcloud"));
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "upstream: {a}/scim/v2
connections:
  - name: entra
    match:
      path_prefix: /scim/v2/entra
    rules: [entra.yaml]
  - name: okta
    match:
      bearer_token: {{env: IT_OKTA_TOKEN}}
    rules: [okta.yaml]
    upstream: {b}/api
  - name: jumpcloud
    match:
      header: {{name: x-scimshim-connection, value: jumpcloud}}
    rules: [jumpcloud.yaml]
    upstream: {b}/jc
{extra}",
            a = a.url(),
            b = b.url()
        ),
    );
    let shim = Scimshim::start_with_env(
        &["--config", &config, "--log", "debug"],
        &[("IT_OKTA_TOKEN", TOKEN)],
    );
    Setup {
        a,
        b,
        shim,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_prefix_connection_strips_its_prefix_and_uses_its_own_rules() {
    let s = three_connections("").await;
    let r = send(
        "GET",
        &s.shim
            .url("/scim/v2/entra/Users?filter=userName%20eq%20%22a%22"),
        &[],
        None,
    )
    .await;
    r.assert_status(200);
    let got = s.a.only();
    assert_eq!(got.target, "/scim/v2/Users?filter=userName%20eq%20%22a%22");
    // Its own rules, which saw `/scim/v2/Users` (a `resource: User` condition
    // holds), on the request and on the answer.
    assert_eq!(got.header("x-conn").as_deref(), Some("entra"));
    assert_eq!(r.header("x-conn-answer"), Some("entra"));
    assert!(s.b.requests().is_empty());

    // The prefix itself is the base path.
    let r = send("GET", &s.shim.url("/scim/v2/entra"), &[], None).await;
    r.assert_status(200);
    assert_eq!(s.a.requests()[1].target, "/scim/v2");
    // A longer segment is not under the prefix.
    let r = send("GET", &s.shim.url("/scim/v2/entraid/Users"), &[], None).await;
    r.assert_status(404);
    assert_eq!(s.a.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_connection_goes_to_its_own_upstream() {
    let s = three_connections("").await;
    let auth = format!("Bearer {TOKEN}");
    let r = send(
        "POST",
        &s.shim.url("/scim/v2/Users"),
        &[JSON, ("authorization", &auth)],
        Some(r#"{"userName":"a"}"#),
    )
    .await;
    r.assert_status(200);
    let got = s.b.only();
    assert_eq!(got.method, "POST");
    assert_eq!(got.target, "/api/Users");
    assert_eq!(got.header("x-conn").as_deref(), Some("okta"));
    // The IdP's credential goes on unless a rule replaces it.
    assert_eq!(got.header("authorization"), Some(auth));
    assert_eq!(got.body, br#"{"userName":"a"}"#);
    assert_eq!(r.header("x-conn-answer"), Some("okta"));
    assert!(s.a.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_connection_goes_to_its_own_upstream() {
    let s = three_connections("").await;
    let r = send(
        "GET",
        &s.shim.url("/scim/v2/Users/7"),
        &[("x-scimshim-connection", "jumpcloud")],
        None,
    )
    .await;
    r.assert_status(200);
    let got = s.b.only();
    assert_eq!(got.target, "/jc/Users/7");
    assert_eq!(got.header("x-conn").as_deref(), Some("jumpcloud"));
    assert!(s.a.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_no_connection_claims_gets_a_scim_404() {
    let s = three_connections("").await;
    for headers in [
        vec![],
        vec![("authorization", "Bearer okta-7f3c9d1e-token-valuX")],
        vec![("x-scimshim-connection", "JumpCloud")],
    ] {
        let r = send("GET", &s.shim.url("/scim/v2/Users"), &headers, None).await;
        r.assert_status(404);
        assert_eq!(r.header("x-scimshim-error"), Some("no-connection"));
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
        let body = r.json();
        assert_eq!(
            body,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "404",
                "detail": "no connection of this service claims the request; tried: \
                           path prefix `/scim/v2/entra` (entra), a bearer token (okta), \
                           header `x-scimshim-connection` (jumpcloud)"
            })
        );
    }
    assert!(s.a.requests().is_empty() && s.b.requests().is_empty());
    let events = s.shim.request_events(3);
    for e in &events {
        assert_eq!(e["connection"], "-");
        assert_eq!(e["error.kind"], "no-connection");
        assert_eq!(e["http.status"], 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_connection_without_match_takes_the_rest() {
    let s = three_connections("  - name: fallback\n").await;
    let r = send("GET", &s.shim.url("/scim/v2/Groups"), &[], None).await;
    r.assert_status(200);
    assert_eq!(s.a.only().target, "/scim/v2/Groups");
    let events = s.shim.request_events(1);
    assert_eq!(events[0]["connection"], "fallback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_name_the_connection_and_never_show_the_token() {
    let s = three_connections("").await;
    let auth = format!("Bearer {TOKEN}");
    send("GET", &s.shim.url("/scim/v2/entra/Users"), &[], None)
        .await
        .assert_status(200);
    send(
        "GET",
        &s.shim.url("/scim/v2/Users"),
        &[("authorization", &auth)],
        None,
    )
    .await
    .assert_status(200);
    send(
        "GET",
        &s.shim.url("/scim/v2/Users"),
        &[("x-scimshim-connection", "jumpcloud")],
        None,
    )
    .await
    .assert_status(200);
    let events = s.shim.request_events(3);
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["connection"].as_str().unwrap().to_string(),
                e["http.path"].as_str().unwrap().to_string(),
                e["scim.resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            // The client's path is logged; the resource is the rules' view.
            ("entra".into(), "/scim/v2/entra/Users".into(), "User".into()),
            ("okta".into(), "/scim/v2/Users".into(), "User".into()),
            ("jumpcloud".into(), "/scim/v2/Users".into(), "User".into()),
        ]
    );
    let applied: Vec<(String, String)> = s
        .shim
        .logs()
        .into_iter()
        .filter(|v| v["message"] == "rule applied")
        .map(|v| {
            (
                v["connection"].as_str().unwrap().to_string(),
                v["rule.id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        applied,
        [
            ("entra".to_string(), "entra.mark".to_string()),
            ("entra".into(), "entra.mark-answer".into()),
            ("okta".into(), "okta.mark".into()),
            ("okta".into(), "okta.mark-answer".into()),
            ("jumpcloud".into(), "jumpcloud.mark".into()),
            ("jumpcloud".into(), "jumpcloud.mark-answer".into()),
        ]
    );
    let listening = s.shim.wait_log(|v| v["message"] == "scimshim listening");
    let upstreams = listening["upstream"].as_str().unwrap();
    assert!(upstreams.starts_with("entra=http://"), "{upstreams}");
    let raw = s.shim.raw_logs();
    assert!(!raw.contains(TOKEN), "the token is in the logs:\n{raw}");
    assert!(
        !raw.contains("7f3c9d1e"),
        "part of the token is in the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_file_the_single_connection_is_named_default() {
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&["--upstream", &format!("{}/scim/v2", rec.url())]);
    send("GET", &shim.url("/scim/v2/Users"), &[], None)
        .await
        .assert_status(200);
    assert_eq!(rec.only().target, "/scim/v2/Users");
    let events = shim.request_events(1);
    assert_eq!(events[0]["connection"], "default");
    let listening = shim.wait_log(|v| v["message"] == "scimshim listening");
    assert_eq!(listening["upstream"], format!("{}/scim/v2", rec.url()));
}

#[test]
fn an_invalid_file_stops_serve_with_every_problem_and_its_position() {
    let dir = TempDir::new("connections-bad");
    let config = dir.write(
        "scimshim.yaml",
        "upstream: http://127.0.0.1:9/scim/v2
connections:
  - name: entra
    match: {path_prefix: /scim/v2/entra}
    rules: [missing.yaml]
  - name: entra
    match: {path_prefix: /scim/v2/entra}
  - name: okta
    match: {bearer_token: {env: IT_UNSET_TOKEN}}
  - name: open
  - name: last
    match: {header: {name: x-c, value: last}}
    upstream: ftp://nope
    colour: blue
",
    );
    let err = match Scimshim::try_start(&["--config", &config], &[]) {
        Ok(_) => panic!("serve started with an invalid configuration"),
        Err(e) => e,
    };
    assert_eq!(err.0, "exited with exit status: 2");
    let found: Vec<(String, String)> = err
        .1
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["level"] == "ERROR" && v["file"].is_string())
        .map(|v| {
            let file = v["file"].as_str().unwrap();
            let at = file
                .rsplit_once("scimshim.yaml:")
                .map_or(file, |(_, at)| at);
            (at.to_string(), v["message"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "5:13".into(),
                "rule path `missing.yaml` does not exist".into()
            ),
            ("6:11".into(), "duplicate connection name `entra`".into()),
            (
                "7:26".into(),
                "two connections with the path prefix `/scim/v2/entra`".into()
            ),
            (
                "9:27".into(),
                "environment variable `IT_UNSET_TOKEN` is not set or empty".into()
            ),
            (
                "10:5".into(),
                "connection `open` has no `match`, but only the last connection may leave it out"
                    .into()
            ),
            (
                "13:15".into(),
                "invalid upstream URL `ftp://nope`: the scheme must be http or https".into()
            ),
            (
                "14:5".into(),
                "unknown field `colour` in a connection, expected one of `name`, `match`, \
                 `rules`, `upstream`, `upstream_ca`, `upstream_client_cert`, \
                 `upstream_client_key`, `inbound_auth`, `upstream_credential`"
                    .into()
            ),
        ] as [(String, String); 7]
    );
    let last = err.1.last().unwrap();
    assert!(
        last.contains("has 7 error(s); run `scimshim check --config"),
        "{last}"
    );
}

#[test]
fn config_and_upstream_flags_together_are_a_usage_error() {
    let out = run(&[
        "serve",
        "--config",
        "deploy/scimshim.yaml",
        "--upstream",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'--config <CONFIG>' cannot be used with '--upstream <UPSTREAM>'"),
        "{stderr}"
    );
    let out = run(&[
        "serve",
        "--config",
        "deploy/scimshim.yaml",
        "--rules",
        "rules/common",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `check --config` on the shipped example: every connection and its rules load.
#[test]
fn check_accepts_the_example_configuration() {
    let out = Command::new(bin())
        .current_dir(repo(""))
        .args(["check", "--config", "deploy/scimshim.yaml"])
        .env("SCIMSHIM_OKTA_TOKEN", "example-token")
        .stdin(Stdio::null())
        .output()
        .expect("run scimshim");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "checked deploy/scimshim.yaml: 3 of 3 connection(s) valid: 0 error(s), 0 warning(s)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "connection entra: path prefix `/scim/v2/entra`, upstream http://app:8000/scim/v2"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("example-token"), "{stdout}");
}

#[test]
fn check_reports_every_problem_of_a_file_and_exits_1() {
    let dir = TempDir::new("connections-check");
    let config = dir.write(
        "scimshim.yaml",
        "connections:\n  - name: a\n    match: {path_prefix: nope}\n  - nam: b\n",
    );
    let out = run(&["check", "--config", &config, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let got: Vec<(u64, u64, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, 5, "connections[0]"),
            (3, 26, "connections[0].match.path_prefix"),
            (4, 5, "connections[1].nam"),
            (4, 5, "connections[1]"),
            (4, 5, "connections[1]"),
        ]
    );
    assert_eq!(report["errors"], 5);
    assert_eq!(report["connections"], serde_json::json!([]));
}
