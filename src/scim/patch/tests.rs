//! Unit tests: the PatchOp message (strict and lenient), then the applier on
//! a realistic User and Group: the RFC 7644 §3.5.2 examples, every rule of
//! the module documentation, and the IdP quirk shapes (ENTRA-xx).

use serde_json::{Value, json};

use super::*;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::schema::ResourceType;
use crate::scim::urn;

const USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";
const OTHER_ID: &str = "902c246b-6245-4190-8e05-00816be7344a";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn body(operations: Value) -> Value {
    json!({"schemas": [urn::PATCH_OP], "Operations": operations})
}

fn strict(body: &Value) -> Result<PatchRequest, ScimError> {
    PatchRequest::from_json(body, Strictness::Strict)
}

fn lenient(body: &Value) -> Result<PatchRequest, ScimError> {
    PatchRequest::from_json(body, Strictness::Lenient)
}

/// Status and scimType of an error.
fn kind(error: &ScimError) -> (u16, Option<ScimType>) {
    (error.status, error.scim_type)
}

fn user() -> Value {
    json!({
        "schemas": [urn::USER],
        "id": USER_ID,
        "externalId": "bjensen",
        "meta": {
            "resourceType": "User",
            "created": "2011-08-01T18:29:49.793Z",
            "lastModified": "2011-08-01T18:29:49.793Z",
            "location": format!("https://example.com/v2/Users/{USER_ID}"),
            "version": "W/\"f250dd84f0671c3\""
        },
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}]
    })
}

fn group() -> Value {
    json!({
        "schemas": [urn::GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {
                "value": USER_ID,
                "$ref": format!("https://example.com/v2/Users/{USER_ID}"),
                "display": "Babs Jensen"
            },
            {
                "value": OTHER_ID,
                "$ref": format!("https://example.com/v2/Users/{OTHER_ID}"),
                "display": "Mandy Pepperidge"
            }
        ],
        "meta": {"resourceType": "Group", "version": "W/\"3694e05e9dff592\""}
    })
}

/// Applies the operations (strictly parsed) to `resource`; on error checks
/// that the resource was left untouched.
fn patch(
    resource: &Value,
    rt: &ResourceType,
    operations: Value,
) -> Result<(Value, bool), ScimError> {
    let request = strict(&body(operations)).expect("the request parses");
    let mut work = resource.clone();
    match apply(&mut work, &request, rt) {
        Ok(changed) => Ok((work, changed)),
        Err(e) => {
            assert_eq!(
                &work, resource,
                "a failed PATCH must leave the resource untouched"
            );
            Err(e)
        }
    }
}

fn patch_user(operations: Value) -> Result<(Value, bool), ScimError> {
    patch(&user(), &ResourceType::user(), operations)
}

fn patch_group(operations: Value) -> Result<(Value, bool), ScimError> {
    patch(&group(), &ResourceType::group(), operations)
}

/// The user after the operations, which must change it.
fn changed_user(operations: Value) -> Value {
    let (after, changed) = patch_user(operations).expect("the PATCH applies");
    assert!(changed, "the PATCH must report a change");
    after
}

fn changed_group(operations: Value) -> Value {
    let (after, changed) = patch_group(operations).expect("the PATCH applies");
    assert!(changed, "the PATCH must report a change");
    after
}

fn user_error(operations: Value) -> (u16, Option<ScimType>) {
    kind(&patch_user(operations).expect_err("the PATCH must fail"))
}

fn group_error(operations: Value) -> (u16, Option<ScimType>) {
    kind(&patch_group(operations).expect_err("the PATCH must fail"))
}

const INVALID_VALUE: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidValue));
const INVALID_PATH: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidPath));
const INVALID_SYNTAX: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidSyntax));
const INVALID_FILTER: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidFilter));
const NO_TARGET: (u16, Option<ScimType>) = (400, Some(ScimType::NoTarget));
const MUTABILITY: (u16, Option<ScimType>) = (400, Some(ScimType::Mutability));

// ---------------------------------------------------------------------------
// The message

#[test]
fn strict_parse_reads_the_three_operations() {
    let request = strict(&body(json!([
        {"op": "add", "path": "title", "value": "Tour Guide"},
        {"op": "replace", "value": {"active": false}},
        {"op": "remove", "path": "emails[type eq \"home\"].primary"}
    ])))
    .unwrap();
    let ops: Vec<Op> = request.operations.iter().map(|o| o.op).collect();
    assert_eq!(ops, [Op::Add, Op::Replace, Op::Remove]);
    let first = &request.operations[0];
    assert_eq!(first.path.as_ref().unwrap().to_string(), "title");
    assert_eq!(first.value, Some(json!("Tour Guide")));
    assert_eq!(request.operations[1].path, None);
    assert_eq!(request.operations[2].value, None);
    assert_eq!(
        request.operations[2].path.as_ref().unwrap().to_string(),
        "emails[type eq \"home\"].primary"
    );
}

#[test]
fn body_must_be_an_object() {
    for text in [json!([]), json!("x"), json!(null), json!(3)] {
        assert_eq!(kind(&strict(&text).unwrap_err()), INVALID_SYNTAX);
        assert_eq!(kind(&lenient(&text).unwrap_err()), INVALID_SYNTAX);
    }
}

