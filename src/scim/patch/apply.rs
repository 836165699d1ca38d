//! Applying a PatchOp to a stored resource (RFC 7644 §3.5.2.1–3), checked
//! against the resource type's schemas (RFC 7643 §2, §7).
//!
//! Each operation is a read-modify-write of one top-level attribute: the
//! current value is read, the new one computed by a pure function, the pair
//! checked against the attribute's `mutability` and `required`
//! characteristics, and only then written back. The whole request works on a
//! copy, so a failing operation leaves the resource untouched (§3.5.2: "the
//! PATCH operation MUST be atomic").

use serde_json::{Map, Value};

use super::checks::{
    Change, check_attribute, check_record, invalid_filter, invalid_path, invalid_value, mutability,
    no_target,
};
use super::model::{Op, Operation, PatchRequest};
use super::store::{Slot, drop_schema, key_ci, read, remove_key, same_urn, set_key, write};
use super::values::{
    add_value, check_simple, complex_value, drop_empty, element, list_of, merge_into,
    replace_value, settle_primary,
};
use crate::scim::error::ScimError;
use crate::scim::filter::{AttrPath, Filter, PatchPath, matching_indices};
use crate::scim::schema::{AttrType, Attribute, ResourceType, Schema};

/// Applies `request` to `resource` (a stored SCIM resource of type `rt`).
///
/// Atomic: on error `resource` is left as it was. Returns whether the
/// resource changed, so that a no-op PATCH (a duplicate member, a remove that
/// matches nothing, a value set to what it already is) keeps the resource's
/// version. See the module documentation of [`super`] for every rule.
pub fn apply(
    resource: &mut Value,
    request: &PatchRequest,
    rt: &ResourceType,
) -> Result<bool, ScimError> {
    let mut work = resource.clone();
    let root = work
        .as_object_mut()
        .ok_or_else(|| ScimError::new(500, None, "the stored resource is not a JSON object"))?;
    for (i, operation) in request.operations.iter().enumerate() {
        apply_operation(root, operation, rt).map_err(|e| ScimError {
            detail: format!("Operations[{i}]: {}", e.detail),
            ..e
        })?;
    }
    if work == *resource {
        return Ok(false);
    }
    *resource = work;
    Ok(true)
}

fn apply_operation(
    root: &mut Map<String, Value>,
    operation: &Operation,
    rt: &ResourceType,
) -> Result<(), ScimError> {
    let op = operation.op;
    let value = match (op, operation.value.as_ref()) {
        // A leniently parsed remove may still carry a value (ENTRA-04); the
        // RFC gives it no meaning, and ignoring it would remove every member.
        (Op::Remove, Some(_)) => {
            return Err(invalid_value(
                "a remove operation carries no value (RFC 7644 §3.5.2.2)".into(),
            ));
        }
        (Op::Remove, None) => &Value::Null,
        (Op::Add, None | Some(Value::Null)) | (Op::Replace, None) => {
            return Err(invalid_value(format!(
                "a {} operation needs a value",
                op.as_str()
            )));
        }
        (_, Some(value)) => value,
    };
    let Some(path) = &operation.path else {
        return match op {
            Op::Remove => Err(no_target(
                "a remove operation needs a path (RFC 7644 §3.5.2.2)".into(),
            )),
            Op::Add | Op::Replace => write_resource(root, rt, op, value),
        };
    };
    if path.filter.is_none()
        && path.sub.is_none()
        && let Some(extension) = rt.extension_by_path(&path.attr)
    {
        // `replace` with `null` unassigns, here the whole extension.
        let op = if value.is_null() { Op::Remove } else { op };
        return extension_op(root, rt, extension, op, value);
    }
    let target = resolve(rt, path)?;
    target_op(root, rt, &target, op, value)
}

/// What a path resolved to.
struct Target<'a> {
    slot: Slot<'a>,
    /// The multi-valued attribute as a filter's parent path.
    parent: AttrPath,
    filter: Option<&'a Filter>,
    /// The sub-attribute of `attr.sub` or `attr[filter].sub`.
    sub: Option<&'a Attribute>,
}

