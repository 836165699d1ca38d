//! One request, phase by phase: attribute to a connection → authenticate →
//! classify → match rules → rewrite → answer locally or forward → stream the
//! response back → log. Always returns a response; every failure becomes a
//! SCIM error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HOST};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body::Body as _;
use hyper::body::Incoming;

use super::auth::Denied;
use super::body::{self, ProxyBody, ReadError};
use super::error::{ProxyError, X_SCIMSHIM_RULE, scim_response};
use super::headers;
use super::{Connection, Proxy};
use crate::rules::eval::Context;
use crate::rules::request::is_json_content_type;
use crate::rules::{self, Body, LocalResponse, Outcome, Phase, Resume, RuleSet, Trace};
use crate::scim::classify::{ResourceKind, strip_base};
use crate::scim::{classify, urn};
use crate::telemetry::events::{self, RequestDone, RequestId};
use crate::telemetry::metrics::{self, RequestSample, UpstreamErrorKind};

/// Handles one request. Never fails: errors are SCIM error responses.
pub async fn handle(proxy: Arc<Proxy>, req: Request<Incoming>, peer: &Peer) -> Response<ProxyBody> {
    let mut ctx = RequestCtx::new(proxy.ids.next(), &req, proxy.announce_applied);
    let response = match run(&proxy, req, peer, &mut ctx).await {
        Ok(resp) => resp,
        Err(err) => {
            ctx.error = Some((err.origin().as_str(), err.kind()));
            if let Some(kind) = upstream_error_kind(&err) {
                proxy.ops.metrics.upstream_error(kind);
            }
            if let ProxyError::InvalidJson { detail }
            | ProxyError::BadRewrite { detail }
            | ProxyError::UpstreamResponseUnreadable { detail } = &err
            {
                events::error_detail(ctx.id, err.origin().as_str(), err.kind(), detail);
            }
            err.into_response()
        }
    };
    let mut response = response;
    if proxy.announce_applied
        && let Some(v) = changed_by(&ctx.trace)
    {
        response.headers_mut().insert(X_SCIMSHIM_APPLIED.clone(), v);
    }
    ctx.finish(&proxy, response.status());
    response
}

/// The metric label of an error the upstream caused.
fn upstream_error_kind(err: &ProxyError) -> Option<UpstreamErrorKind> {
    match err {
        ProxyError::UpstreamUnreachable => Some(UpstreamErrorKind::Unreachable),
        ProxyError::UpstreamTimeout => Some(UpstreamErrorKind::Timeout),
        ProxyError::UpstreamResponseUnreadable { .. } => Some(UpstreamErrorKind::Unreadable),
        _ => None,
    }
}

/// The rules that changed something, in order, once each.
fn changed_by(trace: &Trace) -> Option<HeaderValue> {
    let mut rules: Vec<&str> = Vec::new();
    for c in &trace.changes {
        if !rules.contains(&&*c.rule) {
            rules.push(&c.rule);
        }
    }
    if rules.is_empty() {
        return None;
    }
    HeaderValue::from_str(&rules.join(", ")).ok()
}

/// Names the rules that changed a request or its response (only with
/// [`Proxy::announce_applied`]).
pub static X_SCIMSHIM_APPLIED: http::HeaderName =
    http::HeaderName::from_static("x-scimshim-applied");

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

/// What the request log line and the request metrics need, gathered along
/// the way.
struct RequestCtx {
    id: RequestId,
    /// The index of the connection the request was attributed to.
    connection: Option<usize>,
    /// The SCIM resource the path names, as rules see the path.
    resource: Option<ResourceKind>,
    method: Method,
    uri: Uri,
    trace: Trace,
    upstream: Option<Duration>,
    local_rule: Option<Arc<str>>,
    error: Option<(&'static str, &'static str)>,
}

impl RequestCtx {
    fn new(id: RequestId, req: &Request<Incoming>, keep_changes: bool) -> Self {
        RequestCtx {
            id,
            connection: None,
            resource: None,
            method: req.method().clone(),
            uri: req.uri().clone(),
            // Change records exist to be logged; when `rule applied` events
            // are off, the engine does not build them.
            trace: if keep_changes || events::rule_applied_enabled() {
                Trace::default()
            } else {
                Trace::without_changes()
            },
            upstream: None,
            local_rule: None,
            error: None,
        }
    }

