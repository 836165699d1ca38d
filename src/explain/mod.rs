//! `scimshim explain`: runs one request through the rules exactly as `serve`
//! does ([`crate::rules::drive`], request phase) and records everything an
//! operator needs to see why it came out as it did: every rule considered and
//! why it matched or not, each change with its before and after, the request
//! that would be forwarded (or the answer a rule gave), and optionally what the
//! embedded strict backend ([`crate::backend`]) says to the request before and
//! after the rules. Given an answer to the forwarded request (the embedded
//! backend's, or one written in a file), it runs the response phase too, as
//! the proxy does, and records what the client finally gets.
//!
//! [`input`] reads the request (a [`MessageSpec`] or raw HTTP); [`explain`]
//! evaluates it into an [`Explanation`]; [`render`] prints it as text or JSON.

pub mod input;
pub mod render;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

use crate::backend::{Backend, BackendRequest, BackendResponse, Kind, Profile};
use crate::proxy::error::ProxyError;
use crate::rules::eval::Context;
use crate::rules::fixture::{FixtureError, FixtureIo, MessageSpec};
use crate::rules::request::is_json_content_type;
use crate::rules::{
    self, Body, Change, Fetched, Io, Outcome, Phase, ReplyPlan, Request, Resume, RuleSet,
};
use crate::rules::{Trace, trace::Considered as Traced};
use crate::scim::classify::{EndpointKind, ResourceKind, classify, strip_base};
use crate::scim::urn;

/// What to explain against.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The SCIM base path the proxy serves, e.g. `/scim/v2` (already
    /// normalised: no trailing `/`).
    pub base_path: String,
    /// The resource a rule that fetches gets; without it the fetch gets 404.
    pub resource: Option<Value>,
    /// Serve fetches from, and judge the request with, the embedded backend;
    /// its answer to the rewritten request goes through the response rules.
    pub against_embedded: bool,
    /// The upstream's answer (status, headers, body) the response rules run
    /// on, when the embedded backend does not answer.
    pub response: Option<MessageSpec>,
}

/// Why a request cannot be explained (bad input: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("the request: {0}")]
    Request(#[from] FixtureError),
    #[error("the request body is not valid JSON (content type `{content_type}`): {detail}")]
    Body {
        content_type: String,
        detail: String,
    },
    #[error("the response: {0}")]
    Response(FixtureError),
}

/// A rule and where it is defined.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRef {
    pub id: Arc<str>,
    pub file: PathBuf,
    pub line: u32,
}

/// One rule the engine considered, in evaluation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Considered {
    pub rule: RuleRef,
    /// Every condition held.
    pub matched: bool,
    /// It changed the request or answered it.
    pub applied: bool,
    /// Why it matched, or which condition did not hold.
    pub reason: String,
}

/// How the request ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Final {
    /// Forwarded upstream as this request.
    Forward(MessageSpec),
    /// Answered without the upstream.
    Respond(Answer),
}

/// An answer to the client: one made without the upstream, or (in
/// [`Returned::client`]) what the client gets in the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The rule that answered; `None` when the proxy itself did (a path
    /// outside the base path), or when the upstream's answer was passed on.
    pub rule: Option<Arc<str>>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// The embedded backend's answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub method: String,
    /// The path and query sent.
    pub path: String,
    pub status: u16,
    pub body: Option<Value>,
}

impl Verdict {
    /// Whether the backend accepted the request (any 2xx).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error body's `scimType` (RFC 7644 §3.12), if any.
    pub fn scim_type(&self) -> Option<&str> {
        self.body.as_ref()?.get("scimType")?.as_str()
    }

    /// The error body's `detail` (RFC 7644 §3.12), if any.
    pub fn detail(&self) -> Option<&str> {
        self.body.as_ref()?.get("detail")?.as_str()
    }
}

/// How the `--resource` was put into an embedded backend.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// `User` or `Group`.
    pub kind: &'static str,
    /// The id the given resource has (or the request's path names).
    pub given_id: Option<String>,
    /// The id the backend gave it; `None` when the backend refused it.
    pub created_id: Option<String>,
    /// The backend's answer to the POST that created it.
    pub answer: Verdict,
}

