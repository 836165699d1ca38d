//! Secrets that rules send upstream (credentials, API keys), read once at load
//! time from the environment or a file. The environment is reached through the
//! [`Env`] trait so that tests never have to change the process environment.

use std::fmt;
use std::path::Path;

/// Read access to environment variables.
pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of variables, for tests and `check`.
#[derive(Default)]
pub struct MapEnv(pub Vec<(String, String)>);

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// A secret value. Its `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Reads a secret from a file: the whole content minus one trailing newline.
pub fn read_file(path: &Path) -> std::io::Result<Secret> {
    let mut s = std::fs::read_to_string(path)?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    Ok(Secret(s))
}

/// Headers whose values are credentials: never logged, never shown by `explain`.
pub fn is_secret_header(name: &http::HeaderName) -> bool {
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key" | "api-key"
    ) || name.as_str().contains("token")
        || name.as_str().contains("secret")
}