    /// Counts the request in the metrics, then writes its log line.
    fn finish(&self, proxy: &Proxy, status: StatusCode) {
        let connection = self.connection.and_then(|i| proxy.connections.get(i));
        proxy.ops.metrics.record_request(&RequestSample {
            connection: connection.map(|c| &c.name),
            resource: self.resource,
            method: metrics::Method::from(&self.method),
            status: status.as_u16(),
            applied: &self.trace.applied,
            local_rule: self.local_rule.as_ref(),
        });
        if !events::request_done_enabled(self.error.is_some()) {
            return;
        }
        let path = self.uri.path();
        events::request_done(&RequestDone {
            request_id: self.id,
            connection: connection.map_or("-", |c| &c.name),
            method: self.method.as_str(),
            path,
            resource: self.resource.map_or("-", ResourceKind::as_str),
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
    let (mut parts, incoming) = req.into_parts();
    // Attribute: the first connection that claims the request serves it.
    let Some((index, conn)) = proxy
        .connections
        .attribute(parts.uri.path(), &parts.headers)
    else {
        return Err(ProxyError::NoConnection {
            tried: proxy.connections.tried().clone(),
        });
    };
    ctx.connection = Some(index);
    // Authenticate: a missing or wrong token is answered here (401) and no
    // rule sees it; then the backend's own credential replaces the client's.
    if let Err(denied) = conn.admit(&mut parts.headers) {
        ctx.error = Some(("client", Denied::KIND));
        events::error_detail(ctx.id, "client", Denied::KIND, denied.reason());
        return Ok(denied.into_response());
    }
    // Snapshot the rules once: a reload mid-request does not affect this request.
    let rule_set = conn.rules.load_full();
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
    let mut request = rules::Request::with_parts(
        parts.method,
        conn.matcher
            .rule_path(parts.uri.path(), &proxy.base_path)
            .into_owned(),
        parts.uri.query().map(str::to_string),
        parts.headers,
        body_state,
    );
    // The resource as rules see it (a connection's path prefix removed).
    ctx.resource = classify(&request.path, &proxy.base_path).map(|e| e.resource);

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
    let mut io = RequestIo {
        proxy,
        conn,
        peer,
        id: ctx.id,
        incoming: Some(incoming),
        declared_len,
        raw: None,
    };
    let driven = rules::drive(
        &rule_set,
        Phase::Request,
        &cx,
        &mut request,
        Resume::START,
        &mut ctx.trace,
        &mut io,
    )
    .await?;
    let before_fetch = driven.before_fetch;
    let mut outcome = driven.outcome;
    let mut logged = log_changes(proxy, ctx, 0);
    let mut retries = 0u8;
    loop {
        if let Outcome::Respond(local) = outcome {
            ctx.local_rule = Some(local.rule.clone());
            return Ok(local_response(local));
        }
        let reply = std::mem::take(&mut request.reply);
        let response = forward(&mut io, request, original_host.clone(), ctx).await?;
        // A PUT made from a PATCH met a changed resource: re-run the rules
        // from where the resource was first asked for (so it is fetched
        // again), a bounded number of times.
        if response.status() == StatusCode::PRECONDITION_FAILED
            && let Some((rule, max)) = &reply.retry_on_precondition
            && retries < *max
            && let Some((snapshot, at)) = &before_fetch
        {
            retries += 1;
            events::precondition_retry(ctx.id, &conn.name, rule, retries, *max);
            drain(response, proxy.timeout).await;
            request = snapshot.clone();
            outcome = rules::drive(
                &rule_set,
                Phase::Request,
                &cx,
                &mut request,
                *at,
                &mut ctx.trace,
                &mut io,
            )
            .await?
            .outcome;
            logged = log_changes(proxy, ctx, logged);
            continue;
        }
        let response = respond_phase(proxy, conn, &rule_set, &cx, response, &reply, ctx).await?;
        log_changes(proxy, ctx, logged);
        return Ok(response);
    }
}

/// Serves the engine's pauses for a request: its body from the client's
/// stream (once), the addressed resource from the upstream.
struct RequestIo<'a> {
    proxy: &'a Proxy,
    conn: &'a Connection,
    peer: &'a Peer,
    id: RequestId,
    /// The client's body stream until a rule needs it read.
    incoming: Option<Incoming>,
    declared_len: Option<u64>,
    /// The body as read, to forward untouched if no rule changes it.
    raw: Option<Bytes>,
}

impl rules::Io for RequestIo<'_> {
    type Error = ProxyError;

    async fn body(&mut self) -> Result<Body, ProxyError> {
        // Read at most once; a retry re-runs rules over the parsed body.
        let Some(stream) = self.incoming.take() else {
            return Ok(Body::Empty);
        };
        let limit = self.proxy.max_body_bytes;
        if self.declared_len.is_some_and(|n| n > limit as u64) {
            return Err(ProxyError::BodyTooLarge { limit });
        }
        let bytes = body::read_bounded(stream, limit, self.proxy.timeout)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => ProxyError::BodyTooLarge { limit },
                ReadError::TimedOut => ProxyError::BodyTimeout,
                ReadError::Broken(_) => ProxyError::BodyBroken,
            })?;
        let parsed = Body::parse(&bytes).map_err(|e| ProxyError::InvalidJson {
            detail: e.to_string(),
        })?;
        self.raw = Some(bytes);
        Ok(parsed)
    }

    async fn fetch(&mut self, request: &rules::Request) -> Result<rules::Fetched, ProxyError> {
        fetch_resource(self.proxy, self.conn, request, self.peer, self.id).await
    }
}

