//! Rejections made early, with an error that tells the admin what to change:
//! `require` (values must be present, match a pattern, fit length bounds) and
//! `immutable` (attributes that cannot change once set, RFC 7643 §2.2). A
//! backend that would refuse a request anyway refuses it here, before it is
//! forwarded, with a SCIM error body (RFC 7644 §3.12).

use std::sync::Arc;

use http::Method;
use regex::Regex;
use serde_json::{Map, Value};

use super::resource::item_of;
use super::scim::{key_ci, op_member, op_name};
use super::target::{AttrTarget, value_in};
use super::{CompileCx, Flow, LocalResponse};
use crate::rules::jsonpath::JsonPath;
use crate::rules::model::{ErrorBodySpec, ImmutableSpec, OneOrMany, RequireSpec};
use crate::rules::request::{Body, Fetched, Request};
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;
use crate::scim::query::percent_decode;
use crate::scim::{ScimError, ScimType};

/// Where `require` finds its values.
#[derive(Debug)]
enum Source {
    Select(Vec<JsonPath>),
    Attribute(AttrTarget),
    Query(String),
}

/// A compiled `require`.
#[derive(Debug)]
pub struct Require {
    source: Source,
    present: bool,
    matches: Option<Regex>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    max_count: Option<usize>,
    error: ScimError,
}

/// Compiles an error body given in a rule (`scim_type` checked against
/// RFC 7644 §3.12, Table 9).
pub fn compile_error(
    status: u16,
    spec: &ErrorBodySpec,
    field: &FieldPath,
    cx: &mut CompileCx,
) -> Option<ScimError> {
    let scim_type = match &spec.scim_type {
        None => None,
        Some(t) => match ScimType::parse(t) {
            Some(t) => Some(t),
            None => {
                cx.error(
                    field.key("scim_type"),
                    format!("`{t}` is not a scimType of RFC 7644 §3.12"),
                    Some("invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue, invalidVers, sensitive"),
                );
                return None;
            }
        },
    };
    if spec.detail.trim().is_empty() {
        cx.error(
            field.key("detail"),
            "the detail is empty",
            Some("say what the admin must change, for example which IdP mapping"),
        );
        return None;
    }
    Some(ScimError::new(status, scim_type, spec.detail.clone()))
}

fn bound(v: Option<u32>) -> Option<usize> {
    v.and_then(|n| usize::try_from(n).ok())
}

