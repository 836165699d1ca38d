use super::*;
use crate::rules::secret::MapEnv;
use http::Method;
use serde_json::json;

fn compile(select: &str, keep: Option<&[&str]>) -> Result<ParseJsonStrings, Vec<String>> {
    let env = MapEnv::default();
    let mut cx = CompileCx::new(
        &env,
        std::path::Path::new("."),
        crate::rules::SecretMode::Require,
    );
    let spec = ParseJsonStringsSpec {
        select: select.into(),
        keep: keep.map(|k| k.iter().map(|s| s.to_string()).collect()),
    };
    ParseJsonStrings::compile(&spec, &FieldPath::root(), &mut cx)
        .ok_or_else(|| cx.problems.iter().map(|p| p.message.clone()).collect())
}

fn run(action: &ParseJsonStrings, body: Value) -> (Value, Trace) {
    let mut req = Request::new(Method::PATCH, "/scim/v2/Users/42");
    req.body = Body::Json(body);
    let mut trace = Trace::default();
    action.apply(&Arc::from("t"), &mut req, &mut trace);
    match req.body {
        Body::Json(v) => (v, trace),
        other => panic!("body became {other:?}"),
    }
}

const ROLES: &str = "$.Operations[?(@.path == 'roles')].value[*].value";

fn entra_role_patch() -> Value {
    // ENTRA-09, as the catalog records it (after rules/common lower-cased `op`).
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "roles", "value": [
            {"value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"},
            {"value": "{\"id\":\"7c1e\",\"value\":\"26\",\"displayName\":\"Role5678\"}", "primary": false}
        ]}]
    })
}

#[test]
fn entra_role_text_becomes_the_role_it_describes() {
    let action = compile(ROLES, Some(&["value", "displayName", "type", "primary"])).unwrap();
    let (body, trace) = run(&action, entra_role_patch());
    assert_eq!(
        body["Operations"][0]["value"],
        json!([
            {"value": "25", "displayName": "Role1234"},
            {"value": "26", "displayName": "Role5678", "primary": false}
        ])
    );
    assert!(trace.body_changed);
    assert_eq!(trace.changes.len(), 2);
    assert_eq!(trace.changes[0].action, "parse_json_strings");
    assert_eq!(trace.changes[0].target, "/Operations/0/value/0");
    assert_eq!(
        trace.changes[0].before,
        entra_role_patch()["Operations"][0]["value"][0]
    );
    assert_eq!(
        trace.changes[0].after,
        json!({"value": "25", "displayName": "Role1234"})
    );
}

#[test]
fn without_keep_every_member_is_laid_over_in_the_strings_place() {
    let action = compile("$.role.text", None).unwrap();
    let (body, _) = run(
        &action,
        json!({"role": {"a": 1, "text": "{\"x\": [1], \"y\": null}", "z": 2}}),
    );
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"role":{"a":1,"x":[1],"y":null,"z":2}}"#
    );
}

#[test]
fn members_the_object_has_already_are_replaced_where_they_stand() {
    // `Primary` exists in another case (RFC 7643 §2.1): replaced in place, not doubled.
    let action = compile("$.r.value", None).unwrap();
    let (body, _) = run(
        &action,
        json!({"r": {"Primary": true, "value": "{\"primary\": false, \"value\": \"1\", \"type\": \"t\"}", "display": "d"}}),
    );
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"r":{"Primary":false,"value":"1","type":"t","display":"d"}}"#
    );
}

#[test]
fn keep_compares_names_without_case_and_may_leave_nothing() {
    let action = compile("$.r.value", Some(&["VALUE"])).unwrap();
    let (body, _) = run(
        &action,
        json!({"r": {"value": "{\"value\": \"1\", \"id\": \"x\"}"}}),
    );
    assert_eq!(body, json!({"r": {"value": "1"}}));
    // Nothing kept: the JSON text still goes, the backend must not store it.
    let (body, trace) = run(
        &action,
        json!({"r": {"value": "{\"id\": \"x\"}", "type": "t"}}),
    );
    assert_eq!(body, json!({"r": {"type": "t"}}));
    assert_eq!(trace.changes.len(), 1);
}

#[test]
fn array_elements_and_the_root_are_replaced_by_the_object() {
    let action = compile("$.values[*]", None).unwrap();
    let (body, trace) = run(&action, json!({"values": ["{\"a\": 1}", "plain", 7]}));
    assert_eq!(body, json!({"values": [{"a": 1}, "plain", 7]}));
    assert_eq!(trace.changes.len(), 1);
    assert_eq!(trace.changes[0].target, "/values/0");
    assert_eq!(trace.changes[0].before, "{\"a\": 1}");
    let action = compile("$", Some(&["a"])).unwrap();
    let (body, _) = run(&action, json!(" {\"a\": 1, \"b\": 2} "));
    assert_eq!(body, json!({"a": 1}));
}

#[test]
fn strings_that_hold_no_object_are_left_alone() {
    let action = compile("$.r.value", None).unwrap();
    for value in [
        json!("25"),
        json!("[1, 2]"),
        json!("{not json"),
        json!("{\"a\": 1} trailing"),
        json!("true"),
        json!("Role1234"),
        json!({"already": "an object"}),
        json!(42),
    ] {
        let doc = json!({"r": {"value": value}});
        let (body, trace) = run(&action, doc.clone());
        assert_eq!(body, doc);
        assert!(trace.changes.is_empty() && !trace.body_changed, "{value}");
    }
    // Not JSON at all: nothing to do.
    let mut req = Request::new(Method::PATCH, "/scim/v2/Users/42");
    req.body = Body::Opaque;
    let mut trace = Trace::default();
    action.apply(&Arc::from("t"), &mut req, &mut trace);
    assert_eq!(req.body, Body::Opaque);
}

#[test]
fn without_recorded_changes_the_body_is_still_edited_and_counted() {
    let action = compile(ROLES, Some(&["value"])).unwrap();
    let mut req = Request::new(Method::PATCH, "/scim/v2/Users/42");
    req.body = Body::Json(entra_role_patch());
    let mut trace = Trace::without_changes();
    action.apply(&Arc::from("t"), &mut req, &mut trace);
    assert_eq!(trace.edits, 2);
    assert!(trace.body_changed && trace.changes.is_empty());
    let Body::Json(body) = req.body else {
        panic!("not JSON")
    };
    assert_eq!(
        body["Operations"][0]["value"],
        json!([{"value": "25"}, {"value": "26", "primary": false}])
    );
}

#[test]
fn bad_settings_are_refused_when_loading() {
    assert_eq!(
        compile(ROLES, Some(&[])).err(),
        Some(vec![
            "an empty `keep` would drop every member of the parsed object".to_string()
        ])
    );
    assert_eq!(
        compile(ROLES, Some(&["value", ""])).err(),
        Some(vec!["the member name is empty".to_string()])
    );
    let problems = compile("roles[*].value", None).expect_err("no $");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("must start with `$`"), "{problems:?}");
}
