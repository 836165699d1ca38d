//! The discovery endpoints of RFC 7644 §4: `/ServiceProviderConfig`
//! (RFC 7643 §5), `/Schemas` (RFC 7643 §7) and `/ResourceTypes` (RFC 7643 §6).

use ::http::StatusCode;
use serde_json::{Map, Value, json};

use super::query::MAX_RESULTS;
use super::reply::{self, err};
use super::routes::{Ctx, Route, is_basic};
use super::{Backend, BackendResponse, Kind};

const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

impl Backend {
    /// GET on a discovery endpoint. "If a "filter" is provided, the service
    /// provider SHOULD respond with HTTP status code 403 (Forbidden)"; other
    /// query parameters (paging, sorting) are ignored (RFC 7644 §4).
    /// scim2-server does the same.
    pub(super) fn discovery(&self, ctx: &Ctx<'_>, route: &Route) -> BackendResponse {
        if ctx.query.get("filter").is_some() {
            return reply::error(&err(
                403,
                None,
                "Discovery endpoints do not support filtering",
            ));
        }
        match route {
            Route::ServiceProviderConfig => {
                reply::json(StatusCode::OK, self.service_provider_config(ctx))
            }
            Route::Schemas => {
                let all = self.schemas(ctx);
                reply::json(StatusCode::OK, reply::list_response(all.len(), 1, all))
            }
            Route::Schema(id) => match self.schemas(ctx).into_iter().find(|s| {
                s.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|sid| sid.eq_ignore_ascii_case(id))
            }) {
                Some(schema) => reply::json(StatusCode::OK, schema),
                None => reply::not_found(format!("Schema '{id}' not found")),
            },
            Route::ResourceTypes => {
                let all = self.resource_types(ctx);
                reply::json(StatusCode::OK, reply::list_response(all.len(), 1, all))
            }
            Route::ResourceType(name) => match self.resource_types(ctx).into_iter().find(|rt| {
                rt.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            }) {
                Some(rt) => reply::json(StatusCode::OK, rt),
                None => reply::not_found(format!("Resource type '{name}' not found")),
            },
            _ => reply::not_found("Not a discovery endpoint"),
        }
    }

    /// The resource types this profile serves.
    pub(super) fn kinds(&self) -> Vec<Kind> {
        if self.profile.groups {
            vec![Kind::User, Kind::Group]
        } else {
            vec![Kind::User]
        }
    }

    /// RFC 7643 §5. Bulk, sorting and password change are not offered; ETags
    /// are; PATCH follows the profile. `authenticationSchemes` names the
    /// scheme of the configured token (empty when no token is required).
    fn service_provider_config(&self, ctx: &Ctx<'_>) -> Value {
        let schemes: Vec<Value> = match self.profile.token.as_deref() {
            None => Vec::new(),
            Some(t) if is_basic(t) => vec![json!({
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "Authentication with the HTTP Basic scheme",
                "specUri": "https://www.rfc-editor.org/rfc/rfc7617",
                "primary": true,
            })],
            Some(_) => vec![json!({
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": true,
            })],
        };
        json!({
            "schemas": [SPC_URN],
            "patch": {"supported": self.profile.patch},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": schemes,
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": ctx.url("/ServiceProviderConfig"),
            },
        })
    }

    /// Every schema used by the served resource types, each once, with `meta`.
    fn schemas(&self, ctx: &Ctx<'_>) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for kind in self.kinds() {
            let rt = self.resource_type(kind);
            let schemas = std::iter::once(rt.schema.as_ref())
                .chain(rt.extensions.iter().map(|(s, _)| s.as_ref()));
            for schema in schemas {
                let already = out
                    .iter()
                    .any(|s| s.get("id").and_then(Value::as_str) == Some(schema.id.as_str()));
                if already {
                    continue;
                }
                let location = ctx.url(&format!("/Schemas/{}", schema.id));
                out.push(with_meta(schema.to_json(), SCHEMA_URN, "Schema", &location));
            }
        }
        out
    }

    fn resource_types(&self, ctx: &Ctx<'_>) -> Vec<Value> {
        self.kinds()
            .into_iter()
            .map(|kind| {
                let rt = self.resource_type(kind);
                let location = ctx.url(&format!("/ResourceTypes/{}", rt.name));
                with_meta(rt.to_json(), RESOURCE_TYPE_URN, "ResourceType", &location)
            })
            .collect()
    }
}

/// Makes sure a discovery document carries `schemas` and an `id`-independent
/// `meta` with this server's `location`.
fn with_meta(doc: Value, schema_urn: &str, resource_type: &str, location: &str) -> Value {
    let mut map = match doc {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if !map.contains_key("schemas") {
        let mut rebuilt = Map::new();
        rebuilt.insert("schemas".into(), json!([schema_urn]));
        rebuilt.extend(map);
        map = rebuilt;
    }
    map.insert(
        "meta".into(),
        json!({"resourceType": resource_type, "location": location}),
    );
    Value::Object(map)
}
