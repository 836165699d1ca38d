//! The upstream: its address, and a pooled keep-alive client for `http://` and
//! `https://` (rustls with the platform's roots, falling back to the bundled
//! Mozilla roots, plus an optional extra CA file).

use std::path::Path;
use std::time::Duration;

use http::{HeaderValue, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::body::ProxyBody;

/// Why the upstream could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("invalid upstream URL `{0}`: {1}")]
    InvalidUrl(String, String),
    #[error("cannot read CA file {path}: {detail}")]
    Ca { path: String, detail: String },
}

/// Where requests go, and the client that takes them there.
pub struct Upstream {
    /// `scheme://authority` with no trailing slash.
    origin: String,
    /// The upstream URL's own path, without a trailing slash (may be empty).
    prefix: String,
    /// The value of `Host` sent upstream.
    pub host: HeaderValue,
    /// The URL as configured, for logs.
    pub display: String,
    pub client: Client<HttpsConnector<HttpConnector>, ProxyBody>,
}

impl Upstream {
    pub fn new(url: &str, extra_ca: Option<&Path>) -> Result<Upstream, UpstreamError> {
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
        if uri.query().is_some() {
            return Err(invalid("it must not have a query"));
        }
        let host = HeaderValue::from_str(authority.as_str()).map_err(|_| invalid("bad host"))?;
        let prefix = uri.path().trim_end_matches('/').to_string();
        let client = build_client(extra_ca)?;
        Ok(Upstream {
            origin: format!("{scheme}://{authority}"),
            prefix,
            host,
            display: url.to_string(),
            client,
        })
    }

    /// The upstream URI for a request whose path, relative to the base path, is
    /// `rel` (`""` or starting with `/`).
    pub fn uri(&self, rel: &str, query: Option<&str>) -> Result<Uri, http::uri::InvalidUri> {
        let mut s = String::with_capacity(self.origin.len() + self.prefix.len() + rel.len() + 64);
        s.push_str(&self.origin);
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

fn build_client(
    extra_ca: Option<&Path>,
) -> Result<Client<HttpsConnector<HttpConnector>, ProxyBody>, UpstreamError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A platform certificate rustls cannot parse is skipped, not fatal.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = extra_ca {
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
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| UpstreamError::Ca {
        path: String::new(),
        detail: e.to_string(),
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    http.set_keepalive(Some(Duration::from_secs(60)));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .build(connector))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(url: &str) -> Upstream {
        Upstream::new(url, None).unwrap()
    }

    #[test]
    fn keeps_the_upstream_path_prefix() {
        let u = up("http://app:8000/api/scim");
        assert_eq!(
            u.uri("/Users", Some("x=1")).unwrap(),
            "http://app:8000/api/scim/Users?x=1"
        );
        let u = up("http://127.0.0.1:9090/");
        assert_eq!(
            u.uri("/Users", None).unwrap(),
            "http://127.0.0.1:9090/Users"
        );
        assert_eq!(u.uri("", None).unwrap(), "http://127.0.0.1:9090/");
        assert_eq!(u.host, "127.0.0.1:9090");
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in ["ftp://x", "127.0.0.1:8080", "http://x/?q=1", "not a url"] {
            assert!(Upstream::new(bad, None).is_err(), "{bad}");
        }
    }
}
