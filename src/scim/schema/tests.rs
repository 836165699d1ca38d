//! Tests of the schema module: definitions, lookups, validation decisions,
//! normalisation, projection and representations.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::scim::error::ScimType;
use crate::scim::filter::{AttrInfo, AttrPath};
use crate::scim::urn;

const ENT: &str = urn::ENTERPRISE_USER;

/// Builds an `AttrPath` the way the path grammar splits it: a leading
/// `urn:…` up to the last colon, then `name[.sub]`.
fn p(text: &str) -> AttrPath {
    let (urn, rest) = if text.to_ascii_lowercase().starts_with("urn:") {
        let (u, r) = text.rsplit_once(':').unwrap();
        (Some(u.to_owned()), r)
    } else {
        (None, text)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n.to_owned(), Some(s.to_owned())),
        None => (rest.to_owned(), None),
    };
    AttrPath { urn, name, sub }
}

fn user() -> ResourceType {
    ResourceType::user()
}

fn group() -> ResourceType {
    ResourceType::group()
}

fn lookup<'a>(rt: &'a ResourceType, path: &str) -> Option<(&'a Schema, &'a Attribute)> {
    rt.attribute(&p(path))
}

fn attr<'a>(rt: &'a ResourceType, path: &str) -> &'a Attribute {
    lookup(rt, path)
        .unwrap_or_else(|| panic!("{path} should resolve"))
        .1
}

fn min_user() -> Value {
    json!({"schemas": [urn::USER], "userName": "bjensen"})
}

/// Asserts a rejection with its status, scimType and a detail fragment.
#[track_caller]
fn rejects(rt: &ResourceType, body: Value, scim_type: ScimType, detail: &str) {
    for mode in [Validation::Create, Validation::Replace] {
        let err = rt
            .validate(&body, mode)
            .expect_err(&format!("{mode:?} should reject {body}"));
        assert_eq!(err.status, 400, "{err:?}");
        assert_eq!(err.scim_type, Some(scim_type), "{err:?}");
        assert!(
            err.detail.contains(detail),
            "detail {:?} should contain {detail:?}",
            err.detail
        );
    }
}

#[track_caller]
fn accepts(rt: &ResourceType, body: Value) {
    for mode in [Validation::Create, Validation::Replace] {
        if let Err(e) = rt.validate(&body, mode) {
            panic!("{mode:?} should accept {body}: {e:?}");
        }
    }
}

/// A user body with `key: value` added.
fn user_with(key: &str, value: Value) -> Value {
    let mut body = min_user();
    body[key] = value;
    body
}

/// A user body listing the enterprise extension and carrying `ext`.
fn enterprise_user(ext: Value) -> Value {
    json!({"schemas": [urn::USER, ENT], "userName": "bjensen", ENT: ext})
}

/// A resource type with typed attributes the core schemas lack, and a
/// required extension.
fn custom() -> ResourceType {
    let schema = Schema::from_json(&json!({
        "id": "urn:example:schemas:Device",
        "name": "Device",
        "attributes": [
            {"name": "serial", "type": "string", "required": true, "caseExact": true},
            {"name": "count", "type": "integer"},
            {"name": "weight", "type": "decimal"},
            {"name": "seen", "type": "dateTime"},
            {"name": "enabled", "type": "boolean"},
            {"name": "secret", "type": "string", "returned": "request"},
            {"name": "tags", "type": "string", "multiValued": true},
            {"name": "ports", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "number", "type": "integer", "required": true},
                {"name": "open", "type": "boolean"},
                {"name": "label", "type": "string", "returned": "request"}
            ]}
        ]
    }))
    .unwrap();
    let ext = Schema::from_json(&json!({
        "id": "urn:example:schemas:extension:Site",
        "name": "Site",
        "attributes": [
            {"name": "building", "type": "string", "required": true},
            {"name": "floor", "type": "integer"}
        ]
    }))
    .unwrap();
    ResourceType {
        name: "Device".into(),
        endpoint: "/Devices".into(),
        schema: Arc::new(schema),
        extensions: vec![(Arc::new(ext), true)],
    }
}

