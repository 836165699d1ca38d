//! The resource endpoints `/Users` and `/Groups`: query (RFC 7644 §3.4.2),
//! search (§3.4.3), create (§3.3), read (§3.4.1), replace (§3.5.1), modify
//! (§3.5.2), delete (§3.6), with versioning and preconditions (§3.14).

use ::http::header::{IF_MATCH, IF_NONE_MATCH};
use ::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::query::{self, ListParams, Projection};
use super::reply::{self, err};
use super::routes::{Ctx, json_object};
use super::schema_ops::{apply_patch, check_filter, check_unique, prepare_input};
use super::{Backend, BackendResponse, Kind};
use crate::scim::error::{ScimError, ScimType};
use crate::scim::schema::Validation;

/// The SearchRequest message URN (RFC 7644 §3.4.3).
const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Collapses a handler's `Result` into the response.
fn respond(result: Result<BackendResponse, ScimError>) -> BackendResponse {
    result.unwrap_or_else(|e| reply::error(&e))
}

impl Backend {
    /// `GET /Users?filter=…&startIndex=…&count=…&attributes=…`.
    pub(super) fn query_resources(&self, ctx: &Ctx<'_>, kind: Kind) -> BackendResponse {
        respond(
            ListParams::from_query(&ctx.query)
                .and_then(|params| self.run_query(ctx, kind, &params)),
        )
    }

    /// `POST /Users/.search` with a SearchRequest body (RFC 7644 §3.4.3).
    pub(super) fn search(&self, ctx: &Ctx<'_>, kind: Kind) -> BackendResponse {
        respond(
            json_object(ctx.req)
                .and_then(|body| search_params(&body))
                .and_then(|params| self.run_query(ctx, kind, &params)),
        )
    }

    /// Filters, pages and projects, in creation order (stable across pages).
    fn run_query(
        &self,
        ctx: &Ctx<'_>,
        kind: Kind,
        params: &ListParams,
    ) -> Result<BackendResponse, ScimError> {
        let rt = self.resource_type(kind);
        if let Some(filter) = &params.filter {
            check_filter(rt, filter)?;
        }
        let state = self.lock();
        let matching: Vec<&Value> = state
            .collection(kind)
            .iter()
            .filter(|r| params.filter.as_ref().is_none_or(|f| f.matches(r, rt)))
            .collect();
        let total = matching.len();
        let page: Vec<Value> = matching
            .into_iter()
            .skip(params.start_index.saturating_sub(1))
            .take(params.count)
            .map(|r| self.render(ctx, kind, r, &params.projection))
            .collect();
        drop(state);
        Ok(reply::json(
            StatusCode::OK,
            reply::list_response(total, params.start_index, page),
        ))
    }

    /// `GET /Users/{id}`; `If-None-Match` with the current version → 304.
    pub(super) fn read(&self, ctx: &Ctx<'_>, kind: Kind, id: &str) -> BackendResponse {
        respond((|| {
            let projection = Projection::from_query(&ctx.query)?;
            let state = self.lock();
            let stored = state
                .collection(kind)
                .get(id)
                .ok_or_else(|| not_found(kind, id))?;
            let version = version_of(stored);
            let location = ctx.url(&format!("{}/{id}", kind.endpoint()));
            if precondition(&ctx.req.headers, IF_NONE_MATCH, &version) == Some(true) {
                let resp = reply::empty(StatusCode::NOT_MODIFIED);
                return Ok(reply::with_resource_headers(resp, &location, &version));
            }
            let body = self.render(ctx, kind, stored, &projection);
            drop(state);
            let resp = reply::json(StatusCode::OK, body);
            Ok(reply::with_resource_headers(resp, &location, &version))
        })())
    }

