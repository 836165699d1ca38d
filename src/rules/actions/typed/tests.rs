//! coerce_by_schema on bodies, PATCH values and responses.

use http::Method;
use serde_json::json;

use super::*;
use crate::scim::urn;

fn message(method: Method, path: &str, body: Value) -> Request {
    let mut req = Request::new(method, path);
    req.body = Body::Json(body);
    req
}

fn body(req: &Request) -> &Value {
    match &req.body {
        Body::Json(v) => v,
        other => panic!("not JSON: {other:?}"),
    }
}

fn run(req: &mut Request) -> Trace {
    let mut trace = Trace::default();
    CoerceBySchema::new().apply(&Arc::from("t.rule"), req, &mut trace);
    trace
}

fn targets(trace: &Trace) -> Vec<&str> {
    trace.changes.iter().map(|c| c.target.as_str()).collect()
}

#[test]
fn a_user_body_gets_every_boolean_the_schema_declares() {
    let mut req = message(
        Method::POST,
        "/scim/v2/Users",
        json!({
            "schemas": [urn::USER, urn::ENTERPRISE_USER],
            "userName": "True",
            "title": "false",
            "active": "True",
            "emails": [{"value": "a@x", "primary": "TRUE"}],
            "x509Certificates": [{"value": "c", "primary": "false"}],
            urn::ENTERPRISE_USER: {"employeeNumber": "true"}
        }),
    );
    let trace = run(&mut req);
    let b = body(&req);
    assert_eq!(b["active"], true);
    assert_eq!(b["emails"][0]["primary"], true);
    assert_eq!(b["x509Certificates"][0]["primary"], false);
    assert_eq!(
        b["userName"], "True",
        "strings the schema calls strings stay"
    );
    assert_eq!(b["title"], "false");
    assert_eq!(b[urn::ENTERPRISE_USER]["employeeNumber"], "true");
    assert_eq!(
        targets(&trace),
        [
            "/active",
            "/emails/0/primary",
            "/x509Certificates/0/primary"
        ]
    );
    assert_eq!(trace.changes[0].before, "True");
    assert_eq!(trace.changes[0].after, true);
    assert!(trace.body_changed);
}

#[test]
fn patch_values_are_typed_by_their_path() {
    let mut req = message(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": "true"},
            {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "True"},
            {"op": "add", "path": "emails", "value": [{"value": "w", "primary": "true"}]},
            {"op": "add", "path": "emails[type eq \"home\"]", "value": {"value": "h", "primary": "false"}},
            {"op": "replace", "value": {"active": "False", "nickName": "true"}},
            {"op": "replace", "path": "title", "value": "True"},
            {"op": "replace", "path": "emails[type eq", "value": "True"},
            {"op": "remove", "path": "active"}
        ]}),
    );
    let trace = run(&mut req);
    let ops = &body(&req)["Operations"];
    assert_eq!(ops[0]["value"], false);
    assert_eq!(ops[1]["value"], true);
    assert_eq!(ops[2]["value"], true);
    assert_eq!(ops[3]["value"][0]["primary"], true);
    assert_eq!(ops[4]["value"]["primary"], false);
    assert_eq!(
        ops[5]["value"],
        json!({"active": false, "nickName": "true"})
    );
    assert_eq!(ops[6]["value"], "True", "title is a string");
    assert_eq!(ops[7]["value"], "True", "a path that does not parse");
    assert_eq!(
        targets(&trace),
        [
            "/Operations/0/value",
            "/Operations/1/value",
            "/Operations/2/value",
            "/Operations/3/value/0/primary",
            "/Operations/4/value/primary",
            "/Operations/5/value/active"
        ]
    );
}

