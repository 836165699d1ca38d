//! The SCIM-aware actions through the real binary, against both strict
//! backends (scim2-server from PyPI and `scimshim backend`): each quirky
//! request is first shown to fail when sent directly, then to succeed through
//! scimshim, and the backend's state is checked afterwards.

use serde_json::{Value, json};

use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, Strict, send};

const JSON: (&str, &str) = ("content-type", "application/scim+json");
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn shim_for(backend: &Strict, rules: &[&str]) -> Scimshim {
    let upstream = backend.url();
    let mut args = vec!["--upstream", upstream.as_str()];
    for r in rules {
        args.push("--rules");
        args.push(r);
    }
    Scimshim::start(&args)
}

async fn create_user(base: &str, name: &str) -> String {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "active": true,
        "emails": [{"type": "home", "value": format!("{name}@home.example")}]
    });
    let r = send(
        "POST",
        &format!("{base}/Users"),
        &[JSON],
        Some(&body.to_string()),
    )
    .await;
    r.assert_status(201);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn create_group(base: &str, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
        "members": members
    });
    let r = send(
        "POST",
        &format!("{base}/Groups"),
        &[JSON],
        Some(&body.to_string()),
    )
    .await;
    r.assert_status(201);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn get(url: &str) -> Value {
    let r = send("GET", url, &[], None).await;
    r.assert_status(200);
    r.json()
}

/// Sends a PATCH body as SCIM JSON.
async fn send_patch(url: &str, body: &str) -> crate::support::client::Reply {
    send("PATCH", url, &[JSON], Some(body)).await
}

fn patch(ops: Value) -> String {
    json!({"schemas": [PATCH_OP], "Operations": ops}).to_string()
}