    /// `POST /Users`: validate strictly, ignore read-only input, enforce
    /// uniqueness, assign `id` and `meta`, answer 201 with `Location` and
    /// `ETag` (RFC 7644 §3.3).
    pub(super) fn create(&self, ctx: &Ctx<'_>, kind: Kind) -> BackendResponse {
        respond((|| {
            let mut body = json_object(ctx.req)?;
            let projection = Projection::from_query(&ctx.query)?;
            let rt = self.resource_type(kind);
            rt.validate(&body, Validation::Create)?;
            prepare_input(rt, &mut body);
            let now = self.now();
            let mut state = self.lock();
            check_unique(rt, state.collection(kind), &body, None)?;
            let id = state.fresh_id();
            let version = state.next_version();
            let location = ctx.url(&format!("{}/{id}", kind.endpoint()));
            let meta = json!({
                "resourceType": kind.name(),
                "created": now,
                "lastModified": now,
                "location": location,
                "version": version,
            });
            let stored = assemble(body, &id, meta);
            let out = self.render(ctx, kind, &stored, &projection);
            state.collection_mut(kind).put(&id, stored);
            drop(state);
            let resp = reply::json(StatusCode::CREATED, out);
            Ok(reply::with_resource_headers(resp, &location, &version))
        })())
    }

    /// `PUT /Users/{id}` (RFC 7644 §3.5.1): the body replaces every
    /// client-settable attribute; `id`, `meta.created` are kept. A body `id`
    /// is ignored like any read-only value ("any values provided SHALL be
    /// ignored"), so one differing from the URL is not an error (scim2-server
    /// agrees). A PUT that changes nothing keeps the version.
    pub(super) fn replace(&self, ctx: &Ctx<'_>, kind: Kind, id: &str) -> BackendResponse {
        respond((|| {
            let mut body = json_object(ctx.req)?;
            let projection = Projection::from_query(&ctx.query)?;
            let rt = self.resource_type(kind);
            let now = self.now();
            let mut state = self.lock();
            let old = state
                .collection(kind)
                .get(id)
                .ok_or_else(|| not_found(kind, id))?
                .clone();
            check_if_match(&ctx.req.headers, &old)?;
            rt.validate(&body, Validation::Replace)?;
            prepare_input(rt, &mut body);
            check_unique(rt, state.collection(kind), &body, Some(id))?;
            let stored = if content_of(&old) == body {
                old
            } else {
                let version = state.next_version();
                let stored = assemble(body, id, touched_meta(&old, &now, &version));
                state.collection_mut(kind).put(id, stored.clone());
                stored
            };
            let out = self.render(ctx, kind, &stored, &projection);
            drop(state);
            let location = ctx.url(&format!("{}/{id}", kind.endpoint()));
            let resp = reply::json(StatusCode::OK, out);
            Ok(reply::with_resource_headers(
                resp,
                &location,
                &version_of(&stored),
            ))
        })())
    }

    /// `PATCH /Users/{id}` (RFC 7644 §3.5.2): strict PatchOp parsing, atomic
    /// application, then the result is validated like a PUT body and checked
    /// for uniqueness. The version moves only when something changed.
    /// Answers 204 without a body, or 200 with the resource when the query
    /// asks for `attributes` / `excludedAttributes` (the RFC allows either;
    /// scim2-server does the same).
    pub(super) fn modify(&self, ctx: &Ctx<'_>, kind: Kind, id: &str) -> BackendResponse {
        respond((|| {
            let body = json_object(ctx.req)?;
            let projection = Projection::from_query(&ctx.query)?;
            let rt = self.resource_type(kind);
            let now = self.now();
            let mut state = self.lock();
            let old = state
                .collection(kind)
                .get(id)
                .ok_or_else(|| not_found(kind, id))?
                .clone();
            check_if_match(&ctx.req.headers, &old)?;
            let mut work = old.clone();
            let changed = apply_patch(rt, &mut work, &body)?;
            if work.get("id") != old.get("id") {
                return Err(err(
                    400,
                    Some(ScimType::Mutability),
                    "Attribute 'id' is read-only",
                ));
            }
            rt.canonicalize(&mut work);
            let content = content_of(&work);
            rt.validate(&content, Validation::Replace)?;
            check_unique(rt, state.collection(kind), &content, Some(id))?;
            let stored = if changed && content != content_of(&old) {
                let version = state.next_version();
                let stored = assemble(content, id, touched_meta(&old, &now, &version));
                state.collection_mut(kind).put(id, stored.clone());
                stored
            } else {
                old
            };
            let location = ctx.url(&format!("{}/{id}", kind.endpoint()));
            let version = version_of(&stored);
            if ctx.query.wants_projection() {
                let out = self.render(ctx, kind, &stored, &projection);
                drop(state);
                let resp = reply::json(StatusCode::OK, out);
                return Ok(reply::with_resource_headers(resp, &location, &version));
            }
            drop(state);
            let resp = reply::empty(StatusCode::NO_CONTENT);
            Ok(reply::with_resource_headers(resp, &location, &version))
        })())
    }

