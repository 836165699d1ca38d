//! The values a PATCH writes: their shape and JSON type per the schema
//! (RFC 7643 §2.3, §2.4), add and replace of whole attributes (RFC 7644
//! §3.5.2.1, §3.5.2.3), and the `primary` rule.

use serde_json::{Map, Value};

use super::checks::{invalid_value, new_records};
use super::store::{get_ci, remove_key, set_key};
use crate::scim::error::ScimError;
use crate::scim::schema::{AttrType, Attribute};

/// §3.5.2.1 add: a single-valued attribute is set (complex: sub-attributes
/// merged); a multi-valued one gains the values it does not hold yet.
pub(super) fn add_value(
    attr: &Attribute,
    before: Option<&Value>,
    value: &Value,
) -> Result<Option<Value>, ScimError> {
    if !attr.multi_valued {
        return single_value(attr, before, value);
    }
    let mut list = list_of(before);
    let start = list.len();
    for incoming in elements(attr, value)? {
        if !list.contains(&incoming) {
            list.push(incoming);
        }
    }
    let added: Vec<usize> = (start..list.len()).collect();
    new_records(attr, list.get(start..).unwrap_or(&[]))?;
    settle_primary(attr, &mut list, &added)?;
    Ok(Some(Value::Array(list)))
}

/// §3.5.2.3 replace: a multi-valued attribute gets exactly the given values;
/// a single-valued one is set (complex: sub-attributes merged, "sub-
/// attributes that are not specified in the value parameter are left
/// unchanged"). `null` unassigns.
pub(super) fn replace_value(
    attr: &Attribute,
    before: Option<&Value>,
    value: &Value,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !attr.multi_valued {
        return single_value(attr, before, value);
    }
    let mut list: Vec<Value> = Vec::new();
    for incoming in elements(attr, value)? {
        if !list.contains(&incoming) {
            list.push(incoming);
        }
    }
    new_records(attr, &list)?;
    let all: Vec<usize> = (0..list.len()).collect();
    settle_primary(attr, &mut list, &all)?;
    Ok(Some(Value::Array(list)))
}

pub(super) fn single_value(
    attr: &Attribute,
    before: Option<&Value>,
    value: &Value,
) -> Result<Option<Value>, ScimError> {
    if attr.ty != AttrType::Complex {
        check_simple(attr, value)?;
        return Ok(Some(value.clone()));
    }
    let incoming = complex_value(attr, value)?;
    let mut object = before
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    merge_into(&mut object, &incoming);
    Ok(Some(Value::Object(object)))
}

/// The values given for a multi-valued attribute: an array, or one value
/// (accepted as a one-element array, as scim2-server does).
pub(super) fn elements(attr: &Attribute, value: &Value) -> Result<Vec<Value>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let element = element(attr, item)?;
        if element.as_object().is_none_or(|o| !o.is_empty()) {
            out.push(element);
        }
    }
    Ok(out)
}

/// One value of a multi-valued attribute, checked and with canonical
/// sub-attribute names; `null` members are dropped.
pub(super) fn element(attr: &Attribute, value: &Value) -> Result<Value, ScimError> {
    if value.is_null() || value.is_array() {
        return Err(invalid_value(format!(
            "each value of \"{}\" must be a single {}",
            attr.name,
            type_name(attr.ty)
        )));
    }
    if attr.ty != AttrType::Complex {
        check_type(attr, value)?;
        return Ok(value.clone());
    }
    let mut object = complex_value(attr, value)?;
    object.retain(|_, v| !v.is_null());
    Ok(Value::Object(object))
}

