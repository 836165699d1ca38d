//! The backend profiles of `rules/backends/` through the real binary: each
//! in front of the embedded strict backend configured like the service (no
//! groups, its credentials), or a recording upstream where the service keeps
//! attributes the embedded backend does not know. What a profile refuses
//! must never reach the backend; what it adapts must arrive adapted.

use serde_json::{Value, json};

use crate::support::recorder::Canned;
use crate::support::{Embedded, Recorder, Scimshim, send};

const JSON: (&str, &str) = ("content-type", "application/scim+json");
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// scimshim in front of `upstream` with these rule files, in order.
fn shim(upstream: &str, rules: &[&str]) -> Scimshim {
    let mut args = vec!["--upstream", upstream];
    for r in rules {
        args.push("--rules");
        args.push(r);
    }
    Scimshim::start(&args)
}

fn patch(ops: Value) -> String {
    json!({"schemas": [PATCH_OP], "Operations": ops}).to_string()
}

#[track_caller]
fn assert_scim_error(r: &crate::support::client::Reply, status: u16, scim_type: &str, rule: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["status"], status.to_string());
    assert_eq!(body["scimType"], scim_type);
    assert!(
        body["detail"].as_str().is_some_and(|d| d.len() > 40),
        "a detail that tells the admin what to change: {body}"
    );
    assert_eq!(r.header("x-scimshim-rule"), Some(rule));
}

