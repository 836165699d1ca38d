//! Strict validation of a resource body (POST, PUT, or the result of a PATCH)
//! against its resource type.
//!
//! Each decision below names its source. Where the RFC leaves the status or
//! `scimType` open, the answer matches what scim2-server 0.8.3 gives; where
//! scim2-server is more lenient than the RFC, this module follows the RFC
//! (the last column says so). RFC 7644 §3.12: `invalidSyntax` means the body
//! does not conform to the request schema, `invalidValue` that a required
//! value is missing or a value does not fit the attribute. Every rejection is
//! `400`, and its `detail` names the attribute path, e.g. `emails[1].primary`.
//!
//! | Case | Decision | Answer | RFC | scim2-server 0.8.3 |
//! |---|---|---|---|---|
//! | body is not a JSON object | reject | invalidSyntax | 7644 §3.3 | agrees |
//! | `schemas` absent or `null` | reject | invalidValue | 7643 §3 (REQUIRED) | accepts |
//! | `schemas` not an array / element not a string | reject | invalidValue | 7643 §3 | agrees |
//! | `schemas` lists a URN twice | reject | invalidValue | 7643 §3 ("unique URI") | accepts |
//! | `schemas` lists an unknown URN | reject | invalidSyntax | 7643 §3, 7644 §3.3 | agrees |
//! | `schemas` lacks the core URN | reject | invalidSyntax | 7643 §3, §6 | agrees |
//! | `schemas` is `[]` | reject (lacks the core URN) | invalidSyntax | 7643 §3 (non-empty) | accepts |
//! | `schemas` URNs in another letter case | accept ([`ResourceType::canonicalize`] respells them) | — | 7643 §2.1, 7644 §3.10 | rejects (compares exactly) |
//! | a required extension is not listed | reject | invalidValue | 7643 §6 (`schemaExtensions.required`) | — |
//! | extension object whose URN is not in `schemas` | reject | invalidSyntax | 7643 §3 (`schemas` lists the namespaces of the attributes present) | accepts |
//! | extension URN listed, object absent | accept | — | 7643 §3.3 | agrees |
//! | extension value not an object | reject | invalidValue | 7643 §3.3 | agrees |
//! | unknown attribute or sub-attribute | reject | invalidSyntax | 7643 §2, 7644 §3.3 | agrees |
//! | `urn:…:User:attr` flattened key in a body | reject as unknown | invalidSyntax | 7643 §3.3 | agrees |
//! | attribute names in another letter case (`UserName`) | accept | — | 7643 §2.1 | agrees |
//! | the same attribute twice in different case | reject | invalidSyntax | 7643 §2.1 | keeps the last |
//! | string where boolean is declared (`"True"`) | reject | invalidValue | 7643 §2.3.2 | accepts `"True"`, `1` |
//! | integer: JSON number without fraction/exponent | else reject | invalidValue | 7643 §2.3.4 | — |
//! | decimal: any JSON number (also `5`) | else reject | invalidValue | 7643 §2.3.3 | — |
//! | string/reference/binary/dateTime not a JSON string | reject | invalidValue | 7643 §2.3 | agrees |
//! | dateTime not `YYYY-MM-DDThh:mm:ss[.f][Z\|±hh:mm]` | reject | invalidValue | 7643 §2.3.5 (xsd:dateTime, date and time) | agrees, but also takes a bare date |
//! | binary not padded standard base64 | reject | invalidValue | 7643 §2.3.6 | agrees, but strips spaces |
//! | reference with whitespace; `external` one not absolute | reject | invalidValue | 7643 §2.3.7 | agrees for `profileUrl`, `photos`; resolves `members.$ref` against its base |
//! | multi-valued value not an array (single object) | reject | invalidValue | 7643 §2.4 | agrees |
//! | `null` element in a multi-valued attribute | reject | invalidValue | 7643 §2.4 | agrees |
//! | complex value not an object (or an array) | reject | invalidValue | 7643 §2.3.8 | agrees |
//! | `primary: true` on more than one element | reject | invalidValue | 7643 §2.4 (MUST) | agrees |
//! | value outside `canonicalValues` (`type: "banana"`) | accept | — | 7643 §7 (suggested values) | agrees |
//! | `null`, `[]` or `{}` for an optional attribute | accept as unassigned | — | 7643 §2.5 | agrees |
//! | required attribute absent, `null` or `[]` | reject | invalidValue | 7643 §2.5, §7 | agrees |
//! | required string attribute `""` | reject | invalidValue | 7643 §4.1.1, §4.2 (the value identifies or names the resource) | accepts |
//! | User without `userName` | reject | invalidValue | 7643 §4.1.1 | agrees |
//! | Group without `displayName` | reject | invalidValue | 7643 §4.2, erratum 5368 | agrees |
//! | readOnly attribute in the body (`id`, `meta`, `groups`, `manager.displayName`) | ignore, even if malformed | — | 7643 §7 ("SHALL be ignored") | ignores, but type-checks `meta`/`groups` |
//! | writeOnly `password` in the body | accept (type-checked) | — | 7643 §7 | agrees |
//!
//! [`Validation::Create`] and [`Validation::Replace`] make the same checks:
//! RFC 7644 §3.5.1 gives PUT the same required-attribute and read-only rules
//! as POST. What needs the stored resource (changing an `immutable` value,
//! `uniqueness`) is the caller's business.

