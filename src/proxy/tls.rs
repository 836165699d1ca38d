//! TLS with rustls: the listener's certificate, read from PEM files and
//! swapped in when the files change, and the PEM reading shared with the
//! upstream's client certificate (mTLS).
//!
//! The listener offers ALPN `h2` and `http/1.1`, since the server speaks both.
//! Each handshake runs in the connection's own task under a time limit, so a
//! failing or stalled client never holds up the accept loop or other clients.
//!
//! Reload: every [`RELOAD_INTERVAL`] the two files are read again. When their
//! contents differ from what was last looked at, the pair is parsed and
//! checked; a good pair replaces the certificate for the next handshakes (open
//! connections keep theirs), a bad one is logged once and the current pair
//! stays. Reading the paths each time follows symlinks, so a Kubernetes
//! Secret's `..data` swap is seen like an edit in place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

/// How often the listener's certificate files are read again.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(2);

/// How long a client may take for the TLS handshake unless told otherwise.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a certificate and key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the {what} {path}: {detail}")]
    Read {
        what: &'static str,
        path: String,
        detail: String,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: String },
    #[error("the certificate in {path} is invalid: {detail}")]
    BadCertificate { path: String, detail: String },
    #[error("{path} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey { path: String },
    #[error("the private key in {path} cannot be used: {detail}")]
    BadKey { path: String, detail: String },
    #[error("the private key in {key} does not belong to the certificate in {cert}")]
    KeyMismatch { cert: String, key: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

impl TlsError {
    /// Whether the problem is best shown at the key file (a key that does
    /// not fit the certificate counts) rather than at the certificate.
    pub fn is_about_key(&self) -> bool {
        matches!(
            self,
            TlsError::Read {
                what: "key file",
                ..
            } | TlsError::NoKey { .. }
                | TlsError::BadKey { .. }
                | TlsError::KeyMismatch { .. }
        )
    }
}

/// A certificate chain (leaf first) and its private key, as two PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl PemFiles {
    /// Reads and checks the pair: at least one certificate, a key rustls can
    /// sign with, and the key belonging to the first certificate.
    pub fn load(&self) -> Result<Arc<CertifiedKey>, TlsError> {
        let cert = read(&self.cert, "certificate file")?;
        let key = read(&self.key, "key file")?;
        self.parse(&cert, &key)
    }

    /// Checks PEM contents as if read from these files.
    pub fn parse(&self, cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertifiedKey>, TlsError> {
        let cert_path = self.cert.display().to_string();
        let key_path = self.key.display().to_string();
        let mut chain: Vec<CertificateDer<'static>> = Vec::new();
        for cert in rustls_pemfile::certs(&mut &*cert_pem) {
            chain.push(cert.map_err(|e| TlsError::BadCertificate {
                path: cert_path.clone(),
                detail: e.to_string(),
            })?);
        }
        if chain.is_empty() {
            return Err(TlsError::NoCertificate { path: cert_path });
        }
        let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &*key_pem)
            .map_err(|e| TlsError::BadKey {
                path: key_path.clone(),
                detail: e.to_string(),
            })?
            .ok_or_else(|| TlsError::NoKey {
                path: key_path.clone(),
            })?;
        let signing =
            provider()
                .key_provider
                .load_private_key(key)
                .map_err(|e| TlsError::BadKey {
                    path: key_path.clone(),
                    detail: e.to_string(),
                })?;
        let certified = CertifiedKey::new(chain, signing);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
                Ok(Arc::new(certified))
            }
            Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::KeyMismatch {
                cert: cert_path,
                key: key_path,
            }),
            Err(e) => Err(TlsError::BadCertificate {
                path: cert_path,
                detail: e.to_string(),
            }),
        }
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::Read {
        what,
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// The crypto provider used on both sides: ring.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The listener's TLS: the acceptor, and the certificate it presents, which
/// [`ListenerTls::reload_if_changed`] replaces.
pub struct ListenerTls {
    files: PemFiles,
    slot: Arc<CertSlot>,
    acceptor: TlsAcceptor,
    /// What the files held when last looked at, good or bad: a change is
    /// acted on (and logged) once.
    seen: Mutex<Seen>,
    /// How long a client may take for the handshake.
    pub handshake_timeout: Duration,
}

#[derive(PartialEq, Eq)]
enum Seen {
    Contents { cert: Vec<u8>, key: Vec<u8> },
    Unreadable(TlsError),
}

/// What one look at the files did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    /// The files hold what they held last time.
    Unchanged,
    /// A new certificate is presented from now on.
    Reloaded,
    /// The files changed but cannot be used; the current certificate stays.
    Failed(TlsError),
}

