//! Unit tests of rule tests: parsing with positions, running through the
//! engine, comparison and diffs, reports (text, JUnit escaping), coverage.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::compare::{self, Detail, Line, Mismatch};
use super::parse::{self, clean};
use super::report;
use super::run::{self, Actual, Answer, AnswerBody, CaseRun, FileRun, Options, Suite};
use super::spec::{Expect, MessageExpect};
use super::{Found, discover};
use crate::rules::{Diagnostic, Request};

/// A directory under the system temp dir, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scimshim-ruletest-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Temp(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const RULES: &str = "\
rules:
  - id: t.bool
    description: d
    when: { method: [PATCH] }
    actions:
      - coerce: { select: \"$.Operations[*].value\", to: boolean }
  - id: t.groups
    description: d
    when: { method: [GET], resource: [Group] }
    actions:
      - respond: { status: 200, empty_list: true }
  - id: t.unused
    description: d
    when: { method: [PUT] }
    actions:
      - lowercase: { select: '$.userName' }
  - id: t.media
    description: d
    phase: response
    when: { status: [200] }
    actions:
      - set_header: { name: x-fixed, value: 'yes' }
";

const CASES: &str = "\
tests:
  - name: bool
    request:
      method: PATCH
      path: /scim/v2/Users/1
      body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
    expect:
      forwarded:
        body: { Operations: [ { op: replace, path: active, value: false } ] }
      applied: [t.bool]
  - name: groups
    request: { method: GET, path: /scim/v2/Groups }
    expect:
      response: { status: 200, headers: { x-scimshim-rule: t.groups } }
";

fn messages(diags: &[Diagnostic]) -> Vec<(String, String, u32, u32)> {
    diags
        .iter()
        .map(|d| (d.message.clone(), d.field.clone(), d.line, d.column))
        .collect()
}

fn parse_in(dir: &Temp, name: &str, text: &str) -> parse::Read {
    let path = dir.write(name, text);
    parse::read(&path)
}

// ---- parsing -----------------------------------------------------------------

#[test]
fn a_valid_file_parses_with_its_sibling_rules() {
    let dir = Temp::new("valid");
    dir.write("t.yaml", RULES);
    let read = parse_in(&dir, "t.test.yaml", CASES);
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let file = read.file.unwrap();
    assert_eq!(file.rules, vec![dir.0.join("t.yaml")]);
    assert_eq!(file.base_path, "/scim/v2");
    let names: Vec<(&str, u32)> = file
        .cases
        .iter()
        .map(|c| (c.spec.name.as_str(), c.line))
        .collect();
    assert_eq!(names, [("bool", 2), ("groups", 11)]);
    let groups = &file.cases[1].spec.expect;
    assert_eq!(
        groups.response.as_ref().unwrap().headers["x-scimshim-rule"],
        Some("t.groups".to_string())
    );
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let dir = Temp::new("problems");
    dir.write("t.yaml", RULES);
    let text = "\
base_path: scim
tests:
  - name: one
    request: { method: GET, path: Users }
    expect:
      forwarded: { method: GET }
      fetchs: 1
  - name: one
    request: { method: GET, path: /scim/v2/Users }
    quirks: [entra-2, NOPE-99]
    expect:
      forwarded: { status: 200 }
      response: { status: 200 }
      returned: { status: 200 }
  - request: { method: GET, path: /x }
    expect: {}
  - name: four
    request: { method: GET, path: /x }
    upstream: { method: GET, status: 200 }
    expect:
      response: { body: {}, headerz: {} }
";
    let read = parse_in(&dir, "t.test.yaml", text);
    assert!(read.file.is_none());
    let got = messages(&read.diagnostics);
    let want: Vec<(&str, &str, u32, u32)> = vec![
        ("`scim` must start with `/`", "base_path", 1, 12),
        (
            "test `one`: `path` must start with `/`, got `Users`",
            "tests[0].request.path",
            4,
            35,
        ),
        (
            "test `one`: unknown field `fetchs`, expected one of `forwarded`, `response`, `returned`, `applied`, `fetches`",
            "tests[0].expect.fetchs",
            7,
            7,
        ),
        ("duplicate test name `one`", "tests[1].name", 8, 11),
        (
            "test `one`: `entra-2` is not a quirk id",
            "tests[1].quirks[0]",
            10,
            14,
        ),
        (
            "test `one`: quirk `NOPE-99` is not in the catalog",
            "tests[1].quirks[1]",
            10,
            23,
        ),
        (
            "test `one`: give `forwarded` or `response`, not both",
            "tests[1].expect.response",
            13,
            7,
        ),
        (
            "test `one`: `returned` needs `upstream`",
            "tests[1].expect.returned",
            14,
            7,
        ),
        (
            "test `one`: unexpected `status` here",
            "tests[1].expect.forwarded.status",
            12,
            20,
        ),
        ("missing field `name`", "tests[2]", 15, 5),
        ("nothing is expected", "tests[2].expect", 16, 13),
        (
            "test `four`: `upstream` is the backend's answer: it has no `method`",
            "tests[3].upstream.method",
            19,
            17,
        ),
        (
            "test `four`: unknown field `headerz`, expected one of `method`, `path`, `status`, `headers`, `body`",
            "tests[3].expect.response.headerz",
            21,
            29,
        ),
    ];
    let want: Vec<(String, String, u32, u32)> = want
        .into_iter()
        .map(|(m, f, l, c)| (m.to_string(), f.to_string(), l, c))
        .collect();
    assert_eq!(got, want);
    // Unknown fields carry a hint; the rendering is `check`'s.
    let rendered = read.diagnostics[2].to_string();
    assert!(
        rendered.contains(&format!("--> {}:7:7", dir.0.join("t.test.yaml").display())),
        "{rendered}"
    );
    assert!(
        rendered.contains("= field: tests[0].expect.fetchs"),
        "{rendered}"
    );
    assert!(
        rendered.contains("= hint: unknown fields are errors"),
        "{rendered}"
    );
}

#[test]
fn file_level_problems() {
    let dir = Temp::new("file");
    let read = parse_in(&dir, "alone.test.yaml", CASES);
    assert_eq!(
        messages(&read.diagnostics),
        [(
            "no rule file `alone.yaml` beside this test file".to_string(),
            String::new(),
            1,
            1
        )]
    );
    let read = parse_in(
        &dir,
        "x.test.yaml",
        "rules: [missing.yaml]\ntests: []\nextra: 1\n",
    );
    let got = messages(&read.diagnostics);
    assert_eq!(
        got[0].0,
        "unknown field `extra`, expected one of `rules`, `base_path`, `tests`"
    );
    assert_eq!((got[0].2, got[0].3), (3, 1));
    assert!(got[1].0.starts_with("cannot read "), "{got:?}");
    assert_eq!((got[1].1.as_str(), got[1].2, got[1].3), ("rules[0]", 1, 9));
    assert_eq!(got[2].0, "no tests in this file");
    let read = parse_in(&dir, "y.test.yaml", "tests:\n  - name: [unclosed\n");
    assert_eq!(read.diagnostics.len(), 1);
    assert!(read.diagnostics[0].message.starts_with("invalid YAML"));
    assert_eq!(
        (read.diagnostics[0].line, read.diagnostics[0].column),
        (2, 11)
    );
    let read = parse_in(&dir, "z.test.yaml", "");
    assert_eq!(messages(&read.diagnostics)[0].0, "the file is empty");
}

#[test]
fn paths_are_cleaned_without_the_file_system() {
    assert_eq!(
        clean(Path::new("rules/backends/../common")),
        PathBuf::from("rules/common")
    );
    assert_eq!(clean(Path::new("./a/./b/")), PathBuf::from("a/b"));
    assert_eq!(clean(Path::new("../x/../y")), PathBuf::from("../y"));
    assert_eq!(clean(Path::new("/../a")), PathBuf::from("/a"));
    assert_eq!(clean(Path::new("a/..")), PathBuf::from("."));
}

#[test]
fn discovery_is_sorted_and_skips_hidden_entries() {
    let dir = Temp::new("discover");
    dir.write("b/z.test.yaml", "tests: []\n");
    dir.write("b/z.yaml", "rules: []\n");
    dir.write("a.test.yml", "tests: []\n");
    dir.write(".hidden/h.test.yaml", "tests: []\n");
    dir.write("..data/d.test.yaml", "tests: []\n");
    dir.write("notes.txt", "");
    let found = discover(&[dir.0.clone(), dir.0.join("a.test.yml")]).unwrap();
    assert_eq!(
        found,
        Found {
            tests: vec![dir.0.join("a.test.yml"), dir.0.join("b/z.test.yaml")],
            rule_files: vec![dir.0.join("b/z.yaml")],
        }
    );
    let err = discover(&[dir.0.join("b/z.yaml")]).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not a rule test file (*.test.yaml)")
    );
    let empty = Temp::new("empty");
    assert!(discover(std::slice::from_ref(&empty.0)).is_err());
}

