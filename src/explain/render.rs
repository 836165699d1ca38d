//! Printing an [`Explanation`]: as text for a person (coloured when asked),
//! with each change as a line diff of pretty-printed JSON, or as one JSON
//! document for tools. Credential headers are redacted the way the logs
//! redact them ([`crate::telemetry::redact`]); secret changes never show.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::{
    Answer, AnswerSource, BackendCheck, Considered, Explanation, Final, ResponseStep, Returned,
    RuleRef, Verdict,
};
use crate::rules::Change;
use crate::rules::fixture::MessageSpec;
use crate::telemetry::redact::{self, ValueLogging};
use crate::textdiff;

/// What a secret change shows instead of its values.
pub const REDACTED: &str = "<redacted>";

/// Unchanged lines shown around each changed line of a diff.
const CONTEXT: usize = 2;

/// ANSI colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// The explanation as text: the request, the rules considered, each change,
/// the final request or answer, the backend's verdicts, then the answer's
/// way back (the response rules, their changes, what the client gets).
pub fn text(e: &Explanation, style: Style) -> String {
    let mut out = String::new();
    section(&mut out, style, "request", &request_line(&e.input));
    message(&mut out, &e.input, "  ");
    out.push('\n');

    rules_section(&mut out, e, style);
    changes_section(&mut out, "changes", &e.changes, style);

    match &e.result {
        Final::Forward(spec) => {
            section(&mut out, style, "forwarded request", &request_line(spec));
            message(&mut out, spec, "  ");
        }
        Final::Respond(answer) => {
            let by = match &answer.rule {
                Some(rule) => format!("by rule {rule}"),
                None => "by the proxy: the path is outside the base path".to_string(),
            };
            section(
                &mut out,
                style,
                "answered locally",
                &format!("{} {by}", answer.status),
            );
            answer_body(&mut out, answer, "  ");
        }
    }
    if let Some(check) = &e.backend {
        out.push('\n');
        backend_section(&mut out, check, style);
    }
    out.push('\n');
    response_sections(&mut out, e, style);
    out
}

fn section(out: &mut String, style: Style, title: &str, rest: &str) {
    let _ = writeln!(out, "{}  {rest}", style.bold(title));
}

fn request_line(spec: &MessageSpec) -> String {
    format!(
        "{} {}",
        spec.method.as_deref().unwrap_or("?"),
        spec.path.as_deref().unwrap_or("?")
    )
}

/// Headers (credentials redacted) and the body, pretty-printed.
fn message(out: &mut String, spec: &MessageSpec, indent: &str) {
    for (name, value) in &spec.headers {
        let _ = writeln!(out, "{indent}{name}: {}", header_value(name, value));
    }
    if let Some(body) = &spec.body {
        block(out, &pretty(body), indent);
    } else if let Some(text) = &spec.body_text {
        match serde_json::from_str::<Value>(text) {
            Ok(body) => block(out, &pretty(&body), indent),
            Err(_) => block(out, text, indent),
        }
    }
}

/// An answer's headers (credentials redacted) and body.
fn answer_body(out: &mut String, answer: &Answer, indent: &str) {
    for (name, value) in &answer.headers {
        let _ = writeln!(out, "{indent}{name}: {}", header_value(name, value));
    }
    if let Some(body) = &answer.body {
        block(out, &pretty(body), indent);
    }
}

fn block(out: &mut String, text: &str, indent: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

/// A header's value as the logs would show it: credentials redacted.
pub fn header_value(name: &str, value: &str) -> String {
    let shown = redact::value(
        &format!("header:{}", name.to_ascii_lowercase()),
        &Value::String(value.to_string()),
        ValueLogging::Full,
    );
    match shown {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The rules of one phase as listed: which were considered, which never
/// reached, what they changed and which rule answered.
struct RuleList<'a> {
    /// `request` or `response`.
    noun: &'a str,
    considered: &'a [Considered],
    not_reached: &'a [RuleRef],
    changes: &'a [Change],
    /// The rule that answered instead of passing the message on.
    answered_by: Option<&'a str>,
}

fn rules_section(out: &mut String, e: &Explanation, style: Style) {
    let answered_by = match &e.result {
        Final::Respond(Answer {
            rule: Some(rule), ..
        }) => Some(&**rule),
        _ => None,
    };
    let list = RuleList {
        noun: "request",
        considered: &e.considered,
        not_reached: &e.not_reached,
        changes: &e.changes,
        answered_by,
    };
    rule_list(out, "rules", &list, style);
    if e.fetches > 0 {
        let from = if e.backend.is_some() {
            "from the embedded backend"
        } else if e.resource_given {
            "answered with --resource"
        } else {
            "answered 404: no --resource given"
        };
        let _ = writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "a rule fetched the addressed resource {} time(s), {from}",
                e.fetches
            ))
        );
    }
    out.push('\n');
}