/// The certificate presented to every client, swapped atomically.
struct CertSlot {
    current: ArcSwap<CertifiedKey>,
}

impl fmt::Debug for CertSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertSlot").finish_non_exhaustive()
    }
}

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

impl ListenerTls {
    /// Loads the pair, failing if it cannot be used (`serve` then refuses to
    /// start).
    pub fn load(files: PemFiles, handshake_timeout: Duration) -> Result<ListenerTls, TlsError> {
        let cert = read(&files.cert, "certificate file")?;
        let key = read(&files.key, "key file")?;
        let certified = files.parse(&cert, &key)?;
        let slot = Arc::new(CertSlot {
            current: ArcSwap::new(certified),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(slot.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(ListenerTls {
            files,
            slot,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            seen: Mutex::new(Seen::Contents { cert, key }),
            handshake_timeout,
        })
    }

    /// The acceptor for a new client connection.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// The certificate files.
    pub fn files(&self) -> &PemFiles {
        &self.files
    }

    /// The leaf certificate presented now (DER).
    pub fn current_leaf(&self) -> Option<CertificateDer<'static>> {
        self.slot.current.load().cert.first().cloned()
    }

    /// Reads the files and swaps in their pair if it changed and is good.
    pub async fn reload_if_changed(&self) -> Reload {
        let cert = tokio::fs::read(&self.files.cert).await;
        let key = tokio::fs::read(&self.files.key).await;
        let now = match (cert, key) {
            (Ok(cert), Ok(key)) => Seen::Contents { cert, key },
            (Err(e), _) => Seen::Unreadable(TlsError::Read {
                what: "certificate file",
                path: self.files.cert.display().to_string(),
                detail: e.to_string(),
            }),
            (_, Err(e)) => Seen::Unreadable(TlsError::Read {
                what: "key file",
                path: self.files.key.display().to_string(),
                detail: e.to_string(),
            }),
        };
        self.consider(now)
    }

    fn consider(&self, now: Seen) -> Reload {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if *seen == now {
            return Reload::Unchanged;
        }
        let outcome = match &now {
            Seen::Unreadable(e) => Reload::Failed(e.clone()),
            Seen::Contents { cert, key } => match self.files.parse(cert, key) {
                Ok(certified) => {
                    self.slot.current.store(certified);
                    Reload::Reloaded
                }
                Err(e) => Reload::Failed(e),
            },
        };
        *seen = now;
        outcome
    }

    /// Looks at the files every [`RELOAD_INTERVAL`] until the task is aborted,
    /// logging each reload and each failed one.
    pub fn spawn_reloader(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let tls = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELOAD_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                match tls.reload_if_changed().await {
                    Reload::Unchanged => {}
                    Reload::Reloaded => certificate_reloaded(&tls.files),
                    Reload::Failed(e) => reload_failed(&e),
                }
            }
        })
    }
}

/// `serve` terminates TLS with these files.
pub fn terminating(files: &PemFiles) {
    tracing::info!(
        tls.cert = %files.cert.display(),
        tls.key = %files.key.display(),
        reload_interval_ms = RELOAD_INTERVAL.as_millis() as u64,
        "terminating TLS; the certificate files are watched for changes"
    );
}

/// A new certificate is presented from now on.
fn certificate_reloaded(files: &PemFiles) {
    tracing::info!(
        tls.cert = %files.cert.display(),
        tls.key = %files.key.display(),
        "tls certificate reloaded"
    );
}

/// The certificate files changed but cannot be used.
fn reload_failed(e: &TlsError) {
    tracing::error!(
        error = %e,
        "tls certificate reload failed; still presenting the previous certificate"
    );
}

/// A client's TLS handshake failed or took too long; only its connection is
/// affected.
pub fn handshake_failed(remote: std::net::SocketAddr, error: &dyn fmt::Display) {
    tracing::info!(remote = %remote, error = %error, "tls handshake failed");
}

#[cfg(test)]
mod tests;
