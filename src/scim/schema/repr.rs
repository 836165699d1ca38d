//! JSON representations of schemas (RFC 7643 §7, §8.7.1) and resource types
//! (RFC 7643 §6, §8.7.2), and reading them back, so that a backend's own
//! `/Schemas` and `/ResourceTypes` can describe what it accepts.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::model::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Uniqueness};
use super::validate::get_ci;

/// The schema of schema representations (RFC 7643 §7).
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The schema of resource type representations (RFC 7643 §6).
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

pub(super) fn schema_json(schema: &Schema) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("/Schemas/{}", schema.id),
        },
    })
}

/// One attribute definition with all its characteristics. Complex
/// attributes carry no `caseExact` or `uniqueness` (RFC 7643 §2.3.8,
/// erratum 6004); `referenceTypes` appears on references, `canonicalValues`
/// when there are some, `subAttributes` on complex attributes.
fn attribute_json(attr: &Attribute) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, value: Value| {
        map.insert(key.to_owned(), value);
    };
    put("name", attr.name.clone().into());
    put("type", attr.ty.as_str().into());
    put("multiValued", attr.multi_valued.into());
    put("description", attr.description.clone().into());
    put("required", attr.required.into());
    if attr.ty != AttrType::Complex {
        put("caseExact", attr.case_exact.into());
    }
    if !attr.canonical_values.is_empty() {
        put("canonicalValues", attr.canonical_values.clone().into());
    }
    put("mutability", attr.mutability.as_str().into());
    put("returned", attr.returned.as_str().into());
    if attr.ty != AttrType::Complex {
        put("uniqueness", attr.uniqueness.as_str().into());
    }
    if attr.ty == AttrType::Reference || !attr.reference_types.is_empty() {
        put("referenceTypes", attr.reference_types.clone().into());
    }
    if attr.ty == AttrType::Complex || !attr.sub_attributes.is_empty() {
        let subs: Vec<Value> = attr.sub_attributes.iter().map(attribute_json).collect();
        put("subAttributes", subs.into());
    }
    Value::Object(map)
}

pub(super) fn resource_type_json(rt: &ResourceType) -> Value {
    let mut value = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": rt.name,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.schema.description,
        "schema": rt.schema.id,
    });
    if let Some(map) = value.as_object_mut() {
        if !rt.extensions.is_empty() {
            let extensions: Vec<Value> = rt
                .extensions
                .iter()
                .map(|(s, required)| json!({ "schema": s.id, "required": required }))
                .collect();
            map.insert("schemaExtensions".into(), extensions.into());
        }
        map.insert(
            "meta".into(),
            json!({
                "resourceType": "ResourceType",
                "location": format!("/ResourceTypes/{}", rt.name),
            }),
        );
    }
    value
}

/// Reads an optional string member.
fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'a str>, String> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{at}{key}: expected a string, found {other}")),
    }
}

/// Reads an optional boolean member (absent means `false`, RFC 7643 §2.2).
fn opt_bool(obj: &Map<String, Value>, key: &str, at: &str) -> Result<bool, String> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("{at}{key}: expected true or false, found {other}")),
    }
}

/// Reads an optional keyword member with its parser and default.
fn opt_keyword<T>(
    obj: &Map<String, Value>,
    key: &str,
    at: &str,
    parse: fn(&str) -> Option<T>,
    default: T,
) -> Result<T, String> {
    match opt_str(obj, key, at)? {
        None => Ok(default),
        Some(word) => parse(word).ok_or_else(|| format!("{at}{key}: unknown value \"{word}\"")),
    }
}

/// Reads an optional array of scalars as strings.
fn opt_strings(obj: &Map<String, Value>, key: &str, at: &str) -> Result<Vec<String>, String> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(_) | Value::Bool(_) => Ok(item.to_string()),
                other => Err(format!("{at}{key}[{i}]: expected a string, found {other}")),
            })
            .collect(),
        Some(other) => Err(format!("{at}{key}: expected an array, found {other}")),
    }
}