impl Require {
    pub fn compile(spec: &RequireSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let given = [
            spec.select.is_some(),
            spec.attribute.is_some(),
            spec.query.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            cx.error(
                field.clone(),
                "give exactly one of `select`, `attribute` and `query`",
                Some("`attribute: userName` finds the value in POST, PUT and PATCH bodies alike"),
            );
            return None;
        }
        let source = if let Some(select) = &spec.select {
            let field = field.key("select");
            let texts = select.as_slice();
            if texts.is_empty() {
                cx.error(field, "`select` lists no JSONPath", None);
                return None;
            }
            let one = matches!(select, OneOrMany::One(_));
            let paths: Vec<Option<JsonPath>> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let f = if one { field.clone() } else { field.index(i) };
                    cx.jsonpath(f, t)
                })
                .collect();
            Source::Select(paths.into_iter().collect::<Option<Vec<_>>>()?)
        } else if let Some(attr) = &spec.attribute {
            Source::Attribute(AttrTarget::compile(attr, field.key("attribute"), cx)?)
        } else {
            let name = spec.query.clone().unwrap_or_default();
            if name.is_empty() {
                cx.error(field.key("query"), "the parameter name is empty", None);
                return None;
            }
            Source::Query(name)
        };
        let matches = match &spec.matches {
            Some(p) => Some(cx.regex(field.key("matches"), p)?),
            None => None,
        };
        if !spec.present
            && spec.matches.is_none()
            && spec.min_length.is_none()
            && spec.max_length.is_none()
            && spec.max_count.is_none()
        {
            cx.error(
                field.clone(),
                "`require` checks nothing",
                Some("give `present`, `matches`, `min_length`, `max_length` or `max_count`"),
            );
            return None;
        }
        if let (Some(lo), Some(hi)) = (spec.min_length, spec.max_length)
            && lo > hi
        {
            cx.error(
                field.key("min_length"),
                format!("`min_length` {lo} is greater than `max_length` {hi}"),
                Some("no value could pass"),
            );
            return None;
        }
        let status = spec.status.unwrap_or(400);
        if !(400..=599).contains(&status) {
            cx.error(
                field.key("status"),
                format!("{status} is not an error status"),
                Some("a rejection answers 400 to 599"),
            );
            return None;
        }
        let error = compile_error(status, &spec.error, &field.key("error"), cx)?;
        Some(Require {
            source,
            present: spec.present,
            matches,
            min_length: bound(spec.min_length),
            max_length: bound(spec.max_length),
            max_count: bound(spec.max_count),
            error,
        })
    }

    /// Whether the values come from the body.
    pub fn needs_body(&self) -> bool {
        !matches!(self.source, Source::Query(_))
    }

    /// Answers with the configured error when a check fails. A request whose
    /// body is missing or not JSON is not checked: the backend judges it.
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request) -> Flow {
        let passes = match &self.source {
            Source::Query(name) => {
                let values: Vec<Value> = query_values(req.query.as_deref(), name)
                    .into_iter()
                    .map(Value::String)
                    .collect();
                self.passes(values.iter())
            }
            Source::Select(paths) => {
                let Body::Json(doc) = &req.body else {
                    return Flow::Continue;
                };
                self.passes(
                    paths
                        .iter()
                        .flat_map(|p| p.select(doc))
                        .filter_map(|p| p.get(doc)),
                )
            }
            Source::Attribute(target) => {
                let Body::Json(doc) = &req.body else {
                    return Flow::Continue;
                };
                self.passes(target.written(doc).iter().filter_map(|p| p.get(doc)))
            }
        };
        if passes {
            Flow::Continue
        } else {
            Flow::Respond(LocalResponse::error(rule, self.error.clone()))
        }
    }

    /// Whether the values pass every check. `null` counts as no value
    /// (RFC 7643 §2.5: unassigned).
    fn passes<'v>(&self, values: impl Iterator<Item = &'v Value>) -> bool {
        let mut count = 0usize;
        for v in values {
            if v.is_null() {
                continue;
            }
            count += 1;
            if let Some(re) = &self.matches {
                match v {
                    Value::String(s) if re.is_match(s) => {}
                    _ => return false,
                }
            }
            let len = match v {
                Value::String(s) => Some(s.chars().count()),
                Value::Array(items) => Some(items.len()),
                _ => None,
            };
            if let Some(len) = len
                && (self.min_length.is_some_and(|lo| len < lo)
                    || self.max_length.is_some_and(|hi| len > hi))
            {
                return false;
            }
        }
        !(self.present && count == 0 || self.max_count.is_some_and(|max| count > max))
    }
}

/// The decoded values of every query parameter called `name` (any case).
fn query_values(query: Option<&str>, name: &str) -> Vec<String> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            k.eq_ignore_ascii_case(name)
                .then(|| percent_decode(v, true).unwrap_or_else(|| v.to_string()))
        })
        .collect()
}

const IMMUTABLE: &str = "immutable";

/// A compiled `immutable`.
#[derive(Debug)]
pub struct Immutable {
    attributes: Vec<AttrTarget>,
    detail: Option<String>,
}

impl Immutable {
    pub fn compile(spec: &ImmutableSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        if spec.attributes.is_empty() {
            cx.error(
                field.key("attributes"),
                "`attributes` lists nothing",
                Some("name the attributes that cannot change, e.g. [userName]"),
            );
            return None;
        }
        let mut attributes = Vec::new();
        for (i, a) in spec.attributes.iter().enumerate() {
            let f = field.key("attributes").index(i);
            let Some(t) = AttrTarget::compile(a, f.clone(), cx) else {
                continue;
            };
            if t.path.sub.is_some() {
                cx.error(
                    f,
                    format!("`{a}` is a sub-attribute"),
                    Some("name the whole attribute, e.g. `name` rather than `name.givenName`"),
                );
                continue;
            }
            attributes.push(t);
        }
        if attributes.len() != spec.attributes.len() {
            return None;
        }
        if spec.detail.as_deref().is_some_and(|d| d.trim().is_empty()) {
            cx.error(field.key("detail"), "the detail is empty", None);
            return None;
        }
        Some(Immutable {
            attributes,
            detail: spec.detail.clone(),
        })
    }

