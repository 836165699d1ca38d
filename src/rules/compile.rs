//! Turns one [`RuleSpec`] into a [`Rule`]: regexes, JSONPaths, header names and
//! secrets are compiled or read here, once, and every problem is collected.

use std::sync::Arc;

use super::actions::{Action, CompileCx};
use super::diagnostic::Problem;
use super::matcher::Condition;
use super::model::{ActionSpec, MatchSpec, PhaseSpec};
use super::rule::{Phase, Rule, RuleSource};
use super::yaml::FieldPath;
use crate::scim::quirks;

/// Whether `id` is a valid rule id: lower-case letters, digits, `.`, `-`, `_`,
/// starting with a letter or digit.
pub fn valid_rule_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
}

/// A rule as far as it could be read. Parts that failed to read are absent (their
/// problems are already reported); the rest is still checked.
#[derive(Debug, Default)]
pub struct RuleParts {
    pub id: Option<String>,
    pub description: Option<String>,
    pub quirks: Vec<String>,
    pub when: MatchSpec,
    pub unless: Option<MatchSpec>,
    pub phase: Option<PhaseSpec>,
    /// The actions that could be read, with their index in the file.
    pub actions: Vec<(usize, ActionSpec)>,
    /// How many actions the file lists.
    pub action_count: usize,
    /// Whether `actions` was read as a list.
    pub actions_listed: bool,
    /// Whether every part was read.
    pub complete: bool,
}

/// Checks and compiles a rule; returns it only if it is complete and error-free.
pub fn compile_rule(spec: &RuleParts, source: RuleSource, cx: &mut CompileCx) -> Option<Rule> {
    let root = FieldPath::root();
    if let Some(id) = &spec.id
        && !valid_rule_id(id)
    {
        cx.error(
            root.key("id"),
            format!("`{id}` is not a valid rule id"),
            Some("use lower-case letters, digits, `.`, `-` and `_`, e.g. `entra.string-booleans`"),
        );
    }
    if spec
        .description
        .as_deref()
        .is_some_and(|d| d.trim().is_empty())
    {
        cx.error(
            root.key("description"),
            "the description is empty",
            Some("say what the rule fixes and why"),
        );
    }
    for (i, q) in spec.quirks.iter().enumerate() {
        let f = root.key("quirks").index(i);
        if !quirks::is_well_formed(q) {
            cx.error(
                f,
                format!("`{q}` is not a quirk id"),
                Some("quirk ids look like ENTRA-02 or GEN-01"),
            );
        } else if !quirks::is_known(q) {
            cx.push(
                Problem::warning(f, format!("quirk `{q}` is not in the catalog"))
                    .hint("check for a typo; see rules/README.md for the ids"),
            );
        }
    }
    let when = Condition::compile(&spec.when, &root.key("when"), cx);
    let unless = spec
        .unless
        .as_ref()
        .map(|u| Condition::compile(u, &root.key("unless"), cx));
    if spec.action_count == 0 && spec.actions_listed {
        cx.error(
            root.key("actions"),
            "a rule needs at least one action",
            None,
        );
    }
    let phase = match spec.phase {
        Some(PhaseSpec::Response) => Phase::Response,
        Some(PhaseSpec::Request) | None => Phase::Request,
    };
    if phase == Phase::Request {
        for (name, m) in [("when", Some(&spec.when)), ("unless", spec.unless.as_ref())] {
            if m.is_some_and(|m| m.status.is_some()) {
                cx.error(
                    root.key(name).key("status"),
                    "a status condition never holds on a request",
                    Some("add `phase: response` to the rule"),
                );
            }
        }
    }
    const RESPONSE_ACTIONS_HINT: &str = ActionSpec::RESPONSE_ACTIONS;
    let mut actions = Vec::with_capacity(spec.actions.len());
    for (i, a) in &spec.actions {
        let (i, field) = (*i, root.key("actions").index(*i));
        if phase == Phase::Response && !a.works_on_responses() {
            cx.error(
                field.key(a.name()),
                format!("`{}` cannot run on a response", a.name()),
                Some(RESPONSE_ACTIONS_HINT),
            );
            continue;
        }
        if phase == Phase::Response
            && let ActionSpec::Respond(r) = a
            && r.echo_request_body
        {
            cx.error(
                field.key(a.name()).key("echo_request_body"),
                "a response rule has no request body to echo",
                Some("give the answer's `body` in full"),
            );
            continue;
        }
        if matches!(a, ActionSpec::Respond(_)) && i + 1 < spec.action_count {
            cx.push(
                Problem::warning(field.clone(), "actions after `respond` never run")
                    .hint("move `respond` last, or split the rule"),
            );
        }
        if let Some(action) = Action::compile(a, &field, cx) {
            actions.push(action);
        }
    }
    if !spec.complete
        || cx
            .problems
            .iter()
            .any(|p| p.severity == super::diagnostic::Severity::Error)
    {
        return None;
    }
    let (Some(id), Some(description)) = (&spec.id, &spec.description) else {
        return None;
    };
    let needs_body = when.needs_body()
        || unless.as_ref().is_some_and(Condition::needs_body)
        || actions.iter().any(Action::needs_body);
    Some(Rule {
        id: Arc::from(id.as_str()),
        description: description.clone(),
        quirks: spec.quirks.clone(),
        source,
        when,
        unless,
        actions,
        needs_body,
        phase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        assert!(valid_rule_id("entra.string-booleans"));
        assert!(valid_rule_id("gen_01"));
        assert!(!valid_rule_id("Entra"));
        assert!(!valid_rule_id(".x"));
        assert!(!valid_rule_id(""));
        assert!(!valid_rule_id("a b"));
    }
}
