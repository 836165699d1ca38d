//! Evaluation semantics on the pure engine: order, pause for the body and
//! resume, `unless`, local answers, and what the trace records.

use std::path::Path;

use http::{HeaderValue, Method};
use serde_json::json;

use super::*;
use crate::rules::load::{LoadOptions, load_str};
use crate::rules::secret::MapEnv;
use crate::rules::{Request, SecretMode};

fn rules(yaml: &str) -> RuleSet {
    let env = MapEnv::default();
    let loaded = load_str(
        Path::new("test.yaml"),
        yaml,
        &LoadOptions {
            env: &env,
            secrets: SecretMode::Require,
        },
    );
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded.set
}

const CX: Context = Context {
    base_path: "/scim/v2",
};

/// Runs to completion, supplying `body` when asked; returns the outcome and how
/// many times the body was asked for.
fn run(
    set: &RuleSet,
    req: &mut Request,
    body: Option<serde_json::Value>,
    trace: &mut Trace,
) -> (Outcome, usize) {
    let mut asked = 0;
    let mut at = Resume::START;
    loop {
        match evaluate(set, &CX, req, at, trace) {
            Step::Done(o) => return (o, asked),
            Step::NeedBody(r) => {
                asked += 1;
                req.body = body.clone().map_or(Body::Empty, Body::Json);
                at = r;
            }
            Step::NeedResource(r) => {
                req.resource = crate::rules::Fetched::Failed {
                    status: 404,
                    body: None,
                };
                at = r;
            }
        }
    }
}

const TWO_RULES: &str = r#"
rules:
  - id: a.path
    description: head only
    when: { path: '/v2/v2/' }
    actions:
      - rewrite_path: { pattern: '/v2/v2/', replace: '/v2/' }
  - id: b.body
    description: reads the body, only for users
    when: { method: [POST], resource: [User] }
    actions:
      - coerce: { select: '$.active', to: boolean }
"#;

#[test]
fn body_is_not_asked_for_when_no_body_rule_matches() {
    let set = rules(TWO_RULES);
    let mut req = Request::new(Method::POST, "/scim/v2/v2/Groups");
    req.body = Body::Unread;
    let mut trace = Trace::default();
    let (out, asked) = run(&set, &mut req, Some(json!({"active": "True"})), &mut trace);
    assert!(matches!(out, Outcome::Forward));
    assert_eq!(asked, 0, "a Group request must stream");
    assert_eq!(req.path, "/scim/v2/Groups");
    assert!(!trace.body_changed);
    assert_eq!(
        trace.applied.iter().map(|s| &**s).collect::<Vec<_>>(),
        ["a.path"]
    );
}

#[test]
fn evaluation_pauses_for_the_body_and_resumes_at_the_same_rule() {
    let set = rules(TWO_RULES);
    // The path rewrite happens before the pause and is not repeated after it.
    let mut req = Request::new(Method::POST, "/scim/v2/v2/Users");
    req.body = Body::Unread;
    let mut trace = Trace::default();
    let (_, asked) = run(&set, &mut req, Some(json!({"active": "True"})), &mut trace);
    assert_eq!(asked, 1);
    assert_eq!(req.body, Body::Json(json!({"active": true})));
    assert!(trace.body_changed);
    assert_eq!(trace.changes.len(), 2);
    assert_eq!(trace.changes[0].target, "path");
    assert_eq!(trace.changes[1].target, "/active");
}

#[test]
fn later_rules_see_earlier_rewrites() {
    let set = rules(
        r#"
rules:
  - id: first
    description: moves the request to Users
    when: { path: '/Accounts' }
    actions: [ { rewrite_path: { pattern: '/Accounts', replace: '/Users' } } ]
  - id: second
    description: only for users
    when: { resource: [User] }
    actions: [ { set_header: { name: x-seen, value: yes } } ]
"#,
    );
    let mut req = Request::new(Method::GET, "/scim/v2/Accounts/1");
    let mut trace = Trace::default();
    run(&set, &mut req, None, &mut trace);
    assert_eq!(
        req.headers.get("x-seen"),
        Some(&HeaderValue::from_static("yes"))
    );
}

