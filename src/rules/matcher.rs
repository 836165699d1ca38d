//! Compiled `when` / `unless` conditions and their evaluation against a request.

use http::{HeaderName, Method};
use regex::Regex;

use super::actions::CompileCx;
use super::jsonpath::JsonPath;
use super::model::MatchSpec;
use super::request::{Body, Request};
use super::yaml::FieldPath;
use crate::scim::{EndpointKind, ResourceKind, classify};

#[derive(Debug)]
enum HeaderTest {
    Present(bool),
    Matches(Regex),
}

/// A compiled condition: every part given must hold.
#[derive(Debug, Default)]
pub struct Condition {
    methods: Option<Vec<Method>>,
    path: Option<Regex>,
    resources: Option<Vec<ResourceKind>>,
    endpoints: Option<Vec<EndpointKind>>,
    headers: Vec<(HeaderName, HeaderTest)>,
    body: Option<JsonPath>,
    /// Response statuses (response rules only).
    status: Option<Vec<u16>>,
}

/// The outcome of testing the parts of a condition that need no body.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadMatch {
    Yes,
    /// Holds so far, but a body condition remains.
    NeedsBody,
    No(Miss),
}

/// Which part of a condition did not hold. Cheap to return on every request;
/// [`Condition::describe`] turns it into words for `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    Method,
    Path,
    /// The response status is not one of those listed (or this is a request).
    Status,
    /// The resource the path names (`None`: it names none).
    Resource(Option<ResourceKind>),
    /// The endpoint kind the path names (`None`: it names none).
    Endpoint(Option<EndpointKind>),
    /// The header test at this index in the condition.
    Header(usize),
    /// The body condition selects nothing.
    BodySelectsNothing,
    NoBody,
    BodyNotJson,
    BodyUnread,
}

impl Condition {
    pub fn compile(spec: &MatchSpec, field: &FieldPath, cx: &mut CompileCx) -> Condition {
        let mut c = Condition::default();
        if let Some(methods) = &spec.method {
            let mut list = Vec::new();
            for (i, m) in methods.iter().enumerate() {
                match Method::from_bytes(m.to_ascii_uppercase().as_bytes()) {
                    Ok(m) => list.push(m),
                    Err(_) => cx.error(
                        field.key("method").index(i),
                        format!("`{m}` is not an HTTP method"),
                        None,
                    ),
                }
            }
            c.methods = Some(list);
        }
        if let Some(p) = &spec.path {
            c.path = cx.regex(field.key("path"), p);
        }
        if let Some(resources) = &spec.resource {
            let mut list = Vec::new();
            for (i, r) in resources.iter().enumerate() {
                match ResourceKind::parse(r) {
                    Some(k) => list.push(k),
                    None => cx.error(
                        field.key("resource").index(i),
                        format!("`{r}` is not a SCIM resource type"),
                        Some("User, Group, Me, ServiceProviderConfig, ResourceType, Schema, Bulk, Search, Other"),
                    ),
                }
            }
            c.resources = Some(list);
        }
        if let Some(endpoints) = &spec.endpoint {
            let mut list = Vec::new();
            for (i, e) in endpoints.iter().enumerate() {
                match e.as_str() {
                    "collection" => list.push(EndpointKind::Collection),
                    "item" => list.push(EndpointKind::Item),
                    "search" => list.push(EndpointKind::Search),
                    _ => cx.error(
                        field.key("endpoint").index(i),
                        format!("`{e}` is not an endpoint kind"),
                        Some("collection, item or search"),
                    ),
                }
            }
            c.endpoints = Some(list);
        }
        for (name, test) in spec.headers.iter().flatten() {
            let hf = field.key("headers").key(name);
            let Some(header) = cx.header_name(hf.clone(), name) else {
                continue;
            };
            let t = match (test.present, &test.matches) {
                (Some(p), None) => HeaderTest::Present(p),
                (None, Some(re)) | (Some(true), Some(re)) => {
                    match cx.regex(hf.key("matches"), re) {
                        Some(re) => HeaderTest::Matches(re),
                        None => continue,
                    }
                }
                (Some(false), Some(_)) => {
                    cx.error(
                        hf,
                        "`present: false` and `matches` contradict each other",
                        None,
                    );
                    continue;
                }
                (None, None) => {
                    cx.error(hf, "give `present` or `matches`", None);
                    continue;
                }
            };
            c.headers.push((header, t));
        }
        if let Some(b) = &spec.body {
            c.body = cx.jsonpath(field.key("body"), b);
        }
        if let Some(statuses) = &spec.status {
            for (i, s) in statuses.iter().enumerate() {
                if !(100..=599).contains(s) {
                    cx.error(
                        field.key("status").index(i),
                        format!("`{s}` is not an HTTP status"),
                        Some("a number from 100 to 599"),
                    );
                }
            }
            c.status = Some(statuses.clone());
        }
        c
    }

