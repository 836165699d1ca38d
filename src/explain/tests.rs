use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::input::{self, InputError, looks_like_http, parse, parse_http, parse_response};
use super::render::{self, Line, Style, diff, line_diff};
use super::*;
use crate::rules::secret::MapEnv;
use crate::rules::{LoadOptions, SecretMode, load_strs};

const PLAIN: Style = Style { color: false };

fn block<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt.block_on(f),
        Err(e) => panic!("{e}"),
    }
}

fn rules(files: &[(&str, &str)]) -> RuleSet {
    let env = MapEnv::default();
    let options = LoadOptions {
        env: &env,
        secrets: SecretMode::Require,
    };
    let loaded = load_strs(files, &options);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded.set
}

const PATCH_RULES: &str = "\
rules:
  - id: t.lower
    description: d
    when: { method: [PATCH] }
    actions:
      - patch_lowercase_op: {}
  - id: t.bools
    description: d
    when: { method: [PATCH], resource: [User] }
    actions:
      - coerce_by_schema: {}
";

const OTHER_RULES: &str = "\
rules:
  - id: t.posts
    description: d
    when: { method: [POST] }
    actions:
      - patch_lowercase_op: {}
";

fn entra_patch() -> MessageSpec {
    MessageSpec {
        method: Some("PATCH".into()),
        path: Some("/scim/v2/Users/42".into()),
        headers: BTreeMap::from([("Authorization".into(), "Bearer t0pSecret".into())]),
        body: Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
        })),
        ..MessageSpec::default()
    }
}

fn options(against_embedded: bool, resource: Option<Value>) -> Options {
    Options {
        base_path: "/scim/v2".into(),
        resource,
        against_embedded,
        response: None,
    }
}

/// Options with `--response` given as YAML.
fn answered(yaml: &str) -> Options {
    Options {
        response: Some(input::parse_response(yaml.as_bytes()).unwrap()),
        ..options(false, None)
    }
}

fn alice() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "42",
        "userName": "alice@example.com",
        "active": true
    })
}

fn explained(set: &RuleSet, spec: &MessageSpec, o: &Options) -> Explanation {
    match block(explain(set, spec, o)) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    }
}

// ---- input: raw HTTP ----

#[test]
fn raw_http_with_crlf_becomes_a_message_spec() {
    let text = "PATCH /scim/v2/Users/42?attributes=active HTTP/1.1\r\nHost: idp.example\r\nAuthorization: Bearer x\r\nContent-Type: application/scim+json\r\n\r\n{\"Operations\":[]}\r\n";
    let spec = parse(text.as_bytes()).unwrap();
    assert_eq!(spec.method.as_deref(), Some("PATCH"));
    assert_eq!(
        spec.path.as_deref(),
        Some("/scim/v2/Users/42?attributes=active")
    );
    assert_eq!(
        spec.headers,
        BTreeMap::from([
            ("Host".to_string(), "idp.example".to_string()),
            ("Authorization".to_string(), "Bearer x".to_string()),
            (
                "Content-Type".to_string(),
                "application/scim+json".to_string()
            ),
        ])
    );
    assert_eq!(spec.body_text.as_deref(), Some("{\"Operations\":[]}"));
    assert_eq!(spec.body, None);
}

#[test]
fn raw_http_with_lf_only_and_no_body() {
    let spec = parse(b"\nGET /scim/v2/Users HTTP/1.1\nAccept: */*\n").unwrap();
    assert_eq!(spec.method.as_deref(), Some("GET"));
    assert_eq!(spec.path.as_deref(), Some("/scim/v2/Users"));
    assert_eq!(spec.headers.get("Accept").map(String::as_str), Some("*/*"));
    assert_eq!(spec.body_text, None);
}

#[test]
fn content_length_cuts_the_body() {
    let spec = parse_http("POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}trailing junk").unwrap();
    assert_eq!(spec.body_text.as_deref(), Some("{}"));
    let spec = parse_http("POST /x HTTP/1.1\ncontent-length: 0\n\n{}").unwrap();
    assert_eq!(spec.body_text, None);
}

#[test]
fn absolute_targets_and_repeated_headers() {
    let spec =
        parse_http("GET https://idp.example:8443/scim/v2/Users?count=1 HTTP/2\nX-A: 1\nX-A: 2\n")
            .unwrap();
    assert_eq!(spec.path.as_deref(), Some("/scim/v2/Users?count=1"));
    assert_eq!(spec.headers.get("X-A").map(String::as_str), Some("1, 2"));
    let spec = parse_http("GET http://idp.example HTTP/1.1\n").unwrap();
    assert_eq!(spec.path.as_deref(), Some("/"));
}

