//! Tests of the backend through `Backend::handle` (no sockets), and one
//! through `http::serve` on a loopback port.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::http::header::{
    ALLOW, AUTHORIZATION, CONTENT_TYPE, ETAG, HOST, IF_MATCH, IF_NONE_MATCH, LOCATION,
    WWW_AUTHENTICATE,
};
use ::http::{HeaderValue, Method, StatusCode};
use bytes::Bytes;
use serde_json::{Value, json};

use super::*;
use crate::scim::urn;

const T0: u64 = 1_443_098_096; // 2015-09-24T12:34:56Z

/// A clock that advances one second per reading.
struct StepClock(AtomicU64);

impl Clock for StepClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.fetch_add(1, Ordering::SeqCst))
    }
}

fn backend_with(profile: Profile) -> Backend {
    Backend::with_clock(profile, Box::new(StepClock(AtomicU64::new(T0))))
}

fn backend() -> Backend {
    backend_with(Profile::default())
}

/// A request with `Host: example.com` and, when there is a body, the SCIM media type.
fn request(method: Method, path: &str, body: Option<Value>) -> BackendRequest {
    let mut req = BackendRequest::new(method, &format!("/scim/v2{path}"));
    req.headers
        .insert(HOST, HeaderValue::from_static("example.com"));
    if let Some(body) = body {
        req.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
        req.body = Bytes::from(serde_json::to_vec(&body).unwrap());
    }
    req
}

fn call(b: &Backend, method: Method, path: &str, body: Option<Value>) -> BackendResponse {
    b.handle(&request(method, path, body))
}

fn body(resp: &BackendResponse) -> &Value {
    resp.body.as_ref().expect("a body")
}

fn header(resp: &BackendResponse, name: ::http::header::HeaderName) -> &str {
    resp.headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// Asserts an RFC 7644 §3.12 error with this status and scimType.
#[track_caller]
fn assert_error(resp: &BackendResponse, status: u16, scim_type: Option<&str>) {
    assert_eq!(resp.status.as_u16(), status, "{:?}", resp.body);
    assert_eq!(header(resp, CONTENT_TYPE), urn::MEDIA_TYPE);
    let b = body(resp);
    assert_eq!(b["schemas"], json!([urn::ERROR]));
    assert_eq!(b["status"], json!(status.to_string()));
    assert_eq!(b.get("scimType").and_then(Value::as_str), scim_type, "{b}");
}

fn user(name: &str) -> Value {
    json!({"schemas": [urn::USER], "userName": name})
}

fn create(b: &Backend, kind: Kind, resource: Value) -> String {
    let resp = call(b, Method::POST, kind.endpoint(), Some(resource));
    assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.body);
    body(&resp)["id"].as_str().unwrap().to_string()
}

fn create_user(b: &Backend, name: &str) -> String {
    create(b, Kind::User, user(name))
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [urn::PATCH_OP], "Operations": ops})
}

fn list_names(resp: &BackendResponse, attr: &str) -> Vec<String> {
    body(resp)["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[attr].as_str().unwrap_or("").to_string())
        .collect()
}

// ---------------------------------------------------------------- users

#[test]
fn create_assigns_id_meta_location_and_etag() {
    let b = backend();
    let resp = call(
        &b,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [urn::USER],
            "userName": "alice",
            "id": "chosen-by-client",
            "meta": {"version": "W/\"99\""},
            "groups": [{"value": "g1"}],
            "password": "s3cret!",
        })),
    );
    assert_eq!(resp.status, StatusCode::CREATED);
    assert_eq!(header(&resp, CONTENT_TYPE), urn::MEDIA_TYPE);
    let v = body(&resp);
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|c| c.is_ascii_hexdigit()));
    let location = format!("http://example.com/scim/v2/Users/{id}");
    assert_eq!(
        v["meta"],
        json!({
            "resourceType": "User",
            "created": "2015-09-24T12:34:56.000Z",
            "lastModified": "2015-09-24T12:34:56.000Z",
            "location": location,
            "version": "W/\"1\"",
        })
    );
    assert_eq!(header(&resp, LOCATION), location);
    assert_eq!(header(&resp, ETAG), "W/\"1\"");
    assert!(v.get("groups").is_none(), "read-only input is ignored");
    assert!(v.get("password").is_none(), "password is never returned");
    assert_eq!(v["userName"], "alice");
    let stored = b.get(Kind::User, id).unwrap();
    assert_eq!(stored["password"], "s3cret!");
    assert_eq!(b.list(Kind::User).len(), 1);
}