    /// `DELETE /Users/{id}` (RFC 7644 §3.6) → 204. Group memberships are not
    /// touched (no referential integrity, as in scim2-server).
    pub(super) fn delete(&self, ctx: &Ctx<'_>, kind: Kind, id: &str) -> BackendResponse {
        respond((|| {
            let mut state = self.lock();
            let old = state
                .collection(kind)
                .get(id)
                .ok_or_else(|| not_found(kind, id))?;
            check_if_match(&ctx.req.headers, old)?;
            state.collection_mut(kind).remove(id);
            Ok(reply::empty(StatusCode::NO_CONTENT))
        })())
    }

    /// The representation sent to the client: `meta.location` as this
    /// request addresses the server, then the projection (RFC 7644 §3.9,
    /// RFC 7643 §7 `returned`).
    fn render(&self, ctx: &Ctx<'_>, kind: Kind, stored: &Value, projection: &Projection) -> Value {
        let mut out = stored.clone();
        if let Some(meta) = out.get_mut("meta").and_then(Value::as_object_mut) {
            let id = stored.get("id").and_then(Value::as_str).unwrap_or("");
            let location = ctx.url(&format!("{}/{id}", kind.endpoint()));
            meta.insert("location".into(), Value::String(location));
        }
        self.resource_type(kind).project(
            &out,
            projection.attributes.as_deref(),
            projection.excluded.as_deref(),
        )
    }
}

/// 404 in scim2-server's words: `User 'x' not found`.
fn not_found(kind: Kind, id: &str) -> ScimError {
    err(404, None, format!("{} '{id}' not found", kind.name()))
}

/// A stored resource: `schemas`, `id`, the attributes, then `meta`.
fn assemble(content: Value, id: &str, meta: Value) -> Value {
    let mut out = Map::new();
    let mut rest = match content {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(schemas) = rest.remove("schemas") {
        out.insert("schemas".into(), schemas);
    }
    out.insert("id".into(), Value::String(id.to_string()));
    out.extend(rest);
    out.insert("meta".into(), meta);
    Value::Object(out)
}

/// What a client controls: the resource without `id` and `meta`.
fn content_of(stored: &Value) -> Value {
    let mut out = stored.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("id");
        map.remove("meta");
    }
    out
}

/// `meta` after a change: `created` kept, `lastModified` and `version` new.
fn touched_meta(old: &Value, now: &str, version: &str) -> Value {
    let mut meta = old.get("meta").cloned().unwrap_or_else(|| json!({}));
    if let Some(map) = meta.as_object_mut() {
        map.insert("lastModified".into(), Value::String(now.to_string()));
        map.insert("version".into(), Value::String(version.to_string()));
    }
    meta
}

