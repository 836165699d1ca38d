//! Evaluating a filter against a resource (a JSON object), RFC 7644 §3.4.2.2.
//!
//! * Attribute names are looked up case-insensitively (RFC 7643 §2.1).
//! * A URN-qualified path (`urn:…:enterprise:2.0:User:employeeNumber`) looks
//!   inside the resource's member named by the URN (case-insensitive) when
//!   there is one, and at the top level otherwise (the core schema's URN).
//!   The bare-extension form that [`parse_attr_path`](super::parse_attr_path)
//!   yields for a schema URN (urn `…:2.0`, name `User`) finds the extension
//!   object itself.
//! * A multi-valued attribute matches when any of its values matches. A
//!   complex value compared without a sub-attribute is compared through its
//!   `value` sub-attribute (`emails co "example.com"`).
//! * `pr` is true for a value that is not `null`, `""`, `[]` or `{}` (a
//!   complex value needs a non-empty node).
//! * `eq`/`ne`: strings per `caseExact`, numbers numerically, booleans
//!   exactly; values of different types are never equal. An absent (or
//!   `null`) attribute is `eq null` and `ne` anything else.
//! * `co`/`sw`/`ew` apply to strings only.
//! * `gt`/`ge`/`lt`/`le`: numbers numerically, `dateTime` attributes
//!   chronologically (RFC 3339 instants, offsets normalised), other strings
//!   lexicographically (by code point, lower-cased unless `caseExact`).
//!   Booleans, `null` and mixed types never order.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};

