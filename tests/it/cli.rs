//! `scimshim check`: exit codes and diagnostics, on the shipped rules and on
//! broken files.

use crate::support::scimshim::run;

#[test]
fn shipped_rules_check_clean() {
    let out = run(&["check", "rules/"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
}