// ---- running ------------------------------------------------------------------

fn run_text(dir: &Temp, cases: &str, filter: Option<&str>) -> Suite {
    let path = dir.write("t.test.yaml", cases);
    let read = parse::read(&path);
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    run::run(
        &[read.file.unwrap()],
        &Options {
            filter: filter.map(str::to_string),
            rule_files: vec![dir.0.join("t.yaml")],
        },
    )
    .unwrap()
}

#[test]
fn cases_run_through_the_engine_and_coverage_names_what_was_missed() {
    let dir = Temp::new("run");
    dir.write("t.yaml", RULES);
    let suite = run_text(&dir, CASES, None);
    assert_eq!((suite.passed(), suite.failed()), (2, 0));
    let c = &suite.coverage;
    assert_eq!((c.rules, c.actions), (4, 4));
    let missed: Vec<(&str, u32)> = c
        .rules_missed
        .iter()
        .map(|(id, _, line)| (id.as_str(), *line))
        .collect();
    assert_eq!(missed, [("t.unused", 12), ("t.media", 17)]);
    assert_eq!(c.actions_missed, ["lowercase", "set_header"]);
    assert!(c.untested_files.is_empty());
    assert!(!c.complete());

    let filtered = run_text(&dir, CASES, Some("gro"));
    assert_eq!(
        (
            filtered.passed(),
            filtered.failed(),
            filtered.filtered_out()
        ),
        (1, 0, 1)
    );
}

