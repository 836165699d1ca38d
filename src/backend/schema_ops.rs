//! What the backend does with schemas beyond validation: prepare input
//! (RFC 7643 §7 `mutability`), enforce `uniqueness` (RFC 7644 §3.3), check the
//! attributes a filter names (RFC 7644 §3.4.2.2), and apply PATCH.

use serde_json::Value;

use super::reply::err;
use super::store::Collection;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{AttrPath, Filter};
use crate::scim::patch::{PatchRequest, Strictness, apply};
use crate::scim::schema::{AttrType, Mutability, ResourceType, Returned, Uniqueness};

/// Brings a POST / PUT body into the stored form: the schema's spelling of
/// names ([`ResourceType::canonicalize`], which also drops read-only
/// attributes such as `User.groups`), without `id` and `meta`, which the
/// server assigns: "any values provided SHALL be ignored" (RFC 7644 §3.5.1,
/// RFC 7643 §7 `readOnly`). scim2-server ignores them too.
pub(super) fn prepare_input(rt: &ResourceType, resource: &mut Value) {
    rt.canonicalize(resource);
    if let Some(map) = resource.as_object_mut() {
        map.retain(|key, _| !key.eq_ignore_ascii_case("id") && !key.eq_ignore_ascii_case("meta"));
    }
}

/// Checks `candidate` against the other stored resources for every
/// single-valued string attribute declared `uniqueness: server` or `global`
/// (RFC 7643 §7), comparing case-insensitively unless the attribute is
/// `caseExact` (so `ALICE` and `alice` clash as `userName`s, as in
/// scim2-server). A clash is 409 uniqueness (RFC 7644 §3.3, §3.5.1).
pub(super) fn check_unique(
    rt: &ResourceType,
    existing: &Collection,
    candidate: &Value,
    except_id: Option<&str>,
) -> Result<(), ScimError> {
    let scopes = std::iter::once((None, rt.schema.as_ref())).chain(
        rt.extensions
            .iter()
            .map(|(s, _)| (Some(s.id.as_str()), s.as_ref())),
    );
    for (urn, schema) in scopes {
        for attr in &schema.attributes {
            let unique = attr.uniqueness != Uniqueness::None
                && attr.mutability != Mutability::ReadOnly
                && attr.ty == AttrType::String
                && !attr.multi_valued;
            if !unique {
                continue;
            }
            let Some(wanted) = lookup(candidate, urn, &attr.name).and_then(Value::as_str) else {
                continue;
            };
            let clash = existing.entries().any(|(id, other)| {
                Some(id) != except_id
                    && lookup(other, urn, &attr.name)
                        .and_then(Value::as_str)
                        .is_some_and(|have| same(attr.case_exact, have, wanted))
            });
            if clash {
                return Err(err(
                    409,
                    Some(ScimType::Uniqueness),
                    format!("The value of '{}' is already in use", attr.name),
                ));
            }
        }
    }
    Ok(())
}

fn same(case_exact: bool, a: &str, b: &str) -> bool {
    if case_exact {
        a == b
    } else {
        a == b || a.to_lowercase() == b.to_lowercase()
    }
}

/// The value of attribute `name` (case-insensitive key), inside the extension
/// object `urn` when given.
fn lookup<'a>(resource: &'a Value, urn: Option<&str>, name: &str) -> Option<&'a Value> {
    let map = resource.as_object()?;
    let map = match urn {
        None => map,
        Some(urn) => map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(urn))
            .and_then(|(_, v)| v.as_object())?,
    };
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Checks that every attribute a filter names is defined for the resource
/// type. An unknown attribute is 400 invalidFilter ("the specified attribute
/// and filter comparison combination is not supported", RFC 7644 §3.12,
/// Table 9), as scim2-server answers ("Field not found"). A never-returned
/// attribute (`password`, RFC 7643 §7 `returned: never`) may not be filtered
/// on either, so a filter cannot probe secrets; scim2-server allows it.
pub(super) fn check_filter(rt: &ResourceType, filter: &Filter) -> Result<(), ScimError> {
    match filter {
        Filter::Present(path) | Filter::Compare(path, _, _) => check_path(rt, path),
        Filter::Not(inner) => check_filter(rt, inner),
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_filter(rt, a)?;
            check_filter(rt, b)
        }
        Filter::ValuePath(parent, inner) => {
            check_path(rt, parent)?;
            check_value_filter(rt, parent, inner)
        }
    }
}

/// The inner filter of `parent[...]`: its paths name sub-attributes.
fn check_value_filter(
    rt: &ResourceType,
    parent: &AttrPath,
    filter: &Filter,
) -> Result<(), ScimError> {
    match filter {
        Filter::Present(path) | Filter::Compare(path, _, _) => {
            if path.sub.is_some() || path.urn.is_some() {
                return Err(unknown_in_filter(path));
            }
            let full = AttrPath {
                urn: parent.urn.clone(),
                name: parent.name.clone(),
                sub: Some(path.name.clone()),
            };
            check_path(rt, &full)
        }
        Filter::Not(inner) => check_value_filter(rt, parent, inner),
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_value_filter(rt, parent, a)?;
            check_value_filter(rt, parent, b)
        }
        Filter::ValuePath(path, _) => Err(unknown_in_filter(path)),
    }
}

fn check_path(rt: &ResourceType, path: &AttrPath) -> Result<(), ScimError> {
    match rt.attribute(path) {
        Some((_, attr)) if attr.returned == Returned::Never => Err(err(
            400,
            Some(ScimType::InvalidFilter),
            format!("Attribute '{}' cannot be filtered on", attr.name),
        )),
        Some(_) => Ok(()),
        None => Err(unknown_in_filter(path)),
    }
}

fn unknown_in_filter(path: &AttrPath) -> ScimError {
    let mut name = path.name.clone();
    if let Some(sub) = &path.sub {
        name = format!("{name}.{sub}");
    }
    err(
        400,
        Some(ScimType::InvalidFilter),
        format!("Unknown attribute in filter: '{name}'"),
    )
}

/// Parses a PatchOp body strictly and applies it atomically to `resource`
/// (RFC 7644 §3.5.2). Returns whether anything changed.
pub(super) fn apply_patch(
    rt: &ResourceType,
    resource: &mut Value,
    body: &Value,
) -> Result<bool, ScimError> {
    let request = PatchRequest::from_json(body, Strictness::Strict)?;
    apply(resource, &request, rt)
}
