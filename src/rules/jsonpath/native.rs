//! A direct evaluator for the JSONPath shapes rules use in practice, so that the
//! request path does not pay for jsonpath-rust's general machinery (a normalized
//! path string built with `format!` for every node it visits, which we would then
//! parse back into a [`Pointer`]).
//!
//! It is compiled from jsonpath-rust's own parse tree, and only for the parts of
//! that tree whose jsonpath-rust semantics it reproduces exactly: name, index and
//! wildcard selectors, `..` followed by one of those or a filter, and filters made
//! of `&&`, `||`, `!`, existence tests (`@.a`, `$.a[*]`) and comparisons between
//! literals and singular queries (`@.path == 'active'`, `@ == 1`, `@.a < $.b`).
//! Anything else (unions `['a','b']`, slices, functions, nested filters) makes
//! [`Plan::compile`] return `None` and the query runs on jsonpath-rust.
//!
//! "Exactly" means: the same nodes, in the same order, with the same duplicates.
//! jsonpath-rust applies one segment at a time to the whole node list; because
//! every supported segment maps each node independently (no union), applying the
//! rest of the query depth-first to each node in turn yields the same order.
//! The tests below run both engines on the same queries and documents.

use std::ops::ControlFlow;

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, JpQuery, Literal, Segment, Selector, SingularQuery,
    SingularQuerySegment, Test,
};
use serde_json::Value;

use super::{Pointer, Step, member};

/// A query compiled for the native evaluator.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    segments: Vec<Seg>,
}

#[derive(Debug, Clone)]
enum Seg {
    /// `.name`, `[0]`, `[*]`, `[?...]`
    Child(Sel),
    /// `..name`, `..[0]`, `..*`, `..[?...]`
    Descendant(Sel),
}

#[derive(Debug, Clone)]
enum Sel {
    Name(String),
    Index(i64),
    Wildcard,
    Filter(Cond),
}

/// A filter expression, evaluated for one candidate node (`@`).
#[derive(Debug, Clone)]
enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    /// `@.a.b` / `$.a[*]` used as a test: true when it selects at least one node.
    Exists {
        from_root: bool,
        hops: Vec<Hop>,
    },
    Compare(Op, Operand, Operand),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// One step of a query inside a filter.
#[derive(Debug, Clone)]
enum Hop {
    Name(String),
    Index(i64),
    /// Only in existence tests; singular queries cannot contain it.
    Wildcard,
}

#[derive(Debug, Clone)]
enum Operand {
    Literal(Value),
    /// A singular query: names and indexes only.
    Query {
        from_root: bool,
        hops: Vec<Hop>,
    },
}

impl Plan {
    /// The plan for `query`, or `None` when it uses something the native
    /// evaluator does not reproduce.
    pub(super) fn compile(query: &JpQuery) -> Option<Plan> {
        let segments = query
            .segments
            .iter()
            .map(segment)
            .collect::<Option<Vec<_>>>()?;
        Some(Plan { segments })
    }

    /// Pointers to every selected node, in jsonpath-rust's order.
    pub(super) fn select(&self, doc: &Value) -> Vec<Pointer> {
        let mut out = Vec::new();
        let _ = walk(&self.segments, doc, None, doc, &mut |trail| {
            out.push(to_pointer(trail));
            ControlFlow::Continue(())
        });
        out
    }

    /// Whether at least one node is selected (stops at the first).
    pub(super) fn matches(&self, doc: &Value) -> bool {
        walk(&self.segments, doc, None, doc, &mut |_| {
            ControlFlow::Break(())
        })
        .is_break()
    }
}

fn segment(s: &Segment) -> Option<Seg> {
    match s {
        Segment::Selector(sel) => Some(Seg::Child(selector(sel)?)),
        Segment::Selectors(sels) if sels.len() == 1 => Some(Seg::Child(selector(&sels[0])?)),
        Segment::Descendant(inner) => match &**inner {
            Segment::Selector(sel) => Some(Seg::Descendant(selector(sel)?)),
            _ => None,
        },
        Segment::Selectors(_) => None,
    }
}

