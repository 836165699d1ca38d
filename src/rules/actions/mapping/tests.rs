//! `map_attribute`: Entra's app roles (ENTRA-09) into a custom extension
//! attribute (seed 000), in every shape a client writes them.

use std::path::Path;

use http::Method;
use serde_json::{Value, json};

use super::*;
use crate::rules::actions::SecretMode;
use crate::rules::secret::MapEnv;

const WT: &str = "urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User";
const ROLE: &str = "urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User:role";

fn rule() -> Arc<str> {
    Arc::from("t.rule")
}

fn roles_to_role() -> MapAttribute {
    compile("roles.value", ROLE).unwrap()
}

fn compile(from: &str, to: &str) -> Result<MapAttribute, Vec<String>> {
    let spec = MapAttributeSpec {
        from: from.into(),
        to: to.into(),
        detail: None,
    };
    let env = MapEnv::default();
    let mut cx = CompileCx::new(&env, Path::new("."), SecretMode::Lenient);
    MapAttribute::compile(&spec, &FieldPath::root(), &mut cx)
        .ok_or_else(|| cx.problems.into_iter().map(|p| p.message).collect())
}

/// Runs the action; the body afterwards, or the answer's status and body.
fn run(m: &MapAttribute, method: Method, body: Value) -> (Result<Value, (u16, Value)>, Trace) {
    let path = if method == Method::POST {
        "/scim/v2/Users"
    } else {
        "/scim/v2/Users/u1"
    };
    let mut req = Request::new(method, path);
    req.body = Body::Json(body);
    let mut trace = Trace::default();
    let flow = m.apply(&rule(), &mut req, &mut trace);
    let result = match flow {
        Flow::Continue => match req.body {
            Body::Json(v) => Ok(v),
            other => panic!("{other:?}"),
        },
        Flow::Respond(r) => Err((
            r.status.as_u16(),
            r.body
                .map(|b| serde_json::from_slice(&b).unwrap())
                .unwrap_or(Value::Null),
        )),
    };
    (result, trace)
}

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[test]
fn a_created_user_gets_the_primary_role_in_the_extension() {
    // ENTRA-09, SingleAppRoleAssignment as the catalog records the POST.
    let (body, trace) = run(
        &roles_to_role(),
        Method::POST,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "alias@contoso.example",
            "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]
        }),
    );
    assert_eq!(
        body.unwrap(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", WT],
            "userName": "alias@contoso.example",
            WT: {"role": "Admin"}
        })
    );
    let targets: Vec<&str> = trace.changes.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(
        targets,
        ["/roles", format!("/{WT}/role").as_str(), "/schemas/1"]
    );
}