/// What the embedded strict backend says.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendCheck {
    /// How the resource was seeded (into the backend that serves the rules'
    /// fetches and judges the rewritten request).
    pub seed: Option<Seed>,
    /// Why the resource could not be seeded, when it was given but not seeded.
    pub seed_skipped: Option<String>,
    /// The request's path changed to the id the backend gave the resource:
    /// (from, to).
    pub path_rewrite: Option<(String, String)>,
    /// The request as given, before any rule, sent to a backend seeded alike.
    pub original: Verdict,
    /// The request as the rules left it; `None` when it was answered locally.
    pub rewritten: Option<Verdict>,
}

/// Where the answer the response rules ran on came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerSource {
    /// The embedded backend's answer to the rewritten request.
    Embedded,
    /// The `--response` file.
    File,
}

/// The response phase, run on one answer from the upstream.
#[derive(Debug, Clone, PartialEq)]
pub struct Returned {
    pub source: AnswerSource,
    /// The answer as the upstream gave it.
    pub upstream: MessageSpec,
    /// The request rule whose reply plan turned a 2xx into 204 (a DELETE
    /// sent on as something else). The proxy then hands the 204 back
    /// without running response rules.
    pub no_content: Option<Arc<str>>,
    /// Every response rule considered, in order.
    pub considered: Vec<Considered>,
    /// Response rules never reached (a response rule before them answered).
    pub not_reached: Vec<RuleRef>,
    /// Every change to the answer, in order.
    pub changes: Vec<Change>,
    /// What the client finally gets; `rule` is the response rule that
    /// replaced the upstream's answer, if one did.
    pub client: Answer,
}

/// What became of the response phase.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseStep {
    /// It ran on an answer.
    Ran(Box<Returned>),
    /// Not run: the request was answered without the upstream, and the
    /// proxy runs response rules only on the upstream's answers.
    AnsweredLocally,
    /// Not run: there was no answer (neither `--response` nor
    /// `--against-embedded`).
    NoAnswer,
}

/// Everything `explain` found about one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The request as given.
    pub input: MessageSpec,
    pub base_path: String,
    /// Every request rule considered, in order.
    pub considered: Vec<Considered>,
    /// Request rules never reached (a rule before them answered).
    pub not_reached: Vec<RuleRef>,
    /// How many response rules were loaded.
    pub response_rules: usize,
    /// Every change, in order.
    pub changes: Vec<Change>,
    /// How many times a rule asked for the addressed resource.
    pub fetches: u32,
    /// Whether a resource was given for those fetches (`--resource`).
    pub resource_given: bool,
    pub result: Final,
    /// With `--against-embedded`.
    pub backend: Option<BackendCheck>,
    /// The answer on its way back to the client.
    pub response: ResponseStep,
}

