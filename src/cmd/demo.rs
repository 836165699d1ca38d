//! `scimshim demo`: the whole product in one command. Starts the embedded
//! strict SCIM backend and the proxy in front of it with the shipped dialect
//! rules (built into the binary), replays a short Entra-style provisioning
//! session through the proxy printing one line per request, then keeps both
//! serving until Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::backend::{self, Backend, Profile};
use crate::cli::DemoArgs;
use crate::proxy::handler::X_SCIMSHIM_APPLIED;
use crate::proxy::{self, Proxy, Upstream};
use crate::rules::secret::ProcessEnv;
use crate::rules::{LoadOptions, RuleSet, SecretMode, load_strs};
use crate::scim::urn;
use crate::telemetry::redact::ValueLogging;

use super::exit;

/// The shipped dialect rules, as built into the binary.
pub const DIALECT_RULES: &[(&str, &str)] = &[
    (
        "rules/common/00-paths.yaml",
        include_str!("../../rules/common/00-paths.yaml"),
    ),
    (
        "rules/common/10-patch.yaml",
        include_str!("../../rules/common/10-patch.yaml"),
    ),
    (
        "rules/common/20-booleans.yaml",
        include_str!("../../rules/common/20-booleans.yaml"),
    ),
    (
        "rules/common/30-schemas.yaml",
        include_str!("../../rules/common/30-schemas.yaml"),
    ),
    (
        "rules/common/40-scim.yaml",
        include_str!("../../rules/common/40-scim.yaml"),
    ),
];

/// The shipped dialect rules, compiled.
pub fn dialect_rules() -> Result<RuleSet, String> {
    let loaded = load_strs(
        DIALECT_RULES,
        &LoadOptions {
            env: &ProcessEnv,
            secrets: SecretMode::Lenient,
        },
    );
    if loaded.has_errors() {
        let errors: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        return Err(errors.join("\n"));
    }
    Ok(loaded.set)
}

const BASE: &str = "/scim/v2";

pub fn run(args: &DemoArgs) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return exit::USAGE;
        }
    };
    runtime.block_on(demo(args))
}

async fn demo(args: &DemoArgs) -> i32 {
    let rules = match dialect_rules() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the built-in rules do not load:\n{e}");
            return exit::USAGE;
        }
    };
    let backend_listener = match tokio::net::TcpListener::bind(args.backend_listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.backend_listen);
            return exit::USAGE;
        }
    };
    let proxy_listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.listen);
            return exit::USAGE;
        }
    };
    let (Ok(backend_addr), Ok(proxy_addr)) =
        (backend_listener.local_addr(), proxy_listener.local_addr())
    else {
        eprintln!("cannot read the listening addresses");
        return exit::USAGE;
    };
    let store = Arc::new(Backend::new(Profile {
        base_path: BASE.into(),
        ..Profile::default()
    }));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let backend_stop = wait_for(stop_rx.clone());
    let backend_task = tokio::spawn(backend::http::serve(
        backend_listener,
        store.clone(),
        backend_stop,
    ));
    let upstream = match Upstream::new(&format!("http://{backend_addr}{BASE}"), None) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    let rule_count = rules.len();
    let mut proxy = Proxy::new(
        rules,
        upstream,
        BASE.into(),
        1024 * 1024,
        Duration::from_secs(10),
        ValueLogging::Redacted,
    );
    if let Some(p) = Arc::get_mut(&mut proxy) {
        p.announce_applied = true;
    }
    let proxy_stop = wait_for(stop_rx);
    let proxy_task = tokio::spawn(proxy::serve(
        proxy_listener,
        proxy,
        proxy_stop,
        Duration::from_secs(2),
    ));

    println!("scimshim demo");
    println!("  strict SCIM backend (embedded)  http://{backend_addr}{BASE}");
    println!("  scimshim proxy, {rule_count} built-in rules  http://{proxy_addr}{BASE}");
    println!();
    println!("Replaying an Entra ID provisioning session through the proxy:");
    let ok = replay(proxy_addr).await;
    println!();
    if ok {
        println!(
            "Every request succeeded. Without scimshim, the strict backend rejects the marked ones:"
        );
        println!("try one directly against http://{backend_addr}{BASE}.");
    } else {
        println!("Some requests failed; the lines above say which.");
    }
    println!();
    println!("Try it yourself:");
    println!(
        "  curl -s -X POST http://{proxy_addr}{BASE}/Users -H 'Content-Type: application/scim+json' \\"
    );
    println!(
        "    -d '{{\"schemas\":[\"{}\"],\"userName\":\"carol\",\"active\":\"True\"}}' -i",
        urn::USER
    );
    println!("  curl -s http://{proxy_addr}{BASE}/Users");

    if args.no_serve {
        let _ = stop_tx.send(true);
    } else {
        println!();
        println!("Serving until Ctrl-C.");
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
    }
    let _ = proxy_task.await;
    let _ = backend_task.await;
    if ok { exit::OK } else { exit::PROBLEMS }
}

