use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn conn(name: &str, matcher: Matcher) -> Connection {
    Connection::new(
        name,
        matcher,
        RuleSet::new(Vec::new(), Vec::new()),
        Upstream::new("http://127.0.0.1:9/scim/v2", None).unwrap(),
    )
}

fn three_and_default() -> Connections {
    Connections::new(vec![
        conn("entra", Matcher::PathPrefix("/scim/v2/entra".into())),
        conn("okta", Matcher::BearerToken(Secret::new("s3cret-okta"))),
        conn(
            "jumpcloud",
            Matcher::Header {
                name: HeaderName::from_static("x-scimshim-connection"),
                value: HeaderValue::from_static("jumpcloud"),
            },
        ),
        conn("fallback", Matcher::Any),
    ])
}

fn who(c: &Connections, path: &str, h: &[(&str, &str)]) -> Option<String> {
    c.attribute(path, &headers(h))
        .map(|(i, c)| format!("{i}:{}", c.name))
}

#[test]
fn path_prefixes_match_on_segment_boundaries() {
    let m = Matcher::PathPrefix("/scim/v2/entra".into());
    let none = HeaderMap::new();
    assert!(m.claims("/scim/v2/entra", &none));
    assert!(m.claims("/scim/v2/entra/", &none));
    assert!(m.claims("/scim/v2/entra/Users/1", &none));
    assert!(!m.claims("/scim/v2/entraid/Users", &none));
    assert!(!m.claims("/scim/v2/Users", &none));
    assert!(!m.claims("/scim/v2/Entra/Users", &none));
}

#[test]
fn the_prefix_stands_for_the_base_path() {
    let m = Matcher::PathPrefix("/scim/v2/entra".into());
    assert_eq!(
        m.rule_path("/scim/v2/entra/Users", "/scim/v2"),
        "/scim/v2/Users"
    );
    assert_eq!(m.rule_path("/scim/v2/entra", "/scim/v2"), "/scim/v2");
    assert_eq!(m.rule_path("/scim/v2/entra/Users", ""), "/Users");
    assert_eq!(m.rule_path("/scim/v2/entra", ""), "/");
    let other = Matcher::PathPrefix("/tenants/a".into());
    assert_eq!(
        other.rule_path("/tenants/a/Groups/7", "/scim/v2"),
        "/scim/v2/Groups/7"
    );
    // Other matchers leave the path alone, without copying it.
    let any = Matcher::Any.rule_path("/scim/v2/Users", "/scim/v2");
    assert!(matches!(any, Cow::Borrowed("/scim/v2/Users")));
}

#[test]
fn bearer_tokens_are_parsed_like_rfc_6750() {
    assert_eq!(bearer_token(b"Bearer abc.def"), Some(&b"abc.def"[..]));
    assert_eq!(bearer_token(b"bearer   abc  "), Some(&b"abc"[..]));
    assert_eq!(bearer_token(b"BEARER x"), Some(&b"x"[..]));
    assert_eq!(bearer_token(b"Bearer"), None);
    assert_eq!(bearer_token(b"Bearer    "), None);
    assert_eq!(bearer_token(b"Bearerabc"), None);
    assert_eq!(bearer_token(b"Basic abc"), None);
}

#[test]
fn constant_time_comparison_is_exact() {
    assert!(constant_time_eq(b"s3cret", b"s3cret"));
    assert!(!constant_time_eq(b"s3cre", b"s3cret"));
    assert!(!constant_time_eq(b"s3crett", b"s3cret"));
    assert!(!constant_time_eq(b"s3creT", b"s3cret"));
    assert!(!constant_time_eq(b"", b"s3cret"));
    // A given value that pads the secret with NULs is still different.
    assert!(!constant_time_eq(b"s3cret\0", b"s3cret"));
}

#[test]
fn the_first_connection_that_claims_wins() {
    let c = three_and_default();
    assert_eq!(who(&c, "/scim/v2/entra/Users", &[]), Some("0:entra".into()));
    // The path prefix comes first in file order, whatever the token says.
    assert_eq!(
        who(
            &c,
            "/scim/v2/entra/Users",
            &[("authorization", "Bearer s3cret-okta")]
        ),
        Some("0:entra".into())
    );
    assert_eq!(
        who(
            &c,
            "/scim/v2/Users",
            &[("authorization", "Bearer s3cret-okta")]
        ),
        Some("1:okta".into())
    );
    assert_eq!(
        who(
            &c,
            "/scim/v2/Users",
            &[("authorization", "Bearer s3cret-okt")]
        ),
        Some("3:fallback".into())
    );
    assert_eq!(
        who(
            &c,
            "/scim/v2/Users",
            &[("x-scimshim-connection", "jumpcloud")]
        ),
        Some("2:jumpcloud".into())
    );
    assert_eq!(
        who(
            &c,
            "/scim/v2/Users",
            &[("x-scimshim-connection", "JumpCloud")]
        ),
        Some("3:fallback".into())
    );
    assert_eq!(who(&c, "/other", &[]), Some("3:fallback".into()));
}

#[test]
fn a_request_nobody_claims_is_unattributed() {
    let c = Connections::new(vec![
        conn("entra", Matcher::PathPrefix("/scim/v2/entra".into())),
        conn("okta", Matcher::BearerToken(Secret::new("s3cret-okta"))),
    ]);
    assert_eq!(who(&c, "/scim/v2/Users", &[]), None);
    assert_eq!(
        who(&c, "/scim/v2/Users", &[("authorization", "Basic abc")]),
        None
    );
    // The description of what was tried never holds the token.
    assert_eq!(
        &**c.tried(),
        "path prefix `/scim/v2/entra` (entra), a bearer token (okta)"
    );
    assert!(
        Connections::new(Vec::new())
            .attribute("/", &HeaderMap::new())
            .is_none()
    );
}

#[test]
fn the_flags_make_one_default_connection() {
    let c = Connections::single(
        RuleSet::new(Vec::new(), Vec::new()),
        Upstream::new("http://127.0.0.1:9", None).unwrap(),
    );
    assert_eq!(c.len(), 1);
    assert_eq!(who(&c, "/anything", &[]), Some("0:default".into()));
}