#[test]
fn a_whole_extension_in_a_patch_is_typed_by_the_extension() {
    // EnterpriseUser declares no booleans; a custom extension would. The
    // manager's complex value is walked without harm.
    let mut req = message(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [
            {"op": "add", "path": urn::ENTERPRISE_USER, "value": {"manager": {"value": "m"}, "costCenter": "true"}}
        ]}),
    );
    let trace = run(&mut req);
    assert!(targets(&trace).is_empty());
    assert!(!trace.body_changed);
}

#[test]
fn responses_and_list_responses_are_typed_per_resource() {
    let mut one = message(
        Method::GET,
        "/scim/v2/Users/u1",
        json!({"schemas": [urn::USER], "id": "u1", "userName": "a", "active": "false"}),
    );
    one.status = Some(200);
    let trace = run(&mut one);
    assert_eq!(body(&one)["active"], false);
    assert_eq!(targets(&trace), ["/active"]);

    let mut list = message(
        Method::GET,
        "/scim/v2/Users",
        json!({"schemas": [urn::LIST_RESPONSE], "totalResults": 2, "Resources": [
            {"id": "1", "userName": "a", "active": "True"},
            {"id": "2", "userName": "b", "active": true}
        ]}),
    );
    list.status = Some(200);
    let trace = run(&mut list);
    assert_eq!(body(&list)["Resources"][0]["active"], true);
    assert_eq!(targets(&trace), ["/Resources/0/active"]);
}

#[test]
fn groups_use_the_group_schema_and_other_paths_are_left_alone() {
    // Group has no booleans: "True" in a displayName is a name.
    let mut group = message(
        Method::POST,
        "/scim/v2/Groups",
        json!({"schemas": [urn::GROUP], "displayName": "True", "active": "True"}),
    );
    assert!(targets(&run(&mut group)).is_empty());
    for path in [
        "/scim/v2/Users/.search",
        "/scim/v2/Schemas",
        "/scim/v2/ServiceProviderConfig",
        "/scim/v2/Bulk",
    ] {
        let mut req = message(Method::POST, path, json!({"active": "True"}));
        assert!(targets(&run(&mut req)).is_empty(), "{path}");
        assert_eq!(body(&req)["active"], "True", "{path}");
    }
}

#[test]
fn without_change_records_the_edit_is_still_counted() {
    let mut req = message(Method::PUT, "/scim/v2/Users/u1", json!({"active": "TRUE"}));
    let mut trace = Trace::without_changes();
    CoerceBySchema::new().apply(&Arc::from("t"), &mut req, &mut trace);
    assert!(trace.changes.is_empty());
    assert_eq!(trace.edits, 1);
    assert!(trace.body_changed);
    assert_eq!(body(&req)["active"], true);
}

#[test]
fn a_lone_element_of_a_multi_valued_attribute_becomes_a_list() {
    // ONELOGIN-02: the template sends `emails` as one object.
    let mut req = message(
        Method::POST,
        "/scim/v2/Users",
        json!({
            "schemas": [urn::USER],
            "userName": "o",
            "emails": {"value": "o@x.example", "primary": "true"},
            "name": {"givenName": "O"}
        }),
    );
    let trace = run(&mut req);
    let b = body(&req);
    assert_eq!(
        b["emails"],
        json!([{"value": "o@x.example", "primary": true}])
    );
    assert_eq!(b["name"], json!({"givenName": "O"}), "single-valued stays");
    assert_eq!(targets(&trace), ["/emails", "/emails/0/primary"]);
    assert_eq!(
        trace.changes[0].before,
        json!({"value": "o@x.example", "primary": "true"})
    );

    // In a PATCH: `emails` takes a list; `emails[type eq "work"]` one element.
    let mut req = message(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [
            {"op": "add", "path": "emails", "value": {"value": "w@x.example", "type": "work"}},
            {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "w2@x.example", "type": "work"}}
        ]}),
    );
    run(&mut req);
    let ops = &body(&req)["Operations"];
    assert!(ops[0]["value"].is_array(), "{ops}");
    assert!(ops[1]["value"].is_object(), "{ops}");
}