#[test]
fn raw_http_errors_name_the_line_and_what_was_expected() {
    let err = |text: &str| parse(text.as_bytes()).unwrap_err();
    assert_eq!(
        err("PATCH /scim/v2/Users/1\n"),
        InputError {
            line: Some(1),
            message: "expected the HTTP version (such as `HTTP/1.1`) after the path".into()
        }
    );
    assert_eq!(
        err("PATCH /a b HTTP/1.1\n").to_string(),
        "line 1: expected the HTTP version (such as `HTTP/1.1`) after the path, found `b`"
    );
    assert_eq!(
        err("GET /x HTTP/1.1 extra\n").to_string(),
        "line 1: expected the line to end after the HTTP version, found `extra` (spaces in the path must be written %20)"
    );
    assert_eq!(
        err("GET /x HTTP/1.1\r\nHost: a\r\nAuthorization Bearer x\r\n\r\n").to_string(),
        "line 3: expected a header `Name: value` or an empty line before the body, found `Authorization Bearer x`"
    );
    assert_eq!(
        err("GET /x HTTP/1.1\nX-A: 1\n  folded\n").to_string(),
        "line 3: a header line starts with white space (folded header lines are not supported; join it to the line above)"
    );
    assert_eq!(
        err("GET /x HTTP/1.1\nBad Name: 1\n").to_string(),
        "line 2: `Bad Name` is not a valid header name"
    );
    assert_eq!(
        err("POST /x HTTP/1.1\nContent-Length: ten\n\n{}").to_string(),
        "line 2: expected a number of bytes in `Content-Length`, found `ten`"
    );
    assert_eq!(
        err("POST /x HTTP/1.1\nHost: a\nContent-Length: 10\n\n{}").to_string(),
        "line 3: `Content-Length` is 10, but only 2 byte(s) follow the headers"
    );
    assert_eq!(
        err("POST /x HTTP/1.1\nTransfer-Encoding: chunked\n\n2\r\n{}\r\n0\r\n\r\n").line,
        Some(2)
    );
    assert_eq!(
        parse_http("get /x HTTP/1.1").unwrap().method.as_deref(),
        Some("get")
    );
    assert_eq!(
        parse_http("G(T /x HTTP/1.1").unwrap_err().to_string(),
        "line 1: expected a request line such as `PATCH /scim/v2/Users/1 HTTP/1.1`, found `G(T /x HTTP/1.1`"
    );
    assert_eq!(
        parse_http("GET x HTTP/1.1").unwrap_err().to_string(),
        "line 1: expected a path starting with `/` (or an http:// URL), found `x`"
    );
}

#[test]
fn empty_and_non_text_input_are_errors() {
    assert_eq!(
        parse(b" \n\n").unwrap_err().to_string(),
        "the request is empty: give a JSON or YAML request (method, path, headers, body) or raw HTTP"
    );
    assert_eq!(
        parse(b"GET /x HTTP/1.1\n\n\xff").unwrap_err().to_string(),
        "the request is not UTF-8 text (invalid byte at offset 17)"
    );
}

#[test]
fn what_counts_as_raw_http() {
    assert!(looks_like_http("PATCH /scim/v2/Users/1 HTTP/1.1\r\n"));
    assert!(looks_like_http("\n\nGET https://x/ HTTP/1.1"));
    assert!(looks_like_http("PATCH /scim/v2/Users/1"));
    assert!(!looks_like_http("{\"method\":\"GET\"}"));
    assert!(!looks_like_http("method: GET\npath: /x\n"));
    assert!(!looks_like_http("Get /x HTTP/1.1"));
}

