//! Loading rule files: paths → YAML → one [`RuleSpec`] per rule → compiled
//! [`RuleSet`]. Every problem in every file is collected; nothing stops at the first.
//! `serve`, `check`, `test` and `explain` all load through [`load`].

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::actions::{CompileCx, SecretMode};
use super::compile::RuleParts;
use super::compile::compile_rule;
use super::diagnostic::{Diagnostic, Problem, Severity};
use super::model::{ActionSpec, MatchSpec, PhaseSpec};
use super::rule::{LoadedFile, Rule, RuleSet, RuleSource};
use super::secret::Env;
use super::yaml::{self, FieldPath, Kind, Node, Seg};

/// A path that could not be read at all (exit code 2, not a rule problem).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What loading found.
#[derive(Debug)]
pub struct Loaded {
    /// The compiled rules, in order; only the rules without errors.
    pub set: RuleSet,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// How to load.
pub struct LoadOptions<'a> {
    pub env: &'a dyn Env,
    pub secrets: SecretMode,
}

/// Loads every rule file under `paths`, in the order given. A directory is read
/// recursively in sorted path order; hidden entries (such as a Kubernetes
/// ConfigMap's `..data`) and rule tests (`*.test.yaml`) are skipped.
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded, LoadError> {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let before = files.len();
            collect_dir(path, &mut files)?;
            if files.len() == before {
                diagnostics.push(file_diag(
                    Severity::Warning,
                    path,
                    format!("no rule files (*.yaml, *.yml) in {}", path.display()),
                    None,
                ));
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut rules: Vec<Rule> = Vec::new();
    let mut loaded_files = Vec::new();
    let mut seen: HashMap<String, (PathBuf, u32)> = HashMap::new();
    for file in &files {
        let bytes = fs::read(file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
        let before = rules.len();
        load_file(
            file,
            &bytes,
            options,
            &mut rules,
            &mut diagnostics,
            &mut seen,
        );
        loaded_files.push(LoadedFile {
            path: file.clone(),
            rules: rules.len() - before,
            bytes: bytes.len(),
        });
    }
    // Diagnostics are already in file order, then rule order, then field order.
    Ok(Loaded {
        set: RuleSet::new(rules, loaded_files),
        diagnostics,
    })
}

/// Loads several rule files given as text, in order, as if read from their
/// names (the rules built into the binary for `scimshim demo`).
pub fn load_strs(files: &[(&str, &str)], options: &LoadOptions) -> Loaded {
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen = HashMap::new();
    let mut loaded = Vec::new();
    for (name, text) in files {
        let before = rules.len();
        load_file(
            Path::new(name),
            text.as_bytes(),
            options,
            &mut rules,
            &mut diagnostics,
            &mut seen,
        );
        loaded.push(LoadedFile {
            path: Path::new(name).to_path_buf(),
            rules: rules.len() - before,
            bytes: text.len(),
        });
    }
    Loaded {
        set: RuleSet::new(rules, loaded),
        diagnostics,
    }
}

/// Loads rules from text, as if read from `name` (for tests, `explain`, `test`).
pub fn load_str(name: &Path, text: &str, options: &LoadOptions) -> Loaded {
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen = HashMap::new();
    load_file(
        name,
        text.as_bytes(),
        options,
        &mut rules,
        &mut diagnostics,
        &mut seen,
    );
    let files = vec![LoadedFile {
        path: name.to_path_buf(),
        rules: rules.len(),
        bytes: text.len(),
    }];
    Loaded {
        set: RuleSet::new(rules, files),
        diagnostics,
    }
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_dir(&path, out)?;
        } else if is_rule_file(name) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_rule_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !name.ends_with(".test.yaml")
        && !name.ends_with(".test.yml")
}

fn file_diag(severity: Severity, file: &Path, message: String, hint: Option<&str>) -> Diagnostic {
    Diagnostic {
        severity,
        file: file.to_path_buf(),
        rule: None,
        field: String::new(),
        line: 0,
        column: 0,
        message,
        hint: hint.map(str::to_string),
    }
}

fn load_file(
    file: &Path,
    bytes: &[u8],
    options: &LoadOptions,
    rules: &mut Vec<Rule>,
    diags: &mut Vec<Diagnostic>,
    seen: &mut HashMap<String, (PathBuf, u32)>,
) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        diags.push(file_diag(
            Severity::Error,
            file,
            "the file is not UTF-8".into(),
            None,
        ));
        return;
    };
    let root = match yaml::parse(text) {
        Ok(node) => node,
        Err(e) => {
            diags.push(Diagnostic {
                line: e.pos.line,
                column: e.pos.column,
                ..file_diag(
                    Severity::Error,
                    file,
                    format!("invalid YAML: {}", e.message),
                    None,
                )
            });
            return;
        }
    };
    let at =
        |node: &Node, sev: Severity, field: &FieldPath, message: String, hint: Option<&str>| {
            Diagnostic {
                line: node.pos.line,
                column: node.pos.column,
                field: field.to_string(),
                ..file_diag(sev, file, message, hint)
            }
        };
    let entries = match &root.kind {
        Kind::Map(entries) => entries,
        Kind::Null => {
            diags.push(file_diag(
                Severity::Warning,
                file,
                "the file is empty".into(),
                Some("a rule file holds `rules: [...]`"),
            ));
            return;
        }
        _ => {
            diags.push(at(
                &root,
                Severity::Error,
                &FieldPath::root(),
                "a rule file must be a mapping with a `rules` list".into(),
                None,
            ));
            return;
        }
    };
    for (key, pos, _) in entries {
        if key != "rules" {
            diags.push(Diagnostic {
                line: pos.line,
                column: pos.column,
                field: key.clone(),
                ..file_diag(
                    Severity::Error,
                    file,
                    format!("unknown field `{key}`, expected `rules`"),
                    None,
                )
            });
        }
    }
    let Some(list) = root.get("rules") else {
        diags.push(at(
            &root,
            Severity::Error,
            &FieldPath::root(),
            "missing field `rules`".into(),
            Some("a rule file holds `rules: [...]`"),
        ));
        return;
    };
    let items = match &list.kind {
        Kind::Seq(items) => items,
        Kind::Null => return,
        _ => {
            diags.push(at(
                list,
                Severity::Error,
                &FieldPath::root().key("rules"),
                "`rules` must be a list".into(),
                None,
            ));
            return;
        }
    };
    let base_dir = file.parent().unwrap_or(Path::new("."));
    for (index, item) in items.iter().enumerate() {
        let rule_path = FieldPath::root().key("rules").index(index);
        let rule_id = item.get("id").and_then(Node::as_str).map(str::to_string);
        let diag = |problem: &Problem| {
            let full = rule_path.join(&problem.field);
            let (node, _) = item.locate(&problem.field);
            let pos = problem
                .key
                .as_deref()
                .and_then(|k| node.key_pos(k))
                .unwrap_or(node.pos);
            Diagnostic {
                severity: problem.severity,
                file: file.to_path_buf(),
                rule: rule_id.clone(),
                field: full.to_string(),
                line: pos.line,
                column: pos.column,
                message: problem.message.clone(),
                hint: problem.hint.clone(),
            }
        };
        let (parts, problems) = parse_parts(item);
        diags.extend(problems.iter().map(diag));
        if let Some(id) = &parts.id {
            if let Some((first_file, first_line)) = seen.get(id) {
                let p = Problem::error(
                    FieldPath::root().key("id"),
                    format!("duplicate rule id `{id}`"),
                )
                .hint(format!(
                    "first defined at {}:{}; rule ids must be unique across all loaded files",
                    first_file.display(),
                    first_line
                ));
                diags.push(diag(&p));
                continue;
            }
            seen.insert(id.clone(), (file.to_path_buf(), item.pos.line));
        }
        let mut cx = CompileCx::new(options.env, base_dir, options.secrets);
        let source = RuleSource {
            file: file.to_path_buf(),
            line: item.pos.line,
        };
        let compiled = compile_rule(&parts, source, &mut cx);
        diags.extend(cx.problems.iter().map(diag));
        if let Some(rule) = compiled {
            rules.push(rule);
        }
    }
}

