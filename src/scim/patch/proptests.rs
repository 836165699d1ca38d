//! Property tests: random operation sequences on a small slice of the User
//! schema, checked against a deliberately simple reference model; and the
//! message reader and applier on arbitrary JSON (no panics, atomic errors,
//! canonical round trip). `PROPTEST_CASES` raises the case count.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::scim::error::ScimType;
use crate::scim::schema::ResourceType;
use crate::scim::urn;

// ---------------------------------------------------------------------------
// The reference model: plain fields, plain vectors.

#[derive(Debug, Clone, PartialEq)]
struct Email {
    value: String,
    kind: String,
    primary: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Model {
    display_name: Option<String>,
    title: Option<String>,
    active: Option<bool>,
    given_name: Option<String>,
    emails: Vec<Email>,
}

#[derive(Debug, Clone, Copy)]
enum Text {
    DisplayName,
    Title,
}

impl Text {
    fn name(self) -> &'static str {
        match self {
            Text::DisplayName => "displayName",
            Text::Title => "title",
        }
    }
}

/// The operations generated; each knows its JSON and its effect on the model.
#[derive(Debug, Clone)]
enum Step {
    SetText(Op, Text, String),
    NullText(Text),
    RemoveText(Text),
    SetActive(Op, bool),
    RemoveActive,
    SetGiven(Op, String),
    PathLessGiven(Op, String),
    RemoveGiven,
    PathLess(Op, String, bool),
    AddEmails(Vec<Email>, bool),
    ReplaceEmails(Vec<Email>),
    RemoveEmails,
    RemoveEmailsOfType(String),
    SetEmailValue(Op, String, String),
    SetPrimary(Op, String),
    RemovePrimary(String),
}

fn email_json(e: &Email) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), json!(e.value));
    m.insert("type".into(), json!(e.kind));
    if let Some(p) = e.primary {
        m.insert("primary".into(), json!(p));
    }
    Value::Object(m)
}

impl Step {
    fn to_json(&self) -> Value {
        let set = |op: &Op, path: String, value: Value| json!({"op": op.as_str(), "path": path, "value": value});
        match self {
            Step::SetText(op, t, v) => set(op, t.name().into(), json!(v)),
            Step::NullText(t) => json!({"op": "replace", "path": t.name(), "value": null}),
            Step::RemoveText(t) => json!({"op": "remove", "path": t.name()}),
            Step::SetActive(op, b) => set(op, "active".into(), json!(b)),
            Step::RemoveActive => json!({"op": "remove", "path": "active"}),
            Step::SetGiven(op, v) => set(op, "name.givenName".into(), json!(v)),
            Step::PathLessGiven(op, v) => {
                json!({"op": op.as_str(), "value": {"name": {"givenName": v}}})
            }
            Step::RemoveGiven => json!({"op": "remove", "path": "name.givenName"}),
            Step::PathLess(op, d, b) => {
                json!({"op": op.as_str(), "value": {"displayName": d, "active": b}})
            }
            Step::AddEmails(list, single) => {
                let value = match (single, list.as_slice()) {
                    (true, [one]) => email_json(one),
                    _ => Value::Array(list.iter().map(email_json).collect()),
                };
                json!({"op": "add", "path": "emails", "value": value})
            }
            Step::ReplaceEmails(list) => json!({"op": "replace", "path": "emails",
                "value": list.iter().map(email_json).collect::<Vec<_>>()}),
            Step::RemoveEmails => json!({"op": "remove", "path": "emails"}),
            Step::RemoveEmailsOfType(t) => {
                json!({"op": "remove", "path": format!("emails[type eq \"{t}\"]")})
            }
            Step::SetEmailValue(op, t, v) => {
                set(op, format!("emails[type eq \"{t}\"].value"), json!(v))
            }
            Step::SetPrimary(op, t) => {
                set(op, format!("emails[type eq \"{t}\"].primary"), json!(true))
            }
            Step::RemovePrimary(t) => {
                json!({"op": "remove", "path": format!("emails[type eq \"{t}\"].primary")})
            }
        }
    }
}

/// One value marked primary among those written demotes the others; more
/// than one is an error.
fn settle(emails: &mut [Email], written: &[usize]) -> Result<(), ScimType> {
    let chosen: Vec<usize> = written
        .iter()
        .copied()
        .filter(|&i| emails[i].primary == Some(true))
        .collect();
    match chosen.len() {
        0 => Ok(()),
        1 => {
            for (i, e) in emails.iter_mut().enumerate() {
                if i != chosen[0] && e.primary == Some(true) {
                    e.primary = Some(false);
                }
            }
            Ok(())
        }
        _ => Err(ScimType::InvalidValue),
    }
}