#[test]
fn strict_requires_the_patch_op_schema_and_lenient_does_not() {
    let no_schemas = json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]});
    let e = strict(&no_schemas).unwrap_err();
    assert_eq!(kind(&e), INVALID_SYNTAX);
    assert!(e.detail.contains(urn::PATCH_OP), "{}", e.detail);
    assert_eq!(lenient(&no_schemas).unwrap().operations.len(), 1);

    let wrong = json!({"schemas": [urn::USER], "Operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(kind(&strict(&wrong).unwrap_err()), INVALID_SYNTAX);
    assert_eq!(kind(&lenient(&wrong).unwrap_err()), INVALID_SYNTAX);

    let extra = json!({"schemas": [urn::PATCH_OP, urn::USER],
        "Operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(kind(&strict(&extra).unwrap_err()), INVALID_SYNTAX);
    assert!(lenient(&extra).is_ok());

    let not_array =
        json!({"schemas": urn::PATCH_OP, "Operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(kind(&strict(&not_array).unwrap_err()), INVALID_VALUE);
    let not_strings = json!({"schemas": [1], "Operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(kind(&strict(&not_strings).unwrap_err()), INVALID_VALUE);

    // URNs compare case-insensitively.
    let upper = json!({"schemas": [urn::PATCH_OP.to_uppercase()],
        "Operations": [{"op": "remove", "path": "title"}]});
    assert!(strict(&upper).is_ok());
}

#[test]
fn member_names_are_case_insensitive() {
    let text = json!({"SCHEMAS": [urn::PATCH_OP],
        "operations": [{"OP": "add", "Path": "title", "VALUE": "x"}]});
    let request = strict(&text).unwrap();
    assert_eq!(request.operations[0].op, Op::Add);
    assert_eq!(request.operations[0].value, Some(json!("x")));
}

#[test]
fn operations_must_be_a_non_empty_array() {
    let missing = json!({"schemas": [urn::PATCH_OP]});
    assert_eq!(kind(&strict(&missing).unwrap_err()), INVALID_VALUE);
    let object = json!({"schemas": [urn::PATCH_OP], "Operations": {"op": "remove", "path": "x"}});
    assert_eq!(kind(&strict(&object).unwrap_err()), INVALID_VALUE);
    assert_eq!(kind(&strict(&body(json!([]))).unwrap_err()), INVALID_VALUE);
    assert_eq!(kind(&lenient(&body(json!([]))).unwrap_err()), INVALID_VALUE);
    assert_eq!(kind(&strict(&body(json!([5]))).unwrap_err()), INVALID_VALUE);
}

#[test]
fn unknown_and_repeated_members_are_invalid_syntax_in_strict_mode() {
    let top = json!({"schemas": [urn::PATCH_OP], "foo": 1,
        "Operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(kind(&strict(&top).unwrap_err()), INVALID_SYNTAX);
    assert!(lenient(&top).is_ok());

    let op = body(json!([{"op": "add", "path": "title", "value": "x", "foo": 1}]));
    let e = strict(&op).unwrap_err();
    assert_eq!(kind(&e), INVALID_SYNTAX);
    assert_eq!(e.detail, "Operations[0]: unknown member \"foo\"");
    assert_eq!(lenient(&op).unwrap().operations[0].value, Some(json!("x")));

    let twice = body(json!([{"op": "add", "OP": "remove", "path": "title", "value": "x"}]));
    assert_eq!(kind(&strict(&twice).unwrap_err()), INVALID_SYNTAX);
    assert_eq!(lenient(&twice).unwrap().operations[0].op, Op::Add);
}

#[test]
fn op_is_case_sensitive_in_strict_mode_only() {
    // ENTRA-01. RFC 7644 §3.5.2 names the values "add", "remove", "replace".
    for (text, op) in [
        ("Add", Op::Add),
        ("REMOVE", Op::Remove),
        ("Replace", Op::Replace),
    ] {
        let operation = if op == Op::Remove {
            json!({"op": text, "path": "title"})
        } else {
            json!({"op": text, "path": "title", "value": "x"})
        };
        let e = strict(&body(json!([operation.clone()]))).unwrap_err();
        assert_eq!(kind(&e), INVALID_VALUE);
        assert!(
            e.detail.contains(&format!("spells it \"{}\"", op.as_str())),
            "{}",
            e.detail
        );
        assert_eq!(
            lenient(&body(json!([operation]))).unwrap().operations[0].op,
            op
        );
    }
    for bad in [json!("move"), json!(1), json!(null)] {
        let operation = json!([{"op": bad, "path": "title", "value": "x"}]);
        assert_eq!(
            kind(&strict(&body(operation.clone())).unwrap_err()),
            INVALID_VALUE
        );
        assert_eq!(kind(&lenient(&body(operation)).unwrap_err()), INVALID_VALUE);
    }
    let missing = body(json!([{"path": "title", "value": "x"}]));
    assert_eq!(kind(&strict(&missing).unwrap_err()), INVALID_VALUE);
}

#[test]
fn path_must_be_a_string_that_parses() {
    let number = body(json!([{"op": "add", "path": 5, "value": "x"}]));
    assert_eq!(kind(&strict(&number).unwrap_err()), INVALID_PATH);
    let broken = body(json!([{"op": "add", "path": "emails[type eq", "value": "x"}]));
    let e = strict(&broken).unwrap_err();
    assert_eq!(kind(&e), INVALID_PATH);
    assert!(
        e.detail
            .starts_with("Operations[0]: \"path\" is not a valid attribute path: column "),
        "{}",
        e.detail
    );
    let empty = body(json!([{"op": "add", "path": "", "value": "x"}]));
    assert_eq!(kind(&strict(&empty).unwrap_err()), INVALID_PATH);
    // A null path is an absent path.
    let null = body(json!([{"op": "add", "path": null, "value": {"title": "x"}}]));
    assert_eq!(strict(&null).unwrap().operations[0].path, None);
}

#[test]
fn parse_error_detail_carries_the_parser_column() {
    let text = "emails[type eq \"work\"";
    let column = crate::scim::filter::parse_patch_path(text)
        .unwrap_err()
        .column;
    let e = strict(&body(json!([{"op": "remove", "path": text}]))).unwrap_err();
    assert!(
        e.detail.contains(&format!("column {column}:")),
        "{}",
        e.detail
    );
}

#[test]
fn remove_needs_a_path_and_no_value() {
    // RFC 7644 §3.5.2.2: no path → noTarget.
    let no_path = body(json!([{"op": "remove"}]));
    assert_eq!(kind(&strict(&no_path).unwrap_err()), NO_TARGET);
    assert_eq!(kind(&lenient(&no_path).unwrap_err()), NO_TARGET);
    // A value on remove: strict rejects it, lenient keeps it for rules.
    let with_value = body(json!([{"op": "remove", "path": "title", "value": "x"}]));
    assert_eq!(kind(&strict(&with_value).unwrap_err()), INVALID_VALUE);
    assert_eq!(
        lenient(&with_value).unwrap().operations[0].value,
        Some(json!("x"))
    );
    // A null value is no value.
    let null = body(json!([{"op": "remove", "path": "title", "value": null}]));
    assert_eq!(strict(&null).unwrap().operations[0].value, None);
}

#[test]
fn add_and_replace_need_a_value() {
    for op in ["add", "replace"] {
        let missing = body(json!([{"op": op, "path": "title"}]));
        assert_eq!(kind(&strict(&missing).unwrap_err()), INVALID_VALUE);
        assert_eq!(kind(&lenient(&missing).unwrap_err()), INVALID_VALUE);
    }
    let add_null = body(json!([{"op": "add", "path": "title", "value": null}]));
    assert_eq!(kind(&strict(&add_null).unwrap_err()), INVALID_VALUE);
    // replace with null unassigns (RFC 7643 §2.5), so the null is kept.
    let replace_null = body(json!([{"op": "replace", "path": "title", "value": null}]));
    assert_eq!(
        strict(&replace_null).unwrap().operations[0].value,
        Some(Value::Null)
    );
}

#[test]
fn entra_04_member_removal_with_a_value_list_is_rejected() {
    let text = json!({"schemas": [urn::PATCH_OP], "Operations": [
        {"op": "remove", "path": "members", "value": [{"$ref": null, "value": USER_ID}]}
    ]});
    let e = strict(&text).unwrap_err();
    assert_eq!(kind(&e), INVALID_VALUE);
    // Parsed leniently the value survives, but the applier still refuses it
    // rather than removing every member.
    let request = lenient(&text).unwrap();
    let mut g = group();
    let e = apply(&mut g, &request, &ResourceType::group()).unwrap_err();
    assert_eq!(kind(&e), INVALID_VALUE);
    assert_eq!(g, group());
}

#[test]
fn to_json_is_canonical_and_round_trips() {
    let text = json!({"operations": [
        {"op": "Replace", "path": "emails[TYPE EQ \"work\" AND (value co \"x\" or primary pr)].value", "value": "a@b"},
        {"op": "ADD", "value": {"title": "x"}},
        {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}
    ]});
    let request = lenient(&text).unwrap();
    let canonical = request.to_json();
    assert_eq!(
        canonical,
        json!({"schemas": [urn::PATCH_OP], "Operations": [
            {"op": "replace", "path": "emails[TYPE eq \"work\" and (value co \"x\" or primary pr)].value", "value": "a@b"},
            {"op": "add", "value": {"title": "x"}},
            {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}
        ]})
    );
    assert_eq!(strict(&canonical).unwrap(), request);
    // Member order: schemas, then Operations; op, path, value.
    assert_eq!(
        serde_json::to_string(&request.to_json()["Operations"][0]).unwrap(),
        r#"{"op":"replace","path":"emails[TYPE eq \"work\" and (value co \"x\" or primary pr)].value","value":"a@b"}"#
    );
}

// ---------------------------------------------------------------------------
// RFC 7644 §3.5.2 examples

#[test]
fn rfc_add_member_to_group() {
    // §3.5.2.1, first example.
    let member = json!({
        "display": "Jane Doe",
        "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904647",
        "value": "2819c223-7f76-453a-919d-413861904647"
    });
    let after = changed_group(json!([{"op": "add", "path": "members", "value": [member.clone()]}]));
    let mut expected = group();
    expected["members"].as_array_mut().unwrap().push(member);
    assert_eq!(after, expected);
}

#[test]
fn rfc_path_less_add() {
    // §3.5.2.1, second example ("nickname" is matched case-insensitively
    // and stored with the schema's spelling).
    let after = changed_user(json!([{"op": "add", "value": {
        "emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "bj@example.org", "type": "other"}],
        "nickname": "Babs"
    }}]));
    let mut expected = user();
    expected["nickName"] = json!("Babs");
    expected["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "bj@example.org", "type": "other"}));
    assert_eq!(after, expected);
    assert!(after.get("nickname").is_none());
}

#[test]
fn rfc_remove_one_member() {
    let after = changed_group(json!([
        {"op": "remove", "path": format!("members[value eq \"{USER_ID}\"]")}
    ]));
    let mut expected = group();
    expected["members"].as_array_mut().unwrap().remove(0);
    assert_eq!(after, expected);
}

#[test]
fn rfc_remove_all_members() {
    let after = changed_group(json!([{"op": "remove", "path": "members"}]));
    let mut expected = group();
    expected.as_object_mut().unwrap().remove("members");
    assert_eq!(after, expected);
}

#[test]
fn rfc_remove_with_complex_filter() {
    let after = changed_user(json!([
        {"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}
    ]));
    let mut expected = user();
    expected["emails"] = json!([{"value": "babs@jensen.org", "type": "home"}]);
    assert_eq!(after, expected);
}

#[test]
fn rfc_remove_then_add_members_replaces_them() {
    let after = changed_group(json!([
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [{"display": "James Smith", "value": "08e1d05d"}]}
    ]));
    let mut expected = group();
    expected["members"] = json!([{"display": "James Smith", "value": "08e1d05d"}]);
    assert_eq!(after, expected);
}

#[test]
fn rfc_replace_all_members() {
    let after = changed_group(json!([{"op": "replace", "path": "members",
        "value": [{"display": "James Smith", "value": "08e1d05d"}, {"value": OTHER_ID}]}]));
    let mut expected = group();
    expected["members"] =
        json!([{"display": "James Smith", "value": "08e1d05d"}, {"value": OTHER_ID}]);
    assert_eq!(after, expected);
}

#[test]
fn rfc_replace_address_selected_by_filter() {
    let mut with_address = user();
    with_address["addresses"] = json!([
        {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
         "region": "CA", "postalCode": "91608", "country": "US"},
        {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"}
    ]);
    let rt = ResourceType::user();
    let new_work = json!({"type": "work", "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true});
    let (after, changed) = patch(
        &with_address,
        &rt,
        json!([
            {"op": "replace", "path": "addresses[type eq \"work\"]", "value": new_work.clone()}
        ]),
    )
    .unwrap();
    assert!(changed);
    let mut expected = with_address.clone();
    expected["addresses"][0] = new_work;
    assert_eq!(after, expected);

    // …and one sub-attribute of it.
    let (after, _) = patch(&with_address, &rt, json!([
        {"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}
    ]))
    .unwrap();
    let mut expected = with_address;
    expected["addresses"][0]["streetAddress"] = json!("1010 Broadway Ave");
    assert_eq!(after, expected);
}

#[test]
fn rfc_path_less_replace() {
    let after = changed_user(json!([{"op": "replace", "value": {
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "nickname": "Babs"
    }}]));
    let mut expected = user();
    expected["emails"] = json!([{"value": "bjensen@example.com", "type": "work", "primary": true}]);
    expected["nickName"] = json!("Babs");
    assert_eq!(after, expected);
}

// ---------------------------------------------------------------------------
// add

#[test]
fn add_sets_a_single_valued_attribute() {
    let after = changed_user(json!([{"op": "add", "path": "title", "value": "Tour Guide"}]));
    let mut expected = user();
    expected["title"] = json!("Tour Guide");
    assert_eq!(after, expected);
    // ENTRA-03: add on an attribute that has a value replaces it.
    let after = changed_user(json!([{"op": "add", "path": "active", "value": false}]));
    let mut expected = user();
    expected["active"] = json!(false);
    assert_eq!(after, expected);
}

#[test]
fn add_merges_complex_sub_attributes() {
    let after = changed_user(json!([{"op": "add", "path": "name",
        "value": {"givenName": "Babs", "MiddleName": "J", "familyName": null}}]));
    let mut expected = user();
    expected["name"] = json!({"givenName": "Babs", "middleName": "J"});
    assert_eq!(after, expected);
}

#[test]
fn add_appends_only_new_values() {
    let after = changed_user(json!([{"op": "add", "path": "emails", "value": [
        {"value": "babs@jensen.org", "type": "home"},
        {"value": "b@tour.example", "type": "other"},
        {"value": "b@tour.example", "type": "other"}
    ]}]));
    let mut expected = user();
    expected["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "b@tour.example", "type": "other"}));
    assert_eq!(after, expected);
}

#[test]
fn add_of_values_already_present_is_no_change() {
    let (after, changed) = patch_group(json!([{"op": "add", "path": "members",
        "value": [group()["members"][0].clone()]}]))
    .unwrap();
    assert!(!changed);
    assert_eq!(after, group());
    let (_, changed) = patch_user(json!([{"op": "add", "path": "emails", "value": []}])).unwrap();
    assert!(!changed);
}

#[test]
fn add_accepts_one_object_for_a_multi_valued_attribute() {
    let after =
        changed_group(json!([{"op": "add", "path": "members", "value": {"value": "08e1d05d"}}]));
    let mut expected = group();
    expected["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "08e1d05d"}));
    assert_eq!(after, expected);
}

#[test]
fn add_creates_a_missing_multi_valued_attribute() {
    let after =
        changed_user(json!([{"op": "add", "path": "roles", "value": [{"value": "admin"}]}]));
    let mut expected = user();
    expected["roles"] = json!([{"value": "admin"}]);
    assert_eq!(after, expected);
}

#[test]
fn add_with_primary_demotes_the_previous_primary() {
    // RFC 7644 §3.5.2: setting primary true sets it false on the others.
    let after = changed_user(json!([{"op": "add", "path": "emails",
        "value": [{"value": "b@tour.example", "type": "other", "primary": true}]}]));
    let mut expected = user();
    expected["emails"] = json!([
        {"value": "bjensen@example.com", "type": "work", "primary": false},
        {"value": "babs@jensen.org", "type": "home"},
        {"value": "b@tour.example", "type": "other", "primary": true}
    ]);
    assert_eq!(after, expected);
}

#[test]
fn two_primary_values_are_invalid() {
    assert_eq!(
        user_error(json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true}
        ]}])),
        INVALID_VALUE
    );
}

#[test]
fn add_to_a_value_filter_updates_matching_values() {
    let after = changed_user(
        json!([{"op": "add", "path": "emails[type eq \"work\"].value",
        "value": "babs@tour.example"}]),
    );
    let mut expected = user();
    expected["emails"][0]["value"] = json!("babs@tour.example");
    assert_eq!(after, expected);
    // Without a sub-attribute the object is merged into the matching value.
    let after = changed_user(json!([{"op": "add", "path": "emails[type eq \"home\"]",
        "value": {"display": "Home"}}]));
    let mut expected = user();
    expected["emails"][1]["display"] = json!("Home");
    assert_eq!(after, expected);
}

#[test]
fn entra_07_filter_matching_nothing_is_no_target() {
    for op in ["add", "replace"] {
        assert_eq!(
            user_error(
                json!([{"op": op, "path": "emails[type eq \"other\"].value", "value": "x@y"}])
            ),
            NO_TARGET
        );
        assert_eq!(
            user_error(
                json!([{"op": op, "path": "addresses[type eq \"work\"].formatted", "value": "x"}])
            ),
            NO_TARGET
        );
    }
    assert_eq!(
        user_error(
            json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "1"}])
        ),
        NO_TARGET
    );
    // ENTRA-09's string boolean in a filter does not match a boolean.
    assert_eq!(
        user_error(
            json!([{"op": "replace", "path": "emails[primary eq \"True\"].value", "value": "x@y"}])
        ),
        NO_TARGET
    );
}

#[test]
fn add_to_a_sub_attribute_of_all_values() {
    let after = changed_user(json!([{"op": "add", "path": "emails.display", "value": "Babs"}]));
    let mut expected = user();
    expected["emails"][0]["display"] = json!("Babs");
    expected["emails"][1]["display"] = json!("Babs");
    assert_eq!(after, expected);
    // No values: nothing to set, no change.
    let (_, changed) =
        patch_user(json!([{"op": "replace", "path": "ims.type", "value": "xmpp"}])).unwrap();
    assert!(!changed);
}

// ---------------------------------------------------------------------------
// remove

#[test]
fn remove_a_whole_attribute() {
    let after = changed_user(json!([{"op": "remove", "path": "displayName"}]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("displayName");
    assert_eq!(after, expected);
    let after = changed_user(json!([{"op": "remove", "path": "emails"}]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("emails");
    assert_eq!(after, expected);
}

#[test]
fn remove_of_an_absent_attribute_is_no_change() {
    let (after, changed) = patch_user(json!([{"op": "remove", "path": "title"}])).unwrap();
    assert!(!changed);
    assert_eq!(after, user());
}

#[test]
fn remove_a_sub_attribute() {
    let after = changed_user(json!([{"op": "remove", "path": "name.givenName"}]));
    let mut expected = user();
    expected["name"] = json!({"familyName": "Jensen"});
    assert_eq!(after, expected);
    // Removing the last one unassigns the complex attribute.
    let after = changed_user(json!([
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": "name.familyName"}
    ]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("name");
    assert_eq!(after, expected);
}

#[test]
fn remove_values_selected_by_a_filter() {
    let after = changed_user(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
    let mut expected = user();
    expected["emails"] = json!([{"value": "bjensen@example.com", "type": "work", "primary": true}]);
    assert_eq!(after, expected);
    // The last value gone: the attribute is unassigned.
    let after = changed_user(json!([{"op": "remove", "path": "emails[value pr]"}]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("emails");
    assert_eq!(after, expected);
}

#[test]
fn remove_by_filter_matching_nothing_is_no_change() {
    // ENTRA-15: a retried member removal must succeed.
    let (after, changed) =
        patch_group(json!([{"op": "remove", "path": "members[value eq \"not-a-member\"]"}]))
            .unwrap();
    assert!(!changed);
    assert_eq!(after, group());
    let (_, changed) =
        patch_user(json!([{"op": "remove", "path": "ims[type eq \"xmpp\"]"}])).unwrap();
    assert!(!changed);
}

#[test]
fn remove_a_sub_attribute_of_selected_values() {
    let after = changed_user(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]));
    let mut expected = user();
    expected["emails"][0] = json!({"value": "bjensen@example.com", "type": "work"});
    assert_eq!(after, expected);
    let after = changed_group(
        json!([{"op": "remove", "path": format!("members[value eq \"{OTHER_ID}\"].display")}]),
    );
    let mut expected = group();
    expected["members"][1]
        .as_object_mut()
        .unwrap()
        .remove("display");
    assert_eq!(after, expected);
}

#[test]
fn remove_a_sub_attribute_of_all_values() {
    let after = changed_group(json!([{"op": "remove", "path": "members.display"}]));
    let mut expected = group();
    for member in expected["members"].as_array_mut().unwrap() {
        member.as_object_mut().unwrap().remove("display");
    }
    assert_eq!(after, expected);
}

#[test]
fn removing_a_required_attribute_is_mutability() {
    // RFC 7643 §7 / RFC 7644 §3.5.2.2; scim2-server answers the same.
    assert_eq!(
        user_error(json!([{"op": "remove", "path": "userName"}])),
        MUTABILITY
    );
    assert_eq!(
        group_error(json!([{"op": "remove", "path": "displayName"}])),
        MUTABILITY
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "path": "userName", "value": null}])),
        MUTABILITY
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "value": {"userName": null}}])),
        MUTABILITY
    );
}

#[test]
fn a_filter_on_a_single_valued_attribute_is_invalid_filter() {
    // ENTRA-08's manager removal; scim2-server answers the same.
    let path = format!("{ENTERPRISE}:manager[value eq \"x\"]");
    assert_eq!(
        user_error(json!([{"op": "remove", "path": path}])),
        INVALID_FILTER
    );
    assert_eq!(
        user_error(json!([{"op": "remove", "path": "name[givenName eq \"Barbara\"]"}])),
        INVALID_FILTER
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "path": "title[value eq \"x\"]", "value": "y"}])),
        INVALID_FILTER
    );
}

#[test]
fn a_filter_naming_an_unknown_sub_attribute_is_invalid_filter() {
    assert_eq!(
        user_error(json!([{"op": "remove", "path": "emails[foo eq \"x\"]"}])),
        INVALID_FILTER
    );
    assert_eq!(
        user_error(
            json!([{"op": "replace", "path": "emails[name.givenName eq \"x\"].value", "value": "y"}])
        ),
        INVALID_FILTER
    );
}

// ---------------------------------------------------------------------------
// replace

#[test]
fn replace_a_single_valued_attribute() {
    let after =
        changed_user(json!([{"op": "replace", "path": "displayName", "value": "Barbara J."}]));
    let mut expected = user();
    expected["displayName"] = json!("Barbara J.");
    assert_eq!(after, expected);
}

#[test]
fn replace_a_missing_attribute_adds_it() {
    let after = changed_user(json!([{"op": "replace", "path": "title", "value": "Tour Guide"}]));
    let mut expected = user();
    expected["title"] = json!("Tour Guide");
    assert_eq!(after, expected);
}

#[test]
fn replace_complex_merges_sub_attributes() {
    // RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged.
    let after =
        changed_user(json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]));
    let mut expected = user();
    expected["name"] = json!({"familyName": "Jensen", "givenName": "Babs"});
    assert_eq!(after, expected);
    let after = changed_user(json!([{"op": "replace", "value": {"name": {"givenName": "Babs"}}}]));
    assert_eq!(after, expected);
}

#[test]
fn replace_multi_valued_without_filter_replaces_all_values() {
    let after = changed_user(
        json!([{"op": "replace", "path": "emails", "value": [{"value": "b@tour.example"}]}]),
    );
    let mut expected = user();
    expected["emails"] = json!([{"value": "b@tour.example"}]);
    assert_eq!(after, expected);
    // ENTRA-14: a delta list wipes the others, as the RFC says.
    let after = changed_group(
        json!([{"op": "replace", "path": "members", "value": [{"value": "08e1d05d"}]}]),
    );
    let mut expected = group();
    expected["members"] = json!([{"value": "08e1d05d"}]);
    assert_eq!(after, expected);
    // An empty list unassigns.
    let after = changed_user(json!([{"op": "replace", "path": "phoneNumbers", "value": []}]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("phoneNumbers");
    assert_eq!(after, expected);
}

#[test]
fn replace_with_null_unassigns() {
    let after = changed_user(json!([{"op": "replace", "path": "displayName", "value": null}]));
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("displayName");
    assert_eq!(after, expected);
}

#[test]
fn replace_selected_values_replaces_them_whole() {
    // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
    let after = changed_user(json!([{"op": "replace", "path": "emails[type eq \"work\"]",
        "value": {"value": "babs@tour.example", "type": "work"}}]));
    let mut expected = user();
    expected["emails"][0] = json!({"value": "babs@tour.example", "type": "work"});
    assert_eq!(after, expected);
}

#[test]
fn replace_primary_through_a_filter_demotes_the_others() {
    let after = changed_user(
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    );
    let mut expected = user();
    expected["emails"][0]["primary"] = json!(false);
    expected["emails"][1]["primary"] = json!(true);
    assert_eq!(after, expected);
}

#[test]
fn replace_with_the_current_value_is_no_change() {
    let (after, changed) = patch_user(json!([
        {"op": "replace", "path": "displayName", "value": "Babs Jensen"},
        {"op": "replace", "value": {"active": true, "name": {"givenName": "Barbara"}}},
        {"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org", "type": "home"}]}
    ]))
    .unwrap();
    assert!(!changed);
    assert_eq!(after, user());
}

// ---------------------------------------------------------------------------
// Paths, names and extensions

#[test]
fn unknown_attributes_in_a_path_are_invalid_path() {
    for op in [
        json!({"op": "add", "path": "fooBar", "value": "x"}),
        json!({"op": "remove", "path": "fooBar"}),
        json!({"op": "replace", "path": "name.nickName", "value": "x"}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].foo", "value": "x"}),
        json!({"op": "replace", "path": "title.sub", "value": "x"}),
        json!({"op": "add", "path": "urn:example:params:scim:schemas:extension:foo:2.0:User:bar", "value": "x"}),
        json!({"op": "remove", "path": urn::USER}),
    ] {
        assert_eq!(user_error(json!([op.clone()])), INVALID_PATH, "{op}");
    }
}

#[test]
fn unknown_members_in_a_value_are_invalid_value() {
    // scim2-server answers invalidValue here too.
    for op in [
        json!({"op": "add", "value": {"fooBar": 1}}),
        json!({"op": "replace", "path": "name", "value": {"nickName": "x"}}),
        json!({"op": "add", "path": "emails", "value": [{"value": "x@y", "foo": 1}]}),
        json!({"op": "replace", "path": ENTERPRISE, "value": {"foo": "x"}}),
    ] {
        assert_eq!(user_error(json!([op.clone()])), INVALID_VALUE, "{op}");
    }
}

#[test]
fn entra_05_dotted_and_urn_keys_in_a_path_less_value_are_invalid_value() {
    let e =
        patch_user(json!([{"op": "replace", "value": {"name.givenName": "Kkom"}}])).unwrap_err();
    assert_eq!(kind(&e), INVALID_VALUE);
    assert!(
        e.detail.contains("sub-attribute goes inside"),
        "{}",
        e.detail
    );
    let e = patch_user(
        json!([{"op": "replace", "value": {format!("{ENTERPRISE}:employeeNumber"): "42"}}]),
    )
    .unwrap_err();
    assert_eq!(kind(&e), INVALID_VALUE);
    assert!(e.detail.contains("keyed by its schema URN"), "{}", e.detail);
}

#[test]
fn path_less_value_must_be_an_object() {
    assert_eq!(
        user_error(json!([{"op": "add", "value": "x"}])),
        INVALID_VALUE
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "value": [{"title": "x"}]}])),
        INVALID_VALUE
    );
}

