//! What a reload reads, and a fingerprint of it: one SHA-256 over every
//! watched path and the contents read through it. Paths are re-read and
//! directories re-listed at every poll, so a file replaced by a rename, or a
//! Kubernetes ConfigMap update (which swaps the `..data` symlink that the
//! visible files point through), is seen like an edit in place.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::ServeArgs;
use crate::digest::{Digest, Sha256};

/// Item tags in the fingerprint.
const FILE: u8 = b'F';
const CONTENTS: u8 = b'C';
const MISSING: u8 = b'M';
const UNREADABLE: u8 = b'E';

/// Nested directories deeper than this are not followed (a symlink loop).
const MAX_DEPTH: usize = 16;

/// Where `serve` reads its configuration from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sources {
    /// The `--rules` files and directories, as given.
    Rules(Vec<PathBuf>),
    /// `--config`: the file, and the rule paths its connections name. They
    /// are read from the file at each poll, so a path that an edit adds is
    /// watched from then on.
    Config(PathBuf),
}

/// The watched inputs at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub digest: Digest,
    /// The configuration file with its connections' `rules` lists left out:
    /// what a reload cannot change. `None` without a configuration file or
    /// when it is not valid YAML.
    pub fixed: Option<Value>,
}

impl Sources {
    /// What `serve` started with `args` reads.
    pub fn of(args: &ServeArgs) -> Sources {
        match &args.config {
            Some(path) => Sources::Config(path.clone()),
            None => Sources::Rules(args.rules.clone()),
        }
    }

    /// Reads every watched path now.
    pub fn snapshot(&self) -> Snapshot {
        let mut h = Sha256::new();
        let fixed = match self {
            Sources::Rules(paths) => {
                for p in paths {
                    watched(&mut h, p);
                }
                None
            }
            Sources::Config(path) => {
                let text = file(&mut h, path);
                let tree = text
                    .as_deref()
                    .and_then(|t| crate::rules::yaml::parse(&String::from_utf8_lossy(t)).ok())
                    .map(|n| n.to_json());
                let Some(tree) = tree else {
                    return Snapshot {
                        digest: h.finish(),
                        fixed: None,
                    };
                };
                for p in rule_paths(path, &tree) {
                    watched(&mut h, &p);
                }
                Some(without_rules(tree))
            }
        };
        Snapshot {
            digest: h.finish(),
            fixed,
        }
    }
}

/// The rule paths a configuration names, resolved against its directory as
/// the loader resolves them (`config::load`), in order.
pub fn rule_paths(config: &Path, tree: &Value) -> Vec<PathBuf> {
    let dir = match config.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut out = Vec::new();
    for conn in tree
        .get("connections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for rule in conn
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(p) = rule.as_str() {
                let full = dir.join(p);
                if !out.contains(&full) {
                    out.push(full);
                }
            }
        }
    }
    out
}

/// The configuration tree without the connections' `rules` lists.
fn without_rules(mut tree: Value) -> Value {
    if let Some(conns) = tree.get_mut("connections").and_then(Value::as_array_mut) {
        for c in conns {
            if let Some(map) = c.as_object_mut() {
                map.remove("rules");
            }
        }
    }
    tree
}

/// A `--rules` path or a configuration's rule path: a file, or a directory
/// read as the loader reads it.
fn watched(h: &mut Sha256, path: &Path) {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => dir(h, path, 0),
        Ok(_) => {
            file(h, path);
        }
        Err(_) => h.path(MISSING, path),
    }
}

/// Hashes one file (through any symlinks) and returns its contents.
fn file(h: &mut Sha256, path: &Path) -> Option<Vec<u8>> {
    h.path(FILE, path);
    match fs::read(path) {
        Ok(bytes) => {
            h.item(CONTENTS, &bytes);
            Some(bytes)
        }
        Err(e) => {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                MISSING
            } else {
                UNREADABLE
            };
            h.item(why, e.kind().to_string().as_bytes());
            None
        }
    }
}

/// The rule files under a directory, as the rule loader picks them: sorted,
/// recursive, hidden entries (a ConfigMap's `..data` and `..2026_…`
/// directories) and rule tests left out. Only files count: an empty
/// directory loads nothing.
fn dir(h: &mut Sha256, path: &Path, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = fs::read_dir(path) else {
        h.path(UNREADABLE, path);
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            dir(h, &p, depth + 1);
        } else if is_rule_file(name) {
            file(h, &p);
        }
    }
}

/// The rule loader's choice of files in a directory (`rules::load`).
fn is_rule_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !name.ends_with(".test.yaml")
        && !name.ends_with(".test.yml")
}