/// Serves the engine's pauses for an upstream response: its body, read once
/// up to [`RESPONSE_RULES_LIMIT`]. Response rules never fetch.
struct ResponseIo {
    body: Option<ProxyBody>,
    raw: Option<Bytes>,
    timeout: Duration,
}

impl rules::Io for ResponseIo {
    type Error = ProxyError;

    async fn body(&mut self) -> Result<Body, ProxyError> {
        let Some(b) = self.body.take() else {
            return Ok(Body::Empty);
        };
        let bytes = body::read_bounded(b, RESPONSE_RULES_LIMIT, self.timeout)
            .await
            .map_err(|e| ProxyError::UpstreamResponseUnreadable {
                detail: match e {
                    ReadError::TooLarge => format!("larger than {RESPONSE_RULES_LIMIT} bytes"),
                    ReadError::TimedOut => "timed out".into(),
                    ReadError::Broken(d) => d,
                },
            })?;
        // A body that says JSON but is not stays as it was.
        let parsed = Body::parse(&bytes).unwrap_or(Body::Opaque);
        self.raw = Some(bytes);
        Ok(parsed)
    }

    async fn fetch(&mut self, _: &rules::Request) -> Result<rules::Fetched, ProxyError> {
        Ok(rules::Fetched::Failed {
            status: 502,
            body: None,
        })
    }
}

/// Logs the trace's changes from `from` on; returns how many are logged.
fn log_changes(proxy: &Proxy, ctx: &RequestCtx, from: usize) -> usize {
    let connection = ctx
        .connection
        .and_then(|i| proxy.connections.get(i))
        .map_or("-", |c| &*c.name);
    for change in ctx.trace.changes.iter().skip(from) {
        events::rule_applied(ctx.id, connection, change, proxy.log_values);
    }
    ctx.trace.changes.len()
}

/// Reads and drops a response body we will not pass on, so that its
/// connection can go back to the pool.
async fn drain(response: Response<ProxyBody>, timeout: Duration) {
    let _ = body::read_bounded(response.into_body(), DRAIN_LIMIT, timeout).await;
}

/// How much of an unwanted response body is read to save its connection.
const DRAIN_LIMIT: usize = 64 * 1024;

/// The most of a response body that response rules read.
const RESPONSE_RULES_LIMIT: usize = 16 * 1024 * 1024;

