use super::*;
use crate::rules::request::Body;
use crate::scim::urn;
use http::Method;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn run(body: Value) -> (Value, Trace) {
    let mut req = Request::new(Method::PATCH, "/scim/v2/Groups/g1");
    req.body = Body::Json(body);
    let mut trace = Trace::default();
    PatchSplitPathless.apply(&Arc::from("t"), &mut req, &mut trace);
    match req.body {
        Body::Json(v) => (v, trace),
        other => panic!("body became {other:?}"),
    }
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [urn::PATCH_OP], "Operations": ops})
}

#[test]
fn a_rename_gets_its_path() {
    // JUMPCLOUD-02
    let (body, trace) = run(patch(json!([
        {"op": "replace", "value": {"displayName": "New Group Name"}}
    ])));
    assert_eq!(
        body,
        patch(json!([
            {"op": "replace", "path": "displayName", "value": "New Group Name"}
        ]))
    );
    assert!(trace.body_changed);
    assert_eq!(trace.changes.len(), 1);
    assert_eq!(trace.changes[0].action, "patch_split_pathless");
    assert_eq!(trace.changes[0].target, "/Operations/0");
    assert_eq!(
        trace.changes[0].before,
        json!({"op": "replace", "value": {"displayName": "New Group Name"}})
    );
    assert_eq!(
        trace.changes[0].after,
        json!([{"op": "replace", "path": "displayName", "value": "New Group Name"}])
    );
}

#[test]
fn each_attribute_becomes_an_operation_in_place_with_the_op_as_sent() {
    // OKTA-03 (id already dropped by the Okta pack), SAILPOINT-01, and an
    // operation with a path between them that stays as it is.
    let (body, trace) = run(patch(json!([
        {"op": "Add", "value": {"active": false, "title": "Boss", "name": {"givenName": "A"}}},
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "replace", "value": {"emails": [{"value": "a@x", "primary": true}]}}
    ])));
    assert_eq!(
        body,
        patch(json!([
            {"op": "Add", "path": "active", "value": false},
            {"op": "Add", "path": "title", "value": "Boss"},
            {"op": "Add", "path": "name", "value": {"givenName": "A"}},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "replace", "path": "emails", "value": [{"value": "a@x", "primary": true}]}
        ]))
    );
    assert_eq!(trace.changes.len(), 2);
    assert_eq!(trace.changes[1].target, "/Operations/2");
}

#[test]
fn extension_objects_give_one_qualified_operation_per_attribute() {
    let (body, _) = run(patch(json!([
        {"op": "replace", "value": {
            "displayName": "A",
            ENT: {"department": "Sales", "manager": {"value": "m1"}},
            "urn:example:params:acme:2.0:Device": {"serial": "7"}
        }}
    ])));
    assert_eq!(
        body["Operations"],
        json!([
            {"op": "replace", "path": "displayName", "value": "A"},
            {"op": "replace", "path": format!("{ENT}:department"), "value": "Sales"},
            {"op": "replace", "path": format!("{ENT}:manager"), "value": {"value": "m1"}},
            {"op": "replace", "path": "urn:example:params:acme:2.0:Device:serial", "value": "7"}
        ])
    );
}

#[test]
fn keys_that_are_still_paths_are_used_as_they_are() {
    // Without normalize_patch first (ENTRA-05): the key already spells a path.
    let (body, _) = run(patch(json!([
        {"op": "replace", "value": {"name.givenName": "A", format!("{ENT}:employeeNumber"): "701"}}
    ])));
    assert_eq!(
        body["Operations"],
        json!([
            {"op": "replace", "path": "name.givenName", "value": "A"},
            {"op": "replace", "path": format!("{ENT}:employeeNumber"), "value": "701"}
        ])
    );
}

#[test]
fn member_names_are_found_in_any_case_and_a_null_path_is_no_path() {
    let (body, _) = run(json!({"operations": [
        {"OP": "replace", "Path": null, "VALUE": {"active": true}}
    ]}));
    assert_eq!(
        body,
        json!({"operations": [{"op": "replace", "path": "active", "value": true}]})
    );
}

#[test]
fn what_cannot_be_written_as_paths_is_left_alone() {
    for ops in [
        json!([{"op": "replace", "path": "displayName", "value": "A"}]),
        json!([{"op": "remove", "value": {"displayName": "A"}}]),
        json!([{"op": "replace", "value": {}}]),
        json!([{"op": "replace", "value": "A"}]),
        json!([{"op": "replace", "value": [{"displayName": "A"}]}]),
        json!([{"op": "replace"}]),
        json!([{"value": {"displayName": "A"}}]),
        json!([{"op": "replace", "value": {"": 1}}]),
        json!([{"op": "replace", "value": {"displayName": "A", ENT: "x"}}]),
        json!([{"op": "replace", "value": {ENT: {}}}]),
        json!([{"op": "replace", "value": {ENT: {"": 1}}}]),
        json!(["replace", 7, null]),
    ] {
        let doc = patch(ops.clone());
        let (body, trace) = run(doc.clone());
        assert_eq!(body, doc, "{ops}");
        assert!(trace.changes.is_empty() && !trace.body_changed, "{ops}");
    }
    let (body, _) = run(json!({"Operations": {"op": "replace", "value": {"a": 1}}}));
    assert_eq!(
        body,
        json!({"Operations": {"op": "replace", "value": {"a": 1}}})
    );
}

#[test]
fn without_recorded_changes_the_split_is_still_counted() {
    let mut req = Request::new(Method::PATCH, "/scim/v2/Users/u1");
    req.body = Body::Json(patch(
        json!([{"op": "replace", "value": {"active": false}}]),
    ));
    let mut trace = Trace::without_changes();
    PatchSplitPathless.apply(&Arc::from("t"), &mut req, &mut trace);
    assert_eq!(trace.edits, 1);
    assert!(trace.body_changed && trace.changes.is_empty());
    assert_eq!(
        req.body,
        Body::Json(patch(
            json!([{"op": "replace", "path": "active", "value": false}])
        ))
    );
}

#[test]
fn schema_urns_are_told_from_qualified_attributes() {
    assert!(is_schema_urn(ENT));
    assert!(is_schema_urn(&ENT.to_ascii_uppercase()));
    assert!(is_schema_urn(urn::USER));
    assert!(is_schema_urn("urn:acme:1:Device"));
    assert!(!is_schema_urn(&format!("{ENT}:department")));
    assert!(!is_schema_urn("urn:x"));
    assert!(!is_schema_urn("displayName"));
    assert!(!is_schema_urn("urné:1.0:X"));
    assert!(!is_schema_urn("ur"));
}