    pub fn needs_body(&self) -> bool {
        self.body.is_some()
    }

    /// Tests everything but the body condition.
    pub fn test_head(&self, req: &Request, base_path: &str) -> HeadMatch {
        if let Some(methods) = &self.methods
            && !methods.contains(&req.method)
        {
            return HeadMatch::No(Miss::Method);
        }
        if let Some(re) = &self.path
            && !re.is_match(&req.path)
        {
            return HeadMatch::No(Miss::Path);
        }
        if let Some(statuses) = &self.status
            && !req.status.is_some_and(|s| statuses.contains(&s))
        {
            return HeadMatch::No(Miss::Status);
        }
        if self.resources.is_some() || self.endpoints.is_some() {
            let endpoint = classify(&req.path, base_path);
            if let Some(resources) = &self.resources {
                match &endpoint {
                    Some(e) if resources.contains(&e.resource) => {}
                    e => return HeadMatch::No(Miss::Resource(e.as_ref().map(|e| e.resource))),
                }
            }
            if let Some(endpoints) = &self.endpoints {
                match &endpoint {
                    Some(e) if endpoints.contains(&e.kind) => {}
                    e => return HeadMatch::No(Miss::Endpoint(e.as_ref().map(|e| e.kind))),
                }
            }
        }
        for (index, (name, test)) in self.headers.iter().enumerate() {
            let value = req.headers.get(name);
            let ok = match test {
                HeaderTest::Present(p) => value.is_some() == *p,
                HeaderTest::Matches(re) => value
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| re.is_match(v)),
            };
            if !ok {
                return HeadMatch::No(Miss::Header(index));
            }
        }
        if self.body.is_some() {
            HeadMatch::NeedsBody
        } else {
            HeadMatch::Yes
        }
    }

    /// Tests the body condition (call once the body is known).
    pub fn test_body(&self, req: &Request) -> Result<(), Miss> {
        let Some(jp) = &self.body else { return Ok(()) };
        match &req.body {
            Body::Json(doc) if jp.matches(doc) => Ok(()),
            Body::Json(_) => Err(Miss::BodySelectsNothing),
            Body::Empty => Err(Miss::NoBody),
            Body::Opaque => Err(Miss::BodyNotJson),
            Body::Unread => Err(Miss::BodyUnread),
        }
    }

    /// Why this condition did not hold, in words: `miss` as returned by
    /// [`Condition::test_head`] or [`Condition::test_body`] for `req`.
    pub fn describe(&self, miss: Miss, req: &Request) -> String {
        match miss {
            Miss::Method => format!(
                "method {} is not one of {}",
                req.method,
                self.methods.as_deref().map(join).unwrap_or_default()
            ),
            Miss::Path => format!(
                "path does not match `{}`",
                self.path.as_ref().map_or("", Regex::as_str)
            ),
            Miss::Status => match req.status {
                Some(s) => format!("status {s} is not one of those listed"),
                None => "a status condition only holds on responses".into(),
            },
            Miss::Resource(Some(r)) => format!("resource is {r}"),
            Miss::Resource(None) => "the path names no SCIM resource".into(),
            Miss::Endpoint(Some(e)) => format!("endpoint is {}", e.as_str()),
            Miss::Endpoint(None) => "the path names no SCIM endpoint".into(),
            Miss::Header(index) => match self.headers.get(index) {
                Some((name, _)) => format!("header {name} condition does not hold"),
                None => "a header condition does not hold".into(),
            },
            Miss::BodySelectsNothing => format!(
                "body selects nothing at `{}`",
                self.body.as_ref().map_or("", JsonPath::as_str)
            ),
            Miss::NoBody => "there is no body".into(),
            Miss::BodyNotJson => "the body is not JSON".into(),
            Miss::BodyUnread => "the body was not read".into(),
        }
    }
}

fn join(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