use std::collections::HashMap;
use std::ptr;

use serde_json::{Map, Value};

use super::model::{AttrType, Attribute, Mutability, ResourceType, Schema, Validation};
use crate::scim::error::{ScimError, ScimType};

fn invalid_syntax(detail: String) -> ScimError {
    ScimError::new(400, Some(ScimType::InvalidSyntax), detail)
}

fn invalid_value(detail: String) -> ScimError {
    ScimError::new(400, Some(ScimType::InvalidValue), detail)
}

/// The value of `key` in `obj`, compared case-insensitively (RFC 7643 §2.1).
pub(super) fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Validates `resource` for `rt`; see the module table.
pub(super) fn resource(
    rt: &ResourceType,
    resource: &Value,
    mode: Validation,
) -> Result<(), ScimError> {
    // Both modes make the same checks (module doc).
    let _ = mode;
    let obj = resource.as_object().ok_or_else(|| {
        invalid_syntax(format!(
            "the {} resource must be a JSON object, not {}",
            rt.name,
            describe(resource)
        ))
    })?;
    no_duplicate_names(obj, "")?;
    let listed = listed_schemas(rt, obj)?;

    let common = ResourceType::common_attributes();
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext) = rt.extension(key) {
            if value.is_null() {
                continue;
            }
            if !listed.iter().any(|s| ptr::eq(*s, ext)) {
                return Err(invalid_syntax(format!(
                    "the extension object '{}' is present but its URN is not listed in \
                     'schemas' (RFC 7643 §3)",
                    ext.id
                )));
            }
            let inner = value.as_object().ok_or_else(|| {
                invalid_value(format!(
                    "'{}' must be a JSON object holding the extension's attributes, not {} \
                     (RFC 7643 §3.3)",
                    ext.id,
                    describe(value)
                ))
            })?;
            let prefix = format!("{}:", ext.id);
            no_duplicate_names(inner, &prefix)?;
            members(&[&ext.attributes], inner, &prefix)?;
            continue;
        }
        let attr = common
            .iter()
            .chain(rt.schema.attributes.iter())
            .find(|a| a.name.eq_ignore_ascii_case(key));
        match attr {
            None => return Err(unknown_attribute(rt, key)),
            Some(attr) if attr.mutability == Mutability::ReadOnly => {}
            Some(attr) => check_value(attr, value, &attr.name)?,
        }
    }

    required(&rt.schema.attributes, obj, "")?;
    for (ext, ext_required) in &rt.extensions {
        let present = get_ci(obj, &ext.id).and_then(Value::as_object);
        match present {
            Some(inner) => required(&ext.attributes, inner, &format!("{}:", ext.id))?,
            None if *ext_required => {
                required(&ext.attributes, &Map::new(), &format!("{}:", ext.id))?
            }
            None => {}
        }
    }
    Ok(())
}

fn unknown_attribute(rt: &ResourceType, key: &str) -> ScimError {
    let hint = if key.to_ascii_lowercase().starts_with("urn:") {
        "; an extension's attributes belong inside its extension object"
    } else {
        ""
    };
    invalid_syntax(format!(
        "unknown attribute '{key}': resource type {} (schema {}) does not define it{hint}",
        rt.name, rt.schema.id
    ))
}

/// Rejects an object that holds the same name twice in different letter case:
/// attribute names are case-insensitive (RFC 7643 §2.1), so the body would
/// give one attribute two values.
fn no_duplicate_names(obj: &Map<String, Value>, prefix: &str) -> Result<(), ScimError> {
    let mut seen: HashMap<String, &str> = HashMap::with_capacity(obj.len());
    for key in obj.keys() {
        if let Some(first) = seen.insert(key.to_ascii_lowercase(), key) {
            return Err(invalid_syntax(format!(
                "attribute '{prefix}{key}' appears twice, as '{first}' and '{key}'; attribute \
                 names are case-insensitive (RFC 7643 §2.1)"
            )));
        }
    }
    Ok(())
}