#[test]
fn a_failing_case_shows_a_json_diff_and_a_wrong_rule_list() {
    let dir = Temp::new("fail");
    dir.write("t.yaml", RULES);
    let cases = "\
tests:
  - name: wrong
    request:
      method: PATCH
      path: /scim/v2/Users/1
      body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
    expect:
      forwarded:
        path: /scim/v2/Users/2
        body: { Operations: [ { op: replace, path: active, value: 'False' } ] }
      applied: []
      fetches: 1
";
    let suite = run_text(&dir, cases, None);
    assert_eq!(suite.failed(), 1);
    let text = report::text(&suite, false);
    let expected = "\
---- wrong (PATH:2) ----
forwarded.path:
  expected: /scim/v2/Users/2
    actual: /scim/v2/Users/1
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
applied:
  expected: []
    actual: [t.bool]
fetches:
  expected: 1
    actual: 0
";
    let path = dir.0.join("t.test.yaml").display().to_string();
    assert!(text.contains(&expected.replace("PATH", &path)), "{text}");
    assert!(text.starts_with(&format!("running 1 test ({path})\ntest wrong ... FAILED\n")));
    assert!(
        text.contains(&format!("failures:\n    wrong ({path})\n")),
        "{text}"
    );
    assert!(
        text.contains("test result: FAILED. 0 passed; 1 failed; 0 filtered out; finished in "),
        "{text}"
    );
    let coloured = report::text(&suite, true);
    assert!(coloured.contains("\x1b[31m -       \"value\": \"False\"\x1b[0m"));
    assert!(coloured.contains("\x1b[32m +       \"value\": false\x1b[0m"));
}

#[test]
fn forwarded_and_answered_are_told_apart() {
    let dir = Temp::new("kinds");
    dir.write("t.yaml", RULES);
    let cases = "\
tests:
  - name: expected-forward
    request: { method: GET, path: /scim/v2/Groups }
    expect:
      forwarded: { method: GET }
  - name: expected-answer
    request: { method: GET, path: /scim/v2/Users }
    expect:
      response: { status: 200 }
";
    let suite = run_text(&dir, cases, None);
    let failures: Vec<&Mismatch> = suite.files[0]
        .cases
        .iter()
        .flat_map(|c| &c.failures)
        .collect();
    assert_eq!(failures.len(), 2);
    let Detail::Note(first) = &failures[0].detail else {
        panic!("{failures:?}")
    };
    assert!(
        first.starts_with("not forwarded: rule `t.groups` answered 200\n  status 200\n  {"),
        "{first}"
    );
    assert_eq!(
        failures[1].render(false),
        "response: no rule answered: the request was forwarded\n  GET /scim/v2/Users\n"
    );
}

