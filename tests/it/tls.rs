//! An `https://` upstream over real TLS (rustls on both sides): trusted through
//! `--upstream-ca`, refused with a 502 when the CA is not given.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

use crate::support::{Scimshim, TempDir, send};

/// A CA, and a server certificate for `localhost` signed by it.
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "scimshim test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca.pem(), cert.der().clone(), key_der)
}

/// An HTTPS upstream answering every request with the path it saw.
async fn https_upstream(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = service_fn(|req: hyper::Request<Incoming>| async move {
                    let body = format!(
                        r#"{{"path":"{}","host":"{}"}}"#,
                        req.uri().path(),
                        req.headers()["host"].to_str().unwrap()
                    );
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_upstream_trusted_through_an_extra_ca() {
    let (ca_pem, cert, key) = certificates();
    let dir = TempDir::new("tls");
    let ca = dir.write("ca.pem", &ca_pem);
    let port = https_upstream(cert, key).await;
    let upstream = format!("https://localhost:{port}/api/scim");

    let shim = Scimshim::start(&["--upstream", &upstream, "--upstream-ca", &ca]);
    let r = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.json()["path"], "/api/scim/Users");
    assert_eq!(r.json()["host"], format!("localhost:{port}"));

    // Without the CA the certificate is not trusted: a 502, nothing half-sent.
    let untrusting = Scimshim::start(&["--upstream", &upstream]);
    let r = send("GET", &untrusting.url("/scim/v2/Users"), &[], None).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("x-scimshim-error"), Some("upstream-unreachable"));
}

#[test]
fn a_ca_file_without_certificates_stops_serve() {
    let dir = TempDir::new("tls-bad");
    let ca = dir.write("ca.pem", "not a certificate\n");
    let err = Scimshim::try_start(
        &["--upstream", "https://localhost:1", "--upstream-ca", &ca],
        &[],
    )
    .err();
    let (why, logs) = err.expect("serve must refuse a CA file without certificates");
    assert!(why.contains("exit status: 2"), "{why}");
    assert!(logs.join("\n").contains("no PEM certificates"), "{logs:?}");
}
