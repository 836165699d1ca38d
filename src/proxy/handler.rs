//! One request, phase by phase: classify → match rules → rewrite → answer
//! locally or forward → stream the response back → log. Always returns a
//! response; every failure becomes a SCIM error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body::Body as _;
use hyper::body::Incoming;

use super::Proxy;
use super::body::{self, ProxyBody, ReadError};
use super::error::{ProxyError, X_SCIMSHIM_RULE, scim_response};
use super::headers;
use crate::rules::eval::Context;
use crate::rules::request::is_json_content_type;
use crate::rules::{self, Body, LocalResponse, Outcome, Resume, Step, Trace};
use crate::scim::{classify, classify::strip_base};
use crate::telemetry::events::{self, RequestDone, RequestId};

/// Handles one request. Never fails: errors are SCIM error responses.
pub async fn handle(proxy: Arc<Proxy>, req: Request<Incoming>, peer: &Peer) -> Response<ProxyBody> {
    let mut ctx = RequestCtx::new(proxy.ids.next(), &req);
    let response = match run(&proxy, req, peer, &mut ctx).await {
        Ok(resp) => resp,
        Err(err) => {
            ctx.error = Some((err.origin().as_str(), err.kind()));
            if let ProxyError::InvalidJson { detail } | ProxyError::BadRewrite { detail } = &err {
                events::error_detail(ctx.id, err.origin().as_str(), err.kind(), detail);
            }
            err.into_response()
        }
    };
    ctx.finish(&proxy.base_path, response.status());
    response
}

/// The client end of a connection, worked out once per connection.
pub struct Peer {
    pub addr: SocketAddr,
    /// `addr`'s IP as an `X-Forwarded-For` value.
    pub forwarded_for: HeaderValue,
}

impl Peer {
    pub fn new(addr: SocketAddr) -> Peer {
        let forwarded_for = HeaderValue::from_str(&addr.ip().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
        Peer {
            addr,
            forwarded_for,
        }
    }
}

/// What the request log line needs, gathered along the way. The path and the
/// resource type are worked out only if the line is written.
struct RequestCtx {
    id: RequestId,
    method: Method,
    uri: Uri,
    trace: Trace,
    upstream: Option<Duration>,
    local_rule: Option<Arc<str>>,
    error: Option<(&'static str, &'static str)>,
}

impl RequestCtx {
    fn new(id: RequestId, req: &Request<Incoming>) -> Self {
        RequestCtx {
            id,
            method: req.method().clone(),
            uri: req.uri().clone(),
            // Change records exist to be logged; when `rule applied` events
            // are off, the engine does not build them.
            trace: if events::rule_applied_enabled() {
                Trace::default()
            } else {
                Trace::without_changes()
            },
            upstream: None,
            local_rule: None,
            error: None,
        }
    }