#[test]
fn location_is_relative_without_host() {
    let b = backend();
    let mut req = request(Method::POST, "/Users", Some(user("bob")));
    req.headers.remove(HOST);
    let resp = b.handle(&req);
    let id = body(&resp)["id"].as_str().unwrap();
    assert_eq!(header(&resp, LOCATION), format!("/scim/v2/Users/{id}"));
    assert_eq!(
        body(&resp)["meta"]["location"],
        format!("/scim/v2/Users/{id}")
    );
}

#[test]
fn get_one_and_unknown_id() {
    let b = backend();
    let id = create_user(&b, "alice");
    let resp = call(&b, Method::GET, &format!("/Users/{id}"), None);
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(body(&resp)["userName"], "alice");
    assert_eq!(header(&resp, ETAG), "W/\"1\"");
    let resp = call(&b, Method::GET, "/Users/nope", None);
    assert_error(&resp, 404, None);
    assert_eq!(body(&resp)["detail"], "User 'nope' not found");
    let resp = call(&b, Method::GET, "/Groups/nope", None);
    assert_eq!(body(&resp)["detail"], "Group 'nope' not found");
}

#[test]
fn username_is_unique_case_insensitively() {
    let b = backend();
    let alice = create_user(&b, "alice");
    let resp = call(&b, Method::POST, "/Users", Some(user("ALICE")));
    assert_error(&resp, 409, Some("uniqueness"));
    let bob = create_user(&b, "bob");
    // Renaming bob to a taken name conflicts; keeping one's own name does not.
    let resp = call(
        &b,
        Method::PUT,
        &format!("/Users/{bob}"),
        Some(user("Alice")),
    );
    assert_error(&resp, 409, Some("uniqueness"));
    let resp = call(
        &b,
        Method::PUT,
        &format!("/Users/{alice}"),
        Some(user("ALICE")),
    );
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(b.list(Kind::User).len(), 2);
}

#[test]
fn put_replaces_keeps_id_and_created_and_ignores_body_id() {
    let b = backend();
    let id = create(
        &b,
        Kind::User,
        json!({"schemas": [urn::USER], "userName": "alice", "displayName": "Alice", "title": "Boss"}),
    );
    let resp = call(
        &b,
        Method::PUT,
        &format!("/Users/{id}"),
        Some(
            json!({"schemas": [urn::USER], "id": "other", "userName": "alice2", "displayName": "A"}),
        ),
    );
    assert_eq!(resp.status, StatusCode::OK);
    let v = body(&resp);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["userName"], "alice2");
    assert_eq!(v["displayName"], "A");
    assert!(v.get("title").is_none(), "omitted attributes are dropped");
    assert_eq!(v["meta"]["created"], "2015-09-24T12:34:56.000Z");
    assert_eq!(v["meta"]["lastModified"], "2015-09-24T12:34:57.000Z");
    assert_eq!(v["meta"]["version"], "W/\"2\"");
    assert_eq!(header(&resp, ETAG), "W/\"2\"");
    assert!(b.get(Kind::User, "other").is_none());

    // The same body again changes nothing, so the version stays.
    let again = call(
        &b,
        Method::PUT,
        &format!("/Users/{id}"),
        Some(json!({"schemas": [urn::USER], "userName": "alice2", "displayName": "A"})),
    );
    assert_eq!(body(&again)["meta"]["version"], "W/\"2\"");
    assert_eq!(
        body(&again)["meta"]["lastModified"],
        "2015-09-24T12:34:57.000Z"
    );

    let resp = call(&b, Method::PUT, "/Users/nope", Some(user("x")));
    assert_error(&resp, 404, None);
}

