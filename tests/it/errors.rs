//! Errors the proxy answers itself: each is a SCIM error (RFC 7644 §3.12) with
//! the `x-scimshim-error` kind, and requests that must not reach the backend do
//! not. Startup failures exit with code 2 and say what is wrong.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::client::{self, Reply, send};
use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, through_recorder};

const DIALECTS: &str = "rules/common";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Checks a proxy-made SCIM error body; returns its `detail`.
fn check_error_body(body: &Value, status: u16, scim_type: Option<&str>) -> String {
    assert_eq!(
        body["schemas"],
        serde_json::json!([ERROR_URN]),
        "body: {body}"
    );
    assert_eq!(
        body["status"],
        Value::String(status.to_string()),
        "status must be a string: {body}"
    );
    match scim_type {
        Some(t) => assert_eq!(body["scimType"], t, "body: {body}"),
        None => assert!(
            body.get("scimType").is_none(),
            "no scimType expected: {body}"
        ),
    }
    let detail = body["detail"].as_str().unwrap_or_default().to_string();
    assert!(
        !detail.trim().is_empty(),
        "detail must say what happened: {body}"
    );
    detail
}

/// Checks a proxy-made error response; returns its `detail`.
fn check_error(reply: &Reply, status: u16, kind: &str, scim_type: Option<&str>) -> String {
    let text = String::from_utf8_lossy(&reply.body);
    assert_eq!(reply.status, status, "body: {text}");
    assert_eq!(
        reply.header("x-scimshim-error"),
        Some(kind),
        "headers: {:#?}",
        reply.headers
    );
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    check_error_body(&reply.json(), status, scim_type)
}

/// A response read from raw bytes (the proxy's errors carry a Content-Length).
struct RawReply {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn parse_raw(raw: &str) -> RawReply {
    let (head, rest) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response head: {raw:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {raw:?}"));
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = match headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) => rest.as_bytes()[..n.min(rest.len())].to_vec(),
        None => rest.as_bytes().to_vec(),
    };
    RawReply {
        status,
        headers,
        body,
    }
}

fn check_raw_error(raw: &str, status: u16, kind: &str, scim_type: Option<&str>) -> String {
    let reply = parse_raw(raw);
    assert_eq!(reply.status, status, "{raw}");
    assert_eq!(
        reply.headers.get("x-scimshim-error").map(String::as_str),
        Some(kind),
        "{raw}"
    );
    assert_eq!(
        reply.headers.get("content-type").map(String::as_str),
        Some("application/scim+json"),
        "{raw}"
    );
    let body: Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}): {raw}"));
    check_error_body(&body, status, scim_type)
}