/// GETs the resource a rule asked for, with the request's credentials as the
/// rules left them so far. A 2xx JSON answer is [`rules::Fetched::Found`];
/// any other answer is kept as [`rules::Fetched::Failed`] for the action to
/// relay. Logged as an `upstream fetch` event.
async fn fetch_resource(
    proxy: &Proxy,
    conn: &Connection,
    request: &rules::Request,
    peer: &Peer,
    id: RequestId,
) -> Result<rules::Fetched, ProxyError> {
    let rel = strip_base(&request.path, &proxy.base_path).ok_or_else(|| ProxyError::NotFound {
        base_path: proxy.base_path.clone(),
    })?;
    let uri = conn
        .upstream
        .uri(rel, None, None)
        .map_err(|e| ProxyError::BadRewrite {
            detail: format!("path `{}`: {e}", request.path),
        })?;
    let mut headers = request.headers.clone();
    for name in [
        CONTENT_TYPE,
        CONTENT_LENGTH,
        http::header::IF_MATCH,
        http::header::IF_NONE_MATCH,
        http::header::TRANSFER_ENCODING,
    ] {
        headers.remove(name);
    }
    headers.insert(ACCEPT, HeaderValue::from_static(urn::MEDIA_TYPE));
    headers::strip_hop_by_hop(&mut headers);
    headers::set_forwarding(
        &mut headers,
        &conn.upstream.host,
        &peer.forwarded_for,
        proxy.scheme,
        None,
    );
    let mut get = Request::new(body::full(Bytes::new()));
    *get.method_mut() = Method::GET;
    *get.uri_mut() = uri;
    *get.headers_mut() = headers;
    let started = Instant::now();
    let response = match tokio::time::timeout(proxy.timeout, conn.upstream.pool.send(get)).await {
        Err(_) => return Err(ProxyError::UpstreamTimeout),
        Ok(Err(e)) => {
            events::error_detail(id, "upstream", "upstream-unreachable", &error_chain(&*e));
            return Err(ProxyError::UpstreamUnreachable);
        }
        Ok(Ok(r)) => r,
    };
    proxy.ops.mark_upstream_reached();
    let status = response.status();
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = body::read_bounded(response.into_body(), RESPONSE_RULES_LIMIT, proxy.timeout)
        .await
        .map_err(|e| ProxyError::UpstreamResponseUnreadable {
            detail: format!("fetching {}: {e:?}", request.path),
        })?;
    events::resource_fetched(id, &request.path, status.as_u16(), started.elapsed());
    let json = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
    Ok(match json {
        Some(resource) if status.is_success() && resource.is_object() => {
            rules::Fetched::Found { resource, etag }
        }
        body => rules::Fetched::Failed {
            status: if status.is_success() {
                502
            } else {
                status.as_u16()
            },
            body,
        },
    })
}

