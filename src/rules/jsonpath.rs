//! JSONPath (RFC 9535) selection for rules, on top of jsonpath-rust.
//!
//! jsonpath-rust parses a query once and returns, for every match, its normalized
//! path (`$['Operations'][0]['value']`). It has no way to edit many matches at once,
//! so this module turns those paths into [`Pointer`]s and does the edits itself.
//!
//! Selection runs on [`native`] for the query shapes it reproduces exactly (names,
//! indexes, wildcards, `..`, simple filters: what rules use), without building the
//! normalized path strings; other queries run on jsonpath-rust.
//!
//! Two things are refused when a rule loads, because they would fail quietly or
//! cost on every request:
//! - `match()` / `search()`: jsonpath-rust compiles their regular expression on
//!   every evaluation. Rules use `when.path` / `where.path` regexes instead, which
//!   are compiled once.
//! - `@.op in ['a','b']` and similar operators that are not RFC 9535: jsonpath-rust
//!   reads `op in` as a member name and the filter silently matches nothing.

use std::cmp::Ordering;
use std::fmt;

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::{Map, Value};

mod native;

/// A compiled JSONPath query.
#[derive(Clone)]
pub struct JsonPath {
    text: String,
    query: JpQuery,
    /// The same query for the native evaluator, when it supports its shape.
    native: Option<native::Plan>,
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonPath({})", self.text)
    }
}

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPathError {
    pub message: String,
    pub hint: Option<String>,
}

impl JsonPath {
    /// Parses and checks a query.
    pub fn compile(text: &str) -> Result<JsonPath, JsonPathError> {
        if !text.trim_start().starts_with('$') {
            return Err(JsonPathError {
                message: format!("JSONPath `{text}` must start with `$`"),
                hint: Some("write the path from the document root, e.g. `$.active`".into()),
            });
        }
        lint(text)?;
        let query = parse_json_path(text).map_err(|e| JsonPathError {
            message: format!("invalid JSONPath `{text}`: {}", first_line(&e.to_string())),
            hint: Some(
                "see RFC 9535; filters look like `$.Operations[?(@.path == 'active')]`".into(),
            ),
        })?;
        Ok(JsonPath {
            text: text.to_string(),
            native: native::Plan::compile(&query),
            query,
        })
    }

    /// The query as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Pointers to every node the query selects, in jsonpath-rust's order.
    pub fn select(&self, doc: &Value) -> Vec<Pointer> {
        match &self.native {
            Some(plan) => plan.select(doc),
            None => self.select_generic(doc),
        }
    }

    /// Whether the query selects at least one node.
    pub fn matches(&self, doc: &Value) -> bool {
        match &self.native {
            Some(plan) => plan.matches(doc),
            None => self.matches_generic(doc),
        }
    }

    /// [`JsonPath::select`] on jsonpath-rust.
    fn select_generic(&self, doc: &Value) -> Vec<Pointer> {
        match js_path_process(&self.query, doc) {
            Ok(refs) => refs
                .into_iter()
                .filter_map(|r| Pointer::from_normalized(&r.path))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// [`JsonPath::matches`] on jsonpath-rust.
    fn matches_generic(&self, doc: &Value) -> bool {
        matches!(js_path_process(&self.query, doc), Ok(refs) if !refs.is_empty())
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

/// Refuses constructs that parse but misbehave (see the module docs).
fn lint(text: &str) -> Result<(), JsonPathError> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let prev = chars[..start]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .copied();
            let spaced = start > 0 && chars[start - 1].is_whitespace();
            let next = chars[i..].iter().find(|c| !c.is_whitespace()).copied();
            if (word == "match" || word == "search") && next == Some('(') {
                return Err(JsonPathError {
                    message: format!("`{word}()` is not allowed in rule JSONPaths"),
                    hint: Some(
                        "jsonpath-rust compiles its regex on every request; compare with `==`, \
                         or use a `when.path`/`where.path` regex, which is compiled once"
                            .into(),
                    ),
                });
            }
            // A bare word after white space inside a filter that is not a literal or a
            // function call: `@.op in [...]`, `@.a contains 'x'`, `@.a nin [...]`.
            let literal = matches!(word.as_str(), "true" | "false" | "null");
            let after_member = prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == '_');
            if spaced && after_member && !literal && next != Some('(') {
                return Err(JsonPathError {
                    message: format!(
                        "`{word}` is not a JSONPath operator: this filter would silently match nothing"
                    ),
                    hint: Some(
                        "RFC 9535 has ==, !=, <, <=, >, >=, &&, || and !; \
                         write `@.op == 'add' || @.op == 'remove'`"
                            .into(),
                    ),
                });
            }
            continue;
        }
        i += 1;
    }
    Ok(())
}

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A location inside a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pointer(pub Vec<Step>);