#[track_caller]
fn assert_rejected(r: &crate::support::client::Reply, status: u16, scim_type: &str, who: &str) {
    assert_eq!(
        r.status,
        status,
        "{who}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["scimType"], scim_type, "{who}");
}

#[track_caller]
fn assert_success(r: &crate::support::client::Reply, who: &str) {
    assert!(
        (200..300).contains(&r.status),
        "{who}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra04_member_removal_by_value_keeps_the_other_members() {
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        let (alice, bob) = (
            create_user(&base, "e04.alice").await,
            create_user(&base, "e04.bob").await,
        );
        let group = create_group(&base, "e04", &[&alice, &bob]).await;
        let quirky = patch(json!([
            {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": bob}]}
        ]));

        let direct = send_patch(&format!("{base}/Groups/{group}"), &quirky).await;
        assert_rejected(&direct, 400, "invalidValue", who);
        let mut both = vec![alice.clone(), bob.clone()];
        both.sort();
        assert_eq!(
            member_ids(&get(&format!("{base}/Groups/{group}")).await),
            both,
            "{who}"
        );

        let through = send_patch(&shim.url(&format!("/scim/v2/Groups/{group}")), &quirky).await;
        assert_success(&through, who);
        assert_eq!(
            member_ids(&get(&format!("{base}/Groups/{group}")).await),
            vec![alice.clone()],
            "{who}: only bob left the group"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra02_string_booleans_are_typed_by_the_schema() {
    // coerce_by_schema: a URN-qualified `active`, a `primary` inside an added
    // element and a path-less `active` all become booleans; a title that
    // reads "True" stays a string because the schema says string.
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        let user = create_user(&base, &format!("e02.{who}")).await;
        let quirky = patch(json!([
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": "False"},
            {"op": "add", "path": "emails", "value": [{"value": "e02@corp.example", "type": "work", "primary": "True"}]},
            {"op": "replace", "value": {"title": "True"}}
        ]));
        let direct = send_patch(&format!("{base}/Users/{user}"), &quirky).await;
        if matches!(backend, Strict::Embedded(_)) {
            // scim2-server tolerates string booleans; the embedded backend
            // follows RFC 7643 §2.3.2.
            assert_rejected(&direct, 400, "invalidValue", who);
            assert_eq!(get(&format!("{base}/Users/{user}")).await["active"], true);
        }

        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &quirky).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        assert_eq!(after["active"], json!(false), "{who}: {after}");
        assert_eq!(after["title"], json!("True"), "{who}: {after}");
        let work: Vec<_> = after["emails"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["value"] == "e02@corp.example")
            .collect();
        assert_eq!(work.len(), 1, "{who}: {after}");
        assert_eq!(work[0]["primary"], json!(true), "{who}: {after}");
        let change = shim.wait_log(|l| {
            l["rule.action"] == "coerce_by_schema"
                && l["rule.target"] == "/Operations/1/value/0/primary"
        });
        assert_eq!(change["rule.id"], "generic.string-booleans-in-patch");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra07_filtered_write_on_a_missing_element_creates_it() {
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        let user = create_user(&base, "e07.user").await;
        let quirky = patch(json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "work@corp.example"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Oslo"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "NO"}
        ]));
        // Spelled strictly, so that the embedded backend gets as far as the
        // target (it rejects the capitalised op first).
        let strict = quirky.replace("\"Replace\"", "\"replace\"");
        let direct = send_patch(&format!("{base}/Users/{user}"), &strict).await;
        assert_rejected(&direct, 400, "noTarget", who);

        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &quirky).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        let emails = after["emails"].as_array().unwrap();
        assert!(
            emails
                .iter()
                .any(|e| e["type"] == "work" && e["value"] == "work@corp.example"),
            "{who}: {after}"
        );
        assert!(
            emails.iter().any(|e| e["type"] == "home"),
            "{who}: home email kept"
        );
        let addresses = after["addresses"].as_array().unwrap();
        assert_eq!(addresses.len(), 1, "{who}: one merged address: {after}");
        assert_eq!(addresses[0]["locality"], "Oslo");
        assert_eq!(addresses[0]["country"], "NO");
        // The fetch is logged.
        shim.wait_log(|l| l["message"] == "upstream fetch");

        // Once it exists, the same request is a plain replace.
        let again = patch(json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@corp.example"}
        ]));
        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &again).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        let work: Vec<&Value> = after["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "work")
            .collect();
        assert_eq!(work.len(), 1, "{who}: no duplicate: {after}");
        assert_eq!(work[0]["value"], "new@corp.example");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra08_bare_manager_is_wrapped() {
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        let user = create_user(&base, "e08.user").await;
        let quirky = patch(json!([
            {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": "boss-271"}
        ]));
        let direct = send_patch(&format!("{base}/Users/{user}"), &quirky).await;
        assert_rejected(&direct, 400, "invalidValue", who);

        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &quirky).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        assert_eq!(
            after[ENTERPRISE]["manager"]["value"], "boss-271",
            "{who}: {after}"
        );

        // Entra's removal: a filter on a single-valued attribute.
        let remove = patch(json!([{"op": "remove", "path": "manager[value eq \"boss-271\"]"}]));
        let direct = send_patch(&format!("{base}/Users/{user}"), &remove).await;
        assert!(
            direct.status >= 400,
            "{who}: direct removal {}",
            direct.status
        );
        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &remove).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        assert!(
            after
                .get(ENTERPRISE)
                .and_then(|e| e.get("manager"))
                .is_none(),
            "{who}: manager removed: {after}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra05_dotted_keys_are_rebuilt_into_a_partial_resource() {
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        let user = create_user(&base, "e05.user").await;
        let quirky = patch(json!([
            {"op": "Replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                format!("{ENTERPRISE}:employeeNumber"): "Aklq"
            }}
        ]));
        if let Strict::Embedded(_) = backend {
            // scim2-server tolerates these keys; the embedded backend does not
            // (RFC 7644 §3.5.2.1 wants attribute names, not paths).
            let direct = send_patch(&format!("{base}/Users/{user}"), &quirky).await;
            assert_eq!(
                direct.status,
                400,
                "{who}: {}",
                String::from_utf8_lossy(&direct.body)
            );
        }
        let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &quirky).await;
        assert_success(&through, who);
        let after = get(&format!("{base}/Users/{user}")).await;
        assert_eq!(after["displayName"], "Bjfe", "{who}");
        assert_eq!(after["name"]["givenName"], "Kkom", "{who}: {after}");
        assert_eq!(after["name"]["familyName"], "Unua", "{who}");
        assert_eq!(after[ENTERPRISE]["employeeNumber"], "Aklq", "{who}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_via_put_for_a_backend_without_patch() {
    // The embedded backend with PATCH turned off answers 501 (RFC 7644 §3.5.2).
    let backend = Strict::Embedded(crate::support::Embedded::start(&["--no-patch"]));
    let base = backend.url();
    let shim = shim_for(&backend, &["rules/common", "rules/backends/put-only.yaml"]);
    let user = create_user(&base, "put.user").await;
    let quirky = patch(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "title", "value": "CTO"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@corp.example"}
    ]));
    let direct = send_patch(&format!("{base}/Users/{user}"), &quirky).await;
    assert_eq!(
        direct.status,
        501,
        "{}",
        String::from_utf8_lossy(&direct.body)
    );

    let through = send_patch(&shim.url(&format!("/scim/v2/Users/{user}")), &quirky).await;
    assert_success(&through, "embedded --no-patch");
    let after = get(&format!("{base}/Users/{user}")).await;
    assert_eq!(after["active"], false);
    assert_eq!(after["title"], "CTO");
    assert!(
        after["emails"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "work"),
        "{after}"
    );
    assert_eq!(
        after["userName"], "put.user",
        "the rest of the user is kept"
    );
    // The PUT carried the ETag of the fetched version.
    shim.wait_log(|l| l["rule.target"] == "header:if-match");

    // A missing user: the upstream's 404 goes back, nothing is created.
    let missing = send_patch(&shim.url("/scim/v2/Users/nobody"), &quirky).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprovisioning_as_deactivation_or_as_deletion() {
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let base = backend.url();

        let keep = shim_for(
            &backend,
            &[
                "rules/common",
                "rules/backends/deprovision-by-deactivation.yaml",
            ],
        );
        let user = create_user(&base, "dep.keep").await;
        let r = send(
            "DELETE",
            &keep.url(&format!("/scim/v2/Users/{user}")),
            &[],
            None,
        )
        .await;
        r.assert_status(204);
        let after = get(&format!("{base}/Users/{user}")).await;
        assert_eq!(after["active"], false, "{who}: kept, inactive");

        let delete = shim_for(
            &backend,
            &[
                "rules/common",
                "rules/backends/deprovision-by-deletion.yaml",
            ],
        );
        let user = create_user(&base, "dep.gone").await;
        let off = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        let r = send_patch(&delete.url(&format!("/scim/v2/Users/{user}")), &off).await;
        r.assert_status(204);
        let gone = send("GET", &format!("{base}/Users/{user}"), &[], None).await;
        assert_eq!(gone.status, 404, "{who}: deleted");
        // Any other change is a PATCH as before.
        let other = create_user(&base, "dep.other").await;
        let title = patch(json!([{"op": "replace", "path": "title", "value": "x"}]));
        let r = send_patch(&delete.url(&format!("/scim/v2/Users/{other}")), &title).await;
        assert_success(&r, who);
        assert_eq!(get(&format!("{base}/Users/{other}")).await["title"], "x");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra08_manager_is_shaped_in_responses() {
    // No strict backend returns a bare manager; a legacy one would. Proven at
    // a recording upstream that answers like one.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1",
        "userName": "legacy",
        ENTERPRISE: {"manager": "boss-1"}
    });
    let rec = Recorder::start(Canned {
        body: body.to_string().into_bytes(),
        ..Canned::default()
    })
    .await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start(&[
        "--upstream",
        &upstream,
        "--rules",
        "rules/common",
        "--rules",
        "rules/backends/lax-responses.yaml",
    ]);
    let r = send("GET", &shim.url("/scim/v2/Users/u1"), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.json()[ENTERPRISE]["manager"], json!({"value": "boss-1"}));
    assert_eq!(
        r.header("content-length").map(str::to_string),
        Some(r.body.len().to_string())
    );
    // Groups are not touched: the rule names User.
    let r = send("GET", &shim.url("/scim/v2/Groups/g1"), &[], None).await;
    assert_eq!(r.json()[ENTERPRISE]["manager"], "boss-1");
}

