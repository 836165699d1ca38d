//! normalize_patch, members_remove_by_value and manager_shape on the quirk
//! shapes from the catalog (ENTRA-01, -04, -05, -06, -08; JUMPCLOUD-03).

use http::Method;
use serde_json::json;

use super::*;

fn patch(body: Value) -> Request {
    let mut req = Request::new(Method::PATCH, "/scim/v2/Users/u1");
    req.body = Body::Json(body);
    req
}

fn body(req: &Request) -> &Value {
    match &req.body {
        Body::Json(v) => v,
        other => panic!("not JSON: {other:?}"),
    }
}

fn rule() -> Arc<str> {
    Arc::from("t.rule")
}

#[test]
fn normalize_patch_fixes_entra_default_spellings() {
    // ENTRA-01 + ENTRA-06: capitalised op, core URN on the path.
    let mut req = patch(json!({
        "schemas": [urn::PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "a@x"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"}
        ]
    }));
    let mut trace = Trace::default();
    NormalizePatch.apply(&rule(), &mut req, &mut trace);
    assert_eq!(
        body(&req)["Operations"],
        json!([
            {"op": "replace", "path": "userName", "value": "a@x"},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"}
        ])
    );
    assert!(trace.body_changed);
    assert_eq!(trace.changes.len(), 3, "{:#?}", trace.changes);
}

#[test]
fn normalize_patch_rebuilds_dotted_and_urn_keys() {
    // ENTRA-05, as the catalog records it.
    let mut req = patch(json!({
        "schemas": [urn::PATCH_OP],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "t@x"},
            {"op": "Replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
                "urn:ietf:params:scim:schemas:core:2.0:User:title": "Boss"
            }}
        ]
    }));
    NormalizePatch.apply(&rule(), &mut req, &mut Trace::default());
    assert_eq!(
        body(&req)["Operations"][1],
        json!({"op": "replace", "value": {
            "displayName": "Bjfe",
            "name": {"givenName": "Kkom", "familyName": "Unua"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "Aklq"},
            "title": "Boss"
        }})
    );
}

#[test]
fn normalize_patch_merges_into_existing_objects_and_splits_filtered_keys() {
    let mut req = patch(json!({
        "operations": [
            {"Op": "add", "Value": {
                "name": {"formatted": "Foo Bar"},
                "name.givenName": "Foo",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Eng"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1",
                "emails[type eq \"work\"].value": "w@x"
            }}
        ]
    }));
    NormalizePatch.apply(&rule(), &mut req, &mut Trace::default());
    assert_eq!(
        body(&req),
        &json!({
            "schemas": [urn::PATCH_OP],
            "Operations": [
                {"op": "add", "value": {
                    "name": {"formatted": "Foo Bar", "givenName": "Foo"},
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                        "department": "Eng", "manager": {"value": "m1"}
                    }
                }},
                {"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"}
            ]
        })
    );
}

#[test]
fn normalize_patch_leaves_strict_requests_alone() {
    let strict = json!({
        "schemas": [urn::PATCH_OP],
        "Operations": [
            {"op": "replace", "value": {"active": false, "name": {"givenName": "A"}}},
            {"op": "remove", "path": "members[value eq \"x\"]"}
        ]
    });
    let mut req = patch(strict.clone());
    let mut trace = Trace::default();
    NormalizePatch.apply(&rule(), &mut req, &mut trace);
    assert_eq!(body(&req), &strict);
    assert!(!trace.body_changed);
    assert!(trace.changes.is_empty());
}

#[test]
fn schema_ids_are_told_from_attribute_keys() {
    assert!(is_schema_id(urn::ENTERPRISE_USER));
    assert!(is_schema_id(
        "urn:ietf:params:scim:schemas:extension:Acme:2.0:User"
    ));
    assert!(is_schema_id("urn:acme:1:Device"));
    assert!(!is_schema_id(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
    ));
    assert!(!is_schema_id("urn:x"));
}

#[test]
fn members_remove_by_value_becomes_one_filtered_remove_per_member() {
    // ENTRA-04 (with `$ref: null`, several members) and JUMPCLOUD-03.
    let mut req = patch(json!({
        "schemas": [urn::PATCH_OP],
        "Operations": [
            {"op": "Remove", "path": "members", "value": [
                {"$ref": null, "value": "f648f8d5"},
                {"value": "quote\"d"}
            ]},
            {"op": "add", "path": "members", "value": [{"value": "n1"}]}
        ]
    }));
    let mut trace = Trace::default();
    let flow = MembersRemoveByValue.apply(&rule(), &mut req, &mut trace);
    assert!(matches!(flow, Flow::Continue));
    assert_eq!(
        body(&req)["Operations"],
        json!([
            {"op": "remove", "path": "members[value eq \"f648f8d5\"]"},
            {"op": "remove", "path": "members[value eq \"quote\\\"d\"]"},
            {"op": "add", "path": "members", "value": [{"value": "n1"}]}
        ])
    );
    assert_eq!(trace.changes.len(), 1);
}

