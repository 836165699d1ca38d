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
