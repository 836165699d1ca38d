//! Header hygiene between hops (RFC 9110 §7.6.1): hop-by-hop headers are removed
//! in both directions, `Host` names the upstream, `X-Forwarded-*` tell the
//! upstream where the request came from. Everything else passes untouched.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Headers that describe one connection, never the message (RFC 9110 §7.6.1),
/// plus `Expect`, which the proxy's own server has already answered.
static HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::EXPECT,
];

/// Removes hop-by-hop headers, including those the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the few names present finds what to remove; a removal
    // hashes the name, so only names actually present are removed.
    let mut present: [Option<&'static HeaderName>; HOP_BY_HOP.len()] = [None; HOP_BY_HOP.len()];
    let mut any = false;
    for name in headers.keys() {
        if let Some(i) = HOP_BY_HOP.iter().position(|h| h == name) {
            present[i] = Some(&HOP_BY_HOP[i]);
            any = true;
        }
    }
    if !any {
        return;
    }
    if present[0].is_some() {
        // `Connection: keep-alive` / `close` (the usual values) name no
        // header beyond the hop-by-hop set; anything else is a header to drop.
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| !t.eq_ignore_ascii_case("close") && !t.eq_ignore_ascii_case("keep-alive"))
            .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    for name in present.into_iter().flatten() {
        headers.remove(name);
    }
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Sets `Host` for the upstream and adds `X-Forwarded-For/-Proto/-Host`.
/// `original_host` is the client's `Host` (or HTTP/2 `:authority`).
pub fn set_forwarding(
    headers: &mut HeaderMap,
    upstream_host: &HeaderValue,
    client: &HeaderValue,
    scheme: &'static str,
    original_host: Option<HeaderValue>,
) {
    let appended = headers
        .get(&X_FORWARDED_FOR)
        .and_then(|v| v.to_str().ok())
        .filter(|prev| !prev.trim().is_empty())
        .and_then(|prev| {
            let client = client.to_str().ok()?;
            HeaderValue::from_str(&format!("{prev}, {client}")).ok()
        });
    headers.insert(
        X_FORWARDED_FOR.clone(),
        appended.unwrap_or_else(|| client.clone()),
    );
    headers.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static(scheme));
    if let Some(host) = original_host {
        headers.insert(X_FORWARDED_HOST.clone(), host);
    }
    headers.insert(header::HOST, upstream_host.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_hop_by_hop_and_connection_named_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-private"),
        );
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/scim+json"),
        );
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key(header::CONTENT_TYPE));
    }

    #[test]
    fn appends_to_forwarded_for() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        let up = HeaderValue::from_static("app:8000");
        set_forwarding(
            &mut h,
            &up,
            &HeaderValue::from_static("127.0.0.1"),
            "http",
            Some(HeaderValue::from_static("proxy")),
        );
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(h["host"], "app:8000");
        assert_eq!(h["x-forwarded-host"], "proxy");
        assert_eq!(h["x-forwarded-proto"], "http");
    }
}