#[test]
fn demo_replays_the_session_and_every_step_succeeds() {
    let out = std::process::Command::new(crate::support::scimshim::bin())
        .args(["--log", "warn", "demo", "--no-serve"])
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for rule in [
        "generic.patch-lowercase-op",
        "generic.members-remove-by-value",
        "generic.upsert-filtered-path",
        "generic.manager-shape",
        "generic.string-booleans-in-resources",
        "generic.patch-normalize",
    ] {
        assert!(stdout.contains(rule), "{rule} not shown:\n{stdout}");
    }
    assert!(stdout.contains("curl"), "{stdout}");
}

/// A user as a legacy upstream returns it, with its ETag.
fn versioned_user(display: &str, etag: &str) -> Canned {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1",
        "userName": "race.user",
        "displayName": display,
        "active": true,
        "meta": {"resourceType": "User", "version": etag}
    });
    Canned {
        headers: vec![
            ("content-type", "application/scim+json".into()),
            ("etag", etag.into()),
        ],
        body: body.to_string().into_bytes(),
        ..Canned::default()
    }
}

fn precondition_failed() -> Canned {
    Canned {
        status: 412,
        body: json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "412",
            "detail": "version mismatch"
        })
        .to_string()
        .into_bytes(),
        ..Canned::default()
    }
}

