//! The real strict backend, `scim2-server` from PyPI, started through
//! `tests/support/strict-backend.sh` (which builds its venv on first use).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The venv the tests use: `SCIMSHIM_TEST_VENV`, or `target/scim-venv`.
pub fn venv() -> std::path::PathBuf {
    std::env::var_os("SCIMSHIM_TEST_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| super::repo("target/scim-venv"))
}

/// Prepares the venv once per test run.
pub fn ensure_venv() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let out = Command::new(super::repo("tests/support/strict-backend.sh"))
            .arg("--install-only")
            .arg(venv())
            .current_dir(super::root())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    if let Err(e) = ready {
        panic!("cannot prepare the scim2-server venv (needs python3 >= 3.11 and PyPI): {e}");
    }
}

pub struct ScimServer {
    child: Child,
    pub port: u16,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl ScimServer {
    /// Starts a fresh, empty scim2-server and waits until it answers.
    pub fn start(extra: &[&str]) -> ScimServer {
        ensure_venv();
        let port = free_port();
        let child = Command::new(super::repo("tests/support/strict-backend.sh"))
            .arg(port.to_string())
            .arg(venv())
            .arg("--")
            .args(extra)
            .current_dir(super::root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scim2-server");
        let server = ScimServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "scim2-server did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `http://127.0.0.1:PORT/v2`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
