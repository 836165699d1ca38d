//! Logging: one structured event per applied change (rule id, action, target,
//! before/after) and one per request; credentials never appear in the logs, and
//! personal data only with `--log-values full`.

use serde_json::json;

use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, TempDir, send, through_recorder};

const JSON: (&str, &str) = ("content-type", "application/scim+json");

fn changes(shim: &Scimshim) -> Vec<serde_json::Value> {
    shim.logs()
        .into_iter()
        .filter(|v| v["message"] == "rule applied")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_one_event_and_every_request_one_more() {
    let (_rec, shim) = through_recorder("/scim/v2", &["--rules", "rules/common"]).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#;
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/v2/Users/42"),
        &[JSON],
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200);
    let events = shim.request_events(1);
    let req = &events[0];
    assert_eq!(req["http.method"], "PATCH");
    assert_eq!(req["scim.resource"], "User");
    assert_eq!(req["http.status"], 200);
    assert_eq!(req["local"], false);
    assert!(req["upstream.duration_ms"].as_f64().is_some());
    assert_eq!(
        req["rules.applied"],
        // patch-strip-core-urn matched but found no URN: rules that change
        // nothing are not listed.
        "generic.doubled-version-segment,generic.patch-lowercase-op,generic.string-booleans-in-patch"
    );
    let id = req["request.id"].as_str().unwrap();
    let got: Vec<_> = changes(&shim)
        .iter()
        .map(|c| {
            assert_eq!(c["request.id"], id);
            json!([
                c["rule.id"],
                c["rule.action"],
                c["rule.target"],
                c["rule.before"],
                c["rule.after"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            json!([
                "generic.doubled-version-segment",
                "rewrite_path",
                "path",
                "\"/scim/v2/v2/Users/42\"",
                "\"/scim/v2/Users/42\""
            ]),
            json!([
                "generic.patch-lowercase-op",
                "patch_lowercase_op",
                "/Operations/0/op",
                "\"Replace\"",
                "\"replace\""
            ]),
            json!([
                "generic.string-booleans-in-patch",
                "coerce_by_schema",
                "/Operations/0/value",
                "\"False\"",
                "false"
            ]),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_passwords_never_reach_the_logs() {
    let dir = TempDir::new("secrets");
    let secret_file = dir.write("backend-key", "svc-user:FileS3cretValue\n");
    let rules = dir.write(
        "rules.yaml",
        &format!(
            r#"rules:
  - id: test.credential-from-env
    description: present the backend's own token
    when: {{ path: '^/scim/v2/Users$' }}
    actions:
      - set_credential: {{ scheme: bearer, from: {{ env: SCIMSHIM_IT_TOKEN }} }}
  - id: test.credential-from-file
    description: present the backend's basic credential
    when: {{ path: '^/scim/v2/Groups$' }}
    actions:
      - set_credential: {{ scheme: basic, from: {{ file: {secret_file} }} }}
      - set_header: {{ name: x-api-key, value_from: {{ env: SCIMSHIM_IT_TOKEN }} }}
"#
        ),
    );
    let rec = Recorder::start(Canned::default()).await;
    let up = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start_with_env(
        &[
            "--upstream",
            &up,
            "--rules",
            "rules/common",
            "--rules",
            "rules/backends/bearer-to-basic.yaml",
            "--rules",
            &rules,
            "--log",
            "debug",
            "--log-values",
            "full",
        ],
        &[("SCIMSHIM_IT_TOKEN", "EnvT0kenValue")],
    );
    let create = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"Sup3rS3cretPw","active":"True"}"#;
    send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON, ("authorization", "Bearer alice:K3yValue")],
        Some(create),
    )
    .await;
    let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"password","value":"N3wS3cretPw"},{"op":"Replace","value":{"password":"Th1rdS3cretPw","active":"False"}}]}"#;
    send(
        "PATCH",
        &shim.url("/scim/v2/Users/1"),
        &[JSON, ("authorization", "Bearer alice:K3yValue")],
        Some(patch),
    )
    .await;
    send(
        "GET",
        &shim.url("/scim/v2/Groups"),
        &[("authorization", "Bearer alice:K3yValue")],
        None,
    )
    .await;
    send(
        "GET",
        &shim.url("/scim/v2/Users/1"),
        &[("authorization", "Bearer nocolon")],
        None,
    )
    .await;
    shim.request_events(4);

    // The upstream did get the credentials: they were really in play.
    let reqs = rec.requests();
    assert_eq!(
        reqs[0].header("authorization").as_deref(),
        Some("Bearer EnvT0kenValue")
    );
    assert_eq!(
        reqs[1].header("authorization").as_deref(),
        Some("Basic YWxpY2U6SzN5VmFsdWU=")
    );
    assert!(
        reqs[2]
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        reqs[2].header("x-api-key").as_deref(),
        Some("EnvT0kenValue")
    );

    let logs = shim.raw_logs();
    for secret in [
        "alice:K3yValue",
        "K3yValue",
        "YWxpY2U6SzN5VmFsdWU",
        "nocolon",
        "EnvT0kenValue",
        "FileS3cretValue",
        "c3ZjLXVzZXI6RmlsZVMzY3JldFZhbHVl",
        "Sup3rS3cretPw",
        "N3wS3cretPw",
        "Th1rdS3cretPw",
    ] {
        assert!(
            !logs.contains(secret),
            "secret {secret:?} found in the logs:\n{logs}"
        );
    }
    // The credential changes are still logged, as redacted.
    let auth: Vec<_> = changes(&shim)
        .into_iter()
        .filter(|c| c["rule.target"] == "header:authorization")
        .collect();
    assert!(auth.len() >= 3);
    assert!(
        auth.iter()
            .all(|c| c["rule.before"] == "\"[redacted]\"" && c["rule.after"] == "\"[redacted]\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_hidden_unless_asked_for() {
    let dir = TempDir::new("pii");
    let rules = dir.write(
        "rules.yaml",
        r#"rules:
  - id: test.lowercase-username
    description: a backend that wants lower-case user names
    when: { method: [POST] }
    actions:
      - lowercase: { select: '$.userName' }
"#,
    );
    let body = r#"{"userName":"Alice.PII@Example.COM","active":true}"#;
    for (mode, visible) in [("redacted", false), ("full", true)] {
        let (rec, shim) =
            through_recorder("/scim/v2", &["--rules", &rules, "--log-values", mode]).await;
        send("POST", &shim.url("/scim/v2/Users"), &[JSON], Some(body)).await;
        shim.request_events(1);
        assert_eq!(rec.only().json()["userName"], "alice.pii@example.com");
        let logs = shim.raw_logs();
        assert_eq!(
            logs.contains("Alice.PII@Example.COM"),
            visible,
            "mode {mode}:\n{logs}"
        );
        assert_eq!(
            logs.contains("alice.pii@example.com"),
            visible,
            "mode {mode}:\n{logs}"
        );
        let change = changes(&shim).pop().expect("a change event");
        assert_eq!(change["rule.target"], "/userName");
        if !visible {
            assert_eq!(change["rule.before"], "\"[string: 21 chars]\"");
        }
    }
}
