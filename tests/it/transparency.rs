//! Transparency: what no rule changes passes through unchanged, in both
//! directions. Most tests load the shipped dialect rules (`rules/common`) so
//! that rules are present, and sometimes read the body, but do not match or
//! change anything; one test runs with no rules at all.

use std::collections::BTreeSet;

use http::Version;

use crate::support::client::{self, send, send_h2};
use crate::support::recorder::Canned;
use crate::support::{Recorder, Scimshim, through_recorder};

const DIALECTS: &str = "rules/common";

/// Hop-by-hop headers (RFC 9110 §7.6.1) that must never cross the proxy.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "x-hop",
];

/// Headers that describe the response as the proxy produced it, never the upstream's.
const PROXY_MARKERS: [&str; 2] = ["x-scimshim-error", "x-scimshim-rule"];

fn multiset(headers: &[(String, Vec<u8>)]) -> BTreeSet<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect()
}

/// The values of one header, in arrival order.
fn values(headers: &[(String, Vec<u8>)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// The request event (`message` = "request") of the only request so far.
fn only_request_event(shim: &Scimshim) -> serde_json::Value {
    let events = shim.request_events(1);
    assert_eq!(events.len(), 1, "expected one request event: {events:#?}");
    events.into_iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_with_odd_query_and_end_to_end_headers_arrives_unchanged() {
    let rec = Recorder::start(Canned::default()).await;
    let upstream = format!("{}/api/scim", rec.url());
    let shim = Scimshim::start(&["--upstream", &upstream, "--rules", DIALECTS]);

    let query = "filter=userName%20eq%20%22bjensen%40example.com%22&attributes=name.givenName,emails\
                 &x=a+b%2Bc&odd=~!$'()*,;:@/?%7e%25%e2%9c%93&empty=&dup=1&dup=2";
    let url = shim.url(&format!("/scim/v2/Users?{query}"));
    let end_to_end: Vec<(&str, &str)> = vec![
        ("host", "idp-facing.example.test:8443"),
        (
            "x-custom",
            "value with  two  spaces, a comma; and \"quotes\"",
        ),
        (
            "user-agent",
            "Okta SCIM Client 1.0.0 (+https://example.test/ua)",
        ),
        (
            "accept",
            "application/scim+json, application/json;q=0.9, */*;q=0.1",
        ),
        ("authorization", "Bearer abc.DEF-ghi_jkl~mno+pqr/stu="),
        ("x-multi", "first"),
        ("x-multi", "second"),
    ];
    let hop_by_hop: Vec<(&str, &str)> = vec![
        ("connection", "keep-alive, x-hop"),
        ("x-hop", "must not cross"),
        ("keep-alive", "timeout=5, max=100"),
        ("te", "trailers"),
        ("trailer", "x-checksum"),
        ("upgrade", "websocket"),
        ("proxy-connection", "keep-alive"),
    ];
    let mut headers = end_to_end.clone();
    headers.extend(hop_by_hop.iter().copied());
    let reply = send("GET", &url, &headers, None).await;
    reply.assert_status(200);

    let got = rec.only();
    assert_eq!(got.method, "GET");
    assert_eq!(got.version, Version::HTTP_11);
    assert_eq!(
        got.target,
        format!("/api/scim/Users?{query}"),
        "the target must arrive byte for byte"
    );
    assert!(got.body.is_empty(), "a GET has no body, got {:?}", got.body);

    // The exact header set: the client's end-to-end headers, with Host replaced by
    // the upstream's authority and the three X-Forwarded-* added. Nothing else.
    let mut expected: BTreeSet<(String, String)> = end_to_end
        .iter()
        .filter(|(n, _)| *n != "host")
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    expected.insert(("host".into(), rec.addr.to_string()));
    expected.insert(("x-forwarded-for".into(), "127.0.0.1".into()));
    expected.insert(("x-forwarded-proto".into(), "http".into()));
    expected.insert((
        "x-forwarded-host".into(),
        "idp-facing.example.test:8443".into(),
    ));
    assert_eq!(
        multiset(&got.headers),
        expected,
        "upstream headers: {:#?}",
        got.headers
    );
    for name in HOP_BY_HOP {
        assert_eq!(
            got.header_count(name),
            0,
            "hop-by-hop `{name}` crossed the proxy: {:#?}",
            got.headers
        );
    }
    for name in [
        "host",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-custom",
        "authorization",
    ] {
        assert_eq!(
            got.header_count(name),
            1,
            "`{name}` must arrive exactly once: {:#?}",
            got.headers
        );
    }
    // Repeated fields keep their order (RFC 9110 §5.3).
    assert_eq!(values(&got.headers, "x-multi"), ["first", "second"]);

    let event = only_request_event(&shim);
    assert_eq!(
        event["rules.applied"], "",
        "no rule should apply to this GET: {event}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_x_forwarded_for_is_appended_to() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;

    let reply = send(
        "GET",
        &shim.url("/scim/v2/Users/2819c223"),
        &[
            ("x-forwarded-for", "203.0.113.7, 10.0.0.2"),
            ("x-forwarded-proto", "https"),
        ],
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    let got = rec.only();
    assert_eq!(got.target, "/Users/2819c223");
    assert_eq!(
        values(&got.headers, "x-forwarded-for"),
        ["203.0.113.7, 10.0.0.2, 127.0.0.1"]
    );
    // The proxy speaks plain HTTP to its client, so it says so.
    assert_eq!(values(&got.headers, "x-forwarded-proto"), ["http"]);
    // Without an explicit Host, the client's Host is scimshim's own address.
    assert_eq!(
        values(&got.headers, "x-forwarded-host"),
        [shim.addr.to_string()]
    );
    assert_eq!(values(&got.headers, "host"), [rec.addr.to_string()]);
}

/// Unusual whitespace, key order, escapes and number spellings: any re-encoding
/// would change at least one of them.
const ODD_JSON: &str = "{ \"zeta\" :1.50e2 ,\n\t\"alpha\":\"caf\\u00e9 \\ud83d\\ude00 \\/ \\\"q\\\"\",\r\n  \"list\" : [ -0, 1E-7,true ,null ],\"nested\":{\"b\":{},\"a\":[]}   }\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_body_on_an_untouched_path_arrives_byte_for_byte() {
    let rec = Recorder::start(Canned {
        status: 201,
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&["--upstream", &rec.url(), "--rules", DIALECTS]);

    let reply = send(
        "POST",
        &shim.url("/scim/v2/Widgets"),
        &[("content-type", "application/scim+json; charset=utf-8")],
        Some(ODD_JSON),
    )
    .await;
    assert_eq!(reply.status, 201);
    let got = rec.only();
    assert_eq!(got.method, "POST");
    assert_eq!(got.target, "/Widgets");
    assert_eq!(String::from_utf8_lossy(&got.body), ODD_JSON);
    assert_eq!(got.body, ODD_JSON.as_bytes());
    assert_eq!(
        values(&got.headers, "content-length"),
        [ODD_JSON.len().to_string()]
    );
    assert_eq!(
        values(&got.headers, "content-type"),
        ["application/scim+json; charset=utf-8"]
    );
    assert_eq!(got.header_count("transfer-encoding"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_rules_read_but_do_not_change_arrives_byte_for_byte() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;

    // Already RFC-clean: lower-case ops, no URN paths, a JSON boolean `active`.
    // The PATCH rules must read it to know that, and change nothing.
    let patch = "{\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\n  \
                 \"Operations\":[ {\"op\":\"replace\" , \"path\":\"active\",\"value\":false},\n\
                 \t{ \"value\" : {\"displayName\":\"Caf\\u00e9 \\u00dcml\"}, \"op\":\"add\" } ] }\r\n";
    let reply = send(
        "PATCH",
        &shim.url("/scim/v2/Users/2819c223"),
        &[("content-type", "application/scim+json")],
        Some(patch),
    )
    .await;
    assert_eq!(reply.status, 200);
    let got = rec.only();
    assert_eq!(got.target, "/Users/2819c223");
    assert_eq!(
        String::from_utf8_lossy(&got.body),
        patch,
        "the bytes read must be forwarded, not a re-encoding"
    );
    assert_eq!(
        values(&got.headers, "content-length"),
        [patch.len().to_string()]
    );

    // The rules did read the body and matched, but changed nothing: the
    // request log lists only rules that changed something.
    let event = only_request_event(&shim);
    assert_eq!(event["rules.applied"].as_str().unwrap_or_default(), "");
    assert!(
        !shim.logs().iter().any(|l| l["message"] == "rule applied"),
        "no change expected, logs:\n{}",
        shim.raw_logs()
    );

    // A User create that the boolean rule reads: already a JSON boolean.
    let create = "{\"userName\" : \"bjensen\",\"active\":true , \"emails\":[{\"value\":\"b@example.test\",\"primary\":true}]}";
    let reply = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[("content-type", "application/scim+json")],
        Some(create),
    )
    .await;
    assert_eq!(reply.status, 200);
    let all = rec.requests();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].target, "/Users");
    assert_eq!(String::from_utf8_lossy(&all[1].body), create);
    assert_eq!(
        values(&all[1].headers, "content-length"),
        [create.len().to_string()]
    );
}

/// Reads an HTTP/1.1 response's status code from raw bytes.
fn raw_status(raw: &str) -> u16 {
    raw.strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 response: {raw:?}"))
}

fn chunked(path: &str, host: &str, chunks: &[&str]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/scim+json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    for c in chunks {
        req.push_str(&format!("{:x}\r\n{c}\r\n", c.len()));
    }
    req.push_str("0\r\n\r\n");
    req.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_on_an_untouched_path_arrives_with_the_same_bytes() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;

    let chunks = [
        "{\"name\": ",
        "\"w\\u00e9dget\",",
        "\n \"size\" :",
        " 3 }",
        "\n",
    ];
    let raw = client::raw(
        shim.addr,
        &chunked("/scim/v2/Widgets", "client.test", &chunks),
    )
    .await;
    assert_eq!(raw_status(&raw), 200, "{raw}");

    let got = rec.only();
    assert_eq!(got.target, "/Widgets");
    assert_eq!(String::from_utf8_lossy(&got.body), chunks.concat());
    // Streamed: the proxy may re-chunk, but framing is its own, never a copy of
    // the client's header next to one of its own.
    assert!(
        got.header_count("transfer-encoding") <= 1,
        "{:#?}",
        got.headers
    );
    assert!(
        got.header_count("transfer-encoding") + got.header_count("content-length") == 1,
        "exactly one framing header expected: {:#?}",
        got.headers
    );
    if let Some(te) = got.header("transfer-encoding") {
        assert_eq!(te, "chunked");
    }
    assert_eq!(got.header_count("connection"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_rules_read_arrives_with_a_content_length() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;

    let chunks = [
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],",
        "\"Operations\":[{\"op\":\"remove\",",
        "\"path\":\"nickName\"}]}",
    ];
    let raw = client::raw(
        shim.addr,
        &chunked("/scim/v2/Users/42", "client.test", &chunks),
    )
    .await;
    assert_eq!(raw_status(&raw), 200, "{raw}");

    let got = rec.only();
    assert_eq!(got.target, "/Users/42");
    let body = chunks.concat();
    assert_eq!(String::from_utf8_lossy(&got.body), body);
    assert_eq!(
        got.header_count("transfer-encoding"),
        0,
        "{:#?}",
        got.headers
    );
    assert_eq!(
        values(&got.headers, "content-length"),
        [body.len().to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_clients_are_forwarded_as_http11_unchanged() {
    let rec = Recorder::start(Canned {
        status: 201,
        headers: vec![
            ("content-type", "application/scim+json".into()),
            ("x-upstream-header", "h2 ok".into()),
        ],
        body: b"{\"id\": \"from-upstream\" }".to_vec(),
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/api/scim", rec.url()),
        "--rules",
        DIALECTS,
    ]);

    let get = send_h2(
        "GET",
        &shim.url("/scim/v2/Users?filter=userName%20eq%20%22x%22"),
        &[("x-custom", "h2")],
        None,
    )
    .await;
    assert_eq!(get.status, 201);
    assert_eq!(get.body.as_ref(), b"{\"id\": \"from-upstream\" }");
    assert_eq!(get.header("x-upstream-header"), Some("h2 ok"));

    let post = send_h2(
        "POST",
        &shim.url("/scim/v2/Widgets"),
        &[
            ("content-type", "application/scim+json"),
            ("x-custom", "h2 post"),
        ],
        Some(ODD_JSON),
    )
    .await;
    assert_eq!(post.status, 201);
    assert_eq!(post.body.as_ref(), b"{\"id\": \"from-upstream\" }");

    let all = rec.requests();
    assert_eq!(all.len(), 2, "{all:#?}");
    let (g, p) = (&all[0], &all[1]);
    assert_eq!(g.version, Version::HTTP_11);
    assert_eq!(g.method, "GET");
    assert_eq!(g.target, "/api/scim/Users?filter=userName%20eq%20%22x%22");
    assert_eq!(values(&g.headers, "host"), [rec.addr.to_string()]);
    assert_eq!(values(&g.headers, "x-custom"), ["h2"]);
    // The client's :authority becomes X-Forwarded-Host.
    assert_eq!(
        values(&g.headers, "x-forwarded-host"),
        [shim.addr.to_string()]
    );
    assert!(g.body.is_empty());

    assert_eq!(p.version, Version::HTTP_11);
    assert_eq!(p.method, "POST");
    assert_eq!(p.target, "/api/scim/Widgets");
    assert_eq!(values(&p.headers, "host"), [rec.addr.to_string()]);
    assert_eq!(values(&p.headers, "x-custom"), ["h2 post"]);
    assert_eq!(p.body, ODD_JSON.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_responses_reach_the_client_unchanged() {
    let body = b"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\n \"id\" : \"2819c223\" ,\"userName\":\"caf\\u00e9\"}  "
        .to_vec();
    let canned = Canned {
        status: 201,
        headers: vec![
            (
                "content-type",
                "application/scim+json; charset=utf-8".into(),
            ),
            ("etag", "W/\"3694e05e9dff590\"".into()),
            (
                "location",
                "https://example.test/scim/v2/Users/2819c223".into(),
            ),
            ("x-upstream-header", "kept  as  is; yes".into()),
            ("x-up-multi", "one".into()),
            ("x-up-multi", "two".into()),
            // Hop-by-hop, to be stripped.
            ("connection", "x-up-hop".into()),
            ("x-up-hop", "connection-scoped".into()),
            ("keep-alive", "timeout=5, max=100".into()),
            ("proxy-connection", "keep-alive".into()),
            ("trailer", "x-checksum".into()),
        ],
        body: body.clone(),
        ..Canned::default()
    };
    let rec = Recorder::start(canned).await;

    // The recorder really sends those hop-by-hop headers (so their absence below
    // is the proxy's doing).
    let direct = client::raw(
        rec.addr,
        b"GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let direct_lower = direct.to_ascii_lowercase();
    for h in [
        "x-up-hop: connection-scoped",
        "keep-alive: timeout=5",
        "proxy-connection: keep-alive",
        "trailer: x-checksum",
    ] {
        assert!(
            direct_lower.contains(h),
            "the recorder should send `{h}`:\n{direct}"
        );
    }

    let shim = Scimshim::start(&["--upstream", &rec.url(), "--rules", DIALECTS]);
    let reply = send("GET", &shim.url("/scim/v2/Users/2819c223"), &[], None).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.body.as_ref(),
        body.as_slice(),
        "body: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/scim+json; charset=utf-8")
    );
    assert_eq!(reply.header("etag"), Some("W/\"3694e05e9dff590\""));
    assert_eq!(
        reply.header("location"),
        Some("https://example.test/scim/v2/Users/2819c223")
    );
    assert_eq!(reply.header("x-upstream-header"), Some("kept  as  is; yes"));
    let multi: Vec<_> = reply
        .headers
        .get_all("x-up-multi")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(multi, ["one", "two"]);
    assert_eq!(
        reply.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    for name in [
        "x-up-hop",
        "keep-alive",
        "proxy-connection",
        "trailer",
        "transfer-encoding",
    ] {
        assert!(
            reply.headers.get(name).is_none(),
            "hop-by-hop `{name}` reached the client: {:#?}",
            reply.headers
        );
    }
    if let Some(c) = reply.header("connection") {
        assert!(
            !c.to_ascii_lowercase().contains("x-up-hop"),
            "connection: {c}"
        );
    }
    for name in PROXY_MARKERS {
        assert!(
            reply.headers.get(name).is_none(),
            "`{name}` on an upstream response: {:#?}",
            reply.headers
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_errors_are_not_mistaken_for_proxy_errors() {
    let error = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}"#;
    let rec = Recorder::start(Canned {
        status: 409,
        body: error.to_vec(),
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&["--upstream", &rec.url(), "--rules", DIALECTS]);
    let reply = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[("content-type", "application/scim+json")],
        Some(r#"{"userName":"taken"}"#),
    )
    .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.body.as_ref(), error.as_slice());
    for name in PROXY_MARKERS {
        assert!(
            reply.headers.get(name).is_none(),
            "`{name}` on an upstream response: {:#?}",
            reply.headers
        );
    }
    assert_eq!(rec.only().body, br#"{"userName":"taken"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rules_even_rewritable_requests_pass_unchanged() {
    let (rec, shim) = through_recorder("", &[]).await;

    // With the dialect rules these would be rewritten; with no rules, never.
    let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:active","value":"False"}]}"#;
    let create = "{\"userName\":\"bjensen\", \"active\":\"True\",\"groups\":[]}";
    let r1 = send(
        "PATCH",
        &shim.url("/scim/v2/v2/Users/1?x=%22y%22"),
        &[
            ("content-type", "application/scim+json"),
            ("authorization", "Bearer user:key"),
        ],
        Some(patch),
    )
    .await;
    let r2 = send(
        "POST",
        &shim.url("/scim/v2/Users"),
        &[("content-type", "application/json")],
        Some(create),
    )
    .await;
    assert_eq!((r1.status, r2.status), (200, 200));

    let all = rec.requests();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0].target, "/v2/Users/1?x=%22y%22");
    assert_eq!(all[0].body, patch.as_bytes());
    assert_eq!(
        values(&all[0].headers, "authorization"),
        ["Bearer user:key"]
    );
    assert_eq!(
        values(&all[0].headers, "content-length"),
        [patch.len().to_string()]
    );
    assert_eq!(all[1].target, "/Users");
    assert_eq!(all[1].body, create.as_bytes());
    assert_eq!(
        values(&all[1].headers, "content-type"),
        ["application/json"]
    );
    for reply in [&r1, &r2] {
        for name in PROXY_MARKERS {
            assert!(reply.headers.get(name).is_none(), "{:#?}", reply.headers);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_path_prefix_is_kept() {
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/api/scim", rec.url()),
        "--rules",
        DIALECTS,
    ]);
    assert_eq!(
        send("GET", &shim.url("/scim/v2/Users?x=1"), &[], None)
            .await
            .status,
        200
    );
    assert_eq!(
        send(
            "GET",
            &shim.url("/scim/v2/ServiceProviderConfig"),
            &[],
            None
        )
        .await
        .status,
        200
    );
    let targets: Vec<String> = rec.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        ["/api/scim/Users?x=1", "/api/scim/ServiceProviderConfig"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_root_url_maps_to_the_root() {
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/", rec.url()),
        "--rules",
        DIALECTS,
    ]);
    assert_eq!(
        send("GET", &shim.url("/scim/v2/Users"), &[], None)
            .await
            .status,
        200
    );
    assert_eq!(
        send(
            "GET",
            &shim.url("/scim/v2/Groups/7?attributes=members"),
            &[],
            None
        )
        .await
        .status,
        200
    );
    let targets: Vec<String> = rec.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/Users", "/Groups/7?attributes=members"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_base_path_is_served_and_the_default_one_is_not() {
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/", rec.url()),
        "--base-path",
        "/custom",
        "--rules",
        DIALECTS,
    ]);
    let ok = send("GET", &shim.url("/custom/Users?startIndex=1"), &[], None).await;
    assert_eq!(ok.status, 200);
    let outside = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    assert_eq!(outside.status, 404);
    assert_eq!(outside.header("x-scimshim-error"), Some("not-found"));
    let targets: Vec<String> = rec.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        ["/Users?startIndex=1"],
        "only the request under /custom is forwarded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_are_reused_across_client_connections() {
    let (rec, shim) = through_recorder("", &["--rules", DIALECTS]).await;
    const N: usize = 6;
    for i in 0..N {
        // `send` builds a new client each time: a new client connection per request.
        let reply = send("GET", &shim.url(&format!("/scim/v2/Users/{i}")), &[], None).await;
        assert_eq!(reply.status, 200);
    }
    assert_eq!(rec.requests().len(), N);
    let connections = rec.connections();
    assert!(connections >= 1);
    assert!(
        connections <= N / 2,
        "{N} sequential requests used {connections} upstream connections; the pool should reuse them"
    );
}

/// `--worker-threads 1` runs a current-thread runtime (the one-CPU sidecar
/// shape); the proxy must behave the same there, rules and all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_worker_thread_serves_and_rewrites() {
    let (rec, shim) =
        through_recorder("/scim/v2", &["--worker-threads", "1", "--rules", DIALECTS]).await;
    let body = r#"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#;
    let r = send(
        "PATCH",
        &shim.url("/scim/v2/v2/Users/1"),
        &[("content-type", "application/scim+json")],
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200);
    let got = rec.only();
    assert_eq!(got.target, "/scim/v2/Users/1");
    assert_eq!(
        got.body,
        br#"{"Operations":[{"op":"replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}"#,
        "op lower-cased, value a boolean, and the required schemas added"
    );
}

/// An upstream that closes a kept-alive connection once it has been idle for
/// 50 ms, without saying so beforehand (no `Connection: close`), as servers
/// with short keep-alive timeouts and load balancers do. Counts connections.
async fn impatient_upstream() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            // Head and body go out in two writes: without this, Nagle holds
            // the body back until the proxy acknowledges the head.
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let idle = std::time::Duration::from_millis(50);
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        let body = br#"{"kept":"alive"}"#;
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(body).await;
                    }
                    match tokio::time::timeout(idle, stream.read(&mut chunk)).await {
                        Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        // Idle too long, or the proxy closed: close.
                        _ => return,
                    }
                }
            });
        }
    });
    (addr, count)
}

/// Kept-alive upstream connections are reused while the upstream keeps them
/// open, and never used once it has closed them: every request gets its
/// answer, none a 502.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_closed_by_the_upstream_are_not_reused() {
    let (addr, connections) = impatient_upstream().await;
    let upstream = format!("http://{addr}");
    let mut pauses = 0;
    for threads in ["1", "2"] {
        let shim = Scimshim::start(&["--upstream", &upstream, "--worker-threads", threads]);
        let client = client::keep_alive();
        for i in 0..10 {
            // Two requests back to back share a connection; then a pause
            // longer than the upstream's patience closes it.
            for j in 0..2 {
                let url = shim.url(&format!("/scim/v2/Users/{i}-{j}"));
                let reply = client::send_on(&client, "GET", &url, None).await;
                reply.assert_status(200);
                assert_eq!(reply.json()["kept"], "alive");
            }
            pauses += 1;
            tokio::time::sleep(std::time::Duration::from_millis(120)).await;
        }
    }
    // Every pause costs a connection; reuse within a pair saves some (all of
    // them unless the machine stalls for longer than the upstream's patience).
    let used = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        used >= pauses && used < 2 * pauses,
        "{used} upstream connections for {pauses} pairs of requests"
    );
}

/// A client that hangs up half-way through a large response does not leave a
/// half-read connection in the pool: the next requests are answered in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_response_does_not_poison_the_pool() {
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(4 << 20));
    let rec = Recorder::start(Canned {
        body: big.clone().into_bytes(),
        ..Canned::default()
    })
    .await;
    let shim = Scimshim::start(&["--upstream", &rec.url(), "--worker-threads", "1"]);
    for _ in 0..3 {
        // Read the head and a little of the body, then drop the connection.
        let partial = client::raw_prefix(
            shim.addr,
            b"GET /scim/v2/Users/big HTTP/1.1\r\nhost: x\r\n\r\n",
            64 * 1024,
        )
        .await;
        assert!(partial.starts_with("HTTP/1.1 200"), "{partial:.80}");
    }
    for _ in 0..3 {
        let reply = send("GET", &shim.url("/scim/v2/Users/big"), &[], None).await;
        reply.assert_status(200);
        assert_eq!(reply.body.len(), big.len());
    }
}