/// A user created directly on the backend; its id.
async fn create_directly(base: &str, headers: &[(&str, &str)], user: Value) -> String {
    let mut all = vec![JSON];
    all.extend_from_slice(headers);
    let r = send(
        "POST",
        &format!("{base}/Users"),
        &all,
        Some(&user.to_string()),
    )
    .await;
    r.assert_status(201);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Value {
    let r = send("GET", url, headers, None).await;
    r.assert_status(200);
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendsafely_refuses_a_rename_and_nothing_reaches_the_backend() {
    const BASIC: &str = "Basic c2NpbS1hZG1pbkBleGFtcGxlLmNvbTprM3k=";
    const BEARER: &str = "Bearer scim-admin@example.com:k3y";
    let backend = Embedded::start(&["--no-groups", "--authorization", BASIC]);
    let base = backend.url();
    let auth = [("authorization", BASIC)];
    let id = create_directly(
        &base,
        &auth,
        json!({"schemas": [USER], "userName": "alice@example.com",
               "name": {"givenName": "Alice", "familyName": "Smith"}, "active": true}),
    )
    .await;
    let shim = shim(
        &base,
        &[
            "rules/common",
            "rules/backends/no-groups.yaml",
            "rules/backends/bearer-to-basic.yaml",
            "rules/backends/sendsafely.yaml",
        ],
    );
    let url = shim.url(&format!("/scim/v2/Users/{id}"));
    let entra = [JSON, ("authorization", BEARER)];

    // Entra's rename, URN-qualified: refused, the user is unchanged.
    let rename = patch(json!([{"op": "Replace",
        "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "value": "alice.new@example.com"}]));
    let r = send("PATCH", &url, &entra, Some(&rename)).await;
    assert_scim_error(&r, 400, "mutability", "sendsafely.user-name-immutable");
    let stored = get(&format!("{base}/Users/{id}"), &auth).await;
    assert_eq!(stored["userName"], "alice@example.com");
    assert_eq!(
        stored["meta"]["version"],
        get(&format!("{base}/Users/{id}"), &auth).await["meta"]["version"]
    );

    // The same rename as a full replace.
    let put = json!({"schemas": [USER], "userName": "bob@example.com",
                     "name": {"givenName": "Alice", "familyName": "Smith"}});
    let r = send("PUT", &url, &entra, Some(&put.to_string())).await;
    assert_scim_error(&r, 400, "mutability", "sendsafely.user-name-immutable");
    assert_eq!(
        get(&format!("{base}/Users/{id}"), &auth).await["userName"],
        "alice@example.com"
    );

    // A name change that repeats the user name goes through, with Basic.
    let update = patch(json!([
        {"op": "Replace", "path": "userName", "value": "Alice@Example.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Jones"}
    ]));
    let r = send("PATCH", &url, &entra, Some(&update)).await;
    assert!(
        (200..300).contains(&r.status),
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    let stored = get(&format!("{base}/Users/{id}"), &auth).await;
    assert_eq!(stored["userName"], "alice@example.com");
    assert_eq!(stored["name"]["familyName"], "Jones");

    // Test Connection's group probe is answered; the backend has no /Groups.
    let r = send(
        "GET",
        &shim.url("/scim/v2/Groups?filter=displayName+eq+%22x%22"),
        &entra,
        None,
    )
    .await;
    r.assert_status(200);
    assert_eq!(r.json()["totalResults"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_lower_cases_user_names_and_refuses_impossible_ones() {
    let backend = Embedded::start(&[]);
    let base = backend.url();
    let shim = shim(&base, &["rules/common", "rules/backends/wire.yaml"]);
    let user = |name: &str, display: &str| {
        json!({"schemas": [USER], "userName": name, "displayName": display,
               "externalId": "alice@example.com"})
        .to_string()
    };

    // The client appended /v2 to a base URL ending in /v2 (GEN-01).
    let r = send(
        "POST",
        &shim.url("/scim/v2/v2/Users"),
        &[JSON],
        Some(&user("Alice.Smith", "Alice Smith")),
    )
    .await;
    r.assert_status(201);
    assert_eq!(r.json()["userName"], "alice.smith");
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&format!("{base}/Users/{id}"), &[]).await["userName"],
        "alice.smith"
    );

    // An e-mail address cannot become a Wire user name: refused, not created.
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&user("Bob@Example.com", "Bob")),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "wire.user-name-characters");
    // A profile name over 128 characters: refused as well.
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&user("bob", &"B".repeat(129))),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "wire.display-name-length");
    let all = get(&format!("{base}/Users"), &[]).await;
    assert_eq!(all["totalResults"], 1, "{all}");

    // A rename by PATCH is lower-cased too.
    let r = send(
        "PATCH",
        &shim.url(&format!("/scim/v2/Users/{id}")),
        &[JSON],
        Some(&patch(
            json!([{"op": "Replace", "path": "userName", "value": "A.Smith"}]),
        )),
    )
    .await;
    assert!((200..300).contains(&r.status), "{}", r.status);
    assert_eq!(
        get(&format!("{base}/Users/{id}"), &[]).await["userName"],
        "a.smith"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wetransfer_maps_the_app_role_into_its_extension() {
    let rec = Recorder::start(Canned {
        status: 201,
        ..Canned::default()
    })
    .await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = shim(
        &upstream,
        &[
            "rules/common",
            "rules/backends/no-groups.yaml",
            "rules/backends/wetransfer.yaml",
        ],
    );
    let create = json!({
        "schemas": [USER],
        "userName": "alex@contoso.example",
        "active": "True",
        "name": {"givenName": "Alex", "familyName": "Wu"},
        "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]
    });
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&create.to_string()),
    )
    .await;
    r.assert_status(201);
    let sent = rec.only().json();
    assert_eq!(
        sent,
        json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User"],
            "userName": "alex@contoso.example",
            "active": true,
            "name": {"givenName": "Alex", "familyName": "Wu"},
            "urn:ietf:params:scim:schemas:extension:WeTransfer:2.0:User": {"role": "Admin"}
        })
    );

    // A role WeTransfer does not know, and groups: nothing more is sent.
    let mut other = create.clone();
    other["roles"][0]["value"] = json!("Owner");
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&other.to_string()),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "wetransfer.role-values");
    let r = send(
        "POST",
        &shim.url("/scim/v2/Groups"),
        &[JSON],
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}).to_string()),
    )
    .await;
    r.assert_status(201);
    assert_eq!(rec.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weftid_keeps_its_merge_key() {
    let backend = Embedded::start(&[]);
    let base = backend.url();
    let id = create_directly(
        &base,
        &[],
        json!({"schemas": [USER], "userName": "alice@contoso.example",
               "externalId": "5c7d0a4e", "active": true}),
    )
    .await;
    let shim = shim(&base, &["rules/common", "rules/backends/weftid.yaml"]);
    // Entra re-sends the externalId with `Add` as it deactivates (ENTRA-03),
    // through a base URL that ended in a slash.
    let deactivate = patch(json!([
        {"op": "Add", "path": "externalId", "value": "5c7d0a4e"},
        {"op": "Replace", "path": "active", "value": "False"}
    ]));
    let r = send(
        "PATCH",
        &shim.url(&format!("/scim/v2//Users/{id}")),
        &[JSON],
        Some(&deactivate),
    )
    .await;
    assert!(
        (200..300).contains(&r.status),
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    let stored = get(&format!("{base}/Users/{id}"), &[]).await;
    assert_eq!(
        (stored["active"].clone(), stored["externalId"].clone()),
        (json!(false), json!("5c7d0a4e"))
    );

    let change = patch(json!([{"op": "replace", "path": "externalId", "value": "other"}]));
    let r = send(
        "PATCH",
        &shim.url(&format!("/scim/v2/Users/{id}")),
        &[JSON],
        Some(&change),
    )
    .await;
    assert_scim_error(&r, 400, "mutability", "weftid.external-id-immutable");
    assert_eq!(
        get(&format!("{base}/Users/{id}"), &[]).await["externalId"],
        "5c7d0a4e"
    );

    // A user without the merge key is never created.
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&json!({"schemas": [USER], "userName": "bo@contoso.example"}).to_string()),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "weftid.external-id-required");
    assert_eq!(get(&format!("{base}/Users"), &[]).await["totalResults"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_refuses_what_it_would_silently_ignore() {
    let rec = Recorder::start(Canned::default()).await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = shim(
        &upstream,
        &[
            "rules/common",
            "rules/backends/aws-iam-identity-center.yaml",
        ],
    );
    // Okta's full membership push: AWS would answer 204 and change nothing.
    let push = patch(json!([{"op": "replace", "path": "members",
        "value": [{"value": "u1", "display": "a@okta.local"}]}]));
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Groups/g1"),
        &[JSON],
        Some(&push),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "aws.group-member-replace");
    // Two e-mail addresses.
    let two = json!({"schemas": [USER], "userName": "a", "displayName": "A",
        "name": {"givenName": "A", "familyName": "B"},
        "emails": [{"value": "a@x.example"}, {"value": "a@y.example"}]});
    let r = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[JSON],
        Some(&two.to_string()),
    )
    .await;
    assert_scim_error(&r, 400, "invalidValue", "aws.one-value-per-list");
    assert!(rec.requests().is_empty(), "{:#?}", rec.requests());

    // One member added by Okta: the display goes, the add arrives.
    let add = patch(json!([{"op": "add", "path": "members",
        "value": [{"value": "u1", "display": "a@okta.local"}]}]));
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Groups/g1"),
        &[JSON],
        Some(&add),
    )
    .await;
    r.assert_status(200);
    assert_eq!(
        rec.only().json()["Operations"],
        json!([{"op": "add", "path": "members", "value": [{"value": "u1"}]}])
    );
}