#[test]
fn the_reply_plan_and_response_rules_shape_what_is_returned() {
    let dir = Temp::new("reply");
    dir.write(
        "t.yaml",
        "rules:\n  - id: t.del\n    description: d\n    when: { method: [DELETE] }\n    actions:\n      - delete_as_deactivate: {}\n  - id: t.empty\n    description: d\n    phase: response\n    when: { status: [404] }\n    actions:\n      - respond: { status: 200, empty_list: true }\n",
    );
    let cases = "\
tests:
  - name: delete
    request: { method: DELETE, path: /scim/v2/Users/u1 }
    upstream: { status: 200, body: { id: u1 } }
    expect:
      forwarded: { method: PATCH }
      returned: { status: 204, body: null, headers: { content-type: null } }
      applied: [t.del]
  - name: replaced
    request: { method: GET, path: /scim/v2/Users }
    upstream: { status: 404 }
    expect:
      returned:
        status: 200
        headers: { x-scimshim-rule: t.empty }
        body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }
      applied: [t.empty]
";
    let suite = run_text(&dir, cases, None);
    let text = report::text(&suite, false);
    assert_eq!(suite.failed(), 0, "{text}");
    assert!(
        suite.coverage.actions_missed.is_empty(),
        "{:?}",
        suite.coverage
    );
}

#[test]
fn rules_that_do_not_load_fail_every_case() {
    let dir = Temp::new("broken");
    dir.write(
        "t.yaml",
        "rules:\n  - id: t.x\n    description: d\n    actions:\n      - coerce: { selct: '$.a', to: boolean }\n",
    );
    let suite = run_text(&dir, CASES, None);
    assert_eq!(suite.failed(), 2);
    assert_eq!(suite.files[0].rule_errors.len(), 1);
    let text = report::text(&suite, false);
    assert!(
        text.contains("error: the rules of this file did not load:\nerror: unknown field `selct`"),
        "{text}"
    );
    assert!(
        text.contains("rules: not run: the rules did not load (1 error(s)"),
        "{text}"
    );
}

// ---- comparison ----------------------------------------------------------------

fn forwarded(body: serde_json::Value) -> Actual {
    let mut request = Request::new(http::Method::POST, "/scim/v2/Users");
    request.query = Some("a=1".into());
    request
        .headers
        .append("x-multi", http::HeaderValue::from_static("1"));
    request
        .headers
        .append("x-multi", http::HeaderValue::from_static("2"));
    request.body = crate::rules::Body::Json(body);
    Actual {
        forwarded: Some(request),
        local: None,
        returned: None,
        applied: vec![Arc::from("r.one")],
        changes: Vec::new(),
        fetches: 0,
    }
}

#[test]
fn headers_compare_listed_names_only_and_null_means_absent() {
    let actual = forwarded(json!({"b": 1, "a": [1, 2]}));
    let mut want = MessageExpect {
        method: Some("post".into()),
        path: Some("/scim/v2/Users?a=1".into()),
        body: Some(json!({"a": [1, 2], "b": 1})),
        ..MessageExpect::default()
    };
    want.headers.insert("X-Multi".into(), Some("1, 2".into()));
    want.headers.insert("x-gone".into(), None);
    let expect = Expect {
        forwarded: Some(want.clone()),
        applied: Some(vec!["r.one".into()]),
        fetches: Some(0),
        ..Expect::default()
    };
    assert_eq!(compare::compare(&expect, &actual), []);

    want.headers.insert("x-gone".into(), Some("v".into()));
    want.headers.insert("x-multi".into(), None);
    want.headers.remove("X-Multi");
    want.body = Some(serde_json::Value::Null);
    let expect = Expect {
        forwarded: Some(want),
        ..Expect::default()
    };
    let got = compare::compare(&expect, &actual);
    let rendered: Vec<String> = got.iter().map(|m| m.render(false)).collect();
    assert_eq!(
        rendered,
        [
            "forwarded.headers.x-gone:\n  expected: \"v\"\n    actual: (absent)\n",
            "forwarded.headers.x-multi:\n  expected: (absent)\n    actual: \"1, 2\"\n",
            "forwarded.body (- expected, + actual):\n - (no body)\n + {\n +   \"a\": [\n +     1,\n +     2\n +   ],\n +   \"b\": 1\n + }\n",
        ]
    );
}

