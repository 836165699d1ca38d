//! Compares what a case expects with what evaluation produced, and describes
//! each difference so that it can be read without the test file open: scalar
//! values side by side, JSON bodies as a line diff of pretty-printed JSON.

use std::fmt::Write as _;

use http::HeaderMap;
use serde_json::{Map, Value};

use super::actual::{Actual, Answer, AnswerBody};
use super::spec::{Expect, MessageExpect};
use crate::rules::Request;
use crate::textdiff;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// What was compared, e.g. `forwarded.body`, `applied`.
    pub field: String,
    pub detail: Detail,
}

/// How an expectation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// Two short values.
    Values { expected: String, actual: String },
    /// A line diff (of pretty-printed JSON).
    Lines(Vec<Line>),
    /// Something that is not a comparison (the request was answered instead
    /// of forwarded, the rules did not load).
    Note(String),
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Same(String),
    /// Only in the expectation (`-`).
    Expected(String),
    /// Only in what happened (`+`).
    Actual(String),
    /// This many unchanged lines left out.
    Skipped(usize),
}

impl Mismatch {
    pub fn note(field: &str, text: impl Into<String>) -> Mismatch {
        Mismatch {
            field: field.to_string(),
            detail: Detail::Note(text.into()),
        }
    }

    fn values(field: &str, expected: impl Into<String>, actual: impl Into<String>) -> Mismatch {
        Mismatch {
            field: field.to_string(),
            detail: Detail::Values {
                expected: expected.into(),
                actual: actual.into(),
            },
        }
    }