#[test]
fn delete_then_gone() {
    let b = backend();
    let id = create_user(&b, "alice");
    let path = format!("/Users/{id}");
    let resp = call(&b, Method::DELETE, &path, None);
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert!(resp.body.is_none());
    assert_error(&call(&b, Method::GET, &path, None), 404, None);
    assert_error(&call(&b, Method::DELETE, &path, None), 404, None);
    assert!(b.list(Kind::User).is_empty());
}

// -------------------------------------------------------------- queries

fn three_users(b: &Backend) -> Vec<String> {
    vec![
        create(
            b,
            Kind::User,
            json!({"schemas": [urn::USER], "userName": "alice", "active": true,
                   "emails": [{"value": "alice@example.org", "type": "work"}]}),
        ),
        create(
            b,
            Kind::User,
            json!({"schemas": [urn::USER], "userName": "bob", "active": false,
                   "emails": [{"value": "bob@example.com", "type": "home"}]}),
        ),
        create(
            b,
            Kind::User,
            json!({"schemas": [urn::USER], "userName": "carol", "active": true,
                   "emails": [{"value": "carol@example.com", "type": "work"}]}),
        ),
    ]
}

fn query(b: &Backend, q: &str) -> BackendResponse {
    call(b, Method::GET, &format!("/Users?{q}"), None)
}

#[test]
fn filters_select_users() {
    let b = backend();
    three_users(&b);
    let names = |q: &str| {
        let resp = query(&b, q);
        assert_eq!(resp.status, StatusCode::OK, "{q}: {:?}", resp.body);
        list_names(&resp, "userName")
    };
    assert_eq!(names("filter=userName%20eq%20%22ALICE%22"), ["alice"]);
    assert_eq!(names("filter=userName+eq+%22bob%22"), ["bob"]);
    assert_eq!(
        names("filter=emails%5Btype%20eq%20%22work%22%5D"),
        ["alice", "carol"]
    );
    assert_eq!(
        names("filter=emails%5Btype%20eq%20%22work%22%20and%20value%20co%20%22example.com%22%5D"),
        ["carol"]
    );
    assert_eq!(
        names("filter=userName%20eq%20%22alice%22%20or%20userName%20eq%20%22bob%22"),
        ["alice", "bob"]
    );
    assert_eq!(
        names("filter=active%20eq%20true%20and%20userName%20sw%20%22c%22"),
        ["carol"]
    );
    // Common attributes and URN-qualified names are filterable too.
    assert_eq!(
        names("filter=meta.resourceType%20eq%20%22User%22%20and%20id%20pr").len(),
        3
    );
    assert_eq!(
        names(&format!(
            "filter=id%20eq%20%22{}%22",
            b.list(Kind::User)[1]["id"].as_str().unwrap()
        )),
        ["bob"]
    );
    assert_eq!(
        names("filter=urn:ietf:params:scim:schemas:core:2.0:User:userName%20ew%20%22ol%22"),
        ["carol"]
    );
    assert_eq!(
        names("filter=meta.created%20ge%20%222015-09-24T12:34:57Z%22"),
        ["bob", "carol"]
    );
    let resp = query(&b, "filter=userName%20eq%20%22nobody%22");
    assert_eq!(
        body(&resp),
        &json!({"schemas": [urn::LIST_RESPONSE], "totalResults": 0, "startIndex": 1,
                "itemsPerPage": 0, "Resources": []})
    );
}

#[test]
fn bad_and_unknown_filters_are_invalid_filter() {
    let b = backend();
    three_users(&b);
    for q in [
        "filter=userName%20eq",
        "filter=userName%20eq%20alice",
        "filter=",
        "filter=fooBar%20eq%20%22x%22",
        "filter=name.fooBar%20eq%20%22x%22",
        "filter=emails%5Bfoo%20eq%20%22x%22%5D",
        "filter=password%20pr",
    ] {
        assert_error(&query(&b, q), 400, Some("invalidFilter"));
    }
}