#[test]
fn json_and_yaml_requests() {
    let json_spec = parse(br#"{"method":"PATCH","path":"/x","body":{"a":1}}"#).unwrap();
    let yaml_spec = parse(b"method: PATCH\npath: /x\nbody: { a: 1 }\n").unwrap();
    assert_eq!(json_spec, yaml_spec);
    assert_eq!(json_spec.body, Some(json!({"a": 1})));
    let err = parse(br#"{"method":"GET","bodee":1}"#).unwrap_err();
    assert!(
        err.message
            .starts_with("not a request in JSON: unknown field `bodee`"),
        "{err}"
    );
    let err = input::parse_spec("method: [").unwrap_err();
    assert!(err.message.starts_with("not a request in YAML: "), "{err}");
}

// ---- render: diffs ----

#[test]
fn line_diff_keeps_common_lines() {
    let a = ["{", "  \"a\": 1,", "  \"b\": 2", "}"];
    let b = ["{", "  \"a\": 1,", "  \"b\": 3", "}"];
    assert_eq!(
        line_diff(&a, &b),
        vec![
            Line::Same("{"),
            Line::Same("  \"a\": 1,"),
            Line::Removed("  \"b\": 2"),
            Line::Added("  \"b\": 3"),
            Line::Same("}"),
        ]
    );
    assert_eq!(
        line_diff(&["x", "y", "z"], &["y", "z", "w"]),
        vec![
            Line::Removed("x"),
            Line::Same("y"),
            Line::Same("z"),
            Line::Added("w")
        ]
    );
    assert_eq!(line_diff(&[], &["a"]), vec![Line::Added("a")]);
    assert_eq!(line_diff(&["a"], &["a"]), vec![Line::Same("a")]);
}

#[test]
fn scalar_changes_are_one_line_each() {
    assert_eq!(
        diff(&json!("Replace"), &json!("replace"), PLAIN),
        vec!["- \"Replace\"", "+ \"replace\""]
    );
    assert_eq!(
        diff(&Value::Null, &json!("W/\"1\""), PLAIN),
        vec!["(absent before)", "+ \"W/\\\"1\\\"\""]
    );
    assert_eq!(
        diff(&json!(1), &Value::Null, PLAIN),
        vec!["- 1", "(removed)"]
    );
}

#[test]
fn big_values_show_only_changed_lines_with_context() {
    let mut before = serde_json::Map::new();
    for i in 0..20 {
        before.insert(format!("k{i:02}"), json!(i));
    }
    let mut after = before.clone();
    after.insert("k10".into(), json!("ten"));
    let lines = diff(&Value::Object(before), &Value::Object(after), PLAIN);
    assert_eq!(
        lines,
        vec![
            "  ⋮ 9 unchanged line(s)",
            "    \"k08\": 8,",
            "    \"k09\": 9,",
            "-   \"k10\": 10,",
            "+   \"k10\": \"ten\",",
            "    \"k11\": 11,",
            "    \"k12\": 12,",
            "  ⋮ 8 unchanged line(s)",
        ]
    );
}

#[test]
fn colours_are_red_and_green_only_when_asked() {
    let coloured = diff(&json!(1), &json!(2), Style { color: true });
    assert_eq!(coloured, vec!["\x1b[31m- 1\x1b[0m", "\x1b[32m+ 2\x1b[0m"]);
}

// ---- explain + render ----

#[test]
fn an_entra_patch_is_explained_rule_by_rule() {
    let set = rules(&[("a.yaml", PATCH_RULES), ("b.yaml", OTHER_RULES)]);
    let e = explained(&set, &entra_patch(), &options(false, None));
    let seen: Vec<(&str, bool, bool)> = e
        .considered
        .iter()
        .map(|c| (&*c.rule.id, c.matched, c.applied))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("t.lower", true, true),
            ("t.bools", true, true),
            ("t.posts", false, false)
        ]
    );
    assert_eq!(
        e.considered[2].reason,
        "when: method PATCH is not one of POST"
    );
    assert_eq!(e.considered[2].rule.file, PathBuf::from("b.yaml"));
    let changes: Vec<(&str, &str, &Value, &Value)> = e
        .changes
        .iter()
        .map(|c| (&*c.rule, c.target.as_str(), &c.before, &c.after))
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                "t.lower",
                "/Operations/0/op",
                &json!("Replace"),
                &json!("replace")
            ),
            (
                "t.bools",
                "/Operations/0/value",
                &json!("False"),
                &json!(false)
            ),
        ]
    );
    let Final::Forward(out) = &e.result else {
        panic!("{:?}", e.result)
    };
    assert_eq!(
        out.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        }))
    );
    assert_eq!(e.backend, None);

    let text = render::text(&e, PLAIN);
    assert!(text.contains("  a.yaml\n    ✓ t.lower  (1 change(s))\n    ✓ t.bools  (1 change(s))\n  b.yaml\n    · t.posts  (why not: when: method PATCH is not one of POST)\n"), "{text}");
    assert!(
        text.contains("  t.lower patch_lowercase_op at /Operations/0/op\n    - \"Replace\"\n    + \"replace\"\n"),
        "{text}"
    );
    assert!(
        text.contains("forwarded request  PATCH /scim/v2/Users/42\n"),
        "{text}"
    );
}

