use super::*;

fn auth_for(tokens: &[&str]) -> InboundAuth {
    InboundAuth::new(tokens.iter().map(|t| token_hash(t.as_bytes())).collect())
}

fn with_auth(values: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn sha256_matches_the_fips_180_test_vectors() {
    assert_eq!(
        to_hex(&token_hash(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        to_hex(&token_hash(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn hex_round_trips_and_rejects_anything_else() {
    let h = token_hash(b"abc");
    assert_eq!(parse_hex(&to_hex(&h)), Some(h));
    let upper = to_hex(&h).to_ascii_uppercase();
    assert_eq!(parse_hex(&upper), Some(h));
    assert_eq!(parse_hex(&to_hex(&h)[1..]), None);
    assert_eq!(parse_hex(&format!("{}0", to_hex(&h))), None);
    assert_eq!(parse_hex(&"g".repeat(64)), None);
    assert_eq!(parse_hex(""), None);
}

#[test]
fn hash_files_allow_comments_and_blank_lines() {
    let a = to_hex(&token_hash(b"a"));
    let b = to_hex(&token_hash(b"b"));
    let text = format!("# okta, rotated 2024-05\n\n{a}\n   {b}  # entra\n#{a}\n");
    let (hashes, bad) = parse_hash_file(&text);
    assert_eq!(hashes, vec![token_hash(b"a"), token_hash(b"b")]);
    assert_eq!(bad, vec![]);
}

#[test]
fn hash_file_lines_that_are_not_hashes_are_reported_by_number() {
    let a = to_hex(&token_hash(b"a"));
    let text = format!("{a}\nmy-plain-token\n\n{a}x\r\n");
    let (hashes, bad) = parse_hash_file(&text);
    assert_eq!(hashes, vec![token_hash(b"a")]);
    assert_eq!(bad, vec![BadLine { line: 2 }, BadLine { line: 4 }]);
}

#[test]
fn an_accepted_token_passes() {
    let auth = auth_for(&["first-token", "second-token"]);
    assert_eq!(auth.len(), 2);
    assert_eq!(auth.check(&with_auth(&["Bearer first-token"])), Ok(()));
    assert_eq!(auth.check(&with_auth(&["bearer   second-token "])), Ok(()));
    // ENTRA-16: a doubled scheme is unwrapped.
    assert_eq!(
        auth.check(&with_auth(&["Bearer Bearer first-token"])),
        Ok(())
    );
}

#[test]
fn missing_wrong_and_odd_credentials_are_denied() {
    let auth = auth_for(&["first-token"]);
    assert_eq!(auth.check(&HeaderMap::new()), Err(Denied::Missing));
    assert_eq!(
        auth.check(&with_auth(&["Bearer first-tokeN"])),
        Err(Denied::UnknownToken)
    );
    assert_eq!(
        auth.check(&with_auth(&["Bearer first-token-"])),
        Err(Denied::UnknownToken)
    );
    assert_eq!(
        auth.check(&with_auth(&["Basic Zmlyc3QtdG9rZW4="])),
        Err(Denied::NotBearer)
    );
    assert_eq!(auth.check(&with_auth(&["Bearer "])), Err(Denied::NotBearer));
    assert_eq!(
        auth.check(&with_auth(&["Bearer first-token", "Bearer first-token"])),
        Err(Denied::Ambiguous)
    );
    // No hashes: nothing is accepted.
    let none = InboundAuth::new(Vec::new());
    assert!(none.is_empty());
    assert_eq!(
        none.check(&with_auth(&["Bearer first-token"])),
        Err(Denied::UnknownToken)
    );
}

#[test]
fn denials_are_scim_401s_with_a_challenge() {
    let resp = Denied::UnknownToken.into_response();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()[WWW_AUTHENTICATE],
        r#"Bearer realm="scimshim", error="invalid_token""#
    );
    assert_eq!(resp.headers()[&X_SCIMSHIM_ERROR], "unauthenticated");
    assert_eq!(
        resp.headers()[http::header::CONTENT_TYPE],
        "application/scim+json"
    );
    let resp = Denied::Missing.into_response();
    assert_eq!(
        resp.headers()[WWW_AUTHENTICATE],
        r#"Bearer realm="scimshim""#
    );
}

#[test]
fn credentials_are_written_in_their_scheme_and_marked_sensitive() {
    let secret = Secret::new("svc:p4ss");
    let basic = UpstreamCredential::new(AUTHORIZATION, Scheme::Basic, &secret).unwrap();
    let mut h = with_auth(&["Bearer idp-token"]);
    basic.apply(&mut h);
    assert_eq!(h.get_all(AUTHORIZATION).iter().count(), 1);
    assert_eq!(h[AUTHORIZATION], "Basic c3ZjOnA0c3M=");
    assert!(h[AUTHORIZATION].is_sensitive());

    let bearer =
        UpstreamCredential::new(AUTHORIZATION, Scheme::Bearer, &Secret::new("k3y")).unwrap();
    let mut h = with_auth(&["Bearer idp-token"]);
    bearer.apply(&mut h);
    assert_eq!(h[AUTHORIZATION], "Bearer k3y");

    // Another header: the client's Authorization is removed all the same.
    let api_key = HeaderName::from_static("x-api-key");
    let raw = UpstreamCredential::new(api_key.clone(), Scheme::None, &Secret::new("k3y")).unwrap();
    let mut h = with_auth(&["Bearer idp-token", "Basic eDp5"]);
    raw.apply(&mut h);
    assert!(h.get(AUTHORIZATION).is_none());
    assert_eq!(h[&api_key], "k3y");
    assert!(h[&api_key].is_sensitive());
    assert_eq!(raw.header(), &api_key);
}

#[test]
fn credentials_that_cannot_be_sent_are_refused() {
    assert_eq!(
        UpstreamCredential::new(AUTHORIZATION, Scheme::Basic, &Secret::new("no-colon"))
            .unwrap_err(),
        CredentialError::NotAPair
    );
    assert_eq!(
        UpstreamCredential::new(AUTHORIZATION, Scheme::Bearer, &Secret::new("a\nb")).unwrap_err(),
        CredentialError::NotAHeaderValue
    );
}

#[test]
fn generated_tokens_are_43_url_safe_characters_and_differ() {
    let a = generate_token().unwrap();
    let b = generate_token().unwrap();
    assert_eq!(a.expose().len(), 43);
    assert!(
        a.expose()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_ne!(a, b);
}
