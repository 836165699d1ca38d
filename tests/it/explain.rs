//! `scimshim explain`: the real binary explains an Entra-style request through
//! the shipped `rules/common`, from a file or raw HTTP on stdin, and asks the
//! embedded strict backend about it before and after the rules.

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
    child.wait_with_output().expect("wait for scimshim explain")
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