impl Pointer {
    /// Parses a normalized path as jsonpath-rust prints it: `$['a'][0]['b\'c']`,
    /// with RFC 9535 escapes in names (`\'`, `\\`, `\n`, `\u0001`, ...).
    pub fn from_normalized(path: &str) -> Option<Pointer> {
        let rest = path.strip_prefix('$')?;
        let chars: Vec<char> = rest.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '[' {
                return None;
            }
            i += 1;
            if chars.get(i) == Some(&'\'') {
                i += 1;
                let mut key = String::new();
                loop {
                    match chars.get(i)? {
                        '\\' => {
                            let (c, len) = unescape(chars.get(i + 1..)?)?;
                            key.push(c);
                            i += 1 + len;
                        }
                        '\'' => {
                            i += 1;
                            break;
                        }
                        c => {
                            key.push(*c);
                            i += 1;
                        }
                    }
                }
                steps.push(Step::Key(key));
            } else {
                let start = i;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                steps.push(Step::Index(n.parse().ok()?));
            }
            if chars.get(i) != Some(&']') {
                return None;
            }
            i += 1;
        }
        Some(Pointer(steps))
    }

    /// RFC 6901 JSON Pointer text, as logged: `/Operations/0/value`.
    pub fn to_json_pointer(&self) -> String {
        let len = self
            .0
            .iter()
            .map(|s| match s {
                Step::Key(k) => k.len() + 1,
                Step::Index(_) => 4,
            })
            .sum();
        let mut out = String::with_capacity(len);
        for step in &self.0 {
            out.push('/');
            match step {
                Step::Key(k) => push_pointer_key(&mut out, k),
                Step::Index(i) => push_index(&mut out, *i),
            }
        }
        out
    }

    /// The last key, if the pointer ends in an object member.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Step::Key(k)) => Some(k),
            _ => None,
        }
    }

    pub fn get<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(doc, |v, step| match (step, v) {
            (Step::Key(k), Value::Object(map)) => member(map, k),
            (Step::Index(i), Value::Array(items)) => items.get(*i),
            _ => None,
        })
    }

    pub fn get_mut<'a>(&self, doc: &'a mut Value) -> Option<&'a mut Value> {
        self.0.iter().try_fold(doc, |v, step| match (step, v) {
            (Step::Key(k), Value::Object(map)) => member_mut(map, k),
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        })
    }

    /// Removes the node; returns it.
    pub fn remove(&self, doc: &mut Value) -> Option<Value> {
        let (last, parent) = self.0.split_last()?;
        let parent = Pointer(parent.to_vec()).get_mut(doc)?;
        match (last, parent) {
            (Step::Key(k), Value::Object(map)) => map.shift_remove(k.as_str()),
            (Step::Index(i), Value::Array(items)) if *i < items.len() => Some(items.remove(*i)),
            _ => None,
        }
    }

    /// Renames the member this pointer ends in, keeping its place among the keys.
    /// Returns false when it is not an object member or `to` exists already.
    pub fn rename(&self, doc: &mut Value, to: &str) -> bool {
        let Some((Step::Key(from), parent)) = self.0.split_last() else {
            return false;
        };
        let Some(Value::Object(map)) = Pointer(parent.to_vec()).get_mut(doc) else {
            return false;
        };
        if from == to || map.contains_key(to) {
            return false;
        }
        let Some(index) = map.keys().position(|k| k == from) else {
            return false;
        };
        let Some((_, value)) = map.shift_remove_entry(from.as_str()) else {
            return false;
        };
        map.shift_insert(index, to.to_string(), value);
        true
    }
}

/// Objects up to this many members are searched by comparing keys, which costs
/// less than hashing the key (serde_json's maps hash with SipHash).
const SCAN_LIMIT: usize = 12;

/// The member `key` of `map`. Keys are unique, so scanning finds what a hashed
/// lookup finds.
pub(crate) fn member<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// [`member`], for editing.
pub(crate) fn member_mut<'v>(map: &'v mut Map<String, Value>, key: &str) -> Option<&'v mut Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter_mut()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    } else {
        map.get_mut(key)
    }
}

/// The character an escape in a normalized path stands for (`rest` starts after
/// the backslash) and how many characters the escape takes after it.
fn unescape(rest: &[char]) -> Option<(char, usize)> {
    Some(match rest.first()? {
        'b' => ('\u{8}', 1),
        'f' => ('\u{c}', 1),
        'n' => ('\n', 1),
        'r' => ('\r', 1),
        't' => ('\t', 1),
        'u' => {
            let hex: String = rest.get(1..5)?.iter().collect();
            (char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?, 5)
        }
        c => (*c, 1),
    })
}