/// The upstream's response on its way back: the reply plan of the request's
/// actions, then response rules. A response no rule touches streams through.
async fn respond_phase(
    proxy: &Proxy,
    conn: &Connection,
    rule_set: &RuleSet,
    cx: &Context<'_>,
    response: Response<ProxyBody>,
    reply: &rules::ReplyPlan,
    ctx: &mut RequestCtx,
) -> Result<Response<ProxyBody>, ProxyError> {
    if let Some(rule) = &reply.no_content_on_success
        && response.status().is_success()
        && response.status() != StatusCode::NO_CONTENT
    {
        // The client sent a DELETE; it gets what a DELETE gets.
        ctx.trace.change(
            rule,
            "delete_as_deactivate",
            "status".into(),
            serde_json::Value::from(response.status().as_u16()),
            serde_json::Value::from(204),
        );
        let (mut parts, body) = response.into_parts();
        drain(Response::new(body), proxy.timeout).await;
        parts.status = StatusCode::NO_CONTENT;
        parts.headers.remove(CONTENT_TYPE);
        parts.headers.remove(CONTENT_LENGTH);
        return Ok(Response::from_parts(parts, body::full(Bytes::new())));
    }
    if rule_set.response.is_empty() {
        return Ok(response);
    }
    let (mut parts, upstream_body) = response.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body_state = if upstream_body.is_end_stream() {
        Body::Empty
    } else if content_type.is_some() && is_json_content_type(content_type) {
        Body::Unread
    } else {
        Body::Opaque
    };
    let mut message = rules::Request::with_parts(
        ctx.method.clone(),
        conn.matcher
            .rule_path(ctx.uri.path(), &proxy.base_path)
            .into_owned(),
        ctx.uri.query().map(str::to_string),
        std::mem::take(&mut parts.headers),
        body_state,
    );
    message.status = Some(parts.status.as_u16());
    let mut trace = if ctx.trace.record_changes {
        Trace::default()
    } else {
        Trace::without_changes()
    };
    let mut io = ResponseIo {
        body: Some(upstream_body),
        raw: None,
        timeout: proxy.timeout,
    };
    let driven = rules::drive(
        rule_set,
        Phase::Response,
        cx,
        &mut message,
        Resume::START,
        &mut trace,
        &mut io,
    )
    .await?;
    let (raw, upstream_body) = (io.raw, io.body);
    ctx.trace.applied.append(&mut trace.applied);
    ctx.trace.changes.append(&mut trace.changes);
    if let Outcome::Respond(local) = driven.outcome {
        // A response rule replaces the upstream's answer (a 404 on a list
        // becomes an empty ListResponse, say).
        if let Some(b) = upstream_body {
            drain(Response::new(b), proxy.timeout).await;
        }
        ctx.local_rule = Some(local.rule.clone());
        return Ok(local_response(local));
    }
    parts.headers = message.headers;
    let buffered = trace.body_changed || raw.is_some();
    let body = if trace.body_changed {
        encoded(&message.body, raw.as_ref(), &mut parts.headers)?
    } else if let Some(bytes) = raw {
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        body::full(bytes)
    } else {
        match upstream_body {
            Some(b) => b,
            None => body::full(Bytes::new()),
        }
    };
    if buffered {
        parts.headers.remove(http::header::TRANSFER_ENCODING);
    }
    Ok(Response::from_parts(parts, body))
}

/// A body a rule changed, re-encoded, with its `Content-Length`. `raw` is the
/// body as read, to size the buffer.
fn encoded(
    body: &Body,
    raw: Option<&Bytes>,
    headers: &mut http::HeaderMap,
) -> Result<ProxyBody, ProxyError> {
    let bytes = body
        .encode(raw.map_or(256, Bytes::len))
        .map_err(|e| ProxyError::BadRewrite {
            detail: format!("cannot encode the rewritten body: {e}"),
        })?;
    headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Ok(body::full(bytes))
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

/// Sends the request as the rules left it to the connection's upstream, with
/// the client's body stream or the body as read from `io`.
async fn forward(
    io: &mut RequestIo<'_>,
    mut request: rules::Request,
    original_host: Option<HeaderValue>,
    ctx: &mut RequestCtx,
) -> Result<Response<ProxyBody>, ProxyError> {
    let (proxy, conn, peer) = (io.proxy, io.conn, io.peer);
    let incoming = io.incoming.take();
    let raw_body = io.raw.clone();
    let rel = strip_base(&request.path, &proxy.base_path).ok_or_else(|| ProxyError::NotFound {
        base_path: proxy.base_path.clone(),
    })?;
    let uri = conn
        .upstream
        .uri(rel, request.query.as_deref(), Some(&ctx.uri))
        .map_err(|e| ProxyError::BadRewrite {
            detail: format!("path `{}`: {e}", request.path),
        })?;

    // The body: re-encoded if a rule changed it, the bytes read if a rule only
    // looked at it, otherwise streamed untouched.
    let body = if ctx.trace.body_changed {
        encoded(&request.body, raw_body.as_ref(), &mut request.headers)?
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
        &conn.upstream.host,
        &peer.forwarded_for,
        proxy.scheme,
        original_host,
    );
    let mut upstream_req = Request::new(body);
    *upstream_req.method_mut() = request.method;
    *upstream_req.uri_mut() = uri;
    *upstream_req.headers_mut() = request.headers;

    let started = Instant::now();
    let result = tokio::time::timeout(proxy.timeout, conn.upstream.pool.send(upstream_req)).await;
    let took = started.elapsed();
    ctx.upstream = Some(took);
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
    proxy.ops.metrics.observe_upstream(took);
    proxy.ops.mark_upstream_reached();

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