const RULE_FIELDS: [&str; 7] = [
    "id",
    "description",
    "quirks",
    "phase",
    "when",
    "unless",
    "actions",
];

/// Deserialises a rule field by field, and its actions one by one, so that one
/// mistake does not hide the others.
fn parse_parts(item: &Node) -> (RuleParts, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut parts = RuleParts::default();
    let Kind::Map(entries) = &item.kind else {
        problems.push(Problem::error(
            FieldPath::root(),
            "a rule must be a mapping with `id`, `description`, `when` and `actions`",
        ));
        return (parts, problems);
    };
    for (key, _, _) in entries {
        if !RULE_FIELDS.contains(&key.as_str()) {
            let mut p = Problem::error(
                FieldPath::root(),
                format!(
                    "unknown field `{key}`, expected one of `{}`",
                    RULE_FIELDS.join("`, `")
                ),
            )
            .hint("unknown fields are errors so that a typo cannot silently disable a rule");
            p.key = Some(key.clone());
            problems.push(p);
        }
    }
    let mut complete = problems.is_empty();
    let field =
        |name: &str, required: bool, problems: &mut Vec<Problem>| -> Option<serde_json::Value> {
            match item.get(name) {
                Some(n) => Some(n.to_json()),
                None if required => {
                    problems.push(
                        Problem::error(FieldPath::root(), format!("missing field `{name}`")).hint(
                            "a rule needs `id`, `description` and `actions`; see docs/rules.md",
                        ),
                    );
                    None
                }
                None => None,
            }
        };
    fn typed<T: serde::de::DeserializeOwned>(
        name: &str,
        v: serde_json::Value,
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(t) => Some(t),
            Err(e) => {
                let mut p = deserialize_problem(&e);
                p.field = FieldPath::root().key(name).join(&p.field);
                problems.push(p);
                None
            }
        }
    }
    let before = problems.len();
    parts.id = field("id", true, &mut problems).and_then(|v| typed("id", v, &mut problems));
    parts.description = field("description", true, &mut problems)
        .and_then(|v| typed("description", v, &mut problems));
    if let Some(v) = field("quirks", false, &mut problems) {
        parts.quirks = typed("quirks", v, &mut problems).unwrap_or_default();
    }
    if let Some(v) = field("phase", false, &mut problems) {
        parts.phase = typed::<Option<PhaseSpec>>("phase", v, &mut problems).flatten();
    }
    if let Some(v) = field("when", false, &mut problems) {
        parts.when = typed::<Option<MatchSpec>>("when", v, &mut problems)
            .flatten()
            .unwrap_or_default();
    }
    if let Some(v) = field("unless", false, &mut problems) {
        parts.unless = typed::<Option<MatchSpec>>("unless", v, &mut problems).flatten();
    }
    match item.get("actions") {
        None => {
            field("actions", true, &mut problems);
        }
        Some(node) => match &node.kind {
            Kind::Seq(actions) => {
                parts.action_count = actions.len();
                parts.actions_listed = true;
                for (i, a) in actions.iter().enumerate() {
                    match serde_path_to_error::deserialize::<_, ActionSpec>(a.to_json()) {
                        Ok(spec) => parts.actions.push((i, spec)),
                        Err(e) => {
                            let mut p = deserialize_problem(&e);
                            p.field = FieldPath::root().key("actions").index(i).join(&p.field);
                            problems.push(p);
                        }
                    }
                }
            }
            _ => problems.push(Problem::error(
                FieldPath::root().key("actions"),
                "`actions` must be a list",
            )),
        },
    }
    complete &= problems.len() == before;
    parts.complete = complete;
    (parts, problems)
}

/// Turns a serde error at a path into a problem pointing at the right key.
fn deserialize_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let mut field = FieldPath::root();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => field.0.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => field.0.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                field.0.push(Seg::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let message = e.inner().to_string();
    let mut problem = Problem::error(field.clone(), message.clone());
    // Point at the offending key itself for unknown fields and unknown actions.
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(name) = rest.split('`').next()
        {
            // serde reports an unknown field at the path of the field itself.
            if field.0.last() == Some(&Seg::Key(name.to_string())) {
                field.0.pop();
                problem.field = field.clone();
            }
            problem.key = Some(name.to_string());
            problem.hint = Some(if prefix.starts_with("unknown field") {
                "unknown fields are errors so that a typo cannot silently disable a rule".into()
            } else {
                "see docs/rules.md for the list of actions".into()
            });
        }
    }
    if message.starts_with("missing field") {
        problem.hint = Some("see docs/rules.md for the fields each part takes".into());
    }
    problem
}
