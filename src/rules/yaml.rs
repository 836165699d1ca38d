//! Reads a rule file's YAML into a tree that remembers where every node stood
//! (line, column), so that any problem found later, during deserialisation or
//! compilation, can point at the exact place in the file.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

/// A position in a file, 1-based. `line == 0` means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn of(loc: &serde_saphyr::Location) -> Pos {
        Pos {
            line: loc.line() as u32,
            column: loc.column() as u32,
        }
    }
}

/// A YAML node with its position.
#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Seq(Vec<Node>),
    /// Keys keep their own positions; order is the file's order.
    Map(Vec<(String, Pos, Node)>),
}

/// One step of a field path: `rules[3].actions[0].coerce`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A field path inside a file, printed as `rules[3].actions[0].coerce.select`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        FieldPath(v)
    }
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        FieldPath(v)
    }
    pub fn join(&self, other: &FieldPath) -> Self {
        let mut v = self.0.clone();
        v.extend(other.0.iter().cloned());
        FieldPath(v)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) if first => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one YAML document. YAML 1.2 booleans only (`yes`/`no`/`on`/`off` stay
/// strings), duplicate keys are errors.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let options = serde_saphyr::options! { strict_booleans: true };
    match serde_saphyr::from_str_with_options::<Spanned<Node>>(text, options) {
        Ok(spanned) => {
            let mut node = spanned.value;
            node.pos = Pos::of(&spanned.referenced);
            Ok(node)
        }
        Err(e) => Err(SyntaxError {
            pos: e.location().map(|l| Pos::of(&l)).unwrap_or_default(),
            message: first_line(&e.to_string()),
        }),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

impl Node {
    /// The node's value as JSON (for typed deserialisation and for JSON literals).
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, _, v) in entries {
                    map.insert(k.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// The child under `key`, if this is a map holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The position of `key` itself inside this map.
    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, p, _)| *p),
            _ => None,
        }
    }

    /// Follows `path` as far as it goes; returns the deepest node reached and
    /// whether the whole path was found.
    pub fn locate(&self, path: &FieldPath) -> (&Node, bool) {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(_)) => node.get(k),
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The position to report for a problem at `path`.
    pub fn pos_of(&self, path: &FieldPath) -> Pos {
        let (node, _) = self.locate(path);
        node.pos
    }

    /// The string value, if this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn node(kind: Kind) -> Node {
    Node {
        pos: Pos::default(),
        kind,
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(node(Kind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(node(Kind::Number(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(node(Kind::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Number::from_f64(v)
            .map(|n| node(Kind::Number(n)))
            .ok_or_else(|| E::custom("numbers must be finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(node(Kind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(node(Kind::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Kind::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(node(Kind::Null))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            let mut n = item.value;
            n.pos = Pos::of(&item.referenced);
            items.push(n);
        }
        Ok(node(Kind::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            let mut n = value.value;
            n.pos = Pos::of(&value.referenced);
            entries.push((key.value.0, Pos::of(&key.referenced), n));
        }
        Ok(node(Kind::Map(entries)))
    }
}

/// A mapping key: any scalar, kept as its text.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_types() {
        let n = parse("rules:\n  - id: a\n    flag: yes\n    on: True\n    n: 3\n").unwrap();
        let rule = n.locate(&FieldPath::root().key("rules").index(0)).0;
        assert_eq!(rule.pos.line, 2);
        let id = rule.get("id").unwrap();
        assert_eq!((id.pos.line, id.pos.column), (2, 9));
        // YAML 1.1 booleans stay strings; YAML 1.2 ones are booleans.
        assert_eq!(
            rule.get("flag").unwrap().to_json(),
            Value::String("yes".into())
        );
        assert_eq!(rule.get("on").unwrap().to_json(), Value::Bool(true));
        assert_eq!(rule.key_pos("n").map(|p| p.line), Some(5));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("rules:\n  - id: [unclosed\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert!(e.message.to_lowercase().contains("duplicate"), "{e:?}");
    }

    #[test]
    fn field_paths_print_like_code() {
        let p = FieldPath::root()
            .key("rules")
            .index(3)
            .key("actions")
            .index(0)
            .key("coerce");
        assert_eq!(p.to_string(), "rules[3].actions[0].coerce");
    }
}