#[test]
fn paging_is_stable_and_clamped() {
    let b = backend();
    three_users(&b);
    let resp = query(&b, "startIndex=2&count=1");
    let v = body(&resp);
    assert_eq!(v["totalResults"], 3);
    assert_eq!(v["startIndex"], 2);
    assert_eq!(v["itemsPerPage"], 1);
    assert_eq!(list_names(&resp, "userName"), ["bob"]);
    let resp = query(&b, "startIndex=0&count=2");
    assert_eq!(body(&resp)["startIndex"], 1);
    assert_eq!(list_names(&resp, "userName"), ["alice", "bob"]);
    let resp = query(&b, "count=-1");
    assert_eq!(body(&resp)["totalResults"], 3);
    assert_eq!(body(&resp)["Resources"], json!([]));
    let resp = query(&b, "startIndex=10");
    assert_eq!(body(&resp)["itemsPerPage"], 0);
    assert_error(&query(&b, "count=abc"), 400, Some("invalidValue"));
    assert_error(&query(&b, "startIndex=1.5"), 400, Some("invalidValue"));
    // Unknown parameters are ignored.
    assert_eq!(query(&b, "aadOptscim062020&foo=bar").status, StatusCode::OK);
}

#[test]
fn attributes_and_excluded_attributes() {
    let b = backend();
    let ids = three_users(&b);
    let resp = query(&b, "attributes=userName&count=1");
    let first = &body(&resp)["Resources"][0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["schemas", "id", "userName"]);
    let resp = call(
        &b,
        Method::GET,
        &format!("/Users/{}?excludedAttributes=emails", ids[0]),
        None,
    );
    let v = body(&resp);
    assert!(v.get("emails").is_none());
    assert_eq!(v["userName"], "alice");
    assert!(v.get("meta").is_some());
    assert_error(
        &query(&b, "attributes=userName&excludedAttributes=emails"),
        400,
        Some("invalidValue"),
    );
    assert_error(&query(&b, "attributes=a%5Bb"), 400, Some("invalidPath"));
}

#[test]
fn search_endpoint_takes_a_search_request() {
    let b = backend();
    three_users(&b);
    let resp = call(
        &b,
        Method::POST,
        "/Users/.search",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName eq \"carol\"",
            "attributes": ["userName"],
        })),
    );
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(body(&resp)["totalResults"], 1);
    assert_eq!(list_names(&resp, "userName"), ["carol"]);
    assert!(body(&resp)["Resources"][0].get("emails").is_none());
    let resp = call(
        &b,
        Method::POST,
        "/Users/.search",
        Some(json!({"filter": "userName eq \"carol\""})),
    );
    assert_error(&resp, 400, Some("invalidSyntax"));
    let resp = call(&b, Method::GET, "/Users/.search", None);
    assert_error(&resp, 405, None);
    assert_eq!(header(&resp, ALLOW), "POST");
}

// ---------------------------------------------------------------- ETags

