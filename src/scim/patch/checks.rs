//! The checks a PATCH must pass besides value types: attribute mutability
//! and `required` (RFC 7643 §7, RFC 7644 §3.5.2), and the 400 errors of
//! RFC 7644 §3.12 the applier answers with.

use serde_json::{Map, Value};

use super::store::get_ci;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::schema::{AttrType, Attribute, Mutability};

/// A remove operation touches the attribute, or another operation does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// add or replace (or unassigning through `null`).
    Write,
    /// a remove operation touching the attribute.
    Remove,
}

pub(super) fn error(scim_type: ScimType, detail: String) -> ScimError {
    ScimError::new(400, Some(scim_type), detail)
}

pub(super) fn invalid_value(detail: String) -> ScimError {
    error(ScimType::InvalidValue, detail)
}

pub(super) fn invalid_path(detail: String) -> ScimError {
    error(ScimType::InvalidPath, detail)
}

pub(super) fn invalid_filter(detail: String) -> ScimError {
    error(ScimType::InvalidFilter, detail)
}

pub(super) fn mutability(detail: String) -> ScimError {
    error(ScimType::Mutability, detail)
}

pub(super) fn no_target(detail: String) -> ScimError {
    error(ScimType::NoTarget, detail)
}

/// RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has
/// mutability "readOnly" or "immutable". However, a client MAY "add" a
/// value to an "immutable" attribute if the attribute had no previous
/// value." Writing the value an attribute already has is not a
/// modification (OKTA-03 sends the resource's own `id`).
pub(super) fn check_attribute(
    attr: &Attribute,
    before: Option<&Value>,
    after: Option<&Value>,
    change: Change,
) -> Result<(), ScimError> {
    match attr.mutability {
        Mutability::ReadOnly if change == Change::Remove || before != after => {
            return Err(mutability(format!("\"{}\" is readOnly", attr.name)));
        }
        Mutability::Immutable => {
            let kept = match (before, after) {
                (None, _) => true,
                (Some(Value::Array(old)), Some(Value::Array(new))) if attr.multi_valued => {
                    old.iter().all(|v| new.contains(v))
                }
                (Some(old), new) => Some(old) == new,
            };
            if !kept {
                return Err(mutability(format!(
                    "\"{}\" is immutable and already has a value",
                    attr.name
                )));
            }
        }
        _ => {}
    }
    if attr.required && before.is_some() && after.is_none() {
        return Err(mutability(format!(
            "\"{}\" is required and cannot be unassigned",
            attr.name
        )));
    }
    if attr.ty == AttrType::Complex && !attr.multi_valued {
        check_record(
            attr,
            before.and_then(Value::as_object),
            after.and_then(Value::as_object),
        )?;
    }
    Ok(())
}

/// The sub-attribute rules for one complex value changed in place (or
/// created, `before = None`). A value removed as a whole (`after = None`)
/// is a removed record and always allowed.
pub(super) fn check_record(
    attr: &Attribute,
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> Result<(), ScimError> {
    let Some(after) = after else {
        return Ok(());
    };
    for sub in &attr.sub_attributes {
        let old = before
            .and_then(|o| get_ci(o, &sub.name))
            .filter(|v| !v.is_null());
        let new = get_ci(after, &sub.name).filter(|v| !v.is_null());
        let violation = match sub.mutability {
            Mutability::ReadOnly => old != new,
            Mutability::Immutable => old.is_some() && old != new,
            Mutability::ReadWrite | Mutability::WriteOnly => false,
        };
        if violation {
            let what = match sub.mutability {
                Mutability::ReadOnly => "readOnly",
                _ => "immutable",
            };
            return Err(mutability(format!(
                "\"{}.{}\" is {what}",
                attr.name, sub.name
            )));
        }
        if sub.required && old.is_some() && new.is_none() {
            return Err(mutability(format!(
                "\"{}.{}\" is required and cannot be unassigned",
                attr.name, sub.name
            )));
        }
    }
    Ok(())
}

/// New values of a multi-valued complex attribute may not set read-only
/// sub-attributes (immutable ones are set at record creation, RFC 7643 §7).
pub(super) fn new_records(attr: &Attribute, records: &[Value]) -> Result<(), ScimError> {
    if attr.ty != AttrType::Complex {
        return Ok(());
    }
    records
        .iter()
        .try_for_each(|r| check_record(attr, None, r.as_object()))
}