    /// Wants the resource for a PUT or PATCH of a User or Group that writes
    /// or removes one of the attributes: only then is there anything to compare.
    pub fn wants_resource(&self, req: &Request) -> bool {
        if !(req.method == Method::PUT || req.method == Method::PATCH)
            || item_of(&req.path).is_none()
        {
            return false;
        }
        let Body::Json(body) = &req.body else {
            return false;
        };
        self.attributes.iter().any(|t| touches(t, body))
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        let Some(item) = item_of(&req.path) else {
            return Flow::Continue;
        };
        let Request {
            method,
            body,
            resource,
            ..
        } = req;
        let Fetched::Found { resource, .. } = resource else {
            // Not fetched or not found: the backend answers (404, say).
            return Flow::Continue;
        };
        let Body::Json(body) = body else {
            return Flow::Continue;
        };
        let rt = item.resource_type();
        let mut dropped = 0;
        for t in &self.attributes {
            let ci = rt.attribute(&t.path).is_some_and(|(_, a)| !a.case_exact);
            let current = value_in(resource, t).filter(|v| is_set(v));
            let plan = if *method == Method::PUT {
                match (value_in(body, t), current) {
                    (Some(new), Some(cur)) if !same(new, cur, ci) => Err(()),
                    _ => Ok(Vec::new()),
                }
            } else if *method == Method::PATCH {
                patch_plan(body, t, current, ci)
            } else {
                Ok(Vec::new())
            };
            match plan {
                Ok(plan) => dropped += drop_same(rule, body, t, &plan, trace),
                Err(()) => return Flow::Respond(LocalResponse::error(rule, self.error(t))),
            }
        }
        if dropped > 0 && operations(body).is_some_and(|ops| ops.is_empty()) {
            // Every operation wrote what the resource holds: nothing to send
            // (an empty PATCH is invalid), and nothing changes.
            return Flow::Respond(LocalResponse {
                rule: rule.clone(),
                status: http::StatusCode::NO_CONTENT,
                headers: Vec::new(),
                body: None,
            });
        }
        Flow::Continue
    }

    fn error(&self, t: &AttrTarget) -> ScimError {
        let detail = self.detail.clone().unwrap_or_else(|| {
            format!(
                "`{}` cannot be changed on this backend once it is set (immutable, RFC 7643 §2.2); \
                 change it back in the identity provider, or delete the resource and create it again",
                t.text()
            )
        });
        ScimError::new(400, Some(ScimType::Mutability), detail)
    }
}

/// Whether a value is assigned (RFC 7643 §2.5: null and `[]` are not).
fn is_set(v: &Value) -> bool {
    !matches!(v, Value::Null) && !matches!(v, Value::Array(a) if a.is_empty())
}

/// Equality as the schema compares: strings ignoring case when the
/// attribute is not `caseExact` (RFC 7643 §2.2).
fn same(a: &Value, b: &Value, ci: bool) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if ci => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

/// The PATCH operations (any spelling of the member).
fn operations(body: &Value) -> Option<&Vec<Value>> {
    let map = body.as_object()?;
    match map.get(key_ci(map, "Operations")?) {
        Some(Value::Array(ops)) => Some(ops),
        _ => None,
    }
}

/// Whether the body writes or removes the attribute at all.
fn touches(t: &AttrTarget, body: &Value) -> bool {
    match operations(body) {
        Some(ops) => ops.iter().any(|op| match AttrTarget::parse_op_path(op) {
            Some(Ok(pp)) => t.same_attribute(&pp.attr),
            Some(Err(())) => false,
            None => op_member(op, "value").is_some_and(|v| value_in(v, t).is_some()),
        }),
        None => value_in(body, t).is_some(),
    }
}

/// What happens to one operation that writes the value the resource has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Same {
    /// The whole operation goes.
    Operation,
    /// The attribute goes from the operation's partial resource.
    Member,
}