#[test]
fn if_match_and_if_none_match() {
    let b = backend();
    let id = create_user(&b, "alice");
    let path = format!("/Users/{id}");
    let with = |method: Method, body: Option<Value>, name, value: &'static str| {
        let mut req = request(method, &path, body);
        req.headers.insert(name, HeaderValue::from_static(value));
        b.handle(&req)
    };
    // Stale: 412 without scimType; nothing changes.
    let resp = with(Method::PUT, Some(user("x")), IF_MATCH, "W/\"7\"");
    assert_error(&resp, 412, None);
    let resp = with(
        Method::PATCH,
        Some(patch(
            json!([{"op": "replace", "path": "displayName", "value": "X"}]),
        )),
        IF_MATCH,
        "W/\"7\"",
    );
    assert_error(&resp, 412, None);
    assert_error(&with(Method::DELETE, None, IF_MATCH, "W/\"7\""), 412, None);
    assert_eq!(b.get(Kind::User, &id).unwrap()["userName"], "alice");
    // Current (weak or strong spelling) and `*` proceed.
    let resp = with(Method::PUT, Some(user("alice2")), IF_MATCH, "\"1\"");
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(header(&resp, ETAG), "W/\"2\"");
    let resp = with(Method::PUT, Some(user("alice3")), IF_MATCH, "*");
    assert_eq!(header(&resp, ETAG), "W/\"3\"");
    // If-None-Match current → 304 with the ETag and no body; stale → 200.
    let resp = with(Method::GET, None, IF_NONE_MATCH, "W/\"3\"");
    assert_eq!(resp.status, StatusCode::NOT_MODIFIED);
    assert!(resp.body.is_none());
    assert_eq!(header(&resp, ETAG), "W/\"3\"");
    let resp = with(Method::GET, None, IF_NONE_MATCH, "W/\"2\"");
    assert_eq!(resp.status, StatusCode::OK);
    let resp = with(Method::DELETE, None, IF_MATCH, "W/\"3\"");
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
}

// -------------------------------------------------------- strict inputs

#[test]
fn strict_resource_validation() {
    let b = backend();
    let resp = call(
        &b,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [urn::USER], "userName": "a", "active": "True"})),
    );
    assert_error(&resp, 400, Some("invalidValue"));
    let resp = call(
        &b,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [urn::USER], "userName": "a", "fooBar": 1})),
    );
    assert_error(&resp, 400, Some("invalidSyntax"));
    // Missing `schemas`: the schema module answers invalidValue ("a required
    // value was missing", RFC 7644 §3.12 Table 9).
    let resp = call(&b, Method::POST, "/Users", Some(json!({"userName": "a"})));
    assert_error(&resp, 400, Some("invalidValue"));
    assert!(b.list(Kind::User).is_empty());
}

#[test]
fn media_type_and_json_syntax() {
    let b = backend();
    let mut req = request(Method::POST, "/Users", Some(user("a")));
    req.headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    assert_error(&b.handle(&req), 415, None);
    req.headers.remove(CONTENT_TYPE);
    assert_error(&b.handle(&req), 415, None);
    req.body = Bytes::new();
    assert_error(&b.handle(&req), 415, None);
    req.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    req.body = Bytes::from_static(b"{\"schemas\":");
    assert_error(&b.handle(&req), 400, Some("invalidSyntax"));
    req.body = Bytes::from_static(b"[1]");
    assert_error(&b.handle(&req), 400, Some("invalidSyntax"));
    req.body = Bytes::from(serde_json::to_vec(&user("a")).unwrap());
    assert_eq!(b.handle(&req).status, StatusCode::CREATED);
}

// ---------------------------------------------------------------- PATCH

#[test]
fn patch_applies_and_versions() {
    let b = backend();
    let id = create_user(&b, "alice");
    let path = format!("/Users/{id}");
    let op = |value: &str| patch(json!([{"op": "replace", "path": "displayName", "value": value}]));
    let resp = call(&b, Method::PATCH, &path, Some(op("Alice")));
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert!(resp.body.is_none());
    assert_eq!(header(&resp, ETAG), "W/\"2\"");
    let stored = b.get(Kind::User, &id).unwrap();
    assert_eq!(stored["displayName"], "Alice");
    assert_eq!(stored["meta"]["version"], "W/\"2\"");
    assert_eq!(stored["meta"]["lastModified"], "2015-09-24T12:34:57.000Z");
    // A no-op keeps the version.
    let resp = call(&b, Method::PATCH, &path, Some(op("Alice")));
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(header(&resp, ETAG), "W/\"2\"");
    // With `attributes` the answer is 200 with the projected resource.
    let resp = call(
        &b,
        Method::PATCH,
        &format!("{path}?attributes=displayName"),
        Some(op("Al")),
    );
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(
        body(&resp),
        &json!({"schemas": [urn::USER], "id": id, "displayName": "Al"})
    );
    assert_eq!(header(&resp, ETAG), "W/\"3\"");
}

