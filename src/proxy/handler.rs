//! One request, phase by phase: classify → match rules → rewrite → answer
//! locally or forward → stream the response back → log. Always returns a
//! response; every failure becomes a SCIM error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderValue, Request, Response, StatusCode};
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
use crate::telemetry::events::{self, RequestDone};

/// Handles one request. Never fails: errors are SCIM error responses.
pub async fn handle(
    proxy: Arc<Proxy>,
    req: Request<Incoming>,
    remote: SocketAddr,
) -> Response<ProxyBody> {
    let id = proxy.ids.next();
    let mut ctx = RequestCtx::new(&proxy, &id, &req);
    let response = match run(&proxy, req, remote, &mut ctx).await {
        Ok(resp) => resp,
        Err(err) => {
            ctx.error = Some((err.origin().as_str(), err.kind()));
            if let ProxyError::InvalidJson { detail } | ProxyError::BadRewrite { detail } = &err {
                events::error_detail(&id, err.origin().as_str(), err.kind(), detail);
            }
            err.into_response()
        }
    };
    ctx.finish(response.status());
    response
}

/// What the request log line needs, gathered along the way.
struct RequestCtx<'a> {
    id: &'a str,
    method: String,
    path: String,
    resource: &'static str,
    trace: Trace,
    upstream: Option<Duration>,
    local_rule: Option<Arc<str>>,
    error: Option<(&'static str, &'static str)>,
}

impl<'a> RequestCtx<'a> {
    fn new(proxy: &Proxy, id: &'a str, req: &Request<Incoming>) -> Self {
        let path = req.uri().path().to_string();
        let resource = classify(&path, &proxy.base_path).map_or("-", |e| e.resource.as_str());
        RequestCtx {
            id,
            method: req.method().as_str().to_string(),
            path,
            resource,
            trace: Trace::default(),
            upstream: None,
            local_rule: None,
            error: None,
        }
    }

    fn finish(&self, status: StatusCode) {
        events::request_done(&RequestDone {
            request_id: self.id,
            method: &self.method,
            path: &self.path,
            resource: self.resource,
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
    remote: SocketAddr,
    ctx: &mut RequestCtx<'_>,
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
                request.body = if bytes.is_empty() {
                    Body::Empty
                } else {
                    match serde_json::from_slice(&bytes) {
                        Ok(v) => Body::Json(v),
                        Err(e) => {
                            return Err(ProxyError::InvalidJson {
                                detail: e.to_string(),
                            });
                        }
                    }
                };
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
            forward(
                proxy,
                request,
                incoming,
                raw_body,
                remote,
                original_host,
                ctx,
            )
            .await
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
    remote: SocketAddr,
    original_host: Option<HeaderValue>,
    ctx: &mut RequestCtx<'_>,
) -> Result<Response<ProxyBody>, ProxyError> {
    let rel = strip_base(&request.path, &proxy.base_path).ok_or_else(|| ProxyError::NotFound {
        base_path: proxy.base_path.clone(),
    })?;
    let uri = proxy
        .upstream
        .uri(rel, request.query.as_deref())
        .map_err(|e| ProxyError::BadRewrite {
            detail: format!("path `{}`: {e}", request.path),
        })?;

    // The body: re-encoded if a rule changed it, the bytes read if a rule only
    // looked at it, otherwise streamed untouched.
    let body = if ctx.trace.body_changed {
        let bytes = match &request.body {
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            _ => Vec::new(),
        };
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
        remote.ip(),
        proxy.scheme,
        original_host,
    );
    let mut upstream_req = Request::new(body);
    *upstream_req.method_mut() = request.method;
    *upstream_req.uri_mut() = uri;
    *upstream_req.headers_mut() = request.headers;

    let started = Instant::now();
    let result =
        tokio::time::timeout(proxy.timeout, proxy.upstream.client.request(upstream_req)).await;
    ctx.upstream = Some(started.elapsed());
    let response = match result {
        Err(_) => return Err(ProxyError::UpstreamTimeout),
        Ok(Err(e)) => {
            events::error_detail(ctx.id, "upstream", "upstream-unreachable", &error_chain(&e));
            return Err(ProxyError::UpstreamUnreachable);
        }
        Ok(Ok(r)) => r,
    };

    // Response phase: streamed back unchanged but for hop-by-hop headers.
    // Response rules will hook in here.
    let (mut parts, incoming) = response.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers);
    // The client's protocol decides the framing, not the upstream's version.
    parts.version = http::Version::default();
    Ok(Response::from_parts(parts, body::streamed(incoming)))
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