#[test]
fn unless_and_body_conditions() {
    let set = rules(
        r#"
rules:
  - id: drop-meta
    description: removes meta unless the client is trusted
    when: { method: [POST], body: '$.meta' }
    unless: { headers: { x-trusted: { present: true } } }
    actions: [ { remove: { select: '$.meta' } } ]
"#,
    );
    let body = json!({"userName": "u", "meta": {"resourceType": "User"}});
    let mut req = Request::new(Method::POST, "/scim/v2/Users");
    req.body = Body::Unread;
    let mut trace = Trace::default();
    run(&set, &mut req, Some(body.clone()), &mut trace);
    assert_eq!(req.body, Body::Json(json!({"userName": "u"})));

    let mut req = Request::new(Method::POST, "/scim/v2/Users");
    req.headers
        .insert("x-trusted", HeaderValue::from_static("1"));
    req.body = Body::Unread;
    let mut trace = Trace::explaining();
    run(&set, &mut req, Some(body.clone()), &mut trace);
    assert_eq!(req.body, Body::Json(body));
    assert!(trace.applied.is_empty());
    assert!(
        trace.considered[0].reason.starts_with("unless"),
        "{:?}",
        trace.considered
    );

    // No body at all: the body condition does not hold.
    let mut req = Request::new(Method::POST, "/scim/v2/Users");
    let mut trace = Trace::explaining();
    run(&set, &mut req, None, &mut trace);
    assert!(trace.applied.is_empty());
}

#[test]
fn respond_stops_evaluation_and_names_the_rule() {
    let set = rules(
        r#"
rules:
  - id: stop
    description: answers groups locally
    when: { resource: [Group] }
    actions: [ { respond: { status: 200, empty_list: true } } ]
  - id: never
    description: must not run after a local answer
    actions: [ { set_header: { name: x-never, value: "1" } } ]
"#,
    );
    let mut req = Request::new(Method::GET, "/scim/v2/Groups");
    let mut trace = Trace::default();
    let (out, _) = run(&set, &mut req, None, &mut trace);
    match out {
        Outcome::Respond(r) => {
            assert_eq!(&*r.rule, "stop");
            assert_eq!(r.status, 200);
            let v: serde_json::Value = serde_json::from_slice(r.body.as_deref().unwrap()).unwrap();
            assert_eq!(v["totalResults"], 0);
        }
        Outcome::Forward => panic!("expected a local answer"),
    }
    assert!(req.headers.get("x-never").is_none());
}

#[test]
fn opaque_bodies_are_left_alone() {
    let set = rules(TWO_RULES);
    let mut req = Request::new(Method::POST, "/scim/v2/Users");
    req.body = Body::Opaque;
    let mut trace = Trace::default();
    let (_, asked) = run(&set, &mut req, None, &mut trace);
    assert_eq!(asked, 0);
    assert!(trace.changes.is_empty());
}

#[test]
fn explain_reasons_are_worded_as_before() {
    let set = rules(
        r#"
rules:
  - id: by-method
    description: method
    when: { method: [PATCH, put] }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: by-path
    description: path
    when: { path: '^/nowhere' }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: by-resource
    description: resource
    when: { resource: [Group] }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: by-endpoint
    description: endpoint
    when: { endpoint: [collection] }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: by-header
    description: header
    when: { headers: { x-one: { present: false }, x-two: { present: true } } }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: by-body
    description: body
    when: { body: '$.missing' }
    actions: [ { remove: { select: '$.x' } } ]
  - id: by-unless
    description: unless
    unless: { method: [GET] }
    actions: [ { set_header: { name: x-a, value: "1" } } ]
  - id: applies
    description: always
    actions: [ { set_header: { name: x-b, value: "1" } } ]
"#,
    );
    let mut req = Request::new(Method::GET, "/scim/v2/Users/1");
    req.body = Body::Json(json!({"a": 1}));
    let mut trace = Trace::explaining();
    run(&set, &mut req, None, &mut trace);
    let reasons: Vec<(&str, bool, &str)> = trace
        .considered
        .iter()
        .map(|c| (&*c.rule, c.applied, c.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "by-method",
                false,
                "when: method GET is not one of PATCH, PUT"
            ),
            ("by-path", false, "when: path does not match `^/nowhere`"),
            ("by-resource", false, "when: resource is User"),
            ("by-endpoint", false, "when: endpoint is item"),
            (
                "by-header",
                false,
                "when: header x-two condition does not hold"
            ),
            (
                "by-body",
                false,
                "when: body selects nothing at `$.missing`"
            ),
            ("by-unless", false, "unless: every condition holds"),
            ("applies", true, "every condition holds"),
        ]
    );

    let mut req = Request::new(Method::GET, "/elsewhere");
    let mut trace = Trace::explaining();
    run(&set, &mut req, None, &mut trace);
    assert_eq!(
        trace.considered[2].reason,
        "when: the path names no SCIM resource"
    );
    assert_eq!(
        trace.considered[3].reason,
        "when: the path names no SCIM endpoint"
    );
    assert_eq!(trace.considered[5].reason, "when: there is no body");
    for (body, reason) in [
        (Body::Opaque, "when: the body is not JSON"),
        (Body::Empty, "when: there is no body"),
    ] {
        let mut req = Request::new(Method::GET, "/scim/v2/Users");
        req.body = body;
        let mut trace = Trace::explaining();
        run(&set, &mut req, None, &mut trace);
        assert_eq!(trace.considered[5].reason, reason);
    }
}

