use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::rules::secret::MapEnv;

#[test]
fn base_paths() {
    assert_eq!(normalize_base_path("/scim/v2/").unwrap(), "/scim/v2");
    assert_eq!(normalize_base_path("/").unwrap(), "");
    assert!(normalize_base_path("scim").is_err());
}

fn args() -> ServeArgs {
    ServeArgs {
        config: None,
        listen: None,
        tls_cert: None,
        tls_key: None,
        tls_handshake_timeout: None,
        upstream: None,
        rules: Vec::new(),
        base_path: None,
        max_body_bytes: None,
        upstream_timeout: None,
        upstream_ca: None,
        upstream_client_cert: None,
        upstream_client_key: None,
        inbound_token_sha256_file: None,
        upstream_credential_env: None,
        upstream_credential_file: None,
        upstream_credential_scheme: None,
        shutdown_grace: None,
        log_values: None,
        worker_threads: None,
        admin_listen: None,
        readyz_requires_upstream: true,
        reload_interval: None,
    }
}

/// A config file in a fresh temp dir; the dir is removed by the caller.
fn config_file(text: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "scimshim-serveconfig-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scimshim.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_flags_make_one_default_connection_with_the_defaults() {
    let mut a = args();
    a.upstream = Some("http://backend:8000/v2".into());
    let c = ServeConfig::build(&a, &MapEnv::default()).unwrap();
    assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(c.base_path, "/scim/v2");
    assert_eq!(c.max_body_bytes, 1 << 20);
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.shutdown_grace, Duration::from_secs(10));
    assert_eq!(c.log_values, ValueLogging::Redacted);
    assert_eq!(c.connections.len(), 1);
    let only = c.connections.get(0).unwrap();
    assert_eq!(&*only.name, "default");
    assert!(matches!(only.matcher, crate::proxy::Matcher::Any));
    assert!(c.file.is_none());
}

#[test]
fn flags_that_are_set_win_over_the_file() {
    let path = config_file(
        "listen: 0.0.0.0:9000\nbase_path: /tenant/scim\nmax_body_bytes: 2MiB\nupstream_timeout: 5s\n\
         log_values: full\nupstream: http://b\nconnections:\n  - name: only\n",
    );
    let mut a = args();
    a.config = Some(path.clone());
    let c = ServeConfig::build(&a, &MapEnv::default()).unwrap();
    assert_eq!(c.listen, "0.0.0.0:9000".parse().unwrap());
    assert_eq!(c.base_path, "/tenant/scim");
    assert_eq!(c.max_body_bytes, 2 << 20);
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.shutdown_grace, Duration::from_secs(10));
    assert_eq!(c.log_values, ValueLogging::Full);
    assert_eq!(c.file.as_deref(), Some(path.as_path()));
    assert_eq!(&*c.connections.get(0).unwrap().name, "only");

    a.listen = Some("127.0.0.1:0".parse().unwrap());
    a.base_path = Some("/other/".into());
    a.upstream_timeout = Some(units::Span(Duration::from_millis(250)));
    let c = ServeConfig::build(&a, &MapEnv::default()).unwrap();
    assert_eq!(c.listen, "127.0.0.1:0".parse().unwrap());
    assert_eq!(c.base_path, "/other");
    assert_eq!(c.timeout, Duration::from_millis(250));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_file_with_errors_or_with_upstream_flags_does_not_start() {
    let path = config_file("connections:\n  - name: a\n    upstream: nope\n");
    let mut a = args();
    a.config = Some(path.clone());
    match ServeConfig::build(&a, &MapEnv::default()) {
        Err(ConfigError::File { diagnostics, .. }) => {
            assert_eq!(diagnostics.len(), 1);
            assert_eq!((diagnostics[0].line, diagnostics[0].column), (3, 15));
        }
        other => panic!("expected file errors, got {:?}", other.err()),
    }
    a.upstream = Some("http://b".into());
    assert!(matches!(
        ServeConfig::build(&a, &MapEnv::default()),
        Err(ConfigError::Usage(_))
    ));
    a.upstream = None;
    a.config = Some(path.with_file_name("missing.yaml"));
    assert!(matches!(
        ServeConfig::build(&a, &MapEnv::default()),
        Err(ConfigError::Read(_))
    ));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn serve_requires_the_tokens_that_check_only_warns_about() {
    let path = config_file(
        "upstream: http://b\nconnections:\n  - name: okta\n    match: {bearer_token: {env: OKTA_TOKEN}}\n",
    );
    let mut a = args();
    a.config = Some(path.clone());
    match ServeConfig::build(&a, &MapEnv::default()) {
        Err(ConfigError::File { diagnostics, .. }) => {
            assert_eq!(diagnostics.len(), 1);
            assert!(diagnostics[0].is_error());
            assert_eq!(
                diagnostics[0].message,
                "environment variable `OKTA_TOKEN` is not set or empty"
            );
        }
        other => panic!("expected file errors, got {:?}", other.err()),
    }
    let env = MapEnv(vec![("OKTA_TOKEN".into(), "t".into())]);
    assert!(ServeConfig::build(&a, &env).is_ok());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