fn selector(s: &Selector) -> Option<Sel> {
    match s {
        Selector::Name(n) => Some(Sel::Name(n.clone())),
        Selector::Index(i) => Some(Sel::Index(*i)),
        Selector::Wildcard => Some(Sel::Wildcard),
        Selector::Filter(f) => Some(Sel::Filter(cond(f)?)),
        Selector::Slice(..) => None,
    }
}

fn cond(f: &Filter) -> Option<Cond> {
    match f {
        Filter::Or(fs) => Some(Cond::Or(fs.iter().map(cond).collect::<Option<_>>()?)),
        Filter::And(fs) => Some(Cond::And(fs.iter().map(cond).collect::<Option<_>>()?)),
        Filter::Atom(atom) => match atom {
            FilterAtom::Filter { expr, not } => Some(negate(cond(expr)?, *not)),
            FilterAtom::Test { expr, not } => {
                let exists = match &**expr {
                    Test::RelQuery(segments) => Cond::Exists {
                        from_root: false,
                        hops: test_hops(segments)?,
                    },
                    Test::AbsQuery(query) => Cond::Exists {
                        from_root: true,
                        hops: test_hops(&query.segments)?,
                    },
                    Test::Function(_) => return None,
                };
                Some(negate(exists, *not))
            }
            FilterAtom::Comparison(c) => comparison(c),
        },
    }
}

fn negate(c: Cond, not: bool) -> Cond {
    if not { Cond::Not(Box::new(c)) } else { c }
}

fn test_hops(segments: &[Segment]) -> Option<Vec<Hop>> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Selector(Selector::Name(n)) => Some(Hop::Name(n.clone())),
            Segment::Selector(Selector::Index(i)) => Some(Hop::Index(*i)),
            Segment::Selector(Selector::Wildcard) => Some(Hop::Wildcard),
            _ => None,
        })
        .collect()
}

fn comparison(c: &Comparison) -> Option<Cond> {
    let op = match c {
        Comparison::Eq(..) => Op::Eq,
        Comparison::Ne(..) => Op::Ne,
        Comparison::Lt(..) => Op::Lt,
        Comparison::Lte(..) => Op::Lte,
        Comparison::Gt(..) => Op::Gt,
        Comparison::Gte(..) => Op::Gte,
    };
    let (lhs, rhs) = c.vals();
    Some(Cond::Compare(op, operand(lhs)?, operand(rhs)?))
}

fn operand(c: &Comparable) -> Option<Operand> {
    let (from_root, segments) = match c {
        Comparable::Literal(lit) => return Some(Operand::Literal(literal(lit))),
        Comparable::Function(_) => return None,
        Comparable::SingularQuery(SingularQuery::Current(s)) => (false, s),
        Comparable::SingularQuery(SingularQuery::Root(s)) => (true, s),
    };
    let hops = segments
        .iter()
        .map(|s| match s {
            SingularQuerySegment::Name(n) => Hop::Name(n.clone()),
            SingularQuerySegment::Index(i) => Hop::Index(*i),
        })
        .collect();
    Some(Operand::Query { from_root, hops })
}

/// The value jsonpath-rust compares a literal as.
fn literal(lit: &Literal) -> Value {
    match lit {
        Literal::Int(i) => Value::from(*i),
        Literal::Float(f) => Value::from(*f),
        Literal::String(s) => Value::String(s.clone()),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
    }
}

/// The path from the root to the node being visited, as a chain on the stack:
/// nothing is allocated until a node is selected.
struct Trail<'t, 'a> {
    parent: Option<&'t Trail<'t, 'a>>,
    step: TrailStep<'a>,
}

#[derive(Clone, Copy)]
enum TrailStep<'a> {
    Key(&'a str),
    Index(usize),
}

fn to_pointer(trail: Option<&Trail<'_, '_>>) -> Pointer {
    let mut depth = 0;
    let mut at = trail;
    while let Some(t) = at {
        depth += 1;
        at = t.parent;
    }
    let mut steps = Vec::with_capacity(depth);
    let mut at = trail;
    while let Some(t) = at {
        steps.push(match t.step {
            TrailStep::Key(k) => Step::Key(k.to_string()),
            TrailStep::Index(i) => Step::Index(i),
        });
        at = t.parent;
    }
    steps.reverse();
    Pointer(steps)
}