/// What evaluation needs to know about attributes beyond the JSON itself.
/// The schema module implements it from RFC 7643 attribute definitions.
pub trait AttrInfo {
    /// Whether string comparisons on this attribute are case-exact
    /// (RFC 7643 §2.2 `caseExact`). `path` is as written in the filter; for
    /// a value path's inner filter, `parent` is the multi-valued attribute.
    fn case_exact(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool;
    /// Whether the attribute is a `dateTime` (compared as instants, not text).
    fn is_date_time(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool;
}

/// Treats every attribute as a case-insensitive string: the safe default when
/// no schema is known.
pub struct CaseInsensitive;

impl AttrInfo for CaseInsensitive {
    fn case_exact(&self, _: Option<&AttrPath>, _: &AttrPath) -> bool {
        false
    }
    fn is_date_time(&self, _: Option<&AttrPath>, _: &AttrPath) -> bool {
        false
    }
}

impl Filter {
    /// Whether `resource` matches this filter (RFC 7644 §3.4.2.2).
    pub fn matches(&self, resource: &Value, info: &dyn AttrInfo) -> bool {
        eval(self, resource, None, info)
    }
}

/// The indices of the `elements` of the multi-valued attribute `parent` that
/// match `filter`, evaluated against each element as in a value path
/// `parent[filter]` (RFC 7644 §3.5.2 value filters in PATCH paths).
/// `info` is asked with `parent = Some(parent)`.
pub fn matching_indices(
    filter: &Filter,
    elements: &[Value],
    parent: &AttrPath,
    info: &dyn AttrInfo,
) -> Vec<usize> {
    elements
        .iter()
        .enumerate()
        .filter(|(_, element)| eval(filter, element, Some(parent), info))
        .map(|(i, _)| i)
        .collect()
}

/// Evaluates `filter` with attribute paths relative to `scope`; `parent` is
/// the multi-valued attribute when `scope` is one of its elements.
fn eval(filter: &Filter, scope: &Value, parent: Option<&AttrPath>, info: &dyn AttrInfo) -> bool {
    match filter {
        Filter::Present(path) => {
            let mut found = Vec::new();
            collect(scope, path, false, &mut found);
            found.into_iter().any(is_present)
        }
        Filter::Compare(path, op, value) => {
            let mut found = Vec::new();
            collect(scope, path, true, &mut found);
            found.retain(|v| !v.is_null());
            compare_any(&found, *op, value, || Context { parent, path, info })
        }
        Filter::Not(inner) => !eval(inner, scope, parent, info),
        Filter::And(left, right) => {
            eval(left, scope, parent, info) && eval(right, scope, parent, info)
        }
        Filter::Or(left, right) => {
            eval(left, scope, parent, info) || eval(right, scope, parent, info)
        }
        Filter::ValuePath(path, inner) => match attribute(scope, path) {
            Some(Value::Array(elements)) => elements
                .iter()
                .any(|element| eval(inner, element, Some(path), info)),
            Some(element @ Value::Object(_)) => eval(inner, element, Some(path), info),
            _ => false,
        },
    }
}

/// Looks `key` up in `object`, exactly first, then ignoring ASCII case.
fn get_ci<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Whether `key` is `urn ":" name`, ignoring ASCII case.
fn is_urn_and_name(key: &str, urn: &str, name: &str) -> bool {
    key.len() == urn.len() + 1 + name.len()
        && key
            .get(..urn.len())
            .is_some_and(|k| k.eq_ignore_ascii_case(urn))
        && key.get(urn.len()..=urn.len()) == Some(":")
        && key
            .get(urn.len() + 1..)
            .is_some_and(|k| k.eq_ignore_ascii_case(name))
}

/// The value of `path`'s attribute (without its sub-attribute) in `scope`.
fn attribute<'a>(scope: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let object = scope.as_object()?;
    if let Some(urn) = &path.urn {
        if let Some(Value::Object(extension)) = get_ci(object, urn) {
            return get_ci(extension, &path.name);
        }
        if let Some((_, whole)) = object
            .iter()
            .find(|(k, _)| is_urn_and_name(k, urn, &path.name))
        {
            return Some(whole);
        }
    }
    get_ci(object, &path.name)
}

/// Pushes the values `path` denotes in `scope`, with multi-valued
/// attributes flattened. With `project`, a complex value reached without a
/// sub-attribute stands for its `value` sub-attribute.
fn collect<'a>(scope: &'a Value, path: &AttrPath, project: bool, out: &mut Vec<&'a Value>) {
    let Some(value) = attribute(scope, path) else {
        return;
    };
    let items: &[Value] = match value {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    for item in items {
        let reached = match (&path.sub, item) {
            (Some(sub), Value::Object(object)) => get_ci(object, sub),
            (Some(_), _) => None,
            (None, Value::Object(object)) if project => get_ci(object, "value"),
            (None, other) => Some(other),
        };
        match reached {
            Some(Value::Array(values)) => out.extend(values),
            Some(v) => out.push(v),
            None => {}
        }
    }
}

/// `pr`: not `null`, `""`, `[]` or `{}`; arrays and objects need a present
/// member.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Where a comparison happens, for asking [`AttrInfo`].
struct Context<'a> {
    parent: Option<&'a AttrPath>,
    path: &'a AttrPath,
    info: &'a dyn AttrInfo,
}

/// Settings for string comparison, asked of [`AttrInfo`] once.
struct StringRules {
    case_exact: bool,
    date_time: bool,
}

/// Whether any of the (non-null) `found` values satisfies `op value`, with
/// the absent-attribute rules for `ne` and `null`.
fn compare_any<'a>(
    found: &[&Value],
    op: CompareOp,
    value: &CompValue,
    context: impl FnOnce() -> Context<'a>,
) -> bool {
    if matches!(value, CompValue::Null) {
        return match op {
            CompareOp::Eq => found.is_empty(),
            CompareOp::Ne => !found.is_empty(),
            _ => false,
        };
    }
    if found.is_empty() {
        return op == CompareOp::Ne;
    }
    let rules = match value {
        CompValue::String(_) => {
            let cx = context();
            StringRules {
                case_exact: cx.info.case_exact(cx.parent, cx.path),
                date_time: cx.info.is_date_time(cx.parent, cx.path),
            }
        }
        _ => StringRules {
            case_exact: true,
            date_time: false,
        },
    };
    found
        .iter()
        .any(|candidate| compare(candidate, op, value, &rules))
}

