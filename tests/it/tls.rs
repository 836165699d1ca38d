//! TLS on both sides, with rustls and certificates made by rcgen:
//! - the listener (`--tls-cert`/`--tls-key`, or `tls:` in scimshim.yaml):
//!   HTTP/1.1 and h2 chosen by ALPN, `X-Forwarded-Proto: https`, certificate
//!   reload when the files change (a bad replacement keeps the old pair), a
//!   failed or stalled handshake that affects no one else, start-up errors;
//! - the upstream: trusted through `--upstream-ca` (refused with a 502 without
//!   it), SNI from the upstream host, a client certificate (mTLS).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::support::recorder::Canned;
use crate::support::scimshim::run;
use crate::support::{Recorder, Scimshim, TempDir, send};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A test certificate authority.
struct Ca {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

/// A certificate issued by a [`Ca`], with its key.
struct Leaf {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
    key_der: PrivateKeyDer<'static>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots.add(self.cert.der().clone()).unwrap();
        roots
    }

    /// A server certificate for `names`, with this serial number.
    fn server(&self, names: &[&str], serial: u64) -> Leaf {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        self.issue(params)
    }

    /// A client certificate (extended key usage `clientAuth`).
    fn client(&self, name: &str) -> Leaf {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }

    fn issue(&self, params: rcgen::CertificateParams) -> Leaf {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

/// An HTTPS upstream answering every request with the path, `Host`, the SNI
/// name and whether a client certificate was presented. With `client_ca`, it
/// requires a client certificate issued by that CA.
async fn https_upstream(leaf: &Leaf, client_ca: Option<&Ca>) -> u16 {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(ca.roots()), provider())
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(vec![leaf.der.clone()], leaf.key_der.clone_key())
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
                let (_, session) = tls.get_ref();
                let sni = session.server_name().map(str::to_string);
                let client_cert = session
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.as_ref().to_vec());
                let svc = service_fn(move |req: hyper::Request<Incoming>| {
                    let seen = serde_json::json!({
                        "path": req.uri().path(),
                        "host": req.headers()["host"].to_str().unwrap(),
                        "sni": sni,
                        "client_cert_len": client_cert.as_ref().map(Vec::len),
                    });
                    async move {
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(
                            seen.to_string(),
                        ))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    port
}

/// One request over TLS to scimshim, as a client trusting `roots` that
/// offers only `alpn`.
struct TlsReply {
    status: u16,
    alpn: Option<Vec<u8>>,
    /// The leaf certificate scimshim presented.
    leaf: CertificateDer<'static>,
    body: Bytes,
}

async fn tls_get(addr: SocketAddr, roots: RootCertStore, alpn: &[u8], path: &str) -> TlsReply {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = tokio::time::timeout(
        Duration::from_secs(10),
        TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp),
    )
    .await
    .expect("handshake within 10 s")
    .expect("TLS handshake with scimshim");
    let (_, session) = tls.get_ref();
    let negotiated = session.alpn_protocol().map(<[u8]>::to_vec);
    let leaf = session.peer_certificates().unwrap()[0].clone();
    let io = TokioIo::new(tls);
    let uri = format!("https://localhost:{}{path}", addr.port());
    let resp = if negotiated.as_deref() == Some(b"h2") {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::get(uri)
            .body(Empty::<Bytes>::new())
            .unwrap();
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::get(path)
            .header("host", format!("localhost:{}", addr.port()))
            .body(Empty::<Bytes>::new())
            .unwrap();
        sender.send_request(req).await.unwrap()
    };
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    TlsReply {
        status,
        alpn: negotiated,
        leaf,
        body,
    }
}

/// A directory with the listener's `cert.pem` and `key.pem`.
fn listener_files(leaf: &Leaf) -> (TempDir, String, String) {
    let dir = TempDir::new("tls-listener");
    let cert = dir.write("cert.pem", &leaf.cert_pem);
    let key = dir.write("key.pem", &leaf.key_pem);
    (dir, cert, key)
}

/// Log events with this message.
fn events(shim: &Scimshim, message: &str) -> Vec<Value> {
    shim.logs()
        .into_iter()
        .filter(|v| v["message"] == message)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_serves_http1_and_h2_and_forwards_as_https() {
    let ca = Ca::new("listener CA");
    let leaf = ca.server(&["localhost"], 1);
    let (_dir, cert, key) = listener_files(&leaf);
    let rec = Recorder::start(Canned::default()).await;
    let upstream = format!("{}/scim/v2", rec.url());
    let shim = Scimshim::start(&[
        "--upstream",
        &upstream,
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    shim.wait_log(|v| {
        v["message"] == "terminating TLS; the certificate files are watched for changes"
            && v["tls.cert"] == cert.as_str()
    });

    let h1 = tls_get(shim.addr, ca.roots(), b"http/1.1", "/scim/v2/Users?x=1").await;
    assert_eq!(h1.status, 200, "{:?}", h1.body);
    assert_eq!(h1.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(h1.leaf, leaf.der);
    let h2 = tls_get(shim.addr, ca.roots(), b"h2", "/scim/v2/Groups").await;
    assert_eq!(h2.status, 200, "{:?}", h2.body);
    assert_eq!(h2.alpn.as_deref(), Some(&b"h2"[..]));

    let seen = rec.requests();
    let targets: Vec<&str> = seen.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/scim/v2/Users?x=1", "/scim/v2/Groups"]);
    for r in &seen {
        assert_eq!(r.header("x-forwarded-proto").as_deref(), Some("https"));
        assert_eq!(r.header_count("x-forwarded-proto"), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_or_stalled_handshake_affects_only_its_own_connection() {
    let ca = Ca::new("listener CA");
    let leaf = ca.server(&["localhost"], 1);
    let (_dir, cert, key) = listener_files(&leaf);
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &rec.url(),
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--tls-handshake-timeout",
        "500ms",
    ]);

    // Plain HTTP on the TLS port: no HTTP answer, one log event.
    let mut plain = TcpStream::connect(shim.addr).await.unwrap();
    plain
        .write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), plain.read_to_end(&mut got)).await;
    assert!(
        !got.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    let local = plain.local_addr().unwrap().to_string();
    shim.wait_log(|v| v["message"] == "tls handshake failed" && v["remote"] == local.as_str());

    // A client that says nothing holds its connection until the timeout; in
    // the meantime others are served.
    let mut stalled = TcpStream::connect(shim.addr).await.unwrap();
    let stalled_at = Instant::now();
    let stalled_local = stalled.local_addr().unwrap().to_string();
    let ok = tls_get(shim.addr, ca.roots(), b"http/1.1", "/scim/v2/Users").await;
    assert_eq!(ok.status, 200);
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), stalled.read(&mut buf))
        .await
        .expect("the stalled connection is closed within the handshake timeout");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let waited = stalled_at.elapsed();
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    let event = shim.wait_log(|v| {
        v["message"] == "tls handshake failed" && v["remote"] == stalled_local.as_str()
    });
    assert_eq!(event["error"], "no handshake within 500 ms");
    assert_eq!(event["level"], "INFO");
    assert_eq!(
        events(&shim, "tls handshake failed").len(),
        2,
        "{}",
        shim.raw_logs()
    );
    assert_eq!(rec.requests().len(), 1);
}

/// Polls new TLS connections until scimshim presents `want`.
async fn wait_for_leaf(addr: SocketAddr, ca: &Ca, want: &CertificateDer<'static>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = tls_get(addr, ca.roots(), b"http/1.1", "/scim/v2/Users").await;
        assert_eq!(r.status, 200);
        if r.leaf == *want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never presented"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_is_presented_to_new_connections() {
    let ca = Ca::new("listener CA");
    let first = ca.server(&["localhost"], 1);
    let (dir, cert, key) = listener_files(&first);
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &rec.url(),
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    let before = tls_get(shim.addr, ca.roots(), b"http/1.1", "/scim/v2/Users").await;
    assert_eq!(before.leaf, first.der);

    // A new pair with another name and serial, written the way a Secret
    // mount or an operator would: new files moved into place.
    let second = ca.server(&["localhost", "reloaded.test"], 2);
    dir.write("key.new", &second.key_pem);
    dir.write("cert.new", &second.cert_pem);
    std::fs::rename(dir.0.join("key.new"), &key).unwrap();
    std::fs::rename(dir.0.join("cert.new"), &cert).unwrap();
    shim.wait_log(|v| v["message"] == "tls certificate reloaded" && v["tls.cert"] == cert.as_str());
    let after = tls_get(shim.addr, ca.roots(), b"h2", "/scim/v2/Users").await;
    assert_eq!(after.status, 200);
    assert_eq!(after.leaf, second.der);
    assert_ne!(after.leaf, first.der);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_replacement_keeps_the_current_certificate() {
    let ca = Ca::new("listener CA");
    let first = ca.server(&["localhost"], 1);
    let (_dir, cert, key) = listener_files(&first);
    let rec = Recorder::start(Canned::default()).await;
    let shim = Scimshim::start(&[
        "--upstream",
        &rec.url(),
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);

    std::fs::write(
        &cert,
        "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let failed = shim.wait_log(|v| {
        v["message"] == "tls certificate reload failed; still presenting the previous certificate"
    });
    assert_eq!(failed["level"], "ERROR");
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!("the certificate in {cert} is invalid")),
        "{error}"
    );
    let r = tls_get(shim.addr, ca.roots(), b"http/1.1", "/scim/v2/Users").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.leaf, first.der);

    // A key that belongs to another certificate: refused as well. Then the
    // right pair comes back and is served again.
    let other = ca.server(&["localhost"], 3);
    std::fs::write(&key, &other.key_pem).unwrap();
    std::fs::write(&cert, &first.cert_pem).unwrap();
    shim.wait_log(|v| {
        v["error"].as_str().is_some_and(|e| {
            e == format!("the private key in {key} does not belong to the certificate in {cert}")
        })
    });
    let r = tls_get(shim.addr, ca.roots(), b"http/1.1", "/scim/v2/Users").await;
    assert_eq!(r.leaf, first.der);
    std::fs::write(&cert, &other.cert_pem).unwrap();
    wait_for_leaf(shim.addr, &ca, &other.der).await;
    assert!(
        events(&shim, "tls certificate reloaded").len() == 1,
        "{}",
        shim.raw_logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_upstream_trusted_through_an_extra_ca_with_sni_from_the_host() {
    let ca = Ca::new("upstream CA");
    let leaf = ca.server(&["localhost"], 1);
    let dir = TempDir::new("tls");
    let ca_file = dir.write("ca.pem", &ca.pem());
    let port = https_upstream(&leaf, None).await;
    let upstream = format!("https://localhost:{port}/api/scim");

    let shim = Scimshim::start(&["--upstream", &upstream, "--upstream-ca", &ca_file]);
    let r = send("GET", &shim.url("/scim/v2/Users"), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.json()["path"], "/api/scim/Users");
    assert_eq!(r.json()["host"], format!("localhost:{port}"));
    assert_eq!(r.json()["sni"], "localhost");
    assert_eq!(r.json()["client_cert_len"], Value::Null);

    // Without the CA the certificate is not trusted: a 502, nothing half-sent.
    let untrusting = Scimshim::start(&["--upstream", &upstream]);
    let r = send("GET", &untrusting.url("/scim/v2/Users"), &[], None).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("x-scimshim-error"), Some("upstream-unreachable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_requires_a_client_certificate_gets_one() {
    let ca = Ca::new("upstream CA");
    let client_ca = Ca::new("client CA");
    let leaf = ca.server(&["localhost"], 1);
    let client = client_ca.client("scimshim");
    let dir = TempDir::new("tls-mtls");
    let ca_file = dir.write("ca.pem", &ca.pem());
    let client_cert = dir.write("client.pem", &client.cert_pem);
    let client_key = dir.write("client.key", &client.key_pem);
    let port = https_upstream(&leaf, Some(&client_ca)).await;
    let upstream = format!("https://localhost:{port}/scim/v2");

    let without = Scimshim::start(&["--upstream", &upstream, "--upstream-ca", &ca_file]);
    let r = send("GET", &without.url("/scim/v2/Users"), &[], None).await;
    assert_eq!(r.status, 502, "{:?}", r.body);
    assert_eq!(r.header("x-scimshim-error"), Some("upstream-unreachable"));

    let with = Scimshim::start(&[
        "--upstream",
        &upstream,
        "--upstream-ca",
        &ca_file,
        "--upstream-client-cert",
        &client_cert,
        "--upstream-client-key",
        &client_key,
    ]);
    let r = send("GET", &with.url("/scim/v2/Users"), &[], None).await;
    r.assert_status(200);
    assert_eq!(r.json()["client_cert_len"], client.der.len());
    assert_eq!(r.json()["sni"], "localhost");
}

/// `tls`, `upstream_ca` and the client pair in scimshim.yaml, relative to it:
/// top level, and a connection's own pair over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_file_sets_both_sides() {
    let listener_ca = Ca::new("listener CA");
    let upstream_ca = Ca::new("upstream CA");
    let client_ca = Ca::new("client CA");
    let listener = listener_ca.server(&["localhost"], 7);
    let top_client = client_ca.client("top");
    let own_client = client_ca.client("own");
    let port = https_upstream(&upstream_ca.server(&["localhost"], 1), Some(&client_ca)).await;
    let dir = TempDir::new("tls-config");
    std::fs::create_dir_all(dir.0.join("certs")).unwrap();
    dir.write("certs/listener.pem", &listener.cert_pem);
    dir.write("certs/listener.key", &listener.key_pem);
    dir.write("certs/ca.pem", &upstream_ca.pem());
    dir.write("certs/top.pem", &top_client.cert_pem);
    dir.write("certs/top.key", &top_client.key_pem);
    dir.write("certs/own.pem", &own_client.cert_pem);
    dir.write("certs/own.key", &own_client.key_pem);
    let config = dir.write(
        "scimshim.yaml",
        &format!(
            "tls: {{cert: certs/listener.pem, key: certs/listener.key, handshake_timeout: 5s}}\n\
             upstream: https://localhost:{port}/scim/v2\n\
             upstream_ca: certs/ca.pem\n\
             upstream_client_cert: certs/top.pem\n\
             upstream_client_key: certs/top.key\n\
             connections:\n\
             \x20 - name: own\n\
             \x20   match: {{path_prefix: /scim/v2/own}}\n\
             \x20   upstream_client_cert: certs/own.pem\n\
             \x20   upstream_client_key: certs/own.key\n\
             \x20 - name: rest\n"
        ),
    );
    let shim = Scimshim::start(&["--config", &config]);
    let top = tls_get(shim.addr, listener_ca.roots(), b"h2", "/scim/v2/Users").await;
    assert_eq!(top.status, 200, "{:?}", top.body);
    assert_eq!(top.leaf, listener.der);
    let seen: Value = serde_json::from_slice(&top.body).unwrap();
    assert_eq!(seen["client_cert_len"], top_client.der.len());
    let own = tls_get(
        shim.addr,
        listener_ca.roots(),
        b"http/1.1",
        "/scim/v2/own/Users",
    )
    .await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let seen: Value = serde_json::from_slice(&own.body).unwrap();
    assert_eq!(seen["path"], "/scim/v2/Users");
    assert_eq!(seen["client_cert_len"], own_client.der.len());

    // `check --config` points at a key that does not fit, and at a pair
    // given by half.
    let broken = dir.write(
        "broken.yaml",
        "tls: {cert: certs/listener.pem, key: certs/top.key}\n\
         upstream: http://127.0.0.1:9/scim/v2\n\
         connections:\n\
         \x20 - name: only\n\
         \x20   upstream_client_cert: certs/own.pem\n",
    );
    let out = run(&["check", "--config", &broken, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let got: Vec<(u64, &str, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["field"].as_str().unwrap(),
                d["message"]
                    .as_str()
                    .unwrap()
                    .replace(&*dir.0.to_string_lossy(), "DIR"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                "tls.key",
                "the private key in DIR/certs/top.key does not belong to the certificate in \
                 DIR/certs/listener.pem"
                    .to_string()
            ),
            (
                5,
                "connections[0].upstream_client_cert",
                "`upstream_client_cert` without `upstream_client_key`".to_string()
            ),
        ]
    );
}

#[test]
fn serve_refuses_certificate_files_it_cannot_use() {
    let ca = Ca::new("listener CA");
    let leaf = ca.server(&["localhost"], 1);
    let other = ca.server(&["localhost"], 2);
    let dir = TempDir::new("tls-bad-listener");
    let cert = dir.write("cert.pem", &leaf.cert_pem);
    let key = dir.write("key.pem", &leaf.key_pem);
    let wrong_key = dir.write("other.key", &other.key_pem);
    let junk = dir.write("junk.pem", "not PEM at all\n");
    let missing = dir.0.join("missing.pem").to_string_lossy().into_owned();
    let cases: [(&[&str], String); 5] = [
        (
            &["--tls-cert", &missing, "--tls-key", &key],
            format!("not starting: listener TLS: cannot read the certificate file {missing}: "),
        ),
        (
            &["--tls-cert", &cert, "--tls-key", &wrong_key],
            format!(
                "not starting: listener TLS: the private key in {wrong_key} does not belong to \
                 the certificate in {cert}"
            ),
        ),
        (
            &["--tls-cert", &junk, "--tls-key", &key],
            format!("not starting: listener TLS: {junk} holds no PEM certificate"),
        ),
        (
            &["--tls-cert", &cert, "--tls-key", &cert],
            format!(
                "not starting: listener TLS: {cert} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)"
            ),
        ),
        (
            &[
                "--upstream-client-cert",
                &cert,
                "--upstream-client-key",
                &wrong_key,
            ],
            format!(
                "not starting: upstream client certificate: the private key in {wrong_key} does \
                 not belong to the certificate in {cert}"
            ),
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["--upstream", "https://localhost:1"];
        all.extend_from_slice(args);
        let (why, logs) = Scimshim::try_start(&all, &[])
            .err()
            .unwrap_or_else(|| panic!("serve must refuse {args:?}"));
        assert!(why.contains("exit status: 2"), "{why}");
        let messages: Vec<String> = logs
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["message"].as_str().map(str::to_string))
            .collect();
        assert!(
            messages.iter().any(|m| m.starts_with(&want)),
            "wanted `{want}` in {messages:?}"
        );
    }

    // Half a pair is a usage error before anything is read.
    let (why, logs) = Scimshim::try_start(
        &["--upstream", "http://127.0.0.1:1", "--tls-cert", &cert],
        &[],
    )
    .err()
    .expect("--tls-cert alone must be refused");
    assert!(why.contains("exit status: 2"), "{why}");
    assert!(logs.join("\n").contains("--tls-key"), "{logs:?}");
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
