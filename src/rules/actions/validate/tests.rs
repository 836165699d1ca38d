//! `require` and `immutable`: each check passes and fails where it should,
//! rejections carry the configured SCIM error, and nothing is edited on the
//! way to a refusal.

use std::path::Path;

use http::Method;
use serde_json::{Value, json};

use super::*;
use crate::rules::actions::SecretMode;
use crate::rules::model::{ImmutableSpec, RequireSpec};
use crate::rules::request::Fetched;
use crate::rules::secret::MapEnv;
use crate::scim::urn;

fn rule() -> Arc<str> {
    Arc::from("t.rule")
}

fn require(spec: Value) -> Require {
    let spec: RequireSpec = serde_json::from_value(spec).unwrap();
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let r = Require::compile(&spec, &FieldPath::root(), &mut cx);
    assert!(cx.problems.is_empty(), "{:?}", cx.problems);
    r.unwrap()
}

fn require_problems(spec: Value) -> Vec<String> {
    let spec: RequireSpec = serde_json::from_value(spec).unwrap();
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let r = Require::compile(&spec, &FieldPath::root(), &mut cx);
    assert!(r.is_none());
    cx.problems.into_iter().map(|p| p.message).collect()
}

fn immutable(attrs: &[&str]) -> Immutable {
    let spec = ImmutableSpec {
        attributes: attrs.iter().map(|s| s.to_string()).collect(),
        detail: None,
    };
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let r = Immutable::compile(&spec, &FieldPath::root(), &mut cx);
    assert!(cx.problems.is_empty(), "{:?}", cx.problems);
    r.unwrap()
}

