//! JSONPath (RFC 9535) selection for rules, on top of jsonpath-rust.
//!
//! jsonpath-rust parses a query once and returns, for every match, its normalized
//! path (`$['Operations'][0]['value']`). It has no way to edit many matches at once,
//! so this module turns those paths into [`Pointer`]s and does the edits itself.
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
use serde_json::Value;

/// A compiled JSONPath query.
#[derive(Clone)]
pub struct JsonPath {
    text: String,
    query: JpQuery,
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
            query,
        })
    }

    /// The query as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Pointers to every node the query selects, in document order.
    pub fn select(&self, doc: &Value) -> Vec<Pointer> {
        match js_path_process(&self.query, doc) {
            Ok(refs) => refs
                .into_iter()
                .filter_map(|r| Pointer::from_normalized(&r.path))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Whether the query selects at least one node.
    pub fn matches(&self, doc: &Value) -> bool {
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
    /// Parses a normalized path as jsonpath-rust prints it: `$['a'][0]['b\'c']`.
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
                            key.push(*chars.get(i + 1)?);
                            i += 2;
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
        if self.0.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        for step in &self.0 {
            out.push('/');
            match step {
                Step::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Step::Index(i) => out.push_str(&i.to_string()),
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
        self.0.iter().try_fold(doc, |v, step| match step {
            Step::Key(k) => v.get(k.as_str()),
            Step::Index(i) => v.get(*i),
        })
    }

    pub fn get_mut<'a>(&self, doc: &'a mut Value) -> Option<&'a mut Value> {
        self.0.iter().try_fold(doc, |v, step| match step {
            Step::Key(k) => v.get_mut(k.as_str()),
            Step::Index(i) => v.get_mut(*i),
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