#[test]
fn the_final_request_never_shows_credentials() {
    let set = rules(&[("a.yaml", PATCH_RULES)]);
    let e = explained(&set, &entra_patch(), &options(false, None));
    let text = render::text(&e, PLAIN);
    assert!(!text.contains("t0pSecret"), "{text}");
    assert!(text.contains("  Authorization: [redacted]\n"), "{text}");
    assert!(text.contains("  authorization: [redacted]\n"), "{text}");
    let doc = render::json(&e);
    assert!(!doc.to_string().contains("t0pSecret"), "{doc}");
    assert_eq!(
        doc["result"]["forward"]["headers"]["authorization"],
        "[redacted]"
    );
    assert_eq!(doc["request"]["headers"]["Authorization"], "[redacted]");
    assert_eq!(
        render::header_value("X-Api-Key", "k"),
        "[redacted]".to_string()
    );
    assert_eq!(render::header_value("Accept", "*/*"), "*/*".to_string());
}

#[test]
fn secret_changes_are_redacted() {
    let set = rules(&[(
        "a.yaml",
        "rules:\n  - id: t.basic\n    description: d\n    when: { method: [PATCH] }\n    actions:\n      - bearer_to_basic: {}\n",
    )]);
    let mut spec = entra_patch();
    spec.headers
        .insert("Authorization".into(), "Bearer user:key".into());
    let e = explained(&set, &spec, &options(false, None));
    assert_eq!(e.changes.len(), 1);
    assert!(e.changes[0].secret);
    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("  t.basic bearer_to_basic at header:authorization\n    <redacted> (a credential: never shown)\n"),
        "{text}"
    );
    assert!(!text.contains("dXNlcjprZXk"), "{text}");
    let doc = render::json(&e);
    assert_eq!(doc["changes"][0]["before"], "<redacted>");
    assert_eq!(doc["changes"][0]["after"], "<redacted>");
}

#[test]
fn the_embedded_backend_rejects_the_original_and_accepts_the_rewrite() {
    let set = rules(&[("a.yaml", PATCH_RULES)]);
    let e = explained(&set, &entra_patch(), &options(true, Some(alice())));
    let Some(check) = &e.backend else {
        panic!("no backend check")
    };
    let Some(seed) = &check.seed else {
        panic!("not seeded")
    };
    assert_eq!(seed.kind, "User");
    assert_eq!(seed.given_id.as_deref(), Some("42"));
    let Some(id) = seed.created_id.clone() else {
        panic!("{:?}", seed.answer)
    };
    assert_eq!(
        check.path_rewrite,
        Some((
            "/scim/v2/Users/42".to_string(),
            format!("/scim/v2/Users/{id}")
        ))
    );
    assert_eq!(check.original.status, 400);
    assert_eq!(check.original.scim_type(), Some("invalidValue"));
    let Some(after) = &check.rewritten else {
        panic!("not sent")
    };
    assert_eq!(after.status, 204);
    assert_eq!(after.path, format!("/scim/v2/Users/{id}"));
    assert!(after.accepted());
    let text = render::text(&e, PLAIN);
    assert!(
        text.contains(
            "    the embedded strict backend rejects it: 400 invalidValue Operations[0]:"
        ),
        "{text}"
    );
    assert!(
        text.contains("    the embedded strict backend accepts it\n"),
        "{text}"
    );
    let doc = render::json(&e);
    assert_eq!(doc["backend"]["original"]["accepted"], false);
    assert_eq!(doc["backend"]["rewritten"]["accepted"], true);
    assert_eq!(doc["backend"]["rewritten"]["status"], 204);
}

#[test]
fn fetches_are_served_by_the_resource_or_get_404() {
    let put = "rules:\n  - id: t.put\n    description: d\n    when: { method: [PATCH] }\n    actions:\n      - patch_via_put: {}\n";
    let set = rules(&[("a.yaml", PATCH_RULES), ("p.yaml", put)]);
    let e = explained(&set, &entra_patch(), &options(false, Some(alice())));
    assert_eq!(e.fetches, 1);
    let Final::Forward(out) = &e.result else {
        panic!("{:?}", e.result)
    };
    assert_eq!(out.method.as_deref(), Some("PUT"));
    assert_eq!(
        out.body.as_ref().and_then(|b| b.get("active")),
        Some(&json!(false))
    );

    let e = explained(&set, &entra_patch(), &options(false, None));
    let Final::Respond(answer) = &e.result else {
        panic!("{:?}", e.result)
    };
    assert_eq!(answer.status, 404);
    assert_eq!(answer.rule.as_deref(), Some("t.put"));
}