/// Evaluates `spec` with `rules` as `serve` would, and (with
/// [`Options::against_embedded`]) asks the embedded backend about it. When
/// the request is forwarded and there is an answer (the embedded backend's,
/// else [`Options::response`]), the response phase runs on it too.
pub async fn explain(
    rules: &RuleSet,
    spec: &MessageSpec,
    options: &Options,
) -> Result<Explanation, ExplainError> {
    let given = Given::read(spec)?;
    let base = options.base_path.as_str();
    let mut request = given.request.clone();
    let mut check = None;
    let mut embedded = None;
    if options.against_embedded {
        let backend = Backend::new(profile(base));
        let seeding = seed(&backend, options.resource.as_ref(), &given.request, base);
        if let Some(to) = seeding.new_path.clone() {
            request.path = to;
        }
        // The request before rules goes to a twin backend, seeded alike, so
        // that what it changes does not affect the rules' fetches.
        let twin = Backend::new(profile(base));
        let twin_seed = seed(&twin, options.resource.as_ref(), &given.request, base);
        let mut original = given.request.clone();
        if let Some(to) = twin_seed.new_path {
            original.path = to;
        }
        let original = send(&twin, &original, given.raw.clone());
        check = Some(BackendCheck {
            seed: seeding.seed,
            seed_skipped: seeding.skipped,
            path_rewrite: seeding.new_path.map(|to| (given.request.path.clone(), to)),
            original,
            rewritten: None,
        });
        embedded = Some(backend);
    }

    let mut trace = Trace::explaining();
    let mut fetches = 0;
    let (result, response) = if strip_base(&request.path, base).is_none() {
        // The proxy answers paths outside its base path itself, before any
        // rule runs (see `proxy::handler`).
        let error = ProxyError::NotFound {
            base_path: base.to_string(),
        }
        .to_scim();
        let answer = Answer {
            rule: None,
            status: error.status,
            headers: Vec::new(),
            body: Some(error.to_json()),
        };
        (Final::Respond(answer), ResponseStep::AnsweredLocally)
    } else {
        // Response rules see the client's method, path and query.
        let client = Request::with_parts(
            request.method.clone(),
            request.path.clone(),
            request.query.clone(),
            HeaderMap::new(),
            Body::Empty,
        );
        // As in the proxy, a JSON body is read only when a rule needs it.
        let body = std::mem::replace(
            &mut request.body,
            match given.request.body {
                Body::Json(_) => Body::Unread,
                ref other => other.clone(),
            },
        );
        let cx = Context { base_path: base };
        let mut io = ExplainIo {
            body: Some(body),
            source: match &embedded {
                Some(backend) => Source::Embedded(backend),
                None => Source::Fixture(FixtureIo::new(options.resource.clone())),
            },
            fetches: 0,
        };
        let driven = match rules::drive(
            rules,
            Phase::Request,
            &cx,
            &mut request,
            Resume::START,
            &mut trace,
            &mut io,
        )
        .await
        {
            Ok(d) => d,
            Err(never) => match never {},
        };
        if matches!(request.body, Body::Unread) {
            // No rule needed the body: it goes on as it came.
            request.body = io.body.take().unwrap_or(Body::Empty);
        }
        fetches = io.fetches;
        match driven.outcome {
            Outcome::Forward => {
                let bytes = if trace.body_changed {
                    Bytes::from(request.body.encode(given.raw.len()).unwrap_or_default())
                } else {
                    given.raw.clone()
                };
                // As the proxy does for a re-encoded body.
                fix_length(&mut request.headers, bytes.len());
                let mut forwarded = MessageSpec::from_message(&request);
                if matches!(request.body, Body::Opaque) {
                    forwarded.body_text = Some(String::from_utf8_lossy(&bytes).into_owned());
                }
                let mut upstream = options
                    .response
                    .clone()
                    .map(|spec| (AnswerSource::File, spec));
                if let (Some(check), Some(backend)) = (check.as_mut(), embedded.as_ref()) {
                    let answered = exchange(backend, &request, bytes);
                    upstream = Some((AnswerSource::Embedded, backend_answer(&answered)));
                    check.rewritten = Some(verdict(&request.method, target(&request), answered));
                }
                let response = match upstream {
                    Some((source, answer)) => ResponseStep::Ran(Box::new(
                        respond(rules, &cx, &client, source, answer, &request.reply).await?,
                    )),
                    None => ResponseStep::NoAnswer,
                };
                (Final::Forward(forwarded), response)
            }
            Outcome::Respond(local) => (
                Final::Respond(answer(&local)),
                ResponseStep::AnsweredLocally,
            ),
        }
    };

    let considered = trace
        .considered
        .iter()
        .map(|c| considered(rules, c, &trace.applied))
        .collect::<Vec<_>>();
    let not_reached = unreached(&rules.rules, &trace);
    Ok(Explanation {
        input: spec.clone(),
        base_path: options.base_path.clone(),
        considered,
        not_reached,
        response_rules: rules.response.len(),
        changes: trace.changes,
        fetches,
        resource_given: options.resource.is_some(),
        result,
        backend: check,
        response,
    })
}

