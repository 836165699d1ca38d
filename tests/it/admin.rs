//! The admin listener (`--admin-listen`, `admin_listen:`): `/healthz`,
//! `/readyz` (503 until the upstream has answered once, unless told not to
//! wait), `/metrics` in the Prometheus text format, checked against a golden
//! file after a fixed script of requests, `/rules`, and 404/405 for anything
//! else. It stops with the proxy.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::client::{Reply, raw};
use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, TempDir, repo, send, through_recorder};

const GOLDEN: &str = "tests/fixtures/metrics.golden.txt";
/// Set to `1` to rewrite the golden file from this run (then review the diff).
const UPDATE: &str = "SCIMSHIM_UPDATE_GOLDEN";
const JSON: (&str, &str) = ("content-type", "application/scim+json");

/// The admin address from the `admin listening` log line.
fn admin_addr(shim: &Scimshim) -> SocketAddr {
    let line = shim.wait_log(|v| v["message"] == "admin listening");
    line["admin.listen"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no admin address in {line}"))
}

async fn get(admin: SocketAddr, path: &str) -> Reply {
    send("GET", &format!("http://{admin}{path}"), &[], None).await
}

fn text(r: &Reply) -> String {
    String::from_utf8(r.body.to_vec()).expect("UTF-8 body")
}

const ENTRA_RULES: &str = "rules:
  - id: entra.tag
    description: tags user requests
    when: {resource: [User]}
    actions:
      - set_header: {name: x-tag, value: entra}
  - id: entra.no-groups
    description: this backend has no groups
    when: {resource: [Group]}
    actions:
      - respond: {status: 200, empty_list: true}
";

const DEFAULT_RULES: &str = "rules:
  - id: default.tag
    description: tags user requests
    when: {resource: [User]}
    actions:
      - set_header: {name: x-tag, value: default}
  - id: default.mark-answer
    description: marks answers to user requests
    phase: response
    when: {resource: [User]}
    actions:
      - set_header: {name: x-answer, value: default}
";

/// A port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    l.local_addr().expect("addr").port()
}

fn canned(status: u16) -> Canned {
    if status == 204 {
        Canned {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    } else {
        Canned {
            status,
            ..Canned::default()
        }
    }
}

struct Setup {
    rec: Recorder,
    shim: Scimshim,
    admin: SocketAddr,
    dir: TempDir,
}

/// Three connections from a file that also names the admin listener:
/// `entra` (path prefix) with a tagging rule and a local answer for groups,
/// `down` (a header) whose upstream refuses connections, and `default`.
async fn three_connections() -> Setup {
    let rec = Recorder::start_script(
        [200, 404, 201, 200, 204, 200, 200, 200, 200]
            .into_iter()
            .map(canned)
            .collect(),
    )
    .await;
    let down = closed_port().await;
    let dir = TempDir::new("admin");
    dir.write("entra.yaml", ENTRA_RULES);
    dir.write("default.yaml", DEFAULT_RULES);
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "admin_listen: 127.0.0.1:0
upstream: {up}/scim/v2
connections:
  - name: entra
    match: {{path_prefix: /scim/v2/entra}}
    rules: [entra.yaml]
  - name: down
    match: {{header: {{name: x-test, value: down}}}}
    upstream: http://127.0.0.1:{down}/scim/v2
  - name: default
    rules: [default.yaml]
",
            up = rec.url()
        ),
    );
    let shim = Scimshim::start(&["--config", &config]);
    let admin = admin_addr(&shim);
    Setup {
        rec,
        shim,
        admin,
        dir,
    }
}