/// jsonpath-rust's index rule: negative counts from the end; out of range is nothing.
fn resolve_index(i: i64, len: usize) -> Option<usize> {
    if i >= 0 {
        usize::try_from(i).ok().filter(|&i| i < len)
    } else {
        let back = usize::try_from(i.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}

fn walk<'a, F>(
    segments: &'a [Seg],
    node: &'a Value,
    trail: Option<&Trail<'_, 'a>>,
    root: &'a Value,
    emit: &mut F,
) -> ControlFlow<()>
where
    F: FnMut(Option<&Trail<'_, 'a>>) -> ControlFlow<()>,
{
    let Some((segment, rest)) = segments.split_first() else {
        return emit(trail);
    };
    match segment {
        Seg::Child(sel) => apply(sel, rest, node, trail, root, emit),
        Seg::Descendant(sel) => descend(sel, rest, node, trail, root, emit),
    }
}

/// Applies one selector to `node`, then the rest of the query to each result.
fn apply<'a, F>(
    sel: &'a Sel,
    rest: &'a [Seg],
    node: &'a Value,
    trail: Option<&Trail<'_, 'a>>,
    root: &'a Value,
    emit: &mut F,
) -> ControlFlow<()>
where
    F: FnMut(Option<&Trail<'_, 'a>>) -> ControlFlow<()>,
{
    let next = |step: TrailStep<'a>, child: &'a Value, emit: &mut F| {
        let t = Trail {
            parent: trail,
            step,
        };
        walk(rest, child, Some(&t), root, emit)
    };
    match (sel, node) {
        (Sel::Name(key), Value::Object(map)) => {
            if let Some(child) = member(map, key) {
                next(TrailStep::Key(key), child, emit)?;
            }
        }
        (Sel::Index(i), Value::Array(items)) => {
            if let Some(i) = resolve_index(*i, items.len()) {
                next(TrailStep::Index(i), &items[i], emit)?;
            }
        }
        (Sel::Wildcard, Value::Array(items)) => {
            for (i, child) in items.iter().enumerate() {
                next(TrailStep::Index(i), child, emit)?;
            }
        }
        (Sel::Wildcard, Value::Object(map)) => {
            for (key, child) in map {
                next(TrailStep::Key(key), child, emit)?;
            }
        }
        (Sel::Filter(c), Value::Array(items)) => {
            for (i, child) in items.iter().enumerate() {
                if c.holds(child, root) {
                    next(TrailStep::Index(i), child, emit)?;
                }
            }
        }
        (Sel::Filter(c), Value::Object(map)) => {
            for (key, child) in map {
                if c.holds(child, root) {
                    next(TrailStep::Key(key), child, emit)?;
                }
            }
        }
        _ => {}
    }
    ControlFlow::Continue(())
}

/// `..sel`: the selector applied to `node` and to every array or object below
/// it, in pre-order (jsonpath-rust leaves scalars out of the descendant list; no
/// supported selector selects anything from a scalar anyway).
fn descend<'a, F>(
    sel: &'a Sel,
    rest: &'a [Seg],
    node: &'a Value,
    trail: Option<&Trail<'_, 'a>>,
    root: &'a Value,
    emit: &mut F,
) -> ControlFlow<()>
where
    F: FnMut(Option<&Trail<'_, 'a>>) -> ControlFlow<()>,
{
    match node {
        Value::Array(items) => {
            apply(sel, rest, node, trail, root, emit)?;
            for (i, child) in items.iter().enumerate() {
                let t = Trail {
                    parent: trail,
                    step: TrailStep::Index(i),
                };
                descend(sel, rest, child, Some(&t), root, emit)?;
            }
        }
        Value::Object(map) => {
            apply(sel, rest, node, trail, root, emit)?;
            for (key, child) in map {
                let t = Trail {
                    parent: trail,
                    step: TrailStep::Key(key),
                };
                descend(sel, rest, child, Some(&t), root, emit)?;
            }
        }
        _ => {}
    }
    ControlFlow::Continue(())
}

