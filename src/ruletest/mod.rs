//! Rule tests (`scimshim test`): cases that live beside the rules in
//! `*.test.yaml` files, each an input request and what must come of it.
//!
//! Flow: [`discover`] the files → [`parse::read`] each with the rule loader's
//! YAML machinery (every problem with its position) → [`run::run`] every case
//! through [`crate::rules::drive`], the loop `serve` runs → [`compare`] with
//! the expectations → [`report`] as cargo-style text, JUnit XML and coverage.
//! The format is documented in `docs/rule-tests.md`.

pub mod actual;
pub mod compare;
pub mod coverage;
pub mod parse;
pub mod report;
pub mod run;
pub mod spec;

use std::fs;
use std::path::{Path, PathBuf};

pub use parse::{Case, ParsedFile, Read, read};
pub use run::{Options, Suite, run};
pub use spec::{Expect, MessageExpect, TestCase, TestFile, json_schema};

/// A path given on the command line that holds no tests.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not a rule test file (*.test.yaml)")]
    NotATest(PathBuf),
    #[error("no rule tests (*.test.yaml) under {0}")]
    Empty(PathBuf),
}

/// What the paths given hold.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    /// Test files, in the order given (directories sorted), each once.
    pub tests: Vec<PathBuf>,
    /// Rule files under the directories given, for the coverage report.
    pub rule_files: Vec<PathBuf>,
}

/// Finds the test files: each path is a `*.test.yaml` file, or a directory
/// searched recursively in sorted order, hidden entries skipped (as the rule
/// loader does).
pub fn discover(paths: &[PathBuf]) -> Result<Found, DiscoverError> {
    let mut found = Found::default();
    for path in paths {
        let path = parse::clean(path);
        let meta = fs::metadata(&path).map_err(|source| DiscoverError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let before = found.tests.len();
            walk(&path, &mut found)?;
            if found.tests.len() == before {
                return Err(DiscoverError::Empty(path));
            }
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !parse::is_test_file(name) {
                return Err(DiscoverError::NotATest(path));
            }
            found.tests.push(path);
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.tests.retain(|p| seen.insert(p.clone()));
    let mut seen = std::collections::HashSet::new();
    found.rule_files.retain(|p| seen.insert(p.clone()));
    Ok(found)
}

fn walk(dir: &Path, found: &mut Found) -> Result<(), DiscoverError> {
    let io = |source| DiscoverError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else if parse::is_test_file(name) {
            found.tests.push(path);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            found.rule_files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
