//! How a run is shown: text in cargo's style (`test name ... ok`, a
//! `failures:` section, `test result:`), a compact coverage section, and a
//! JUnit XML report for CI systems, written by hand.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::run::{FileRun, Suite};

/// The whole run as text. `colour` paints diffs (ANSI).
pub fn text(suite: &Suite, colour: bool) -> String {
    let mut out = String::new();
    for file in &suite.files {
        if file.cases.is_empty() && file.rule_errors.is_empty() && file.filtered_out > 0 {
            continue;
        }
        let n = file.cases.len();
        let _ = writeln!(
            out,
            "running {n} test{} ({})",
            if n == 1 { "" } else { "s" },
            file.path.display()
        );
        if !file.rule_errors.is_empty() {
            let _ = writeln!(out, "error: the rules of this file did not load:");
            for d in &file.rule_errors {
                let _ = write!(out, "{d}");
            }
        }
        for case in &file.cases {
            let status = if case.passed() {
                paint("ok", GREEN, colour)
            } else {
                paint("FAILED", RED, colour)
            };
            let _ = writeln!(out, "test {} ... {status}", case.name);
        }
        out.push('\n');
    }
    let failed: Vec<(&FileRun, usize)> = suite
        .files
        .iter()
        .flat_map(|f| {
            f.cases
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.passed())
                .map(move |(i, _)| (f, i))
        })
        .collect();
    if !failed.is_empty() {
        out.push_str("failures:\n\n");
        for (file, i) in &failed {
            let Some(case) = file.cases.get(*i) else {
                continue;
            };
            let _ = writeln!(
                out,
                "---- {} ({}:{}) ----",
                case.name,
                file.path.display(),
                case.line
            );
            for m in &case.failures {
                out.push_str(&m.render(colour));
            }
            out.push('\n');
        }
        out.push_str("failures:\n");
        for (file, i) in &failed {
            if let Some(case) = file.cases.get(*i) {
                let _ = writeln!(out, "    {} ({})", case.name, file.path.display());
            }
        }
        out.push('\n');
    }
    let result = if failed.is_empty() {
        paint("ok", GREEN, colour)
    } else {
        paint("FAILED", RED, colour)
    };
    let _ = writeln!(
        out,
        "test result: {result}. {} passed; {} failed; {} filtered out; finished in {:.2}s",
        suite.passed(),
        suite.failed(),
        suite.filtered_out(),
        suite.elapsed.as_secs_f64()
    );
    out.push('\n');
    out.push_str(&coverage(suite));
    out
}

/// The coverage section: one summary line, then one line per thing missed.
pub fn coverage(suite: &Suite) -> String {
    let c = &suite.coverage;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "coverage: {} of {} rules, {} of {} action kinds exercised",
        c.rules - c.rules_missed.len(),
        c.rules,
        c.actions - c.actions_missed.len(),
        c.actions,
    );
    for (id, file, line) in &c.rules_missed {
        let _ = writeln!(
            out,
            "    rule not exercised: {id} ({}:{line})",
            file.display()
        );
    }
    if !c.actions_missed.is_empty() {
        let _ = writeln!(
            out,
            "    action kinds not exercised: {}",
            c.actions_missed.join(", ")
        );
    }
    for file in &c.untested_files {
        let _ = writeln!(out, "    rule file no test loads: {}", file.display());
    }
    out
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

fn paint(text: &str, code: &str, colour: bool) -> String {
    if colour {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// The run as a JUnit XML report: one `testsuite` per test file, one
/// `testcase` per case (`classname` is the file), a `failure` with the
/// differences as text.
pub fn junit(suite: &Suite) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"scimshim test\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">",
        suite.passed() + suite.failed(),
        suite.failed(),
        seconds(suite.elapsed)
    );
    for file in &suite.files {
        if file.cases.is_empty() && file.rule_errors.is_empty() && file.filtered_out > 0 {
            continue;
        }
        let path = file.path.display().to_string();
        let failures = file.cases.len() - file.passed();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{}\">",
            escape(&path),
            file.cases.len(),
            seconds(file.elapsed)
        );
        for case in &file.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
                escape(&case.name),
                escape(&path),
                escape(&path),
                case.line,
                seconds(case.elapsed)
            );
            if case.passed() {
                out.push_str("/>\n");
                continue;
            }
            let fields: Vec<&str> = case.failures.iter().map(|m| m.field.as_str()).collect();
            let mut body = String::new();
            for m in &case.failures {
                body.push_str(&m.render(false));
            }
            for d in &file.rule_errors {
                body.push_str(&d.to_string());
            }
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
                escape(&format!("not as expected: {}", fields.join(", "))),
                escape(&body)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// `text` escaped for XML attribute values and character data. Characters
/// XML 1.0 cannot carry at all (most control characters) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Writes the JUnit report to `path`.
pub fn write_junit(suite: &Suite, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, junit(suite))
}