#[test]
fn patch_is_strict() {
    let b = backend();
    let id = create(
        &b,
        Kind::User,
        json!({"schemas": [urn::USER, urn::ENTERPRISE_USER], "userName": "alice",
               "emails": [{"value": "a@example.com", "type": "home"}]}),
    );
    let path = format!("/Users/{id}");
    let before = b.get(Kind::User, &id).unwrap();
    // ENTRA-01: op spelled "Replace".
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "Replace", "path": "displayName", "value": "A"}]),
        )),
    );
    assert_error(&resp, 400, Some("invalidValue"));
    // ENTRA-07: a filtered path with no matching element.
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "add", "path": "emails[type eq \"work\"].value",
                           "value": "w@example.com"}]),
        )),
    );
    assert_error(&resp, 400, Some("noTarget"));
    // ENTRA-08: a bare string for the complex manager.
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(json!([{"op": "replace",
                           "path": format!("{}:manager", urn::ENTERPRISE_USER),
                           "value": "some-id"}]))),
    );
    assert_error(&resp, 400, Some("invalidValue"));
    // ENTRA-02: a string boolean.
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "replace", "path": "active", "value": "False"}]),
        )),
    );
    assert_error(&resp, 400, Some("invalidValue"));
    assert_eq!(b.get(Kind::User, &id).unwrap(), before, "nothing changed");
}

// --------------------------------------------------------------- groups

#[test]
fn group_crud_and_member_patches() {
    let b = backend();
    let u1 = create_user(&b, "u1");
    let u2 = create_user(&b, "u2");
    let u3 = create_user(&b, "u3");
    let gid = create(
        &b,
        Kind::Group,
        json!({"schemas": [urn::GROUP], "displayName": "Eng",
               "members": [{"value": u1}, {"value": u2}, {"value": u3}]}),
    );
    let path = format!("/Groups/{gid}");
    let members = |b: &Backend| -> Vec<String> {
        b.get(Kind::Group, &gid).unwrap()["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let resp = call(&b, Method::GET, &path, None);
    assert_eq!(body(&resp)["meta"]["resourceType"], "Group");
    assert_eq!(members(&b), [u1.clone(), u2.clone(), u3.clone()]);

    // ENTRA-04: remove with a value is rejected and the group is unchanged.
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "remove", "path": "members", "value": [{"value": u1}]}]),
        )),
    );
    assert_error(&resp, 400, Some("invalidValue"));
    assert_eq!(members(&b).len(), 3);

    // Removal by filter keeps the others.
    let resp = call(
        &b,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}]),
        )),
    );
    assert_eq!(resp.status, StatusCode::NO_CONTENT, "{:?}", resp.body);
    assert_eq!(members(&b), [u1.clone(), u3.clone()]);

    // PUT replaces the member list; display names are not unique.
    let resp = call(
        &b,
        Method::PUT,
        &path,
        Some(json!({"schemas": [urn::GROUP], "displayName": "Eng", "members": [{"value": u3}]})),
    );
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(members(&b), std::slice::from_ref(&u3));
    create(
        &b,
        Kind::Group,
        json!({"schemas": [urn::GROUP], "displayName": "Eng"}),
    );
    let resp = call(
        &b,
        Method::GET,
        "/Groups?filter=displayName%20eq%20%22eng%22&excludedAttributes=members",
        None,
    );
    assert_eq!(body(&resp)["totalResults"], 2);
    assert!(body(&resp)["Resources"][0].get("members").is_none());

    assert_eq!(
        call(&b, Method::DELETE, &path, None).status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(b.list(Kind::Group).len(), 1);
}

// ------------------------------------------------------------ discovery

#[test]
fn service_provider_config_shape() {
    let b = backend();
    let resp = call(&b, Method::GET, "/ServiceProviderConfig", None);
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(
        body(&resp),
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 1000},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": [],
            "meta": {"resourceType": "ServiceProviderConfig",
                     "location": "http://example.com/scim/v2/ServiceProviderConfig"},
        })
    );
}

