//! The process lifecycle through the real binary: on SIGTERM scimshim stops
//! accepting, lets requests in flight finish within `--shutdown-grace`, and
//! exits 0; a request longer than the grace is cut at the grace. At start-up
//! one `scimshim listening` line names the version, every listener, the
//! upstreams and the rule set's hash, and no start-up line shows a secret.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::support::client::raw;
use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, TempDir, send};

/// A recording upstream that holds every answer for `delay`, and scimshim in
/// front of it with `--shutdown-grace grace`.
async fn slow_upstream(delay: Duration, grace: &str) -> (Recorder, Scimshim) {
    let rec = Recorder::start(Canned {
        delay,
        ..Canned::default()
    })
    .await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start(&["--upstream", &upstream, "--shutdown-grace", grace]);
    (rec, shim)
}

/// Polls until the upstream has received `n` requests (the request is then
/// in flight inside scimshim), up to 10 s.
async fn until_upstream_has(rec: &Recorder, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while rec.requests().len() < n {
        assert!(
            Instant::now() < deadline,
            "the upstream never saw request {n}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls until a new TCP connection to `addr` is refused, up to 10 s.
async fn until_refused(addr: SocketAddr) -> std::io::Error {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) => return e,
            Ok(_) => {
                assert!(
                    Instant::now() < deadline,
                    "{addr} still accepts connections 10 s after SIGTERM"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_refuses_new_connections_drains_the_request_in_flight_and_exits_0() {
    let (rec, shim) = slow_upstream(Duration::from_secs(3), "10s").await;
    let addr = shim.addr;
    let url = shim.url("/scim/v2/Users/abc");
    let in_flight = tokio::spawn(async move { send("GET", &url, &[], None).await });
    until_upstream_has(&rec, 1).await;

    let sent_term = Instant::now();
    let exited = tokio::task::spawn_blocking(move || shim.terminate());
    let refused = until_refused(addr).await;
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(
        !in_flight.is_finished(),
        "the request in flight finished before the listener closed: the test proves nothing"
    );

    let reply = in_flight.await.unwrap();
    reply.assert_status(200);
    assert_eq!(&reply.body[..], br#"{"ok":true}"#);
    let status = exited.await.unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    // It waited for the request (the upstream held it 3 s), not for the
    // 10 s grace.
    let took = sent_term.elapsed();
    assert!(took < Duration::from_secs(9), "exit took {took:?}");
    assert_eq!(rec.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_longer_than_the_grace_is_cut_and_the_exit_is_still_0() {
    let (rec, shim) = slow_upstream(Duration::from_secs(60), "1s").await;
    let addr = shim.addr;
    let cut = tokio::spawn(async move {
        raw(
            addr,
            b"GET /scim/v2/Users/abc HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await
    });
    until_upstream_has(&rec, 1).await;

    let sent_term = Instant::now();
    let status = tokio::task::spawn_blocking(move || shim.terminate())
        .await
        .unwrap();
    let took = sent_term.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        took >= Duration::from_secs(1),
        "exited after {took:?}, before the 1 s grace was over"
    );
    assert!(
        took < Duration::from_secs(8),
        "exited after {took:?}: the 1 s grace did not bound the wait for a 60 s request"
    );
    // The client got no answer: its connection closed with the process.
    assert_eq!(cut.await.unwrap(), "");
}

/// The one `scimshim listening` event, waiting for it; fails if there are more.
fn listening_event(shim: &Scimshim) -> Value {
    shim.wait_log(|v| v["message"] == "scimshim listening");
    let all: Vec<Value> = shim
        .logs()
        .into_iter()
        .filter(|v| v["message"] == "scimshim listening")
        .collect();
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap()
}

const RULE: &str = "rules:
  - id: site.mark
    description: marks requests
    actions:
      - set_header: {name: x-mark, value: one}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_logs_the_version_every_listener_the_upstream_and_the_rule_set_hash() {
    let dir = TempDir::new("lifecycle-listening");
    let rules = dir.write("site.yaml", RULE);
    let upstream = "http://127.0.0.1:9/scim/v2";
    let args = [
        "--upstream",
        upstream,
        "--rules",
        rules.as_str(),
        "--admin-listen",
        "127.0.0.1:0",
    ];
    let shim = Scimshim::start(&args);
    let line = listening_event(&shim);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(line["listen"], shim.addr.to_string());
    assert_eq!(line["upstream"], upstream);
    assert_eq!(line["base_path"], "/scim/v2");
    assert_eq!(line["rules.count"], 1);
    assert_eq!(line["rules.files"], 1);
    let admin: SocketAddr = line["admin.listen"].as_str().unwrap().parse().unwrap();
    assert_ne!(admin, shim.addr);
    let hash = line["rules.hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64, "{hash}");
    assert!(
        hash.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{hash}"
    );
    // The admin listener is the one named, and reports the same hash.
    send("GET", &format!("http://{admin}/healthz"), &[], None)
        .await
        .assert_status(200);
    let report = send("GET", &format!("http://{admin}/rules"), &[], None).await;
    report.assert_status(200);
    assert_eq!(report.json()["hash"], hash.as_str());

    // Same files, same hash; one byte changed, another hash.
    let again = Scimshim::start(&args);
    assert_eq!(listening_event(&again)["rules.hash"], hash.as_str());
    drop(again);
    dir.write("site.yaml", &RULE.replace("value: one", "value: two"));
    let changed = Scimshim::start(&args);
    let other = listening_event(&changed)["rules.hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(other.len(), 64);
    assert_ne!(other, hash);

    // Without --admin-listen there is no admin listener to name.
    let plain = Scimshim::start(&["--upstream", upstream, "--rules", rules.as_str()]);
    assert_eq!(listening_event(&plain)["admin.listen"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_logs_never_show_a_secret_even_at_trace() {
    const OKTA_TOKEN: &str = "okta-token-5b0e2c7a91";
    const RULE_SECRET: &str = "rule-secret-e83f10d4";
    const BACKEND_PASSWORD: &str = "backend-pw-9d2e77";
    const URL_PASSWORD: &str = "url-pw-41c7aa";
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("lifecycle-secrets");
    dir.write(
        "creds.yaml",
        "rules:
  - id: okta.backend-key
    description: the backend's own key
    actions:
      - set_credential: {scheme: bearer, from: {env: LC_RULE_SECRET}}
",
    );
    dir.write("backend.cred", &format!("svc:{BACKEND_PASSWORD}\n"));
    dir.write(
        "hashes",
        "# the IdP token's hash\n9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
    );
    let port = rec.addr.port();
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "upstream: http://127.0.0.1:{port}/scim/v2
connections:
  - name: okta
    match: {{bearer_token: {{env: LC_OKTA_TOKEN}}}}
    rules: [creds.yaml]
  - name: entra
    match: {{path_prefix: /scim/v2/entra}}
    inbound_auth: {{token_sha256_file: hashes}}
    upstream_credential: {{value_from: {{file: backend.cred}}, scheme: basic}}
  - name: default
"
        ),
    );
    let shim = Scimshim::start_with_env(
        &["--config", &config, "--admin-listen", "127.0.0.1:0"],
        &[
            ("SCIMSHIM_LOG", "trace"),
            ("LC_OKTA_TOKEN", OKTA_TOKEN),
            ("LC_RULE_SECRET", RULE_SECRET),
        ],
    );
    let line = listening_event(&shim);
    let url = format!("http://127.0.0.1:{port}/scim/v2");
    assert_eq!(
        line["upstream"],
        format!("okta={url}, entra={url}, default={url}")
    );
    let logs = shim.raw_logs();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("svc:{BACKEND_PASSWORD}"));
    for secret in [OKTA_TOKEN, RULE_SECRET, BACKEND_PASSWORD, basic.as_str()] {
        assert!(
            !logs.contains(secret),
            "`{secret}` is in the start-up logs:\n{logs}"
        );
    }
    assert_eq!(shim.terminate().code(), Some(0));

    // Credentials in an upstream URL would reach the backend's Host header:
    // refused at load, and the refusal does not repeat them.
    let bad = dir.write(
        "bad.yaml",
        &format!(
            "upstream: http://admin-user:{URL_PASSWORD}@127.0.0.1:{port}/scim/v2\nconnections:\n  - name: default\n"
        ),
    );
    let out = crate::support::scimshim::run(&["serve", "--config", &bad]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("carries credentials"), "{all}");
    assert!(!all.contains(URL_PASSWORD), "{all}");
}