/// Runs the response phase on `upstream` as the proxy does: the reply plan
/// first (a DELETE sent on as something else still gets 204), then the
/// response rules, which see the client's method, path and query with the
/// answer's status, headers and body.
async fn respond(
    rules: &RuleSet,
    cx: &Context<'_>,
    client: &Request,
    source: AnswerSource,
    upstream: MessageSpec,
    reply: &ReplyPlan,
) -> Result<Returned, ExplainError> {
    let headers = upstream.header_map().map_err(ExplainError::Response)?;
    let (unread, read, raw) = returned_body(&upstream, &headers)?;
    let status = upstream.status.unwrap_or(200);
    let mut trace = Trace::explaining();
    if let Some(rule) = &reply.no_content_on_success
        && (200..300).contains(&status)
        && status != 204
    {
        // The client sent a DELETE; it gets what a DELETE gets.
        trace.change(
            rule,
            "delete_as_deactivate",
            "status".into(),
            Value::from(status),
            Value::from(204),
        );
        let mut headers = headers;
        headers.remove(CONTENT_TYPE);
        headers.remove(CONTENT_LENGTH);
        return Ok(Returned {
            source,
            upstream,
            no_content: Some(rule.clone()),
            considered: Vec::new(),
            not_reached: Vec::new(),
            changes: trace.changes,
            client: Answer {
                rule: None,
                status: 204,
                headers: header_pairs(&headers),
                body: None,
            },
        });
    }
    let mut message = Request::with_parts(
        client.method.clone(),
        client.path.clone(),
        client.query.clone(),
        headers,
        unread,
    );
    message.status = Some(status);
    let mut io = AnswerIo {
        body: Some(read),
        read: false,
    };
    let Ok(driven) = rules::drive(
        rules,
        Phase::Response,
        cx,
        &mut message,
        Resume::START,
        &mut trace,
        &mut io,
    )
    .await;
    let client = match driven.outcome {
        // A response rule replaces the upstream's answer.
        Outcome::Respond(local) => answer(&local),
        Outcome::Forward => {
            let mut headers = message.headers;
            let bytes = if trace.body_changed {
                Bytes::from(message.body.encode(raw.len()).unwrap_or_default())
            } else {
                raw
            };
            // As the proxy does for a body it read or re-encoded.
            if trace.body_changed || io.read {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
                headers.remove(http::header::TRANSFER_ENCODING);
            }
            Answer {
                rule: None,
                status: message.status.unwrap_or(status),
                headers: header_pairs(&headers),
                body: body_value(&bytes),
            }
        }
    };
    Ok(Returned {
        source,
        upstream,
        no_content: None,
        considered: trace
            .considered
            .iter()
            .map(|c| considered(rules, c, &trace.applied))
            .collect(),
        not_reached: unreached(&rules.response, &trace),
        changes: trace.changes,
        client,
    })
}

/// The answer's body as the proxy's response phase finds it: the body the
/// engine starts with, the body it gets when a rule reads it, and the bytes
/// sent when no rule changes it. A JSON body is read only when a rule needs
/// it, and one that does not parse stays as it was; a body of another type
/// is never read.
fn returned_body(
    spec: &MessageSpec,
    headers: &HeaderMap,
) -> Result<(Body, Body, Bytes), ExplainError> {
    let raw = match (&spec.body, &spec.body_text) {
        (Some(_), Some(_)) => return Err(ExplainError::Response(FixtureError::TwoBodies)),
        (Some(v), None) => Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
        (None, Some(text)) => Bytes::from(text.clone()),
        (None, None) => Bytes::new(),
    };
    if raw.is_empty() {
        return Ok((Body::Empty, Body::Empty, raw));
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type.is_some() && is_json_content_type(content_type) {
        let read = Body::parse(&raw).unwrap_or(Body::Opaque);
        Ok((Body::Unread, read, raw))
    } else {
        Ok((Body::Opaque, Body::Opaque, raw))
    }
}

/// Serves the response phase's pauses: the answer's body, read once; a
/// fetch gets 502, as in the proxy (response rules do not fetch).
struct AnswerIo {
    body: Option<Body>,
    read: bool,
}

impl Io for AnswerIo {
    type Error = std::convert::Infallible;

    async fn body(&mut self) -> Result<Body, Self::Error> {
        self.read = true;
        Ok(self.body.take().unwrap_or(Body::Empty))
    }

    async fn fetch(&mut self, _: &Request) -> Result<Fetched, Self::Error> {
        Ok(Fetched::Failed {
            status: 502,
            body: None,
        })
    }
}

/// The embedded backend's answer as a message: its status, headers and body.
fn backend_answer(response: &BackendResponse) -> MessageSpec {
    let body = match &response.body {
        Some(v) => Body::Json(v.clone()),
        None => Body::Empty,
    };
    let mut message = Request::with_parts(
        Method::GET,
        String::new(),
        None,
        response.headers.clone(),
        body,
    );
    message.status = Some(response.status.as_u16());
    MessageSpec::from_message(&message)
}

/// The request as given, as the engine and the backend see it.
struct Given {
    /// Its body parsed (or `Opaque`, for a body that is not JSON).
    request: Request,
    /// Its body as bytes on the wire.
    raw: Bytes,
}

impl Given {
    fn read(spec: &MessageSpec) -> Result<Given, ExplainError> {
        let headers = spec.header_map()?;
        let content_type = headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let opaque = spec.body_text.is_some()
            && spec.body.is_none()
            && !is_json_content_type(content_type.as_deref());
        let (request, raw) = if opaque {
            let text = spec.body_text.clone().unwrap_or_default();
            let mut request = MessageSpec {
                body_text: None,
                ..spec.clone()
            }
            .to_request()?;
            request.headers = headers;
            request.body = Body::Opaque;
            (request, Bytes::from(text))
        } else {
            let request = spec.to_request().map_err(|e| match e {
                FixtureError::InvalidJson(detail) => ExplainError::Body {
                    content_type: content_type.clone().unwrap_or_default(),
                    detail,
                },
                other => ExplainError::Request(other),
            })?;
            let raw = match (&spec.body_text, &request.body) {
                (Some(text), _) => Bytes::from(text.clone()),
                (None, Body::Json(v)) => Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
                (None, _) => Bytes::new(),
            };
            (request, raw)
        };
        Ok(Given { request, raw })
    }
}

/// Serves the engine's pauses: the body already read, and the resource from
/// the `--resource` file or the embedded backend.
struct ExplainIo<'a> {
    body: Option<Body>,
    source: Source<'a>,
    fetches: u32,
}