impl Cond {
    fn holds(&self, item: &Value, root: &Value) -> bool {
        match self {
            Cond::Or(cs) => cs.iter().any(|c| c.holds(item, root)),
            Cond::And(cs) => cs.iter().all(|c| c.holds(item, root)),
            Cond::Not(c) => !c.holds(item, root),
            Cond::Exists { from_root, hops } => exists(hops, if *from_root { root } else { item }),
            Cond::Compare(op, lhs, rhs) => {
                let l = lhs.resolve(item, root);
                let r = rhs.resolve(item, root);
                // The same composition jsonpath-rust uses (`>=` is `>` or `==`, ...).
                match op {
                    Op::Eq => eq(l, r),
                    Op::Ne => !eq(l, r),
                    Op::Lt => lt(l, r),
                    Op::Lte => lt(l, r) || eq(l, r),
                    Op::Gt => lt(r, l),
                    Op::Gte => lt(r, l) || eq(l, r),
                }
            }
        }
    }
}

fn child<'v>(node: &'v Value, hop: &Hop) -> Option<&'v Value> {
    match (hop, node) {
        (Hop::Name(key), Value::Object(map)) => member(map, key),
        (Hop::Index(i), Value::Array(items)) => resolve_index(*i, items.len()).map(|i| &items[i]),
        _ => None,
    }
}

fn exists(hops: &[Hop], node: &Value) -> bool {
    let Some((hop, rest)) = hops.split_first() else {
        return true;
    };
    match (hop, node) {
        (Hop::Wildcard, Value::Array(items)) => items.iter().any(|c| exists(rest, c)),
        (Hop::Wildcard, Value::Object(map)) => map.values().any(|c| exists(rest, c)),
        (Hop::Wildcard, _) => false,
        _ => child(node, hop).is_some_and(|c| exists(rest, c)),
    }
}

impl Operand {
    /// The node or value compared; `None` when the query selects nothing.
    fn resolve<'v>(&'v self, item: &'v Value, root: &'v Value) -> Option<&'v Value> {
        match self {
            Operand::Literal(v) => Some(v),
            Operand::Query { from_root, hops } => hops
                .iter()
                .try_fold(if *from_root { root } else { item }, child),
        }
    }
}

/// jsonpath-rust's equality: numbers compare as `f64` within `EPSILON`, anything
/// else with `==`; two empty queries are equal.
fn eq(l: Option<&Value>, r: Option<&Value>) -> bool {
    match (l, r) {
        (Some(a), Some(b)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON,
            _ => a == b,
        },
        (None, None) => true,
        _ => false,
    }
}

/// jsonpath-rust's order: numbers as `f64`, strings by bytes, nothing else.
fn lt(l: Option<&Value>, r: Option<&Value>) -> bool {
    let (Some(a), Some(b)) = (l, r) else {
        return false;
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x < y,
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => x < y,
            _ => false,
        },
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_i64().map(|i| i as f64))
}

#[cfg(test)]
mod tests {
    use super::super::JsonPath;
    use super::*;
    use serde_json::json;

