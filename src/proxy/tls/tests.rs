use super::*;

/// A self-signed certificate for `name` and its key, as PEM.
fn pair(name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![name.to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.pem(), key.serialize_pem())
}

fn files() -> PemFiles {
    PemFiles {
        cert: PathBuf::from("cert.pem"),
        key: PathBuf::from("key.pem"),
    }
}

/// A temporary directory for one test, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("scimshim-tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn files(&self, cert: &str, key: &str) -> PemFiles {
        let f = PemFiles {
            cert: self.0.join("cert.pem"),
            key: self.0.join("key.pem"),
        };
        std::fs::write(&f.cert, cert).unwrap();
        std::fs::write(&f.key, key).unwrap();
        f
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_matching_pair_loads() {
    let (cert, key) = pair("localhost");
    let certified = files().parse(cert.as_bytes(), key.as_bytes()).unwrap();
    assert_eq!(certified.cert.len(), 1);
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let (cert, _) = pair("localhost");
    let (_, other_key) = pair("localhost");
    assert_eq!(
        files().parse(cert.as_bytes(), other_key.as_bytes()).err(),
        Some(TlsError::KeyMismatch {
            cert: "cert.pem".into(),
            key: "key.pem".into()
        })
    );
}

#[test]
fn files_without_pem_blocks_are_refused() {
    let (cert, key) = pair("localhost");
    assert_eq!(
        files().parse(b"hello", key.as_bytes()).err(),
        Some(TlsError::NoCertificate {
            path: "cert.pem".into()
        })
    );
    assert_eq!(
        files().parse(cert.as_bytes(), cert.as_bytes()).err(),
        Some(TlsError::NoKey {
            path: "key.pem".into()
        })
    );
}

#[test]
fn a_certificate_that_is_not_x509_is_refused() {
    let (_, key) = pair("localhost");
    let junk = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    let err = files().parse(junk.as_bytes(), key.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, TlsError::BadCertificate { path, .. } if path == "cert.pem"),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_names_itself() {
    let f = PemFiles {
        cert: PathBuf::from("/nonexistent/scimshim/cert.pem"),
        key: PathBuf::from("/nonexistent/scimshim/key.pem"),
    };
    let err = f.load().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read the certificate file /nonexistent/scimshim/cert.pem: "),
        "{err}"
    );
}

#[tokio::test]
async fn reload_swaps_a_good_pair_and_keeps_the_old_one_on_a_bad_one() {
    let dir = Dir::new("reload");
    let (cert_a, key_a) = pair("a.test");
    let files = dir.files(&cert_a, &key_a);
    let tls = ListenerTls::load(files.clone(), DEFAULT_HANDSHAKE_TIMEOUT).unwrap();
    let leaf_a = tls.current_leaf().unwrap();
    assert_eq!(tls.reload_if_changed().await, Reload::Unchanged);

    let (cert_b, key_b) = pair("b.test");
    dir.files(&cert_b, &key_b);
    assert_eq!(tls.reload_if_changed().await, Reload::Reloaded);
    let leaf_b = tls.current_leaf().unwrap();
    assert_ne!(leaf_a, leaf_b);
    assert_eq!(tls.reload_if_changed().await, Reload::Unchanged);

    // A certificate whose key is still the old one: refused, once.
    let (cert_c, _) = pair("c.test");
    dir.files(&cert_c, &key_b);
    assert_eq!(
        tls.reload_if_changed().await,
        Reload::Failed(TlsError::KeyMismatch {
            cert: files.cert.display().to_string(),
            key: files.key.display().to_string(),
        })
    );
    assert_eq!(tls.reload_if_changed().await, Reload::Unchanged);
    assert_eq!(tls.current_leaf().unwrap(), leaf_b);

    // A removed file is a failure too; putting a good pair back recovers.
    std::fs::remove_file(&files.key).unwrap();
    assert!(matches!(
        tls.reload_if_changed().await,
        Reload::Failed(TlsError::Read {
            what: "key file",
            ..
        })
    ));
    dir.files(&cert_a, &key_a);
    assert_eq!(tls.reload_if_changed().await, Reload::Reloaded);
    assert_eq!(tls.current_leaf().unwrap(), leaf_a);
}