    fn finish(&self, base_path: &str, status: StatusCode) {
        if !events::request_done_enabled(self.error.is_some()) {
            return;
        }
        let path = self.uri.path();
        events::request_done(&RequestDone {
            request_id: self.id,
            method: self.method.as_str(),
            path,
            resource: classify(path, base_path).map_or("-", |e| e.resource.as_str()),
            status: status.as_u16(),
            upstream: self.upstream,
            applied: &self.trace.applied,
            local_rule: self.local_rule.as_deref(),
            error: self.error,
        });
    }
}

async fn run(
    proxy: &Proxy,
    req: Request<Incoming>,
    peer: &Peer,
    ctx: &mut RequestCtx,
) -> Result<Response<ProxyBody>, ProxyError> {
    // Snapshot the rules once: a reload mid-request does not affect this request.
    let rule_set = proxy.rules.load_full();
    let (parts, incoming) = req.into_parts();
    let original_host = parts.headers.get(HOST).cloned().or_else(|| {
        parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body_state = if incoming.is_end_stream() {
        Body::Empty
    } else if is_json_content_type(content_type) {
        Body::Unread
    } else {
        Body::Opaque
    };
    let declared_len = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut request = rules::Request {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body: body_state,
    };

    // Rules only see requests inside the base path; anything else is a 404
    // before a body is read or a rule runs.
    if strip_base(&request.path, &proxy.base_path).is_none() {
        return Err(ProxyError::NotFound {
            base_path: proxy.base_path.clone(),
        });
    }

    // Match and rewrite. The body is read only if a matching rule needs it.
    let cx = Context {
        base_path: &proxy.base_path,
    };
    let mut incoming = Some(incoming);
    let mut raw_body: Option<Bytes> = None;
    let mut resume = Resume::START;
    let outcome = loop {
        match rules::evaluate(&rule_set, &cx, &mut request, resume, &mut ctx.trace) {
            Step::Done(outcome) => break outcome,
            Step::NeedBody(at) => {
                let Some(stream) = incoming.take() else {
                    // Cannot happen: the body is read once, then it is no longer Unread.
                    request.body = Body::Empty;
                    resume = at;
                    continue;
                };
                if declared_len.is_some_and(|n| n > proxy.max_body_bytes as u64) {
                    return Err(ProxyError::BodyTooLarge {
                        limit: proxy.max_body_bytes,
                    });
                }
                let bytes = body::read_bounded(stream, proxy.max_body_bytes, proxy.timeout)
                    .await
                    .map_err(|e| match e {
                        ReadError::TooLarge => ProxyError::BodyTooLarge {
                            limit: proxy.max_body_bytes,
                        },
                        ReadError::TimedOut => ProxyError::BodyTimeout,
                        ReadError::Broken(_) => ProxyError::BodyBroken,
                    })?;
                request.body = Body::parse(&bytes).map_err(|e| ProxyError::InvalidJson {
                    detail: e.to_string(),
                })?;
                raw_body = Some(bytes);
                resume = at;
            }
        }
    };
    for change in &ctx.trace.changes {
        events::rule_applied(ctx.id, change, proxy.log_values);
    }

    match outcome {
        Outcome::Respond(local) => {
            ctx.local_rule = Some(local.rule.clone());
            Ok(local_response(local))
        }
        Outcome::Forward => {
            forward(proxy, request, incoming, raw_body, peer, original_host, ctx).await
        }
    }
}

fn local_response(local: LocalResponse) -> Response<ProxyBody> {
    let has_body = local.body.is_some();
    let mut resp = match local.body {
        Some(b) => scim_response(local.status, b.to_vec()),
        None => {
            let mut r = Response::new(body::full(Bytes::new()));
            *r.status_mut() = local.status;
            r
        }
    };
    let headers = resp.headers_mut();
    for (name, value) in local.headers {
        headers.insert(name, value);
    }
    if !has_body {
        headers.remove(CONTENT_TYPE);
    }
    if let Ok(v) = HeaderValue::from_str(&local.rule) {
        headers.insert(X_SCIMSHIM_RULE.clone(), v);
    }
    resp
}

async fn forward(
    proxy: &Proxy,
    mut request: rules::Request,
    incoming: Option<Incoming>,
    raw_body: Option<Bytes>,
    peer: &Peer,
    original_host: Option<HeaderValue>,
    ctx: &mut RequestCtx,
) -> Result<Response<ProxyBody>, ProxyError> {
    let rel = strip_base(&request.path, &proxy.base_path).ok_or_else(|| ProxyError::NotFound {
        base_path: proxy.base_path.clone(),
    })?;
    let uri = proxy
        .upstream
        .uri(rel, request.query.as_deref(), Some(&ctx.uri))
        .map_err(|e| ProxyError::BadRewrite {
            detail: format!("path `{}`: {e}", request.path),
        })?;

    // The body: re-encoded if a rule changed it, the bytes read if a rule only
    // looked at it, otherwise streamed untouched.
    let body = if ctx.trace.body_changed {
        let read_len = raw_body.as_ref().map_or(256, Bytes::len);
        let bytes = request
            .body
            .encode(read_len)
            .map_err(|e| ProxyError::BadRewrite {
                detail: format!("cannot encode the rewritten body: {e}"),
            })?;
        request
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        body::full(bytes)
    } else if let Some(bytes) = raw_body {
        if request.headers.contains_key(CONTENT_LENGTH) || !bytes.is_empty() {
            request
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        }
        body::full(bytes)
    } else {
        match incoming {
            Some(stream) => body::streamed(stream),
            None => body::full(Bytes::new()),
        }
    };

    headers::strip_hop_by_hop(&mut request.headers);
    headers::set_forwarding(
        &mut request.headers,
        &proxy.upstream.host,
        &peer.forwarded_for,
        proxy.scheme,
        original_host,
    );
    let mut upstream_req = Request::new(body);
    *upstream_req.method_mut() = request.method;
    *upstream_req.uri_mut() = uri;
    *upstream_req.headers_mut() = request.headers;

    let started = Instant::now();
    let result = tokio::time::timeout(proxy.timeout, proxy.upstream.pool.send(upstream_req)).await;
    ctx.upstream = Some(started.elapsed());
    let response = match result {
        Err(_) => return Err(ProxyError::UpstreamTimeout),
        Ok(Err(e)) => {
            events::error_detail(
                ctx.id,
                "upstream",
                "upstream-unreachable",
                &error_chain(&*e),
            );
            return Err(ProxyError::UpstreamUnreachable);
        }
        Ok(Ok(r)) => r,
    };

    // Response phase: streamed back unchanged but for hop-by-hop headers.
    // Response rules will hook in here.
    let (mut parts, body) = response.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers);
    // The client's protocol decides the framing, not the upstream's version.
    parts.version = http::Version::default();
    Ok(Response::from_parts(parts, body))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}