    /// Queries the shipped rule packs use, and more of the supported shapes.
    const NATIVE: &[&str] = &[
        "$",
        "$.active",
        "$.*[*].primary",
        "$.Operations[?(@.path == 'active')].value",
        "$.Operations[?(!@.path)].value.active",
        "$.Operations[?(!@.path)].value.*[*].primary",
        "$.Operations[?(@.path)].value[*].primary",
        "$.Operations[?(@.op == 'add' || @.op == 'remove')]",
        "$.Operations[?(@.op == 'add' && @.path)]",
        "$.schemas[?(@ == 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group')]",
        "$.displayName",
        "$.emails[*].primary",
        "$['a']",
        "$['we\\'ird']",
        "$.a.b.c",
        "$.a[0]",
        "$.k19",
        "$.a[0].a",
        "$.a[1]",
        "$.a[-1]",
        "$.a[-3]",
        "$[0]",
        "$.*",
        "$.*.*",
        "$[*][*]",
        "$..a",
        "$..*",
        "$..[0]",
        "$..[-1]",
        "$..a.b",
        "$.a..b",
        "$..[?(@.a)]",
        "$..[?(@ == 1)]",
        "$..*[?@.x > 0]",
        "$[?@.a]",
        "$.*[?@.a]",
        "$[?@.a.b]",
        "$[?@.a[0]]",
        "$[?@.a[-1]]",
        "$[?@.a[*]]",
        "$[?@.a[*].b]",
        "$[?@.*]",
        "$[?@]",
        "$[?$.a]",
        "$[?!$.a]",
        "$[?$.a[*]]",
        "$[?@.a == 1]",
        "$[?@.a == 0]",
        "$[?@.a == 1.0]",
        "$[?@.a == -1]",
        "$[?@.a != 1]",
        "$[?@.a < 2]",
        "$[?@.a <= 2]",
        "$[?@.a > 0.5]",
        "$[?@.a >= 1]",
        "$[?@.a == 'x']",
        "$[?@.a < 'b']",
        "$[?@.a >= 'a']",
        "$[?@.a == true]",
        "$[?@.a == false]",
        "$[?@.a == null]",
        "$[?@.a != null]",
        "$[?@.a == @.b]",
        "$[?@.a != @.b]",
        "$[?@.a <= @.b]",
        "$[?@.a >= @.b]",
        "$[?@.a > @.b]",
        "$[?@.a == $.a]",
        "$[?@ == $.a[0]]",
        "$[?@.a[0] == 1]",
        "$[?@.a[-1] == 'x']",
        "$[?@ == 1]",
        "$[?@ > 1]",
        "$[?@ == 'x']",
        "$[?@ == @]",
        "$[?(@.a == 1 || @.b == 'x') && !@.c]",
        "$[?!(@.a == 1 || @.b)]",
        "$[?@.a && @.b || @.c]",
        "$.*[?(@.path == 'active')].value",
        "$[?@.path == 'active'].value[?@ == 'x']",
    ];

    /// Shapes left to jsonpath-rust.
    const FALLBACK: &[&str] = &[
        "$['a','b']",
        "$[0,1]",
        "$.a[1:3]",
        "$..['a','b']",
        "$[?length(@.a) > 1]",
        "$[?count(@.*) == 2]",
        "$[?value(@.a) == 1]",
        "$[?@.a[?@.b]]",
        "$[?@..a]",
        "$[?@.a[1:2]]",
    ];

    fn documents() -> Vec<Value> {
        let mut docs = vec![
            json!({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Babs"}]}),
            json!({"Operations":[{"op":"add","value":{"active":"True","emails":[{"primary":"True","value":"a@b"},{"primary":false}]}},{"op":"remove","path":"members"},{"op":"add","path":"emails","value":[{"primary":"False"}]},{"op":"replace","path":"active","value":"true"}]}),
            json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"g","members":[]}),
            json!({"active":"True","emails":[{"primary":"True"},{"primary":"false","type":"work"}],"phoneNumbers":[{"primary":"TRUE"}],"name":{"givenName":"x"}}),
            json!({"a":1,"b":1.0,"c":{"a":[1,"x",{"a":2,"b":null}]},"we'ird":{"a/b~":3},"x":[[0,1],[2,[3,{"a":4}]]]}),
            json!([{"a":1,"b":2},{"a":"x","b":"x"},{"a":null},{"b":true},{"a":[1,2,"x"]},{},[],1,"x",null,{"a":{"b":1}},{"a":1e-17,"b":0},{"a":9007199254740993u64,"b":9007199254740992.0}]),
            json!({"a":[], "b":{}, "c":[{}], "path":"active", "value":"x"}),
            json!({"new\nline":{"a":1},"tab\there":[1],"ctl\u{1}x":{"a":"x"},"quote'\\":{"a":true}}),
            json!({"a":1e300,"b":-0.0,"c":0,"d":18446744073709551615u64,"e":-9223372036854775808i64}),
            Value::Object(
                (0..20)
                    .map(|i| (format!("k{i}"), json!(i)))
                    .chain([("a".to_string(), json!([{"a": 1, "path": "active"}]))])
                    .collect(),
            ),
            json!("scalar"),
            json!(null),
            json!([]),
            json!({}),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..150 {
            docs.push(random_value(&mut rng, 0));
        }
        docs
    }

    /// A small deterministic generator (xorshift), so the tests need no crate.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn random_value(rng: &mut Rng, depth: usize) -> Value {
        const KEYS: &[&str] = &["a", "b", "c", "x", "path", "op", "value", "primary", "0"];
        const STRINGS: &[&str] = &["x", "a", "b", "active", "True", "add", ""];
        let kinds = if depth >= 4 { 6 } else { 9 };
        match rng.next(kinds) {
            0 => Value::Null,
            1 => Value::Bool(rng.next(2) == 0),
            2 => json!(rng.next(4) as i64 - 1),
            3 => json!([0.5, 1.0, 2.5, -1.0][rng.next(4)]),
            4 | 5 => Value::String(STRINGS[rng.next(STRINGS.len())].to_string()),
            6 => Value::Array(
                (0..rng.next(4))
                    .map(|_| random_value(rng, depth + 1))
                    .collect(),
            ),
            _ => {
                let mut map = serde_json::Map::new();
                for _ in 0..rng.next(5) {
                    let key = KEYS[rng.next(KEYS.len())];
                    map.insert(key.to_string(), random_value(rng, depth + 1));
                }
                Value::Object(map)
            }
        }
    }