/// Decides, without editing, what the PATCH does to one attribute: `Err`
/// when an operation would change or remove its value; otherwise the
/// operations (by index) that only write the value it already has.
fn patch_plan(
    body: &Value,
    t: &AttrTarget,
    current: Option<&Value>,
    ci: bool,
) -> Result<Vec<(usize, Same)>, ()> {
    let Some(ops) = operations(body) else {
        return Ok(Vec::new());
    };
    let Some(cur) = current else {
        // Nothing set yet: setting it is allowed, and removing nothing is no change.
        return Ok(Vec::new());
    };
    let mut plan = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let name = op_name(op);
        let writes = matches!(name.as_deref(), Some("add" | "replace"));
        let value = op_member(op, "value");
        match AttrTarget::parse_op_path(op) {
            Some(Ok(pp)) if t.same_attribute(&pp.attr) => {
                let sub = pp.attr.sub.as_deref().or(pp.sub.as_deref());
                let cur = match sub {
                    None => Some(cur),
                    Some(s) => cur
                        .as_object()
                        .and_then(|m| key_ci(m, s).and_then(|k| m.get(k))),
                };
                match (writes, value, cur) {
                    (true, Some(v), Some(c)) if pp.filter.is_none() && same(v, c, ci) => {
                        plan.push((i, Same::Operation));
                    }
                    _ => return Err(()),
                }
            }
            None if writes => {
                let Some(partial) = value.filter(|v| v.is_object()) else {
                    continue;
                };
                match value_in(partial, t) {
                    None => {}
                    Some(v) if same(v, cur, ci) => {
                        let only = partial.as_object().is_some_and(|m| {
                            m.len() == 1 && (t.path.urn.is_none() || single_member(m))
                        });
                        plan.push((i, if only { Same::Operation } else { Same::Member }));
                    }
                    Some(_) => return Err(()),
                }
            }
            _ => {}
        }
    }
    Ok(plan)
}

/// Whether the only member of `m` is an object with one member.
fn single_member(m: &Map<String, Value>) -> bool {
    m.values()
        .next()
        .is_some_and(|v| matches!(v, Value::Object(inner) if inner.len() == 1))
}

/// Carries out a plan of [`patch_plan`], recording each change; returns how
/// many operations went.
fn drop_same(
    rule: &Arc<str>,
    body: &mut Value,
    t: &AttrTarget,
    plan: &[(usize, Same)],
    trace: &mut Trace,
) -> usize {
    let Some(map) = body.as_object_mut() else {
        return 0;
    };
    let Some(k) = key_ci(map, "Operations").map(str::to_string) else {
        return 0;
    };
    let Some(Value::Array(ops)) = map.get_mut(&k) else {
        return 0;
    };
    let mut dropped = 0;
    for &(i, what) in plan.iter().rev() {
        match what {
            Same::Operation => {
                if i < ops.len() {
                    let before = ops.remove(i);
                    trace.body_change(rule, IMMUTABLE, format!("/{k}/{i}"), before, Value::Null);
                    dropped += 1;
                }
            }
            Same::Member => {
                let Some(Value::Object(op)) = ops.get_mut(i) else {
                    continue;
                };
                let vk = key_ci(op, "value").unwrap_or("value").to_string();
                if let Some(Value::Object(partial)) = op.get_mut(&vk)
                    && let Some((pointer, before)) = remove_member(partial, t)
                {
                    trace.body_change(
                        rule,
                        IMMUTABLE,
                        format!("/{k}/{i}/{vk}{pointer}"),
                        before,
                        Value::Null,
                    );
                }
            }
        }
    }
    dropped
}

/// Removes the attribute from a partial resource (and its extension object
/// when that is left empty); returns where it was, as a JSON pointer
/// suffix, and its value.
fn remove_member(map: &mut Map<String, Value>, t: &AttrTarget) -> Option<(String, Value)> {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match &t.path.urn {
        None => {
            let k = key_ci(map, &t.path.name)?.to_string();
            let v = map.shift_remove(&k)?;
            Some((format!("/{}", escape(&k)), v))
        }
        Some(u) => {
            let ek = key_ci(map, u)?.to_string();
            let Some(Value::Object(ext)) = map.get_mut(&ek) else {
                return None;
            };
            let k = key_ci(ext, &t.path.name)?.to_string();
            let v = ext.shift_remove(&k)?;
            if ext.is_empty() {
                map.shift_remove(&ek);
            }
            Some((format!("/{}/{}", escape(&ek), escape(&k)), v))
        }
    }
}

#[cfg(test)]
mod tests;