impl Model {
    fn step(&mut self, step: &Step) -> Result<(), ScimType> {
        match step {
            Step::SetText(_, t, v) => *self.text(*t) = Some(v.clone()),
            Step::NullText(t) | Step::RemoveText(t) => *self.text(*t) = None,
            Step::SetActive(_, b) => self.active = Some(*b),
            Step::RemoveActive => self.active = None,
            Step::SetGiven(_, v) | Step::PathLessGiven(_, v) => self.given_name = Some(v.clone()),
            Step::RemoveGiven => self.given_name = None,
            Step::PathLess(_, d, b) => {
                self.display_name = Some(d.clone());
                self.active = Some(*b);
            }
            Step::AddEmails(list, _) => {
                let start = self.emails.len();
                for e in list {
                    if !self.emails.contains(e) {
                        self.emails.push(e.clone());
                    }
                }
                let written: Vec<usize> = (start..self.emails.len()).collect();
                settle(&mut self.emails, &written)?;
            }
            Step::ReplaceEmails(list) => {
                let mut fresh: Vec<Email> = Vec::new();
                for e in list {
                    if !fresh.contains(e) {
                        fresh.push(e.clone());
                    }
                }
                let written: Vec<usize> = (0..fresh.len()).collect();
                settle(&mut fresh, &written)?;
                self.emails = fresh;
            }
            Step::RemoveEmails => self.emails.clear(),
            Step::RemoveEmailsOfType(t) => self.emails.retain(|e| e.kind != *t),
            Step::SetEmailValue(_, t, v) => {
                let matched = self.of_type(t);
                if matched.is_empty() {
                    return Err(ScimType::NoTarget);
                }
                for &i in &matched {
                    self.emails[i].value = v.clone();
                }
                settle(&mut self.emails, &matched)?;
            }
            Step::SetPrimary(_, t) => {
                let matched = self.of_type(t);
                if matched.is_empty() {
                    return Err(ScimType::NoTarget);
                }
                for &i in &matched {
                    self.emails[i].primary = Some(true);
                }
                settle(&mut self.emails, &matched)?;
            }
            Step::RemovePrimary(t) => {
                for i in self.of_type(t) {
                    self.emails[i].primary = None;
                }
            }
        }
        Ok(())
    }

    fn text(&mut self, t: Text) -> &mut Option<String> {
        match t {
            Text::DisplayName => &mut self.display_name,
            Text::Title => &mut self.title,
        }
    }

    fn of_type(&self, t: &str) -> Vec<usize> {
        (0..self.emails.len())
            .filter(|&i| self.emails[i].kind == t)
            .collect()
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([urn::USER]));
        m.insert("userName".into(), json!("bjensen"));
        if let Some(v) = &self.display_name {
            m.insert("displayName".into(), json!(v));
        }
        if let Some(v) = &self.title {
            m.insert("title".into(), json!(v));
        }
        if let Some(v) = self.active {
            m.insert("active".into(), json!(v));
        }
        if let Some(v) = &self.given_name {
            m.insert("name".into(), json!({"givenName": v}));
        }
        if !self.emails.is_empty() {
            m.insert(
                "emails".into(),
                Value::Array(self.emails.iter().map(email_json).collect()),
            );
        }
        Value::Object(m)
    }
}

// ---------------------------------------------------------------------------
// Strategies

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("A".to_owned()),
        Just("B".to_owned()),
        Just("C".to_owned())
    ]
}

fn kind_of_email() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("work".to_owned()),
        Just("home".to_owned()),
        Just("other".to_owned())
    ]
}

fn email() -> impl Strategy<Value = Email> {
    (
        prop_oneof![Just("a@x".to_owned()), Just("b@x".to_owned())],
        kind_of_email(),
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
    )
        .prop_map(|(value, kind, primary)| Email {
            value,
            kind,
            primary,
        })
}

fn set_op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::Add), Just(Op::Replace)]
}