fn request(method: Method, path: &str, body: Value) -> Request {
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

/// The answer's status and JSON body, or `None` when the request goes on.
fn answer(flow: Flow) -> Option<(u16, Value)> {
    match flow {
        Flow::Continue => None,
        Flow::Respond(r) => Some((
            r.status.as_u16(),
            r.body
                .map(|b| serde_json::from_slice(&b).unwrap())
                .unwrap_or(Value::Null),
        )),
    }
}

fn user_name_rule() -> Require {
    require(json!({
        "attribute": "userName",
        "matches": "^[a-z0-9_.-]+$",
        "error": {"scim_type": "invalidValue", "detail": "userName: a-z 0-9 _ . - only"}
    }))
}

#[test]
fn a_pattern_is_checked_wherever_the_attribute_is_written() {
    let r = user_name_rule();
    let ok = request(
        Method::POST,
        "/scim/v2/Users",
        json!({"userName": "alice.b"}),
    );
    let mut ok = ok;
    assert!(answer(r.apply(&rule(), &mut ok)).is_none());
    for bad in [
        json!({"userName": "alice@example.com"}),
        json!({"Operations": [{"op": "replace", "path": "userName", "value": "Al ice"}]}),
        json!({"Operations": [{"op": "replace", "value": {"USERNAME": "a@b"}}]}),
        json!({"Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "x!"}]}),
        json!({"userName": 42}),
    ] {
        let mut req = request(Method::PATCH, "/scim/v2/Users/1", bad.clone());
        let (status, error) = answer(r.apply(&rule(), &mut req)).expect("rejected");
        assert_eq!(status, 400, "{bad}");
        assert_eq!(
            error,
            json!({
                "schemas": [urn::ERROR],
                "status": "400",
                "scimType": "invalidValue",
                "detail": "userName: a-z 0-9 _ . - only"
            })
        );
        assert_eq!(body(&req), &bad, "a refusal edits nothing");
    }
    // A removal writes no value; other attributes are not looked at.
    let mut req = request(
        Method::PATCH,
        "/scim/v2/Users/1",
        json!({"Operations": [{"op": "remove", "path": "userName"}, {"op": "replace", "path": "title", "value": "A B"}]}),
    );
    assert!(answer(r.apply(&rule(), &mut req)).is_none());
}

#[test]
fn lengths_count_characters_and_items() {
    let r = require(json!({
        "attribute": "displayName", "min_length": 1, "max_length": 128,
        "error": {"detail": "1 to 128"}
    }));
    let check = |v: Value| {
        let mut req = request(Method::POST, "/scim/v2/Users", json!({"displayName": v}));
        answer(r.apply(&rule(), &mut req)).map(|(s, _)| s)
    };
    assert_eq!(
        check(json!("é".repeat(128))),
        None,
        "128 characters, 256 bytes"
    );
    assert_eq!(check(json!("é".repeat(129))), Some(400));
    assert_eq!(check(json!("")), Some(400));
    assert_eq!(check(json!("J")), None);
    assert_eq!(check(Value::Null), None, "null is no value");
    assert_eq!(check(json!(true)), None, "no length: not checked");

    let one = require(json!({"attribute": "emails", "max_length": 1, "error": {"detail": "one"}}));
    let mut two = request(
        Method::POST,
        "/scim/v2/Users",
        json!({"emails": [{"value": "a@x"}, {"value": "b@x"}]}),
    );
    assert_eq!(answer(one.apply(&rule(), &mut two)).map(|a| a.0), Some(400));
    let mut single = request(
        Method::POST,
        "/scim/v2/Users",
        json!({"emails": [{"value": "a@x"}]}),
    );
    assert!(answer(one.apply(&rule(), &mut single)).is_none());
}

#[test]
fn presence_and_counts() {
    let r = require(json!({
        "attribute": "externalId", "present": true, "status": 422,
        "error": {"scim_type": "invalidValue", "detail": "map objectId to externalId"}
    }));
    let mut missing = request(Method::POST, "/scim/v2/Users", json!({"userName": "a"}));
    let (status, error) = answer(r.apply(&rule(), &mut missing)).unwrap();
    assert_eq!((status, error["status"].clone()), (422, json!("422")));
    let mut null = request(Method::POST, "/scim/v2/Users", json!({"externalId": null}));
    assert!(answer(r.apply(&rule(), &mut null)).is_some());
    let mut given = request(Method::POST, "/scim/v2/Users", json!({"externalId": "x"}));
    assert!(answer(r.apply(&rule(), &mut given)).is_none());
    // A body that is not JSON holds nothing to check; the backend judges it.
    let mut opaque = Request::new(Method::POST, "/scim/v2/Users");
    opaque.body = Body::Opaque;
    assert!(answer(r.apply(&rule(), &mut opaque)).is_none());

    let cap = require(json!({
        "select": ["$.Operations[*].value[*]", "$.Operations[?(@.op == 'remove')]"],
        "max_count": 3,
        "error": {"detail": "at most 3"}
    }));
    let ops = |adds: usize, removes: usize| {
        let mut ops = vec![json!({"op": "add", "path": "members",
            "value": (0..adds).map(|i| json!({"value": i.to_string()})).collect::<Vec<_>>()})];
        ops.extend(
            (0..removes)
                .map(|i| json!({"op": "remove", "path": format!("members[value eq \"{i}\"]")})),
        );
        let mut req = request(
            Method::PATCH,
            "/scim/v2/Groups/g",
            json!({"Operations": ops}),
        );
        answer(cap.apply(&rule(), &mut req)).is_some()
    };
    assert!(!ops(2, 1));
    assert!(ops(2, 2));
    assert!(ops(4, 0));
}

#[test]
fn query_parameters_are_decoded() {
    let r = require(json!({
        "query": "filter",
        "matches": r#"^\w+ eq "[^"]*"$"#,
        "status": 400,
        "error": {"scim_type": "invalidFilter", "detail": "eq only"}
    }));
    assert!(!r.needs_body());
    let run = |q: Option<&str>| {
        let mut req = Request::new(Method::GET, "/scim/v2/Users");
        req.query = q.map(str::to_string);
        answer(r.apply(&rule(), &mut req)).map(|a| a.1["scimType"].clone())
    };
    assert_eq!(run(Some("filter=userName+eq+%22a%40x%22")), None);
    assert_eq!(run(Some("count=5&FILTER=userName%20eq%20%22a%22")), None);
    assert_eq!(
        run(Some("filter=userName%20co%20%22a%22")),
        Some(json!("invalidFilter"))
    );
    assert_eq!(run(None), None, "no filter, nothing to check");
    assert_eq!(run(Some("startIndex=1")), None);
}

#[test]
fn require_specs_that_cannot_work_are_refused() {
    let e = json!({"detail": "d"});
    assert_eq!(
        require_problems(json!({"matches": "x", "error": e})),
        ["give exactly one of `select`, `attribute` and `query`"]
    );
    assert_eq!(
        require_problems(json!({"select": "$.a", "query": "filter", "matches": "x", "error": e})),
        ["give exactly one of `select`, `attribute` and `query`"]
    );
    assert_eq!(
        require_problems(json!({"attribute": "userName", "error": e})),
        ["`require` checks nothing"]
    );
    assert_eq!(
        require_problems(json!({"attribute": "a", "min_length": 3, "max_length": 2, "error": e})),
        ["`min_length` 3 is greater than `max_length` 2"]
    );
    assert_eq!(
        require_problems(json!({"attribute": "a", "present": true, "status": 302, "error": e})),
        ["302 is not an error status"]
    );
    assert_eq!(
        require_problems(
            json!({"attribute": "a", "present": true, "error": {"scim_type": "bad", "detail": "d"}})
        ),
        ["`bad` is not a scimType of RFC 7644 §3.12"]
    );
    assert_eq!(
        require_problems(json!({"attribute": "a", "present": true, "error": {"detail": " "}})),
        ["the detail is empty"]
    );
    let bad_regex = require_problems(json!({"attribute": "a", "matches": "(", "error": e}));
    assert!(
        bad_regex[0].starts_with("invalid regular expression `(`"),
        "{bad_regex:?}"
    );
    let bad_path =
        require_problems(json!({"select": ["$.a", "nope"], "present": true, "error": e}));
    assert!(bad_path[0].contains("must start with `$`"), "{bad_path:?}");
}

fn alice() -> Value {
    json!({
        "schemas": [urn::USER, "urn:example:params:acme:2.0:User"],
        "id": "u1",
        "userName": "Alice",
        "externalId": "E-1",
        "urn:example:params:acme:2.0:User": {"badge": "B7"},
        "meta": {"resourceType": "User"}
    })
}

fn fetched(mut req: Request, resource: Value) -> Request {
    req.resource = Fetched::Found {
        resource,
        etag: None,
    };
    req
}

#[test]
fn immutable_wants_the_resource_only_when_the_attribute_is_written() {
    let i = immutable(&["userName"]);
    let put = request(Method::PUT, "/scim/v2/Users/u1", json!({"userName": "a"}));
    assert!(i.wants_resource(&put));
    let put_without = request(Method::PUT, "/scim/v2/Users/u1", json!({"title": "a"}));
    assert!(!i.wants_resource(&put_without));
    let patch = request(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "remove", "path": "userName"}]}),
    );
    assert!(i.wants_resource(&patch));
    let path_less = request(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "replace", "value": {"UserName": "b"}}]}),
    );
    assert!(i.wants_resource(&path_less));
    let other = request(
        Method::PATCH,
        "/scim/v2/Users/u1",
        json!({"Operations": [{"op": "replace", "path": "name.givenName", "value": "b"}]}),
    );
    assert!(!i.wants_resource(&other));
    let post = request(Method::POST, "/scim/v2/Users", json!({"userName": "a"}));
    assert!(!i.wants_resource(&post), "creation sets it");
    let collection = request(Method::PUT, "/scim/v2/Users", json!({"userName": "a"}));
    assert!(!i.wants_resource(&collection));
}

