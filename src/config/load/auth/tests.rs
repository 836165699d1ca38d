use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use http::{HeaderMap, HeaderValue};

use crate::config::load::{LoadedConfig, load_str};
use crate::proxy::auth::Denied;
use crate::rules::SecretMode;
use crate::rules::secret::MapEnv;

/// `printf %s t0ken | sha256sum`
const HASH: &str = "b46c09677343261f0b439a472422225e3a230c9c094d6ab16762e2036b597053";

struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scimshim-config-auth-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load(dir: &Path, text: &str, mode: SecretMode) -> LoadedConfig {
    let env = MapEnv(vec![("IT_BACKEND".into(), "svc:pw".into())]);
    load_str(&dir.join("scimshim.yaml"), text, &env, mode)
}

fn brief(loaded: &LoadedConfig) -> Vec<String> {
    loaded
        .diagnostics
        .iter()
        .map(|d| format!("{:?} {}: {}", d.severity, d.field, d.message))
        .collect()
}

const MISSING_FILE: &str = "upstream: http://app:8000/scim/v2
connections:
  - name: entra
    inbound_auth: {token_sha256_file: secrets/entra.sha256}
";

#[test]
fn a_hash_file_mounted_only_in_the_cluster_is_a_warning_for_check() {
    let dir = Dir::new();
    let loaded = load(&dir.0, MISSING_FILE, SecretMode::Lenient);
    assert!(!loaded.has_errors(), "{:?}", brief(&loaded));
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.connections.len(), 1);
    assert!(
        loaded.diagnostics[0]
            .message
            .starts_with("cannot read the token hash file")
    );
    // ... and an error for serve.
    let loaded = load(&dir.0, MISSING_FILE, SecretMode::Require);
    assert!(loaded.has_errors());
    assert!(loaded.connections.is_empty());
}

#[test]
fn a_loaded_connection_authenticates_then_presents_the_backend_credential() {
    let dir = Dir::new();
    std::fs::write(dir.0.join("entra.sha256"), "# comment only\n\n").unwrap();
    let text = format!(
        "upstream: http://app:8000/scim/v2
connections:
  - name: entra
    inbound_auth:
      token_sha256_file: entra.sha256
      token_sha256: ['{HASH}']
    upstream_credential: {{value_from: {{env: IT_BACKEND}}, scheme: basic}}
"
    );
    let loaded = load(&dir.0, &text, SecretMode::Require);
    assert_eq!(brief(&loaded), Vec::<String>::new());
    let conn = &loaded.connections[0];
    assert_eq!(conn.inbound_auth.as_ref().map(|a| a.len()), Some(1));
    let mut headers = HeaderMap::new();
    assert_eq!(conn.admit(&mut headers), Err(Denied::Missing));
    headers.insert("authorization", HeaderValue::from_static("Bearer t0ken"));
    assert_eq!(conn.admit(&mut headers), Ok(()));
    assert_eq!(headers["authorization"], "Basic c3ZjOnB3");
}

#[test]
fn no_hash_at_all_is_an_error_for_serve() {
    let dir = Dir::new();
    std::fs::write(dir.0.join("entra.sha256"), "# nothing yet\n").unwrap();
    let text = "upstream: http://app:8000/scim/v2
connections:
  - name: entra
    inbound_auth: {token_sha256_file: entra.sha256}
";
    let loaded = load(&dir.0, text, SecretMode::Require);
    assert_eq!(
        brief(&loaded),
        [
            "Error connections[0].inbound_auth: `inbound_auth` accepts no token: every request would get 401"
        ]
    );
    let loaded = load(&dir.0, text, SecretMode::Lenient);
    assert!(!loaded.has_errors());
}

#[test]
fn a_credential_without_authentication_is_a_warning() {
    let dir = Dir::new();
    let text = "upstream: http://app:8000/scim/v2
connections:
  - name: entra
    match: {path_prefix: /scim/v2/entra}
    upstream_credential: {value_from: {env: IT_BACKEND}, scheme: bearer}
  - name: legacy
    match: {bearer_token: {env: IT_BACKEND}}
    upstream_credential: {value_from: {env: IT_BACKEND}, scheme: bearer, header: x-api-key}
";
    let loaded = load(&dir.0, text, SecretMode::Require);
    assert_eq!(
        brief(&loaded),
        [
            "Warning connections[0].upstream_credential: connection `entra` gives any client the backend's credential"
        ]
    );
    assert_eq!(loaded.connections.len(), 2);
}