#[test]
fn members_remove_by_value_refuses_what_it_cannot_rewrite() {
    let mut req = patch(json!({
        "Operations": [{"op": "remove", "path": "members", "value": [{"display": "no id"}]}]
    }));
    let before = body(&req).clone();
    let flow = MembersRemoveByValue.apply(&rule(), &mut req, &mut Trace::default());
    match flow {
        Flow::Respond(r) => {
            assert_eq!(r.status, http::StatusCode::BAD_REQUEST);
            let b: Value = serde_json::from_slice(r.body.as_deref().unwrap_or_default()).unwrap();
            assert_eq!(b["scimType"], "invalidValue");
        }
        Flow::Continue => panic!("should refuse"),
    }
    assert_eq!(body(&req), &before, "nothing half-rewritten");
}

#[test]
fn members_remove_of_an_empty_list_answers_locally() {
    let mut req = patch(json!({
        "Operations": [{"op": "remove", "path": "members", "value": []}]
    }));
    match MembersRemoveByValue.apply(&rule(), &mut req, &mut Trace::default()) {
        Flow::Respond(r) => assert_eq!(r.status, http::StatusCode::NO_CONTENT),
        Flow::Continue => panic!("an empty PATCH must not be forwarded"),
    }
}

#[test]
fn manager_shape_in_patch_operations() {
    let ent = urn::ENTERPRISE_USER;
    let mut req = patch(json!({
        "Operations": [
            {"op": "Add", "path": format!("{ent}:manager"), "value": "271"},
            {"op": "add", "path": "manager", "value": [{"$ref": "../Users/9", "value": "9"}]},
            {"op": "remove", "path": "manager[value eq \"9\"]"},
            {"op": "replace", "value": {ent: {"manager": "77"}}},
            {"op": "replace", "path": format!("{ent}:manager"), "value": {"value": "ok"}}
        ]
    }));
    ManagerShape.apply(&rule(), &mut req, &mut Trace::default());
    let q = format!("{ent}:manager");
    assert_eq!(
        body(&req)["Operations"],
        json!([
            {"op": "Add", "path": q, "value": {"value": "271"}},
            {"op": "add", "path": q, "value": {"$ref": "../Users/9", "value": "9"}},
            {"op": "remove", "path": q},
            {"op": "replace", "value": {ent: {"manager": {"value": "77"}}}},
            {"op": "replace", "path": q, "value": {"value": "ok"}}
        ])
    );
}

#[test]
fn manager_shape_in_responses_and_lists() {
    let ent = urn::ENTERPRISE_USER;
    let mut resp = Request::new(Method::GET, "/scim/v2/Users");
    resp.status = Some(200);
    resp.body = Body::Json(json!({
        "Resources": [
            {"id": "a", ent: {"manager": "m"}},
            {"id": "b", ent: {"manager": {"value": "m2"}}},
            {"id": "c"}
        ]
    }));
    let mut trace = Trace::default();
    ManagerShape.apply(&rule(), &mut resp, &mut trace);
    assert_eq!(
        body(&resp)["Resources"][0][ent]["manager"],
        json!({"value": "m"})
    );
    assert_eq!(
        body(&resp)["Resources"][1][ent]["manager"],
        json!({"value": "m2"})
    );
    assert_eq!(trace.changes.len(), 1);
    assert_eq!(
        trace.changes[0].target,
        format!("/Resources/0/{ent}/manager")
    );
}

#[test]
fn normalize_patch_lowercases_member_names_and_says_so() {
    let mut req = patch(json!({
        "schemas": [urn::PATCH_OP],
        "Operations": [{"Op": "replace", "Path": "title", "Value": "x"}]
    }));
    let mut trace = Trace::default();
    NormalizePatch.apply(&rule(), &mut req, &mut trace);
    assert_eq!(
        body(&req)["Operations"],
        json!([{"op": "replace", "path": "title", "value": "x"}])
    );
    assert!(trace.body_changed, "the body must be re-encoded");
}

#[test]
fn keys_that_start_with_a_multi_byte_character_do_not_panic() {
    // A byte-sliced `k[..4]` would split `é` and panic on a request path.
    let mut req = patch(json!({"Operations": [
        {"op": "replace", "value": {"abcé.x": "1", "éééé": "2", "urné:x": "3"}}
    ]}));
    NormalizePatch.apply(&rule(), &mut req, &mut Trace::default());
    let value = &body(&req)["Operations"][0]["value"];
    assert_eq!(value["abcé"], json!({"x": "1"}), "{value}");
    assert_eq!(value["éééé"], "2");
}
