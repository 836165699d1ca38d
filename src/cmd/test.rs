//! `scimshim test`: runs the rule tests (`*.test.yaml`) beside the rules,
//! through the same evaluation `serve` runs. Exit 0 when every case passes,
//! 1 when one fails (or, with `--coverage-strict`, a rule went unexercised),
//! 2 when a test file cannot be read or is invalid.

use std::io::IsTerminal;

use crate::cli::TestArgs;
use crate::ruletest::{self, Options, report};

use super::exit;

pub fn run(args: &TestArgs) -> i32 {
    let found = match ruletest::discover(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut files = Vec::with_capacity(found.tests.len());
    let mut problems = Vec::new();
    for path in &found.tests {
        let read = ruletest::read(path);
        problems.extend(read.diagnostics);
        files.extend(read.file);
    }
    for d in &problems {
        println!("{d}");
    }
    let errors = problems.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        println!(
            "{errors} error(s) in {} test file(s); no tests were run",
            found.tests.len() - files.len()
        );
        return exit::USAGE;
    }
    let options = Options {
        filter: args.filter.clone(),
        rule_files: found.rule_files,
    };
    let suite = match ruletest::run(&files, &options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    print!("{}", report::text(&suite, colour()));
    if let Some(path) = &args.junit
        && let Err(e) = report::write_junit(&suite, path)
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return exit::USAGE;
    }
    let coverage = &suite.coverage;
    let uncovered = !coverage.rules_missed.is_empty() || !coverage.untested_files.is_empty();
    if args.coverage_strict && uncovered {
        println!("coverage: FAILED (--coverage-strict: every rule needs a test that exercises it)");
    }
    if suite.failed() > 0 || (args.coverage_strict && uncovered) {
        exit::PROBLEMS
    } else {
        exit::OK
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything
/// (<https://no-color.org>).
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
