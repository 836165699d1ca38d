//! End-to-end proof for the dialect packs: each provisioning session in
//! `tests/fixtures/sessions/` is replayed directly and through scimshim,
//! into scim2-server and into the embedded strict backend, and the final
//! state (users, attributes, active flags, memberships) is checked. The
//! table of results is written to `target/sessions.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use crate::support::{Scimshim, Strict, repo, send};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Session {
    pack: String,
    rules: Vec<String>,
    #[serde(default)]
    embedded: Vec<String>,
    /// Why every request of this client is RFC 7644 as written, so that the
    /// embedded backend accepts the session directly; the harness then
    /// checks that it does, instead of checking that it fails.
    #[serde(default)]
    clean_directly: Option<String>,
    steps: Vec<Step>,
    state: State,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    name: String,
    method: String,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    save: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    #[serde(default)]
    users: Vec<UserState>,
    #[serde(default)]
    groups: Vec<GroupState>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserState {
    user_name: String,
    #[serde(default)]
    absent: bool,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    attributes: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupState {
    display_name: String,
    #[serde(default)]
    absent: bool,
    #[serde(default)]
    members: Option<Vec<String>>,
}

/// What one replay did.
#[derive(Debug)]
struct Replay {
    accepted: usize,
    /// Steps whose status was not the expected one: `name: got N`.
    failed: Vec<String>,
    /// What differs from `state`; empty when the state is right.
    wrong: Vec<String>,
}

impl Replay {
    fn clean(&self) -> bool {
        self.failed.is_empty() && self.wrong.is_empty()
    }
}

fn sessions() -> Vec<(String, Session)> {
    let dir = repo("tests/fixtures/sessions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read tests/fixtures/sessions")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read session");
            let session: Session =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                session,
            )
        })
        .collect()
}

/// Replaces every `{{name}}` in the strings of `v` with its saved value.
fn substitute(v: &Value, saved: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(substitute_str(s, saved)),
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, saved)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (substitute_str(k, saved), substitute(v, saved)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, saved: &BTreeMap<String, String>) -> String {
    let mut out = s.to_string();
    for (name, value) in saved {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// Sends every step to `base` (the SCIM base URL).
async fn replay_steps(session: &Session, base: &str) -> (usize, Vec<String>) {
    let mut saved = BTreeMap::new();
    let mut accepted = 0;
    let mut failed = Vec::new();
    for step in &session.steps {
        let path = substitute_str(&step.path, &saved);
        let body = step
            .body
            .as_ref()
            .map(|b| substitute(b, &saved).to_string());
        let mut headers: Vec<(String, String)> = step
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), substitute_str(v, &saved)))
            .collect();
        if body.is_some()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("content-type".into(), "application/scim+json".into()));
        }
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = send(
            &step.method,
            &format!("{base}{path}"),
            &header_refs,
            body.as_deref(),
        )
        .await;
        let ok = match step.status {
            Some(s) => r.status == s,
            None => (200..300).contains(&r.status),
        };
        if ok {
            accepted += 1;
        } else {
            let detail = String::from_utf8_lossy(&r.body);
            let detail: String = detail.chars().take(160).collect();
            failed.push(format!("{}: got {} {detail}", step.name, r.status));
        }
        let json: Option<Value> = serde_json::from_slice(&r.body).ok();
        for (name, pointer) in &step.save {
            if let Some(v) = json.as_ref().and_then(|j| j.pointer(pointer)) {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                saved.insert(name.clone(), text);
            }
        }
    }
    (accepted, failed)
}

fn filter_url(base: &str, collection: &str, attr: &str, value: &str) -> String {
    let filter = format!("{attr} eq \"{value}\"");
    let mut enc = String::new();
    for b in filter.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            enc.push(char::from(b));
        } else {
            let _ = write!(enc, "%{b:02X}");
        }
    }
    format!("{base}/{collection}?filter={enc}")
}