#[test]
fn attribute_names_are_case_insensitive_and_stored_canonically() {
    let after = changed_user(json!([
        {"op": "replace", "path": "DISPLAYNAME", "value": "B"},
        {"op": "add", "path": "Name.GivenName", "value": "Babs"},
        {"op": "add", "value": {"NickName": "Babs", "EMAILS": [{"Value": "x@y", "TYPE": "other"}]}}
    ]));
    let mut expected = user();
    expected["displayName"] = json!("B");
    expected["name"]["givenName"] = json!("Babs");
    expected["nickName"] = json!("Babs");
    expected["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "x@y", "type": "other"}));
    assert_eq!(after, expected);
}

#[test]
fn a_non_canonical_stored_name_is_renamed_in_place() {
    let mut resource =
        json!({"schemas": [urn::USER], "userName": "bjensen", "DisplayName": "a", "title": "t"});
    let request = strict(&body(
        json!([{"op": "replace", "path": "displayName", "value": "b"}]),
    ))
    .unwrap();
    assert!(apply(&mut resource, &request, &ResourceType::user()).unwrap());
    assert_eq!(
        serde_json::to_string(&resource).unwrap(),
        format!(
            r#"{{"schemas":["{}"],"userName":"bjensen","displayName":"b","title":"t"}}"#,
            urn::USER
        )
    );
}

#[test]
fn urn_qualified_core_path() {
    // ENTRA-06.
    let after = changed_user(json!([{"op": "replace",
        "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "babs"}]));
    let mut expected = user();
    expected["userName"] = json!("babs");
    assert_eq!(after, expected);
}

#[test]
fn extension_attribute_is_stored_under_its_urn() {
    // ENTRA-06: the extension object is created and listed in schemas.
    let after = changed_user(
        json!([{"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Retail"}]),
    );
    let mut expected = user();
    expected["schemas"] = json!([urn::USER, ENTERPRISE]);
    expected[ENTERPRISE] = json!({"department": "Retail"});
    assert_eq!(after, expected);
    // The same through a path-less value and through the extension's URN.
    for op in [
        json!({"op": "add", "value": {ENTERPRISE: {"department": "Retail"}}}),
        json!({"op": "replace", "path": ENTERPRISE, "value": {"Department": "Retail"}}),
        json!({"op": "add", "path": format!("{}:department", ENTERPRISE.to_lowercase()), "value": "Retail"}),
    ] {
        assert_eq!(changed_user(json!([op.clone()])), expected, "{op}");
    }
}

#[test]
fn removing_the_last_extension_attribute_drops_the_extension() {
    let mut with_ext = user();
    with_ext["schemas"] = json!([urn::USER, ENTERPRISE]);
    with_ext[ENTERPRISE] = json!({"employeeNumber": "701984", "department": "Tour Operations"});
    let rt = ResourceType::user();
    let (after, _) = patch(
        &with_ext,
        &rt,
        json!([{"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")}]),
    )
    .unwrap();
    let mut expected = with_ext.clone();
    expected[ENTERPRISE] = json!({"department": "Tour Operations"});
    assert_eq!(after, expected);
    let (after, _) = patch(
        &with_ext,
        &rt,
        json!([
            {"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")},
            {"op": "remove", "path": format!("{ENTERPRISE}:department")}
        ]),
    )
    .unwrap();
    assert_eq!(after, user());
    let (after, _) = patch(
        &with_ext,
        &rt,
        json!([{"op": "remove", "path": ENTERPRISE}]),
    )
    .unwrap();
    assert_eq!(after, user());
    let (after, _) = patch(
        &with_ext,
        &rt,
        json!([{"op": "replace", "value": {ENTERPRISE: null}}]),
    )
    .unwrap();
    assert_eq!(after, user());
    let (after, _) = patch(
        &with_ext,
        &rt,
        json!([{"op": "replace", "path": ENTERPRISE, "value": null}]),
    )
    .unwrap();
    assert_eq!(after, user());
}

#[test]
fn extension_attribute_without_urn_is_invalid_path() {
    // scim2-server answers the same; rules qualify such paths first.
    let e =
        patch_user(json!([{"op": "add", "path": "employeeNumber", "value": "42"}])).unwrap_err();
    assert_eq!(kind(&e), INVALID_PATH);
    assert!(
        e.detail.contains(&format!("{ENTERPRISE}:employeeNumber")),
        "{}",
        e.detail
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "path": "manager", "value": {"value": "x"}}])),
        INVALID_PATH
    );
    assert_eq!(
        user_error(json!([{"op": "add", "value": {"employeeNumber": "42"}}])),
        INVALID_VALUE
    );
}

