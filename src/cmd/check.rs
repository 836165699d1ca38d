//! `scimshim check`: loads rule files exactly as `serve` does (secrets may be
//! missing here) and reports every problem. With `--config`, loads
//! `scimshim.yaml` and every connection's rules the same way.

use crate::cli::{CheckArgs, CheckFormat};
use crate::rules::secret::ProcessEnv;
use crate::rules::{Diagnostic, LoadOptions, SecretMode, Severity};

use super::exit;

pub fn run(args: &CheckArgs) -> i32 {
    if let Some(path) = &args.config {
        return run_config(path, args.format);
    }
    let loaded = match crate::rules::load(
        &args.paths,
        &LoadOptions {
            env: &ProcessEnv,
            secrets: SecretMode::Lenient,
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (errors, warnings) = count(&loaded.diagnostics);
    match args.format {
        CheckFormat::Json => {
            let report = serde_json::json!({
                "files": loaded.set.files.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
                "rules": loaded.set.len(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": loaded.diagnostics,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        CheckFormat::Text => {
            for d in &loaded.diagnostics {
                println!("{d}");
            }
            println!(
                "checked {} file(s), {} rule(s) valid: {} error(s), {} warning(s)",
                loaded.set.files.len(),
                loaded.set.len(),
                errors,
                warnings
            );
        }
    }
    if errors > 0 { exit::PROBLEMS } else { exit::OK }
}

/// `check --config`: the file, then each connection's rule files.
fn run_config(path: &std::path::Path, format: CheckFormat) -> i32 {
    let loaded = match crate::config::load_file(path, &ProcessEnv, SecretMode::Lenient) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (errors, warnings) = count(&loaded.diagnostics);
    let connections: Vec<serde_json::Value> = loaded
        .connections
        .iter()
        .map(|c| {
            let set = c.rules.load();
            serde_json::json!({
                "name": &*c.name,
                "match": c.matcher.describe(),
                "upstream": c.upstream.display,
                "files": set.files.iter().map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
                "rules": set.len(),
            })
        })
        .collect();
    match format {
        CheckFormat::Json => {
            let report = serde_json::json!({
                "config": path.display().to_string(),
                "connections": connections,
                "errors": errors,
                "warnings": warnings,
                "diagnostics": loaded.diagnostics,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        CheckFormat::Text => {
            for d in &loaded.diagnostics {
                println!("{d}");
            }
            for c in &connections {
                println!(
                    "connection {}: {}, upstream {}, {} rule(s)",
                    c["name"].as_str().unwrap_or("?"),
                    c["match"].as_str().unwrap_or("?"),
                    c["upstream"].as_str().unwrap_or("?"),
                    c["rules"]
                );
            }
            println!(
                "checked {}: {} of {} connection(s) valid: {} error(s), {} warning(s)",
                path.display(),
                loaded.connections.len(),
                loaded.listed,
                errors,
                warnings
            );
        }
    }
    if errors > 0 { exit::PROBLEMS } else { exit::OK }
}

/// Errors and warnings.
fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, diagnostics.len() - errors)
}