#[test]
fn rules_after_a_local_answer_are_not_reached() {
    let set = rules(&[(
        "a.yaml",
        "rules:\n  - id: t.answer\n    description: d\n    when: { method: [GET] }\n    actions:\n      - respond: { status: 200, empty_list: true }\n  - id: t.later\n    description: d\n    when: { method: [GET] }\n    actions:\n      - patch_lowercase_op: {}\n",
    )]);
    let spec = MessageSpec {
        method: Some("GET".into()),
        path: Some("/scim/v2/Groups".into()),
        ..MessageSpec::default()
    };
    let e = explained(&set, &spec, &options(true, None));
    assert_eq!(
        e.not_reached.iter().map(|r| &*r.id).collect::<Vec<_>>(),
        ["t.later"]
    );
    let Some(check) = &e.backend else {
        panic!("no check")
    };
    assert_eq!(check.original.status, 200);
    assert_eq!(check.rewritten, None);
    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("- t.later  (not reached: t.answer answered first)"),
        "{text}"
    );
    assert!(
        text.contains("answered locally  200 by rule t.answer\n"),
        "{text}"
    );
    assert!(
        text.contains("after rules  not sent: answered locally\n"),
        "{text}"
    );
}

#[test]
fn paths_outside_the_base_path_are_answered_by_the_proxy() {
    let set = rules(&[("a.yaml", PATCH_RULES)]);
    let mut spec = entra_patch();
    spec.path = Some("/other/Users/1".into());
    let e = explained(&set, &spec, &options(false, None));
    assert!(e.considered.is_empty());
    let Final::Respond(answer) = &e.result else {
        panic!("{:?}", e.result)
    };
    assert_eq!((answer.rule.clone(), answer.status), (None, 404));
}

#[test]
fn bodies_that_are_not_json() {
    let set = rules(&[("a.yaml", PATCH_RULES)]);
    let spec =
        parse_http("PATCH /scim/v2/Users/1 HTTP/1.1\nContent-Type: text/plain\n\nhello").unwrap();
    let e = explained(&set, &spec, &options(false, None));
    assert!(e.changes.is_empty());
    let Final::Forward(out) = &e.result else {
        panic!("{:?}", e.result)
    };
    assert_eq!(out.body_text.as_deref(), Some("hello"));

    let spec = parse_http("PATCH /scim/v2/Users/1 HTTP/1.1\n\n{\"a\":").unwrap();
    let err = block(explain(&set, &spec, &options(false, None))).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the request body is not valid JSON (content type `application/scim+json`): "
        ),
        "{err}"
    );
}

#[test]
fn the_resource_id_is_found_in_the_path() {
    assert_eq!(
        item_id("/scim/v2/Users/42", "/scim/v2"),
        Some((15..17, "42".to_string()))
    );
    assert_eq!(
        item_id("/scim/v2/v2/groups/abc/", "/scim/v2"),
        Some((19..22, "abc".to_string()))
    );
    assert_eq!(item_id("/scim/v2/Users", "/scim/v2"), None);
    assert_eq!(item_id("/scim/v2/Schemas/x", "/scim/v2"), None);
    assert_eq!(
        item_id("/Users/Users", ""),
        Some((7..12, "Users".to_string()))
    );
}

// ---- the response phase ----

const RESPONSE_RULES: &str = "\
rules:
  - id: t.empty-list
    description: d
    phase: response
    when: { method: [GET], endpoint: [collection], status: [404] }
    actions:
      - respond: { status: 200, empty_list: true }
  - id: t.status-string
    description: d
    phase: response
    when: { status: [400, 404], body: '$.status' }
    actions:
      - coerce: { select: '$.status', to: string }
";

fn filter_get() -> MessageSpec {
    MessageSpec {
        method: Some("GET".into()),
        path: Some("/scim/v2/Users?filter=userName%20eq%20%22bob%22".into()),
        headers: BTreeMap::from([("Authorization".into(), "Bearer t0pSecret".into())]),
        ..MessageSpec::default()
    }
}