#[test]
fn entra_08_manager_must_be_an_object() {
    let path = format!("{ENTERPRISE}:manager");
    assert_eq!(
        user_error(json!([{"op": "add", "path": path, "value": "271"}])),
        INVALID_VALUE
    );
    assert_eq!(
        user_error(json!([{"op": "replace", "path": path, "value": "271"}])),
        INVALID_VALUE
    );
    let after = changed_user(json!([{"op": "add", "path": path, "value": {"value": "271"}}]));
    let mut expected = user();
    expected["schemas"] = json!([urn::USER, ENTERPRISE]);
    expected[ENTERPRISE] = json!({"manager": {"value": "271"}});
    assert_eq!(after, expected);
    // Plain removal of a manager that is set.
    let rt = ResourceType::user();
    let (after, changed) = patch(&expected, &rt, json!([{"op": "remove", "path": path}])).unwrap();
    assert!(changed);
    assert_eq!(after, user());
    // The manager's sub-attribute path.
    let after =
        changed_user(json!([{"op": "add", "path": format!("{path}.value"), "value": "271"}]));
    assert_eq!(after, expected);
}

#[test]
fn path_less_schemas_may_list_only_known_schemas() {
    let (after, changed) =
        patch_user(json!([{"op": "replace", "value": {"schemas": [urn::USER, ENTERPRISE]}}]))
            .unwrap();
    assert!(!changed);
    assert_eq!(after, user());
    assert_eq!(
        user_error(json!([{"op": "add", "value": {"schemas": ["urn:foo"], "title": "x"}}])),
        INVALID_VALUE
    );
    assert_eq!(
        user_error(json!([{"op": "add", "value": {"schemas": "x"}}])),
        INVALID_VALUE
    );
}

