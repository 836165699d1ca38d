//! The upstream: its address, and a pool of keep-alive HTTP/1.1 connections
//! for `http://` and `https://` (rustls with the platform's roots, falling back
//! to the bundled Mozilla roots, plus an optional extra CA file; an optional
//! client certificate for mTLS). The TLS server name (SNI) and the name the
//! upstream's certificate is checked against are the upstream URL's host.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;

use super::pool::Pool;
use super::tls::{PemFiles, TlsError};

/// Why the upstream could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("invalid upstream URL `{0}`: {1}")]
    InvalidUrl(String, String),
    #[error("cannot read CA file {path}: {detail}")]
    Ca { path: String, detail: String },
    #[error("upstream client certificate: {0}")]
    ClientCert(TlsError),
    #[error(
        "the upstream URL `{0}` carries credentials (`user:password@`): they would reach the backend in the Host header and the logs; give them with `upstream_credential` (docs/config.md) instead"
    )]
    Credentials(String),
}

/// How scimshim authenticates an `https` upstream, and itself to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamTls {
    /// Extra CA certificates (PEM) to trust besides the platform's roots.
    pub ca: Option<PathBuf>,
    /// A client certificate and its key, presented when the upstream asks
    /// for one (mTLS).
    pub client: Option<PemFiles>,
}

/// Where requests go, and the client that takes them there.
pub struct Upstream {
    /// The upstream URL's own path, without a trailing slash (may be empty).
    prefix: String,
    /// The value of `Host` sent upstream.
    pub host: HeaderValue,
    /// The URL as configured, for logs.
    pub display: String,
    pub pool: Pool,
}

impl Upstream {
    /// The upstream at `url`, trusting `extra_ca` besides the default roots.
    pub fn new(url: &str, extra_ca: Option<&Path>) -> Result<Upstream, UpstreamError> {
        let tls = UpstreamTls {
            ca: extra_ca.map(Path::to_path_buf),
            client: None,
        };
        Upstream::with_tls(url, &tls)
    }

    /// The upstream at `url`, with its TLS settings (read here; a file that
    /// cannot be used is an error).
    pub fn with_tls(url: &str, tls: &UpstreamTls) -> Result<Upstream, UpstreamError> {
        let invalid = |why: &str| UpstreamError::InvalidUrl(url.to_string(), why.to_string());
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| invalid("it needs a scheme, http:// or https://"))?;
        if scheme != "http" && scheme != "https" {
            return Err(invalid("the scheme must be http or https"));
        }
        let authority = uri.authority().ok_or_else(|| invalid("it needs a host"))?;
        if let Some((_, host)) = authority.as_str().rsplit_once('@') {
            // Never echo the credentials, not even in the error.
            return Err(UpstreamError::Credentials(format!(
                "{scheme}://{host}{}",
                uri.path()
            )));
        }
        if uri.query().is_some() {
            return Err(invalid("it must not have a query"));
        }
        let host = HeaderValue::from_str(authority.as_str()).map_err(|_| invalid("bad host"))?;
        let prefix = uri.path().trim_end_matches('/').to_string();
        let target = format!("{scheme}://{authority}/")
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let pool = Pool::new(build_connector(tls)?, target, 256, Duration::from_secs(90));
        Ok(Upstream {
            prefix,
            host,
            display: url.to_string(),
            pool,
        })
    }

    /// The request target (origin form, `/path?query`) sent upstream for a
    /// request whose path, relative to the base path, is `rel` (`""` or
    /// starting with `/`).
    ///
    /// `sent` is the target the client sent. When the result would be the same
    /// text (the upstream URL's path equals the base path and no rule rewrote
    /// the path or query, the common deployment), it is reused: no new string,
    /// no second parse.
    pub fn uri(
        &self,
        rel: &str,
        query: Option<&str>,
        sent: Option<&Uri>,
    ) -> Result<Uri, http::uri::InvalidUri> {
        if let Some(pq) = sent.and_then(Uri::path_and_query) {
            let path = pq.path();
            if pq.query() == query
                && path.len() == self.prefix.len() + rel.len()
                && path.starts_with(self.prefix.as_str())
                && path.ends_with(rel)
                && !path.is_empty()
            {
                let mut parts = http::uri::Parts::default();
                parts.path_and_query = Some(pq.clone());
                if let Ok(uri) = Uri::from_parts(parts) {
                    return Ok(uri);
                }
            }
        }
        let len = self.prefix.len() + rel.len() + query.map_or(0, |q| q.len() + 1) + 1;
        let mut s = String::with_capacity(len);
        s.push_str(&self.prefix);
        s.push_str(rel);
        if self.prefix.is_empty() && rel.is_empty() {
            s.push('/');
        }
        if let Some(q) = query {
            s.push('?');
            s.push_str(q);
        }
        s.parse()
    }
}