fn text() -> impl Strategy<Value = Text> {
    prop_oneof![Just(Text::DisplayName), Just(Text::Title)]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (set_op(), text(), word()).prop_map(|(o, t, v)| Step::SetText(o, t, v)),
        text().prop_map(Step::NullText),
        text().prop_map(Step::RemoveText),
        (set_op(), any::<bool>()).prop_map(|(o, b)| Step::SetActive(o, b)),
        Just(Step::RemoveActive),
        (set_op(), word()).prop_map(|(o, v)| Step::SetGiven(o, v)),
        (set_op(), word()).prop_map(|(o, v)| Step::PathLessGiven(o, v)),
        Just(Step::RemoveGiven),
        (set_op(), word(), any::<bool>()).prop_map(|(o, d, b)| Step::PathLess(o, d, b)),
        (prop::collection::vec(email(), 0..4), any::<bool>())
            .prop_map(|(l, single)| Step::AddEmails(l, single)),
        prop::collection::vec(email(), 0..4).prop_map(Step::ReplaceEmails),
        Just(Step::RemoveEmails),
        kind_of_email().prop_map(Step::RemoveEmailsOfType),
        (
            set_op(),
            kind_of_email(),
            prop_oneof![Just("a@x".to_owned()), Just("c@x".to_owned())]
        )
            .prop_map(|(o, t, v)| Step::SetEmailValue(o, t, v)),
        (set_op(), kind_of_email()).prop_map(|(o, t)| Step::SetPrimary(o, t)),
        kind_of_email().prop_map(Step::RemovePrimary),
    ]
}

/// A starting state reached through the model itself (so it is one the
/// applier could have produced).
fn model() -> impl Strategy<Value = Model> {
    prop::collection::vec(step(), 0..6).prop_map(|steps| {
        let mut m = Model::default();
        for s in &steps {
            let mut next = m.clone();
            if next.step(s).is_ok() {
                m = next;
            }
        }
        m
    })
}

/// Arbitrary JSON leaning towards PatchOp member names and values.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        prop_oneof![
            Just("add"),
            Just("Remove"),
            Just("replace"),
            Just(urn::PATCH_OP),
            Just("emails[type eq \"work\"].value"),
            Just("members[value eq \"x\"]"),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            Just("name.givenName"),
            Just("emails"),
            Just("title"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
        "[a-zA-Z\\[\\]\" .:()]{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("schemas".to_owned()),
            Just("Operations".to_owned()),
            Just("op".to_owned()),
            Just("path".to_owned()),
            Just("value".to_owned()),
            Just("emails".to_owned()),
            Just("name".to_owned()),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
            "[a-zA-Z.]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn user() -> Value {
    json!({
        "schemas": [urn::USER],
        "id": "2819c223",
        "userName": "bjensen",
        "name": {"givenName": "Barbara"},
        "emails": [{"value": "a@x", "type": "work", "primary": true}],
    })
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #[test]
    fn applier_agrees_with_the_reference_model(start in model(), steps in prop::collection::vec(step(), 1..6)) {
        let operations: Vec<Value> = steps.iter().map(Step::to_json).collect();
        let body = json!({"schemas": [urn::PATCH_OP], "Operations": operations});
        let request = PatchRequest::from_json(&body, Strictness::Strict).expect("generated requests are valid");
        let before = start.to_json();
        let mut resource = before.clone();
        let outcome = apply(&mut resource, &request, &ResourceType::user());

        let mut expected = start.clone();
        let mut failure = None;
        for s in &steps {
            if let Err(t) = expected.step(s) {
                failure = Some(t);
                break;
            }
        }
        match failure {
            Some(t) => {
                let e = outcome.expect_err("the model fails, so must the applier");
                prop_assert_eq!((e.status, e.scim_type), (400, Some(t)));
                prop_assert_eq!(&resource, &before);
            }
            None => {
                let changed = outcome.expect("the model succeeds, so must the applier");
                prop_assert_eq!(&resource, &expected.to_json());
                prop_assert_eq!(changed, expected != start);
            }
        }
    }

    #[test]
    fn reading_arbitrary_json_never_panics(body in any_json()) {
        let _ = PatchRequest::from_json(&body, Strictness::Strict);
        let _ = PatchRequest::from_json(&body, Strictness::Lenient);
    }

    #[test]
    fn arbitrary_operations_apply_atomically_and_round_trip(ops in prop::collection::vec(any_json(), 1..4)) {
        let body = json!({"schemas": [urn::PATCH_OP], "Operations": ops});
        if let Ok(request) = PatchRequest::from_json(&body, Strictness::Lenient) {
            let mut resource = user();
            if apply(&mut resource, &request, &ResourceType::user()).is_err() {
                prop_assert_eq!(&resource, &user());
            }
            let strictly = request
                .operations
                .iter()
                .all(|o| !(o.op == Op::Remove && o.value.is_some()));
            if strictly {
                let again = PatchRequest::from_json(&request.to_json(), Strictness::Strict);
                prop_assert_eq!(again, Ok(request));
            }
        }
    }
}
