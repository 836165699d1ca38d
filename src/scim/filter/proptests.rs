//! Property tests of the filter parser and printer.
//!
//! They run proptest's default number of cases (256 per property) so the
//! suite stays fast in CI. For a deeper search, raise the count with the
//! `PROPTEST_CASES` environment variable, e.g.
//! `PROPTEST_CASES=100000 cargo test --lib scim::filter::proptests`.

use proptest::prelude::*;
use serde_json::{Number, json};

use super::eval::parse_date_time;
use super::*;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Attribute names, including ones that look like keywords.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,7}",
        1 => Just("$ref".to_owned()),
        2 => prop::sample::select(vec!["not", "NOT", "and", "Or", "pr", "eq", "true", "null"])
            .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(CORE_USER.to_owned()),
        Just(ENTERPRISE.to_owned()),
        "[a-zA-Z][a-zA-Z0-9+.-]{0,3}(:[a-zA-Z0-9._~%@!$&'*+,;=/-]{1,6}){1,3}",
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        prop::option::weighted(0.2, urn()),
        name(),
        prop::option::of(name()),
    )
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

/// A path a value filter can apply to (no sub-attribute).
fn multi_valued_path() -> impl Strategy<Value = AttrPath> {
    (prop::option::weighted(0.2, urn()), name()).prop_map(|(urn, name)| AttrPath {
        urn,
        name,
        sub: None,
    })
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(CompValue::Number)),
        any::<String>().prop_map(CompValue::String),
        r#"[\x00-\x1f"\\/a-z é😀\u{2028}]{0,12}"#.prop_map(CompValue::String),
    ]
}

fn attr_expression() -> impl Strategy<Value = Filter> {
    prop_oneof![
        1 => attr_path().prop_map(Filter::Present),
        4 => (attr_path(), compare_op(), comp_value())
            .prop_map(|(path, op, value)| Filter::Compare(path, op, value)),
    ]
}

/// Combines `leaf` with `not`, `and`, `or` up to a few levels.
fn logic(leaf: BoxedStrategy<Filter>) -> impl Strategy<Value = Filter> {
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// A filter allowed inside `[…]`: no value paths.
fn value_filter() -> impl Strategy<Value = Filter> {
    logic(attr_expression().boxed())
}

/// Any filter the parser can produce.
fn filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        3 => attr_expression(),
        1 => (multi_valued_path(), value_filter())
            .prop_map(|(path, inner)| Filter::ValuePath(path, Box::new(inner))),
    ];
    logic(leaf.boxed())
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path().prop_map(|attr| PatchPath {
            attr,
            filter: None,
            sub: None,
        }),
        (
            multi_valued_path(),
            value_filter(),
            prop::option::of(name())
        )
            .prop_map(|(attr, filter, sub)| PatchPath {
                attr,
                filter: Some(filter),
                sub,
            }),
    ]
}

