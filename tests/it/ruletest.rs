//! `scimshim test`: the shipped rule tests pass; a failing case shows its diff
//! and exits 1; `--junit` writes well-formed XML; an invalid test file exits 2
//! with its position; coverage can be enforced.

use std::process::Command;

use crate::support::TempDir;
use crate::support::scimshim::run;

const BACKEND_TESTS: [&str; 6] = [
    "rules/backends/bearer-to-basic.test.yaml",
    "rules/backends/deprovision-by-deactivation.test.yaml",
    "rules/backends/deprovision-by-deletion.test.yaml",
    "rules/backends/lax-responses.test.yaml",
    "rules/backends/no-groups.test.yaml",
    "rules/backends/put-only.test.yaml",
];

const RULES: &str = "\
rules:
  - id: t.bool
    description: String booleans in PATCH values.
    when: { method: [PATCH] }
    actions:
      - coerce: { select: '$.Operations[*].value', to: boolean }
  - id: t.never
    description: Never exercised by the tests below.
    when: { method: [PUT] }
    actions:
      - remove: { select: '$.groups' }
";

/// One passing and one failing case (the expectation keeps "False" a string).
const TESTS: &str = "\
tests:
  - name: t.bool.passes
    request:
      method: PATCH
      path: /scim/v2/Users/1
      body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
    expect:
      forwarded:
        body: { Operations: [ { op: replace, path: active, value: false } ] }
      applied: [t.bool]
  - name: t.bool.<fails> & shows
    request:
      method: PATCH
      path: /scim/v2/Users/1
      body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
    expect:
      forwarded:
        body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn shipped_rule_tests_pass() {
    let mut args = vec!["test", "rules/common"];
    args.extend(BACKEND_TESTS);
    let out = run(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("running 8 tests (rules/common/10-patch.test.yaml)\n"),
        "{text}"
    );
    assert!(
        text.contains("test generic.patch-lowercase-op.entra-deactivate ... ok\n"),
        "{text}"
    );
    assert!(
        text.contains("test backend.patch-via-put.precondition-retries ... ok\n"),
        "{text}"
    );
    assert!(!text.contains("FAILED"), "{text}");
    assert!(text.contains("test result: ok. "), "{text}");
    assert!(
        text.contains(" passed; 0 failed; 0 filtered out; "),
        "{text}"
    );
    // Every shipped common and backend rule has a test that exercises it.
    assert!(!text.contains("rule not exercised"), "{text}");
    assert!(!text.contains("\x1b["), "no colours when not on a terminal");
}

#[test]
fn a_failing_case_exits_1_and_shows_the_diff() {
    let dir = TempDir::new("ruletest-fail");
    dir.write("t.yaml", RULES);
    let tests = dir.write("t.test.yaml", TESTS);
    let out = run(&["test", &tests]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("test t.bool.passes ... ok\n"), "{text}");
    assert!(
        text.contains("test t.bool.<fails> & shows ... FAILED\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("---- t.bool.<fails> & shows ({tests}:11) ----\n")),
        "{text}"
    );
    let diff = "\
forwarded.body (- expected, + actual):
   ... (2 unchanged lines)
       {
         \"op\": \"replace\",
         \"path\": \"active\",
 -       \"value\": \"False\"
 +       \"value\": false
       }
     ]
   }
";
    assert!(text.contains(diff), "{text}");
    assert!(
        text.contains("test result: FAILED. 1 passed; 1 failed; 0 filtered out; "),
        "{text}"
    );
    // The filter leaves the failing case out.
    let out = run(&["test", &tests, "--filter", "passes"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("test result: ok. 1 passed; 0 failed; 1 filtered out; "),
        "{text}"
    );
}

#[test]
fn junit_report_is_well_formed_and_holds_the_failure() {
    let dir = TempDir::new("ruletest-junit");
    dir.write("t.yaml", RULES);
    let tests = dir.write("t.test.yaml", TESTS);
    let report = dir.0.join("report.xml");
    let report_arg = report.to_string_lossy().into_owned();
    let out = run(&["test", &tests, "--junit", &report_arg]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let xml = std::fs::read_to_string(&report).expect("the report is written");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scimshim test\" tests=\"2\" failures=\"1\" errors=\"0\""), "{xml}");
    assert!(
        xml.contains(&format!(
            "<testcase name=\"t.bool.passes\" classname=\"{tests}\" file=\"{tests}\" line=\"2\""
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"t.bool.&lt;fails&gt; &amp; shows\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure message=\"not as expected: forwarded.body\" type=\"mismatch\">forwarded.body (- expected, + actual):"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(" -       &quot;value&quot;: &quot;False&quot;\n"),
        "{xml}"
    );
    // A real XML parser accepts it and finds the failure where JUnit puts it.
    let check = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E\n\
             r = E.parse(sys.argv[1]).getroot()\n\
             cases = r.findall('testsuite/testcase')\n\
             print(len(cases), [c.get('name') for c in cases if c.find('failure') is not None])",
            &report_arg,
        ])
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&check.stdout).trim(),
        "2 ['t.bool.<fails> & shows']"
    );
}

#[test]
fn an_invalid_test_file_exits_2_with_its_position() {
    let dir = TempDir::new("ruletest-invalid");
    dir.write("t.yaml", RULES);
    let tests = dir.write(
        "t.test.yaml",
        "tests:\n  - name: typo\n    request: { method: GET, path: /scim/v2/Users }\n    expect:\n      forwarded: { method: GET }\n      aplied: []\n",
    );
    let out = run(&["test", &tests]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("error: test `typo`: unknown field `aplied`, expected one of `forwarded`, `response`, `returned`, `applied`, `fetches`\n"),
        "{text}"
    );
    assert!(text.contains(&format!("  --> {tests}:6:7\n")), "{text}");
    assert!(
        text.contains("   = field: tests[0].expect.aplied\n"),
        "{text}"
    );
    assert!(text.contains("no tests were run"), "{text}");
    // A path without tests is a usage error too.
    let out = run(&["test", &dir.0.join("t.yaml").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn coverage_names_unexercised_rules_and_can_be_enforced() {
    let dir = TempDir::new("ruletest-coverage");
    dir.write("t.yaml", RULES);
    dir.write(
        "t.test.yaml",
        "tests:\n  - name: only-bool\n    request: { method: PATCH, path: /scim/v2/Users/1, body: { Operations: [ { op: add, path: active, value: 'true' } ] } }\n    expect: { applied: [t.bool] }\n",
    );
    dir.write("other.yaml", "rules: []\n");
    let path = dir.0.to_string_lossy().into_owned();
    let out = run(&["test", &path]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let t_yaml = dir.0.join("t.yaml").display().to_string();
    let other = dir.0.join("other.yaml").display().to_string();
    let coverage = format!(
        "coverage: 1 of 2 rules, 1 of 2 action kinds exercised\n    rule not exercised: t.never ({t_yaml}:7)\n    action kinds not exercised: remove\n    rule file no test loads: {other}\n"
    );
    assert!(text.ends_with(&coverage), "{text}");
    let out = run(&["test", &path, "--coverage-strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}