enum Source<'a> {
    Fixture(FixtureIo),
    Embedded(&'a Backend),
}

impl Io for ExplainIo<'_> {
    type Error = std::convert::Infallible;

    async fn body(&mut self) -> Result<Body, Self::Error> {
        Ok(self.body.take().unwrap_or(Body::Empty))
    }

    async fn fetch(&mut self, request: &Request) -> Result<Fetched, Self::Error> {
        self.fetches += 1;
        match &mut self.source {
            Source::Fixture(io) => io.fetch(request).await,
            Source::Embedded(backend) => Ok(fetch(backend, request)),
        }
    }
}

/// GETs the addressed resource from the embedded backend with the request's
/// headers as the rules left them, as the proxy's fetch does.
fn fetch(backend: &Backend, request: &Request) -> Fetched {
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
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static(urn::MEDIA_TYPE),
    );
    let response = backend.handle(&BackendRequest {
        method: Method::GET,
        path: request.path.clone(),
        query: None,
        headers,
        body: Bytes::new(),
    });
    let etag = response
        .headers
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match response.body {
        Some(resource) if response.status.is_success() && resource.is_object() => {
            Fetched::Found { resource, etag }
        }
        body => Fetched::Failed {
            status: if response.status.is_success() {
                502
            } else {
                response.status.as_u16()
            },
            body,
        },
    }
}

/// A strict backend serving `base`, with PATCH and Groups and no token.
fn profile(base: &str) -> Profile {
    Profile {
        base_path: base.to_string(),
        ..Profile::default()
    }
}

/// The outcome of putting the `--resource` into a backend.
#[derive(Default)]
struct Seeding {
    seed: Option<Seed>,
    skipped: Option<String>,
    /// The request path with the created id, when it differs.
    new_path: Option<String>,
}

/// Creates `resource` in `backend` with a POST (RFC 7644 §3.3). The backend
/// assigns ids itself, so the request's path is pointed at the new id.
fn seed(backend: &Backend, resource: Option<&Value>, request: &Request, base: &str) -> Seeding {
    let Some(resource) = resource else {
        return Seeding::default();
    };
    let Some(kind) = seed_kind(resource, &request.path, base) else {
        return Seeding {
            skipped: Some(
                "the request addresses neither /Users nor /Groups and the resource names no User or Group schema".into(),
            ),
            ..Seeding::default()
        };
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(urn::MEDIA_TYPE));
    let path = format!("{base}{}", kind.endpoint());
    let response = backend.handle(&BackendRequest {
        method: Method::POST,
        path: path.clone(),
        query: None,
        headers,
        body: Bytes::from(serde_json::to_vec(resource).unwrap_or_default()),
    });
    let answer = verdict(&Method::POST, path, response);
    let created_id = if answer.accepted() {
        answer
            .body
            .as_ref()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        None
    };
    let path_id = item_id(&request.path, base);
    let given_id = resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| path_id.as_ref().map(|(_, id)| id.clone()));
    let new_path = match (&created_id, &path_id) {
        (Some(new), Some((at, old))) if new != old => {
            match (request.path.get(..at.start), request.path.get(at.end..)) {
                (Some(before), Some(after)) => Some(format!("{before}{new}{after}")),
                _ => None,
            }
        }
        _ => None,
    };
    Seeding {
        seed: Some(Seed {
            kind: kind.name(),
            given_id,
            created_id,
            answer,
        }),
        skipped: None,
        new_path,
    }
}