async fn find(base: &str, collection: &str, attr: &str, value: &str) -> Vec<Value> {
    let r = send("GET", &filter_url(base, collection, attr, value), &[], None).await;
    if r.status != 200 {
        return Vec::new();
    }
    r.json()["Resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Compares the backend's state with `state`; returns what differs.
async fn check_state(state: &State, base: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for user in &state.users {
        let found = find(base, "Users", "userName", &user.user_name).await;
        match (found.as_slice(), user.absent) {
            ([], true) => continue,
            (_, true) => wrong.push(format!("user {} should not exist", user.user_name)),
            ([], false) => wrong.push(format!("user {} is missing", user.user_name)),
            ([u], false) => {
                if let Some(id) = u["id"].as_str() {
                    ids.insert(user.user_name.clone(), id.to_string());
                }
                if let Some(active) = user.active
                    && u["active"] != Value::Bool(active)
                {
                    wrong.push(format!(
                        "user {}: active is {}, expected {active}",
                        user.user_name, u["active"]
                    ));
                }
                for (pointer, want) in &user.attributes {
                    let got = u.pointer(pointer).cloned().unwrap_or(Value::Null);
                    if &got != want {
                        wrong.push(format!(
                            "user {}: {pointer} is {got}, expected {want}",
                            user.user_name
                        ));
                    }
                }
            }
            (many, false) => wrong.push(format!(
                "user {} exists {} times",
                user.user_name,
                many.len()
            )),
        }
    }
    for group in &state.groups {
        let found = find(base, "Groups", "displayName", &group.display_name).await;
        match (found.as_slice(), group.absent) {
            ([], true) => continue,
            (_, true) => wrong.push(format!("group {} should not exist", group.display_name)),
            ([], false) => wrong.push(format!("group {} is missing", group.display_name)),
            ([g], false) => {
                let Some(members) = &group.members else {
                    continue;
                };
                // A list may leave members out; read the group itself.
                let id = g["id"].as_str().unwrap_or_default();
                let full = send("GET", &format!("{base}/Groups/{id}"), &[], None).await;
                let got: std::collections::BTreeSet<String> = full.json()["members"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["value"].as_str().map(str::to_string))
                    .collect();
                let want: std::collections::BTreeSet<String> = members
                    .iter()
                    .map(|n| ids.get(n).cloned().unwrap_or_else(|| format!("<{n}>")))
                    .collect();
                if got != want {
                    wrong.push(format!(
                        "group {}: members {got:?}, expected {want:?}",
                        group.display_name
                    ));
                }
            }
            (many, false) => wrong.push(format!(
                "group {} exists {} times",
                group.display_name,
                many.len()
            )),
        }
    }
    wrong
}

async fn replay(session: &Session, backend: &Strict, through: bool) -> Replay {
    let base = backend.url();
    let (accepted, failed) = if through {
        let mut args = vec!["--upstream".to_string(), base.clone()];
        for r in &session.rules {
            args.push("--rules".into());
            args.push(r.clone());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let shim = Scimshim::start(&refs);
        replay_steps(session, &shim.url("/scim/v2")).await
    } else {
        replay_steps(session, &base).await
    };
    Replay {
        accepted,
        failed,
        wrong: check_state(&session.state, &base).await,
    }
}

fn start(which: usize, session: &Session) -> Strict {
    match which {
        0 => Strict::both()[0](&[]),
        _ => {
            let extra: Vec<&str> = session.embedded.iter().map(String::as_str).collect();
            Strict::both()[1](&extra)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pack_session_succeeds_through_scimshim_and_not_directly() {
    let sessions = sessions();
    assert!(
        !sessions.is_empty(),
        "no sessions in tests/fixtures/sessions"
    );
    let mut table = String::from(
        "| pack | requests | accepted directly (scim2-server / embedded) | accepted through scimshim (scim2-server / embedded) | state correct through scimshim | state correct directly (scim2-server / embedded) |\n|---|---|---|---|---|---|\n",
    );
    let mut problems = Vec::new();
    for (file, session) in &sessions {
        let n = session.steps.len();
        let mut cells: [Option<Replay>; 4] = [None, None, None, None];
        for which in 0..2 {
            for (slot, through) in [(which, false), (which + 2, true)] {
                let backend = start(which, session);
                let r = replay(session, &backend, through).await;
                cells[slot] = Some(r);
            }
        }
        let [Some(d0), Some(d1), Some(t0), Some(t1)] = cells else {
            unreachable!()
        };
        for (who, r) in [("scim2-server", &t0), ("embedded", &t1)] {
            if !r.clean() {
                problems.push(format!(
                    "{file} through scimshim into {who}: {:#?} {:#?}",
                    r.failed, r.wrong
                ));
            }
        }
        match (&session.clean_directly, d1.clean()) {
            (None, true) => problems.push(format!(
                "{file}: sent directly, the embedded backend accepted every step and ended in the right state; the session shows no quirk"
            )),
            (Some(_), false) => problems.push(format!(
                "{file}: says clean_directly, but sent directly the embedded backend did not take it: {:#?} {:#?}",
                d1.failed, d1.wrong
            )),
            _ => {}
        }
        let yes = |r: &Replay| if r.wrong.is_empty() { "yes" } else { "no" };
        let mark = if session.clean_directly.is_some() {
            " \\*"
        } else {
            ""
        };
        let _ = writeln!(
            table,
            "| {}{} | {n} | {} / {} | {} / {} | {} / {} | {} / {} |",
            session.pack,
            mark,
            d0.accepted,
            d1.accepted,
            t0.accepted,
            t1.accepted,
            yes(&t0),
            yes(&t1),
            yes(&d0),
            yes(&d1),
        );
    }
    if sessions.iter().any(|(_, s)| s.clean_directly.is_some()) {
        table.push_str(
            "\n\\* every request the catalog documents for this client is RFC 7644 as written: the embedded backend takes the session directly too (the session's `clean_directly` says why)\n",
        );
    }
    let _ = std::fs::create_dir_all(repo("target"));
    let _ = std::fs::write(repo("target/sessions.md"), &table);
    println!("{table}");
    assert!(problems.is_empty(), "{}\n\n{table}", problems.join("\n"));
}
