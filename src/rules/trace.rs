//! What an evaluation did, for the logs and for `explain`: every change with its
//! rule, action, target and before/after values, and which rules matched.
//! The engine only records; the proxy decides how to log (and redacts).

use std::sync::Arc;

use serde_json::Value;

/// The [`Change::target`] of the query's `filter` parameter (its value
/// decoded).
pub const QUERY_FILTER: &str = "query:filter";

/// One change made by one action.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub rule: Arc<str>,
    pub action: &'static str,
    /// What changed: `path`, `header:authorization`, or a JSON pointer into the body
    /// such as `/Operations/0/value`.
    pub target: String,
    /// `Null` when the target did not exist before.
    pub before: Value,
    /// `Null` when the target was removed.
    pub after: Value,
    /// The values are credentials: never log them, whatever the log settings.
    pub secret: bool,
}

/// Why a rule did or did not apply (recorded only when [`Trace::explain`] is on).
#[derive(Debug, Clone, PartialEq)]
pub struct Considered {
    pub rule: Arc<str>,
    pub applied: bool,
    pub reason: String,
}

/// The record of one evaluation.
#[derive(Debug)]
pub struct Trace {
    /// Every change, in order; empty when [`Trace::record_changes`] is off.
    pub changes: Vec<Change>,
    /// Ids of the rules that changed the request (or response) or answered
    /// it, in order. A rule whose conditions held but whose actions found
    /// nothing to do is not listed (`explain` still shows it as matching).
    pub applied: Vec<Arc<str>>,
    /// How many edits actions made, counted whether or not [`Trace::changes`]
    /// are recorded: tells a rule that changed something from one that did not.
    pub edits: u32,
    /// Whether any action edited the JSON body (so it must be re-encoded).
    pub body_changed: bool,
    /// Notes for `explain`: filled only when `explain` is true.
    pub explain: bool,
    pub considered: Vec<Considered>,
    /// Whether to record [`Trace::changes`] (on by default). A caller that will not
    /// look at them, such as the proxy when `rule applied` events are off, can turn
    /// it off: actions then skip building targets and copying values. Everything
    /// else (`applied`, `body_changed`, `considered`) is recorded either way.
    pub record_changes: bool,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            changes: Vec::new(),
            applied: Vec::new(),
            edits: 0,
            body_changed: false,
            explain: false,
            considered: Vec::new(),
            record_changes: true,
        }
    }
}

impl Trace {
    /// A trace that also records why each rule did or did not match.
    pub fn explaining() -> Self {
        Trace {
            explain: true,
            ..Trace::default()
        }
    }

    /// A trace that records which rules applied and whether the body changed, but
    /// not the changes themselves (see [`Trace::record_changes`]).
    pub fn without_changes() -> Self {
        Trace {
            record_changes: false,
            ..Trace::default()
        }
    }

    pub(crate) fn consider(
        &mut self,
        rule: &Arc<str>,
        applied: bool,
        reason: impl FnOnce() -> String,
    ) {
        if self.explain {
            self.considered.push(Considered {
                rule: rule.clone(),
                applied,
                reason: reason(),
            });
        }
    }

    pub(crate) fn change(
        &mut self,
        rule: &Arc<str>,
        action: &'static str,
        target: String,
        before: Value,
        after: Value,
    ) {
        self.edits = self.edits.wrapping_add(1);
        if !self.record_changes {
            return;
        }
        self.changes.push(Change {
            rule: rule.clone(),
            action,
            target,
            before,
            after,
            secret: false,
        });
    }

    pub(crate) fn secret_change(&mut self, rule: &Arc<str>, action: &'static str, target: String) {
        self.edits = self.edits.wrapping_add(1);
        if !self.record_changes {
            return;
        }
        self.changes.push(Change {
            rule: rule.clone(),
            action,
            target,
            before: Value::Null,
            after: Value::Null,
            secret: true,
        });
    }

    pub(crate) fn body_change(
        &mut self,
        rule: &Arc<str>,
        action: &'static str,
        target: String,
        before: Value,
        after: Value,
    ) {
        self.body_changed = true;
        self.change(rule, action, target, before, after);
    }

    /// Notes a body edit without recording it (for actions that checked
    /// [`Trace::record_changes`] and skipped building the change).
    pub(crate) fn body_edited(&mut self) {
        self.edits = self.edits.wrapping_add(1);
        self.body_changed = true;
    }
}