fn ran(e: &Explanation) -> &Returned {
    match &e.response {
        ResponseStep::Ran(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_404_on_a_filter_is_answered_by_a_response_rule() {
    let set = rules(&[("a.yaml", PATCH_RULES), ("r.yaml", RESPONSE_RULES)]);
    let o = answered(
        "status: 404\nheaders: { set-cookie: sid=s3ssion }\nbody: { status: 404, detail: none }\n",
    );
    let e = explained(&set, &filter_get(), &o);
    let r = ran(&e);
    assert_eq!(r.source, AnswerSource::File);
    assert_eq!(r.no_content, None);
    let seen: Vec<(&str, bool, bool)> = r
        .considered
        .iter()
        .map(|c| (&*c.rule.id, c.matched, c.applied))
        .collect();
    assert_eq!(seen, vec![("t.empty-list", true, true)]);
    assert_eq!(r.considered[0].rule.file, PathBuf::from("r.yaml"));
    assert_eq!(
        r.not_reached.iter().map(|r| &*r.id).collect::<Vec<_>>(),
        ["t.status-string"]
    );
    assert_eq!(r.changes, Vec::new());
    assert_eq!(r.client.rule.as_deref(), Some("t.empty-list"));
    assert_eq!(r.client.status, 200);
    assert_eq!(
        r.client.headers,
        vec![
            (
                "content-type".to_string(),
                "application/scim+json".to_string()
            ),
            ("x-scimshim-rule".to_string(), "t.empty-list".to_string()),
        ]
    );
    assert_eq!(
        r.client.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "startIndex": 1,
            "itemsPerPage": 0,
            "Resources": []
        }))
    );

    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("\nresponse  404 from --response\n  set-cookie: [redacted]\n"),
        "{text}"
    );
    assert!(
        text.contains("response rules  1 considered, 1 matched, 1 changed or answered the response\n  r.yaml\n    ✓ t.empty-list  (answered the response)\n    - t.status-string  (not reached: t.empty-list answered first)\n\nresponse changes  none\n\nclient gets  200 (answered by t.empty-list instead of the upstream)\n  content-type: application/scim+json\n  x-scimshim-rule: t.empty-list\n  {\n"),
        "{text}"
    );
    assert!(!text.contains("s3ssion"), "{text}");
    assert!(!text.contains("t0pSecret"), "{text}");

    let doc = render::json(&e);
    assert!(!doc.to_string().contains("s3ssion"), "{doc}");
    assert_eq!(doc["response_skipped"], Value::Null);
    assert_eq!(doc["response"]["source"], "file");
    assert_eq!(doc["response"]["upstream"]["status"], 404);
    assert_eq!(
        doc["response"]["upstream"]["headers"]["set-cookie"],
        "[redacted]"
    );
    assert_eq!(doc["response"]["rules"][0]["id"], "t.empty-list");
    assert_eq!(doc["response"]["rules"][0]["applied"], true);
    assert_eq!(doc["response"]["not_reached"][0]["id"], "t.status-string");
    assert_eq!(doc["response"]["client"]["rule"], "t.empty-list");
    assert_eq!(doc["response"]["client"]["status"], 200);
    assert_eq!(doc["response"]["client"]["body"]["totalResults"], 0);
}

#[test]
fn response_changes_are_diffed_and_the_body_re_encoded() {
    let set = rules(&[("r.yaml", RESPONSE_RULES)]);
    let mut spec = filter_get();
    spec.path = Some("/scim/v2/Users/42".into());
    let o = answered(
        "status: 404\nheaders: { Content-Length: '99' }\nbody: { status: 404, detail: gone }\n",
    );
    let e = explained(&set, &spec, &o);
    let r = ran(&e);
    let seen: Vec<(&str, bool, bool, &str)> = r
        .considered
        .iter()
        .map(|c| (&*c.rule.id, c.matched, c.applied, c.reason.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("t.empty-list", false, false, "when: endpoint is item"),
            ("t.status-string", true, true, "every condition holds"),
        ]
    );
    let changes: Vec<(&str, &str, &Value, &Value)> = r
        .changes
        .iter()
        .map(|c| (&*c.rule, c.target.as_str(), &c.before, &c.after))
        .collect();
    assert_eq!(
        changes,
        vec![("t.status-string", "/status", &json!(404), &json!("404"))]
    );
    let body = json!({"status": "404", "detail": "gone"});
    assert_eq!(r.client.rule, None);
    assert_eq!(r.client.status, 404);
    assert_eq!(r.client.body, Some(body.clone()));
    let length = serde_json::to_vec(&body).unwrap().len().to_string();
    assert_eq!(
        r.client.headers,
        vec![
            ("content-length".to_string(), length.clone()),
            (
                "content-type".to_string(),
                "application/scim+json".to_string()
            ),
        ]
    );

    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("    · t.empty-list  (why not: when: endpoint is item)\n    ✓ t.status-string  (1 change(s))\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "response changes  1\n  t.status-string coerce at /status\n    - 404\n    + \"404\"\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "client gets  404 (the upstream's answer, changed)\n  content-length: {length}\n"
        )),
        "{text}"
    );
    let doc = render::json(&e);
    assert_eq!(doc["response"]["changes"][0]["target"], "/status");
    assert_eq!(doc["response"]["changes"][0]["after"], "404");
    assert_eq!(doc["response"]["client"]["body"]["status"], "404");
    // The request side is unchanged by the response phase.
    assert!(e.changes.is_empty());
}

