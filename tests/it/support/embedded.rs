//! The embedded strict backend, run as its own process: `scimshim backend`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::scimshim::bin;

pub struct Embedded {
    child: Child,
    pub port: u16,
}

impl Embedded {
    /// Starts `scimshim backend` on a free port with `extra` flags and waits
    /// until it accepts connections.
    pub fn start(extra: &[&str]) -> Embedded {
        let port = super::backend::free_port();
        let child = Command::new(bin())
            .args(["backend", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env_remove("SCIMSHIM_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scimshim backend");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the embedded backend did not listen on {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Embedded { child, port }
    }

    /// `http://127.0.0.1:PORT/scim/v2`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/scim/v2", self.port)
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One of the two strict backends the tests run against.
pub enum Strict {
    Scim2Server(super::ScimServer),
    Embedded(Embedded),
}

impl Strict {
    /// Which backends to run a scenario against.
    pub fn both() -> [fn(&[&str]) -> Strict; 2] {
        [
            |extra| Strict::Scim2Server(super::ScimServer::start(extra)),
            |extra| Strict::Embedded(Embedded::start(extra)),
        ]
    }

    /// The backend's SCIM base URL.
    pub fn url(&self) -> String {
        match self {
            Strict::Scim2Server(s) => s.url(),
            Strict::Embedded(e) => e.url(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Strict::Scim2Server(_) => "scim2-server",
            Strict::Embedded(_) => "embedded",
        }
    }
}