/// Appends a member name as a JSON Pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn push_pointer_key(out: &mut String, key: &str) {
    if !key.bytes().any(|b| b == b'~' || b == b'/') {
        out.push_str(key);
        return;
    }
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Appends an array index in decimal, without going through `fmt`.
pub(crate) fn push_index(out: &mut String, mut i: usize) {
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    loop {
        n -= 1;
        digits[n] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    for &d in &digits[n..] {
        out.push(char::from(d));
    }
}

/// Orders pointers so that removing them one by one in this order never shifts an
/// array index that a later removal relies on: deeper and higher-index first.
pub fn removal_order(a: &Pointer, b: &Pointer) -> Ordering {
    for (x, y) in a.0.iter().zip(b.0.iter()) {
        let o = match (x, y) {
            (Step::Index(i), Step::Index(j)) => j.cmp(i),
            (Step::Key(k), Step::Key(l)) => k.cmp(l),
            (Step::Index(_), Step::Key(_)) => Ordering::Less,
            (Step::Key(_), Step::Index(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    b.0.len().cmp(&a.0.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_with_pointers() {
        let doc = json!({"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"add","value":{"active":"True"}}]});
        let p = JsonPath::compile("$.Operations[?(@.path == 'active')].value").unwrap();
        let sel = p.select(&doc);
        assert_eq!(sel.len(), 1);
        assert_eq!(sel[0].to_json_pointer(), "/Operations/0/value");
        let p = JsonPath::compile("$.Operations[?(!@.path)].value.active").unwrap();
        assert_eq!(
            p.select(&doc)[0].to_json_pointer(),
            "/Operations/1/value/active"
        );
        assert!(!JsonPath::compile("$.nothing").unwrap().matches(&doc));
    }

    #[test]
    fn normalized_paths_with_quotes_parse() {
        let p = Pointer::from_normalized(r"$['we\'ird']['a/b~'][3]").unwrap();
        assert_eq!(
            p.0,
            vec![
                Step::Key("we'ird".into()),
                Step::Key("a/b~".into()),
                Step::Index(3)
            ]
        );
        assert_eq!(p.to_json_pointer(), "/we'ird/a~1b~0/3");
        assert_eq!(Pointer::from_normalized("$").unwrap().0, vec![]);
        assert!(Pointer::from_normalized("$['open").is_none());
        let p = Pointer::from_normalized(r"$['a\nb\t\\\u0001\b\f\r'][10]").unwrap();
        assert_eq!(
            p.0,
            vec![
                Step::Key("a\nb\t\\\u{1}\u{8}\u{c}\r".into()),
                Step::Index(10)
            ]
        );
        assert!(Pointer::from_normalized(r"$['\u00']").is_none());
    }

    #[test]
    fn json_pointer_text() {
        for i in [0, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut s = String::new();
            push_index(&mut s, i);
            assert_eq!(s, i.to_string());
        }
        let p = Pointer(vec![
            Step::Key("Operations".into()),
            Step::Index(0),
            Step::Key("a/~b".into()),
        ]);
        assert_eq!(p.to_json_pointer(), "/Operations/0/a~1~0b");
        assert_eq!(Pointer::default().to_json_pointer(), "");
    }

    #[test]
    fn refuses_the_in_trap_and_per_request_regexes() {
        let e = JsonPath::compile("$.Operations[?@.op in ['add','remove']]").unwrap_err();
        assert!(e.message.contains("`in`"), "{e:?}");
        let e = JsonPath::compile("$.Operations[?match(@.path, 'a.*')]").unwrap_err();
        assert!(e.message.contains("match()"), "{e:?}");
        assert!(JsonPath::compile("$.a[?(@.b == 'in x' && @.c == true)]").is_ok());
        assert!(JsonPath::compile("$.a[?(@.b == null || !@.c)]").is_ok());
        assert!(JsonPath::compile("$.a[?length(@.b) > 1]").is_ok());
        assert!(JsonPath::compile("active").is_err());
        assert!(JsonPath::compile("$.a[?(@.b ==").is_err());
    }

    #[test]
    fn edits_in_place() {
        let mut doc = json!({"a": {"x": 1, "Y": 2, "z": 3}, "l": [0, 1, 2, 3]});
        assert!(Pointer(vec![Step::Key("a".into()), Step::Key("Y".into())]).rename(&mut doc, "y"));
        assert_eq!(
            serde_json::to_string(&doc["a"]).unwrap(),
            r#"{"x":1,"y":2,"z":3}"#
        );
        let mut ptrs: Vec<Pointer> = [1, 3]
            .iter()
            .map(|i| Pointer(vec![Step::Key("l".into()), Step::Index(*i)]))
            .collect();
        ptrs.sort_by(removal_order);
        for p in &ptrs {
            p.remove(&mut doc);
        }
        assert_eq!(doc["l"], json!([0, 2]));
    }
}