/// A complex value: an object whose members are sub-attributes of `attr`
/// (case-insensitive, renamed to the schema's spelling) of the right type.
/// `null` members are kept: merging them unassigns.
pub(super) fn complex_value(
    attr: &Attribute,
    value: &Value,
) -> Result<Map<String, Value>, ScimError> {
    let object = value.as_object().ok_or_else(|| {
        invalid_value(format!(
            "\"{}\" is complex: its value must be an object",
            attr.name
        ))
    })?;
    let mut out = Map::new();
    for (key, member) in object {
        let sub = attr.sub(key).ok_or_else(|| {
            invalid_value(format!(
                "\"{key}\" is not a sub-attribute of \"{}\"",
                attr.name
            ))
        })?;
        if !member.is_null() {
            check_simple(sub, member)?;
        }
        out.insert(sub.name.clone(), member.clone());
    }
    Ok(out)
}

/// Merges `incoming` into `object`: members set, `null` members removed.
pub(super) fn merge_into(object: &mut Map<String, Value>, incoming: &Map<String, Value>) {
    for (key, value) in incoming {
        if value.is_null() {
            remove_key(object, key);
        } else {
            set_key(object, key, value.clone());
        }
    }
}

/// A value for a non-complex attribute or sub-attribute, honouring its
/// plurality.
pub(super) fn check_simple(attr: &Attribute, value: &Value) -> Result<(), ScimError> {
    if attr.multi_valued {
        return match value.as_array() {
            Some(items) => items.iter().try_for_each(|v| check_type(attr, v)),
            None => Err(invalid_value(format!(
                "\"{}\" is multi-valued: its value must be an array",
                attr.name
            ))),
        };
    }
    check_type(attr, value)
}

/// RFC 7643 §2.3: the JSON type of each data type. No coercion: `"True"` is
/// not a boolean here (rules coerce lax IdP values before this point).
pub(super) fn check_type(attr: &Attribute, value: &Value) -> Result<(), ScimError> {
    let ok = match attr.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime => {
            value.is_string()
        }
        AttrType::Boolean => value.is_boolean(),
        AttrType::Integer => value.is_i64() || value.is_u64(),
        AttrType::Decimal => value.is_number(),
        AttrType::Complex => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid_value(format!(
            "\"{}\" must be a single {} (RFC 7643 §2.3)",
            attr.name,
            type_name(attr.ty)
        )))
    }
}

pub(super) fn type_name(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "number",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime string",
        AttrType::Binary => "base64 string",
        AttrType::Reference => "reference string",
        AttrType::Complex => "object",
    }
}

/// The current values of a multi-valued attribute.
pub(super) fn list_of(before: Option<&Value>) -> Vec<Value> {
    match before {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![single.clone()],
    }
}

/// Elements left as `{}` by sub-attribute removals are unassigned values.
pub(super) fn drop_empty(mut list: Vec<Value>) -> Vec<Value> {
    list.retain(|v| v.as_object().is_none_or(|o| !o.is_empty()));
    list
}

/// RFC 7644 §3.5.2: a PATCH that sets `primary` to true on one value makes
/// the service provider set it to false on the others; RFC 7643 §2.4: true
/// "MUST appear no more than once". `written` are the elements this
/// operation wrote.
pub(super) fn settle_primary(
    attr: &Attribute,
    list: &mut [Value],
    written: &[usize],
) -> Result<(), ScimError> {
    let Some(primary) = attr.sub("primary").filter(|p| p.ty == AttrType::Boolean) else {
        return Ok(());
    };
    let is_primary = |v: &Value| {
        v.as_object()
            .and_then(|o| get_ci(o, &primary.name))
            .is_some_and(|p| *p == Value::Bool(true))
    };
    let chosen: Vec<usize> = written
        .iter()
        .copied()
        .filter(|&i| list.get(i).is_some_and(is_primary))
        .collect();
    match chosen.as_slice() {
        [] => Ok(()),
        [keep] => {
            for (i, element) in list.iter_mut().enumerate() {
                if i != *keep
                    && is_primary(element)
                    && let Value::Object(object) = element
                {
                    set_key(object, &primary.name, Value::Bool(false));
                }
            }
            Ok(())
        }
        _ => Err(invalid_value(format!(
            "more than one value of \"{}\" is marked primary (RFC 7643 §2.4)",
            attr.name
        ))),
    }
}