fn device(extra: Value) -> Value {
    let mut body = json!({
        "schemas": ["urn:example:schemas:Device", "urn:example:schemas:extension:Site"],
        "serial": "SN-1",
        "urn:example:schemas:extension:Site": {"building": "B1"}
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

// ---------------------------------------------------------------------------
// Definitions

#[test]
fn resource_types_share_their_schemas() {
    let (a, b) = (user(), user());
    assert!(Arc::ptr_eq(&a.schema, &b.schema));
    assert!(Arc::ptr_eq(&a.extensions[0].0, &b.extensions[0].0));
    assert_eq!(a.name, "User");
    assert_eq!(a.endpoint, "/Users");
    assert_eq!(a.schema.id, urn::USER);
    assert_eq!(a.extensions.len(), 1);
    assert_eq!(a.extensions[0].0.id, ENT);
    assert!(!a.extensions[0].1, "the enterprise extension is optional");
    let g = group();
    assert_eq!((g.name.as_str(), g.endpoint.as_str()), ("Group", "/Groups"));
    assert_eq!(g.schema.id, urn::GROUP);
    assert!(g.extensions.is_empty());
}

#[test]
fn user_schema_lists_every_rfc_attribute_in_order() {
    let u = user();
    let names: Vec<&str> = u
        .schema
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates"
        ]
    );
    let subs = |name: &str| -> Vec<String> {
        attr(&user(), name)
            .sub_attributes
            .iter()
            .map(|a| a.name.clone())
            .collect()
    };
    assert_eq!(
        subs("name"),
        [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix"
        ]
    );
    for plural in [
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        assert_eq!(
            subs(plural),
            ["value", "display", "type", "primary"],
            "{plural}"
        );
    }
    assert_eq!(
        subs("addresses"),
        [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary"
        ]
    );
    assert_eq!(subs("groups"), ["value", "$ref", "display", "type"]);
}

#[test]
fn user_characteristics_follow_rfc_7643() {
    let u = user();
    let user_name = attr(&u, "userName");
    assert_eq!(user_name.ty, AttrType::String);
    assert!(user_name.required && !user_name.case_exact && !user_name.multi_valued);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    assert_eq!(user_name.mutability, Mutability::ReadWrite);
    assert_eq!(user_name.returned, Returned::Default);

    let password = attr(&u, "password");
    assert_eq!(password.mutability, Mutability::WriteOnly);
    assert_eq!(password.returned, Returned::Never);

    assert_eq!(attr(&u, "active").ty, AttrType::Boolean);
    let profile = attr(&u, "profileUrl");
    assert_eq!(profile.ty, AttrType::Reference);
    assert_eq!(profile.reference_types, ["external"]);
    assert!(profile.case_exact);

    let emails = attr(&u, "emails");
    assert!(emails.multi_valued);
    assert_eq!(emails.ty, AttrType::Complex);
    assert_eq!(
        attr(&u, "emails.type").canonical_values,
        ["work", "home", "other"]
    );
    assert_eq!(attr(&u, "emails.primary").ty, AttrType::Boolean);
    assert_eq!(
        attr(&u, "phoneNumbers.type").canonical_values,
        ["work", "home", "mobile", "fax", "pager", "other"]
    );
    assert_eq!(
        attr(&u, "ims.type").canonical_values,
        ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
    );
    assert_eq!(attr(&u, "photos.value").ty, AttrType::Reference);
    assert_eq!(
        attr(&u, "photos.type").canonical_values,
        ["photo", "thumbnail"]
    );
    assert_eq!(attr(&u, "x509Certificates.value").ty, AttrType::Binary);
    assert!(attr(&u, "roles.type").canonical_values.is_empty());

    let groups = attr(&u, "groups");
    assert_eq!(groups.mutability, Mutability::ReadOnly);
    assert!(
        groups
            .sub_attributes
            .iter()
            .all(|s| s.mutability == Mutability::ReadOnly)
    );
    assert_eq!(attr(&u, "groups.$ref").reference_types, ["Group"]);
    assert_eq!(
        attr(&u, "groups.type").canonical_values,
        ["direct", "indirect"]
    );
}

#[test]
fn common_attributes_follow_rfc_7643_section_3_1() {
    let u = user();
    let id = attr(&u, "id");
    assert!(id.case_exact);
    assert_eq!(id.mutability, Mutability::ReadOnly);
    assert_eq!(id.returned, Returned::Always);
    let external = attr(&u, "externalId");
    assert!(external.case_exact);
    assert_eq!(external.mutability, Mutability::ReadWrite);
    let meta = attr(&u, "meta");
    assert_eq!(meta.ty, AttrType::Complex);
    assert_eq!(meta.mutability, Mutability::ReadOnly);
    let subs: Vec<&str> = meta
        .sub_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        subs,
        [
            "resourceType",
            "created",
            "lastModified",
            "location",
            "version"
        ]
    );
    assert_eq!(attr(&u, "meta.created").ty, AttrType::DateTime);
    assert_eq!(attr(&u, "meta.lastModified").ty, AttrType::DateTime);
    assert_eq!(attr(&u, "meta.location").ty, AttrType::Reference);
    // Common attributes are not part of any schema representation.
    assert!(u.schema.attribute("id").is_none());
}

#[test]
fn group_and_enterprise_characteristics() {
    let g = group();
    let display_name = attr(&g, "displayName");
    assert!(display_name.required, "RFC 7643 §4.2 / erratum 5368");
    assert_eq!(display_name.uniqueness, Uniqueness::None);
    let members = attr(&g, "members");
    assert!(members.multi_valued);
    let subs: Vec<&str> = members
        .sub_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(subs, ["value", "$ref", "type", "display"]);
    assert_eq!(attr(&g, "members.value").mutability, Mutability::Immutable);
    assert!(attr(&g, "members.value").case_exact);
    assert_eq!(attr(&g, "members.$ref").reference_types, ["User", "Group"]);
    assert_eq!(attr(&g, "members.type").canonical_values, ["User", "Group"]);
    assert_eq!(
        attr(&g, "members.display").mutability,
        Mutability::ReadWrite
    );

    let u = user();
    let ext = u.extension(ENT).unwrap();
    let names: Vec<&str> = ext.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    assert!(attr(&u, "manager.value").case_exact, "erratum 8472");
    assert_eq!(attr(&u, "manager.$ref").reference_types, ["User"]);
    assert_eq!(
        attr(&u, "manager.displayName").mutability,
        Mutability::ReadOnly
    );
}

// ---------------------------------------------------------------------------
// Lookups

