//! Runs the real `scimshim` binary with `serve --listen 127.0.0.1:0` and learns
//! its address from the JSON "scimshim listening" log line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Scimshim {
    child: Child,
    pub addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimshim")
}

impl Scimshim {
    /// Starts `scimshim serve` with `args` after `--listen 127.0.0.1:0`.
    pub fn start(args: &[&str]) -> Scimshim {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Scimshim {
        match Self::try_start(args, env) {
            Ok(s) => s,
            Err((msg, logs)) => panic!(
                "scimshim did not start: {msg}\n--- its output:\n{}",
                logs.join("\n")
            ),
        }
    }

    /// Starts it and returns the output on failure (for tests of bad configs).
    pub fn try_start(
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Scimshim, (String, Vec<String>)> {
        let mut cmd = Command::new(bin());
        cmd.current_dir(super::root())
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("SCIMSHIM_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(|e| (e.to_string(), vec![]))?;
        let stderr = child
            .stderr
            .take()
            .ok_or(("no stderr".to_string(), vec![]))?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = find_listen(&lines.lock().unwrap());
            if let Some(addr) = found {
                return Ok(Scimshim { child, addr, lines });
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Let the reader thread drain.
                std::thread::sleep(Duration::from_millis(100));
                let logs = lines.lock().unwrap().clone();
                return Err((format!("exited with {status}"), logs));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err((
                    "no listening line within 20 s".into(),
                    lines.lock().unwrap().clone(),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Every log line so far, parsed (non-JSON lines are skipped).
    pub fn logs(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Raw log output so far.
    pub fn raw_logs(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits until a log line satisfies `pred`, up to 10 s.
    pub fn wait_log(&self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(v) = self.logs().into_iter().find(|v| pred(v)) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no matching log line; logs:\n{}",
                self.raw_logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The "request" (or "request failed") event of the `n`-th request, waiting for it.
    pub fn request_events(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let events: Vec<Value> = self
                .logs()
                .into_iter()
                .filter(|v| {
                    matches!(
                        v["message"].as_str(),
                        Some("request") | Some("request failed")
                    )
                })
                .collect();
            if events.len() >= n {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "fewer than {n} request events; logs:\n{}",
                self.raw_logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "scimshim did not exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn find_listen(lines: &[String]) -> Option<SocketAddr> {
    lines.iter().find_map(|l| {
        let v: Value = serde_json::from_str(l).ok()?;
        if v["message"] == "scimshim listening" {
            v["listen"].as_str()?.parse().ok()
        } else {
            None
        }
    })
}

impl Drop for Scimshim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Ok(lines) = self.lines.lock() {
            keep_output(&lines.join("\n"));
        }
    }
}

/// Keeps what a scimshim process printed in `target/test-logs/`, for
/// `tests/support/grep-secrets.sh` to search for every secret the suite
/// used (`tests/fixtures/secrets.txt`).
pub fn keep_output(text: &str) {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = super::repo("target/test-logs");
    let _ = std::fs::create_dir_all(&dir);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _ = std::fs::write(dir.join(format!("{}-{n}.log", std::process::id())), text);
}

/// Runs the binary with `args` (e.g. `check rules/`) to completion.
pub fn run(args: &[&str]) -> std::process::Output {
    let out = Command::new(bin())
        .current_dir(super::root())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run scimshim");
    keep_output(&format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    out
}
