//! Inbound authentication and the backend's own credential, through the real
//! binary: a missing or wrong bearer token gets a SCIM 401 and never reaches
//! the upstream or a rule; a right one is forwarded with the backend's
//! credential instead; hash files may hold comments; `scimshim hash-token`
//! makes lines that `serve` accepts.
//!
//! The last test is the suite's secret grep: one deployment that uses every
//! kind of secret scimshim handles (inbound tokens from a hash file and
//! inline, the backend credential from the environment and from a file, a
//! bearer-token match, `bearer_to_basic`, `set_credential`), run at `--log
//! debug` and `--log-values full`, and every line it and `check` print is
//! searched for each secret and its base64 forms.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;

use crate::support::recorder::Canned;
use crate::support::scimshim::bin;
use crate::support::{Recorder, Scimshim, TempDir, send};

const ENTRA_TOKEN: &str = "entra-in-3f9a7c1d5e2b";
/// `printf %s entra-in-3f9a7c1d5e2b | sha256sum`
const ENTRA_HASH: &str = "e71da3af5703d7d2ea64bb5ec1b6986a09197b57a0fc34026dad8e5895f8b66d";
const SECOND_TOKEN: &str = "entra-in-second-77aa01bc";
const SECOND_HASH: &str = "b13f2d5da4e715a86e9c04b0c3762404aee3fbf776e1a69352d4f2c449321772";
const OKTA_TOKEN: &str = "okta-in-b7e4c2a9f1d3";
const OKTA_HASH: &str = "30ea69939a5f2f3db647f9ddc002b36720b5307e0701342397253c5a9b7a9d58";
const WRONG_TOKEN: &str = "wrong-in-0c1d2e3f4a5b";
const BACKEND_ENV_SECRET: &str = "backend-env-9a8b7c6d5e4f";
const BACKEND_FILE_SECRET: &str = "svc-user:backend-file-1f2e3d4c5b6a";
const LEGACY_PAIR: &str = "legacy-user:legacy-key-6e5d4c3b2a19";
const SETCRED_SECRET: &str = "setcred-2b3c4d5e6f70";

const JSON: (&str, &str) = ("content-type", "application/scim+json");
const USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada"}"#;

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A rule that answers every user GET itself: if it ever answered a request
/// without a token, rules would have seen an unauthenticated request.
const LOCAL_RULES: &str = "rules:
  - id: test.answer-users-locally
    description: answers user reads without the backend
    when: {method: [GET], resource: [User], endpoint: [collection]}
    actions:
      - respond: {status: 200, empty_list: true}
";

/// `scimshim hash-token ARGS` with `stdin` piped in.
fn hash_token(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin())
        .arg("hash-token")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hash-token");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    crate::support::scimshim::keep_output(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    out
}

/// The single connection of the flags: a hash file, the backend's bearer
/// credential from the environment, and [`LOCAL_RULES`].
async fn flags_setup(hash_file: &str) -> (Recorder, Scimshim, TempDir) {
    let dir = TempDir::new("inbound-auth");
    let hashes = dir.write("tokens.sha256", hash_file);
    let rules = dir.write("local.yaml", LOCAL_RULES);
    let rec = Recorder::start(Canned::default()).await;
    let up = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start_with_env(
        &[
            "--upstream",
            &up,
            "--rules",
            &rules,
            "--inbound-token-sha256-file",
            &hashes,
            "--upstream-credential-env",
            "IT_AUTH_BACKEND",
            "--upstream-credential-scheme",
            "bearer",
        ],
        &[("IT_AUTH_BACKEND", BACKEND_ENV_SECRET)],
    );
    (rec, shim, dir)
}

#[track_caller]
fn assert_scim_401(r: &crate::support::client::Reply, challenge: &str) {
    r.assert_status(401);
    assert_eq!(r.header("www-authenticate"), Some(challenge));
    assert_eq!(r.header("x-scimshim-error"), Some("unauthenticated"));
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    let body = r.json();
    assert_eq!(
        body["schemas"],
        serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], "401");
}