async fn wait_for(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// One step of the session.
struct Step {
    what: &'static str,
    /// Whether the strict backend rejects this request as sent.
    quirky: bool,
    method: Method,
    path: String,
    body: Option<Value>,
}

/// Plays the bundled session; returns whether every step got a 2xx.
async fn replay(proxy: SocketAddr) -> bool {
    let mut all_ok = true;
    let mut ids = Ids::default();
    for n in 0..SESSION_STEPS {
        let step = session_step(n, &ids);
        let result = send(proxy, &step).await;
        let (status, applied, body) = match result {
            Ok(r) => r,
            Err(e) => {
                println!("  {:<38} failed: {e}", step.what);
                all_ok = false;
                continue;
            }
        };
        if !status.is_success() {
            all_ok = false;
        }
        ids.learn(n, &body);
        let mark = if step.quirky { "*" } else { " " };
        let applied = if applied.is_empty() {
            "no rule needed".to_string()
        } else {
            applied
        };
        println!(
            "{mark} {:<38} {:<6} {:<30} {}  {applied}",
            step.what,
            step.method.as_str(),
            short(&step.path),
            status.as_u16()
        );
    }
    all_ok
}

fn short(path: &str) -> String {
    let rel = path.strip_prefix(BASE).unwrap_or(path);
    let rel = rel.split('?').next().unwrap_or(rel);
    let mut out = String::new();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if seg.len() > 12 {
            out.push_str(&seg[..8]);
            out.push('…');
        } else {
            out.push_str(seg);
        }
    }
    out
}

#[derive(Default)]
struct Ids {
    user: String,
    colleague: String,
    group: String,
}

impl Ids {
    fn learn(&mut self, step: usize, body: &Value) {
        let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
        match step {
            1 => self.user = id.to_string(),
            3 => self.colleague = id.to_string(),
            4 => self.group = id.to_string(),
            _ => {}
        }
    }
}

const SESSION_STEPS: usize = 9;

fn session_step(n: usize, ids: &Ids) -> Step {
    let users = format!("{BASE}/Users");
    let groups = format!("{BASE}/Groups");
    let patch = |ops: Value| json!({"schemas": [urn::PATCH_OP], "Operations": ops});
    match n {
        0 => Step {
            what: "Test connection (ENTRA-10)",
            quirky: false,
            method: Method::GET,
            path: format!("{users}?filter=userName%20eq%20%22probe-7c1d2a%22"),
            body: None,
        },
        1 => Step {
            what: "Create user, \"active\":\"True\" (ENTRA-02)",
            quirky: true,
            method: Method::POST,
            path: users,
            body: Some(json!({
                "schemas": [urn::USER, urn::ENTERPRISE_USER],
                "externalId": "alice",
                "userName": "alice@contoso.example",
                "active": "True",
                "displayName": "Alice Example",
                "emails": [{"primary": "True", "type": "home", "value": "alice@home.example"}],
                "name": {"givenName": "Alice", "familyName": "Example"},
                urn::ENTERPRISE_USER: {"department": "Retail"}
            })),
        },
        2 => Step {
            what: "Update user (ENTRA-01,05,06,07,08)",
            quirky: true,
            method: Method::PATCH,
            path: format!("{users}/{}", ids.user),
            body: Some(patch(json!([
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "Alice E."},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alice@contoso.example"},
                {"op": "Replace", "value": {"name.givenName": "Alicia", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "boss-271"}
            ]))),
        },
        3 => Step {
            what: "Create a colleague",
            quirky: false,
            method: Method::POST,
            path: format!("{BASE}/Users"),
            body: Some(json!({
                "schemas": [urn::USER],
                "userName": "bob@contoso.example",
                "active": true
            })),
        },
        4 => Step {
            what: "Create group (ENTRA-12)",
            quirky: true,
            method: Method::POST,
            path: groups,
            body: Some(json!({
                "schemas": [urn::GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "displayName": "Sales",
                "externalId": "sales"
            })),
        },
        5 => Step {
            what: "Add both members",
            quirky: true,
            method: Method::PATCH,
            path: format!("{BASE}/Groups/{}", ids.group),
            body: Some(patch(json!([
                {"op": "Add", "path": "members", "value": [{"value": ids.user}, {"value": ids.colleague}]}
            ]))),
        },
        6 => Step {
            what: "Remove one member by value (ENTRA-04)",
            quirky: true,
            method: Method::PATCH,
            path: format!("{BASE}/Groups/{}", ids.group),
            body: Some(patch(json!([
                {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": ids.colleague}]}
            ]))),
        },
        7 => Step {
            what: "Deactivate user, \"False\" (ENTRA-02,13)",
            quirky: true,
            method: Method::PATCH,
            path: format!("{BASE}/Users/{}", ids.user),
            body: Some(patch(json!([
                {"op": "Replace", "path": "active", "value": "False"}
            ]))),
        },
        _ => Step {
            what: "Read the group back",
            quirky: false,
            method: Method::GET,
            path: format!("{BASE}/Groups/{}", ids.group),
            body: None,
        },
    }
}

/// Sends one request on a fresh connection; returns status, applied rules and body.
async fn send(addr: SocketAddr, step: &Step) -> Result<(StatusCode, String, Value), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let body = match &step.body {
        Some(v) => Bytes::from(serde_json::to_vec(v).map_err(|e| e.to_string())?),
        None => Bytes::new(),
    };
    let mut builder = Request::builder()
        .method(step.method.clone())
        .uri(&step.path)
        .header(http::header::HOST, addr.to_string())
        .header(http::header::AUTHORIZATION, "Bearer demo-token");
    if step.body.is_some() {
        builder = builder.header(http::header::CONTENT_TYPE, urn::MEDIA_TYPE);
    }
    let req = builder.body(Full::new(body)).map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(Duration::from_secs(10), sender.send_request(req))
        .await
        .map_err(|_| "no answer in 10 s".to_string())?
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let applied = resp
        .headers()
        .get(&X_SCIMSHIM_APPLIED)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((status, applied, value))
}
