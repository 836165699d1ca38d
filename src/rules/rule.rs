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