    /// The mismatch as text; `colour` paints removed lines red and added
    /// lines green (ANSI).
    pub fn render(&self, colour: bool) -> String {
        let mut out = String::new();
        match &self.detail {
            Detail::Values { expected, actual } => {
                let _ = writeln!(out, "{}:", self.field);
                let _ = writeln!(out, "  expected: {}", paint(expected, RED, colour));
                let _ = writeln!(out, "    actual: {}", paint(actual, GREEN, colour));
            }
            Detail::Lines(lines) => {
                let _ = writeln!(out, "{} (- expected, + actual):", self.field);
                for line in lines {
                    let _ = match line {
                        Line::Same(l) => writeln!(out, "   {l}"),
                        Line::Expected(l) => {
                            writeln!(out, "{}", paint(&format!(" - {l}"), RED, colour))
                        }
                        Line::Actual(l) => {
                            writeln!(out, "{}", paint(&format!(" + {l}"), GREEN, colour))
                        }
                        Line::Skipped(n) => writeln!(out, "   ... ({n} unchanged lines)"),
                    };
                }
            }
            Detail::Note(text) => {
                let _ = writeln!(out, "{}: {text}", self.field);
            }
        }
        out
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

fn paint(text: &str, code: &str, colour: bool) -> String {
    if colour {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// Every expectation of `expect` that `actual` does not meet, in the order
/// of the format: forwarded, response, returned, applied, fetches.
pub fn compare(expect: &Expect, actual: &Actual) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(want) = &expect.forwarded {
        match (&actual.forwarded, &actual.local) {
            (Some(request), _) => request_mismatches(want, request, &mut out),
            (None, Some(local)) => out.push(Mismatch::note(
                "forwarded",
                format!(
                    "not forwarded: {}\n{}",
                    answered_by(local),
                    describe_answer(local)
                ),
            )),
            (None, None) => out.push(Mismatch::note("forwarded", "not forwarded")),
        }
    }
    if let Some(want) = &expect.response {
        match (&actual.local, &actual.forwarded) {
            (Some(local), _) => answer_mismatches("response", want, local, &mut out),
            (None, Some(request)) => out.push(Mismatch::note(
                "response",
                format!(
                    "no rule answered: the request was forwarded\n{}",
                    describe_request(request)
                ),
            )),
            (None, None) => out.push(Mismatch::note("response", "no rule answered")),
        }
    }
    if let Some(want) = &expect.returned {
        match &actual.returned {
            Some(answer) => answer_mismatches("returned", want, answer, &mut out),
            None => out.push(Mismatch::note("returned", "nothing was returned")),
        }
    }
    if let Some(want) = &expect.applied {
        let got: Vec<&str> = actual.applied.iter().map(|r| &**r).collect();
        if *want != got {
            out.push(Mismatch::values(
                "applied",
                list(want.iter().map(String::as_str)),
                list(got.iter().copied()),
            ));
        }
    }
    if let Some(want) = expect.fetches
        && want != actual.fetches
    {
        out.push(Mismatch::values(
            "fetches",
            want.to_string(),
            actual.fetches.to_string(),
        ));
    }
    out
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    format!("[{}]", items.join(", "))
}

fn answered_by(local: &Answer) -> String {
    match &local.rule {
        Some(rule) => format!("rule `{rule}` answered {}", local.status),
        None => format!("answered {}", local.status),
    }
}

fn request_mismatches(want: &MessageExpect, got: &Request, out: &mut Vec<Mismatch>) {
    if let Some(method) = &want.method {
        let method = method.trim().to_ascii_uppercase();
        if method != got.method.as_str() {
            out.push(Mismatch::values(
                "forwarded.method",
                method,
                got.method.as_str(),
            ));
        }
    }
    if let Some(path) = &want.path {
        let full = full_path(got);
        if *path != full {
            out.push(Mismatch::values("forwarded.path", path.clone(), full));
        }
    }
    header_mismatches("forwarded", want, &got.headers, out);
    if let Some(body) = &want.body {
        body_mismatch("forwarded.body", body, &AnswerBody::of(&got.body), out);
    }
}

fn answer_mismatches(field: &str, want: &MessageExpect, got: &Answer, out: &mut Vec<Mismatch>) {
    if let Some(status) = want.status
        && status != got.status
    {
        out.push(Mismatch::values(
            &format!("{field}.status"),
            status.to_string(),
            got.status.to_string(),
        ));
    }
    header_mismatches(field, want, &got.headers, out);
    if let Some(body) = &want.body {
        body_mismatch(&format!("{field}.body"), body, &got.body, out);
    }
}

fn header_mismatches(
    field: &str,
    want: &MessageExpect,
    headers: &HeaderMap,
    out: &mut Vec<Mismatch>,
) {
    for (name, expected) in &want.headers {
        let got = header_value(headers, name);
        if got.as_deref() != expected.as_deref() {
            let show = |v: Option<&str>| match v {
                Some(v) => format!("{v:?}"),
                None => "(absent)".to_string(),
            };
            out.push(Mismatch::values(
                &format!("{field}.headers.{}", name.to_ascii_lowercase()),
                show(expected.as_deref()),
                show(got.as_deref()),
            ));
        }
    }
}

/// Every value of header `name`, joined with `, ` as one field line would
/// carry them; `None` when absent.
pub fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    let values: Vec<String> = headers
        .get_all(name.as_str())
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn body_mismatch(field: &str, want: &Value, got: &AnswerBody, out: &mut Vec<Mismatch>) {
    let equal = match (want, got) {
        (Value::Null, AnswerBody::None) => true,
        (w, AnswerBody::Json(g)) if !w.is_null() => w == g,
        _ => false,
    };
    if equal {
        return;
    }
    let expected = match want {
        Value::Null => vec!["(no body)".to_string()],
        v => pretty_lines(v),
    };
    let actual = match got {
        AnswerBody::None => vec!["(no body)".to_string()],
        AnswerBody::Json(v) => pretty_lines(v),
        AnswerBody::Text(t) => t.lines().map(str::to_string).collect(),
    };
    out.push(Mismatch {
        field: field.to_string(),
        detail: Detail::Lines(diff(&expected, &actual, CONTEXT)),
    });
}

/// Unchanged lines kept around each change.
const CONTEXT: usize = 3;

/// `value` pretty-printed with object keys sorted, so that key order never
/// shows as a difference.
pub fn pretty_lines(value: &Value) -> Vec<String> {
    serde_json::to_string_pretty(&sorted(value))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(map.len());
            for k in keys {
                if let Some(v) = map.get(k) {
                    out.insert(k.clone(), sorted(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A line diff of `expected` and `actual` (longest common subsequence,
/// [`crate::textdiff`]), keeping `context` unchanged lines around each change.
pub fn diff(expected: &[String], actual: &[String], context: usize) -> Vec<Line> {
    let e: Vec<&str> = expected.iter().map(String::as_str).collect();
    let a: Vec<&str> = actual.iter().map(String::as_str).collect();
    textdiff::collapse(textdiff::lines(&e, &a), context)
        .into_iter()
        .map(|l| match l {
            textdiff::Line::Same(t) => Line::Same(t.to_string()),
            textdiff::Line::Removed(t) => Line::Expected(t.to_string()),
            textdiff::Line::Added(t) => Line::Actual(t.to_string()),
            textdiff::Line::Skipped(n) => Line::Skipped(n),
        })
        .collect()
}

fn full_path(request: &Request) -> String {
    match &request.query {
        Some(q) => format!("{}?{q}", request.path),
        None => request.path.clone(),
    }
}

/// A forwarded request in a few lines, for a failure that expected an answer.
pub fn describe_request(request: &Request) -> String {
    let mut out = format!("  {} {}", request.method, full_path(request));
    describe_body(&AnswerBody::of(&request.body), &mut out);
    out
}

/// An answer in a few lines, for a failure that expected forwarding.
pub fn describe_answer(answer: &Answer) -> String {
    let mut out = format!("  status {}", answer.status);
    describe_body(&answer.body, &mut out);
    out
}

fn describe_body(body: &AnswerBody, out: &mut String) {
    match body {
        AnswerBody::None => {}
        AnswerBody::Json(v) => {
            for line in pretty_lines(v) {
                out.push_str("\n  ");
                out.push_str(&line);
            }
        }
        AnswerBody::Text(t) => {
            out.push_str("\n  ");
            out.push_str(t);
        }
    }
}