fn version_of(stored: &Value) -> String {
    stored
        .pointer("/meta/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `If-Match` (RFC 7644 §3.14, RFC 9110 §13.1.1): absent, `*` or a tag
/// equal to the current version under weak comparison → proceed; anything
/// else → 412 without a scimType (RFC 7644 §3.12, Table 8), as scim2-server.
fn check_if_match(headers: &HeaderMap, stored: &Value) -> Result<(), ScimError> {
    match precondition(headers, IF_MATCH, &version_of(stored)) {
        Some(false) => Err(err(
            412,
            None,
            "Failed to update: the resource has changed on the server",
        )),
        _ => Ok(()),
    }
}

/// Whether the conditional header `name` matches `current`: `None` when the
/// header is absent. Lists and repeated headers are combined; `*` matches;
/// tags compare weakly (`W/"3"` equals `"3"`, RFC 9110 §8.8.3.2).
fn precondition(headers: &HeaderMap, name: ::http::HeaderName, current: &str) -> Option<bool> {
    let mut present = false;
    let mut matched = false;
    for value in headers.get_all(name) {
        present = true;
        let Ok(text) = value.to_str() else {
            continue;
        };
        matched |= text
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || weak_eq(tag, current));
    }
    present.then_some(matched)
}

fn weak_eq(a: &str, b: &str) -> bool {
    matches!((opaque_tag(a), opaque_tag(b)), (Some(x), Some(y)) if x == y)
}

/// The quoted part of an entity tag (`W/"3"` → `"3"`), if well-formed.
fn opaque_tag(tag: &str) -> Option<&str> {
    let t = tag.strip_prefix("W/").unwrap_or(tag);
    (t.len() >= 2 && t.starts_with('"') && t.ends_with('"')).then_some(t)
}

/// Reads a SearchRequest (RFC 7644 §3.4.3) strictly: `schemas` must name the
/// SearchRequest URN and unknown members are rejected (400 invalidSyntax,
/// where scim2-server is lenient); `startIndex` / `count` must be integers
/// (400 invalidValue). `sortBy` / `sortOrder` are accepted and ignored, as on
/// GET (sorting is not offered in the ServiceProviderConfig).
fn search_params(body: &Value) -> Result<ListParams, ScimError> {
    let syntax = |detail: String| err(400, Some(ScimType::InvalidSyntax), detail);
    let map = body
        .as_object()
        .ok_or_else(|| syntax("The SearchRequest must be a JSON object".into()))?;
    let mut schemas_ok = false;
    let mut filter = None;
    let mut attributes: Option<Vec<String>> = None;
    let mut excluded: Option<Vec<String>> = None;
    let mut start = None;
    let mut count = None;
    for (key, value) in map {
        match key.as_str() {
            "schemas" => {
                schemas_ok = value
                    .as_array()
                    .is_some_and(|a| a.iter().any(|u| u.as_str() == Some(SEARCH_REQUEST)));
            }
            "filter" => {
                let text = value
                    .as_str()
                    .ok_or_else(|| syntax("'filter' must be a string".into()))?;
                filter = Some(query::parse_filter(text)?);
            }
            "attributes" | "excludedAttributes" => {
                let list = value
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<Vec<String>>>()
                    })
                    .ok_or_else(|| syntax(format!("'{key}' must be an array of strings")))?;
                if key == "attributes" {
                    attributes = Some(list);
                } else {
                    excluded = Some(list);
                }
            }
            "startIndex" | "count" => {
                let n = value.as_i64().ok_or_else(|| {
                    err(
                        400,
                        Some(ScimType::InvalidValue),
                        format!("'{key}' must be an integer"),
                    )
                })?;
                if key == "startIndex" {
                    start = Some(n);
                } else {
                    count = Some(n);
                }
            }
            "sortBy" | "sortOrder" => {}
            other => return Err(syntax(format!("Unknown SearchRequest member '{other}'"))),
        }
    }
    if !schemas_ok {
        return Err(syntax(format!("'schemas' must contain '{SEARCH_REQUEST}'")));
    }
    Ok(ListParams {
        filter,
        start_index: query::start_index(start),
        count: query::count(count),
        projection: Projection::from_arrays(attributes.as_deref(), excluded.as_deref())?,
    })
}

#[cfg(test)]
mod tests {
    use ::http::HeaderValue;

    use super::*;

    #[test]
    fn weak_comparison_of_tags() {
        assert!(weak_eq("W/\"3\"", "W/\"3\""));
        assert!(weak_eq("\"3\"", "W/\"3\""));
        assert!(!weak_eq("W/\"4\"", "W/\"3\""));
        assert!(!weak_eq("3", "W/\"3\""));
        assert!(!weak_eq("W/\"", "W/\""));
    }

    #[test]
    fn preconditions_combine_lists_and_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(precondition(&h, IF_MATCH, "W/\"3\""), None);
        h.append(IF_MATCH, HeaderValue::from_static("W/\"1\", W/\"2\""));
        assert_eq!(precondition(&h, IF_MATCH, "W/\"3\""), Some(false));
        h.append(IF_MATCH, HeaderValue::from_static("\"3\""));
        assert_eq!(precondition(&h, IF_MATCH, "W/\"3\""), Some(true));
        let mut star = HeaderMap::new();
        star.insert(IF_MATCH, HeaderValue::from_static("*"));
        assert_eq!(precondition(&star, IF_MATCH, "W/\"9\""), Some(true));
    }

    #[test]
    fn assemble_orders_keys() {
        let v = assemble(
            json!({"userName": "a", "schemas": ["s"]}),
            "42",
            json!({"v": 1}),
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["schemas", "id", "userName", "meta"]);
    }
}