fn build_connector(tls: &UpstreamTls) -> Result<HttpsConnector<HttpConnector>, UpstreamError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A platform certificate rustls cannot parse is skipped, not fatal.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = &tls.ca {
        let ca_err = |detail: String| UpstreamError::Ca {
            path: path.display().to_string(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
        let mut added = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| ca_err(e.to_string()))?;
            roots.add(cert).map_err(|e| ca_err(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(ca_err("no PEM certificates in it".into()));
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(super::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| UpstreamError::ClientCert(TlsError::Setup(e.to_string())))?
        .with_root_certificates(roots);
    // rustls sends the URL's host as SNI (not for an IP address, RFC 6066 §3)
    // and checks the certificate against it.
    let config = match &tls.client {
        Some(files) => {
            let certified = files.load().map_err(UpstreamError::ClientCert)?;
            builder.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(
                certified,
            )))
        }
        None => builder.with_no_client_auth(),
    };
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    http.set_keepalive(Some(Duration::from_secs(60)));
    // HTTP/1.1 only (ALPN `http/1.1`): the pool keeps one request per connection.
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(url: &str) -> Upstream {
        Upstream::new(url, None).unwrap()
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_being_repeated() {
        let err = match Upstream::new("http://svc:s3cr3t@app:8000/scim", None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted credentials in the URL"),
        };
        assert!(err.contains("http://app:8000/scim"), "{err}");
        assert!(!err.contains("s3cr3t") && !err.contains("svc"), "{err}");
    }

    #[test]
    fn keeps_the_upstream_path_prefix() {
        let u = up("http://app:8000/api/scim");
        assert_eq!(
            u.uri("/Users", Some("x=1"), None).unwrap(),
            "/api/scim/Users?x=1"
        );
        let u = up("http://127.0.0.1:9090/");
        assert_eq!(u.uri("/Users", None, None).unwrap(), "/Users");
        assert_eq!(u.uri("", None, None).unwrap(), "/");
        assert_eq!(u.host, "127.0.0.1:9090");
    }

    #[test]
    fn reuses_the_client_target_only_when_it_is_the_same_text() {
        let u = up("http://app:8000/scim/v2");
        let sent: Uri = "/scim/v2/Users?filter=x".parse().unwrap();
        let same = u.uri("/Users", Some("filter=x"), Some(&sent)).unwrap();
        assert_eq!(same, "/scim/v2/Users?filter=x");
        // A rewritten path, a changed query, another prefix: built anew.
        assert_eq!(
            u.uri("/Groups", Some("filter=x"), Some(&sent)).unwrap(),
            "/scim/v2/Groups?filter=x"
        );
        assert_eq!(
            u.uri("/Users", None, Some(&sent)).unwrap(),
            "/scim/v2/Users"
        );
        let other = up("http://app:8000/api");
        assert_eq!(
            other.uri("/Users", Some("filter=x"), Some(&sent)).unwrap(),
            "/api/Users?filter=x"
        );
        let v2v2: Uri = "/scim/v2/v2/Users".parse().unwrap();
        assert_eq!(
            u.uri("/Users", None, Some(&v2v2)).unwrap(),
            "/scim/v2/Users"
        );
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in ["ftp://x", "127.0.0.1:8080", "http://x/?q=1", "not a url"] {
            assert!(Upstream::new(bad, None).is_err(), "{bad}");
        }
    }
}
