//! Reading and writing attributes of a stored resource: case-insensitive
//! member lookup (RFC 7643 §2.1) with the schema's spelling on write, and
//! extension objects kept in step with `schemas` (RFC 7643 §3, §3.3).

use serde_json::{Map, Value};

use crate::scim::schema::{Attribute, ResourceType};

/// Where a top-level attribute lives: at the top of the resource, or in the
/// object keyed by an extension's URN (RFC 7643 §3.3).
#[derive(Clone, Copy)]
pub(super) struct Slot<'a> {
    pub(super) extension: Option<&'a str>,
    pub(super) attr: &'a Attribute,
}

pub(super) fn same_urn(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Looks `key` up in `object`, exactly first, then ignoring ASCII case
/// (RFC 7643 §2.1).
pub(super) fn get_ci<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The stored spelling of `key` in `object`.
pub(super) fn key_ci(object: &Map<String, Value>, key: &str) -> Option<String> {
    if object.contains_key(key) {
        return Some(key.to_owned());
    }
    object.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Sets `key` (the schema's spelling) to `value`, replacing any spelling of
/// it in place so that member order is kept.
pub(super) fn set_key(object: &mut Map<String, Value>, key: &str, value: Value) {
    match key_ci(object, key) {
        Some(existing) if existing == key => {
            object.insert(key.to_owned(), value);
        }
        Some(_) => {
            let old = std::mem::take(object);
            let mut value = Some(value);
            for (k, v) in old {
                if !k.eq_ignore_ascii_case(key) {
                    object.insert(k, v);
                } else if let Some(value) = value.take() {
                    object.insert(key.to_owned(), value);
                }
            }
        }
        None => {
            object.insert(key.to_owned(), value);
        }
    }
}

/// Removes every spelling of `key`, keeping the order of the others.
pub(super) fn remove_key(object: &mut Map<String, Value>, key: &str) {
    while let Some(existing) = key_ci(object, key) {
        object.shift_remove(&existing);
    }
}

pub(super) fn read<'a>(root: &'a Map<String, Value>, slot: Slot<'_>) -> Option<&'a Value> {
    let container = match slot.extension {
        None => root,
        Some(urn) => get_ci(root, urn)?.as_object()?,
    };
    get_ci(container, &slot.attr.name).filter(|v| !v.is_null())
}

/// Writes an attribute's new value; for an extension attribute, creates the
/// extension object and lists its URN in `schemas`, or drops both when the
/// object becomes empty.
pub(super) fn write(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    slot: Slot<'_>,
    after: Option<Value>,
) {
    let name = &slot.attr.name;
    let Some(urn) = slot.extension else {
        match after {
            Some(value) => set_key(root, name, value),
            None => remove_key(root, name),
        }
        return;
    };
    match after {
        Some(value) => {
            let key = match key_ci(root, urn) {
                Some(key) if root.get(&key).is_some_and(Value::is_object) => key,
                _ => {
                    set_key(root, urn, Value::Object(Map::new()));
                    urn.to_owned()
                }
            };
            if let Some(Value::Object(extension)) = root.get_mut(&key) {
                set_key(extension, name, value);
            }
            add_schema(root, rt, urn);
        }
        None => {
            let Some(key) = key_ci(root, urn) else {
                return;
            };
            let mut now_empty = false;
            if let Some(Value::Object(extension)) = root.get_mut(&key) {
                remove_key(extension, name);
                now_empty = extension.is_empty();
            }
            if now_empty {
                root.shift_remove(&key);
                drop_schema(root, urn);
            }
        }
    }
}

/// RFC 7643 §3: `schemas` lists the extensions a resource uses.
pub(super) fn add_schema(root: &mut Map<String, Value>, rt: &ResourceType, urn: &str) {
    let key = key_ci(root, "schemas").unwrap_or_else(|| "schemas".to_owned());
    match root.get_mut(&key) {
        Some(Value::Array(list)) => {
            if !list
                .iter()
                .any(|u| u.as_str().is_some_and(|u| same_urn(u, urn)))
            {
                list.push(Value::String(urn.to_owned()));
            }
        }
        Some(_) => {}
        None => {
            root.insert(
                key,
                Value::Array(vec![
                    Value::String(rt.schema.id.clone()),
                    Value::String(urn.to_owned()),
                ]),
            );
        }
    }
}

pub(super) fn drop_schema(root: &mut Map<String, Value>, urn: &str) {
    let Some(key) = key_ci(root, "schemas") else {
        return;
    };
    if let Some(Value::Array(list)) = root.get_mut(&key) {
        list.retain(|u| !u.as_str().is_some_and(|u| same_urn(u, urn)));
    }
}
