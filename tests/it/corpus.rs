//! The shared request corpus (`tests/corpus/requests.yaml`) against both
//! strict backends: scim2-server and the embedded one. Whatever scim2-server
//! rejects, the embedded backend must reject with the same status and
//! scimType; where the embedded backend is stricter, the case names the RFC
//! section that decides. The agreement table is printed and written to
//! `target/corpus-agreement.md`.

use serde_json::Value;

use crate::support::{Strict, send};

#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    scim_type: Option<String>,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.scim_type {
            Some(t) => write!(f, "{} {t}", self.status),
            None => write!(f, "{}", self.status),
        }
    }
}

async fn create(base: &str, path: &str, body: Value) -> String {
    let r = send(
        "POST",
        &format!("{base}{path}"),
        &[("content-type", "application/scim+json")],
        Some(&body.to_string()),
    )
    .await;
    r.assert_status(201);
    r.json()["id"].as_str().unwrap().to_string()
}

fn user(name: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "active": true,
        "emails": [{"type": "home", "value": format!("{name}@home.example")}]
    })
}

/// Runs every case against one backend.
async fn run_all(backend: &Strict, cases: &[Value]) -> Vec<Answer> {
    let base = backend.url();
    let alice = create(&base, "/Users", user("alice")).await;
    let bob = create(&base, "/Users", user("bob")).await;
    let mut answers = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let user_name = format!("corpus-{i}");
        let fresh = create(&base, "/Users", user(&user_name)).await;
        let group = create(
            &base,
            "/Groups",
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": format!("corpus-group-{i}"),
                "members": [{"value": alice}, {"value": bob}]
            }),
        )
        .await;
        let fill = |s: &str| {
            s.replace("{user_name}", &user_name)
                .replace("{user}", &fresh)
                .replace("{group}", &group)
                .replace("{alice}", &alice)
                .replace("{bob}", &bob)
        };
        let method = case["method"].as_str().unwrap();
        let path = fill(case["path"].as_str().unwrap());
        let body = match (&case["body"], &case["raw"]) {
            (Value::Null, Value::Null) => None,
            (Value::Null, raw) => Some(raw.as_str().unwrap().to_string()),
            (body, _) => Some(fill(&body.to_string())),
        };
        let content_type = case["content_type"]
            .as_str()
            .unwrap_or("application/scim+json");
        let mut headers = Vec::new();
        if body.is_some() {
            headers.push(("content-type", content_type));
        }
        if let Some(tag) = case["if_match"].as_str() {
            headers.push(("if-match", tag));
        }
        let r = send(method, &format!("{base}{path}"), &headers, body.as_deref()).await;
        let scim_type = serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v["scimType"].as_str().map(str::to_string));
        answers.push(Answer {
            status: r.status,
            scim_type,
        });
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_agree_on_the_corpus() {
    let text = std::fs::read_to_string(crate::support::repo("tests/corpus/requests.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 50, "the corpus shrank: {}", cases.len());

    let [scim2, embedded] = Strict::both();
    let (scim2, embedded) = (scim2(&[]), embedded(&[]));
    let reference = run_all(&scim2, &cases).await;
    let ours = run_all(&embedded, &cases).await;

    let mut table =
        String::from("| # | Request | scim2-server | embedded | |\n|---|---|---|---|---|\n");
    let (mut agree, mut stricter, mut wrong) = (0, 0, Vec::new());
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let (a, b) = (&reference[i], &ours[i]);
        let verdict = match case.get("embedded") {
            None if a == b => {
                agree += 1;
                "same".to_string()
            }
            None => {
                wrong.push(format!("{name}: scim2-server {a}, embedded {b}"));
                "DIFFERENT".to_string()
            }
            Some(expected) => {
                let want = Answer {
                    status: expected["status"].as_u64().unwrap() as u16,
                    scim_type: expected["scimType"].as_str().map(str::to_string),
                };
                if *b != want {
                    wrong.push(format!("{name}: embedded {b}, the corpus says {want}"));
                }
                if a.status >= 400 {
                    wrong.push(format!(
                        "{name}: listed as stricter, but scim2-server rejects it too ({a})"
                    ));
                }
                stricter += 1;
                format!("stricter: {}", expected["why"].as_str().unwrap_or("?"))
            }
        };
        table.push_str(&format!("| {} | {name} | {a} | {b} | {verdict} |\n", i + 1));
    }
    let summary = format!(
        "{} cases: {agree} answered the same, {stricter} stricter by design, {} disagreements\n",
        cases.len(),
        wrong.len()
    );
    let report = format!("{summary}\n{table}");
    println!("{report}");
    let _ = std::fs::write(crate::support::repo("target/corpus-agreement.md"), &report);
    assert!(wrong.is_empty(), "{}\n\n{report}", wrong.join("\n"));
}
