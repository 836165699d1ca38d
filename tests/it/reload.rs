//! Hot reload (`serve --reload-interval`, SIGHUP): a rule file edited in
//! place, a Kubernetes ConfigMap update (a `..data` symlink swap), and a
//! broken edit followed by a fix, each seen at a recording upstream through
//! the real binary. A broken edit keeps the rules in use, logs its problems
//! and shows them on `/rules`; a configuration change that needs a restart
//! is refused as a whole.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::recorder::Canned;
use crate::support::scimshim::bin;
use crate::support::{Recorder, Scimshim, TempDir, root, send};

/// Rules that mark every user request with `x-rules: <mark>`, and its
/// answer with `x-answer: <mark>`.
fn marker(mark: &str) -> String {
    format!(
        "rules:
  - id: reload.mark
    description: marks user requests with the rule set they ran on
    when: {{resource: [User]}}
    actions:
      - set_header: {{name: x-rules, value: {mark}}}
  - id: reload.mark-answer
    description: marks the answers with the rule set they ran on
    phase: response
    when: {{resource: [User]}}
    actions:
      - set_header: {{name: x-answer, value: {mark}}}
"
    )
}

/// Sends one user request through `addr` and returns the mark the upstream
/// received (`None`: no rule marked it).
async fn mark_at(addr: SocketAddr, rec: &Recorder) -> Option<String> {
    let before = rec.requests().len();
    let r = send("GET", &format!("http://{addr}/scim/v2/Users"), &[], None).await;
    r.assert_status(200);
    let got = rec.requests();
    assert_eq!(got.len(), before + 1);
    got.last().and_then(|g| g.header("x-rules"))
}

fn is_reload(v: &Value, version: u64) -> bool {
    v["message"] == "rules reloaded" && v["rules.version"] == version
}

