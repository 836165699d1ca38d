//! Reads a rule test file with the rule loader's YAML machinery, so every
//! problem is reported the way `scimshim check` reports rule problems: file,
//! test, field path, line and column, and a hint. Every problem in every case
//! is collected; nothing stops at the first.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use http::HeaderName;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::spec::{Expect, MessageExpect, TestCase};
use crate::rules::diagnostic::{Diagnostic, Severity};
use crate::rules::fixture::{FixtureError, MessageSpec};
use crate::rules::request::is_json_content_type;
use crate::rules::yaml::{self, FieldPath, Kind, Node, Seg};
use crate::scim::quirks;

/// The base path cases arrive under unless the file says otherwise.
pub const DEFAULT_BASE_PATH: &str = "/scim/v2";

/// File names that hold rule tests.
pub const TEST_SUFFIXES: [&str; 2] = [".test.yaml", ".test.yml"];

const FILE_FIELDS: [&str; 3] = ["rules", "base_path", "tests"];
const CASE_FIELDS: [&str; 7] = [
    "name",
    "description",
    "quirks",
    "request",
    "resource",
    "upstream",
    "expect",
];
const EXPECT_FIELDS: [&str; 5] = ["forwarded", "response", "returned", "applied", "fetches"];

const UNKNOWN_HINT: &str = "unknown fields are errors so that a misspelt expectation cannot silently check nothing; see docs/rule-tests.md";

/// A test file ready to run.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub path: PathBuf,
    /// The rule files and directories to load, resolved against the test
    /// file's directory, in order.
    pub rules: Vec<PathBuf>,
    pub base_path: String,
    pub cases: Vec<Case>,
}

/// One case, with the line it starts on.
#[derive(Debug, Clone)]
pub struct Case {
    pub spec: TestCase,
    pub line: u32,
}

/// What reading a file found: the file when it has no errors, and every
/// problem (warnings too).
#[derive(Debug)]
pub struct Read {
    pub file: Option<ParsedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `name` is a rule test file name (`*.test.yaml`, `*.test.yml`).
pub fn is_test_file(name: &str) -> bool {
    TEST_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Reads and checks one test file.
pub fn read(path: &Path) -> Read {
    match fs::read(path) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => parse(path, text),
            Err(_) => failed(path, "the file is not UTF-8".into()),
        },
        Err(e) => failed(path, format!("cannot read {}: {e}", path.display())),
    }
}

fn failed(path: &Path, message: String) -> Read {
    Read {
        file: None,
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            file: path.to_path_buf(),
            rule: None,
            field: String::new(),
            line: 0,
            column: 0,
            message,
            hint: None,
        }],
    }
}

/// Checks `text` as the test file at `path`. Rule paths are resolved against
/// `path`'s directory and must exist.
pub fn parse(path: &Path, text: &str) -> Read {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let mut read = failed(path, format!("invalid YAML: {}", e.message));
            if let Some(d) = read.diagnostics.first_mut() {
                d.line = e.pos.line;
                d.column = e.pos.column;
            }
            return read;
        }
    };
    let mut cx = Cx {
        file: path,
        root: &root,
        diagnostics: Vec::new(),
    };
    let file = cx.file_spec();
    let errors = cx.diagnostics.iter().any(Diagnostic::is_error);
    Read {
        file: if errors { None } else { file },
        diagnostics: cx.diagnostics,
    }
}

