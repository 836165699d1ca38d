//! Unit tests of the filter parser, printer and evaluator.

use serde_json::{Number, Value, json};

use super::*;

fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    }
}

fn p(name: &str) -> AttrPath {
    path(None, name, None)
}

fn s(text: &str) -> CompValue {
    CompValue::String(text.to_owned())
}

fn cmp(attr: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare(attr, op, value)
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

fn canonical(text: &str) -> String {
    match parse(text) {
        Ok(filter) => filter.to_string(),
        Err(e) => panic!("{text:?} did not parse: {e}"),
    }
}

fn error(text: &str) -> (usize, String) {
    match parse(text) {
        Ok(f) => panic!("{text:?} parsed as {f:?}"),
        Err(e) => (e.column, e.message),
    }
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

// ---- parsing and printing ------------------------------------------------

/// Every filter example of RFC 7644 §3.4.2.2, with its canonical text.
#[test]
fn rfc_7644_examples_parse_and_print_canonically() {
    let cases = [
        (r#"userName eq "bjensen""#, r#"userName eq "bjensen""#),
        (
            r#"name.familyName co "O'Malley""#,
            r#"name.familyName co "O'Malley""#,
        ),
        (r#"userName sw "J""#, r#"userName sw "J""#),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        ),
        ("title pr", "title pr"),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        ),
        (
            r#"title pr and userType eq "Employee""#,
            r#"title pr and userType eq "Employee""#,
        ),
        (
            r#"title pr or userType eq "Intern""#,
            r#"title pr or userType eq "Intern""#,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails.type eq "work""#,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical(input), expected, "input {input:?}");
        assert_eq!(canonical(expected), expected, "canonical form is stable");
    }
}

#[test]
fn rfc_examples_have_the_expected_structure() {
    assert_eq!(
        parse(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        Ok(and(
            cmp(p("userType"), CompareOp::Ne, s("Employee")),
            not(or(
                cmp(p("emails"), CompareOp::Co, s("example.com")),
                cmp(
                    path(None, "emails", Some("value")),
                    CompareOp::Co,
                    s("example.org")
                ),
            )),
        ))
    );
    assert_eq!(
        parse(r#"emails[type eq "work" and value co "@example.com"]"#),
        Ok(Filter::ValuePath(
            p("emails"),
            Box::new(and(
                cmp(p("type"), CompareOp::Eq, s("work")),
                cmp(p("value"), CompareOp::Co, s("@example.com")),
            )),
        ))
    );
    assert_eq!(
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#),
        Ok(cmp(
            path(Some(CORE_USER), "userName", None),
            CompareOp::Sw,
            s("J")
        ))
    );
}

#[test]
fn urn_is_split_on_the_last_colon_then_the_name_on_the_dot() {
    assert_eq!(
        parse_attr_path(&format!("{ENTERPRISE}:manager.value")),
        Ok(path(Some(ENTERPRISE), "manager", Some("value")))
    );
    assert_eq!(
        parse_attr_path(&format!("{ENTERPRISE}:employeeNumber")),
        Ok(path(Some(ENTERPRISE), "employeeNumber", None))
    );
    // The bare extension URN: resolution is the schema module's job.
    assert_eq!(
        parse_attr_path(ENTERPRISE),
        Ok(path(
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
            "User",
            None
        ))
    );
    assert_eq!(
        parse_attr_path("members.$ref"),
        Ok(path(None, "members", Some("$ref")))
    );
    assert_eq!(
        parse_attr_path("  name.givenName "),
        Ok(path(None, "name", Some("givenName")))
    );
}

#[test]
fn keywords_operators_and_literals_are_case_insensitive() {
    assert_eq!(
        canonical(
            r#"userName EQ "a" AND NOT (active Eq TRUE) Or title PR or x ne NULL or y eq False"#
        ),
        r#"userName eq "a" and not (active eq true) or title pr or x ne null or y eq false"#
    );
}

#[test]
fn precedence_and_associativity() {
    let a = || Filter::Present(p("a"));
    let b = || Filter::Present(p("b"));
    let c = || Filter::Present(p("c"));
    assert_eq!(parse("a pr or b pr and c pr"), Ok(or(a(), and(b(), c()))));
    assert_eq!(parse("a pr and b pr or c pr"), Ok(or(and(a(), b()), c())));
    assert_eq!(parse("a pr and b pr and c pr"), Ok(and(and(a(), b()), c())));
    assert_eq!(parse("a pr or b pr or c pr"), Ok(or(or(a(), b()), c())));
    assert_eq!(
        parse("a pr and (b pr and c pr)"),
        Ok(and(a(), and(b(), c())))
    );
    assert_eq!(
        canonical("a pr and (b pr and c pr)"),
        "a pr and (b pr and c pr)"
    );
    assert_eq!(
        canonical("(a pr and b pr) and c pr"),
        "a pr and b pr and c pr"
    );
    assert_eq!(
        canonical("(a pr or b pr) and c pr"),
        "(a pr or b pr) and c pr"
    );
    assert_eq!(
        canonical("a pr or (b pr or c pr)"),
        "a pr or (b pr or c pr)"
    );
    assert_eq!(
        canonical("a pr or (b pr and c pr)"),
        "a pr or b pr and c pr"
    );
    assert_eq!(canonical("((((a pr))))"), "a pr");
    assert_eq!(canonical("not(a pr)"), "not (a pr)");
    assert_eq!(canonical("not (not (a pr))"), "not (not (a pr))");
}

#[test]
fn whitespace_is_tolerated_where_a_space_is_allowed() {
    assert_eq!(
        canonical("  userName \t eq   \"x\"   and\t( title  pr )  "),
        r#"userName eq "x" and title pr"#
    );
    assert_eq!(
        canonical("emails[ type eq \"work\" ]"),
        r#"emails[type eq "work"]"#
    );
}

#[test]
fn keyword_like_attribute_names_stay_attributes() {
    assert_eq!(parse("not pr"), Ok(Filter::Present(p("not"))));
    assert_eq!(
        parse("and pr and or pr"),
        Ok(and(Filter::Present(p("and")), Filter::Present(p("or"))))
    );
    assert_eq!(
        parse("pr eq 1"),
        Ok(cmp(p("pr"), CompareOp::Eq, CompValue::Number(1.into())))
    );
    assert_eq!(canonical("not (not pr)"), "not (not pr)");
}

#[test]
fn compare_values_are_json() {
    let value = |text: &str| match parse(&format!("a eq {text}")) {
        Ok(Filter::Compare(_, _, v)) => v,
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(value("true"), CompValue::Bool(true));
    assert_eq!(value("False"), CompValue::Bool(false));
    assert_eq!(value("null"), CompValue::Null);
    assert_eq!(value("42"), CompValue::Number(42u64.into()));
    assert_eq!(value("-7"), CompValue::Number((-7i64).into()));
    assert_eq!(
        value("18446744073709551615"),
        CompValue::Number(u64::MAX.into())
    );
    assert_eq!(
        value("1.5e3"),
        CompValue::Number(Number::from_f64(1500.0).unwrap())
    );
    assert_eq!(
        value("0.1"),
        CompValue::Number(Number::from_f64(0.1).unwrap())
    );
    assert_eq!(
        value(r#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#),
        s("a\"b\\c/d\n\té😀")
    );
    assert_eq!(value(r#""""#), s(""));
    assert_eq!(canonical("a eq 1.5e3"), "a eq 1500.0");
}

#[test]
fn strings_print_with_json_escapes() {
    let text = "quote\" backslash\\ nl\n tab\t bell\u{7} del\u{7f} é 😀";
    let printed = cmp(p("a"), CompareOp::Eq, s(text)).to_string();
    let json = serde_json::to_string(text).unwrap();
    assert_eq!(printed, format!("a eq {json}"));
    assert_eq!(quote(text), json);
    assert_eq!(quote(""), "\"\"");
    assert_eq!(parse(&printed), Ok(cmp(p("a"), CompareOp::Eq, s(text))));
}

#[test]
fn errors_point_at_the_problem() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty filter"),
        ("   ", 1, "empty filter"),
        (
            "userName",
            9,
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `userName`",
        ),
        (
            r#"userName xx "a""#,
            10,
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `userName`, found `xx`",
        ),
        (
            r#"userNameeq"x""#,
            11,
            r#"missing space between `userNameeq` and `"x"`"#,
        ),
        (
            r#"userName eq"x""#,
            12,
            r#"missing space between `eq` and `"x"`"#,
        ),
        (r#"userName eq "abc"#, 13, "unterminated string"),
        (
            "userName eq alice",
            13,
            "unquoted value `alice`: string values must be in double quotes",
        ),
        ("(title pr", 1, "unbalanced `(`: no matching `)`"),
        ("title pr)", 9, "unbalanced `)`: no matching `(`"),
        (
            r#"title pr "x""#,
            10,
            r#"trailing input: expected `and` or `or`, found `"x"`"#,
        ),
        (
            "title pr and",
            13,
            "unexpected end of filter: expected an attribute path, `(` or `not`",
        ),
        (
            r#"emails[type eq "w""#,
            7,
            "unbalanced `[`: no matching `]`",
        ),
        (
            r#"emails[type eq "w" and x[y pr]]"#,
            25,
            "value filters cannot be nested: `[` inside `[…]`",
        ),
        ("emails[]", 7, "empty value filter `[]`"),
        (
            r#"name.x.y eq "a""#,
            7,
            "too many `.` in `name.x.y`: an attribute path has at most one sub-attribute",
        ),
        (
            r#"9lives eq "a""#,
            1,
            "invalid attribute name `9lives`: names start with a letter, not `9`",
        ),
        (
            r#"user%Name eq "a""#,
            5,
            "invalid character `%` in attribute name `user%Name`",
        ),
        (
            r#"urn:x: eq "a""#,
            7,
            "expected an attribute name after the schema URN `urn:x:`",
        ),
        (r#"a eq "\q""#, 7, r#"invalid escape `\q` in string"#),
        (
            r#"a eq "\ud800x""#,
            7,
            r#"invalid `\u` escape: unpaired surrogate"#,
        ),
        ("a eq 01", 6, "invalid number `01`"),
        ("a eq 1.", 6, "invalid number `1.`"),
        ("a eq 1e400", 6, "number out of range `1e400`"),
        ("a eq", 5, "expected a value after `eq`"),
        ("a eq )", 6, "expected a value after `eq`, found `)`"),
        (
            r#""userName" eq "a""#,
            1,
            "expected an attribute path, found a string (attribute names are not quoted)",
        ),
        (
            "not title pr",
            5,
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `not`, found `title` (a negation is written `not (filter)`)",
        ),
        (
            r#"emails[type eq "work"].value eq "x""#,
            23,
            "trailing input `.value`: a sub-attribute after `[…]` is allowed in PATCH paths, not in filters",
        ),
        (
            r#"name.givenName[x pr]"#,
            1,
            "`name.givenName` names a sub-attribute: a value filter `[…]` applies to a multi-valued attribute",
        ),
        (
            "()",
            2,
            "expected an attribute path, `(` or `not`, found `)`",
        ),
        ("(a pr b pr)", 7, "expected `and`, `or` or `)`, found `b`"),
        // Columns count characters, not bytes.
        (
            r#"é eq "x""#,
            1,
            "invalid attribute name `é`: names start with a letter, not `é`",
        ),
        (
            r#"a eq "é" zz"#,
            10,
            "trailing input: expected `and` or `or`, found `zz`",
        ),
    ];
    for &(input, column, message) in cases {
        assert_eq!(
            error(input),
            (column, message.to_owned()),
            "input {input:?}"
        );
    }
}

#[test]
fn nesting_is_limited_without_blowing_the_stack() {
    let deep = format!("{}a pr{}", "(".repeat(100_000), ")".repeat(100_000));
    let (column, message) = error(&deep);
    assert_eq!(column, MAX_NESTING + 1);
    assert!(message.starts_with("filter nested too deeply"), "{message}");

    let ok = format!("{}a pr{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert_eq!(parse(&ok), Ok(Filter::Present(p("a"))));

    let nots = "not (".repeat(10_000);
    assert!(error(&nots).1.starts_with("filter nested too deeply"));

    let chain = vec!["a pr"; 100_000].join(" or ");
    assert!(error(&chain).1.starts_with("filter too complex"));
    let chain = vec!["a pr"; MAX_DEPTH + 1].join(" and ");
    assert!(parse(&chain).is_ok());
    let chain = vec!["a pr"; MAX_DEPTH + 2].join(" and ");
    assert!(parse(&chain).is_err());
}

// ---- paths ---------------------------------------------------------------

#[test]
fn patch_paths() {
    assert_eq!(
        parse_patch_path("name.familyName"),
        Ok(PatchPath {
            attr: path(None, "name", Some("familyName")),
            filter: None,
            sub: None,
        })
    );
    let members = r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#;
    assert_eq!(
        parse_patch_path(members),
        Ok(PatchPath {
            attr: p("members"),
            filter: Some(cmp(
                p("value"),
                CompareOp::Eq,
                s("2819c223-7f76-453a-919d-413861904646")
            )),
            sub: None,
        })
    );
    let work = r#"addresses[type eq "work"].streetAddress"#;
    assert_eq!(
        parse_patch_path(work),
        Ok(PatchPath {
            attr: p("addresses"),
            filter: Some(cmp(p("type"), CompareOp::Eq, s("work"))),
            sub: Some("streetAddress".to_owned()),
        })
    );
    let manager = format!("{ENTERPRISE}:manager");
    assert_eq!(
        parse_patch_path(&manager),
        Ok(PatchPath {
            attr: path(Some(ENTERPRISE), "manager", None),
            filter: None,
            sub: None,
        })
    );
    for text in [
        members,
        work,
        manager.as_str(),
        r#"emails[type eq "work" and not (primary eq true)].value"#,
    ] {
        let parsed = parse_patch_path(text).unwrap();
        assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn patch_path_errors() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty path"),
        (
            "emails value",
            8,
            "unexpected `value` after the attribute path `emails`: expected `[` or the end of the path",
        ),
        (
            r#"emails[type eq "work"]value"#,
            23,
            "unexpected `value` after `]`: expected `.` and a sub-attribute name, or the end of the path",
        ),
        (
            r#"emails[type eq "work"] .value"#,
            24,
            "unexpected `.value` after `]`: expected `.` and a sub-attribute name, or the end of the path",
        ),
        (
            r#"emails[type eq "work"].9"#,
            24,
            "invalid attribute name `9`: names start with a letter, not `9`",
        ),
        (
            r#"emails[type eq "work"].value[x pr]"#,
            29,
            "trailing input `[` after the path",
        ),
        (
            r#"emails[x[y pr]]"#,
            9,
            "value filters cannot be nested: `[` inside `[…]`",
        ),
        (
            r#"emails[type eq "work""#,
            7,
            "unbalanced `[`: no matching `]`",
        ),
    ];
    for &(input, column, message) in cases {
        let e = parse_patch_path(input).unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (column, message),
            "input {input:?}"
        );
    }
    let e = parse_attr_path("name givenName").unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (6, "unexpected `givenName` after the attribute path `name`")
    );
    let e = parse_attr_path("x:name").unwrap_err();
    assert_eq!(e.column, 1);
    assert!(
        e.message.starts_with("`x` is not a schema URN"),
        "{}",
        e.message
    );
}

// ---- evaluation ----------------------------------------------------------

fn user() -> Value {
    json!({
        "schemas": [CORE_USER, ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": ""},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "loginCount": 42,
        "score": 7.5,
        "nickName": null,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "x509Certificates": [{}],
        "groups": [{"value": "e9e30dba", "display": "Tour Guides"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        }
    })
}

/// `userName`, `id` and `externalId` are case-exact; `meta.*` dates are
/// dateTime; everything else is case-insensitive text.
struct TestSchema;

impl AttrInfo for TestSchema {
    fn case_exact(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool {
        parent.is_none() && ["id", "externalId"].contains(&path.name.as_str())
    }
    fn is_date_time(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool {
        parent.is_none()
            && path.name.eq_ignore_ascii_case("meta")
            && path.sub.as_deref().is_some_and(|s| {
                s.eq_ignore_ascii_case("lastModified") || s.eq_ignore_ascii_case("created")
            })
    }
}

fn check(text: &str, expected: bool) {
    let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(
        filter.matches(&user(), &TestSchema),
        expected,
        "filter {text}"
    );
}

#[test]
fn eval_equality_and_case() {
    check(r#"userName eq "bjensen@example.com""#, true);
    check(r#"USERNAME eq "BJensen@Example.com""#, true);
    check(r#"externalId eq "bjensen""#, true);
    check(r#"externalId eq "BJENSEN""#, false);
    check(r#"externalId ne "BJENSEN""#, true);
    check(r#"userName ne "bjensen@example.com""#, false);
    check(r#"name.familyName eq "jensen""#, true);
    check(r#"name.FAMILYNAME eq "Jensen""#, true);
    check(r#"active eq true"#, true);
    check(r#"active eq false"#, false);
    check(r#"active eq "true""#, false);
    check(r#"active ne false"#, true);
    check("loginCount eq 42", true);
    check("loginCount eq 42.0", true);
    check("loginCount ne 42", false);
    check(r#"loginCount eq "42""#, false);
    check("score eq 7.5", true);
}

#[test]
fn eval_absent_and_null() {
    check(r#"nickName eq null"#, true);
    check(r#"missing eq null"#, true);
    check(r#"missing ne "x""#, true);
    check(r#"missing eq "x""#, false);
    check(r#"missing ne null"#, false);
    check(r#"userName ne null"#, true);
    check(r#"userName eq null"#, false);
    check(r#"missing gt 1"#, false);
    check(r#"missing co "x""#, false);
}

#[test]
fn eval_substring_operators() {
    check(r#"name.familyName co "ENS""#, true);
    check(r#"name.familyName sw "jen""#, true);
    check(r#"name.familyName ew "SEN""#, true);
    check(r#"name.familyName sw "sen""#, false);
    check(r#"externalId co "JENS""#, false);
    check(r#"externalId co "jens""#, true);
    check(r#"externalId sw "b""#, true);
    check(r#"externalId ew "N""#, false);
    check(r#"loginCount co "4""#, false);
    check(r#"title co """#, true);
}

#[test]
fn eval_ordering() {
    check("loginCount gt 41", true);
    check("loginCount gt 42", false);
    check("loginCount ge 42", true);
    check("loginCount lt 42.5", true);
    check("loginCount le 41", false);
    check("score gt 7", true);
    check("score lt -1", false);
    check(r#"title gt "tour""#, true);
    check(r#"title lt "UNICORN""#, true);
    check(r#"externalId gt "BJENSEN""#, true);
    check(r#"active gt false"#, false);
    check(r#"active le true"#, false);
    check(r#"loginCount gt "1""#, false);
}

#[test]
fn eval_date_times_chronologically() {
    check(r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true);
    check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false);
    check(r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true);
    check(r#"meta.lastModified lt "2011-05-13T04:42:34.001Z""#, true);
    check(r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true);
    // Same instant written with an offset: text order would say otherwise.
    check(r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true);
    check(r#"meta.lastModified gt "2011-05-13T06:00:00+02:00""#, true);
    check(r#"meta.lastModified lt "2011-05-13T00:00:00-05:00""#, true);
    check(r#"meta.lastModified eq "2011-05-13t04:42:34.000z""#, true);
    check(r#"meta.created lt "2011-05-13T04:42:34Z""#, true);
    // Unparseable dates never order.
    check(r#"meta.lastModified gt "2011""#, false);
    check(r#"meta.lastModified lt "yesterday""#, false);
}

#[test]
fn eval_presence() {
    check("title pr", true);
    check("nickName pr", false);
    check("name.middleName pr", false);
    check("name pr", true);
    check("emails pr", true);
    check("phoneNumbers pr", false);
    check("x509Certificates pr", false);
    check("missing pr", false);
    check("emails.type pr", true);
    check("emails.display pr", false);
    check("active pr", true);
}

#[test]
fn eval_multi_valued_any_and_value_projection() {
    check(r#"emails co "jensen.org""#, true);
    check(r#"emails eq "BABS@jensen.org""#, true);
    check(r#"emails.value co "example.com""#, true);
    check(r#"emails.type eq "home""#, true);
    check(r#"emails.type ne "home""#, true);
    check(r#"emails.type eq "other""#, false);
    check(r#"groups eq "e9e30dba""#, true);
    check(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        true,
    );
}

#[test]
fn eval_value_paths() {
    check(
        r#"emails[type eq "work" and value co "@example.com"]"#,
        true,
    );
    check(
        r#"emails[type eq "home" and value co "@example.com"]"#,
        false,
    );
    check(
        r#"emails[type eq "home"] and emails[primary eq true]"#,
        true,
    );
    check(r#"emails[type eq "home" and primary eq true]"#, false);
    check(r#"emails[not (primary pr)]"#, true);
    check(r#"phoneNumbers[type eq "work"]"#, false);
    check(r#"missing[type eq "work"]"#, false);
    check(r#"name[givenName eq "barbara"]"#, true);
}

#[test]
fn eval_urn_qualified_paths() {
    check(&format!(r#"{ENTERPRISE}:employeeNumber eq "701984""#), true);
    check(
        &format!(
            r#"{}:EMPLOYEENUMBER eq "701984""#,
            ENTERPRISE.to_uppercase()
        ),
        true,
    );
    check(&format!(r#"{ENTERPRISE}:manager.value sw "2611""#), true);
    check(
        &format!(r#"{ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
        true,
    );
    check(&format!(r#"{ENTERPRISE}:userName pr"#), false);
    check(&format!(r#"{CORE_USER}:userName sw "bjensen""#), true);
    check("employeeNumber pr", false);
    // The bare extension URN finds the extension object.
    check(&format!("{ENTERPRISE} pr"), true);
    check(
        "urn:ietf:params:scim:schemas:extension:other:2.0:User pr",
        false,
    );
}

#[test]
fn eval_logic() {
    check(r#"title pr and userType eq "Employee""#, true);
    check(r#"title pr and userType eq "Intern""#, false);
    check(r#"title pr or userType eq "Intern""#, true);
    check(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        true,
    );
    check(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        false,
    );
    check(r#"not (userType eq "Intern")"#, true);
}

/// Records the `parent` each `AttrInfo` call receives.
struct Recorder(std::cell::RefCell<Vec<String>>);

impl AttrInfo for Recorder {
    fn case_exact(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool {
        let parent = parent.map_or("-".to_owned(), ToString::to_string);
        self.0.borrow_mut().push(format!("{parent} {path}"));
        true
    }
    fn is_date_time(&self, _: Option<&AttrPath>, _: &AttrPath) -> bool {
        false
    }
}

#[test]
fn value_filters_tell_attr_info_the_parent() {
    let recorder = Recorder(Default::default());
    let filter = parse(r#"userName eq "x" or emails[type eq "Work"]"#).unwrap();
    assert!(!filter.matches(&user(), &recorder));
    let calls = recorder.0.borrow();
    assert_eq!(calls[0], "- userName");
    assert_eq!(calls[1], "emails type");
}

#[test]
fn matching_indices_selects_elements() {
    let emails = user()["emails"].as_array().unwrap().clone();
    let parent = p("emails");
    let filter = parse(r#"type eq "HOME""#).unwrap();
    assert_eq!(
        matching_indices(&filter, &emails, &parent, &CaseInsensitive),
        vec![1]
    );
    let filter = parse(r#"value co "@""#).unwrap();
    assert_eq!(
        matching_indices(&filter, &emails, &parent, &CaseInsensitive),
        vec![0, 1]
    );
    let filter = parse("primary eq true").unwrap();
    assert_eq!(
        matching_indices(&filter, &emails, &parent, &CaseInsensitive),
        vec![0]
    );
    let filter = parse(r#"type eq "other""#).unwrap();
    assert!(matching_indices(&filter, &emails, &parent, &CaseInsensitive).is_empty());
}

#[test]
fn date_time_parser() {
    use super::eval::parse_date_time;
    assert_eq!(parse_date_time("1970-01-01T00:00:00Z"), Some((0, 0)));
    assert_eq!(
        parse_date_time("2011-05-13T04:42:34Z"),
        Some((1_305_261_754, 0))
    );
    assert_eq!(
        parse_date_time("2011-05-13T06:42:34.5+02:00"),
        Some((1_305_261_754, 500_000_000))
    );
    assert_eq!(
        parse_date_time("2011-05-13 04:42:34.1234567891"),
        Some((1_305_261_754, 123_456_789))
    );
    assert_eq!(parse_date_time("1969-12-31T23:59:59Z"), Some((-1, 0)));
    assert_eq!(
        parse_date_time("2000-02-29T00:00:00Z"),
        Some((951_782_400, 0))
    );
    for bad in [
        "",
        "2011-05-13",
        "2011-13-01T00:00:00Z",
        "2011-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2011-05-13T24:00:00Z",
        "2011-05-13T04:42:34.Z",
        "2011-05-13T04:42:34+2:00",
        "2011-05-13T04:42:34+02:00x",
        "2011-05-13T04:42:34ZZ",
        "2011-05-13T04:42:34+24:00",
        "२०११-05-13T04:42:34Z",
    ] {
        assert_eq!(parse_date_time(bad), None, "{bad:?}");
    }
}

#[test]
fn lenient_parsing_reads_bare_values_as_strings_and_prints_them_quoted() {
    for (lax, canonical) in [
        (
            "displayName Eq PRIMARY/system",
            r#"displayName eq "PRIMARY/system""#,
        ),
        (
            "username Eq jdoe and active eq true",
            r#"username eq "jdoe" and active eq true"#,
        ),
        ("emails eq a@b.example", r#"emails eq "a@b.example""#),
        ("employeeNumber eq 12ab", r#"employeeNumber eq "12ab""#),
        ("count gt 12", "count gt 12"),
    ] {
        let f = parse_lenient(lax).unwrap_or_else(|e| panic!("{lax}: {e}"));
        assert_eq!(f.to_string(), canonical, "{lax}");
        assert_eq!(
            parse(canonical).map(|g| g.to_string()).as_deref(),
            Ok(canonical)
        );
    }
    assert!(
        parse("displayName Eq PRIMARY/system").is_err(),
        "strict stays strict"
    );
    assert!(parse_lenient("userName eq").is_err());
    assert!(parse_lenient("(userName eq x").is_err());
}
