//! Compliance as seen by a SCIM client nobody here wrote: `scim2 test` (from
//! the PyPI package scim2-cli) runs against scim2-server directly, then through
//! scimshim with the shipped dialect rules. Every check that passes directly
//! must still pass through the proxy.

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::backend::{ensure_venv, venv};
use crate::support::{ScimServer, Scimshim};

/// Runs `scim2 --url URL test` and returns (exit ok, how many times each
/// "STATUS check-name" result was reported, raw output). A check runs once per
/// resource type and attribute, so names repeat.
fn run_checker(url: &str) -> (bool, BTreeMap<String, usize>, String) {
    ensure_venv();
    let out = Command::new(venv().join("bin/python"))
        // Through the interpreter rather than the console script, whose shebang
        // pins the venv's absolute path.
        .args([
            "-c",
            "import sys; from scim2_cli import cli; sys.argv[0] = 'scim2'; sys.exit(cli())",
        ])
        .args(["--url", url, "test"])
        .output()
        .expect("run scim2 test");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut results = BTreeMap::new();
    for line in text.lines() {
        let Some((status, name)) = line.split_once(' ') else {
            continue;
        };
        let known = [
            "SUCCESS",
            "COMPLIANT",
            "ACCEPTABLE",
            "DEVIATION",
            "ERROR",
            "CRITICAL",
            "SKIPPED",
            "UNKNOWN",
        ];
        if known.contains(&status) {
            *results
                .entry(format!("{status} {}", name.trim()))
                .or_insert(0) += 1;
        }
    }
    (out.status.success(), results, text)
}

#[test]
fn scim2_cli_checks_that_pass_directly_pass_through_scimshim() {
    let backend = ScimServer::start(&[]);
    let (direct_ok, direct, direct_text) = run_checker(&backend.url());
    let passing: Vec<(&String, &usize)> = direct
        .iter()
        .filter(|(l, _)| l.starts_with("SUCCESS"))
        .collect();
    let total: usize = passing.iter().map(|(_, n)| **n).sum();
    assert!(
        total >= 100,
        "the checker ran too few checks directly ({total}):\n{direct_text}"
    );
    assert!(direct_ok, "baseline is not clean:\n{direct_text}");

    let upstream = backend.url();
    let shim = Scimshim::start(&["--upstream", &upstream, "--rules", "rules/common"]);
    let (proxied_ok, proxied, proxied_text) = run_checker(&shim.url("/scim/v2"));
    let lost: Vec<String> = passing
        .iter()
        .filter(|(name, n)| proxied.get(*name).copied().unwrap_or(0) < **n)
        .map(|(name, n)| {
            format!(
                "{name}: {n} directly, {} through scimshim",
                proxied.get(*name).copied().unwrap_or(0)
            )
        })
        .collect();
    assert!(
        lost.is_empty(),
        "checks that pass directly but not through scimshim: {lost:#?}\n{proxied_text}"
    );
    assert!(proxied_ok, "{proxied_text}");
    // The proxy really carried the traffic.
    assert!(shim.request_events(100).len() >= 100);
}
