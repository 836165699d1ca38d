//! `scimshim check`: loads rule files exactly as `serve` does (secrets may be
//! missing here) and reports every problem.

use crate::cli::{CheckArgs, CheckFormat};
use crate::rules::secret::ProcessEnv;
use crate::rules::{LoadOptions, SecretMode, Severity};

use super::exit;

pub fn run(args: &CheckArgs) -> i32 {
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
    let errors = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = loaded.diagnostics.len() - errors;
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
