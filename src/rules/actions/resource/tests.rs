//! upsert_filtered_path (ENTRA-07, ENTRA-09), patch_via_put and the
//! deprovisioning pair, on a fetched resource.

use http::Method;
use serde_json::json;

use super::*;

fn patch(path: &str, body: Value) -> Request {
    let mut req = Request::new(Method::PATCH, path);
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

fn alice() -> Value {
    json!({
        "schemas": [urn::USER],
        "id": "u1",
        "userName": "alice",
        "emails": [{"type": "home", "value": "a@home"}],
        "meta": {"resourceType": "User", "version": "W/\"3\""}
    })
}

#[test]
fn upsert_wants_the_resource_only_for_filtered_writes() {
    let filtered = patch(
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w"}]}),
    );
    assert!(UpsertFilteredPath.wants_resource(&filtered));
    let plain = patch(
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "replace", "path": "title", "value": "w"}]}),
    );
    assert!(!UpsertFilteredPath.wants_resource(&plain));
    let removal = patch(
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "remove", "path": "emails[type eq \"work\"]"}]}),
    );
    assert!(!UpsertFilteredPath.wants_resource(&removal));
}

#[test]
fn upsert_adds_missing_elements_and_merges_their_sub_attributes() {
    // ENTRA-07 as the catalog records it, plus SCIM-SDK #680's split address.
    let mut req = patch(
        "/scim/v2/Users/u1",
        json!({"Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@x"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Oslo"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].region", "value": "East"},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "a2@home"},
            {"op": "Add", "path": "roles[primary eq \"True\"].value", "value": "admin"}
        ]}),
    );
    req.resource = Fetched::Found {
        resource: alice(),
        etag: None,
    };
    let mut trace = Trace::default();
    UpsertFilteredPath.apply(&rule(), &mut req, &mut trace);
    assert_eq!(
        body(&req)["Operations"],
        json!([
            {"op": "add", "path": "emails", "value": [{"type": "work", "value": "w@x"}]},
            {"op": "add", "path": "addresses", "value": [{"type": "work", "locality": "Oslo", "region": "East"}]},
            {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "a2@home"},
            {"op": "add", "path": "roles", "value": [{"primary": true, "value": "admin"}]}
        ])
    );
}

#[test]
fn upsert_compares_filter_values_by_the_schema_type() {
    // ENTRA-09: `primary eq "True"` means the boolean; an existing primary
    // role is replaced, not joined by a second primary role.
    let mut user = alice();
    user["roles"] = json!([{"value": "reader", "primary": true}]);
    let ops = json!({"Operations": [
        {"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "admin"}
    ]});
    let mut req = patch("/scim/v2/Users/u1", ops.clone());
    req.resource = Fetched::Found {
        resource: user,
        etag: None,
    };
    let mut trace = Trace::default();
    UpsertFilteredPath.apply(&rule(), &mut req, &mut trace);
    assert_eq!(body(&req), &ops, "left for the backend as a replace");
    assert!(trace.changes.is_empty());
}

#[test]
fn upsert_does_nothing_without_the_resource() {
    let original = json!({"Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w"}]});
    let mut req = patch("/scim/v2/Users/u1", original.clone());
    req.resource = Fetched::Failed {
        status: 404,
        body: None,
    };
    UpsertFilteredPath.apply(&rule(), &mut req, &mut Trace::default());
    assert_eq!(body(&req), &original);
}

#[test]
fn patch_via_put_sends_the_patched_resource() {
    let mut req = patch(
        "/scim/v2/Users/u1",
        json!({"schemas": [urn::PATCH_OP], "Operations": [
            {"op": "Replace", "path": "active", "value": false},
            {"op": "add", "path": "title", "value": "CTO"}
        ]}),
    );
    req.resource = Fetched::Found {
        resource: alice(),
        etag: Some("W/\"3\"".into()),
    };
    let action = PatchViaPut { retries: 2 };
    assert!(action.wants_resource(&req));
    let mut trace = Trace::default();
    assert!(matches!(
        action.apply(&rule(), &mut req, &mut trace),
        Flow::Continue
    ));
    assert_eq!(req.method, Method::PUT);
    assert_eq!(
        body(&req),
        &json!({
            "schemas": [urn::USER],
            "id": "u1",
            "userName": "alice",
            "emails": [{"type": "home", "value": "a@home"}],
            "active": false,
            "title": "CTO"
        })
    );
    assert_eq!(req.headers.get(IF_MATCH).unwrap(), "W/\"3\"");
    assert_eq!(req.reply.retry_on_precondition, Some((rule(), 2)));
}

#[test]
fn patch_via_put_answers_what_the_backend_would() {
    // Not applicable to the resource: the same error a PATCH-capable backend gives.
    let mut req = patch(
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w"}]}),
    );
    req.resource = Fetched::Found {
        resource: alice(),
        etag: None,
    };
    match (PatchViaPut { retries: 3 }).apply(&rule(), &mut req, &mut Trace::default()) {
        Flow::Respond(r) => {
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            let b: Value = serde_json::from_slice(r.body.as_deref().unwrap_or_default()).unwrap();
            assert_eq!(b["scimType"], "noTarget");
        }
        Flow::Continue => panic!("must answer"),
    }
    assert_eq!(req.method, Method::PATCH);
    // The resource is gone: the upstream's 404 goes back as it was.
    req.resource = Fetched::Failed {
        status: 404,
        body: Some(json!({"status": "404"})),
    };
    match (PatchViaPut { retries: 3 }).apply(&rule(), &mut req, &mut Trace::default()) {
        Flow::Respond(r) => assert_eq!(r.status, StatusCode::NOT_FOUND),
        Flow::Continue => panic!("must answer"),
    }
}

#[test]
fn delete_becomes_deactivation_for_users_only() {
    let mut req = Request::new(Method::DELETE, "/scim/v2/Users/u1");
    let mut trace = Trace::default();
    DeleteAsDeactivate.apply(&rule(), &mut req, &mut trace);
    assert_eq!(req.method, Method::PATCH);
    assert_eq!(
        body(&req)["Operations"],
        json!([{"op": "replace", "path": "active", "value": false}])
    );
    assert_eq!(req.reply.no_content_on_success, Some(rule()));
    assert!(trace.body_changed);
    let mut group = Request::new(Method::DELETE, "/scim/v2/Groups/g1");
    DeleteAsDeactivate.apply(&rule(), &mut group, &mut Trace::default());
    assert_eq!(group.method, Method::DELETE);
}

#[test]
fn deactivation_becomes_delete_only_when_that_is_all_it_does() {
    for b in [
        json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
        json!({"Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"Operations": [{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": false}]}),
    ] {
        let mut req = patch("/scim/v2/Users/u1", b.clone());
        DeactivateAsDelete.apply(&rule(), &mut req, &mut Trace::default());
        assert_eq!(req.method, Method::DELETE, "{b}");
        assert_eq!(req.body, Body::Empty);
    }
    for b in [
        json!({"Operations": [{"op": "replace", "path": "active", "value": true}]}),
        json!({"Operations": [{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "title", "value": "x"}]}),
        json!({"Operations": [{"op": "replace", "value": {"active": false, "title": "x"}}]}),
        json!({"Operations": []}),
    ] {
        let mut req = patch("/scim/v2/Users/u1", b.clone());
        DeactivateAsDelete.apply(&rule(), &mut req, &mut Trace::default());
        assert_eq!(req.method, Method::PATCH, "{b}");
    }
}