fn resolve<'a>(rt: &'a ResourceType, path: &'a PatchPath) -> Result<Target<'a>, ScimError> {
    let at = &path.attr;
    if at.urn.is_none() && at.name.eq_ignore_ascii_case("schemas") {
        return Err(mutability(
            "\"schemas\" is maintained by the service provider from the extensions present".into(),
        ));
    }
    let (schema, attr) = rt
        .top_attribute(at.urn.as_deref(), &at.name)
        .ok_or_else(|| invalid_path(format!("\"{at}\" is not an attribute of {}", rt.name)))?;
    let extension = (!same_urn(&schema.id, &rt.schema.id)).then_some(schema.id.as_str());
    if let (Some(id), None) = (extension, &at.urn) {
        // RFC 7644 §3.10: extension attributes are named with their schema
        // URN; a bare name resolves against the core schema only.
        return Err(invalid_path(format!(
            "\"{}\" is an attribute of the extension {id}: qualify it as \"{id}:{}\"",
            at.name, attr.name
        )));
    }
    let sub_name = match (&at.sub, &path.sub, &path.filter) {
        (Some(_), _, Some(_)) | (Some(_), Some(_), None) => {
            return Err(invalid_path(format!(
                "\"{path}\" is not a valid PATCH path"
            )));
        }
        (Some(sub), None, None) | (None, Some(sub), _) => Some(sub),
        (None, None, _) => None,
    };
    let sub = match sub_name {
        None => None,
        Some(name) => {
            if attr.ty != AttrType::Complex {
                return Err(invalid_path(format!(
                    "\"{}\" has no sub-attributes, so \"{path}\" names nothing",
                    attr.name
                )));
            }
            Some(attr.sub(name).ok_or_else(|| {
                invalid_path(format!(
                    "\"{name}\" is not a sub-attribute of \"{}\"",
                    attr.name
                ))
            })?)
        }
    };
    if let Some(filter) = &path.filter {
        if !attr.multi_valued {
            return Err(invalid_filter(format!(
                "\"{}\" is single-valued: a value filter selects values of a \
                 multi-valued attribute (RFC 7644 §3.5.2)",
                attr.name
            )));
        }
        check_filter(attr, filter)?;
    }
    Ok(Target {
        slot: Slot { extension, attr },
        parent: AttrPath {
            urn: extension.map(str::to_owned),
            name: attr.name.clone(),
            sub: None,
        },
        filter: path.filter.as_ref(),
        sub,
    })
}

/// A value filter may only name sub-attributes of the filtered attribute
/// (or `value` for a multi-valued simple attribute), RFC 7644 §3.4.2.2.
fn check_filter(attr: &Attribute, filter: &Filter) -> Result<(), ScimError> {
    match filter {
        Filter::Present(path) | Filter::Compare(path, _, _) => {
            let known = path.urn.is_none()
                && path.sub.is_none()
                && match attr.ty {
                    AttrType::Complex => attr.sub(&path.name).is_some(),
                    _ => path.name.eq_ignore_ascii_case("value"),
                };
            if known {
                Ok(())
            } else {
                Err(invalid_filter(format!(
                    "\"{path}\" is not a sub-attribute of \"{}\"",
                    attr.name
                )))
            }
        }
        Filter::Not(inner) => check_filter(attr, inner),
        Filter::And(left, right) | Filter::Or(left, right) => {
            check_filter(attr, left)?;
            check_filter(attr, right)
        }
        Filter::ValuePath(..) => Err(invalid_filter(
            "a value filter cannot nest another value filter".into(),
        )),
    }
}