const NO_CREDENTIALS: &str = r#"Bearer realm="scimshim""#;
const BAD_TOKEN: &str = r#"Bearer realm="scimshim", error="invalid_token""#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_wrong_tokens_get_a_scim_401_and_reach_neither_rules_nor_upstream() {
    let (rec, shim, _dir) = flags_setup(&format!("{ENTRA_HASH}\n")).await;

    let r = send("GET", &shim.url("/scim/v2/Groups"), &[], None).await;
    assert_scim_401(&r, NO_CREDENTIALS);
    assert_eq!(
        r.json()["detail"],
        "authentication required: send one `Authorization: Bearer <token>` header"
    );
    // The local rule would answer 200 if it ran.
    let r = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    assert_scim_401(&r, NO_CREDENTIALS);
    assert_eq!(r.header("x-scimshim-rule"), None);
    let wrong = bearer(WRONG_TOKEN);
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON, ("authorization", &wrong)],
        Some(USER),
    )
    .await;
    assert_scim_401(&r, BAD_TOKEN);
    assert_eq!(
        r.json()["detail"],
        "authentication failed: the bearer token is not accepted"
    );
    // A longer or shorter token is just as wrong.
    for near in [&ENTRA_TOKEN[1..], &format!("{ENTRA_TOKEN}x")] {
        let r = send(
            "GET",
            &shim.url("/scim/v2/Users"),
            &[("authorization", &bearer(near))],
            None,
        )
        .await;
        assert_scim_401(&r, BAD_TOKEN);
    }
    // Another scheme, even with the right secret, is not a bearer token.
    let basic = format!("Basic {}", STANDARD.encode(ENTRA_TOKEN));
    let r = send(
        "GET",
        &shim.url("/scim/v2/Groups"),
        &[("authorization", &basic)],
        None,
    )
    .await;
    assert_scim_401(&r, NO_CREDENTIALS);
    // Outside the base path too: nothing is answered before authentication.
    let r = send("GET", &shim.url("/elsewhere"), &[], None).await;
    assert_scim_401(&r, NO_CREDENTIALS);
    assert!(rec.requests().is_empty(), "{:#?}", rec.requests());

    // Each refusal is logged as a failed request, with why, never the token.
    let events = shim.request_events(7);
    assert!(events.iter().all(|e| e["message"] == "request failed"
        && e["http.status"] == 401
        && e["error.origin"] == "client"
        && e["error.kind"] == "unauthenticated"
        && e["connection"] == "default"));
    let reasons: Vec<Value> = shim
        .logs()
        .into_iter()
        .filter(|l| l["message"] == "proxy error" && l["error.kind"] == "unauthenticated")
        .map(|l| l["detail"].clone())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "no Authorization header",
            "no Authorization header",
            "the bearer token is not one of the accepted tokens",
            "the bearer token is not one of the accepted tokens",
            "the bearer token is not one of the accepted tokens",
            "the Authorization header is not a bearer token",
            "no Authorization header",
        ]
    );
    assert!(!shim.raw_logs().contains(WRONG_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_token_is_forwarded_with_the_backend_credential_instead() {
    let (rec, shim, _dir) = flags_setup(&format!("{ENTRA_HASH}\n")).await;
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON, ("authorization", &bearer(ENTRA_TOKEN))],
        Some(USER),
    )
    .await;
    r.assert_status(200);
    let got = rec.only();
    assert_eq!(got.target, "/scim/v2/Users");
    assert_eq!(got.header_count("authorization"), 1);
    assert_eq!(
        got.header("authorization"),
        Some(bearer(BACKEND_ENV_SECRET))
    );
    assert!(
        got.headers
            .iter()
            .all(|(_, v)| !String::from_utf8_lossy(v).contains(ENTRA_TOKEN)),
        "the IdP's token reached the backend: {:#?}",
        got.headers
    );
    assert_eq!(got.body, USER.as_bytes());
    // Rules run once the client is authenticated.
    let r = send(
        "GET",
        &shim.url("/scim/v2/Users"),
        &[("authorization", &bearer(ENTRA_TOKEN))],
        None,
    )
    .await;
    r.assert_status(200);
    assert_eq!(
        r.header("x-scimshim-rule"),
        Some("test.answer-users-locally")
    );
    // ENTRA-16: an admin who pasted `Bearer <token>` into Entra.
    let doubled = format!("Bearer Bearer {ENTRA_TOKEN}");
    let r = send(
        "GET",
        &shim.url("/scim/v2/Groups"),
        &[("authorization", &doubled)],
        None,
    )
    .await;
    r.assert_status(200);
    assert_eq!(rec.requests().len(), 2);
    let events = shim.request_events(3);
    assert!(events.iter().all(|e| e["message"] == "request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_files_hold_comments_and_each_connection_its_own_tokens() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("inbound-auth-file");
    dir.write(
        "entra.sha256",
        &format!(
            "# Entra ID, production tenant\n\n{ENTRA_HASH}   # rotated 2024-05\n  \
             # the next token, already configured in the IdP:\n{}\n",
            SECOND_HASH.to_uppercase()
        ),
    );
    dir.write("backend.secret", &format!("{BACKEND_FILE_SECRET}\n"));
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "upstream: {}/scim/v2
connections:
  - name: entra
    match: {{path_prefix: /scim/v2/entra}}
    inbound_auth: {{token_sha256_file: entra.sha256}}
  - name: okta
    match: {{path_prefix: /scim/v2/okta}}
    inbound_auth:
      token_sha256: [{OKTA_HASH}]
    upstream_credential:
      value_from: {{file: backend.secret}}
      scheme: basic
",
            rec.url()
        ),
    );
    let shim = Scimshim::start(&["--config", &config]);
    for token in [ENTRA_TOKEN, SECOND_TOKEN] {
        let r = send(
            "GET",
            &shim.url("/scim/v2/entra/Users"),
            &[("authorization", &bearer(token))],
            None,
        )
        .await;
        r.assert_status(200);
    }
    // Without `upstream_credential` the IdP's header goes on as it came.
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("authorization"), Some(bearer(ENTRA_TOKEN)));
    // One connection's token does not open another.
    let r = send(
        "GET",
        &shim.url("/scim/v2/okta/Users"),
        &[("authorization", &bearer(ENTRA_TOKEN))],
        None,
    )
    .await;
    assert_scim_401(&r, BAD_TOKEN);
    let r = send(
        "GET",
        &shim.url("/scim/v2/entra/Users"),
        &[("authorization", &bearer(OKTA_TOKEN))],
        None,
    )
    .await;
    assert_scim_401(&r, BAD_TOKEN);
    let r = send(
        "GET",
        &shim.url("/scim/v2/okta/Groups"),
        &[("authorization", &bearer(OKTA_TOKEN))],
        None,
    )
    .await;
    r.assert_status(200);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].target, "/scim/v2/Groups");
    assert_eq!(
        reqs[2].header("authorization"),
        Some(format!("Basic {}", STANDARD.encode(BACKEND_FILE_SECRET)))
    );
    let events = shim.request_events(5);
    let by_conn: Vec<(String, u64)> = events
        .iter()
        .map(|e| {
            (
                e["connection"].as_str().unwrap().to_string(),
                e["http.status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_conn,
        [
            ("entra", 200),
            ("entra", 200),
            ("okta", 401),
            ("entra", 401),
            ("okta", 200)
        ]
        .map(|(c, s)| (c.to_string(), s))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_token_prints_the_lines_serve_accepts() {
    // A token from standard input: the hash line alone, exactly.
    let out = hash_token(&[], &format!("{ENTRA_TOKEN}\n"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{ENTRA_HASH}\n")
    );
    assert!(out.stderr.is_empty());
    // A new token: shown once on standard error, its hash (with a note) on
    // standard output.
    let out = hash_token(&["--generate", "--comment", "okta prod"], "");
    assert!(out.status.success(), "{out:?}");
    let generated = String::from_utf8(out.stderr).unwrap().trim().to_string();
    assert_eq!(generated.len(), 43, "{generated:?}");
    assert!(
        generated
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(!line.contains(&generated));
    let (hash, note) = line.trim_end().split_once("  # ").unwrap();
    assert_eq!(note, "okta prod");
    assert_eq!(hash.len(), 64);
    // The same token through stdin gives the same hash.
    let again = hash_token(&[], &generated);
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        format!("{hash}\n")
    );

    let file = format!("{ENTRA_HASH}\n{line}");
    let (rec, shim, _dir) = flags_setup(&file).await;
    for token in [ENTRA_TOKEN, generated.as_str()] {
        let r = send(
            "GET",
            &shim.url("/scim/v2/Groups"),
            &[("authorization", &bearer(token))],
            None,
        )
        .await;
        r.assert_status(200);
    }
    let r = send(
        "GET",
        &shim.url("/scim/v2/Groups"),
        &[("authorization", &bearer(OKTA_TOKEN))],
        None,
    )
    .await;
    assert_scim_401(&r, BAD_TOKEN);
    assert_eq!(rec.requests().len(), 2);

    // Nothing to hash, or more than a token: an error that does not echo it.
    let out = hash_token(&[], "");
    assert_eq!(out.status.code(), Some(2));
    let out = hash_token(&[], &format!("Bearer {WRONG_TOKEN}\n"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("give only the token"), "{err}");
    assert!(!err.contains(WRONG_TOKEN), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_hash_files_and_credentials_are_reported_without_quoting_them() {
    let dir = TempDir::new("inbound-auth-bad");
    // A token pasted where its hash belongs.
    let hashes = dir.write("tokens.sha256", &format!("{ENTRA_HASH}\n{WRONG_TOKEN}\n"));
    let started = Scimshim::try_start(
        &[
            "--upstream",
            "http://127.0.0.1:9/scim/v2",
            "--inbound-token-sha256-file",
            &hashes,
        ],
        &[],
    );
    let Err((why, logs)) = started else {
        panic!("serve started with a token in its hash file");
    };
    assert!(why.contains("exit status: 2"), "{why}");
    let logs = logs.join("\n");
    assert!(logs.contains("line 2"), "{logs}");
    assert!(!logs.contains(WRONG_TOKEN), "{logs}");

    dir.write("basic.secret", "no-colon-here\n");
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "upstream: http://127.0.0.1:9/scim/v2
connections:
  - name: legacy
    match: {{bearer_token: {{env: IT_AUTH_LEGACY}}}}
    inbound_auth: {{token_sha256: [{ENTRA_HASH}]}}
  - name: entra
    match: {{path_prefix: /scim/v2/entra}}
    inbound_auth:
      token_sha256_file: tokens.sha256
      token_sha256: [{WRONG_TOKEN}]
  - name: okta
    match: {{path_prefix: /scim/v2/okta}}
    upstream_credential: {{value_from: {{file: basic.secret}}, scheme: basic}}
  - name: empty
    inbound_auth: {{}}
"
        ),
    );
    let out = Command::new(bin())
        .args(["check", "--config", &config])
        .env("IT_AUTH_LEGACY", LEGACY_PAIR)
        .output()
        .unwrap();
    crate::support::scimshim::keep_output(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let messages: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("warning:"))
        .collect();
    assert_eq!(
        messages,
        [
            "error: `inbound_auth` on a connection with a `bearer_token` match",
            "error: not a hex SHA-256 hash (64 hex digits)",
            "warning: connection `okta` gives any client the backend's credential",
            "error: a basic credential must have the form user:password",
            "error: `inbound_auth` names no token hashes",
            "error: line 2 is not a hex SHA-256 hash (64 hex digits)",
        ],
        "{text}"
    );
    for secret in [WRONG_TOKEN, LEGACY_PAIR, "no-colon-here"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
}

/// A request to send: method, path, headers, body, and the status expected.
type Call<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<&'a str>,
    u16,
);

/// Every way `secret` could show up in a log line: as it is, and base64 in
/// the standard and URL-safe alphabets, with and without padding (a `Basic`
/// header, say).
fn forms(secret: &str) -> Vec<String> {
    let mut all = vec![secret.to_string()];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        all.push(engine.encode(secret));
    }
    // The part after `user:` is a secret on its own.
    if let Some((_, password)) = secret.split_once(':') {
        all.push(password.to_string());
    }
    all
}

/// The suite's secret grep. One deployment uses every kind of secret
/// scimshim handles; it runs at the most verbose settings an operator has
/// (`--log debug`, `--log-values full`), serves accepted and refused
/// requests on every connection, and then all it printed, and all that
/// `scimshim check` prints about it, is searched for every secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_any_log_line() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("inbound-auth-secrets");
    dir.write("entra.sha256", &format!("# entra\n{ENTRA_HASH}\n"));
    dir.write("backend.secret", &format!("{BACKEND_FILE_SECRET}\n"));
    dir.write(
        "legacy.yaml",
        "rules:
  - id: test.legacy-basic
    description: the legacy backend wants Basic
    actions:
      - bearer_to_basic: {}
",
    );
    dir.write(
        "jc.yaml",
        "rules:
  - id: test.jc-credential
    description: the JumpCloud backend's own key
    actions:
      - set_credential: {scheme: token, from: {env: IT_SECRETS_SETCRED}}
",
    );
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "upstream: {}/scim/v2
connections:
  - name: entra
    match: {{path_prefix: /scim/v2/entra}}
    inbound_auth: {{token_sha256_file: entra.sha256}}
    upstream_credential: {{value_from: {{env: IT_SECRETS_BACKEND}}, scheme: bearer}}
  - name: okta
    match: {{path_prefix: /scim/v2/okta}}
    inbound_auth: {{token_sha256: [{OKTA_HASH}]}}
    upstream_credential:
      header: x-api-key
      value_from: {{file: backend.secret}}
      scheme: none
  - name: legacy
    match: {{bearer_token: {{env: IT_SECRETS_LEGACY}}}}
    rules: [legacy.yaml]
  - name: jc
    match: {{header: {{name: x-scimshim-connection, value: jumpcloud}}}}
    rules: [jc.yaml]
",
            rec.url()
        ),
    );
    let env = [
        ("IT_SECRETS_BACKEND", BACKEND_ENV_SECRET),
        ("IT_SECRETS_LEGACY", LEGACY_PAIR),
        ("IT_SECRETS_SETCRED", SETCRED_SECRET),
    ];
    let shim = Scimshim::start_with_env(
        &[
            "--config",
            &config,
            "--log",
            "debug",
            "--log-values",
            "full",
        ],
        &env,
    );
    let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#;
    let (entra, okta, legacy, wrong) = (
        bearer(ENTRA_TOKEN),
        bearer(OKTA_TOKEN),
        bearer(LEGACY_PAIR),
        bearer(WRONG_TOKEN),
    );
    let jc = ("x-scimshim-connection", "jumpcloud");
    let calls: Vec<Call> = vec![
        (
            "POST",
            "/scim/v2/entra/Users",
            vec![JSON, ("authorization", &entra)],
            Some(USER),
            200,
        ),
        (
            "PATCH",
            "/scim/v2/entra/Users/1",
            vec![JSON, ("authorization", &entra)],
            Some(patch),
            200,
        ),
        (
            "GET",
            "/scim/v2/entra/Users",
            vec![("authorization", &wrong)],
            None,
            401,
        ),
        (
            "GET",
            "/scim/v2/entra/Users",
            vec![("authorization", &okta)],
            None,
            401,
        ),
        (
            "POST",
            "/scim/v2/okta/Users",
            vec![JSON, ("authorization", &okta)],
            Some(USER),
            200,
        ),
        (
            "GET",
            "/scim/v2/okta/Groups",
            vec![("authorization", &entra)],
            None,
            401,
        ),
        (
            "POST",
            "/scim/v2/Users",
            vec![JSON, ("authorization", &legacy)],
            Some(USER),
            200,
        ),
        (
            "GET",
            "/scim/v2/Users",
            vec![jc, ("authorization", &wrong)],
            None,
            200,
        ),
        (
            "PATCH",
            "/scim/v2/Users/1",
            vec![JSON, jc],
            Some(patch),
            200,
        ),
    ];
    for (method, path, headers, body, status) in &calls {
        let r = send(method, &shim.url(path), headers, *body).await;
        assert_eq!(r.status, *status, "{method} {path}");
    }
    shim.request_events(calls.len());

    // Every secret was really in play: the backends got the credentials.
    let got: Vec<(Option<String>, Option<String>)> = rec
        .requests()
        .iter()
        .map(|r| (r.header("authorization"), r.header("x-api-key")))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(bearer(BACKEND_ENV_SECRET)), None),
            (Some(bearer(BACKEND_ENV_SECRET)), None),
            (None, Some(BACKEND_FILE_SECRET.to_string())),
            (
                Some(format!("Basic {}", STANDARD.encode(LEGACY_PAIR))),
                None
            ),
            (Some(format!("token {SETCRED_SECRET}")), None),
            (Some(format!("token {SETCRED_SECRET}")), None),
        ]
    );

    let mut printed = shim.raw_logs();
    drop(shim);
    for args in [
        vec!["check", "--config", &config],
        vec!["check", "--config", &config, "--format", "json"],
    ] {
        let mut cmd = Command::new(bin());
        cmd.args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        crate::support::scimshim::keep_output(&format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        printed.push_str(&String::from_utf8_lossy(&out.stdout));
        printed.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    // Debug logging was on: there is plenty to search.
    assert!(printed.lines().count() > 30, "{printed}");
    for secret in [
        ENTRA_TOKEN,
        OKTA_TOKEN,
        WRONG_TOKEN,
        BACKEND_ENV_SECRET,
        BACKEND_FILE_SECRET,
        LEGACY_PAIR,
        SETCRED_SECRET,
    ] {
        for form in forms(secret) {
            assert!(
                !printed.contains(&form),
                "{form:?} (a form of a secret) was printed:\n{printed}"
            );
        }
    }
}
