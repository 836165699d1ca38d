//! Against the real strict backend, scim2-server: quirky requests that it
//! rejects when sent directly are accepted through scimshim with the shipped
//! rules, and the backend's state afterwards is what the IdP meant.
//! (scim2-server tolerates string booleans and capitalised ops, so those rules
//! are proven at the recording upstream in `rewrites.rs`.)

use serde_json::json;

use crate::support::{ScimServer, Scimshim, send};

const JSON: (&str, &str) = ("content-type", "application/scim+json");

/// scim2-server at `/v2`, scimshim in front serving `/scim/v2`.
fn stack(rules: &[&str]) -> (ScimServer, Scimshim) {
    let backend = ScimServer::start(&[]);
    let upstream = backend.url();
    let mut args = vec!["--upstream", upstream.as_str()];
    for r in rules {
        args.push("--rules");
        args.push(r);
    }
    let shim = Scimshim::start(&args);
    (backend, shim)
}

fn backend_url(b: &ScimServer, path: &str) -> String {
    format!("{}{}", b.url(), path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen01_doubled_v2_fails_directly_and_works_through_scimshim() {
    let (backend, shim) = stack(&["rules/common"]);
    let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"gen01.user","active":true}"#;

    // Directly, the doubled segment is not an endpoint.
    let direct = send(
        "POST",
        &backend_url(&backend, "/v2/Users"),
        &[JSON],
        Some(user),
    )
    .await;
    assert!(
        matches!(direct.status, 404 | 405),
        "direct POST /v2/v2/Users: {}",
        direct.status
    );
    let direct = send("GET", &backend_url(&backend, "/v2/Users"), &[], None).await;
    assert_eq!(direct.status, 404);

    // Through scimshim the client's doubled URL works.
    let created = send("POST", &shim.url("/scim/v2/v2/Users"), &[JSON], Some(user)).await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let listed = send(
        "GET",
        &shim.url("/scim/v2/v2/Users?filter=userName+eq+%22gen01.user%22"),
        &[],
        None,
    )
    .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["totalResults"], 1);

    // The backend holds exactly that user.
    let state = send(
        "GET",
        &backend_url(&backend, &format!("/Users/{id}")),
        &[],
        None,
    )
    .await;
    assert_eq!(state.status, 200);
    assert_eq!(state.json()["userName"], "gen01.user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra12_extra_group_schema_fails_directly_and_works_through_scimshim() {
    let (backend, shim) = stack(&["rules/common"]);
    // Entra's documented group create body (ENTRA-12).
    let group = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
        ],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Entra Group",
        "meta": {"resourceType": "Group"}
    })
    .to_string();

    let direct = send(
        "POST",
        &backend_url(&backend, "/Groups"),
        &[JSON],
        Some(&group),
    )
    .await;
    direct.assert_status(400);
    assert_eq!(direct.json()["scimType"], "invalidSyntax");
    let none = send("GET", &backend_url(&backend, "/Groups"), &[], None).await;
    assert_eq!(
        none.json()["totalResults"],
        0,
        "the rejected create stored nothing"
    );

    let created = send("POST", &shim.url("/scim/v2/Groups"), &[JSON], Some(&group)).await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let state = send(
        "GET",
        &backend_url(&backend, &format!("/Groups/{id}")),
        &[],
        None,
    )
    .await;
    assert_eq!(state.status, 200);
    let v = state.json();
    assert_eq!(v["displayName"], "Entra Group");
    assert_eq!(v["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_deprovision_session_ends_with_the_user_inactive() {
    // Entra default mode: create, then disable with capitalised op, string
    // boolean and a URN-qualified path (ENTRA-01, -02, -06), then re-enable.
    let (backend, shim) = stack(&["rules/common"]);
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2", "userName": "Test_User@contoso.com", "active": "True",
        "emails": [{"primary": "True", "type": "work", "value": "test@contoso.com"}],
        "meta": {"resourceType": "User"}, "roles": [],
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"}
    })
    .to_string();
    let created = send("POST", &shim.url("/scim/v2/Users"), &[JSON], Some(&user)).await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let item = format!("/scim/v2/Users/{id}");

    let disable = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:active","value":"False"},{"op":"Replace","path":"displayName","value":"Gone"}]}"#;
    let r = send("PATCH", &shim.url(&item), &[JSON], Some(disable)).await;
    assert!(
        r.status == 204 || r.status == 200,
        "{}: {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    let state = send(
        "GET",
        &backend_url(&backend, &format!("/Users/{id}")),
        &[],
        None,
    )
    .await
    .json();
    assert_eq!(state["active"], false);
    assert_eq!(state["displayName"], "Gone");
    assert_eq!(state["emails"][0]["primary"], true);

    let enable = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"active":"True"}}]}"#;
    let r = send("PATCH", &shim.url(&item), &[JSON], Some(enable)).await;
    assert!(r.status == 204 || r.status == 200);
    let state = send(
        "GET",
        &backend_url(&backend, &format!("/Users/{id}")),
        &[],
        None,
    )
    .await
    .json();
    assert_eq!(state["active"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_groups_profile_keeps_group_traffic_off_the_backend() {
    let (backend, shim) = stack(&["rules/common", "rules/backends/no-groups.yaml"]);
    // Entra Test Connection: user probe forwarded, group probe answered here.
    let r = send(
        "GET",
        &shim.url("/scim/v2/Users?filter=userName+eq+%227d420df3%22"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["totalResults"].clone()),
        (200, json!(0))
    );
    let r = send(
        "GET",
        &shim.url("/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22x%22"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.header("x-scimshim-rule")),
        (200, Some("no-groups.list"))
    );
    // A group push: create and membership change are acknowledged, not stored.
    let r = send(
        "POST",
        &shim.url("/scim/v2/Groups"),
        &[JSON],
        Some(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}"#),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = send("PATCH", &shim.url("/scim/v2/Groups/unsupported-group"), &[JSON], Some(r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"x"}]}]}"#)).await;
    assert_eq!(r.status, 204);
    // The backend (which does have Groups) received none of it.
    let groups = send("GET", &backend_url(&backend, "/Groups"), &[], None)
        .await
        .json();
    assert_eq!(groups["totalResults"], 0);
}