#[test]
fn without_an_answer_the_response_phase_is_skipped_with_a_note() {
    let set = rules(&[("a.yaml", PATCH_RULES), ("r.yaml", RESPONSE_RULES)]);
    let e = explained(&set, &filter_get(), &options(false, None));
    assert_eq!(e.response, ResponseStep::NoAnswer);
    assert_eq!(e.response_rules, 2);
    let text = render::text(&e, PLAIN);
    assert!(
        text.ends_with("\nresponse  not run (2 response rule(s)): give --response FILE with the upstream's status, headers and body, or use --against-embedded\n"),
        "{text}"
    );
    assert!(!text.contains("response rules"), "{text}");
    let doc = render::json(&e);
    assert_eq!(doc["response"], Value::Null);
    assert_eq!(doc["response_skipped"], "no_answer");
}

#[test]
fn a_local_answer_skips_the_response_phase() {
    let set = rules(&[
        (
            "a.yaml",
            "rules:\n  - id: t.answer\n    description: d\n    when: { method: [GET] }\n    actions:\n      - respond: { status: 200, empty_list: true }\n",
        ),
        ("r.yaml", RESPONSE_RULES),
    ]);
    let e = explained(&set, &filter_get(), &answered("status: 404\n"));
    assert_eq!(e.response, ResponseStep::AnsweredLocally);
    let Final::Respond(answer) = &e.result else {
        panic!("{:?}", e.result)
    };
    // As the proxy sends it.
    assert_eq!(
        answer.headers,
        vec![
            (
                "content-type".to_string(),
                "application/scim+json".to_string()
            ),
            ("x-scimshim-rule".to_string(), "t.answer".to_string()),
        ]
    );
    let text = render::text(&e, PLAIN);
    assert!(
        text.ends_with("\nresponse  not run: the request was answered locally, and response rules see only the upstream's answers\n"),
        "{text}"
    );
    assert_eq!(render::json(&e)["response_skipped"], "answered_locally");

    let mut outside = filter_get();
    outside.path = Some("/elsewhere".into());
    let e = explained(&set, &outside, &answered("status: 404\n"));
    assert_eq!(e.response, ResponseStep::AnsweredLocally);
}

#[test]
fn a_delete_sent_as_a_patch_still_gets_204_and_skips_response_rules() {
    let set = rules(&[
        (
            "d.yaml",
            "rules:\n  - id: t.deactivate\n    description: d\n    when: { method: [DELETE], resource: [User] }\n    actions:\n      - delete_as_deactivate: {}\n",
        ),
        ("r.yaml", RESPONSE_RULES),
    ]);
    let spec = MessageSpec {
        method: Some("DELETE".into()),
        path: Some("/scim/v2/Users/42".into()),
        ..MessageSpec::default()
    };
    let e = explained(
        &set,
        &spec,
        &answered("status: 200\nheaders: { etag: 'W/\"2\"' }\nbody: { id: '42', active: false }\n"),
    );
    let r = ran(&e);
    assert_eq!(r.no_content.as_deref(), Some("t.deactivate"));
    assert!(r.considered.is_empty());
    assert!(r.not_reached.is_empty());
    let changes: Vec<(&str, &str, &Value, &Value)> = r
        .changes
        .iter()
        .map(|c| (&*c.rule, c.target.as_str(), &c.before, &c.after))
        .collect();
    assert_eq!(
        changes,
        vec![("t.deactivate", "status", &json!(200), &json!(204))]
    );
    assert_eq!(r.client.status, 204);
    assert_eq!(r.client.body, None);
    assert_eq!(
        r.client.headers,
        vec![("etag".to_string(), "W/\"2\"".to_string())]
    );
    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("response rules  not run: t.deactivate turns a success into 204 for the DELETE the client sent, as the proxy does\n\nresponse changes  1\n  t.deactivate delete_as_deactivate at status\n    - 200\n    + 204\n\nclient gets  204 (the upstream's answer, changed)\n  etag: W/\"2\"\n"),
        "{text}"
    );
    assert_eq!(render::json(&e)["response"]["no_content"], "t.deactivate");

    // A failure is handed on to the response rules.
    let e = explained(
        &set,
        &spec,
        &answered("status: 404\nbody: { status: 404 }\n"),
    );
    let r = ran(&e);
    assert_eq!(r.no_content, None);
    assert_eq!(r.client.body, Some(json!({"status": "404"})));
}