fn put_only_shim(rec: &Recorder) -> Scimshim {
    let upstream = format!("{}/scim/v2", rec.url());
    Scimshim::start(&[
        "--upstream",
        &upstream,
        "--rules",
        "rules/common",
        "--rules",
        "rules/backends/put-only.yaml",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_via_put_refetches_and_reapplies_after_412() {
    // PING-01. Someone else changes the user between scimshim's GET and its
    // PUT: the upstream answers 412, scimshim fetches the new version and
    // applies the PATCH to that, so the other change is not overwritten.
    // No strict backend here can be made to race on cue, so a recording
    // upstream plays the backend's part.
    let rec = Recorder::start_script(vec![
        versioned_user("Race User", "W/\"1\""),
        precondition_failed(),
        versioned_user("Renamed Elsewhere", "W/\"2\""),
        versioned_user("Renamed Elsewhere", "W/\"3\""),
    ])
    .await;
    let shim = put_only_shim(&rec);
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Users/u1"),
        &[JSON],
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )),
    )
    .await;
    assert_success(&r, "recorder");

    let seen = rec.requests();
    let calls: Vec<_> = seen
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        calls,
        [
            "GET /scim/v2/Users/u1",
            "PUT /scim/v2/Users/u1",
            "GET /scim/v2/Users/u1",
            "PUT /scim/v2/Users/u1"
        ]
    );
    assert_eq!(seen[1].header("if-match").as_deref(), Some("W/\"1\""));
    assert_eq!(seen[3].header("if-match").as_deref(), Some("W/\"2\""));
    let first = seen[1].json();
    let second = seen[3].json();
    assert_eq!(first["displayName"], "Race User");
    assert_eq!(first["active"], false);
    assert_eq!(second["displayName"], "Renamed Elsewhere", "{second}");
    assert_eq!(second["active"], false, "{second}");
    let retry = shim.wait_log(|l| l["message"] == "precondition failed, retrying");
    assert_eq!(retry["rule.id"], "backend.patch-via-put");
    assert_eq!(retry["retry.attempt"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_via_put_gives_up_after_its_retries_and_relays_the_412() {
    // The resource keeps changing: after `retries: 3` the client gets the
    // upstream's 412 rather than an endless loop.
    let mut script = Vec::new();
    for n in 1..=4 {
        script.push(versioned_user("Busy", &format!("W/\"{n}\"")));
        script.push(precondition_failed());
    }
    let rec = Recorder::start_script(script).await;
    let shim = put_only_shim(&rec);
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/Users/u1"),
        &[JSON],
        Some(&patch(
            json!([{"op": "replace", "path": "title", "value": "CTO"}]),
        )),
    )
    .await;
    assert_eq!(r.status, 412, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["detail"], "version mismatch");
    let seen = rec.requests();
    let puts = seen.iter().filter(|r| r.method == "PUT").count();
    let gets = seen.iter().filter(|r| r.method == "GET").count();
    assert_eq!((gets, puts), (4, 4), "one try and three retries");
    for (n, put) in seen.iter().filter(|r| r.method == "PUT").enumerate() {
        assert_eq!(put.header("if-match"), Some(format!("W/\"{}\"", n + 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra10_a_list_that_finds_nothing_is_an_empty_list_not_a_404() {
    // A legacy backend answers 404 to a filter that matches nothing; Entra's
    // Test Connection then fails. A response rule answers in its place.
    let rec = Recorder::start(Canned {
        status: 404,
        headers: vec![("content-type", "application/json".into())],
        body: br#"{"detail":"no users","status":404}"#.to_vec(),
        ..Canned::default()
    })
    .await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start(&["--upstream", &upstream, "--rules", "rules/common"]);
    let probe = "/scim/v2/Users?filter=userName%20eq%20%22c0ffee-not-a-user%22";
    let r = send("GET", &shim.url(probe), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.json()["totalResults"], 0);
    assert_eq!(r.json()["Resources"], json!([]));
    assert_eq!(
        r.header("x-scimshim-rule"),
        Some("generic.list-not-found-is-empty")
    );
    assert_eq!(rec.requests().len(), 1, "the upstream was asked");

    // An item 404 stays a 404, with its error body normalised.
    let r = send("GET", &shim.url("/scim/v2/Users/gone"), &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], "404", "RFC 7644 §3.12: a string");
    assert_eq!(
        r.header("content-type"),
        Some("application/scim+json; charset=utf-8")
    );
    let done = shim.wait_log(|l| l["message"] == "request" && l["http.status"] == 200);
    assert_eq!(done["local"], true, "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wso2_01_bare_filter_values_are_quoted() {
    // WSO2 IS looks groups up with `displayName Eq PRIMARY/system`: a bare
    // value, which RFC 7644 §3.4.2.2 does not allow.
    for start in Strict::both() {
        let backend = start(&[]);
        let who = backend.name();
        let shim = shim_for(&backend, &["rules/common"]);
        let base = backend.url();
        create_group(&base, "PRIMARY/system", &[]).await;
        let query = "filter=displayName+Eq+PRIMARY/system";
        let direct = send("GET", &format!("{base}/Groups?{query}"), &[], None).await;
        assert_eq!(
            direct.status,
            400,
            "{who}: {}",
            String::from_utf8_lossy(&direct.body)
        );
        let through = send(
            "GET",
            &shim.url(&format!("/scim/v2/Groups?{query}")),
            &[],
            None,
        )
        .await;
        through.assert_status(200);
        assert_eq!(through.json()["totalResults"], 1, "{who}");
        assert_eq!(
            through.json()["Resources"][0]["displayName"],
            "PRIMARY/system"
        );
        let change = shim.wait_log(|l| l["rule.target"] == "query:filter");
        assert_eq!(change["rule.id"], "generic.filter-canonical");
        assert_eq!(
            change["rule.after"], "\"displayName eq \\\"…\\\"\"",
            "values masked"
        );
    }
}
