//! The documentation stays in step with the code: the committed JSON Schemas (rule
//! files and `scimshim.yaml`) equal the binary's, `docs/rules.md` covers every
//! action, `docs/config.md` every configuration field, and `rules/README.md`
//! indexes every shipped rule and every quirk id the rules cite.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use crate::support::repo;
use crate::support::scimshim::run;

const REGENERATE: &str = "cargo run -q -- schema > docs/rules.schema.json";

fn read(rel: &str) -> String {
    fs::read_to_string(repo(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The JSON Schema as the binary prints it.
fn generated_schema() -> Value {
    let out = run(&["schema"]);
    assert!(
        out.status.success(),
        "`scimshim schema` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("`scimshim schema` prints JSON")
}

/// The first place where two JSON values differ, as a JSON pointer.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(v), Some(w)) => first_difference(v, w, &format!("{at}/{k}")),
                _ => Some(format!("{at}/{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(if at.is_empty() { "/".into() } else { at.into() }),
    }
}

#[test]
fn committed_schema_matches_the_binary() {
    let committed: Value =
        serde_json::from_str(&read("docs/rules.schema.json")).unwrap_or_else(|e| {
            panic!(
                "docs/rules.schema.json is not valid JSON ({e}); regenerate it with `{REGENERATE}`"
            )
        });
    let generated = generated_schema();
    if let Some(at) = first_difference(&committed, &generated, "") {
        panic!(
            "docs/rules.schema.json is out of date (first difference at `{at}`); \
             regenerate it with `{REGENERATE}`"
        );
    }
}

const REGENERATE_CONFIG: &str = "cargo run -q -- schema --config > docs/scimshim.schema.json";

#[test]
fn committed_config_schema_matches_the_binary() {
    let committed: Value = serde_json::from_str(&read("docs/scimshim.schema.json"))
        .unwrap_or_else(|e| {
            panic!(
                "docs/scimshim.schema.json is not valid JSON ({e}); regenerate it with `{REGENERATE_CONFIG}`"
            )
        });
    let out = run(&["schema", "--config"]);
    assert!(
        out.status.success(),
        "`scimshim schema --config` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated: Value =
        serde_json::from_slice(&out.stdout).expect("`scimshim schema --config` prints JSON");
    assert_eq!(generated["title"], "ConfigFile");
    if let Some(at) = first_difference(&committed, &generated, "") {
        panic!(
            "docs/scimshim.schema.json is out of date (first difference at `{at}`); \
             regenerate it with `{REGENERATE_CONFIG}`"
        );
    }
}

#[test]
fn config_md_documents_every_field() {
    let out = run(&["schema", "--config"]);
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    let mut fields: Vec<String> = Vec::new();
    for props in [
        &schema["properties"],
        &schema["$defs"]["ConnectionSpec"]["properties"],
        &schema["$defs"]["HeaderMatchSpec"]["properties"],
    ] {
        fields.extend(props.as_object().expect("properties").keys().cloned());
    }
    for variant in schema["$defs"]["MatchSpec"]["oneOf"]
        .as_array()
        .expect("MatchSpec variants")
    {
        fields.extend(
            variant["properties"]
                .as_object()
                .expect("variant")
                .keys()
                .cloned(),
        );
    }
    assert!(fields.len() >= 20, "{fields:?}");
    let documented = headings_and_code_spans(&read("docs/config.md"));
    let missing: Vec<&String> = fields.iter().filter(|f| !documented.contains(*f)).collect();
    assert!(
        missing.is_empty(),
        "docs/config.md does not document these fields (as a heading or a `code span`): {missing:?}"
    );
}

/// Action names as the schema lists them under `$defs.ActionSpec`.
fn schema_action_names(schema: &Value) -> Vec<String> {
    let spec = &schema["$defs"]["ActionSpec"];
    let variants = spec["oneOf"]
        .as_array()
        .or_else(|| spec["anyOf"].as_array())
        .expect("the schema's ActionSpec lists its variants under oneOf");
    let mut names = Vec::new();
    for v in variants {
        if let Some(props) = v["properties"].as_object() {
            names.extend(props.keys().cloned());
        } else if let Some(c) = v["const"].as_str() {
            names.push(c.to_string());
        } else if let Some(e) = v["enum"].as_array() {
            names.extend(e.iter().filter_map(Value::as_str).map(str::to_string));
        } else {
            panic!("unexpected ActionSpec variant shape in the schema: {v}");
        }
    }
    names
}

/// Heading texts and inline code spans of a Markdown file (outside fenced blocks).
fn headings_and_code_spans(markdown: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut fenced = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if trimmed.starts_with('#') {
            let text = trimmed.trim_start_matches('#').trim().replace('`', "");
            found.insert(text);
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 {
                found.insert(span.trim().to_string());
                // `coerce:` and `- coerce: {...}` count as naming `coerce`.
                let head = span.trim().trim_start_matches("- ");
                if let Some((name, _)) = head.split_once(':') {
                    found.insert(name.trim().to_string());
                }
            }
        }
    }
    found
}

#[test]
fn rules_md_documents_every_action() {
    let actions = schema_action_names(&generated_schema());
    assert!(
        actions.len() >= 10,
        "found only {} actions in the schema: {actions:?}",
        actions.len()
    );
    let documented = headings_and_code_spans(&read("docs/rules.md"));
    let missing: Vec<&String> = actions
        .iter()
        .filter(|a| !documented.contains(*a))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/rules.md does not document these actions (as a heading or a `code span`): {missing:?}"
    );
}

/// Whether `needle` occurs in `haystack` as a whole word, where ids are made of
/// letters, digits, `.`, `-` and `_`.
fn contains_word(haystack: &str, needle: &str) -> bool {
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        // A sentence-ending `.` after an id still counts as a boundary.
        let after_ok = match after {
            None => true,
            Some('.') => !haystack[i + needle.len() + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric()),
            Some(c) => !is_id_char(c),
        };
        !before.is_some_and(is_id_char) && after_ok
    })
}

/// Every shipped rule, read by the real loader (as `check` reads them).
fn shipped_rules() -> Vec<(String, Vec<String>, String)> {
    use scimshim::rules::secret::MapEnv;
    use scimshim::rules::{LoadOptions, SecretMode};
    let env = MapEnv::default();
    let options = LoadOptions {
        env: &env,
        secrets: SecretMode::Lenient,
    };
    let loaded = scimshim::rules::load(&[repo("rules")], &options).expect("read rules/");
    assert!(
        !loaded.has_errors(),
        "rules/ has errors: {:#?}",
        loaded.diagnostics
    );
    loaded
        .set
        .rules
        .iter()
        .map(|r| {
            let file = r
                .source
                .file
                .strip_prefix(repo(""))
                .unwrap_or(&r.source.file);
            (
                r.id.to_string(),
                r.quirks.clone(),
                file.display().to_string(),
            )
        })
        .collect()
}

#[test]
fn rules_readme_indexes_every_rule_and_quirk() {
    let rules = shipped_rules();
    assert!(
        rules.len() >= 10,
        "found only {} rules under rules/",
        rules.len()
    );
    let readme = read("rules/README.md");
    let mut missing_rules = Vec::new();
    let mut missing_quirks = BTreeSet::new();
    for (id, quirks, file) in &rules {
        if !contains_word(&readme, id) {
            missing_rules.push(format!("{id} ({file})"));
        }
        for q in quirks {
            if !contains_word(&readme, q) {
                missing_quirks.insert(format!("{q} ({file})"));
            }
        }
    }
    assert!(
        missing_rules.is_empty() && missing_quirks.is_empty(),
        "rules/README.md must index every shipped rule and every quirk id the rules cite; \
         missing rule ids: {missing_rules:?}; missing quirk ids: {missing_quirks:?}"
    );
}

#[test]
fn word_matching_respects_id_boundaries() {
    assert!(contains_word("see `no-groups.read`.", "no-groups.read"));
    assert!(contains_word("ENTRA-10.", "ENTRA-10"));
    assert!(!contains_word("ENTRA-100", "ENTRA-10"));
    assert!(!contains_word("no-groups.reader", "no-groups.read"));
}

/// `tests/support/grep-secrets.sh` searches scimshim's output for every
/// secret in `tests/fixtures/secrets.txt`; a secret a test uses but the list
/// forgets would never be searched for. Every constant in `tests/it/` whose
/// name says it holds a secret must be listed.
#[test]
fn every_secret_constant_of_the_suite_is_in_the_grep_list() {
    let listed: BTreeSet<String> = read("tests/fixtures/secrets.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut missing = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(crate::support::repo("tests/it")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("const ") else {
                continue;
            };
            let Some((name, value)) = rest.split_once(": &str = \"") else {
                continue;
            };
            let secret_name = ["TOKEN", "SECRET", "PASSWORD", "PAIR"]
                .iter()
                .any(|w| name.contains(w));
            let value = value.trim_end_matches("\";");
            let is_hash = value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
            if secret_name && !is_hash {
                seen += 1;
                if !listed.contains(value) {
                    let file = path.file_name().unwrap_or_default().to_string_lossy();
                    missing.push(format!("tests/it/{file}: {name} = {value}"));
                }
            }
        }
    }
    assert!(seen >= 10, "the scan found only {seen} secret constants");
    assert!(
        missing.is_empty(),
        "add these to tests/fixtures/secrets.txt:\n{}",
        missing.join("\n")
    );
}
