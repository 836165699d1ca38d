//! The rule engine: rule files are data (YAML), loaded and compiled once into a
//! [`RuleSet`], then evaluated per request by the pure function [`eval::evaluate`].
//!
//! Flow: [`load`] (files → YAML with positions → [`model`] specs → [`compile`]d
//! [`Rule`]s, collecting [`diagnostic`]s) → [`eval`] (conditions from [`matcher`],
//! then [`actions`]) → a [`trace::Trace`] of every change for the logs.

pub mod actions;
pub mod compile;
pub mod diagnostic;
pub mod eval;
pub mod jsonpath;
pub mod load;
pub mod matcher;
pub mod model;
pub mod request;
pub mod secret;
pub mod trace;
pub mod yaml;

use std::path::PathBuf;
use std::sync::Arc;

use actions::Action;
use matcher::Condition;

pub use actions::{Flow, LocalResponse, SecretMode};
pub use diagnostic::{Diagnostic, Severity};
pub use eval::{Outcome, Resume, Step, evaluate};
pub use load::{LoadError, LoadOptions, Loaded, load};
pub use request::{Body, Request};
pub use trace::{Change, Trace};

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
    when: Condition,
    unless: Option<Condition>,
    actions: Vec<Action>,
    needs_body: bool,
}

impl Rule {
    /// Whether applying this rule may need the request body.
    pub fn needs_body(&self) -> bool {
        self.needs_body
    }

    /// The names of the rule's actions, in order.
    pub fn action_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.actions.iter().map(Action::name)
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
    pub rules: Vec<Rule>,
    pub files: Vec<LoadedFile>,
}

impl RuleSet {
    /// Whether any rule may need a request body.
    pub fn any_needs_body(&self) -> bool {
        self.rules.iter().any(Rule::needs_body)
    }
}