fn target_op(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    target: &Target<'_>,
    op: Op,
    value: &Value,
) -> Result<(), ScimError> {
    let slot = target.slot;
    let attr = slot.attr;
    match (target.filter, target.sub) {
        (None, None) => match op {
            Op::Add => update(root, rt, slot, Change::Write, |before| {
                add_value(attr, before, value)
            }),
            Op::Replace => update(root, rt, slot, Change::Write, |before| {
                replace_value(attr, before, value)
            }),
            Op::Remove => {
                // RFC 7644 §3.5.2.2 / RFC 7643 §7: a required attribute
                // cannot be unassigned.
                if attr.required {
                    return Err(mutability(format!(
                        "\"{}\" is required and cannot be removed",
                        attr.name
                    )));
                }
                update(root, rt, slot, Change::Remove, |_| Ok(None))
            }
        },
        (None, Some(sub)) if !attr.multi_valued => {
            let change = change_of(op);
            update(root, rt, slot, change, |before| {
                let mut object = before
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                set_sub(&mut object, sub, op, value)?;
                Ok(Some(Value::Object(object)))
            })
        }
        (None, Some(sub)) => update(root, rt, slot, change_of(op), |before| {
            if op != Op::Remove && !value.is_null() {
                check_simple(sub, value)?;
            }
            let mut list = list_of(before);
            for element in &mut list {
                let old = element.clone();
                if let Value::Object(object) = element {
                    set_sub(object, sub, op, value)?;
                }
                check_record(attr, old.as_object(), element.as_object())?;
            }
            if op != Op::Remove {
                let all: Vec<usize> = (0..list.len()).collect();
                settle_primary(attr, &mut list, &all)?;
            }
            Ok(Some(Value::Array(drop_empty(list))))
        }),
        (Some(filter), sub) => update(root, rt, slot, change_of(op), |before| {
            let mut list = list_of(before);
            let matched = matching_indices(filter, &list, &target.parent, rt);
            filtered(attr, &mut list, &matched, sub, op, value)?;
            Ok(Some(Value::Array(drop_empty(list))))
        }),
    }
}

fn change_of(op: Op) -> Change {
    match op {
        Op::Remove => Change::Remove,
        Op::Add | Op::Replace => Change::Write,
    }
}

/// `attr[filter]` and `attr[filter].sub` on the elements `matched`.
fn filtered(
    attr: &Attribute,
    list: &mut Vec<Value>,
    matched: &[usize],
    sub: Option<&Attribute>,
    op: Op,
    value: &Value,
) -> Result<(), ScimError> {
    if op == Op::Remove && sub.is_none() {
        // §3.5.2.2: the matching values are removed; none matching is not
        // an error (a retried member removal must succeed, ENTRA-15).
        let mut i = 0;
        list.retain(|_| {
            let keep = !matched.contains(&i);
            i += 1;
            keep
        });
        return Ok(());
    }
    if matched.is_empty() && op != Op::Remove {
        // §3.5.2.3: "If the target location is a multi-valued attribute for
        // which a value selection filter ("valuePath") has been supplied and
        // no record match was made, the service provider SHALL indicate
        // failure by returning HTTP status code 400 and a "scimType" error
        // code of "noTarget"." (ENTRA-07)
        return Err(no_target(format!(
            "no value of \"{}\" matches the filter",
            attr.name
        )));
    }
    // What each matching element becomes.
    let whole = match (sub, op) {
        (None, Op::Replace) => Some(element(attr, value)?),
        (None, Op::Add) if attr.ty != AttrType::Complex => Some(element(attr, value)?),
        _ => None,
    };
    let merge = match (sub, op, attr.ty) {
        (None, Op::Add, AttrType::Complex) => Some(complex_value(attr, value)?),
        _ => None,
    };
    for &i in matched {
        let Some(slot) = list.get_mut(i) else {
            continue;
        };
        let old = slot.clone();
        if let Some(whole) = &whole {
            *slot = whole.clone();
        } else if let Some(merge) = &merge {
            if let Value::Object(object) = slot {
                merge_into(object, merge);
            }
        } else if let (Some(sub), Value::Object(object)) = (sub, &mut *slot) {
            set_sub(object, sub, op, value)?;
        }
        if attr.ty == AttrType::Complex {
            check_record(attr, old.as_object(), slot.as_object())?;
        }
    }
    if op != Op::Remove {
        settle_primary(attr, list, matched)?;
    }
    Ok(())
}

/// Sets (add, replace) or removes one sub-attribute of a complex value; a
/// `null` value unassigns it (RFC 7643 §2.5).
fn set_sub(
    object: &mut Map<String, Value>,
    sub: &Attribute,
    op: Op,
    value: &Value,
) -> Result<(), ScimError> {
    if op == Op::Remove || value.is_null() {
        remove_key(object, &sub.name);
    } else {
        check_simple(sub, value)?;
        set_key(object, &sub.name, value.clone());
    }
    Ok(())
}