/// Which collection the resource belongs in: the one the request addresses,
/// else the one its `schemas` name (RFC 7643 §4.1, §4.2).
fn seed_kind(resource: &Value, path: &str, base: &str) -> Option<Kind> {
    match classify(path, base).map(|e| e.resource) {
        Some(ResourceKind::User) => return Some(Kind::User),
        Some(ResourceKind::Group) => return Some(Kind::Group),
        _ => {}
    }
    let schemas = resource.get("schemas")?.as_array()?;
    if schemas.iter().any(|s| s.as_str() == Some(urn::USER)) {
        Some(Kind::User)
    } else if schemas.iter().any(|s| s.as_str() == Some(urn::GROUP)) {
        Some(Kind::Group)
    } else {
        None
    }
}

/// The byte range and text of the resource id in `/base[/vN]/Users/{id}…`.
fn item_id(path: &str, base: &str) -> Option<(std::ops::Range<usize>, String)> {
    let endpoint = classify(path, base)?;
    if endpoint.kind != EndpointKind::Item
        || !matches!(endpoint.resource, ResourceKind::User | ResourceKind::Group)
    {
        return None;
    }
    let rel = strip_base(path, base)?;
    let offset = path.len() - rel.len();
    let mut seen_resource = false;
    let mut at = 0;
    for segment in rel.split('/') {
        let start = at;
        at += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        if !seen_resource {
            let kind = classify(&format!("/{segment}"), "").map(|e| e.resource);
            seen_resource = matches!(kind, Some(ResourceKind::User | ResourceKind::Group));
            continue;
        }
        return Some((
            offset + start..offset + start + segment.len(),
            segment.to_string(),
        ));
    }
    None
}

/// Sends `request` with `body` to `backend` and judges the answer.
fn send(backend: &Backend, request: &Request, body: Bytes) -> Verdict {
    verdict(
        &request.method,
        target(request),
        exchange(backend, request, body),
    )
}

/// Sends `request` with `body` to `backend`.
fn exchange(backend: &Backend, request: &Request, body: Bytes) -> BackendResponse {
    backend.handle(&BackendRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        headers: request.headers.clone(),
        body,
    })
}

/// The path and query of `request`.
fn target(request: &Request) -> String {
    match &request.query {
        Some(q) => format!("{}?{q}", request.path),
        None => request.path.clone(),
    }
}

fn verdict(method: &Method, path: String, response: BackendResponse) -> Verdict {
    Verdict {
        method: method.as_str().to_string(),
        path,
        status: response.status.as_u16(),
        body: response.body,
    }
}

/// Keeps a `Content-Length` the request had true to the body sent.
fn fix_length(headers: &mut HeaderMap, len: usize) {
    if headers.contains_key(CONTENT_LENGTH) {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
}

/// A rule's answer as the proxy sends it (with its media type and
/// `x-scimshim-rule`).
fn answer(local: &rules::LocalResponse) -> Answer {
    let sent = crate::ruletest::actual::Answer::local(local);
    Answer {
        rule: Some(local.rule.clone()),
        status: sent.status,
        headers: header_pairs(&sent.headers),
        body: local.body.as_deref().and_then(body_value),
    }
}

/// Headers as (name, value) text pairs, in order.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A body as shown: JSON when it parses, else its text; `None` when empty.
fn body_value(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    )
}

fn rule_ref(rule: &rules::Rule) -> RuleRef {
    RuleRef {
        id: rule.id.clone(),
        file: rule.source.file.clone(),
        line: rule.source.line,
    }
}

/// The rules of one phase the trace never considered.
fn unreached(phase: &[rules::Rule], trace: &Trace) -> Vec<RuleRef> {
    phase
        .iter()
        .filter(|r| !trace.considered.iter().any(|c| c.rule == r.id))
        .map(rule_ref)
        .collect()
}

fn considered(set: &RuleSet, c: &Traced, applied: &[Arc<str>]) -> Considered {
    let rule = set
        .rules
        .iter()
        .chain(&set.response)
        .find(|r| r.id == c.rule)
        .map(rule_ref)
        .unwrap_or_else(|| RuleRef {
            id: c.rule.clone(),
            file: PathBuf::new(),
            line: 0,
        });
    Considered {
        rule,
        matched: c.applied,
        applied: applied.contains(&c.rule),
        reason: c.reason.clone(),
    }
}

#[cfg(test)]
mod tests;