#[test]
fn schemas_cannot_be_patched_by_path() {
    assert_eq!(
        user_error(json!([{"op": "remove", "path": "schemas"}])),
        MUTABILITY
    );
    assert_eq!(
        user_error(json!([{"op": "add", "path": "schemas", "value": [ENTERPRISE]}])),
        MUTABILITY
    );
}

// ---------------------------------------------------------------------------
// Types

#[test]
fn values_of_the_wrong_type_are_invalid_value() {
    for op in [
        json!({"op": "replace", "path": "active", "value": "True"}),
        json!({"op": "replace", "path": "active", "value": 1}),
        json!({"op": "replace", "path": "title", "value": 5}),
        json!({"op": "replace", "path": "title", "value": ["a"]}),
        json!({"op": "replace", "path": "title", "value": {"value": "a"}}),
        json!({"op": "replace", "path": "name", "value": "Babs"}),
        json!({"op": "replace", "path": "name.givenName", "value": true}),
        json!({"op": "add", "path": "emails", "value": "x@y"}),
        json!({"op": "add", "path": "emails", "value": ["x@y"]}),
        json!({"op": "add", "path": "emails", "value": [null]}),
        json!({"op": "add", "path": "emails", "value": [[{"value": "x@y"}]]}),
        json!({"op": "add", "path": "emails", "value": [{"value": "x@y", "primary": "true"}]}),
        json!({"op": "replace", "path": "emails[type eq \"work\"]", "value": "x@y"}),
        json!({"op": "replace", "path": "emails[type eq \"work\"]", "value": [{"value": "x@y"}]}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": 3}),
        json!({"op": "add", "path": "emails.primary", "value": "yes"}),
        json!({"op": "replace", "value": {"active": "false"}}),
    ] {
        assert_eq!(user_error(json!([op.clone()])), INVALID_VALUE, "{op}");
    }
    assert_eq!(
        group_error(json!([{"op": "add", "path": "members", "value": "08e1d05d"}])),
        INVALID_VALUE
    );
}

// ---------------------------------------------------------------------------
// Mutability

#[test]
fn read_only_attributes_cannot_be_modified() {
    for op in [
        json!({"op": "replace", "path": "id", "value": "other"}),
        json!({"op": "remove", "path": "id"}),
        json!({"op": "remove", "path": "meta"}),
        json!({"op": "replace", "path": "meta.version", "value": "W/\"1\""}),
        json!({"op": "remove", "path": "meta.created"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g1"}]}),
        json!({"op": "remove", "path": "groups"}),
        json!({"op": "replace", "value": {"id": "other"}}),
        json!({"op": "replace", "value": {"meta": {"resourceType": "Group"}}}),
        json!({"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": {"value": "m", "displayName": "M"}}),
    ] {
        assert_eq!(user_error(json!([op.clone()])), MUTABILITY, "{op}");
    }
}

#[test]
fn writing_a_read_only_attribute_unchanged_is_a_no_op() {
    // OKTA-03: a path-less replace carrying the resource's own id.
    let (after, changed) = patch_group(json!([{"op": "replace",
        "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "Tour Guides"}}]))
    .unwrap();
    assert!(!changed);
    assert_eq!(after, group());
    let after = changed_group(json!([{"op": "replace",
        "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "Guides"}}]));
    let mut expected = group();
    expected["displayName"] = json!("Guides");
    assert_eq!(after, expected);
    let (_, changed) =
        patch_user(json!([{"op": "replace", "path": "id", "value": USER_ID}])).unwrap();
    assert!(!changed);
    let (_, changed) =
        patch_user(json!([{"op": "add", "value": {"meta": {"resourceType": "User"}}}])).unwrap();
    assert!(!changed);
}

#[test]
fn immutable_sub_attributes_cannot_change_once_set() {
    // members.value, $ref and type are immutable (RFC 7643 §8.7.1);
    // scim2-server agrees on each of these.
    for op in [
        json!({"op": "replace", "path": format!("members[value eq \"{USER_ID}\"].value"), "value": "x"}),
        json!({"op": "replace", "path": format!("members[value eq \"{USER_ID}\"]"), "value": {"value": "x"}}),
        json!({"op": "remove", "path": "members.value"}),
        json!({"op": "remove", "path": format!("members[value eq \"{USER_ID}\"].$ref")}),
    ] {
        assert_eq!(group_error(json!([op.clone()])), MUTABILITY, "{op}");
    }
    // A whole-value replace drops what it does not repeat, so leaving out
    // the immutable $ref is a change to it (scim2-server merges instead).
    assert_eq!(
        group_error(
            json!([{"op": "replace", "path": format!("members[value eq \"{USER_ID}\"]"),
            "value": {"value": USER_ID, "display": "Babs"}}])
        ),
        MUTABILITY
    );
    // The same value, a display change, an unset immutable sub-attribute
    // set, and new members with immutable values are fine.
    let after = changed_group(json!([
        {"op": "replace", "path": format!("members[value eq \"{USER_ID}\"].value"), "value": USER_ID},
        {"op": "replace", "path": format!("members[value eq \"{USER_ID}\"].display"), "value": "Babs"},
        {"op": "replace", "path": "members.type", "value": "User"},
        {"op": "add", "path": "members", "value": [{"value": "08e1d05d", "type": "User"}]}
    ]));
    let mut expected = group();
    expected["members"][0]["display"] = json!("Babs");
    expected["members"][0]["type"] = json!("User");
    expected["members"][1]["type"] = json!("User");
    expected["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "08e1d05d", "type": "User"}));
    assert_eq!(after, expected);
}

#[test]
fn write_only_attributes_can_be_written() {
    let after =
        changed_user(json!([{"op": "replace", "path": "password", "value": "t1meMa$heen"}]));
    let mut expected = user();
    expected["password"] = json!("t1meMa$heen");
    assert_eq!(after, expected);
}

// ---------------------------------------------------------------------------
// Atomicity and the change flag

#[test]
fn a_failing_operation_undoes_the_earlier_ones() {
    let e = patch_user(json!([
        {"op": "replace", "path": "title", "value": "Tour Guide"},
        {"op": "remove", "path": "emails"},
        {"op": "add", "path": "fooBar", "value": "x"}
    ]))
    .unwrap_err();
    assert_eq!(kind(&e), INVALID_PATH);
    assert!(e.detail.starts_with("Operations[2]: "), "{}", e.detail);
}

#[test]
fn operations_apply_in_order() {
    let after = changed_user(json!([
        {"op": "remove", "path": "emails"},
        {"op": "add", "path": "emails", "value": [{"value": "a@b", "type": "work"}]},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "c@d"}
    ]));
    let mut expected = user();
    expected["emails"] = json!([{"value": "c@d", "type": "work"}]);
    assert_eq!(after, expected);
}

#[test]
fn changes_that_cancel_out_report_no_change() {
    let (after, changed) = patch_user(json!([
        {"op": "replace", "path": "displayName", "value": "x"},
        {"op": "replace", "path": "displayName", "value": "Babs Jensen"}
    ]))
    .unwrap();
    assert!(!changed);
    assert_eq!(after, user());
}

#[test]
fn a_stored_resource_that_is_not_an_object_is_a_server_error() {
    let mut resource = json!([1]);
    let request = strict(&body(json!([{"op": "remove", "path": "title"}]))).unwrap();
    let e = apply(&mut resource, &request, &ResourceType::user()).unwrap_err();
    assert_eq!(kind(&e), (500, None));
}
