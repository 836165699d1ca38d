//! Compiled rules: what [`super::load`] produces and [`super::eval`] runs.

use std::path::PathBuf;
use std::sync::Arc;

use super::actions::Action;
use super::matcher::Condition;

/// Where a rule was defined.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub file: PathBuf,
    pub line: u32,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: Arc<str>,
    pub description: String,
    pub quirks: Vec<String>,
    pub source: RuleSource,
    pub(super) when: Condition,
    pub(super) unless: Option<Condition>,
    pub(super) actions: Vec<Action>,
    pub(super) needs_body: bool,
    pub phase: Phase,
}

/// When a rule runs: on the request (before forwarding) or on the upstream's
/// response (before it goes back to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Request,
    Response,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Request => "request",
            Phase::Response => "response",
        }
    }
}

/// A file that was loaded.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// Rules compiled from it.
    pub rules: usize,
    pub bytes: usize,
}

/// Every loaded rule, in evaluation order.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Request rules.
    pub rules: Vec<Rule>,
    /// Response rules.
    pub response: Vec<Rule>,
    pub files: Vec<LoadedFile>,
}

impl RuleSet {
    /// Sorts compiled rules into their phases, keeping their order.
    pub fn new(all: Vec<Rule>, files: Vec<LoadedFile>) -> RuleSet {
        let (response, rules) = all.into_iter().partition(|r| r.phase == Phase::Response);
        RuleSet {
            rules,
            response,
            files,
        }
    }

    /// How many rules there are, in both phases.
    pub fn len(&self) -> usize {
        self.rules.len() + self.response.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every rule: request rules, then response rules.
    pub fn all(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().chain(&self.response)
    }
}