/// Checks `schemas` (RFC 7643 §3) and returns the schemas it lists.
fn listed_schemas<'a>(
    rt: &'a ResourceType,
    obj: &Map<String, Value>,
) -> Result<Vec<&'a Schema>, ScimError> {
    let value = match get_ci(obj, "schemas") {
        None | Some(Value::Null) => {
            return Err(invalid_value(format!(
                "'schemas' is required: list the resource's schema URNs, starting with '{}' \
                 (RFC 7643 §3)",
                rt.schema.id
            )));
        }
        Some(value) => value,
    };
    let urns = value.as_array().ok_or_else(|| {
        invalid_value(format!(
            "'schemas' must be an array of schema URNs, not {} (RFC 7643 §3)",
            describe(value)
        ))
    })?;
    let mut listed: Vec<&Schema> = Vec::with_capacity(urns.len());
    for (i, urn) in urns.iter().enumerate() {
        let urn = urn.as_str().ok_or_else(|| {
            invalid_value(format!(
                "'schemas[{i}]' must be a string URN, not {}",
                describe(urn)
            ))
        })?;
        let schema = rt.schema_for_urn(urn).ok_or_else(|| {
            let known: Vec<&str> = rt.schemas().map(|s| s.id.as_str()).collect();
            invalid_syntax(format!(
                "'schemas' lists '{urn}', which is not a schema of resource type {} \
                 (known: {})",
                rt.name,
                known.join(", ")
            ))
        })?;
        if listed.iter().any(|s| ptr::eq(*s, schema)) {
            return Err(invalid_value(format!(
                "'schemas' lists '{urn}' more than once; each URI must be unique (RFC 7643 §3)"
            )));
        }
        listed.push(schema);
    }
    if !listed.iter().any(|s| ptr::eq(*s, &*rt.schema)) {
        return Err(invalid_syntax(format!(
            "'schemas' must contain the core schema '{}' of resource type {} (RFC 7643 §3)",
            rt.schema.id, rt.name
        )));
    }
    for (ext, ext_required) in &rt.extensions {
        if *ext_required && !listed.iter().any(|s| ptr::eq(*s, &**ext)) {
            return Err(invalid_value(format!(
                "the extension '{}' is required for resource type {} and must be listed in \
                 'schemas' (RFC 7643 §6)",
                ext.id, rt.name
            )));
        }
    }
    Ok(listed)
}

/// Checks each member of `obj` against the definitions in `defs`: unknown
/// names are rejected, read-only ones skipped, the rest type-checked.
fn members(defs: &[&[Attribute]], obj: &Map<String, Value>, prefix: &str) -> Result<(), ScimError> {
    for (key, value) in obj {
        let attr = defs
            .iter()
            .flat_map(|d| d.iter())
            .find(|a| a.name.eq_ignore_ascii_case(key));
        match attr {
            None => {
                return Err(invalid_syntax(format!(
                    "unknown attribute '{prefix}{key}': the schema does not define it"
                )));
            }
            Some(attr) if attr.mutability == Mutability::ReadOnly => {}
            Some(attr) => check_value(attr, value, &format!("{prefix}{}", attr.name))?,
        }
    }
    Ok(())
}

/// Whether a value counts as unassigned (RFC 7643 §2.5), or, for a required
/// string, is empty.
fn is_missing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// Checks that every required, client-writable attribute of `defs` has a
/// value in `obj` (RFC 7643 §7 `required`).
fn required(defs: &[Attribute], obj: &Map<String, Value>, prefix: &str) -> Result<(), ScimError> {
    for attr in defs {
        if !attr.required || attr.mutability == Mutability::ReadOnly {
            continue;
        }
        if is_missing(get_ci(obj, &attr.name)) {
            return Err(invalid_value(format!(
                "required attribute '{prefix}{}' is missing, null or empty (RFC 7643 §7)",
                attr.name
            )));
        }
    }
    Ok(())
}

/// Checks one attribute's value: plurality, then each value's type.
fn check_value(attr: &Attribute, value: &Value, path: &str) -> Result<(), ScimError> {
    if value.is_null() {
        return Ok(());
    }
    if !attr.multi_valued {
        return check_single(attr, value, path);
    }
    let items = value.as_array().ok_or_else(|| {
        invalid_value(format!(
            "'{path}' is multi-valued and must be a JSON array, not {} (RFC 7643 §2.4)",
            describe(value)
        ))
    })?;
    let mut primaries = 0usize;
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        if item.is_null() {
            return Err(invalid_value(format!(
                "'{item_path}' is null; a multi-valued attribute holds no null values \
                 (RFC 7643 §2.4)"
            )));
        }
        check_single(attr, item, &item_path)?;
        if attr.ty == AttrType::Complex
            && item
                .as_object()
                .and_then(|o| get_ci(o, "primary"))
                .is_some_and(|p| p == &Value::Bool(true))
        {
            primaries += 1;
        }
    }
    if primaries > 1 {
        return Err(invalid_value(format!(
            "'{path}' has {primaries} values marked primary; at most one may be \
             (RFC 7643 §2.4)"
        )));
    }
    Ok(())
}

