//! Which loaded rules and which action kinds no case exercised. A rule is
//! exercised when it changed or answered a message in some case (it is in
//! the trace's `applied`); an action kind when a change record names it, or
//! when it can answer and its rule answered (a rule with no action known to
//! answer counts all of its actions then).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use super::actual::Actual;
use super::parse::clean;
use crate::rules::yaml::{self, Kind};
use crate::rules::{Rule, RuleSet};

/// Actions that can answer a request instead of forwarding it (those whose
/// `apply` may return `Flow::Respond` in `rules::actions`).
const ANSWERING: [&str; 8] = [
    "respond",
    "bearer_to_basic",
    "patch_drop_ops",
    "members_remove_by_value",
    "patch_via_put",
    "require",
    "immutable",
    "map_attribute",
];

/// What the run covered.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Coverage {
    /// Rules loaded by some test file.
    pub rules: usize,
    /// Rules no case exercised: id, file, line.
    pub rules_missed: Vec<(String, PathBuf, u32)>,
    /// Action kinds used by the loaded rules.
    pub actions: usize,
    /// Action kinds no case exercised, by name.
    pub actions_missed: Vec<String>,
    /// Rule files under the directories given that no test file loads.
    pub untested_files: Vec<PathBuf>,
}

impl Coverage {
    /// Whether everything loaded was exercised and every rule file found
    /// has tests.
    pub fn complete(&self) -> bool {
        self.rules_missed.is_empty()
            && self.actions_missed.is_empty()
            && self.untested_files.is_empty()
    }
}

/// Collects coverage while cases run.
#[derive(Debug, Default)]
pub struct Tracker {
    /// (file, rule id) → (line, action kinds, exercised).
    rules: BTreeMap<(PathBuf, String), (u32, Vec<String>, bool)>,
    /// Action kinds per rule, read from each rule file once.
    kinds: HashMap<PathBuf, HashMap<String, Vec<String>>>,
    actions_used: BTreeSet<String>,
    files: BTreeSet<PathBuf>,
}

impl Tracker {
    /// Notes every rule of a freshly loaded set.
    pub fn add_set(&mut self, set: &RuleSet) {
        for file in &set.files {
            self.files.insert(clean(&file.path));
        }
        for rule in set.all() {
            let file = clean(&rule.source.file);
            let kinds = self
                .kinds
                .entry(file.clone())
                .or_insert_with(|| action_kinds(&file))
                .get(&*rule.id)
                .cloned()
                .unwrap_or_default();
            self.rules.entry((file, rule.id.to_string())).or_insert((
                rule.source.line,
                kinds,
                false,
            ));
        }
    }

    /// Notes what one case exercised.
    pub fn record(&mut self, set: &RuleSet, actual: &Actual) {
        for change in &actual.changes {
            self.actions_used.insert(change.action.to_string());
        }
        let answered = [&actual.local, &actual.returned]
            .into_iter()
            .flatten()
            .filter_map(|a| a.rule.as_deref());
        let answered: Vec<&str> = answered.collect();
        for id in &actual.applied {
            let Some(rule) = find(set, id) else {
                continue;
            };
            let key = (clean(&rule.source.file), id.to_string());
            if let Some((_, kinds, exercised)) = self.rules.get_mut(&key) {
                *exercised = true;
                if answered.contains(&&**id) {
                    let answering: Vec<&String> = kinds
                        .iter()
                        .filter(|k| ANSWERING.contains(&k.as_str()))
                        .collect();
                    if answering.is_empty() {
                        // An action this list does not know yet answered.
                        self.actions_used.extend(kinds.iter().cloned());
                    } else {
                        self.actions_used.extend(answering.into_iter().cloned());
                    }
                }
            }
        }
    }

    /// What was left unexercised; `found` lists the rule files under the
    /// directories searched.
    pub fn finish_with(self, found: &[PathBuf]) -> Coverage {
        let mut all_kinds = BTreeSet::new();
        let mut rules_missed = Vec::new();
        for ((file, id), (line, kinds, exercised)) in &self.rules {
            all_kinds.extend(kinds.iter().cloned());
            if !exercised {
                rules_missed.push((id.clone(), file.clone(), *line));
            }
        }
        rules_missed.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
        let actions_missed = all_kinds
            .iter()
            .filter(|k| !self.actions_used.contains(*k))
            .cloned()
            .collect();
        let untested_files = found
            .iter()
            .map(|f| clean(f))
            .filter(|f| !self.files.contains(f))
            .collect();
        Coverage {
            rules: self.rules.len(),
            rules_missed,
            actions: all_kinds.len(),
            actions_missed,
            untested_files,
        }
    }

    /// What was left unexercised, without looking for untested files.
    pub fn finish(self) -> Coverage {
        self.finish_with(&[])
    }
}

fn find<'a>(set: &'a RuleSet, id: &str) -> Option<&'a Rule> {
    set.all().find(|r| &*r.id == id)
}

/// Action names per rule id, read from the rule file itself (compiled
/// actions are private to the engine). A file that cannot be read again
/// yields nothing.
fn action_kinds(file: &Path) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    let Ok(text) = fs::read_to_string(file) else {
        return out;
    };
    let Ok(root) = yaml::parse(&text) else {
        return out;
    };
    let Some(Kind::Seq(rules)) = root.get("rules").map(|n| &n.kind) else {
        return out;
    };
    for rule in rules {
        let Some(id) = rule.get("id").and_then(|n| n.as_str()) else {
            continue;
        };
        let mut kinds = Vec::new();
        if let Some(Kind::Seq(actions)) = rule.get("actions").map(|n| &n.kind) {
            for action in actions {
                if let Kind::Map(entries) = &action.kind
                    && let Some((name, _, _)) = entries.first()
                {
                    kinds.push(name.clone());
                }
            }
        }
        out.insert(id.to_string(), kinds);
    }
    out
}