#[test]
fn a_put_must_keep_the_value() {
    let i = immutable(&["userName", "externalId"]);
    // userName is not caseExact (RFC 7643 §4.1.1): a change of case is no change.
    let mut same = fetched(
        request(
            Method::PUT,
            "/scim/v2/Users/u1",
            json!({"userName": "alice", "externalId": "E-1"}),
        ),
        alice(),
    );
    let mut trace = Trace::default();
    assert!(answer(i.apply(&rule(), &mut same, &mut trace)).is_none());
    assert!(trace.changes.is_empty());
    // externalId is caseExact (RFC 7643 §3.1).
    let mut case = fetched(
        request(
            Method::PUT,
            "/scim/v2/Users/u1",
            json!({"userName": "Alice", "externalId": "e-1"}),
        ),
        alice(),
    );
    let (status, error) = answer(i.apply(&rule(), &mut case, &mut Trace::default())).unwrap();
    assert_eq!(status, 400);
    assert_eq!(error["scimType"], "mutability");
    assert_eq!(
        error["detail"],
        "`externalId` cannot be changed on this backend once it is set (immutable, RFC 7643 §2.2); \
         change it back in the identity provider, or delete the resource and create it again"
    );
    let mut renamed = fetched(
        request(Method::PUT, "/scim/v2/Users/u1", json!({"userName": "bob"})),
        alice(),
    );
    assert!(answer(i.apply(&rule(), &mut renamed, &mut Trace::default())).is_some());
    // Left out of the PUT: not this action's business.
    let mut omitted = fetched(
        request(
            Method::PUT,
            "/scim/v2/Users/u1",
            json!({"displayName": "A"}),
        ),
        alice(),
    );
    assert!(answer(i.apply(&rule(), &mut omitted, &mut Trace::default())).is_none());
    // The resource could not be read: the backend answers the request.
    let mut unknown = request(Method::PUT, "/scim/v2/Users/u9", json!({"userName": "bob"}));
    unknown.resource = Fetched::Failed {
        status: 404,
        body: None,
    };
    assert!(answer(i.apply(&rule(), &mut unknown, &mut Trace::default())).is_none());
}