    fn check(query: &str, docs: &[Value]) {
        let jp = JsonPath::compile(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
        let plan = jp
            .native
            .as_ref()
            .unwrap_or_else(|| panic!("{query} should run natively"));
        for doc in docs {
            assert_eq!(
                plan.select(doc),
                jp.select_generic(doc),
                "select {query} on {doc}"
            );
            assert_eq!(
                plan.matches(doc),
                jp.matches_generic(doc),
                "matches {query} on {doc}"
            );
        }
    }

    #[test]
    fn native_plans_select_what_jsonpath_rust_selects() {
        let docs = documents();
        for query in NATIVE {
            check(query, &docs);
        }
    }

    #[test]
    fn other_shapes_fall_back_to_jsonpath_rust() {
        for query in FALLBACK {
            let jp = JsonPath::compile(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
            assert!(jp.native.is_none(), "{query} should fall back");
        }
        // And selecting through them still works.
        let jp = JsonPath::compile("$['a','b']").unwrap();
        assert_eq!(jp.select(&json!({"b":1,"a":2})).len(), 2);
    }

    #[test]
    fn random_queries_agree() {
        const PARTS: &[&str] = &[
            ".a",
            ".b",
            ".path",
            ".value",
            "[*]",
            ".*",
            "[0]",
            "[1]",
            "[-1]",
            "..a",
            "..*",
            "..[0]",
            "[?@.a]",
            "[?!@.a]",
            "[?@.path == 'active']",
            "[?@ == 'x']",
            "[?@ == 1]",
            "[?@.a > 0]",
            "[?@.a <= @.b]",
            "[?@.b >= 'a']",
            "[?@.a == $.b]",
            "[?@.a[*] || @.b == null]",
            "[?@.a && !(@.b != true)]",
            "[?$.x[0]]",
            "..[?@.b]",
        ];
        let docs = documents();
        let mut rng = Rng(42);
        for _ in 0..400 {
            let mut q = String::from("$");
            for _ in 0..1 + rng.next(4) {
                q.push_str(PARTS[rng.next(PARTS.len())]);
            }
            check(&q, &docs);
        }
    }

    #[test]
    fn keys_that_need_escaping_round_trip() {
        let doc =
            json!({"new\nline":{"a":1},"q'\\":{"a":2},"ctl\u{1}":{"a":3},"back\u{8}":{"a":4}});
        let jp = JsonPath::compile("$.*.a").unwrap();
        let generic = jp.select_generic(&doc);
        assert_eq!(generic.len(), 4);
        assert_eq!(jp.select(&doc), generic);
        for p in &generic {
            assert!(p.get(&doc).is_some(), "{p:?}");
        }
    }
}