/// `/metrics` with only what must vary replaced:
/// - the histogram's bucket counts and sum depend on timing, so they become
///   `<n>` and `<sum>` (their structure is checked by
///   [`check_histogram`]; the `_count` is the number of forwarded requests
///   the upstream answered, and stays);
/// - the rule set's hash becomes `<hash>` once the line is checked equal to
///   what `/rules` says (the hash covers the temp dir's paths).
fn normalise(metrics: &str, rules: &Value) -> String {
    let info = format!(
        "scimshim_rule_set_info{{version=\"{}\",hash=\"{}\"}} 1",
        rules["version"],
        rules["hash"].as_str().expect("hash")
    );
    assert!(is_sha256(rules["hash"].as_str().unwrap_or_default()));
    assert!(
        metrics.lines().any(|l| l == info),
        "/metrics does not show the rule set of /rules ({info}):\n{metrics}"
    );
    let mut out = String::new();
    for line in metrics.lines() {
        let line = if line == info {
            format!(
                "scimshim_rule_set_info{{version=\"{}\",hash=\"<hash>\"}} 1",
                rules["version"]
            )
        } else if line.starts_with("scimshim_upstream_duration_seconds_bucket{") {
            let (series, _) = line.rsplit_once(' ').expect("a value");
            format!("{series} <n>")
        } else if line.starts_with("scimshim_upstream_duration_seconds_sum ") {
            "scimshim_upstream_duration_seconds_sum <sum>".to_string()
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The histogram's buckets are the fixed bounds in order, cumulative, ending
/// with `+Inf` equal to `_count`; the sum is positive.
fn check_histogram(metrics: &str) -> u64 {
    let prefix = "scimshim_upstream_duration_seconds_bucket{le=\"";
    let buckets: Vec<(String, u64)> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|rest| {
            let (le, n) = rest.split_once("\"} ").expect("bucket line");
            (le.to_string(), n.parse().expect("count"))
        })
        .collect();
    let les: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
    assert_eq!(
        les,
        [
            "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"
        ]
    );
    assert!(
        buckets.windows(2).all(|w| w[0].1 <= w[1].1),
        "buckets are not cumulative: {buckets:?}"
    );
    let value = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {name}"))
            .to_string()
    };
    let count: u64 = value("scimshim_upstream_duration_seconds_count")
        .parse()
        .expect("count");
    let sum: f64 = value("scimshim_upstream_duration_seconds_sum")
        .parse()
        .expect("sum");
    assert_eq!(buckets.last().map(|b| b.1), Some(count));
    assert!(sum > 0.0 && sum < 60.0, "sum {sum}");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_a_scripted_session_match_the_golden_file() {
    let s = three_connections().await;
    let url = |p: &str| s.shim.url(p);

    // Not ready until the upstream has answered: a rule's local answer and a
    // refused connection do not count.
    let r = get(s.admin, "/readyz").await;
    r.assert_status(503);
    assert_eq!(
        text(&r),
        "not ready: the upstream has not answered a request yet\n"
    );
    send("GET", &url("/scim/v2/entra/Groups"), &[], None)
        .await
        .assert_status(200);
    send("GET", &url("/scim/v2/Users"), &[("x-test", "down")], None)
        .await
        .assert_status(502);
    get(s.admin, "/readyz").await.assert_status(503);

    let user = Some(r#"{"userName":"a"}"#);
    // (method, path, upstream's answer or the proxy's)
    let script: [(&str, &str, Option<&str>, u16); 10] = [
        ("GET", "/scim/v2/entra/Users", None, 200),
        ("GET", "/scim/v2/entra/Users/1", None, 404),
        ("POST", "/scim/v2/Users", user, 201),
        ("PATCH", "/scim/v2/Users/7", user, 200),
        ("DELETE", "/scim/v2/Users/7", None, 204),
        ("PUT", "/scim/v2/Users/7", user, 200),
        ("OPTIONS", "/scim/v2/Users", None, 200),
        ("GET", "/scim/v2/ServiceProviderConfig", None, 200),
        ("GET", "/elsewhere", None, 404),
        ("GET", "/scim/v2/entra/Users", None, 200),
    ];
    for (i, (method, path, body, status)) in script.into_iter().enumerate() {
        let headers: &[(&str, &str)] = if body.is_some() { &[JSON] } else { &[] };
        send(method, &url(path), headers, body)
            .await
            .assert_status(status);
        if i == 0 {
            let r = get(s.admin, "/readyz").await;
            r.assert_status(200);
            assert_eq!(text(&r), "ready\n");
        }
    }
    assert_eq!(s.rec.requests().len(), 9);

    let r = get(s.admin, "/metrics").await;
    r.assert_status(200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let metrics = text(&r);
    // Every forwarded request the upstream answered is observed once.
    assert_eq!(check_histogram(&metrics), 9);
    let rules = get(s.admin, "/rules").await.json();
    let got = normalise(&metrics, &rules);
    let path = repo(GOLDEN);
    if std::env::var(UPDATE).as_deref() == Ok("1") {
        std::fs::write(&path, &got).expect("write the golden file");
    }
    let want = std::fs::read_to_string(&path).expect("read the golden file");
    assert!(
        got == want,
        "/metrics differs from {GOLDEN} (rerun with {UPDATE}=1 to rewrite it, then review the diff)\n\
         --- got:\n{got}--- want:\n{want}"
    );
    drop(s.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_shows_each_loaded_file_with_its_hash() {
    let s = three_connections().await;
    let r = get(s.admin, "/rules").await;
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let keys: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["version", "hash", "loaded_at", "files", "last_error"]
    );
    assert_eq!(v["version"], 1);
    let hash = v["hash"].as_str().expect("hash");
    assert!(is_sha256(hash), "{hash}");
    let loaded_at = v["loaded_at"].as_str().expect("loaded_at");
    assert!(
        loaded_at.len() == 20 && loaded_at.ends_with('Z') && loaded_at.as_bytes()[10] == b'T',
        "{loaded_at}"
    );
    assert_eq!(v["last_error"], Value::Null);
    let files: Vec<(String, String, String)> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let keys: Vec<&String> = f.as_object().expect("a file").keys().collect();
            assert_eq!(keys, ["connection", "path", "sha256"]);
            let path = f["path"].as_str().expect("path").to_string();
            let sha = f["sha256"].as_str().expect("sha256").to_string();
            assert_eq!(sha, sha256sum(&path), "{path}");
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            (f["connection"].as_str().unwrap().to_string(), name, sha)
        })
        .collect();
    let names: Vec<(&str, &str)> = files
        .iter()
        .map(|(c, n, _)| (c.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        names,
        [("entra", "entra.yaml"), ("default", "default.yaml")]
    );
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The SHA-256 of a file, by `sha256sum`.
fn sha256sum(path: &str) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_up_from_the_start_and_readyz_waits_for_the_upstream() {
    let (_rec, shim) = through_recorder("/scim/v2", &["--admin-listen", "127.0.0.1:0"]).await;
    let admin = admin_addr(&shim);
    let r = get(admin, "/healthz").await;
    r.assert_status(200);
    assert_eq!(text(&r), "ok\n");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    get(admin, "/readyz").await.assert_status(503);
    send("GET", &shim.url("/scim/v2/Users"), &[], None)
        .await
        .assert_status(200);
    get(admin, "/readyz").await.assert_status(200);
    get(admin, "/healthz").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_need_not_wait_for_the_upstream_and_variables_configure_it() {
    let rec = Recorder::start(Canned::default()).await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start_with_env(
        &["--upstream", &upstream],
        &[
            ("SCIMSHIM_ADMIN_LISTEN", "127.0.0.1:0"),
            ("SCIMSHIM_READYZ_REQUIRES_UPSTREAM", "false"),
        ],
    );
    let admin = admin_addr(&shim);
    let r = get(admin, "/readyz").await;
    r.assert_status(200);
    assert_eq!(text(&r), "ready\n");
    assert!(rec.requests().is_empty());

    let flag = Scimshim::start(&[
        "--upstream",
        &upstream,
        "--admin-listen",
        "127.0.0.1:0",
        "--readyz-requires-upstream",
        "false",
    ]);
    get(admin_addr(&flag), "/readyz").await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_are_404_other_methods_405_and_head_has_no_body() {
    let (_rec, shim) = through_recorder("/scim/v2", &["--admin-listen", "127.0.0.1:0"]).await;
    let admin = admin_addr(&shim);
    for path in ["/", "/metrics/", "/scim/v2/Users", "/healthz/x"] {
        get(admin, path).await.assert_status(404);
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = send(method, &format!("http://{admin}/metrics"), &[], Some("x")).await;
        r.assert_status(405);
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    let head = raw(
        admin,
        b"HEAD /healthz HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("content-length: 3\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "HEAD got a body: {head:?}");
    // The proxy's own port serves no admin paths.
    send("GET", &shim.url("/healthz"), &[], None)
        .await
        .assert_status(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_there_is_no_admin_listener() {
    let (_rec, shim) = through_recorder("/scim/v2", &[]).await;
    send("GET", &shim.url("/scim/v2/Users"), &[], None)
        .await
        .assert_status(200);
    assert!(
        !shim
            .logs()
            .iter()
            .any(|v| v["message"] == "admin listening"),
        "{}",
        shim.raw_logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_listener_stops_with_the_proxy() {
    let (_rec, shim) = through_recorder("/scim/v2", &["--admin-listen", "127.0.0.1:0"]).await;
    let admin = admin_addr(&shim);
    get(admin, "/healthz").await.assert_status(200);
    let status = shim.terminate();
    assert!(status.success(), "{status}");
    let refused = tokio::net::TcpStream::connect(admin).await;
    assert!(refused.is_err(), "the admin port still accepts");
}