pub(super) fn schema_from_json(value: &Value) -> Result<Schema, String> {
    let obj = value
        .as_object()
        .ok_or("a schema representation must be a JSON object")?;
    let id = opt_str(obj, "id", "")?.ok_or("id: a schema needs its URN as \"id\"")?;
    let attributes = match get_ci(obj, "attributes") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| attribute_from_json(item, &format!("attributes[{i}]"), true))
            .collect::<Result<Vec<_>, _>>()?,
        None | Some(Value::Null) => return Err("attributes: missing".to_owned()),
        Some(other) => return Err(format!("attributes: expected an array, found {other}")),
    };
    Ok(Schema {
        id: id.to_owned(),
        name: opt_str(obj, "name", "")?.unwrap_or_default().to_owned(),
        description: opt_str(obj, "description", "")?
            .unwrap_or_default()
            .to_owned(),
        attributes,
    })
}

fn attribute_from_json(value: &Value, path: &str, top: bool) -> Result<Attribute, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("{path}: expected an attribute definition object"))?;
    let at = format!("{path}.");
    let name = opt_str(obj, "name", &at)?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("{at}name: missing"))?;
    let ty = opt_keyword(obj, "type", &at, AttrType::parse, AttrType::String)?;
    let sub_attributes = match get_ci(obj, "subAttributes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(_)) if !top => {
            return Err(format!(
                "{at}subAttributes: a sub-attribute cannot have sub-attributes (RFC 7643 §2.3.8)"
            ));
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| attribute_from_json(item, &format!("{at}subAttributes[{i}]"), false))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(format!(
                "{at}subAttributes: expected an array, found {other}"
            ));
        }
    };
    if ty == AttrType::Complex && !top {
        return Err(format!(
            "{at}type: a sub-attribute cannot be complex (RFC 7643 §2.3.8)"
        ));
    }
    if ty != AttrType::Complex && !sub_attributes.is_empty() {
        return Err(format!(
            "{at}subAttributes: only a complex attribute has sub-attributes (RFC 7643 §2.3.8)"
        ));
    }
    Ok(Attribute {
        name: name.to_owned(),
        ty,
        multi_valued: opt_bool(obj, "multiValued", &at)?,
        required: opt_bool(obj, "required", &at)?,
        case_exact: opt_bool(obj, "caseExact", &at)?,
        mutability: opt_keyword(
            obj,
            "mutability",
            &at,
            Mutability::parse,
            Mutability::ReadWrite,
        )?,
        returned: opt_keyword(obj, "returned", &at, Returned::parse, Returned::Default)?,
        uniqueness: opt_keyword(obj, "uniqueness", &at, Uniqueness::parse, Uniqueness::None)?,
        canonical_values: opt_strings(obj, "canonicalValues", &at)?,
        reference_types: opt_strings(obj, "referenceTypes", &at)?,
        description: opt_str(obj, "description", &at)?
            .unwrap_or_default()
            .to_owned(),
        sub_attributes,
    })
}

impl ResourceType {
    /// Reads a resource type representation (RFC 7643 §6), taking its core
    /// schema and extensions from `schemas` by URN (case-insensitive). The
    /// error names the missing field or unknown schema.
    pub fn from_json(value: &Value, schemas: &[Arc<Schema>]) -> Result<ResourceType, String> {
        let obj = value
            .as_object()
            .ok_or("a resource type representation must be a JSON object")?;
        let find = |urn: &str, at: &str| {
            schemas
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(urn))
                .cloned()
                .ok_or_else(|| format!("{at}: unknown schema \"{urn}\""))
        };
        let name = opt_str(obj, "name", "")?.ok_or("name: missing")?;
        let endpoint = opt_str(obj, "endpoint", "")?.ok_or("endpoint: missing")?;
        let schema_urn = opt_str(obj, "schema", "")?.ok_or("schema: missing")?;
        let schema = find(schema_urn, "schema")?;
        let extensions = match get_ci(obj, "schemaExtensions") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = format!("schemaExtensions[{i}].");
                    let ext = item
                        .as_object()
                        .ok_or_else(|| format!("schemaExtensions[{i}]: expected an object"))?;
                    let urn = opt_str(ext, "schema", &at)?
                        .ok_or_else(|| format!("{at}schema: missing"))?;
                    Ok((
                        find(urn, &format!("{at}schema"))?,
                        opt_bool(ext, "required", &at)?,
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?,
            Some(other) => {
                return Err(format!(
                    "schemaExtensions: expected an array, found {other}"
                ));
            }
        };
        Ok(ResourceType {
            name: name.to_owned(),
            endpoint: endpoint.to_owned(),
            schema,
            extensions,
        })
    }
}