/// Evaluates `body` as a `method` to `path`, recording changes or not.
fn outcome_with(
    set: &RuleSet,
    method: &Method,
    path: &str,
    body: &serde_json::Value,
    trace: Trace,
) -> (Request, Trace, Option<u16>) {
    let mut req = Request::new(method.clone(), path);
    req.body = Body::Unread;
    let mut trace = trace;
    let (out, _) = run(set, &mut req, Some(body.clone()), &mut trace);
    let status = match out {
        Outcome::Respond(r) => Some(r.status.as_u16()),
        Outcome::Forward => None,
    };
    (req, trace, status)
}

#[test]
fn not_recording_changes_edits_the_same_way() {
    let env = MapEnv::default();
    let options = LoadOptions {
        env: &env,
        secrets: SecretMode::Lenient,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = crate::rules::load(
        &[
            root.join("rules/common"),
            root.join("rules/backends/no-groups.yaml"),
        ],
        &options,
    )
    .expect("shipped rules load");
    assert!(!shipped.has_errors(), "{:#?}", shipped.diagnostics);
    let every_action = rules(
        r#"
rules:
  - id: all
    description: every body action
    when: { method: [PUT] }
    actions:
      - coerce: { select: '$.active', to: boolean }
      - coerce: { select: '$.n', to: number }
      - set: { select: '$', key: added, value: 1 }
      - set: { select: '$.name', value: { given: x } }
      - remove: { select: '$.emails[?@.drop]' }
      - rename: { select: '$.Title', to: title }
      - lowercase: { select: '$.emails[*].type' }
      - patch_lowercase_op: {}
      - patch_strip_urn: {}
      - patch_drop_ops: { where: { path: '^members' }, if_empty: { status: 204 } }
"#,
    );
    let bodies = [
        json!({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Babs"}]}),
        json!({"Operations":[{"op":"Add","value":{"active":"True","emails":[{"primary":"TRUE"}]}},{"op":"add","path":"members","value":[{"value":"1"}]},{"op":"REMOVE","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members"}]}),
        json!({"operations":[{"op":"Remove","path":"members[value eq \"1\"]"}]}),
        json!({"active":"False","n":"42","Title":"T","name":"n","emails":[{"type":"Work","primary":"true"},{"drop":true,"type":"x"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]}),
    ];
    let requests = [
        (Method::PATCH, "/scim/v2/Users/1"),
        (Method::PATCH, "/scim/v2/Groups/1"),
        (Method::POST, "/scim/v2/Users"),
        (Method::PUT, "/scim/v2/Groups/1"),
        (Method::PUT, "/scim/v2/v2/Users/1"),
    ];
    let mut changed = 0;
    for set in [&shipped.set, &every_action] {
        for body in &bodies {
            for (method, path) in &requests {
                let (full, full_trace, full_status) =
                    outcome_with(set, method, path, body, Trace::default());
                let (quiet, quiet_trace, quiet_status) =
                    outcome_with(set, method, path, body, Trace::without_changes());
                assert_eq!(full.body, quiet.body, "{method} {path} {body}");
                assert_eq!(full.path, quiet.path);
                assert_eq!(full.headers, quiet.headers);
                assert_eq!(full_status, quiet_status);
                assert_eq!(full_trace.applied, quiet_trace.applied);
                assert_eq!(full_trace.body_changed, quiet_trace.body_changed);
                assert!(quiet_trace.changes.is_empty());
                changed += usize::from(!full_trace.changes.is_empty());
            }
        }
    }
    assert!(changed > 10, "the cases must exercise the actions");
}