/// Path-less add / replace: `value` is a partial resource (RFC 7644
/// §3.5.2.1, §3.5.2.3): core attribute names, extension objects keyed by
/// their schema URN, and optionally `schemas`.
fn write_resource(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    op: Op,
    value: &Value,
) -> Result<(), ScimError> {
    let object = value.as_object().ok_or_else(|| {
        invalid_value("without a path, the value must be an object of attributes".into())
    })?;
    for (key, member) in object {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas_member(rt, member)?;
            continue;
        }
        if let Some(extension) = rt.extension(key) {
            if member.is_null() {
                extension_op(root, rt, extension, Op::Remove, member)?;
            } else {
                extension_op(root, rt, extension, op, member)?;
            }
            continue;
        }
        let Some((_, attr)) = rt.top_attribute(Some(&rt.schema.id), key) else {
            return Err(invalid_value(unknown_member(rt, key)));
        };
        let slot = Slot {
            extension: None,
            attr,
        };
        set_attribute(root, rt, slot, op, member)?;
    }
    Ok(())
}

fn unknown_member(rt: &ResourceType, key: &str) -> String {
    let hint = if key.contains(':') {
        "; an extension attribute goes inside the object keyed by its schema URN"
    } else if key.contains('.') {
        "; a sub-attribute goes inside the complex attribute's object"
    } else {
        ""
    };
    format!(
        "\"{key}\" is not an attribute of {} (RFC 7644 §3.5.2.1){hint}",
        rt.name
    )
}

/// A `schemas` member in a path-less value may only list the resource
/// type's schemas; the applier keeps `schemas` in step with the extension
/// objects itself, so the list is otherwise ignored.
fn check_schemas_member(rt: &ResourceType, member: &Value) -> Result<(), ScimError> {
    let known = member.as_array().is_some_and(|list| {
        list.iter()
            .all(|u| u.as_str().is_some_and(|u| rt.schema_for_urn(u).is_some()))
    });
    if known {
        Ok(())
    } else {
        Err(invalid_value(format!(
            "\"schemas\" may only list the schemas of {}",
            rt.name
        )))
    }
}

/// Operations on a whole extension object (path = the extension's URN, or
/// its key in a path-less value).
fn extension_op(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    extension: &Schema,
    op: Op,
    value: &Value,
) -> Result<(), ScimError> {
    if op == Op::Remove {
        let required = rt
            .extensions
            .iter()
            .any(|(s, required)| *required && same_urn(&s.id, &extension.id));
        if required {
            return Err(mutability(format!(
                "the extension {} is required by {}",
                extension.id, rt.name
            )));
        }
        for attr in &extension.attributes {
            let slot = Slot {
                extension: Some(&extension.id),
                attr,
            };
            update(root, rt, slot, Change::Write, |_| Ok(None))?;
        }
        if let Some(key) = key_ci(root, &extension.id) {
            root.shift_remove(&key);
            drop_schema(root, &extension.id);
        }
        return Ok(());
    }
    let object = value.as_object().ok_or_else(|| {
        invalid_value(format!(
            "the value for the extension {} must be an object",
            extension.id
        ))
    })?;
    for (key, member) in object {
        let attr = extension.attribute(key).ok_or_else(|| {
            invalid_value(format!(
                "\"{key}\" is not an attribute of the extension {}",
                extension.id
            ))
        })?;
        let slot = Slot {
            extension: Some(&extension.id),
            attr,
        };
        set_attribute(root, rt, slot, op, member)?;
    }
    Ok(())
}

/// One member of a path-less or extension value; `null` unassigns.
fn set_attribute(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    slot: Slot<'_>,
    op: Op,
    member: &Value,
) -> Result<(), ScimError> {
    let attr = slot.attr;
    update(root, rt, slot, Change::Write, |before| match op {
        _ if member.is_null() => Ok(None),
        Op::Add => add_value(attr, before, member),
        Op::Replace | Op::Remove => replace_value(attr, before, member),
    })
}

/// Reads the attribute, computes its new value, checks the change and
/// writes it back. Empty arrays and objects are unassigned (RFC 7643 §2.5).
fn update(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    slot: Slot<'_>,
    change: Change,
    compute: impl FnOnce(Option<&Value>) -> Result<Option<Value>, ScimError>,
) -> Result<(), ScimError> {
    let before = read(root, slot).cloned();
    let after = compute(before.as_ref())?.filter(|v| match v {
        Value::Array(items) => !items.is_empty(),
        Value::Object(object) => !object.is_empty(),
        Value::Null => false,
        _ => true,
    });
    check_attribute(slot.attr, before.as_ref(), after.as_ref(), change)?;
    if before != after {
        write(root, rt, slot, after);
    }
    Ok(())
}