/// A count line, then every rule considered grouped by file (`✓` matched,
/// `·` with the condition that failed), then those never reached (`-`).
fn rule_list(out: &mut String, title: &str, list: &RuleList<'_>, style: Style) {
    let matched = list.considered.iter().filter(|c| c.matched).count();
    section(
        out,
        style,
        title,
        &format!(
            "{} considered, {matched} matched, {} changed or answered the {}",
            list.considered.len(),
            list.considered.iter().filter(|c| c.applied).count(),
            list.noun
        ),
    );
    let mut file = None;
    for c in list.considered {
        if file != Some(&c.rule.file) {
            file = Some(&c.rule.file);
            let _ = writeln!(out, "  {}", style.dim(&c.rule.file.display().to_string()));
        }
        let _ = writeln!(out, "    {}", considered_line(c, list, style));
    }
    let by = match list.answered_by {
        Some(rule) => format!("{rule} answered first"),
        None => format!("the {} was answered first", list.noun),
    };
    for r in list.not_reached {
        let _ = writeln!(
            out,
            "    {}",
            style.dim(&format!("- {}  (not reached: {by})", r.id))
        );
    }
}

fn considered_line(c: &Considered, list: &RuleList<'_>, style: Style) -> String {
    if !c.matched {
        return style.dim(&format!("· {}  (why not: {})", c.rule.id, c.reason));
    }
    let changes = list
        .changes
        .iter()
        .filter(|ch| ch.rule == c.rule.id)
        .count();
    let note = if list.answered_by == Some(&*c.rule.id) {
        format!("answered the {}", list.noun)
    } else if changes > 0 {
        format!("{changes} change(s)")
    } else {
        "matched; nothing to change".to_string()
    };
    format!(
        "{} {}  {}",
        style.green("✓"),
        style.bold(&c.rule.id),
        style.dim(&format!("({note})"))
    )
}