#[test]
fn lookup_is_case_insensitive_with_or_without_urn() {
    let u = user();
    for path in [
        "userName",
        "USERNAME",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username",
    ] {
        let (schema, a) = lookup(&u, path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(schema.id, urn::USER, "{path}");
        assert_eq!(a.name, "userName", "{path}");
    }
    let (schema, a) = lookup(&u, "Name.GivenName").unwrap();
    assert_eq!(
        (schema.id.as_str(), a.name.as_str()),
        (urn::USER, "givenName")
    );
    let (_, a) = lookup(
        &u,
        "urn:ietf:params:scim:schemas:core:2.0:User:emails.VALUE",
    )
    .unwrap();
    assert_eq!(a.name, "value");
}

#[test]
fn lookup_finds_extension_attributes() {
    let u = user();
    for path in [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department",
        "department",
    ] {
        let (schema, a) = lookup(&u, path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(
            (schema.id.as_str(), a.name.as_str()),
            (ENT, "department"),
            "{path}"
        );
    }
    let (schema, a) = lookup(&u, &format!("{ENT}:manager.value")).unwrap();
    assert_eq!((schema.id.as_str(), a.name.as_str()), (ENT, "value"));
    // An extension attribute is not in the core schema's namespace.
    assert!(lookup(&u, "urn:ietf:params:scim:schemas:core:2.0:User:department").is_none());
    // A core attribute is not in the extension's namespace.
    assert!(lookup(&u, &format!("{ENT}:userName")).is_none());
}

#[test]
fn lookup_resolves_common_attributes() {
    let u = user();
    for path in [
        "id",
        "ID",
        "externalId",
        "meta",
        "meta.version",
        "urn:ietf:params:scim:schemas:core:2.0:User:id",
    ] {
        let (schema, _) = lookup(&u, path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(schema.id, urn::USER, "{path}");
    }
    let g = group();
    assert_eq!(
        lookup(&g, "meta.lastModified").unwrap().1.ty,
        AttrType::DateTime
    );
    assert!(lookup(&g, "urn:ietf:params:scim:schemas:core:2.0:Group:externalId").is_some());
}

#[test]
fn lookup_misses() {
    let u = user();
    for path in [
        "fooBar",
        "name.nickname",
        "userName.value",
        "urn:example:unknown:attr",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "members",
    ] {
        assert!(lookup(&u, path).is_none(), "{path} should not resolve");
    }
    assert!(lookup(&group(), "userName").is_none());
}

#[test]
fn schema_and_extension_by_urn_or_path() {
    let u = user();
    assert_eq!(
        u.schema_for_urn(&urn::USER.to_uppercase()).unwrap().id,
        urn::USER
    );
    assert_eq!(u.schema_for_urn(ENT).unwrap().id, ENT);
    assert!(u.schema_for_urn(urn::GROUP).is_none());
    assert!(u.extension(urn::USER).is_none());
    // The path grammar splits a bare extension URN at its last colon.
    let whole = p(ENT);
    assert_eq!(
        whole.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
    );
    assert_eq!(u.extension_by_path(&whole).unwrap().id, ENT);
    assert_eq!(
        u.extension_by_path(&p(
            "URN:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user"
        ))
        .unwrap()
        .id,
        ENT
    );
    for not_whole in [
        format!("{ENT}:department"),
        "userName".into(),
        urn::USER.into(),
    ] {
        assert!(u.extension_by_path(&p(&not_whole)).is_none(), "{not_whole}");
    }
    let with_sub = AttrPath {
        sub: Some("x".into()),
        ..p(ENT)
    };
    assert!(u.extension_by_path(&with_sub).is_none());
}

#[test]
fn attr_info_reads_case_exact_and_date_time() {
    let u = user();
    let g = group();
    assert!(!u.case_exact(None, &p("userName")));
    assert!(!u.case_exact(None, &p("USERNAME")));
    assert!(u.case_exact(None, &p("id")));
    assert!(u.case_exact(None, &p("externalId")));
    assert!(u.case_exact(None, &p("profileUrl")));
    assert!(u.case_exact(None, &p(&format!("{ENT}:manager.value"))));
    assert!(!u.case_exact(None, &p("emails.value")));
    assert!(!u.case_exact(None, &p("noSuchAttr")));
    // Value-path inner filter: `members[value eq "x"]`, `emails[type eq "work"]`.
    assert!(g.case_exact(Some(&p("members")), &p("value")));
    assert!(!g.case_exact(Some(&p("members")), &p("display")));
    assert!(!u.case_exact(Some(&p("emails")), &p("type")));
    assert!(!u.case_exact(Some(&p("emails")), &p("nope")));
    assert!(!u.case_exact(Some(&p("nope")), &p("value")));

    assert!(u.is_date_time(None, &p("meta.lastModified")));
    assert!(u.is_date_time(None, &p("META.CREATED")));
    assert!(u.is_date_time(Some(&p("meta")), &p("created")));
    assert!(!u.is_date_time(None, &p("meta.version")));
    assert!(!u.is_date_time(None, &p("userName")));
    assert!(!u.is_date_time(None, &p("unknown")));
    assert!(custom().is_date_time(None, &p("seen")));
}

// ---------------------------------------------------------------------------
// Validation: accepted bodies

#[test]
fn accepts_minimal_and_full_users() {
    let u = user();
    accepts(&u, min_user());
    accepts(
        &u,
        json!({
            "schemas": [urn::USER, ENT],
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
                     "givenName": "Barbara", "middleName": "Jane",
                     "honorificPrefix": "Ms.", "honorificSuffix": "III"},
            "displayName": "Babs Jensen",
            "nickName": "Babs",
            "profileUrl": "https://login.example.com/bjensen",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                           "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                           "country": "USA", "formatted": "100 Universal City Plaza", "primary": true}],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
            "userType": "Employee",
            "title": "Tour Guide",
            "preferredLanguage": "en-US",
            "locale": "en-US",
            "timezone": "America/Los_Angeles",
            "active": true,
            "password": "t1meMa$heen",
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
            "entitlements": [{"value": "e1"}],
            "roles": [{"value": "r1", "primary": false}],
            ENT: {"employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
                  "division": "Theme Park", "department": "Tour Operations",
                  "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                              "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"}}
        }),
    );
}

#[test]
fn accepts_attribute_names_and_urns_in_any_case() {
    let u = user();
    accepts(
        &u,
        json!({"Schemas": [urn::USER.to_uppercase(), ENT.to_lowercase()], "UserName": "x",
               "NAME": {"GivenName": "B"}, "Emails": [{"Value": "a@b.c", "PRIMARY": true}],
               "URN:IETF:params:scim:schemas:extension:enterprise:2.0:USER": {"Department": "Eng"}}),
    );
}

#[test]
fn accepts_unassigned_values() {
    let u = user();
    for (key, value) in [
        ("active", Value::Null),
        ("emails", json!([])),
        ("emails", Value::Null),
        ("name", json!({})),
        ("name", Value::Null),
        ("emails", json!([{}])),
        (ENT, Value::Null),
    ] {
        accepts(&u, user_with(key, value));
    }
    // Extension listed but absent.
    accepts(&u, json!({"schemas": [urn::USER, ENT], "userName": "x"}));
    accepts(&u, enterprise_user(json!({})));
}

#[test]
fn ignores_read_only_attributes_even_when_malformed() {
    let u = user();
    accepts(
        &u,
        json!({"schemas": [urn::USER], "userName": "x", "id": 42,
               "meta": {"created": "not a date", "extra": 1},
               "groups": "not an array"}),
    );
    accepts(
        &u,
        enterprise_user(json!({"manager": {"value": "m1", "displayName": 7}})),
    );
    accepts(
        &u,
        user_with(
            "groups",
            json!([{"value": "g1", "display": "Admins", "type": "direct"}]),
        ),
    );
}

#[test]
fn accepts_values_outside_canonical_values_and_write_only_password() {
    let u = user();
    accepts(
        &u,
        user_with("emails", json!([{"value": "a@b.c", "type": "banana"}])),
    );
    accepts(&u, user_with("password", json!("s3cret")));
    accepts(
        &group(),
        json!({"schemas": [urn::GROUP], "displayName": "G",
               "members": [{"value": "abc", "type": "Robot", "display": "X",
                            "$ref": "https://example.com/v2/Users/abc"}]}),
    );
}

#[test]
fn accepts_typed_values_of_a_custom_schema() {
    let d = custom();
    accepts(&d, device(json!({})));
    accepts(
        &d,
        device(
            json!({"count": 3, "weight": 2.5, "seen": "2015-09-21T13:02:00Z", "enabled": false,
                      "tags": ["a", "b"], "ports": [{"number": 22, "open": true}]}),
        ),
    );
    accepts(&d, device(json!({"weight": 5, "count": -1})));
    for seen in [
        "2015-09-21T13:02:00",
        "2015-09-21T13:02:00.123456Z",
        "2016-02-29T23:59:59+14:00",
        "2000-02-29T00:00:00-05:30",
    ] {
        accepts(&d, device(json!({"seen": seen})));
    }
}

// ---------------------------------------------------------------------------
// Validation: rejected bodies

#[test]
fn rejects_a_body_that_is_not_an_object() {
    for body in [json!([1, 2]), json!("str"), Value::Null, json!(5)] {
        rejects(
            &user(),
            body,
            ScimType::InvalidSyntax,
            "must be a JSON object",
        );
    }
}

#[test]
fn rejects_missing_or_malformed_schemas() {
    let u = user();
    rejects(
        &u,
        json!({"userName": "x"}),
        ScimType::InvalidValue,
        "'schemas' is required",
    );
    rejects(
        &u,
        json!({"schemas": null, "userName": "x"}),
        ScimType::InvalidValue,
        "'schemas' is required",
    );
    rejects(
        &u,
        json!({"schemas": urn::USER, "userName": "x"}),
        ScimType::InvalidValue,
        "must be an array",
    );
    rejects(
        &u,
        json!({"schemas": [1], "userName": "x"}),
        ScimType::InvalidValue,
        "'schemas[0]'",
    );
    rejects(
        &u,
        json!({"schemas": [urn::USER, urn::USER.to_lowercase()], "userName": "x"}),
        ScimType::InvalidValue,
        "more than once",
    );
}

#[test]
fn rejects_unknown_or_missing_schema_urns() {
    let u = user();
    rejects(
        &u,
        json!({"schemas": [urn::USER, "urn:foo:bar"], "userName": "x"}),
        ScimType::InvalidSyntax,
        "'urn:foo:bar'",
    );
    rejects(
        &u,
        json!({"schemas": [urn::USER, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User"], "userName": "x"}),
        ScimType::InvalidSyntax,
        "not a schema of resource type User",
    );
    rejects(
        &u,
        json!({"schemas": [ENT], "userName": "x"}),
        ScimType::InvalidSyntax,
        "core schema",
    );
    rejects(
        &u,
        json!({"schemas": [], "userName": "x"}),
        ScimType::InvalidSyntax,
        "core schema",
    );
    rejects(
        &group(),
        json!({"schemas": [urn::USER], "displayName": "x"}),
        ScimType::InvalidSyntax,
        "'urn:ietf:params:scim:schemas:core:2.0:User'",
    );
}

#[test]
fn rejects_extension_problems() {
    let u = user();
    rejects(
        &u,
        user_with(ENT, json!({"department": "Eng"})),
        ScimType::InvalidSyntax,
        "not listed in 'schemas'",
    );
    rejects(
        &u,
        enterprise_user(json!("Eng")),
        ScimType::InvalidValue,
        "must be a JSON object",
    );
    rejects(
        &u,
        enterprise_user(json!({"foo": "x"})),
        ScimType::InvalidSyntax,
        &format!("'{ENT}:foo'"),
    );
    rejects(
        &u,
        enterprise_user(json!({"manager": "abc"})),
        ScimType::InvalidValue,
        &format!("'{ENT}:manager' is complex"),
    );
    rejects(
        &u,
        json!({"schemas": [urn::USER, ENT], "userName": "x", format!("{ENT}:department"): "Eng"}),
        ScimType::InvalidSyntax,
        "belong inside its extension object",
    );
    rejects(
        &u,
        json!({"schemas": [urn::USER], "userName": "x", urn::USER: {"displayName": "X"}}),
        ScimType::InvalidSyntax,
        "unknown attribute",
    );
}

#[test]
fn rejects_a_required_extension_that_is_absent() {
    let d = custom();
    rejects(
        &d,
        json!({"schemas": ["urn:example:schemas:Device"], "serial": "S"}),
        ScimType::InvalidValue,
        "is required for resource type Device",
    );
    rejects(
        &d,
        json!({"schemas": ["urn:example:schemas:Device", "urn:example:schemas:extension:Site"], "serial": "S"}),
        ScimType::InvalidValue,
        "'urn:example:schemas:extension:Site:building'",
    );
}

#[test]
fn rejects_unknown_attributes_and_sub_attributes() {
    let u = user();
    rejects(
        &u,
        user_with("fooBar", json!(1)),
        ScimType::InvalidSyntax,
        "unknown attribute 'fooBar'",
    );
    rejects(
        &u,
        user_with("emails", json!([{"value": "a@b.c", "foo": 1}])),
        ScimType::InvalidSyntax,
        "'emails[0].foo'",
    );
    rejects(
        &u,
        user_with("name", json!({"foo": "Bob"})),
        ScimType::InvalidSyntax,
        "'name.foo'",
    );
    rejects(
        &group(),
        json!({"schemas": [urn::GROUP], "displayName": "G", "members": [{"value": "a", "primary": true}]}),
        ScimType::InvalidSyntax,
        "'members[0].primary'",
    );
}

#[test]
fn rejects_the_same_attribute_twice_in_different_case() {
    let u = user();
    rejects(
        &u,
        json!({"schemas": [urn::USER], "userName": "a", "UserName": "b"}),
        ScimType::InvalidSyntax,
        "appears twice",
    );
    rejects(
        &u,
        user_with("emails", json!([{"value": "a@b.c", "Value": "b@b.c"}])),
        ScimType::InvalidSyntax,
        "'emails[0].Value' appears twice",
    );
    rejects(
        &group(),
        json!({"schemas": [urn::GROUP], "displayName": "g", "members": [{"value": "a"}], "Members": []}),
        ScimType::InvalidSyntax,
        "appears twice",
    );
}

#[test]
fn rejects_string_booleans_and_other_type_mismatches() {
    let u = user();
    let cases = [
        ("active", json!("True"), "'active' must be a boolean"),
        ("active", json!("true"), "not the string \"true\""),
        ("active", json!(1), "'active' must be a boolean"),
        ("userName", json!(42), "'userName' must be a string"),
        ("userName", json!(["a"]), "single-valued"),
        ("displayName", json!(true), "'displayName' must be a string"),
        ("externalId", json!(5), "'externalId' must be a string"),
        ("password", json!(5), "'password' must be a string"),
        (
            "name",
            json!("Bob"),
            "'name' is complex and must be a JSON object",
        ),
        ("name", json!([{"givenName": "Bob"}]), "'name' is complex"),
        (
            "name",
            json!({"givenName": 5}),
            "'name.givenName' must be a string",
        ),
        (
            "emails",
            json!({"value": "a@b.c"}),
            "'emails' is multi-valued and must be a JSON array",
        ),
        ("emails", json!(["a@b.c"]), "'emails[0]' is complex"),
        ("emails", json!([null]), "'emails[0]' is null"),
        (
            "emails",
            json!([{"value": "a"}, {"primary": "True"}]),
            "'emails[1].primary' must be a boolean",
        ),
    ];
    for (key, value, detail) in cases {
        rejects(&u, user_with(key, value), ScimType::InvalidValue, detail);
    }
}

#[test]
fn rejects_more_than_one_primary() {
    rejects(
        &user(),
        user_with(
            "emails",
            json!([{"value": "a@b.c", "primary": true}, {"value": "b@b.c", "primary": true}]),
        ),
        ScimType::InvalidValue,
        "'emails' has 2 values marked primary",
    );
    accepts(
        &user(),
        user_with(
            "emails",
            json!([{"value": "a", "primary": true}, {"value": "b", "primary": false}]),
        ),
    );
}

#[test]
fn rejects_malformed_binary_and_references() {
    let u = user();
    rejects(
        &u,
        user_with("x509Certificates", json!([{"value": "not base64!!"}])),
        ScimType::InvalidValue,
        "'x509Certificates[0].value' must be a base64 string",
    );
    rejects(
        &u,
        user_with("x509Certificates", json!([{"value": "aGVsbG8"}])),
        ScimType::InvalidValue,
        "base64",
    );
    accepts(
        &u,
        user_with("x509Certificates", json!([{"value": "aGVsbG8="}])),
    );
    rejects(
        &u,
        user_with("profileUrl", json!("relative/path")),
        ScimType::InvalidValue,
        "absolute URI",
    );
    rejects(
        &u,
        user_with("profileUrl", json!("not a uri")),
        ScimType::InvalidValue,
        "'profileUrl'",
    );
    rejects(
        &u,
        user_with("profileUrl", json!(5)),
        ScimType::InvalidValue,
        "'profileUrl'",
    );
    rejects(
        &u,
        user_with("photos", json!([{"value": "x y"}])),
        ScimType::InvalidValue,
        "'photos[0].value'",
    );
    rejects(
        &group(),
        json!({"schemas": [urn::GROUP], "displayName": "G", "members": [{"value": "a", "$ref": "not a uri"}]}),
        ScimType::InvalidValue,
        "'members[0].$ref'",
    );
    // Resource references may be relative.
    accepts(
        &u,
        enterprise_user(json!({"manager": {"$ref": "../Users/x"}})),
    );
}

#[test]
fn rejects_numbers_and_date_times_of_the_wrong_shape() {
    let d = custom();
    for (key, value, detail) in [
        ("count", json!(1.5), "'count' must be an integer"),
        ("count", json!(1.0), "'count' must be an integer"),
        ("count", json!("42"), "'count' must be an integer"),
        ("weight", json!("2.5"), "'weight' must be a number"),
        ("enabled", json!("false"), "'enabled' must be a boolean"),
        ("tags", json!("a"), "'tags' is multi-valued"),
        ("tags", json!([1]), "'tags[0]' must be a string"),
        (
            "ports",
            json!([{"number": "22"}]),
            "'ports[0].number' must be an integer",
        ),
        (
            "ports",
            json!([{"open": true}]),
            "required attribute 'ports[0].number'",
        ),
    ] {
        rejects(
            &d,
            device(json!({key: value})),
            ScimType::InvalidValue,
            detail,
        );
    }
    for seen in [
        "2015-09-21",
        "2015-09-21 13:02:00Z",
        "2015-09-21t13:02:00z",
        "2015-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2015-13-01T00:00:00Z",
        "2015-04-31T00:00:00Z",
        "2015-09-21T24:00:00Z",
        "2015-09-21T13:60:00Z",
        "2015-09-21T13:02:60Z",
        "2015-09-21T13:02:00.Z",
        "2015-09-21T13:02:00+1:00",
        "2015-09-21T13:02:00+15:00",
        "2015-09-21T13:02:00+14:30",
        "2015-09-21T13:02:00ZZ",
        "0000-01-01T00:00:00Z",
        "15-09-21T13:02:00Z",
        "",
    ] {
        rejects(
            &d,
            device(json!({"seen": seen})),
            ScimType::InvalidValue,
            "xsd:dateTime",
        );
    }
    rejects(
        &d,
        device(json!({"seen": 1442840520})),
        ScimType::InvalidValue,
        "'seen'",
    );
}

#[test]
fn rejects_missing_required_attributes() {
    let u = user();
    for body in [
        json!({"schemas": [urn::USER]}),
        json!({"schemas": [urn::USER], "userName": null}),
        json!({"schemas": [urn::USER], "userName": ""}),
    ] {
        rejects(
            &u,
            body,
            ScimType::InvalidValue,
            "required attribute 'userName'",
        );
    }
    let g = group();
    rejects(
        &g,
        json!({"schemas": [urn::GROUP]}),
        ScimType::InvalidValue,
        "required attribute 'displayName'",
    );
    rejects(
        &g,
        json!({"schemas": [urn::GROUP], "members": [{"value": "a"}]}),
        ScimType::InvalidValue,
        "'displayName'",
    );
    accepts(
        &g,
        json!({"schemas": [urn::GROUP], "displayName": "Admins"}),
    );
}

// ---------------------------------------------------------------------------
// Coercion

#[test]
fn coerce_turns_string_booleans_into_booleans() {
    let u = user();
    let mut body = json!({
        "schemas": [urn::USER], "userName": "true",
        "active": "True",
        "emails": [{"value": "a", "primary": "FALSE"}, {"value": "b", "primary": "true"}],
        "roles": [{"value": "r", "primary": true}]
    });
    let changed = u.coerce(&mut body);
    assert_eq!(
        changed,
        ["/active", "/emails/0/primary", "/emails/1/primary"]
    );
    assert_eq!(body["active"], json!(true));
    assert_eq!(body["emails"][0]["primary"], json!(false));
    assert_eq!(body["emails"][1]["primary"], json!(true));
    assert_eq!(body["userName"], json!("true"), "strings stay strings");
    u.validate(&body, Validation::Create).unwrap();
}

#[test]
fn coerce_leaves_other_lax_values_alone() {
    let u = user();
    for lax in [
        json!("yes"),
        json!("1"),
        json!(1),
        json!(" true"),
        json!("t"),
        json!(null),
    ] {
        let mut body = user_with("active", lax.clone());
        assert!(u.coerce(&mut body).is_empty(), "{lax}");
        assert_eq!(body["active"], lax);
    }
}

#[test]
fn coerce_handles_integers_case_variants_and_extensions() {
    let d = custom();
    let mut body = json!({
        "schemas": ["urn:example:schemas:Device", "urn:example:schemas:extension:Site"],
        "serial": "S",
        "Count": "42",
        "weight": "2.5",
        "ENABLED": "False",
        "ports": [{"number": "-7", "open": "TRUE"}, {"number": "+8"}, {"number": "9.0"}],
        "URN:example:schemas:extension:Site": {"building": "B", "Floor": "3"}
    });
    let changed = d.coerce(&mut body);
    assert_eq!(
        changed,
        [
            "/Count",
            "/ENABLED",
            "/ports/0/number",
            "/ports/0/open",
            "/URN:example:schemas:extension:Site/Floor"
        ]
    );
    assert_eq!(body["Count"], json!(42));
    assert_eq!(body["weight"], json!("2.5"), "decimals are not coerced");
    assert_eq!(body["ports"][0], json!({"number": -7, "open": true}));
    assert_eq!(body["ports"][1]["number"], json!("+8"));
    assert_eq!(body["ports"][2]["number"], json!("9.0"));
    assert_eq!(
        body["URN:example:schemas:extension:Site"]["Floor"],
        json!(3)
    );
    let mut too_big = device(json!({"count": "99999999999999999999"}));
    assert!(d.coerce(&mut too_big).is_empty());
}

// ---------------------------------------------------------------------------
// Canonicalisation

#[test]
fn canonicalize_renames_keys_to_the_schema_spelling() {
    let u = user();
    let mut body = json!({
        "Schemas": [urn::USER.to_uppercase(), "URN:ietf:params:scim:schemas:extension:enterprise:2.0:user", urn::USER],
        "ID": "abc",
        "UserName": "bjensen",
        "NAME": {"GivenName": "Barbara", "FAMILYNAME": "Jensen"},
        "Emails": [{"Value": "a@b.c", "Primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:USER": {"Department": "Eng",
            "MANAGER": {"Value": "m1", "DisplayName": "Boss"}},
        "Meta": {"Created": "2020-01-01T00:00:00Z"},
        "fooBar": 1
    });
    u.canonicalize(&mut body);
    assert_eq!(
        body,
        json!({
            "schemas": [urn::USER, ENT],
            "id": "abc",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "a@b.c", "primary": true}],
            ENT: {"department": "Eng", "manager": {"value": "m1"}},
            "meta": {"created": "2020-01-01T00:00:00Z"},
            "fooBar": 1
        })
    );
    // Key order is kept.
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "schemas", "id", "userName", "name", "emails", ENT, "meta", "fooBar"
        ]
    );
    body.as_object_mut().unwrap().remove("fooBar");
    u.validate(&body, Validation::Create).unwrap();
}

#[test]
fn canonicalize_drops_read_only_input_but_keeps_id_and_meta() {
    let u = user();
    let mut body = json!({
        "schemas": [urn::USER], "userName": "x", "id": "1",
        "meta": {"version": "W/\"1\""},
        "Groups": [{"value": "g1"}]
    });
    u.canonicalize(&mut body);
    assert_eq!(
        body,
        json!({"schemas": [urn::USER], "userName": "x", "id": "1", "meta": {"version": "W/\"1\""}})
    );
}

#[test]
fn canonicalize_keeps_conflicting_keys_visible() {
    let u = user();
    let mut body = json!({"schemas": [urn::USER], "UserName": "a", "userName": "b"});
    u.canonicalize(&mut body);
    assert_eq!(
        body,
        json!({"schemas": [urn::USER], "UserName": "a", "userName": "b"})
    );
    rejects(&u, body, ScimType::InvalidSyntax, "appears twice");
    let mut not_object = json!([1]);
    u.canonicalize(&mut not_object);
    assert_eq!(not_object, json!([1]));
}

#[test]
fn complete_schemas_adds_missing_urns() {
    let u = user();
    let mut body = json!({"userName": "x", ENT: {"department": "Eng"}});
    assert!(u.complete_schemas(&mut body));
    assert_eq!(body["schemas"], json!([urn::USER, ENT]));
    u.validate(&body, Validation::Create).unwrap();

    let mut body = json!({"schemas": [ENT], "userName": "x", ENT: null});
    assert!(u.complete_schemas(&mut body));
    assert_eq!(body["schemas"], json!([urn::USER, ENT]));

    let mut body = json!({"Schemas": [urn::USER.to_uppercase()], "userName": "x"});
    assert!(!u.complete_schemas(&mut body));
    assert_eq!(
        body,
        json!({"Schemas": [urn::USER.to_uppercase()], "userName": "x"})
    );

    let mut body = json!({"schemas": "bad"});
    assert!(!u.complete_schemas(&mut body));
}

// ---------------------------------------------------------------------------
// Projection

fn stored_user() -> Value {
    json!({
        "schemas": [urn::USER, ENT],
        "id": "2819c223",
        "externalId": "701984",
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "password": "secret",
        "emails": [{"value": "a@b.c", "type": "work"}, {"type": "home"}],
        ENT: {"department": "Eng", "manager": {"value": "m1", "displayName": "Boss"}},
        "meta": {"resourceType": "User", "version": "W/\"1\""},
        "custom": 1
    })
}

fn paths(list: &[&str]) -> Vec<AttrPath> {
    list.iter().map(|s| p(s)).collect()
}

#[test]
fn project_by_default_returns_everything_but_password() {
    let u = user();
    let mut expected = stored_user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(u.project(&stored_user(), None, None), expected);
    assert_eq!(u.project(&stored_user(), Some(&[]), Some(&[])), expected);
}

#[test]
fn project_never_returns_password_even_when_asked() {
    let u = user();
    let out = u.project(
        &stored_user(),
        Some(&paths(&["password", "userName"])),
        None,
    );
    assert_eq!(
        out,
        json!({"schemas": [urn::USER, ENT], "id": "2819c223", "userName": "bjensen"})
    );
}

#[test]
fn project_with_attributes_keeps_listed_and_always_returned() {
    let u = user();
    let out = u.project(
        &stored_user(),
        Some(&paths(&["name.givenName", "EMAILS.value", "meta"])),
        None,
    );
    assert_eq!(
        out,
        json!({
            "schemas": [urn::USER, ENT],
            "id": "2819c223",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "a@b.c"}],
            "meta": {"resourceType": "User", "version": "W/\"1\""}
        })
    );
    let out = u.project(
        &stored_user(),
        Some(&paths(&["custom", "emails.display"])),
        None,
    );
    assert_eq!(
        out,
        json!({"schemas": [urn::USER, ENT], "id": "2819c223", "custom": 1})
    );
}

#[test]
fn project_with_extension_paths() {
    let u = user();
    let out = u.project(&stored_user(), Some(&paths(&[ENT])), None);
    assert_eq!(
        out,
        json!({"schemas": [urn::USER, ENT], "id": "2819c223",
               ENT: {"department": "Eng", "manager": {"value": "m1", "displayName": "Boss"}}})
    );
    let out = u.project(
        &stored_user(),
        Some(&paths(&[&format!("{ENT}:manager.value"), "department"])),
        None,
    );
    assert_eq!(
        out,
        json!({"schemas": [urn::USER, ENT], "id": "2819c223",
               ENT: {"department": "Eng", "manager": {"value": "m1"}}})
    );
    let out = u.project(
        &stored_user(),
        None,
        Some(&paths(&[ENT, "name", "emails.type", "meta.version"])),
    );
    assert_eq!(
        out,
        json!({"schemas": [urn::USER, ENT], "id": "2819c223", "externalId": "701984",
               "userName": "bjensen", "emails": [{"value": "a@b.c"}],
               "meta": {"resourceType": "User"}, "custom": 1})
    );
}

#[test]
fn project_cannot_exclude_always_returned_attributes() {
    let u = user();
    let out = u.project(
        &stored_user(),
        None,
        Some(&paths(&[
            "id",
            "schemas",
            "userName",
            "externalId",
            "emails",
            ENT,
            "meta",
            "name",
            "custom",
        ])),
    );
    assert_eq!(out, json!({"schemas": [urn::USER, ENT], "id": "2819c223"}));
}

#[test]
fn project_returns_request_attributes_only_when_asked() {
    let d = custom();
    let stored =
        device(json!({"id": "d1", "secret": "s", "ports": [{"number": 22, "label": "ssh"}]}));
    let out = d.project(&stored, None, None);
    assert!(out.get("secret").is_none());
    assert_eq!(out["ports"], json!([{"number": 22}]));
    assert_eq!(out["serial"], json!("SN-1"));
    let out = d.project(&stored, Some(&paths(&["secret", "ports"])), None);
    assert_eq!(
        out,
        json!({"schemas": ["urn:example:schemas:Device", "urn:example:schemas:extension:Site"],
               "id": "d1", "secret": "s", "ports": [{"number": 22, "label": "ssh"}]})
    );
    let out = d.project(&stored, Some(&paths(&["ports.label"])), None);
    assert_eq!(out["ports"], json!([{"label": "ssh"}]));
}

#[test]
fn project_leaves_non_objects_alone() {
    assert_eq!(user().project(&json!([1]), None, None), json!([1]));
}

// ---------------------------------------------------------------------------
// Representations

#[test]
fn schema_representation_has_the_rfc_shape() {
    let v = user().schema.to_json();
    assert_eq!(v["schemas"], json!([SCHEMA_URN]));
    assert_eq!(v["id"], json!(urn::USER));
    assert_eq!(v["name"], json!("User"));
    assert_eq!(v["description"], json!("User Account"));
    assert_eq!(
        v["meta"],
        json!({"resourceType": "Schema", "location": format!("/Schemas/{}", urn::USER)})
    );
    let user_name = &v["attributes"][0];
    assert_eq!(
        user_name,
        &json!({"name": "userName", "type": "string", "multiValued": false,
                "description": user_name["description"], "required": true, "caseExact": false,
                "mutability": "readWrite", "returned": "default", "uniqueness": "server"})
    );
    let emails = v["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "emails")
        .unwrap();
    assert_eq!(emails["type"], json!("complex"));
    assert_eq!(emails["multiValued"], json!(true));
    assert!(emails.get("caseExact").is_none() && emails.get("uniqueness").is_none());
    assert_eq!(
        emails["subAttributes"][2]["canonicalValues"],
        json!(["work", "home", "other"])
    );
    let profile = v["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "profileUrl")
        .unwrap();
    assert_eq!(profile["referenceTypes"], json!(["external"]));
    let password = v["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "password")
        .unwrap();
    assert_eq!(
        (&password["mutability"], &password["returned"]),
        (&json!("writeOnly"), &json!("never"))
    );
}

#[test]
fn schema_representations_round_trip() {
    let u = user();
    for schema in [
        &*u.schema,
        &*u.extensions[0].0,
        &*group().schema,
        &*custom().schema,
    ] {
        let first = schema.to_json();
        let back = Schema::from_json(&first).unwrap();
        assert_eq!(back.to_json(), first, "{}", schema.id);
        assert_eq!(back.attributes.len(), schema.attributes.len());
    }
}

#[test]
fn schema_from_json_applies_defaults_and_reports_errors() {
    let s = Schema::from_json(&json!({"id": "urn:x", "attributes": [{"name": "a"}]})).unwrap();
    let a = &s.attributes[0];
    assert_eq!(a.ty, AttrType::String);
    assert!(!a.multi_valued && !a.required && !a.case_exact);
    assert_eq!(
        (a.mutability, a.returned, a.uniqueness),
        (Mutability::ReadWrite, Returned::Default, Uniqueness::None)
    );
    let err = |v: Value| Schema::from_json(&v).unwrap_err();
    assert_eq!(
        err(json!([])),
        "a schema representation must be a JSON object"
    );
    assert!(err(json!({"attributes": []})).starts_with("id:"));
    assert_eq!(err(json!({"id": "urn:x"})), "attributes: missing");
    assert_eq!(
        err(json!({"id": "urn:x", "attributes": [{"name": "a"}, {"name": "b", "type": "float"}]})),
        "attributes[1].type: unknown value \"float\""
    );
    assert_eq!(
        err(json!({"id": "urn:x", "attributes": [{"name": "a", "multiValued": "yes"}]})),
        "attributes[0].multiValued: expected true or false, found \"yes\""
    );
    assert_eq!(
        err(json!({"id": "urn:x", "attributes": [{"type": "string"}]})),
        "attributes[0].name: missing"
    );
    assert!(
        err(
            json!({"id": "urn:x", "attributes": [{"name": "c", "type": "complex",
            "subAttributes": [{"name": "d", "type": "complex"}]}]})
        )
        .starts_with("attributes[0].subAttributes[0].type: a sub-attribute cannot be complex")
    );
    assert!(
        err(
            json!({"id": "urn:x", "attributes": [{"name": "s", "subAttributes": [{"name": "d"}]}]})
        )
        .contains("only a complex attribute has sub-attributes")
    );
}

#[test]
fn resource_type_representations() {
    let v = user().to_json();
    assert_eq!(
        v,
        json!({
            "schemas": [RESOURCE_TYPE_URN],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": urn::USER,
            "schemaExtensions": [{"schema": ENT, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": "/ResourceTypes/User"}
        })
    );
    let g = group().to_json();
    assert!(g.get("schemaExtensions").is_none());
    assert_eq!(g["endpoint"], json!("/Groups"));

    let u = user();
    let schemas = vec![Arc::clone(&u.schema), Arc::clone(&u.extensions[0].0)];
    let back = ResourceType::from_json(&v, &schemas).unwrap();
    assert_eq!(back.to_json(), v);
    assert!(Arc::ptr_eq(&back.schema, &u.schema));
    assert_eq!(
        ResourceType::from_json(&v, &schemas[..1]).unwrap_err(),
        format!("schemaExtensions[0].schema: unknown schema \"{ENT}\"")
    );
}

#[test]
fn keywords_round_trip() {
    for t in [
        AttrType::String,
        AttrType::Boolean,
        AttrType::Decimal,
        AttrType::Integer,
        AttrType::DateTime,
        AttrType::Binary,
        AttrType::Reference,
        AttrType::Complex,
    ] {
        assert_eq!(AttrType::parse(t.as_str()), Some(t));
        assert_eq!(AttrType::parse(&t.as_str().to_uppercase()), Some(t));
    }
    assert_eq!(Mutability::parse("readonly"), Some(Mutability::ReadOnly));
    assert_eq!(Returned::parse("Request"), Some(Returned::Request));
    assert_eq!(Uniqueness::parse("GLOBAL"), Some(Uniqueness::Global));
    assert_eq!(Uniqueness::parse("unique"), None);
}

// ---------------------------------------------------------------------------
// Properties

/// Flips the case of letters chosen by `mask`.
fn recase(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn any_letter_case_validates_and_canonicalizes_back(mask in any::<u64>()) {
        let u = user();
        let canonical = json!({
            "schemas": [urn::USER, ENT],
            "userName": "x",
            "name": {"givenName": "B"},
            "emails": [{"value": "a@b.c", "primary": true}],
            ENT: {"department": "Eng"}
        });
        let mut body = json!({
            recase("schemas", mask): [recase(urn::USER, mask), recase(ENT, mask >> 7)],
            recase("userName", mask >> 1): "x",
            recase("name", mask >> 2): {recase("givenName", mask >> 3): "B"},
            recase("emails", mask >> 4): [{recase("value", mask >> 5): "a@b.c", recase("primary", mask >> 6): true}],
            recase(ENT, mask >> 8): {recase("department", mask >> 9): "Eng"}
        });
        prop_assert!(u.validate(&body, Validation::Create).is_ok());
        u.canonicalize(&mut body);
        prop_assert_eq!(&body, &canonical);
        let again = body.clone();
        u.canonicalize(&mut body);
        prop_assert_eq!(body, again);
    }

    #[test]
    fn coerce_is_idempotent(b in any::<bool>(), upper in any::<u64>()) {
        let u = user();
        let text = recase(if b { "true" } else { "false" }, upper);
        let mut body = user_with("active", json!(text));
        prop_assert_eq!(u.coerce(&mut body), vec!["/active".to_owned()]);
        prop_assert_eq!(&body["active"], &json!(b));
        prop_assert!(u.coerce(&mut body).is_empty());
    }
}