/// One edit of a text: delete, insert or replace the character at a
/// position (taken modulo the length).
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop::sample::select(vec![
        ' ', '(', ')', '[', ']', '"', '\\', '.', ':', 'a', 'e', 'q', '1', '-', 'é', '\t',
    ]);
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), c.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), c).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len();
        match *e {
            Edit::Delete(i) if len > 0 => {
                chars.remove(i % len);
            }
            Edit::Insert(i, c) => chars.insert(i % (len + 1), c),
            Edit::Replace(i, c) if len > 0 => chars[i % len] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Text that parsed prints canonically, reparses to the same AST, and its
/// canonical text is a fixed point. An error's column lies within the text.
fn check_text(text: &str) -> Result<(), TestCaseError> {
    let columns = text.chars().count() + 1;
    match parse(text) {
        Ok(f) => {
            let printed = f.to_string();
            prop_assert_eq!(parse(&printed), Ok(f), "printed: {}", printed);
            let again = parse(&printed).map(|g| g.to_string());
            prop_assert_eq!(again, Ok(printed.clone()));
        }
        Err(e) => prop_assert!(
            (1..=columns).contains(&e.column),
            "column {} for {:?}",
            e.column,
            text
        ),
    }
    match parse_patch_path(text) {
        Ok(p) => prop_assert_eq!(parse_patch_path(&p.to_string()), Ok(p)),
        Err(e) => prop_assert!((1..=columns).contains(&e.column)),
    }
    match parse_attr_path(text) {
        Ok(p) => prop_assert_eq!(parse_attr_path(&p.to_string()), Ok(p)),
        Err(e) => prop_assert!((1..=columns).contains(&e.column)),
    }
    Ok(())
}

proptest! {
    #[test]
    fn printed_filters_parse_back(f in filter()) {
        let printed = f.to_string();
        prop_assert_eq!(parse(&printed), Ok(f), "printed: {}", printed);
    }

    #[test]
    fn printed_patch_paths_parse_back(p in patch_path()) {
        let printed = p.to_string();
        prop_assert_eq!(parse_patch_path(&printed), Ok(p), "printed: {}", printed);
    }

    #[test]
    fn printed_attr_paths_parse_back(p in attr_path()) {
        let printed = p.to_string();
        prop_assert_eq!(parse_attr_path(&printed), Ok(p), "printed: {}", printed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_text(&text)?;
    }

    #[test]
    fn filter_like_text_never_panics_and_round_trips(
        text in r#"[a-zA-Z0-9 ()\[\]".:$\\_é-]{0,60}"#,
    ) {
        check_text(&text)?;
    }

    #[test]
    fn mutated_filters_never_panic_and_round_trip(
        f in filter(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        check_text(&apply(&f.to_string(), &edits))?;
    }

    #[test]
    fn mutated_patch_paths_never_panic_and_round_trip(
        p in patch_path(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        check_text(&apply(&p.to_string(), &edits))?;
    }

    #[test]
    fn evaluation_never_panics(f in filter()) {
        let resource = json!({
            "userName": "a", "emails": [{"value": "x", "type": "work"}, "plain", 3],
            "meta": {"lastModified": "2011-05-13T04:42:34Z"},
            "not": null, "and": [], "$ref": {"value": 1.5},
            ENTERPRISE: {"manager": {"value": "m"}},
        });
        struct Dates;
        impl AttrInfo for Dates {
            fn case_exact(&self, _: Option<&AttrPath>, path: &AttrPath) -> bool {
                path.name.len().is_multiple_of(2)
            }
            fn is_date_time(&self, _: Option<&AttrPath>, _: &AttrPath) -> bool {
                true
            }
        }
        let negated = Filter::Not(Box::new(f.clone()));
        prop_assert_eq!(negated.matches(&resource, &Dates), !f.matches(&resource, &Dates));
    }

    #[test]
    fn date_time_parser_never_panics(text in any::<String>()) {
        let _ = parse_date_time(&text);
    }

    #[test]
    fn date_times_with_offsets_agree_with_utc(
        secs in 0i64..253_402_214_400,
        offset_minutes in -1439i64..=1439,
    ) {
        // Render `secs` as UTC and as local time at the offset; both must
        // parse to the same instant.
        let utc = render(secs, 0);
        let local = render(secs, offset_minutes);
        prop_assert_eq!(parse_date_time(&utc), Some((secs, 0)), "{}", utc);
        prop_assert_eq!(parse_date_time(&local), Some((secs, 0)), "{}", local);
    }
}

/// `secs` since the epoch as an RFC 3339 date-time at `offset` minutes east,
/// computed independently of the parser (day by day from 1970).
fn render(secs: i64, offset: i64) -> String {
    let local = secs + offset * 60;
    let (mut days, rem) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let mut year = 1970;
    if days < 0 {
        // Only reachable for small negative offsets at the epoch.
        year = 1969;
        days += 365;
    }
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let mut month = 1;
    loop {
        let len = match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    let zone = if offset == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60)
    };
    format!(
        "{year:04}-{month:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        days + 1,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}