/// Each change with its target and a diff of its before and after.
fn changes_section(out: &mut String, title: &str, changes: &[Change], style: Style) {
    if changes.is_empty() {
        section(out, style, title, "none");
        out.push('\n');
        return;
    }
    section(out, style, title, &changes.len().to_string());
    for c in changes {
        let target = if c.target.is_empty() {
            "the whole body"
        } else {
            c.target.as_str()
        };
        let _ = writeln!(
            out,
            "  {} {}",
            style.bold(&c.rule),
            style.dim(&format!("{} at {target}", c.action))
        );
        if c.secret {
            let _ = writeln!(out, "    {REDACTED} (a credential: never shown)");
            continue;
        }
        for line in diff(&c.before, &c.after, style) {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push('\n');
}

/// The answer's way back: where it came from, the response rules, their
/// changes and what the client gets; or one line saying why it was not run.
fn response_sections(out: &mut String, e: &Explanation, style: Style) {
    let returned = match &e.response {
        ResponseStep::Ran(r) => r,
        ResponseStep::NoAnswer => {
            let _ = writeln!(
                out,
                "{}  {}",
                style.bold("response"),
                style.dim(&format!(
                    "not run ({} response rule(s)): give --response FILE with the upstream's status, headers and body, or use --against-embedded",
                    e.response_rules
                ))
            );
            return;
        }
        ResponseStep::AnsweredLocally => {
            let _ = writeln!(
                out,
                "{}  {}",
                style.bold("response"),
                style.dim(
                    "not run: the request was answered locally, and response rules see only the upstream's answers"
                )
            );
            return;
        }
    };
    let status = returned.upstream.status.unwrap_or(200);
    section(
        out,
        style,
        "response",
        &format!("{status} {}", source_words(returned.source)),
    );
    message(out, &returned.upstream, "  ");
    out.push('\n');
    match &returned.no_content {
        Some(rule) => {
            section(
                out,
                style,
                "response rules",
                &format!(
                    "not run: {rule} turns a success into 204 for the DELETE the client sent, as the proxy does"
                ),
            );
            out.push('\n');
        }
        None => {
            let list = RuleList {
                noun: "response",
                considered: &returned.considered,
                not_reached: &returned.not_reached,
                changes: &returned.changes,
                answered_by: returned.client.rule.as_deref(),
            };
            rule_list(out, "response rules", &list, style);
            out.push('\n');
        }
    }
    changes_section(out, "response changes", &returned.changes, style);
    let by = match &returned.client.rule {
        Some(rule) => format!(" (answered by {rule} instead of the upstream)"),
        None if returned.changes.is_empty() => " (the upstream's answer as it came)".to_string(),
        None => " (the upstream's answer, changed)".to_string(),
    };
    section(
        out,
        style,
        "client gets",
        &format!("{}{by}", returned.client.status),
    );
    answer_body(out, &returned.client, "  ");
}

/// Where the answer came from, in words.
fn source_words(source: AnswerSource) -> &'static str {
    match source {
        AnswerSource::Embedded => "from the embedded backend, to the forwarded request",
        AnswerSource::File => "from --response",
    }
}

fn backend_section(out: &mut String, check: &BackendCheck, style: Style) {
    section(
        out,
        style,
        "embedded backend",
        "(strict, in memory; PATCH and Groups supported)",
    );
    if let Some(seed) = &check.seed {
        match &seed.created_id {
            Some(id) => {
                let _ = writeln!(
                    out,
                    "  seeded the resource as {} {id}{}",
                    seed.kind,
                    match &seed.given_id {
                        Some(given) if given != id => format!(
                            " (the backend assigns ids itself; the resource had id {given})"
                        ),
                        _ => String::new(),
                    }
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {}",
                    style.red(&format!(
                        "could not seed the resource: the backend {}; fetches get 404",
                        verdict_words(&seed.answer)
                    ))
                );
            }
        }
    }
    if let Some(why) = &check.seed_skipped {
        let _ = writeln!(out, "  the resource was not seeded: {why}");
    }
    if let Some((from, to)) = &check.path_rewrite {
        let _ = writeln!(
            out,
            "  the request's path uses the new id: {from} → {to} (the request before rules goes to a twin backend seeded alike, with its own id)"
        );
    }
    verdict_block(out, "before rules", &check.original, style);
    match &check.rewritten {
        Some(v) => verdict_block(out, "after rules", v, style),
        None => {
            let _ = writeln!(
                out,
                "  {}  not sent: answered locally",
                style.bold("after rules")
            );
        }
    }
}

fn verdict_block(out: &mut String, label: &str, v: &Verdict, style: Style) {
    let _ = writeln!(
        out,
        "  {}  {} {} → {}",
        style.bold(label),
        v.method,
        v.path,
        v.status
    );
    if let Some(body) = &v.body {
        block(out, &pretty(body), "    ");
    }
    let line = format!("the embedded strict backend {}", verdict_words(v));
    let painted = if v.accepted() {
        style.green(&line)
    } else {
        style.red(&line)
    };
    let _ = writeln!(out, "    {painted}");
}

/// `accepts it` / `rejects it: 400 invalidValue <detail>`.
pub fn verdict_words(v: &Verdict) -> String {
    if v.accepted() {
        return "accepts it".to_string();
    }
    let mut s = format!("rejects it: {}", v.status);
    if let Some(t) = v.scim_type() {
        let _ = write!(s, " {t}");
    }
    if let Some(d) = v.detail() {
        let _ = write!(s, " {d}");
    }
    s
}

pub use crate::textdiff::{Line, lines as line_diff};

/// The change from `before` to `after` as styled lines: `- ` removed (red),
/// `+ ` added (green), `  ` context. `Null` on one side means the value was
/// absent (added or removed). Long unchanged runs are cut to [`CONTEXT`]
/// lines around each change.
pub fn diff(before: &Value, after: &Value, style: Style) -> Vec<String> {
    let (a, b) = (pretty(before), pretty(after));
    let a_lines: Vec<&str> = if before.is_null() {
        Vec::new()
    } else {
        a.lines().collect()
    };
    let b_lines: Vec<&str> = if after.is_null() {
        Vec::new()
    } else {
        b.lines().collect()
    };
    let mut out = Vec::new();
    if before.is_null() {
        out.push(style.dim("(absent before)"));
    }
    for line in textdiff::collapse(line_diff(&a_lines, &b_lines), CONTEXT) {
        out.push(match line {
            Line::Same(text) => format!("  {text}"),
            Line::Removed(text) => style.red(&format!("- {text}")),
            Line::Added(text) => style.green(&format!("+ {text}")),
            Line::Skipped(n) => style.dim(&format!("  ⋮ {n} unchanged line(s)")),
        });
    }
    if after.is_null() {
        out.push(style.dim("(removed)"));
    }
    out
}

/// The explanation as one JSON document (the same facts as [`text`]).
pub fn json(e: &Explanation) -> Value {
    let result = match &e.result {
        Final::Forward(spec) => json!({ "forward": spec_json(spec) }),
        Final::Respond(a) => json!({ "respond": answer_json(a) }),
    };
    let (response, skipped) = match &e.response {
        ResponseStep::Ran(r) => (returned_json(r), Value::Null),
        ResponseStep::NoAnswer => (Value::Null, json!("no_answer")),
        ResponseStep::AnsweredLocally => (Value::Null, json!("answered_locally")),
    };
    json!({
        "request": spec_json(&e.input),
        "base_path": e.base_path,
        "rules": considered_json(&e.considered),
        "not_reached": refs_json(&e.not_reached),
        "response_rules": e.response_rules,
        "changes": changes_json(&e.changes),
        "fetches": e.fetches,
        "resource_given": e.resource_given,
        "result": result,
        "backend": e.backend.as_ref().map(backend_json),
        "response": response,
        "response_skipped": skipped,
    })
}

fn considered_json(considered: &[Considered]) -> Vec<Value> {
    considered
        .iter()
        .map(|c| {
            json!({
                "id": &*c.rule.id,
                "file": c.rule.file.display().to_string(),
                "line": c.rule.line,
                "matched": c.matched,
                "applied": c.applied,
                "reason": c.reason,
            })
        })
        .collect()
}

fn refs_json(refs: &[RuleRef]) -> Vec<Value> {
    refs.iter()
        .map(|r| {
            json!({
                "id": &*r.id,
                "file": r.file.display().to_string(),
                "line": r.line,
            })
        })
        .collect()
}

fn changes_json(changes: &[Change]) -> Vec<Value> {
    changes.iter().map(change_json).collect()
}

/// An answer with its credential headers redacted.
fn answer_json(a: &Answer) -> Value {
    json!({
        "rule": a.rule.as_deref(),
        "status": a.status,
        "headers": a.headers.iter()
            .map(|(n, v)| (n.clone(), Value::String(header_value(n, v))))
            .collect::<Map<String, Value>>(),
        "body": a.body,
    })
}

fn returned_json(r: &Returned) -> Value {
    json!({
        "source": match r.source {
            AnswerSource::Embedded => "embedded",
            AnswerSource::File => "file",
        },
        "upstream": spec_json(&r.upstream),
        "no_content": r.no_content.as_deref(),
        "rules": considered_json(&r.considered),
        "not_reached": refs_json(&r.not_reached),
        "changes": changes_json(&r.changes),
        "client": answer_json(&r.client),
    })
}

fn change_json(c: &Change) -> Value {
    let (before, after) = if c.secret {
        (json!(REDACTED), json!(REDACTED))
    } else {
        (c.before.clone(), c.after.clone())
    };
    json!({
        "rule": &*c.rule,
        "action": c.action,
        "target": c.target,
        "before": before,
        "after": after,
        "secret": c.secret,
    })
}

/// A message with its credential headers redacted.
fn spec_json(spec: &MessageSpec) -> Value {
    let mut shown = spec.clone();
    for (name, value) in shown.headers.iter_mut() {
        *value = header_value(name, value);
    }
    serde_json::to_value(&shown).unwrap_or(Value::Null)
}

fn verdict_json(v: &Verdict) -> Value {
    json!({
        "method": v.method,
        "path": v.path,
        "status": v.status,
        "accepted": v.accepted(),
        "scimType": v.scim_type(),
        "detail": v.detail(),
        "verdict": verdict_words(v),
        "body": v.body,
    })
}

fn backend_json(check: &BackendCheck) -> Value {
    json!({
        "seed": check.seed.as_ref().map(|s| json!({
            "kind": s.kind,
            "given_id": s.given_id,
            "created_id": s.created_id,
            "answer": verdict_json(&s.answer),
        })),
        "seed_skipped": check.seed_skipped,
        "path_rewrite": check.path_rewrite.as_ref().map(|(from, to)| json!({"from": from, "to": to})),
        "original": verdict_json(&check.original),
        "rewritten": check.rewritten.as_ref().map(verdict_json),
    })
}