#[test]
fn bodies_that_are_not_json_are_never_read() {
    let set = rules(&[("r.yaml", RESPONSE_RULES)]);
    let mut spec = filter_get();
    spec.path = Some("/scim/v2/Users/42".into());
    let o =
        answered("status: 400\nheaders: { content-type: text/plain }\nbody_text: 'status: 400'\n");
    let e = explained(&set, &spec, &o);
    let r = ran(&e);
    assert!(r.changes.is_empty());
    assert_eq!(r.client.body, Some(json!("status: 400")));
    assert_eq!(
        r.client.headers,
        vec![("content-type".to_string(), "text/plain".to_string())]
    );
    assert_eq!(r.considered[1].reason, "when: the body is not JSON");
    // Text that says JSON but is not stays as it was.
    let o = answered("status: 400\nbody_text: '{\"status\": 4'\n");
    let r = explained(&set, &spec, &o);
    assert_eq!(ran(&r).client.body, Some(json!("{\"status\": 4")));
    assert!(ran(&r).changes.is_empty());
}

#[test]
fn the_embedded_backend_answer_goes_through_the_response_rules() {
    let tag = "rules:\n  - id: t.tag\n    description: d\n    phase: response\n    when: { resource: [User], status: [200] }\n    actions:\n      - set_header: { name: x-seen, value: 'yes' }\n";
    let set = rules(&[("r.yaml", RESPONSE_RULES), ("t.yaml", tag)]);
    let spec = MessageSpec {
        method: Some("GET".into()),
        path: Some("/scim/v2/Users/42".into()),
        ..MessageSpec::default()
    };
    let e = explained(&set, &spec, &options(true, Some(alice())));
    let r = ran(&e);
    assert_eq!(r.source, AnswerSource::Embedded);
    assert_eq!(r.upstream.status, Some(200));
    assert_eq!(
        r.upstream.body.as_ref().and_then(|b| b.get("userName")),
        Some(&json!("alice@example.com"))
    );
    let applied: Vec<&str> = r
        .considered
        .iter()
        .filter(|c| c.applied)
        .map(|c| &*c.rule.id)
        .collect();
    assert_eq!(applied, ["t.tag"]);
    assert_eq!(r.client.status, 200);
    assert!(
        r.client
            .headers
            .contains(&("x-seen".to_string(), "yes".to_string())),
        "{:?}",
        r.client.headers
    );
    assert_eq!(r.client.body, r.upstream.body);
    let text = render::text(&e, PLAIN);
    assert!(
        text.contains("response  200 from the embedded backend, to the forwarded request\n"),
        "{text}"
    );
    assert!(
        text.contains("  t.yaml\n    ✓ t.tag  (1 change(s))\n"),
        "{text}"
    );
    assert_eq!(render::json(&e)["response"]["source"], "embedded");
}

#[test]
fn response_files_are_checked() {
    let err = |text: &str| parse_response(text.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        err("method: GET\nstatus: 200\n"),
        "`method` and `path` belong to the request; a response has `status`, `headers` and `body`"
    );
    assert_eq!(
        err("status: 1000\n"),
        "`status` must be between 100 and 599, found 1000"
    );
    assert_eq!(
        err("\n"),
        "the response is empty: give it in JSON or YAML (status, headers, body)"
    );
    assert!(
        err("{\"stat\": 1}").starts_with("not a response in JSON: unknown field `stat`"),
        "{}",
        err("{\"stat\": 1}")
    );
    let spec = parse_response(br#"{"status": 404, "body": {"a": 1}}"#).unwrap();
    assert_eq!((spec.status, spec.body), (Some(404), Some(json!({"a": 1}))));

    let set = rules(&[("r.yaml", RESPONSE_RULES)]);
    let o = answered("headers: { 'a b': c }\n");
    let err = block(explain(&set, &filter_get(), &o)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the response: header `a b`: not a valid header name"
    );
}