/// The "request failed" event's `error.kind`, for the `n`-th request.
fn logged_kind(shim: &Scimshim, n: usize) -> String {
    let events = shim.request_events(n);
    events[n - 1]["error.kind"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn json_body_of_size(size: usize) -> String {
    let head = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":""#;
    let tail = r#""}]}"#;
    let filler = "x".repeat(size - head.len() - tail.len());
    let body = format!("{head}{filler}{tail}");
    assert_eq!(body.len(), size);
    serde_json::from_str::<Value>(&body).expect("the large body is valid JSON");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_a_502() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("http://127.0.0.1:{port}/api"),
        "--rules",
        DIALECTS,
    ]);
    let reply = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    check_error(&reply, 502, "upstream-unreachable", None);
    assert_eq!(logged_kind(&shim, 1), "upstream-unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_a_504_within_the_timeout() {
    let rec = Recorder::start(Canned {
        delay: Duration::from_secs(3),
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&[
        "--upstream",
        &rec.url(),
        "--upstream-timeout",
        "300ms",
        "--rules",
        DIALECTS,
    ]);
    let started = Instant::now();
    let reply = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    let elapsed = started.elapsed();
    check_error(&reply, 504, "upstream-timeout", None);
    assert!(
        elapsed >= Duration::from_millis(250),
        "answered after {elapsed:?}, before the timeout"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "answered after {elapsed:?}; the timeout is 300 ms"
    );
    // It was forwarded: the upstream just did not answer in time.
    assert_eq!(rec.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_that_a_rule_needs_is_a_413() {
    let (rec, shim) =
        through_recorder("", &["--max-body-bytes", "1KiB", "--rules", DIALECTS]).await;
    let body = json_body_of_size(4096);
    let reply = send(
        "PATCH",
        &shim.url("/scim/v2/Users/1"),
        &[("content-type", "application/scim+json")],
        Some(&body),
    )
    .await;
    let detail = check_error(&reply, 413, "body-too-large", None);
    assert!(
        detail.contains("1024"),
        "the detail should state the limit: {detail}"
    );
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
    assert_eq!(logged_kind(&shim, 1), "body-too-large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_that_a_rule_needs_is_a_413() {
    let (rec, shim) =
        through_recorder("", &["--max-body-bytes", "1KiB", "--rules", DIALECTS]).await;
    let body = json_body_of_size(4096);
    let mut req = b"PATCH /scim/v2/Users/1 HTTP/1.1\r\nHost: client.test\r\nContent-Type: application/scim+json\r\n\
                    Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        .to_vec();
    for chunk in body.as_bytes().chunks(512) {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let raw = client::raw(shim.addr, &req).await;
    check_raw_error(&raw, 413, "body-too-large", None);
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_no_rule_reads_is_streamed_through() {
    let rec = Recorder::start(Canned {
        status: 201,
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&[
        "--upstream",
        &rec.url(),
        "--max-body-bytes",
        "1KiB",
        "--rules",
        DIALECTS,
    ]);
    let body = json_body_of_size(4096);
    let reply = send(
        "POST",
        &shim.url("/scim/v2/Widgets"),
        &[("content-type", "application/scim+json")],
        Some(&body),
    )
    .await;
    reply.assert_status(201);
    assert!(reply.header("x-scimshim-error").is_none());
    let got = rec.only();
    assert_eq!(got.target, "/Widgets");
    assert_eq!(got.body, body.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_that_a_rule_needs_is_a_400_invalid_syntax() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;
    let reply = send(
        "PATCH",
        &shim.url("/scim/v2/Users/1"),
        &[("content-type", "application/scim+json")],
        Some(r#"{"Operations": ["#),
    )
    .await;
    let detail = check_error(&reply, 400, "invalid-json", Some("invalidSyntax"));
    assert!(detail.contains("JSON"), "detail: {detail}");
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
    assert_eq!(logged_kind(&shim, 1), "invalid-json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_outside_the_base_path_is_a_404_naming_the_base_path() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;
    for path in ["/api/Users", "/scim/v2x/Users", "/", "/scim/Users?x=1"] {
        let reply = send("GET", &shim.url(path), &[], None).await;
        let detail = check_error(&reply, 404, "not-found", None);
        assert!(
            detail.contains("/scim/v2"),
            "{path}: the detail should name the base path: {detail}"
        );
    }
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_outside_the_base_path_is_a_404_not_a_body_error() {
    let (rec, shim) =
        through_recorder("", &["--max-body-bytes", "1KiB", "--rules", DIALECTS]).await;
    let reply = send(
        "PATCH",
        &shim.url("/elsewhere/Users/1"),
        &[("content-type", "application/scim+json")],
        Some(r#"{"Operations": ["#),
    )
    .await;
    check_error(&reply, 404, "not-found", None);
    let big = json_body_of_size(4096);
    let reply = send(
        "PATCH",
        &shim.url("/elsewhere/Users/1"),
        &[("content-type", "application/scim+json")],
        Some(&big),
    )
    .await;
    check_error(&reply, 404, "not-found", None);
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_a_408() {
    let (rec, shim) =
        through_recorder("", &["--upstream-timeout", "500ms", "--rules", DIALECTS]).await;
    let sent = br#"{"Operatio"#;
    assert_eq!(sent.len(), 10, "10 body bytes of the 100 announced");
    let mut req = b"PATCH /scim/v2/Users/1 HTTP/1.1\r\nHost: client.test\r\nContent-Type: application/scim+json\r\n\
                    Content-Length: 100\r\nConnection: close\r\n\r\n"
        .to_vec();
    req.extend_from_slice(sent);
    let started = Instant::now();
    let raw = client::raw(shim.addr, &req).await;
    let elapsed = started.elapsed();
    check_raw_error(&raw, 408, "body-timeout", None);
    assert!(
        elapsed >= Duration::from_millis(450),
        "answered after {elapsed:?}, before the timeout"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "answered (or closed) after {elapsed:?}; the timeout is 500 ms"
    );
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("scimshim-it-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).expect("write rule file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `serve` expecting it to fail; returns its output.
fn start_fails(args: &[&str]) -> String {
    match Scimshim::try_start(args, &[]) {
        Ok(shim) => panic!(
            "scimshim started on {} but should have refused; logs:\n{}",
            shim.addr,
            shim.raw_logs()
        ),
        Err((msg, logs)) => {
            assert!(
                msg.contains("exit status: 2"),
                "expected exit code 2, got `{msg}`; output:\n{}",
                logs.join("\n")
            );
            logs.join("\n")
        }
    }
}

#[test]
fn a_broken_rule_file_stops_serve_with_exit_2() {
    let dir = TempDir::new("broken");
    let file = dir.write(
        "broken-rule.yaml",
        "rules:\n  - id: broken.rule\n    description: \"unterminated\n    actions: [\n",
    );
    let out = start_fails(&[
        "--upstream",
        "http://127.0.0.1:9",
        "--rules",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.contains("broken-rule.yaml"),
        "the output should name the file:\n{out}"
    );
    assert!(
        out.contains("unclosed quote"),
        "the output should say what is wrong:\n{out}"
    );
    assert!(!out.contains("scimshim listening"), "{out}");

    // A well-formed file with an invalid rule: the problem and its place are named.
    let file = dir.write(
        "bad-resource.yaml",
        "rules:\n  - id: bad.resource\n    description: d\n    when: { resource: [Userz] }\n    actions:\n      - respond: { status: 204 }\n",
    );
    let out = start_fails(&[
        "--upstream",
        "http://127.0.0.1:9",
        "--rules",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.contains("bad-resource.yaml"),
        "the output should name the file:\n{out}"
    );
    assert!(
        out.contains("`Userz` is not a SCIM resource type"),
        "the output should say what is wrong:\n{out}"
    );
}

#[test]
fn an_upstream_without_a_scheme_stops_serve_with_exit_2() {
    let out = start_fails(&["--upstream", "127.0.0.1:9"]);
    assert!(out.contains("127.0.0.1:9"), "{out}");
    assert!(
        out.contains("scheme"),
        "the output should say the scheme is missing:\n{out}"
    );
}

#[test]
fn a_secret_from_an_unset_variable_stops_serve_with_exit_2() {
    const VAR: &str = "SCIMSHIM_TEST_UNSET_SECRET_XYZ";
    assert!(
        std::env::var_os(VAR).is_none(),
        "{VAR} must not be set for this test"
    );
    let dir = TempDir::new("secret");
    let file = dir.write(
        "credential.yaml",
        &format!(
            "rules:\n  - id: backend.credential\n    description: send the backend's own token\n    actions:\n      \
             - set_credential: {{ scheme: bearer, from: {{ env: {VAR} }} }}\n"
        ),
    );
    let out = start_fails(&[
        "--upstream",
        "http://127.0.0.1:9",
        "--rules",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.contains(VAR),
        "the output should name the variable:\n{out}"
    );
    assert!(
        out.contains("credential.yaml"),
        "the output should name the file:\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_without_a_colon_is_refused_by_bearer_to_basic() {
    let (rec, shim) =
        through_recorder("", &["--rules", "rules/backends/bearer-to-basic.yaml"]).await;
    let reply = send(
        "GET",
        &shim.url("/scim/v2/Users"),
        &[("authorization", "Bearer justatoken")],
        None,
    )
    .await;
    reply.assert_status(401);
    assert_eq!(
        reply.header("x-scimshim-rule"),
        Some("backend.bearer-to-basic")
    );
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    check_error_body(&reply.json(), 401, None);
    assert_eq!(rec.requests().len(), 0, "nothing may be forwarded");

    // Control: a user:key token is converted and forwarded.
    let reply = send(
        "GET",
        &shim.url("/scim/v2/Users"),
        &[("authorization", "Bearer user:key")],
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        rec.only().header("authorization").as_deref(),
        Some("Basic dXNlcjprZXk=")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_request_targets_get_a_response_and_do_not_crash_the_proxy() {
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/api", rec.url()),
        "--rules",
        DIALECTS,
    ]);
    let long = format!("/scim/v2/Users/{}", "a".repeat(8192));
    let targets: Vec<Vec<u8>> = vec![
        b"/scim/v2/Users/%zz%?filter=%%%22%".to_vec(),
        b"/scim/v2/v2/v3/Users/%".to_vec(),
        long.clone().into_bytes(),
        b"/scim/v2/Users/caf\xc3\xa9".to_vec(),
        b"/scim/v2/Users/\xff\xfe".to_vec(),
    ];
    for target in &targets {
        for method in ["GET", "PATCH"] {
            let mut req = format!("{method} ").into_bytes();
            req.extend_from_slice(target);
            req.extend_from_slice(
                b" HTTP/1.1\r\nHost: client.test\r\nContent-Type: application/scim+json\r\nContent-Length: 2\r\n\
                  Connection: close\r\n\r\n{}",
            );
            let raw = client::raw(shim.addr, &req).await;
            let shown = String::from_utf8_lossy(&target[..target.len().min(60)]).into_owned();
            assert!(
                raw.starts_with("HTTP/1.1 "),
                "{method} {shown}: no HTTP response, got {raw:?}"
            );
            let status = parse_raw(&raw).status;
            assert!(
                (200..600).contains(&status),
                "{method} {shown}: status {status}"
            );
        }
    }
    // The 8 KB path was forwarded whole.
    assert!(
        rec.requests()
            .iter()
            .any(|r| r.target == format!("/api{}", &long["/scim/v2".len()..])),
        "the long path should arrive unchanged"
    );
    // Still alive and serving.
    let reply = send("GET", &shim.url("/scim/v2/Users?ok=1"), &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        rec.requests().last().map(|r| r.target.clone()).as_deref(),
        Some("/api/Users?ok=1")
    );
}