fn reloads_failed(logs: &[Value]) -> usize {
    logs.iter()
        .filter(|v| v["message"] == "rules reload failed")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_file_edited_in_place_is_reloaded() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("reload-edit");
    let rules = dir.write("mark.yaml", &marker("one"));
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/scim/v2", rec.url()),
        "--rules",
        &rules,
        "--reload-interval",
        "50ms",
    ]);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));

    std::fs::write(&rules, marker("two")).unwrap();
    let line = shim.wait_log(|v| is_reload(v, 2));
    assert_eq!(line["reload.trigger"], "poll");
    assert_eq!(line["rules.count"], 2);
    assert_eq!(line["rules.files"], 1);
    assert_eq!(line["rules.hash"].as_str().map(str::len), Some(64));
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
    assert_eq!(reloads_failed(&shim.logs()), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_finishes_on_the_rules_it_started_with() {
    // The first answer takes long enough for a reload to happen meanwhile.
    let slow = Canned {
        delay: Duration::from_secs(3),
        ..Canned::default()
    };
    let rec = Recorder::start_script(vec![slow, Canned::default()]).await;
    let dir = TempDir::new("reload-in-flight");
    let rules = dir.write("mark.yaml", &marker("one"));
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/scim/v2", rec.url()),
        "--rules",
        &rules,
        "--reload-interval",
        "50ms",
    ]);
    let url = shim.url("/scim/v2/Users");
    let pending = tokio::spawn(async move { send("GET", &url, &[], None).await });
    let deadline = Instant::now() + Duration::from_secs(10);
    while rec.requests().is_empty() {
        assert!(Instant::now() < deadline, "the request never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    std::fs::write(&rules, marker("two")).unwrap();
    shim.wait_log(|v| is_reload(v, 2));
    assert!(!pending.is_finished(), "the reload came after the answer");
    let answer = pending.await.unwrap();
    answer.assert_status(200);
    assert_eq!(rec.requests()[0].header("x-rules").as_deref(), Some("one"));
    // Its response rules are still the old set's.
    assert_eq!(answer.header("x-answer"), Some("one"));

    let r = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    assert_eq!(r.header("x-answer"), Some("two"));
    assert_eq!(rec.requests()[1].header("x-rules").as_deref(), Some("two"));
}

/// Builds a ConfigMap-style volume holding `files`, in data directory `..<tag>`:
/// each visible file is a symlink through `..data`.
#[cfg(unix)]
fn configmap_publish(volume: &Path, tag: &str, files: &[(&str, &str)]) {
    use std::os::unix::fs::symlink;
    let data = volume.join(format!("..{tag}"));
    std::fs::create_dir_all(&data).unwrap();
    for (name, text) in files {
        std::fs::write(data.join(name), text).unwrap();
        let visible = volume.join(name);
        if std::fs::symlink_metadata(&visible).is_err() {
            symlink(Path::new("..data").join(name), visible).unwrap();
        }
    }
    // The kubelet's atomic swap: a new symlink renamed over `..data`.
    let tmp = volume.join("..data_tmp");
    symlink(format!("..{tag}"), &tmp).unwrap();
    std::fs::rename(&tmp, volume.join("..data")).unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configmap_update_by_symlink_swap_is_reloaded() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("reload-configmap");
    let volume = dir.0.join("config");
    let config = format!(
        "upstream: {}/scim/v2
connections:
  - name: idp
    rules: [mark.yaml]
",
        rec.url()
    );
    configmap_publish(
        &volume,
        "2026_01_01_00_00_00.1",
        &[("scimshim.yaml", &config), ("mark.yaml", &marker("one"))],
    );
    let shim = Scimshim::start(&[
        "--config",
        &volume.join("scimshim.yaml").to_string_lossy(),
        "--reload-interval",
        "50ms",
    ]);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));

    configmap_publish(
        &volume,
        "2026_01_01_00_05_00.2",
        &[("scimshim.yaml", &config), ("mark.yaml", &marker("two"))],
    );
    // The visible file was never written: only `..data` moved.
    let line = shim.wait_log(|v| is_reload(v, 2));
    assert_eq!(line["rules.count"], 2);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
    // The kubelet then removes the old data directory: nothing to reload.
    std::fs::remove_dir_all(volume.join("..2026_01_01_00_00_00.1")).unwrap();
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_edit_keeps_the_rules_in_use_until_it_is_fixed() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("reload-broken");
    let rules_dir = dir.0.join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    dir.write("rules/a.yaml", &marker("one"));
    let shim = Scimshim::start(&[
        "--upstream",
        &format!("{}/scim/v2", rec.url()),
        "--rules",
        &rules_dir.to_string_lossy(),
        "--reload-interval",
        "50ms",
        "--admin-listen",
        "127.0.0.1:0",
    ]);
    let admin = admin_addr(&shim);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));

    // An unknown action: the rule set is broken.
    dir.write(
        "rules/a.yaml",
        &marker("two").replacen("set_header", "set_headr", 1),
    );
    let failed = shim.wait_log(|v| v["message"] == "rules reload failed");
    assert_eq!(failed["errors"], 1);
    assert_eq!(failed["rules.version"], 1);
    assert_eq!(failed["level"], "ERROR");
    let a = rules_dir.join("a.yaml").to_string_lossy().into_owned();
    let diagnostic = shim.wait_log(|v| {
        v["level"] == "ERROR" && v["file"].as_str().is_some_and(|f| f.starts_with(&a))
    });
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("set_headr")),
        "{diagnostic}"
    );
    // The set in use stays, and `/rules` says why the reload failed.
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));
    let report = rules_report(admin).await;
    assert_eq!(report["version"], 1);
    let shown = report["last_error"]["diagnostics"].as_array().unwrap();
    assert_eq!(shown.len(), 1, "{report}");
    let shown = shown[0].as_str().unwrap();
    assert!(
        shown.starts_with("error: ")
            && shown.contains("set_headr")
            && shown.contains(&format!("  --> {a}:")),
        "{shown}"
    );

    // The fix, with a new mark.
    std::fs::write(rules_dir.join("a.yaml"), marker("four")).unwrap();
    shim.wait_log(|v| is_reload(v, 2));
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("four"));
    let report = rules_report(admin).await;
    assert_eq!(report["version"], 2);
    assert_eq!(report["last_error"], Value::Null);
    assert_eq!(report["files"].as_array().map(Vec::len), Some(1));
    // The broken inputs were tried once, not at every poll.
    assert_eq!(reloads_failed(&shim.logs()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_change_that_needs_a_restart_is_refused_as_a_whole() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("reload-restart");
    dir.write("mark.yaml", &marker("one"));
    let text = format!(
        "upstream: {}/scim/v2
connections:
  - name: idp
    rules: [mark.yaml]
",
        rec.url()
    );
    let config = dir.write("scimshim.yaml", &text);
    let shim = Scimshim::start(&["--config", &config, "--reload-interval", "50ms"]);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));

    // A new upstream and a new rule in one edit: neither is applied.
    dir.write("mark.yaml", &marker("two"));
    std::fs::write(&config, text.replace("/scim/v2", "/elsewhere")).unwrap();
    let failed = shim.wait_log(|v| v["message"] == "rules reload failed");
    assert_eq!(failed["errors"], 1);
    let problem = shim.wait_log(|v| v["message"] == "reload problem");
    let problem = problem["problem"].as_str().unwrap();
    assert!(
        problem.contains("`upstream` changed") && problem.contains("restart"),
        "{problem}"
    );
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));
    assert_eq!(rec.requests().last().unwrap().target, "/scim/v2/Users");

    // Putting the upstream back applies the rule change.
    std::fs::write(&config, &text).unwrap();
    shim.wait_log(|v| is_reload(v, 2));
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_with_watching_off() {
    let rec = Recorder::start(Canned::default()).await;
    let dir = TempDir::new("reload-sighup");
    let rules = dir.write("mark.yaml", &marker("one"));
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Signalled::start(&[
        "--upstream",
        &upstream,
        "--rules",
        &rules,
        "--reload-interval",
        "0",
    ]);
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("one"));

    std::fs::write(&rules, marker("two")).unwrap();
    shim.hangup();
    let line = shim.wait_log(|v| is_reload(v, 2));
    assert_eq!(line["reload.trigger"], "sighup");
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
    // Nothing changed: SIGHUP reloads anyway, as the next version.
    shim.hangup();
    shim.wait_log(|v| is_reload(v, 3));
    assert_eq!(mark_at(shim.addr, &rec).await.as_deref(), Some("two"));
}

/// The admin address from the `admin listening` log line.
fn admin_addr(shim: &Scimshim) -> SocketAddr {
    let line = shim.wait_log(|v| v["message"] == "admin listening");
    line["admin.listen"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no admin address in {line}"))
}

async fn rules_report(admin: SocketAddr) -> Value {
    let r = send("GET", &format!("http://{admin}/rules"), &[], None).await;
    r.assert_status(200);
    r.json()
}

/// `scimshim serve` started here rather than through `Scimshim`, to send it
/// signals other than SIGTERM.
struct Signalled {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Signalled {
    fn start(args: &[&str]) -> Signalled {
        let mut child = Command::new(bin())
            .current_dir(root())
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("SCIMSHIM_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start scimshim");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut s = Signalled {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines,
        };
        let listening = s.wait_log(|v| v["message"] == "scimshim listening");
        s.addr = listening["listen"].as_str().unwrap().parse().unwrap();
        s
    }

    fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    fn logs(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn wait_log(&self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(v) = self.logs().into_iter().find(|v| pred(v)) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no matching log line; logs:\n{}",
                self.lines.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Signalled {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