/// Where problems go while one file is checked.
struct Cx<'a> {
    file: &'a Path,
    root: &'a Node,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    /// Records a problem at `at` (a path from the file's root), or at the key
    /// `key` inside it.
    fn push(
        &mut self,
        severity: Severity,
        test: Option<&str>,
        at: &FieldPath,
        key: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) {
        let (node, _) = self.root.locate(at);
        let pos = key.and_then(|k| node.key_pos(k)).unwrap_or(node.pos);
        let field = match key {
            Some(k) => at.key(k),
            None => at.clone(),
        };
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.to_path_buf(),
            rule: None,
            field: field.to_string(),
            line: pos.line,
            column: pos.column,
            message: match test {
                Some(name) => format!("test `{name}`: {message}"),
                None => message,
            },
            hint: hint.map(str::to_string),
        });
    }

    fn error(&mut self, test: Option<&str>, at: &FieldPath, key: Option<&str>, message: String) {
        self.push(Severity::Error, test, at, key, message, None);
    }

    fn error_hint(
        &mut self,
        test: Option<&str>,
        at: &FieldPath,
        key: Option<&str>,
        message: String,
        hint: &str,
    ) {
        self.push(Severity::Error, test, at, key, message, Some(hint));
    }

    /// Reports every key of the map at `at` that is not in `allowed`.
    fn unknown_keys(&mut self, test: Option<&str>, node: &Node, at: &FieldPath, allowed: &[&str]) {
        let Kind::Map(entries) = &node.kind else {
            return;
        };
        for (key, _, _) in entries {
            if !allowed.contains(&key.as_str()) {
                self.error_hint(
                    test,
                    at,
                    Some(key),
                    format!(
                        "unknown field `{key}`, expected one of `{}`",
                        allowed.join("`, `")
                    ),
                    UNKNOWN_HINT,
                );
            }
        }
    }

    /// Deserialises the node at `at` into `T`, reporting the first problem
    /// inside it at its own position.
    fn typed<T: DeserializeOwned>(
        &mut self,
        test: Option<&str>,
        node: &Node,
        at: &FieldPath,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(node.to_json()) {
            Ok(v) => Some(v),
            Err(e) => {
                let mut inner = FieldPath::root();
                for seg in e.path().iter() {
                    match seg {
                        serde_path_to_error::Segment::Seq { index } => {
                            inner.0.push(Seg::Index(*index))
                        }
                        serde_path_to_error::Segment::Map { key } => {
                            inner.0.push(Seg::Key(key.clone()))
                        }
                        serde_path_to_error::Segment::Enum { variant } => {
                            inner.0.push(Seg::Key(variant.clone()))
                        }
                        serde_path_to_error::Segment::Unknown => {}
                    }
                }
                let message = e.inner().to_string();
                let mut key = None;
                let mut hint = None;
                if let Some(rest) = message.strip_prefix("unknown field `")
                    && let Some(name) = rest.split('`').next()
                {
                    // serde reports an unknown field at the field's own path.
                    if inner.0.last() == Some(&Seg::Key(name.to_string())) {
                        inner.0.pop();
                    }
                    key = Some(name.to_string());
                    hint = Some(UNKNOWN_HINT);
                } else if message.starts_with("missing field") {
                    hint = Some("see docs/rule-tests.md for the fields each part takes");
                }
                self.push(
                    Severity::Error,
                    test,
                    &at.join(&inner),
                    key.as_deref(),
                    message,
                    hint,
                );
                None
            }
        }
    }

    fn file_spec(&mut self) -> Option<ParsedFile> {
        let root = self.root;
        let top = FieldPath::root();
        match &root.kind {
            Kind::Map(_) => {}
            Kind::Null => {
                self.error_hint(
                    None,
                    &top,
                    None,
                    "the file is empty".into(),
                    "a rule test file holds `tests: [...]`",
                );
                return None;
            }
            _ => {
                self.error_hint(
                    None,
                    &top,
                    None,
                    "a rule test file must be a mapping with a `tests` list".into(),
                    "see docs/rule-tests.md",
                );
                return None;
            }
        }
        self.unknown_keys(None, root, &top, &FILE_FIELDS);
        let rules = self.rule_paths();
        let base_path = match root.get("base_path") {
            None => Some(DEFAULT_BASE_PATH.to_string()),
            Some(node) => {
                let at = top.key("base_path");
                self.typed::<String>(None, node, &at).and_then(|raw| {
                    match crate::config::normalize_base_path(&raw) {
                        Ok(p) => Some(p),
                        Err(_) => {
                            self.error(None, &at, None, format!("`{raw}` must start with `/`"));
                            None
                        }
                    }
                })
            }
        };
        let cases = self.cases();
        Some(ParsedFile {
            path: self.file.to_path_buf(),
            rules: rules?,
            base_path: base_path?,
            cases: cases?,
        })
    }

    /// The rule paths, resolved and checked to exist.
    fn rule_paths(&mut self) -> Option<Vec<PathBuf>> {
        let dir = self.file.parent().unwrap_or(Path::new(""));
        let Some(node) = self.root.get("rules") else {
            return self.sibling_rules(dir);
        };
        let at = FieldPath::root().key("rules");
        let listed: Vec<String> = match self.typed(None, node, &at) {
            Some(l) => l,
            None => {
                if !matches!(node.kind, Kind::Seq(_)) {
                    self.error_hint(
                        None,
                        &at,
                        None,
                        "`rules` must be a list".into(),
                        "write `rules: [../common, entra.yaml]`",
                    );
                }
                return None;
            }
        };
        if listed.is_empty() {
            self.error_hint(
                None,
                &at,
                None,
                "`rules` is empty".into(),
                "leave `rules` out to test the sibling rule file with the same name",
            );
            return None;
        }
        let mut ok = true;
        let mut paths = Vec::with_capacity(listed.len());
        for (i, entry) in listed.iter().enumerate() {
            let path = clean(&dir.join(entry));
            if let Err(e) = fs::metadata(&path) {
                self.error_hint(
                    None,
                    &at.index(i),
                    None,
                    format!("cannot read {}: {e}", path.display()),
                    "rule paths are relative to the test file",
                );
                ok = false;
            }
            paths.push(path);
        }
        ok.then_some(paths)
    }

    /// `entra.test.yaml` tests `entra.yaml` (or `entra.yml`).
    fn sibling_rules(&mut self, dir: &Path) -> Option<Vec<PathBuf>> {
        let name = self.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = TEST_SUFFIXES
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        let candidates = [format!("{stem}.yaml"), format!("{stem}.yml")];
        for candidate in &candidates {
            let path = clean(&dir.join(candidate));
            if path.is_file() {
                return Some(vec![path]);
            }
        }
        let first = candidates.first().map(String::as_str).unwrap_or("");
        self.error_hint(
            None,
            &FieldPath::root(),
            None,
            format!("no rule file `{first}` beside this test file"),
            "a test file tests the rule file with the same name, or the files it lists in `rules: [...]`",
        );
        None
    }

    fn cases(&mut self) -> Option<Vec<Case>> {
        let root = self.root;
        let at = FieldPath::root().key("tests");
        let Some(list) = root.get("tests") else {
            self.error_hint(
                None,
                &FieldPath::root(),
                None,
                "missing field `tests`".into(),
                "a rule test file holds `tests: [...]`",
            );
            return None;
        };
        let items = match &list.kind {
            Kind::Seq(items) => items,
            _ => {
                self.error(None, &at, None, "`tests` must be a list".into());
                return None;
            }
        };
        if items.is_empty() {
            self.push(
                Severity::Warning,
                None,
                &at,
                None,
                "no tests in this file".into(),
                None,
            );
        }
        let mut names: HashMap<String, u32> = HashMap::new();
        let mut cases = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.case(item, &at.index(i), &mut names) {
                Some(case) => cases.push(case),
                None => ok = false,
            }
        }
        ok.then_some(cases)
    }

    fn case(
        &mut self,
        item: &Node,
        at: &FieldPath,
        names: &mut HashMap<String, u32>,
    ) -> Option<Case> {
        if !matches!(item.kind, Kind::Map(_)) {
            self.error_hint(
                None,
                at,
                None,
                "a test must be a mapping".into(),
                "a test has `name`, `request` and `expect`; see docs/rule-tests.md",
            );
            return None;
        }
        let before = self.error_count();
        let name = match item.get("name") {
            Some(n) => self.typed::<String>(None, n, &at.key("name")),
            None => {
                self.error_hint(
                    None,
                    at,
                    None,
                    "missing field `name`".into(),
                    "every test has a `name`, unique within its file",
                );
                None
            }
        };
        if let Some(name) = &name {
            if name.trim().is_empty() {
                self.error(None, &at.key("name"), None, "`name` is empty".into());
            } else if let Some(first) = names.get(name) {
                self.error_hint(
                    None,
                    &at.key("name"),
                    None,
                    format!("duplicate test name `{name}`"),
                    &format!("first used on line {first}; names must be unique within a file"),
                );
            } else {
                names.insert(name.clone(), item.pos.line);
            }
        }
        let test = name.as_deref();
        self.unknown_keys(test, item, at, &CASE_FIELDS);
        let description = self.optional::<String>(test, item, at, "description");
        let quirk_ids = self
            .optional::<Vec<String>>(test, item, at, "quirks")
            .unwrap_or_default();
        for (i, q) in quirk_ids.iter().enumerate() {
            let f = at.key("quirks").index(i);
            if !quirks::is_well_formed(q) {
                self.error_hint(
                    test,
                    &f,
                    None,
                    format!("`{q}` is not a quirk id"),
                    "quirk ids look like ENTRA-02 or GEN-01",
                );
            } else if !quirks::is_known(q) {
                self.push(
                    Severity::Warning,
                    test,
                    &f,
                    None,
                    format!("quirk `{q}` is not in the catalog"),
                    Some("the catalog is summarised in rules/README.md"),
                );
            }
        }
        let request = match item.get("request") {
            Some(node) => {
                let f = at.key("request");
                let spec = self.typed::<MessageSpec>(test, node, &f);
                if let Some(spec) = &spec
                    && let Err(e) = spec.to_request()
                {
                    let (sub, key) = fixture_field(&e);
                    self.error(test, &f.join(&sub), key.as_deref(), e.to_string());
                }
                spec
            }
            None => {
                self.error_hint(
                    test,
                    at,
                    None,
                    "missing field `request`".into(),
                    "the request as the identity provider sends it: method, path, headers, body",
                );
                None
            }
        };
        let resource = self.optional::<Value>(test, item, at, "resource");
        if let Some(r) = &resource
            && !r.is_object()
        {
            self.error_hint(
                test,
                &at.key("resource"),
                None,
                "`resource` must be a JSON object".into(),
                "what a GET of the addressed resource returns",
            );
        }
        let upstream = self.optional::<MessageSpec>(test, item, at, "upstream");
        if let Some(up) = &upstream {
            self.check_upstream(test, up, &at.key("upstream"));
        }
        let expect = match item.get("expect") {
            Some(node) => self.expect(test, node, &at.key("expect"), upstream.is_some()),
            None => {
                self.error_hint(
                    test,
                    at,
                    None,
                    "missing field `expect`".into(),
                    "a test checks at least one of `forwarded`, `response`, `returned`, `applied`, `fetches`",
                );
                None
            }
        };
        if self.error_count() != before {
            return None;
        }
        Some(Case {
            spec: TestCase {
                name: name?,
                description,
                quirks: quirk_ids,
                request: request?,
                resource,
                upstream,
                expect: expect?,
            },
            line: item.pos.line,
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// An optional field of the map `parent` (at `at`).
    fn optional<T: DeserializeOwned>(
        &mut self,
        test: Option<&str>,
        parent: &Node,
        at: &FieldPath,
        key: &str,
    ) -> Option<T> {
        let node = parent.get(key)?;
        if matches!(node.kind, Kind::Null) {
            return None;
        }
        self.typed(test, node, &at.key(key))
    }

    fn check_upstream(&mut self, test: Option<&str>, up: &MessageSpec, at: &FieldPath) {
        for (given, key) in [(up.method.is_some(), "method"), (up.path.is_some(), "path")] {
            if given {
                self.error_hint(
                    test,
                    at,
                    Some(key),
                    format!("`upstream` is the backend's answer: it has no `{key}`"),
                    "give `status`, `headers` and `body`; the request's method and path apply",
                );
            }
        }
        if let Some(status) = up.status
            && !(100..=599).contains(&status)
        {
            self.error(
                test,
                &at.key("status"),
                None,
                format!("{status} is not an HTTP status"),
            );
        }
        if let Err(e) = up.header_map() {
            let (sub, key) = fixture_field(&e);
            self.error(test, &at.join(&sub), key.as_deref(), e.to_string());
            return;
        }
        // A text body is parsed only when it is labelled JSON.
        let content_type = up
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        let json = content_type.is_none() || is_json_content_type(content_type);
        match up.body() {
            Err(FixtureError::InvalidJson(_)) if !json => {}
            Err(e) => {
                let (sub, key) = fixture_field(&e);
                self.error(test, &at.join(&sub), key.as_deref(), e.to_string());
            }
            Ok(_) => {}
        }
    }

    fn expect(
        &mut self,
        test: Option<&str>,
        node: &Node,
        at: &FieldPath,
        has_upstream: bool,
    ) -> Option<Expect> {
        if !matches!(node.kind, Kind::Map(_)) {
            self.error_hint(
                test,
                at,
                None,
                "`expect` must be a mapping".into(),
                "give at least one of `forwarded`, `response`, `returned`, `applied`, `fetches`",
            );
            return None;
        }
        let before = self.error_count();
        self.unknown_keys(test, node, at, &EXPECT_FIELDS);
        let expect = Expect {
            forwarded: self.optional(test, node, at, "forwarded"),
            response: self.optional(test, node, at, "response"),
            returned: self.optional(test, node, at, "returned"),
            applied: self.optional(test, node, at, "applied"),
            fetches: self.optional(test, node, at, "fetches"),
        };
        if self.error_count() != before {
            return None;
        }
        if expect.is_empty() {
            self.error_hint(
                test,
                at,
                None,
                "nothing is expected".into(),
                "give at least one of `forwarded`, `response`, `returned`, `applied`, `fetches`",
            );
        }
        if expect.forwarded.is_some() && expect.response.is_some() {
            self.error_hint(
                test,
                at,
                Some("response"),
                "give `forwarded` or `response`, not both".into(),
                "a request is either forwarded or answered by a rule",
            );
        }
        if expect.returned.is_some() && !has_upstream {
            self.error_hint(
                test,
                at,
                Some("returned"),
                "`returned` needs `upstream`".into(),
                "give the backend's answer in `upstream`; for a rule's own answer use `response`",
            );
        }
        if let Some(f) = &expect.forwarded {
            self.check_message(test, f, &at.key("forwarded"), true);
        }
        if let Some(r) = &expect.response {
            self.check_message(test, r, &at.key("response"), false);
        }
        if let Some(r) = &expect.returned {
            self.check_message(test, r, &at.key("returned"), false);
        }
        Some(expect)
    }

    fn check_message(
        &mut self,
        test: Option<&str>,
        m: &MessageExpect,
        at: &FieldPath,
        request: bool,
    ) {
        let wrong: &[(bool, &str)] = if request {
            &[(m.status.is_some(), "status")]
        } else {
            &[(m.method.is_some(), "method"), (m.path.is_some(), "path")]
        };
        for (given, key) in wrong {
            if *given {
                let hint = if request {
                    "a forwarded request has `method`, `path`, `headers` and `body`"
                } else {
                    "an answer has `status`, `headers` and `body`"
                };
                self.error_hint(
                    test,
                    at,
                    Some(key),
                    format!("unexpected `{key}` here"),
                    hint,
                );
            }
        }
        if let Some(path) = &m.path
            && !path.starts_with('/')
        {
            self.error(
                test,
                &at.key("path"),
                None,
                format!("`path` must start with `/`, got `{path}`"),
            );
        }
        for name in m.headers.keys() {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.error(
                    test,
                    &at.key("headers"),
                    Some(name),
                    format!("header `{name}`: not a valid header name"),
                );
            }
        }
    }
}

/// Where inside a message spec a [`FixtureError`] points: a sub-path, and a
/// key within it.
fn fixture_field(e: &FixtureError) -> (FieldPath, Option<String>) {
    let root = FieldPath::root();
    match e {
        FixtureError::NoMethod | FixtureError::NoPath | FixtureError::TwoBodies => (root, None),
        FixtureError::Method(_) => (root.key("method"), None),
        FixtureError::Path(_) => (root.key("path"), None),
        FixtureError::HeaderName(n) => (root.key("headers"), Some(n.clone())),
        FixtureError::HeaderValue(n) => (root.key("headers").key(n), None),
        FixtureError::InvalidJson(_) => (root.key("body_text"), None),
    }
}

/// `rules/backends/../common` → `rules/common`, without touching the file
/// system (so that a rule set listed two ways loads once).
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