#[test]
fn schemas_and_resource_types() {
    let b = backend();
    let resp = call(&b, Method::GET, "/Schemas", None);
    let v = body(&resp);
    assert_eq!(v["schemas"], json!([urn::LIST_RESPONSE]));
    assert_eq!(v["totalResults"], 3);
    let ids: Vec<&str> = v["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [urn::USER, urn::ENTERPRISE_USER, urn::GROUP]);
    assert_eq!(v["Resources"][0]["meta"]["resourceType"], "Schema");
    assert_eq!(
        v["Resources"][0]["meta"]["location"],
        format!("http://example.com/scim/v2/Schemas/{}", urn::USER)
    );

    let resp = call(&b, Method::GET, &format!("/Schemas/{}", urn::GROUP), None);
    assert_eq!(body(&resp)["id"], urn::GROUP);
    assert_eq!(body(&resp)["name"], "Group");
    let resp = call(&b, Method::GET, "/Schemas/urn%3Afoo", None);
    assert_error(&resp, 404, None);
    assert_eq!(body(&resp)["detail"], "Schema 'urn:foo' not found");

    let resp = call(&b, Method::GET, "/ResourceTypes", None);
    assert_eq!(body(&resp)["totalResults"], 2);
    let resp = call(&b, Method::GET, "/ResourceTypes/User", None);
    let v = body(&resp);
    assert_eq!(v["endpoint"], "/Users");
    assert_eq!(v["schema"], urn::USER);
    assert_eq!(v["meta"]["resourceType"], "ResourceType");
    assert_error(
        &call(&b, Method::GET, "/ResourceTypes/Foo", None),
        404,
        None,
    );
}

#[test]
fn discovery_rejects_writes_and_filters() {
    let b = backend();
    for path in [
        "/ServiceProviderConfig",
        "/Schemas",
        "/ResourceTypes",
        "/ResourceTypes/User",
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let resp = call(&b, method.clone(), path, Some(json!({})));
            assert_error(&resp, 405, None);
            assert_eq!(header(&resp, ALLOW), "GET", "{method} {path}");
        }
    }
    let resp = call(&b, Method::GET, "/Schemas?filter=id%20pr", None);
    assert_error(&resp, 403, None);
}

// --------------------------------------------------- routing and profile

#[test]
fn unknown_paths_and_wrong_methods() {
    let b = backend();
    assert_error(&call(&b, Method::GET, "/Widgets", None), 404, None);
    assert_error(&call(&b, Method::GET, "/v2/Users", None), 404, None);
    assert_error(&call(&b, Method::GET, "", None), 404, None);
    let outside = b.handle(&BackendRequest::new(Method::GET, "/other/Users"));
    assert_error(&outside, 404, None);
    let resp = call(&b, Method::DELETE, "/Users", None);
    assert_error(&resp, 405, None);
    assert_eq!(header(&resp, ALLOW), "GET, POST");
    let resp = call(&b, Method::POST, "/Users/abc", Some(user("x")));
    assert_error(&resp, 405, None);
    assert_eq!(header(&resp, ALLOW), "DELETE, GET, PATCH, PUT");
    assert_error(&call(&b, Method::GET, "/Me", None), 501, None);
    assert_error(&call(&b, Method::POST, "/Bulk", Some(json!({}))), 501, None);
}

#[test]
fn put_only_profile_answers_patch_with_501() {
    let b = backend_with(Profile {
        patch: false,
        ..Profile::default()
    });
    let id = create_user(&b, "alice");
    let resp = call(
        &b,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(patch(
            json!([{"op": "replace", "path": "displayName", "value": "A"}]),
        )),
    );
    assert_error(&resp, 501, None);
    assert!(b.get(Kind::User, &id).unwrap().get("displayName").is_none());
    let resp = call(&b, Method::POST, &format!("/Users/{id}"), None);
    assert_eq!(header(&resp, ALLOW), "DELETE, GET, PUT");
    let spc = call(&b, Method::GET, "/ServiceProviderConfig", None);
    assert_eq!(body(&spc)["patch"]["supported"], false);
}