#[test]
fn the_only_role_or_the_primary_one_is_taken() {
    let m = roles_to_role();
    let take = |roles: Value| {
        run(&m, Method::PUT, json!({"roles": roles}))
            .0
            .map(|b| b[WT]["role"].clone())
    };
    assert_eq!(take(json!([{"value": "Member"}])), Ok(json!("Member")));
    assert_eq!(
        take(json!([{"value": "Member"}, {"value": "Admin", "primary": "True"}])),
        Ok(json!("Admin"))
    );
    // Entra's stringified element (ENTRA-09).
    assert_eq!(
        take(json!([{"value": "{\"id\":\"06b0\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}])),
        Ok(json!("Admin"))
    );
    assert_eq!(take(json!(["{\"value\":\"Member\"}"])), Ok(json!("Member")));
    // No role: the source goes, nothing is written.
    assert_eq!(take(json!([])), Ok(Value::Null));
    let (err, _) = run(
        &m,
        Method::PUT,
        json!({"roles": [{"value": "Member"}, {"value": "Admin"}]}),
    );
    let (status, error) = err.unwrap_err();
    assert_eq!(status, 400);
    assert_eq!(error["scimType"], "invalidValue");
    assert_eq!(
        error["detail"],
        format!(
            "`roles.value` holds several values and none is marked primary, but this backend keeps \
             one value in `{ROLE}`; give the user one value in the identity provider, or mark one primary"
        )
    );
}

#[test]
fn patch_shapes_become_one_replace_of_the_target() {
    let m = roles_to_role();
    let (body, _) = run(
        &m,
        Method::PATCH,
        patch(json!([
            {"op": "replace", "path": "displayName", "value": "A"},
            {"op": "add", "path": "roles[primary eq \"True\"].value", "value": "Admin"},
            {"op": "add", "path": "roles", "value": [{"primary": true, "value": "Member"}]},
            {"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"Admin\"}"}]},
            {"op": "replace", "path": "roles[primary eq true]", "value": {"value": "Member", "display": "M"}},
            {"op": "add", "path": "roles[primary eq \"True\"].display", "value": "Admin"},
            {"op": "remove", "path": "roles[value eq \"Admin\"]"},
            {"op": "replace", "path": "roles", "value": []},
            {"op": "replace", "value": {"roles": [{"value": "Admin"}], "title": "T"}}
        ])),
    );
    assert_eq!(
        body.unwrap()["Operations"],
        json!([
            {"op": "replace", "path": "displayName", "value": "A"},
            {"op": "replace", "path": ROLE, "value": "Admin"},
            {"op": "replace", "path": ROLE, "value": "Member"},
            {"op": "replace", "path": ROLE, "value": "Admin"},
            {"op": "replace", "path": ROLE, "value": "Member"},
            {"op": "remove", "path": ROLE},
            {"op": "remove", "path": ROLE},
            {"op": "replace", "value": {"title": "T", WT: {"role": "Admin"}}}
        ])
    );
}

#[test]
fn a_patch_with_nothing_left_is_answered_204_and_an_ambiguous_one_refused() {
    let m = roles_to_role();
    let (answer, trace) = run(
        &m,
        Method::PATCH,
        patch(json!([{"op": "add", "path": "roles[primary eq \"True\"].type", "value": "X"}])),
    );
    assert_eq!(answer, Err((204, Value::Null)));
    assert_eq!(trace.changes.len(), 1);
    let sent = patch(json!([
        {"op": "replace", "path": "title", "value": "T"},
        {"op": "replace", "value": {"roles": [{"value": "A"}, {"value": "B"}]}}
    ]));
    let (answer, trace) = run(&m, Method::PATCH, sent);
    assert_eq!(answer.unwrap_err().0, 400);
    assert!(
        trace.changes.is_empty(),
        "decided before anything is edited"
    );
}

#[test]
fn other_requests_are_left_alone() {
    let m = roles_to_role();
    let sent = patch(json!([{"op": "replace", "path": "title", "value": "T"}]));
    let (body, trace) = run(&m, Method::PATCH, sent.clone());
    assert_eq!(body.unwrap(), sent);
    assert!(trace.changes.is_empty());
    let user = json!({"userName": "a", "schemas": []});
    let (body, trace) = run(&m, Method::POST, user.clone());
    assert_eq!(body.unwrap(), user);
    assert!(trace.changes.is_empty());
}

#[test]
fn single_valued_and_core_targets() {
    let m = compile(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "title",
    )
    .unwrap();
    let (body, _) = run(
        &m,
        Method::POST,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
        }),
    );
    assert_eq!(
        body.unwrap(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "title": "R&D"
        })
    );
    let nested = compile("title", "name.honorificPrefix").unwrap();
    let (body, _) = run(
        &nested,
        Method::PATCH,
        patch(json!([{"op": "replace", "value": {"title": "Dr", "name": {"givenName": "A"}}}])),
    );
    assert_eq!(
        body.unwrap()["Operations"][0]["value"],
        json!({"name": {"givenName": "A", "honorificPrefix": "Dr"}})
    );
}

#[test]
fn compile_errors() {
    assert_eq!(
        compile("roles", "Roles").unwrap_err(),
        ["`roles` and `Roles` are the same attribute"]
    );
    let bad = compile("roles[primary eq true].value", ROLE).unwrap_err();
    assert!(bad[0].contains("is not a SCIM attribute path"), "{bad:?}");
}