/// Checks a single (non-array) value against the attribute's type.
fn check_single(attr: &Attribute, value: &Value, path: &str) -> Result<(), ScimError> {
    let ok = match attr.ty {
        AttrType::String => value.is_string(),
        AttrType::Boolean => value.is_boolean(),
        AttrType::Integer => value.is_i64() || value.is_u64(),
        AttrType::Decimal => value.is_number(),
        AttrType::DateTime => value.as_str().is_some_and(is_date_time),
        AttrType::Binary => value.as_str().is_some_and(is_base64),
        AttrType::Reference => value
            .as_str()
            .is_some_and(|s| is_reference(s, &attr.reference_types)),
        AttrType::Complex => {
            let obj = value.as_object().ok_or_else(|| {
                invalid_value(format!(
                    "'{path}' is complex and must be a JSON object, not {} (RFC 7643 §2.3.8)",
                    describe(value)
                ))
            })?;
            let prefix = format!("{path}.");
            no_duplicate_names(obj, &prefix)?;
            members(&[&attr.sub_attributes], obj, &prefix)?;
            return required(&attr.sub_attributes, obj, &prefix);
        }
    };
    if ok {
        return Ok(());
    }
    let plural = if value.is_array() {
        " (the attribute is single-valued)"
    } else {
        ""
    };
    Err(invalid_value(format!(
        "'{path}' must be {}, not {}{plural}",
        expectation(attr),
        describe(value)
    )))
}

/// What a value of the attribute's type looks like, for error details.
fn expectation(attr: &Attribute) -> String {
    match attr.ty {
        AttrType::String => "a string".into(),
        AttrType::Boolean => "a boolean (true or false) (RFC 7643 §2.3.2)".into(),
        AttrType::Integer => "an integer without fraction or exponent (RFC 7643 §2.3.4)".into(),
        AttrType::Decimal => "a number (RFC 7643 §2.3.3)".into(),
        AttrType::DateTime => {
            "an xsd:dateTime string such as \"2015-09-21T13:02:00Z\" (RFC 7643 §2.3.5)".into()
        }
        AttrType::Binary => "a base64 string with padding (RFC 7643 §2.3.6)".into(),
        AttrType::Reference if only_external(&attr.reference_types) => {
            "an absolute URI without spaces (RFC 7643 §2.3.7)".into()
        }
        AttrType::Reference => "a URI without spaces (RFC 7643 §2.3.7)".into(),
        AttrType::Complex => "a JSON object".into(),
    }
}

/// A short description of a JSON value for error details.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            let ellipsis = if shown.len() < s.len() { "…" } else { "" };
            format!("the string \"{shown}{ellipsis}\"")
        }
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn only_external(types: &[String]) -> bool {
    !types.is_empty() && types.iter().all(|t| t.eq_ignore_ascii_case("external"))
}

/// A URI reference as RFC 7643 §2.3.7 needs it: no whitespace or control
/// characters, and absolute (with a scheme) when it may only point outside
/// the service provider (`referenceTypes: ["external"]`).
fn is_reference(s: &str, types: &[String]) -> bool {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    !only_external(types) || has_scheme(s)
}

/// `scheme ":" rest` with an RFC 3986 §3.1 scheme and a non-empty rest.
fn has_scheme(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}

/// Standard base64 (RFC 4648 §4) with padding, as RFC 7643 §2.3.6 asks.
fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return false;
    }
    bytes
        .iter()
        .take(bytes.len() - padding)
        .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// An xsd:dateTime with both date and time (RFC 7643 §2.3.5):
/// `YYYY-MM-DDThh:mm:ss`, optional fraction, optional `Z` or `±hh:mm` zone.
/// Years have four digits; days are checked against the month (with leap
/// years); there are no leap seconds and no `24:00:00`.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day), Some(hour), Some(min), Some(sec)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if year == 0 || day == 0 || day > days || hour > 23 || min > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let digits = b.get(i + 1..).map_or(0, |rest| {
            rest.iter().take_while(|d| d.is_ascii_digit()).count()
        });
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        None => true,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(hh), Some(mm)) = (num(i + 1, 2), num(i + 4, 2)) else {
                return false;
            };
            at(i + 3, b':') && i + 6 == b.len() && (hh < 14 && mm < 60 || hh == 14 && mm == 0)
        }
        Some(_) => false,
    }
}
