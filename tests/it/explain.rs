//! `scimshim explain`: the real binary explains an Entra-style request through
//! the shipped `rules/common`, from a file or raw HTTP on stdin, asks the
//! embedded strict backend about it before and after the rules, and runs the
//! response rules on an answer given with `--response` or on the embedded
//! backend's own.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::scimshim::{bin, run};
use crate::support::{TempDir, root};

const ENTRA_DEACTIVATE: &str = r#"{
  "method": "PATCH",
  "path": "/scim/v2/Users/42",
  "headers": { "Authorization": "Bearer entra-s3cret" },
  "body": {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [ { "op": "Replace", "path": "active", "value": "False" } ]
  }
}"#;

const ALICE: &str = r#"{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "42",
  "userName": "alice@example.com",
  "active": true
}"#;

/// Runs `scimshim explain args…` with `stdin` piped in.
fn explain_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .current_dir(root())
        .arg("explain")
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scimshim explain");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for scimshim explain");
    crate::support::scimshim::keep_output(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_entra_deactivation_through_rules_common() {
    let dir = TempDir::new("explain");
    let req = dir.write("req.json", ENTRA_DEACTIVATE);
    let out = run(&["explain", "--rules", "rules/common", "--request", &req]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    // Not a terminal: no colours.
    assert!(!text.contains('\x1b'), "{text}");
    assert!(
        text.starts_with("request  PATCH /scim/v2/Users/42\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  rules/common/10-patch.yaml\n    ✓ generic.patch-lowercase-op  (1 change(s))\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    ✓ generic.string-booleans-in-patch  (1 change(s))\n"),
        "{text}"
    );
    assert!(
        text.contains("    · generic.string-booleans-in-resources  (why not: when: method PATCH is not one of POST, PUT)\n"),
        "{text}"
    );
    assert!(
        text.contains("  generic.patch-lowercase-op patch_lowercase_op at /Operations/0/op\n    - \"Replace\"\n    + \"replace\"\n"),
        "{text}"
    );
    assert!(
        text.contains("  generic.string-booleans-in-patch coerce_by_schema at /Operations/0/value\n    - \"False\"\n    + false\n"),
        "{text}"
    );
    assert!(
        text.contains("forwarded request  PATCH /scim/v2/Users/42\n  authorization: [redacted]\n  content-type: application/scim+json\n"),
        "{text}"
    );
    assert!(
        text.contains("        \"op\": \"replace\",\n        \"path\": \"active\",\n        \"value\": false\n"),
        "{text}"
    );
    assert!(!text.contains("entra-s3cret"), "{text}");
    assert!(!text.contains("embedded backend"), "{text}");
}

#[test]
fn against_embedded_the_original_is_rejected_and_the_rewrite_accepted() {
    let dir = TempDir::new("explain");
    let req = dir.write("req.json", ENTRA_DEACTIVATE);
    let user = dir.write("alice.json", ALICE);
    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--resource",
        &user,
        "--against-embedded",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let check = &doc["backend"];
    assert_eq!(check["seed"]["kind"], "User");
    let id = check["seed"]["created_id"].as_str().expect("seeded");
    assert_eq!(check["path_rewrite"]["from"], "/scim/v2/Users/42");
    assert_eq!(check["path_rewrite"]["to"], format!("/scim/v2/Users/{id}"));
    assert_eq!(check["original"]["status"], 400);
    assert_eq!(check["original"]["accepted"], false);
    assert_eq!(check["original"]["scimType"], "invalidValue");
    assert_eq!(check["rewritten"]["status"], 204);
    assert_eq!(check["rewritten"]["accepted"], true);
    assert_eq!(check["rewritten"]["verdict"], "accepts it");
    let applied: Vec<&str> = doc["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["applied"] == true)
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        applied,
        [
            "generic.patch-lowercase-op",
            "generic.string-booleans-in-patch"
        ]
    );
    assert_eq!(
        doc["result"]["forward"]["body"]["Operations"][0]["value"],
        false
    );
    assert_eq!(
        doc["result"]["forward"]["headers"]["authorization"],
        "[redacted]"
    );

    // The same as text, coloured on request.
    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--resource",
        &user,
        "--against-embedded",
        "--color",
        "always",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "\x1b[31mthe embedded strict backend rejects it: 400 invalidValue Operations[0]:"
        ),
        "{text}"
    );
    assert!(
        text.contains("\x1b[32mthe embedded strict backend accepts it\x1b[0m"),
        "{text}"
    );
    assert!(text.contains("\x1b[31m- \"Replace\"\x1b[0m"), "{text}");
    assert!(text.contains("\x1b[32m+ \"replace\"\x1b[0m"), "{text}");
}