/// `candidate op value` for one attribute value.
fn compare(candidate: &Value, op: CompareOp, value: &CompValue, rules: &StringRules) -> bool {
    match op {
        CompareOp::Eq => equals(candidate, value, rules),
        CompareOp::Ne => !equals(candidate, value, rules),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let (Value::String(have), CompValue::String(want)) = (candidate, value) else {
                return false;
            };
            let (have, want) = fold(have, want, rules.case_exact);
            match op {
                CompareOp::Co => have.contains(want.as_str()),
                CompareOp::Sw => have.starts_with(want.as_str()),
                _ => have.ends_with(want.as_str()),
            }
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let Some(order) = ordering(candidate, value, rules) else {
                return false;
            };
            match op {
                CompareOp::Gt => order == Ordering::Greater,
                CompareOp::Ge => order != Ordering::Less,
                CompareOp::Lt => order == Ordering::Less,
                _ => order != Ordering::Greater,
            }
        }
    }
}

/// Both strings, lower-cased unless case-exact.
fn fold(a: &str, b: &str, case_exact: bool) -> (String, String) {
    if case_exact {
        (a.to_owned(), b.to_owned())
    } else {
        (a.to_lowercase(), b.to_lowercase())
    }
}

fn equals(candidate: &Value, value: &CompValue, rules: &StringRules) -> bool {
    match (candidate, value) {
        (Value::String(have), CompValue::String(want)) => {
            if rules.date_time
                && let (Some(a), Some(b)) = (parse_date_time(have), parse_date_time(want))
            {
                return a == b;
            }
            if rules.case_exact {
                have == want
            } else {
                have.to_lowercase() == want.to_lowercase()
            }
        }
        (Value::Number(have), CompValue::Number(want)) => {
            number_order(have, want) == Some(Ordering::Equal)
        }
        (Value::Bool(have), CompValue::Bool(want)) => have == want,
        _ => false,
    }
}

fn ordering(candidate: &Value, value: &CompValue, rules: &StringRules) -> Option<Ordering> {
    match (candidate, value) {
        (Value::Number(have), CompValue::Number(want)) => number_order(have, want),
        (Value::String(have), CompValue::String(want)) if rules.date_time => {
            Some(parse_date_time(have)?.cmp(&parse_date_time(want)?))
        }
        (Value::String(have), CompValue::String(want)) => {
            let (have, want) = fold(have, want, rules.case_exact);
            Some(have.cmp(&want))
        }
        _ => None,
    }
}

/// Numeric order: exact for integers, as `f64` otherwise.
fn number_order(a: &Number, b: &Number) -> Option<Ordering> {
    fn integer(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds.
type Instant = (i64, u32);

/// Parses an RFC 3339 §5.6 date-time (`2011-05-13T04:42:34.5+02:00`) to a UTC
/// instant. `t`/`z` may be lower case and a space may separate date and time
/// (RFC 3339 §5.6 notes); a missing offset is taken as UTC, since
/// `xsd:dateTime` (RFC 7643 §2.3.5) allows it. A leap second (`:60`) counts
/// as the next minute's first second. Fraction digits past nanoseconds are
/// dropped.
pub(crate) fn parse_date_time(text: &str) -> Option<Instant> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let at = |i: usize| b.get(i).copied();
    if at(4) != Some(b'-')
        || at(7) != Some(b'-')
        || !matches!(at(10), Some(b'T' | b't' | b' '))
        || at(13) != Some(b':')
        || at(16) != Some(b':')
    {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if at(i) == Some(b'.') {
        i += 1;
        let start = i;
        while let Some(d) = at(i).filter(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(d - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let offset = match at(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3) == Some(b':') => {
            let (oh, om) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = oh * 60 + om;
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset * 60;
    Some((seconds, nanos))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based
/// count: 400-year eras of 146 097 days, years starting in March).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