#[test]
fn a_patch_may_not_change_or_remove_the_value() {
    let i = immutable(&["userName"]);
    for ops in [
        json!([{"op": "replace", "path": "userName", "value": "bob"}]),
        json!([{"op": "replace", "path": "title", "value": "CTO"}, {"op": "Replace", "value": {"userName": "bob"}}]),
        json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName"}]),
    ] {
        let sent = json!({"Operations": ops});
        let mut req = fetched(
            request(Method::PATCH, "/scim/v2/Users/u1", sent.clone()),
            alice(),
        );
        let mut trace = Trace::default();
        let (status, error) = answer(i.apply(&rule(), &mut req, &mut trace)).expect("refused");
        assert_eq!(
            (status, error["scimType"].clone()),
            (400, json!("mutability"))
        );
        assert_eq!(body(&req), &sent, "the body is left as sent");
        assert!(trace.changes.is_empty());
    }
}

#[test]
fn a_patch_that_repeats_the_value_loses_that_write() {
    let i = immutable(&["userName", "urn:example:params:acme:2.0:User:badge"]);
    let mut req = fetched(
        request(
            Method::PATCH,
            "/scim/v2/Users/u1",
            json!({"Operations": [
                {"op": "replace", "path": "userName", "value": "ALICE"},
                {"op": "replace", "value": {"userName": "alice", "displayName": "A"}},
                {"op": "add", "value": {"urn:example:params:acme:2.0:User": {"badge": "B7", "floor": 3}}}
            ]}),
        ),
        alice(),
    );
    let mut trace = Trace::default();
    assert!(answer(i.apply(&rule(), &mut req, &mut trace)).is_none());
    assert_eq!(
        body(&req),
        &json!({"Operations": [
            {"op": "replace", "value": {"displayName": "A"}},
            {"op": "add", "value": {"urn:example:params:acme:2.0:User": {"floor": 3}}}
        ]})
    );
    let targets: Vec<&str> = trace.changes.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/Operations/1/value/userName",
            "/Operations/0",
            "/Operations/1/value/urn:example:params:acme:2.0:User/badge"
        ]
    );
    assert!(trace.body_changed);
}

#[test]
fn a_patch_left_with_nothing_is_answered_204() {
    let i = immutable(&["userName"]);
    let mut req = fetched(
        request(
            Method::PATCH,
            "/scim/v2/Users/u1",
            json!({"Operations": [{"op": "Add", "path": "userName", "value": "Alice"}]}),
        ),
        alice(),
    );
    assert_eq!(
        answer(i.apply(&rule(), &mut req, &mut Trace::default())),
        Some((204, Value::Null))
    );
    // A client's own empty PATCH is the backend's to judge.
    let mut empty = fetched(
        request(
            Method::PATCH,
            "/scim/v2/Users/u1",
            json!({"Operations": []}),
        ),
        alice(),
    );
    assert!(answer(i.apply(&rule(), &mut empty, &mut Trace::default())).is_none());
}

#[test]
fn setting_an_unset_value_is_allowed() {
    let i = immutable(&["externalId"]);
    let mut user = alice();
    user.as_object_mut().unwrap().remove("externalId");
    let sent = json!({"Operations": [{"op": "add", "path": "externalId", "value": "E-2"}]});
    let mut req = fetched(
        request(Method::PATCH, "/scim/v2/Users/u1", sent.clone()),
        user.clone(),
    );
    assert!(answer(i.apply(&rule(), &mut req, &mut Trace::default())).is_none());
    assert_eq!(body(&req), &sent);
    let mut put = fetched(
        request(
            Method::PUT,
            "/scim/v2/Users/u1",
            json!({"externalId": "E-2"}),
        ),
        user,
    );
    assert!(answer(i.apply(&rule(), &mut put, &mut Trace::default())).is_none());
}

#[test]
fn immutable_refuses_sub_attributes_and_empty_lists() {
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let spec = ImmutableSpec {
        attributes: vec!["name.givenName".into()],
        detail: None,
    };
    assert!(Immutable::compile(&spec, &FieldPath::root(), &mut cx).is_none());
    assert_eq!(
        cx.problems[0].message,
        "`name.givenName` is a sub-attribute"
    );
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    let spec = ImmutableSpec {
        attributes: vec![],
        detail: None,
    };
    assert!(Immutable::compile(&spec, &FieldPath::root(), &mut cx).is_none());
    assert_eq!(cx.problems[0].message, "`attributes` lists nothing");
}