#[test]
fn raw_http_on_stdin() {
    let raw = "PATCH /scim/v2/Users/42 HTTP/1.1\r\n\
               Host: shim.example\r\n\
               Authorization: Bearer entra-s3cret\r\n\
               Content-Type: application/scim+json\r\n\
               \r\n\
               {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}";
    let out = explain_stdin(&["--rules", "rules/common"], raw.as_bytes());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("request  PATCH /scim/v2/Users/42\n"),
        "{text}"
    );
    assert!(text.contains("  Host: shim.example\n"), "{text}");
    assert!(text.contains("  Authorization: [redacted]\n"), "{text}");
    assert!(text.contains("    + \"replace\"\n"), "{text}");
    assert!(text.contains("        \"value\": false\n"), "{text}");
    assert!(!text.contains("entra-s3cret"), "{text}");

    // `--request -` reads stdin too, and JSON works there as well.
    let out = explain_stdin(
        &[
            "--rules",
            "rules/common",
            "--request",
            "-",
            "--format",
            "json",
        ],
        ENTRA_DEACTIVATE.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(doc["changes"].as_array().map(Vec::len), Some(2));
}

#[test]
fn malformed_input_exits_2_with_a_clear_message() {
    let out = explain_stdin(
        &["--rules", "rules/common"],
        b"PATCH /scim/v2/Users/42 HTTP/1.1\nAuthorization Bearer x\n\n{}",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: the request (standard input): line 2: expected a header `Name: value` or an empty line before the body, found `Authorization Bearer x`\n"
    );
    assert!(out.stdout.is_empty());

    let out = explain_stdin(&["--rules", "rules/common"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the request is empty"),
        "{}",
        stderr(&out)
    );

    let dir = TempDir::new("explain");
    let broken = dir.write(
        "broken.yaml",
        "rules:\n  - id: x\n    description: d\n    actions:\n      - coerce: { selct: '$.a', to: boolean }\n",
    );
    let req = dir.write("req.json", ENTRA_DEACTIVATE);
    let out = run(&["explain", "--rules", &broken, "--request", &req]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: unknown field `selct`, expected `select` or `to`\n"),
        "{err}"
    );
    assert!(err.contains("broken.yaml:5:19\n"), "{err}");
    assert!(
        err.ends_with("\nerror: the rule files have 1 error(s); nothing was explained\n"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

const FILTER_GET: &str = r#"{
  "method": "GET",
  "path": "/scim/v2/Users?filter=userName%20eq%20%22nobody%40example.com%22",
  "headers": { "Authorization": "Bearer entra-s3cret" }
}"#;

/// What some backends answer to a filter that matches nothing.
const NOT_FOUND: &str = "\
status: 404
headers: { content-type: application/json }
body:
  schemas: [urn:ietf:params:scim:api:messages:2.0:Error]
  status: 404
  detail: no user matches
";

#[test]
fn a_404_on_a_filter_reaches_the_client_as_an_empty_list() {
    let dir = TempDir::new("explain");
    let req = dir.write("req.json", FILTER_GET);
    let resp = dir.write("resp.yaml", NOT_FOUND);
    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--response",
        &resp,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("\nresponse  404 from --response\n  content-type: application/json\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "response rules  1 considered, 1 matched, 1 changed or answered the response\n  \
             rules/common/50-responses.yaml\n    \
             ✓ generic.list-not-found-is-empty  (answered the response)\n    \
             - generic.scim-media-type  (not reached: generic.list-not-found-is-empty answered first)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "client gets  200 (answered by generic.list-not-found-is-empty instead of the upstream)\n  \
             content-type: application/scim+json\n  \
             x-scimshim-rule: generic.list-not-found-is-empty\n"
        ),
        "{text}"
    );
    assert!(text.contains("    \"totalResults\": 0,\n"), "{text}");
    assert!(!text.contains("entra-s3cret"), "{text}");

    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--response",
        &resp,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let response = &doc["response"];
    assert_eq!(response["source"], "file");
    assert_eq!(response["upstream"]["status"], 404);
    assert_eq!(
        response["rules"][0]["id"],
        "generic.list-not-found-is-empty"
    );
    assert_eq!(response["rules"][0]["applied"], true);
    assert_eq!(response["not_reached"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        response["client"]["rule"],
        "generic.list-not-found-is-empty"
    );
    assert_eq!(response["client"]["status"], 200);
    assert_eq!(
        response["client"]["body"]["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(response["client"]["body"]["totalResults"], 0);
    assert_eq!(doc["response_skipped"], Value::Null);
}

/// The strict backend already answers with booleans and a complex manager,
/// so the lax-response rules match its answer but have nothing to change:
/// the client gets the backend's answer as it came (with the
/// `Content-Length` the proxy sets after reading it).
#[test]
fn against_embedded_the_response_rules_run_on_the_backends_answer() {
    let dir = TempDir::new("explain");
    let req = dir.write(
        "req.json",
        r#"{"method": "GET", "path": "/scim/v2/Users/42"}"#,
    );
    let user = dir.write("alice.json", ALICE);
    let args = [
        "explain",
        "--rules",
        "rules/common",
        "--rules",
        "rules/backends/lax-responses.yaml",
        "--request",
        &req,
        "--resource",
        &user,
        "--against-embedded",
    ];
    let out = run(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("\nresponse  200 from the embedded backend, to the forwarded request\n  content-type: application/scim+json\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "response rules  6 considered, 2 matched, 0 changed or answered the response\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  rules/backends/lax-responses.yaml\n    \
             ✓ backend.manager-shape-in-responses  (matched; nothing to change)\n    \
             ✓ backend.booleans-in-responses  (matched; nothing to change)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "\nresponse changes  none\n\nclient gets  200 (the upstream's answer as it came)\n"
        ),
        "{text}"
    );

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = run(&json_args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let response = &doc["response"];
    assert_eq!(response["source"], "embedded");
    assert_eq!(response["upstream"]["status"], 200);
    assert_eq!(response["changes"], Value::Array(Vec::new()));
    assert_eq!(response["client"]["rule"], Value::Null);
    assert_eq!(response["client"]["status"], 200);
    assert_eq!(response["client"]["body"], response["upstream"]["body"]);
    assert_eq!(response["client"]["body"]["userName"], "alice@example.com");
    assert_eq!(response["client"]["body"]["active"], true);
    let id = doc["backend"]["seed"]["created_id"]
        .as_str()
        .expect("seeded");
    assert_eq!(response["client"]["body"]["id"], id);
}

#[test]
fn without_an_answer_the_response_phase_is_a_one_line_note() {
    let dir = TempDir::new("explain");
    let req = dir.write("req.json", FILTER_GET);
    let out = run(&["explain", "--rules", "rules/common", "--request", &req]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.ends_with("\n\nresponse  not run (4 response rule(s)): give --response FILE with the upstream's status, headers and body, or use --against-embedded\n"),
        "{text}"
    );

    // --response and --against-embedded name two different answers.
    let resp = dir.write("resp.yaml", NOT_FOUND);
    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--response",
        &resp,
        "--against-embedded",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'--response <RESPONSE>' cannot be used with '--against-embedded'"),
        "{}",
        stderr(&out)
    );

    let bad = dir.write("bad.yaml", "method: GET\nstatus: 404\n");
    let out = run(&[
        "explain",
        "--rules",
        "rules/common",
        "--request",
        &req,
        "--response",
        &bad,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: the response ({bad}): `method` and `path` belong to the request; a response has `status`, `headers` and `body`\n"
        )
    );
    assert!(out.stdout.is_empty());
}
