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

/// `serve` takes its settings from `SCIMSHIM_*` variables too; `SCIMSHIM_RULES`
/// is a comma-separated list applied in order, like repeated `--rules`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_its_settings_from_the_environment() {
    use crate::support::recorder::Canned;
    use crate::support::{Recorder, Scimshim, send};
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start_with_env(
        &[],
        &[
            ("SCIMSHIM_UPSTREAM", &rec.url()),
            (
                "SCIMSHIM_RULES",
                "rules/common,rules/backends/no-groups.yaml",
            ),
            ("SCIMSHIM_BASE_PATH", "/tenant/scim"),
        ],
    );
    // Both rule sets are loaded: the doubled segment is collapsed (dialects) and
    // the group list is answered locally (no-groups).
    let r = send("GET", &shim.url("/tenant/scim/v2/v2/Groups"), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.header("x-scimshim-rule"), Some("no-groups.list"));
    let r = send("GET", &shim.url("/tenant/scim/v2/v2/Users"), &[], None).await;
    r.assert_status(200);
    assert_eq!(rec.only().target, "/v2/Users");
    let r = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    r.assert_status(404);
}
