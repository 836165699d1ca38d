//! Where requests write an attribute: resource bodies, PATCH paths, path-less
//! PATCH values; names and URNs in any case.

use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::rules::actions::SecretMode;
use crate::rules::secret::MapEnv;

fn target(text: &str) -> AttrTarget {
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let t = AttrTarget::compile(text, FieldPath::root(), &mut cx);
    assert!(cx.problems.is_empty(), "{:?}", cx.problems);
    t.unwrap()
}

fn written(text: &str, body: Value) -> Vec<(String, Value)> {
    target(text)
        .written(&body)
        .into_iter()
        .map(|p| {
            (
                p.to_json_pointer(),
                p.get(&body).cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[test]
fn a_filter_is_not_an_attribute() {
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    assert!(AttrTarget::compile("emails[type eq \"work\"]", FieldPath::root(), &mut cx).is_none());
    assert_eq!(cx.problems.len(), 1);
    assert!(
        cx.problems[0]
            .message
            .contains("is not a SCIM attribute path"),
        "{}",
        cx.problems[0].message
    );
}

#[test]
fn core_urns_are_optional_and_extension_urns_kept() {
    assert_eq!(
        target("urn:ietf:params:scim:schemas:core:2.0:User:userName"),
        target("userName")
    );
    let ext = target("urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User:role");
    assert_eq!(
        ext.path.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User")
    );
    assert_eq!(ext.path.name, "role");
    assert_eq!(
        ext.text(),
        "urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User:role"
    );
}

#[test]
fn resource_bodies() {
    let body = json!({
        "UserName": "Alice",
        "name": {"givenName": "A"},
        "emails": [{"value": "a@x"}, {"type": "home"}, {"value": "b@x"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
    });
    assert_eq!(
        written("userName", body.clone()),
        vec![("/UserName".into(), json!("Alice"))]
    );
    assert_eq!(
        written("name.givenName", body.clone()),
        vec![("/name/givenName".into(), json!("A"))]
    );
    assert_eq!(
        written("emails.value", body.clone()),
        vec![
            ("/emails/0/value".into(), json!("a@x")),
            ("/emails/2/value".into(), json!("b@x"))
        ]
    );
    assert_eq!(
        written(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department",
            body.clone()
        ),
        vec![(
            "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department".into(),
            json!("R&D")
        )]
    );
    assert!(written("displayName", body.clone()).is_empty());
    assert!(
        written("department", body).is_empty(),
        "extension attributes need their URN"
    );
}

#[test]
fn patch_operations() {
    let body = json!({"Operations": [
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "a"},
        {"op": "Add", "value": {"userName": "b", "name": {"givenName": "G"}}},
        {"op": "remove", "path": "userName"},
        {"op": "replace", "path": "name", "value": {"givenName": "H"}},
        {"op": "replace", "path": "name.givenName", "value": "I"},
        {"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"},
        {"op": "add", "path": "emails[type eq \"work\"]", "value": {"value": "v@x"}},
        {"op": "add", "path": "emails", "value": [{"value": "e@x"}]},
        {"op": "replace", "path": "emails[broken", "value": "z"}
    ]});
    assert_eq!(
        written("userName", body.clone()),
        vec![
            ("/Operations/0/value".into(), json!("a")),
            ("/Operations/1/value/userName".into(), json!("b"))
        ]
    );
    assert_eq!(
        written("name.givenName", body.clone()),
        vec![
            ("/Operations/1/value/name/givenName".into(), json!("G")),
            ("/Operations/3/value/givenName".into(), json!("H")),
            ("/Operations/4/value".into(), json!("I"))
        ]
    );
    assert_eq!(
        written("emails", body.clone()),
        vec![("/Operations/7/value".into(), json!([{"value": "e@x"}]))]
    );
    assert_eq!(
        written("emails.value", body),
        vec![
            ("/Operations/5/value".into(), json!("w@x")),
            ("/Operations/6/value/value".into(), json!("v@x")),
            ("/Operations/7/value/0/value".into(), json!("e@x"))
        ]
    );
}

#[test]
fn value_in_a_fetched_resource() {
    let user = json!({"userName": "alice", "externalId": null});
    assert_eq!(value_in(&user, &target("USERNAME")), Some(&json!("alice")));
    assert_eq!(value_in(&user, &target("externalId")), Some(&Value::Null));
    assert_eq!(value_in(&user, &target("title")), None);
}
