//! The four headline rewrites, proven at a recording upstream that keeps exactly
//! what arrives: GEN-01 doubled version segment, BACKEND-01 bearer to Basic,
//! ENTRA-02 string booleans, and the no-Groups backend profile (seeds 000, 003,
//! ENTRA-10). scim2-server tolerates several of these, so this is where the
//! rules are shown to work byte for byte.

use serde_json::{Value, json};

use crate::support::{Recorder, Scimshim, send, through_recorder};

const JSON: (&str, &str) = ("content-type", "application/scim+json");

/// A recorder and scimshim with the given rules, upstream path `/scim/v2`.
async fn setup(rules: &[&str]) -> (Recorder, Scimshim) {
    let args: Vec<&str> = rules.iter().flat_map(|r| ["--rules", *r]).collect();
    through_recorder("/scim/v2", &args).await
}

fn assert_content_length_matches(body: &[u8], cl: Option<String>) {
    assert_eq!(
        cl,
        Some(body.len().to_string()),
        "content-length must match the re-encoded body"
    );
}

// ---- 1. GEN-01: /scim/v2/v2/Users -> /scim/v2/Users --------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen01_doubled_version_segment_is_collapsed() {
    let (rec, shim) = setup(&["rules/common"]).await;
    let r = send(
        "GET",
        &shim.url("/scim/v2/v2/Users?filter=userName+eq+%22a%22"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let r = send("GET", &shim.url("/scim/v2/v2/v2/Users/abc"), &[], None).await;
    assert_eq!(r.status, 200);
    let r = send("GET", &shim.url("/scim/v2/Users/v2"), &[], None).await;
    assert_eq!(r.status, 200);
    let targets: Vec<String> = rec.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            // generic.filter-canonical writes `+` as %20 (ENTRA-11).
            "/scim/v2/Users?filter=userName%20eq%20%22a%22",
            "/scim/v2/Users/abc",
            // A resource id that happens to be "v2" is not a doubled segment.
            "/scim/v2/Users/v2",
        ]
    );
    let events = shim.request_events(3);
    assert_eq!(
        events[0]["rules.applied"],
        "generic.doubled-version-segment,generic.filter-canonical"
    );
    assert_eq!(events[2]["rules.applied"], "");
}

// ---- 2. BACKEND-01: Bearer user:key -> Basic base64(user:key) -----------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend01_bearer_pair_becomes_basic() {
    let (rec, shim) = setup(&["rules/backends/bearer-to-basic.yaml"]).await;
    for auth in [
        "Bearer alice:k3y",
        "bearer alice:k3y",
        "Bearer Bearer alice:k3y",
    ] {
        let r = send(
            "GET",
            &shim.url("/scim/v2/Users"),
            &[("authorization", auth)],
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{auth}");
    }
    // Anything that is not a bearer token passes as it is.
    let r = send(
        "GET",
        &shim.url("/scim/v2/Users"),
        &[("authorization", "Basic Ym9iOnB3")],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let got: Vec<(Option<String>, usize)> = rec
        .requests()
        .iter()
        .map(|r| (r.header("authorization"), r.header_count("authorization")))
        .collect();
    let basic = Some("Basic YWxpY2U6azN5".to_string());
    assert_eq!(
        got,
        [
            (basic.clone(), 1),
            (basic.clone(), 1),
            (basic, 1),
            (Some("Basic Ym9iOnB3".into()), 1)
        ]
    );
}

// ---- 3. ENTRA-02: "True"/"False" -> true/false for boolean attributes --------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra02_string_booleans_in_post_and_put_bodies() {
    let (rec, shim) = setup(&["rules/common"]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "True",
        "active": "True",
        "title": "True",
        "nickName": "false",
        "emails": [{"value": "a@example.com", "type": "work", "primary": "FALSE"}],
    })
    .to_string();
    for method in ["POST", "PUT"] {
        let path = if method == "POST" {
            "/scim/v2/Users"
        } else {
            "/scim/v2/Users/1"
        };
        let r = send(method, &shim.url(path), &[JSON], Some(&body)).await;
        assert_eq!(r.status, 200);
    }
    for got in rec.requests() {
        let v = got.json();
        assert_eq!(v["active"], json!(true));
        assert_eq!(v["emails"][0]["primary"], json!(false));
        // Non-boolean attributes that hold "True" stay strings.
        assert_eq!(v["userName"], json!("True"));
        assert_eq!(v["title"], json!("True"));
        assert_eq!(v["nickName"], json!("false"));
        // Key order is kept and the length is right.
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "schemas", "userName", "active", "title", "nickName", "emails"
            ]
        );
        assert_content_length_matches(&got.body, got.header("content-length"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra02_string_booleans_in_patch_operations() {
    let (rec, shim) = setup(&["rules/common"]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "value": {"active": "True", "displayName": "True"}},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": "false"},
            {"op": "replace", "path": "title", "value": "True"},
            {"op": "add", "path": "emails", "value": [{"value": "x@example.com", "primary": "true"}]},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "True"},
        ]
    })
    .to_string();
    let r = send("PATCH", &shim.url("/scim/v2/Users/1"), &[JSON], Some(&body)).await;
    assert_eq!(r.status, 200);
    let got = rec.only();
    assert_content_length_matches(&got.body, got.header("content-length"));
    let ops = got.json()["Operations"].clone();
    assert_eq!(
        ops,
        json!([
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "value": {"active": true, "displayName": "True"}},
            {"op": "add", "path": "active", "value": false},
            {"op": "replace", "path": "title", "value": "True"},
            {"op": "add", "path": "emails", "value": [{"value": "x@example.com", "primary": true}]},
            // Extension URNs are kept: an unqualified extension attribute is an invalid path.
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "True"},
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra02_groups_are_not_coerced() {
    // `active` is a User attribute; a Group PATCH that mentions it is left alone
    // (the backend decides), so the rule cannot corrupt other resource types.
    let (rec, shim) = setup(&["rules/common"]).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"True"}]}"#;
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Groups/g1"),
        &[JSON],
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(rec.only().body, body.as_bytes());
}