#[test]
fn profile_without_groups() {
    let b = backend_with(Profile {
        groups: false,
        ..Profile::default()
    });
    assert_error(&call(&b, Method::GET, "/Groups", None), 404, None);
    let resp = call(
        &b,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [urn::GROUP], "displayName": "g"})),
    );
    assert_error(&resp, 404, None);
    let rts = call(&b, Method::GET, "/ResourceTypes", None);
    assert_eq!(body(&rts)["totalResults"], 1);
    assert_error(
        &call(&b, Method::GET, "/ResourceTypes/Group", None),
        404,
        None,
    );
    let schemas = call(&b, Method::GET, "/Schemas", None);
    assert_eq!(body(&schemas)["totalResults"], 2);
    let resp = call(&b, Method::GET, &format!("/Schemas/{}", urn::GROUP), None);
    assert_error(&resp, 404, None);
}

#[test]
fn token_auth() {
    let b = backend_with(Profile {
        token: Some("Bearer s3cret".into()),
        ..Profile::default()
    });
    let resp = call(&b, Method::GET, "/Users", None);
    assert_error(&resp, 401, None);
    assert_eq!(header(&resp, WWW_AUTHENTICATE), "Bearer realm=\"SCIM\"");
    let with_auth = |value: &'static str| {
        let mut req = request(Method::GET, "/Users", None);
        req.headers
            .insert(AUTHORIZATION, HeaderValue::from_static(value));
        b.handle(&req)
    };
    assert_error(&with_auth("Bearer wrong"), 401, None);
    assert_error(&with_auth("Bearer s3cret2"), 401, None);
    assert_eq!(with_auth("Bearer s3cret").status, StatusCode::OK);
    // Schemas need auth; the ServiceProviderConfig does not.
    assert_error(&call(&b, Method::GET, "/Schemas", None), 401, None);
    let spc = call(&b, Method::GET, "/ServiceProviderConfig", None);
    assert_eq!(spc.status, StatusCode::OK);
    assert_eq!(
        body(&spc)["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );

    let basic = backend_with(Profile {
        token: Some("Basic dXNlcjpwdw==".into()),
        ..Profile::default()
    });
    let resp = call(&basic, Method::GET, "/Users", None);
    assert_eq!(header(&resp, WWW_AUTHENTICATE), "Basic realm=\"SCIM\"");
    let spc = call(&basic, Method::GET, "/ServiceProviderConfig", None);
    assert_eq!(body(&spc)["authenticationSchemes"][0]["type"], "httpbasic");
}

#[test]
fn poisoned_lock_is_recovered() {
    let b = backend();
    create_user(&b, "alice");
    let poisoned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _guard = b.lock();
        panic!("poison the lock");
    }));
    assert!(poisoned.is_err());
    assert!(b.state.is_poisoned());
    assert_eq!(b.list(Kind::User).len(), 1);
    assert_eq!(query(&b, "").status, StatusCode::OK);
}

// ----------------------------------------------------------------- HTTP

#[tokio::test]
async fn serves_over_http() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let b = Arc::new(backend());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, b.clone(), async move {
        let _ = stopped.await;
    }));

    async fn exchange(addr: std::net::SocketAddr, raw: String) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    }

    let payload = serde_json::to_string(&user("alice")).unwrap();
    let response = exchange(
        addr,
        format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: scim.test:8080\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{payload}",
            payload.len()
        ),
    )
    .await;
    assert!(
        response.starts_with("HTTP/1.1 201 Created\r\n"),
        "{response}"
    );
    let lower = response.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/scim+json\r\n"));
    assert!(lower.contains("location: http://scim.test:8080/scim/v2/users/"));
    assert!(lower.contains("etag: w/\"1\"\r\n"));
    assert!(response.ends_with('}'));
    assert_eq!(b.list(Kind::User).len(), 1);

    let response = exchange(
        addr,
        format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            2 * http::MAX_BODY
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    assert!(response.contains("\"status\":\"413\""));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