#[test]
fn answers_compare_status_and_body() {
    let answer = Answer {
        status: 201,
        headers: http::HeaderMap::new(),
        body: AnswerBody::Text("not json".into()),
        rule: Some(Arc::from("r")),
    };
    let actual = Actual {
        forwarded: None,
        local: Some(answer.clone()),
        returned: Some(answer),
        applied: Vec::new(),
        changes: Vec::new(),
        fetches: 2,
    };
    let want = MessageExpect {
        status: Some(200),
        body: Some(json!({"x": 1})),
        ..MessageExpect::default()
    };
    let expect = Expect {
        response: Some(want.clone()),
        returned: Some(MessageExpect {
            status: Some(201),
            ..MessageExpect::default()
        }),
        applied: Some(vec!["r".into()]),
        ..Expect::default()
    };
    let got = compare::compare(&expect, &actual);
    let fields: Vec<&str> = got.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(fields, ["response.status", "response.body", "applied"]);
    assert_eq!(
        got[1].detail,
        Detail::Lines(vec![
            Line::Expected("{".into()),
            Line::Expected("  \"x\": 1".into()),
            Line::Expected("}".into()),
            Line::Actual("not json".into()),
        ])
    );
}

#[test]
fn diffs_keep_context_around_changes() {
    let lines = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    let d = compare::diff(
        &lines("a b c d e f g h i j"),
        &lines("a b c d e X g h i j"),
        1,
    );
    assert_eq!(
        d,
        [
            Line::Skipped(4),
            Line::Same("e".into()),
            Line::Expected("f".into()),
            Line::Actual("X".into()),
            Line::Same("g".into()),
            Line::Skipped(3),
        ]
    );
    let d = compare::diff(&lines("a b"), &lines("b c"), 3);
    assert_eq!(
        d,
        [
            Line::Expected("a".into()),
            Line::Same("b".into()),
            Line::Actual("c".into()),
        ]
    );
    assert_eq!(
        Mismatch {
            field: "f".into(),
            detail: Detail::Lines(vec![Line::Skipped(2)])
        }
        .render(false),
        "f (- expected, + actual):\n   ... (2 unchanged lines)\n"
    );
}

#[test]
fn json_is_shown_with_sorted_keys() {
    assert_eq!(
        compare::pretty_lines(&json!({"b": {"d": 1, "c": 2}, "a": null})),
        [
            "{",
            "  \"a\": null,",
            "  \"b\": {",
            "    \"c\": 2,",
            "    \"d\": 1",
            "  }",
            "}"
        ]
    );
}

// ---- JUnit ---------------------------------------------------------------------

#[test]
fn xml_escaping() {
    assert_eq!(
        report::escape("a<b>&\"c\"'d'\u{1}\u{1b}[31m\t\n\u{FFFF}é"),
        "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\u{FFFD}\u{FFFD}[31m\t\n\u{FFFD}é"
    );
    assert_eq!(report::escape("plain"), "plain");
}

#[test]
fn junit_has_a_suite_per_file_and_a_failure_per_failed_case() {
    let suite = Suite {
        files: vec![FileRun {
            path: PathBuf::from("rules/a&b.test.yaml"),
            rule_errors: Vec::new(),
            cases: vec![
                CaseRun {
                    name: "ok<1>".into(),
                    line: 3,
                    failures: Vec::new(),
                    elapsed: Duration::from_millis(2),
                },
                CaseRun {
                    name: "bad".into(),
                    line: 9,
                    failures: vec![Mismatch::note("forwarded", "not \"forwarded\" <x>")],
                    elapsed: Duration::ZERO,
                },
            ],
            filtered_out: 0,
            elapsed: Duration::from_millis(5),
        }],
        coverage: Default::default(),
        elapsed: Duration::from_millis(1500),
    };
    let xml = report::junit(&suite);
    let want = "\
<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<testsuites name=\"scimshim test\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.500\">
  <testsuite name=\"rules/a&amp;b.test.yaml\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.005\">
    <testcase name=\"ok&lt;1&gt;\" classname=\"rules/a&amp;b.test.yaml\" file=\"rules/a&amp;b.test.yaml\" line=\"3\" time=\"0.002\"/>
    <testcase name=\"bad\" classname=\"rules/a&amp;b.test.yaml\" file=\"rules/a&amp;b.test.yaml\" line=\"9\" time=\"0.000\">
      <failure message=\"not as expected: forwarded\" type=\"mismatch\">forwarded: not &quot;forwarded&quot; &lt;x&gt;
</failure>
    </testcase>
  </testsuite>
</testsuites>
";
    assert_eq!(xml, want);
}

#[test]
fn the_schema_describes_test_files() {
    let schema = super::json_schema();
    let props = &schema["properties"];
    assert!(props["tests"].is_object(), "{schema}");
    assert!(props["rules"].is_object(), "{schema}");
    assert_eq!(schema["additionalProperties"], json!(false));
}