// ---- 4. No Groups on the backend ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_groups_reads_get_empty_lists_locally() {
    let (rec, shim) = setup(&["rules/common", "rules/backends/no-groups.yaml"]).await;
    // Entra's Test Connection group probe (ENTRA-10) and Okta's (OKTA-07).
    for path in [
        "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22d3b0c1%22",
        "/scim/v2/Groups?startIndex=1&count=100",
    ] {
        let r = send("GET", &shim.url(path), &[], None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-scimshim-rule"), Some("no-groups.list"));
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
        let v = r.json();
        assert_eq!(
            v["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        assert_eq!(v["totalResults"], 0);
        assert_eq!(v["Resources"], json!([]));
    }
    let r = send("GET", &shim.url("/scim/v2/Groups/g1"), &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], "404");
    assert_eq!(r.header("x-scimshim-rule"), Some("no-groups.read"));
    let r = send(
        "POST",
        &shim.url("/scim/v2/Groups/.search"),
        &[JSON],
        Some("{}"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["totalResults"], 0);
    assert!(
        rec.requests().is_empty(),
        "group traffic reached the backend: {:#?}",
        rec.requests()
    );
    // User traffic still goes through.
    let r = send(
        "GET",
        &shim.url("/scim/v2/Users?filter=userName+eq+%22x%22"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        rec.only().target,
        "/scim/v2/Users?filter=userName%20eq%20%22x%22"
    );
    let events = shim.request_events(5);
    assert_eq!(events[0]["local"], true);
    assert_eq!(events[0]["local.rule"], "no-groups.list");
    assert_eq!(events[4]["local"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_groups_writes_are_acknowledged_locally() {
    let (rec, shim) = setup(&["rules/common", "rules/backends/no-groups.yaml"]).await;
    let create = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1","displayName":"Sales","meta":{"resourceType":"Group"}}"#;
    let r = send("POST", &shim.url("/scim/v2/Groups"), &[JSON], Some(create)).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-scimshim-rule"), Some("no-groups.create"));
    let v = r.json();
    assert_eq!(v["id"], "unsupported-group");
    assert_eq!(v["displayName"], "Sales");
    assert_eq!(v["externalId"], "8aa1");
    // The Entra group schema was already stripped by the dialect rule.
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );

    let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"u1"}]}]}"#;
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Groups/unsupported-group"),
        &[JSON],
        Some(patch),
    )
    .await;
    assert_eq!(
        (r.status, r.header("x-scimshim-rule")),
        (204, Some("no-groups.patch"))
    );
    assert!(r.body.is_empty());
    let r = send(
        "PUT",
        &shim.url("/scim/v2/Groups/unsupported-group"),
        &[JSON],
        Some(r#"{"displayName":"S","password":"x"}"#),
    )
    .await;
    assert_eq!(
        (r.status, r.header("x-scimshim-rule")),
        (200, Some("no-groups.replace"))
    );
    assert!(
        r.json().get("password").is_none(),
        "a password is never echoed"
    );
    let r = send(
        "DELETE",
        &shim.url("/scim/v2/Groups/unsupported-group"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.header("x-scimshim-rule")),
        (204, Some("no-groups.delete"))
    );
    assert!(
        rec.requests().is_empty(),
        "group writes reached the backend: {:#?}",
        rec.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_groups_mixed_user_patch_forwards_only_supported_ops() {
    let (rec, shim) = setup(&["rules/common", "rules/backends/no-groups.yaml"]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Babs"},
            {"op": "Add", "path": "groups", "value": [{"value": "g1"}]},
            {"op": "remove", "path": "groups[value eq \"g2\"]"},
            {"op": "replace", "path": "active", "value": "False"},
        ]
    })
    .to_string();
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Users/u1"),
        &[JSON],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200);
    let got = rec.only();
    assert_eq!(
        got.json()["Operations"],
        json!([
            {"op": "replace", "path": "displayName", "value": "Babs"},
            {"op": "replace", "path": "active", "value": false},
        ])
    );
    assert_content_length_matches(&got.body, got.header("content-length"));

    // Only group operations: nothing to forward, answered by the rule.
    let only_groups = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"groups","value":[{"value":"g1"}]}]}"#;
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Users/u1"),
        &[JSON],
        Some(only_groups),
    )
    .await;
    assert_eq!(
        (r.status, r.header("x-scimshim-rule")),
        (204, Some("no-groups.user-group-ops"))
    );
    assert_eq!(
        rec.requests().len(),
        1,
        "the empty PATCH must not be forwarded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_create_drops_read_only_groups_when_groups_are_unsupported() {
    let (rec, shim) = setup(&["rules/common", "rules/backends/no-groups.yaml"]).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t","groups":[],"active":true}"#;
    let r = send("POST", &shim.url("/scim/v2/Users"), &[JSON], Some(body)).await;
    assert_eq!(r.status, 200);
    let v: Value = rec.only().json();
    assert!(v.get("groups").is_none());
    assert_eq!(v["userName"], "t");
}
