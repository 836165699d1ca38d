//! The report of the rule set in use (`/rules`, the reload log lines): every
//! loaded file per connection with its SHA-256, and one hash over them all.

use std::path::Path;
use std::time::SystemTime;

use crate::admin::{FileReport, RulesReport};
use crate::digest::{Sha256, sha256};
use crate::proxy::Connections;

/// Reports `connections` (and the configuration file they came from, if
/// any) as rule-set `version`, loaded now.
///
/// The hash covers the configuration file's path and contents, then for
/// each connection in order its name and each rule file's path and
/// contents; files are read again here, after loading (a file changed in
/// between is noticed by the next poll, which reloads it).
pub fn build(connections: &Connections, config: Option<&Path>, version: u64) -> RulesReport {
    let mut all = Sha256::new();
    if let Some(path) = config {
        all.path(b'F', path);
        all.item(b'C', &std::fs::read(path).unwrap_or_default());
    }
    let mut files = Vec::new();
    for c in connections.iter() {
        all.item(b'N', c.name.as_bytes());
        for f in &c.rules.load().files {
            let bytes = std::fs::read(&f.path).unwrap_or_default();
            all.path(b'F', &f.path);
            all.item(b'C', &bytes);
            files.push(FileReport {
                connection: c.name.to_string(),
                path: f.path.display().to_string(),
                sha256: sha256(&bytes).hex(),
            });
        }
    }
    RulesReport {
        version,
        hash: all.finish().hex(),
        loaded_at: SystemTime::now(),
        files,
        last_error: None,
    }
}

/// (rules, files) in use over every connection.
pub fn counts(connections: &Connections) -> (usize, usize) {
    connections.iter().fold((0, 0), |(rules, files), c| {
        let set = c.rules.load();
        (rules + set.len(), files + set.files.len())
    })
}
