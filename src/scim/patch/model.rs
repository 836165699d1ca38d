//! The PatchOp message of RFC 7644 §3.5.2: reading it from JSON (strictly, as
//! an RFC-honest service provider must, or leniently, so that rewriting rules
//! can inspect what an IdP sent) and writing it back in canonical form.

use serde_json::{Map, Value};

use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{PatchPath, parse_patch_path};
use crate::scim::urn;

/// A PATCH operation kind (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// §3.5.2.1
    Add,
    /// §3.5.2.2
    Remove,
    /// §3.5.2.3
    Replace,
}

impl Op {
    /// The lower-case name RFC 7644 §3.5.2 gives the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
        }
    }

    /// Reads an `op` value: exactly as the RFC spells it, or in any case.
    fn parse(text: &str, strictness: Strictness) -> Option<Op> {
        [Op::Add, Op::Remove, Op::Replace]
            .into_iter()
            .find(|op| match strictness {
                Strictness::Strict => op.as_str() == text,
                Strictness::Lenient => op.as_str().eq_ignore_ascii_case(text),
            })
    }
}

/// One element of `Operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    /// The target; `None` means the resource itself (path-less add/replace).
    pub path: Option<PatchPath>,
    /// The value as sent. A JSON `null` is kept as `Some(Value::Null)` for
    /// `replace` (it unassigns the target, RFC 7643 §2.5) and dropped for
    /// `remove`.
    pub value: Option<Value>,
}

/// A parsed PatchOp request body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    pub operations: Vec<Operation>,
}

/// How closely a body must follow RFC 7644 §3.5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// What an RFC-honest service provider enforces.
    Strict,
    /// What IdPs send in practice: `op` in any case, `schemas` optional,
    /// unknown members ignored, a `value` on `remove` kept (so a rule can turn
    /// ENTRA-04 into filtered removes).
    Lenient,
}

fn bad(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::new(400, Some(scim_type), detail)
}

/// The members of `object`, matched case-insensitively against `known`
/// (RFC 7643 §2.1: attribute names are case-insensitive). Returns one slot
/// per known name. In strict mode an unknown or repeated member is
/// `invalidSyntax`; in lenient mode the first spelling wins and unknown
/// members are ignored.
fn members<'v, const N: usize>(
    object: &'v Map<String, Value>,
    known: [&str; N],
    strictness: Strictness,
    at: &str,
) -> Result<[Option<&'v Value>; N], ScimError> {
    let mut found: [Option<&Value>; N] = [None; N];
    for (key, value) in object {
        match known.iter().position(|k| k.eq_ignore_ascii_case(key)) {
            Some(i) => match found.get_mut(i) {
                Some(slot @ None) => *slot = Some(value),
                _ if strictness == Strictness::Strict => {
                    return Err(bad(
                        ScimType::InvalidSyntax,
                        format!("{at}: member \"{key}\" appears more than once"),
                    ));
                }
                _ => {}
            },
            None if strictness == Strictness::Strict => {
                return Err(bad(
                    ScimType::InvalidSyntax,
                    format!("{at}: unknown member \"{key}\""),
                ));
            }
            None => {}
        }
    }
    Ok(found)
}

impl PatchRequest {
    /// Reads a PatchOp body (RFC 7644 §3.5.2). Every rejection is a 400 with
    /// the `scimType` listed in the module documentation.
    pub fn from_json(body: &Value, strictness: Strictness) -> Result<PatchRequest, ScimError> {
        let object = body.as_object().ok_or_else(|| {
            bad(
                ScimType::InvalidSyntax,
                "the PATCH body must be a JSON object",
            )
        })?;
        let [schemas, operations] = members(object, ["schemas", "Operations"], strictness, "body")?;
        check_schemas(schemas, strictness)?;
        let operations = operations
            .ok_or_else(|| {
                bad(
                    ScimType::InvalidValue,
                    "the \"Operations\" member is required",
                )
            })?
            .as_array()
            .ok_or_else(|| bad(ScimType::InvalidValue, "\"Operations\" must be an array"))?;
        if operations.is_empty() {
            return Err(bad(
                ScimType::InvalidValue,
                "\"Operations\" must hold at least one operation",
            ));
        }
        let operations = operations
            .iter()
            .enumerate()
            .map(|(i, op)| read_operation(op, strictness, &format!("Operations[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }

    /// The canonical PatchOp body: `schemas`, `Operations`, lower-case `op`,
    /// the path as canonical text, `value` only where there is one.
    pub fn to_json(&self) -> Value {
        let operations = self
            .operations
            .iter()
            .map(|operation| {
                let mut map = Map::new();
                map.insert("op".into(), Value::String(operation.op.as_str().into()));
                if let Some(path) = &operation.path {
                    map.insert("path".into(), Value::String(path.to_string()));
                }
                if let Some(value) = &operation.value {
                    map.insert("value".into(), value.clone());
                }
                Value::Object(map)
            })
            .collect();
        let mut body = Map::new();
        body.insert(
            "schemas".into(),
            Value::Array(vec![Value::String(urn::PATCH_OP.into())]),
        );
        body.insert("Operations".into(), Value::Array(operations));
        Value::Object(body)
    }
}

/// RFC 7644 §3.5.2: "The body of each request MUST contain the "schemas"
/// attribute with the URI value of urn:…:PatchOp". Strict mode wants it and
/// nothing else; lenient mode tolerates its absence but not a wrong list.
fn check_schemas(schemas: Option<&Value>, strictness: Strictness) -> Result<(), ScimError> {
    let Some(schemas) = schemas else {
        return match strictness {
            Strictness::Strict => Err(bad(
                ScimType::InvalidSyntax,
                format!(
                    "\"schemas\" is required and must be [\"{}\"]",
                    urn::PATCH_OP
                ),
            )),
            Strictness::Lenient => Ok(()),
        };
    };
    let list = schemas
        .as_array()
        .ok_or_else(|| bad(ScimType::InvalidValue, "\"schemas\" must be an array"))?;
    let mut has_patch_op = false;
    for entry in list {
        let entry = entry
            .as_str()
            .ok_or_else(|| bad(ScimType::InvalidValue, "\"schemas\" must hold strings"))?;
        if entry.eq_ignore_ascii_case(urn::PATCH_OP) {
            has_patch_op = true;
        } else if strictness == Strictness::Strict {
            return Err(bad(
                ScimType::InvalidSyntax,
                format!("\"schemas\" must be [\"{}\"]", urn::PATCH_OP),
            ));
        }
    }
    if has_patch_op {
        Ok(())
    } else {
        Err(bad(
            ScimType::InvalidSyntax,
            format!("\"schemas\" must contain \"{}\"", urn::PATCH_OP),
        ))
    }
}

fn read_operation(value: &Value, strictness: Strictness, at: &str) -> Result<Operation, ScimError> {
    let object = value
        .as_object()
        .ok_or_else(|| bad(ScimType::InvalidValue, format!("{at} must be an object")))?;
    let [op, path, value] = members(object, ["op", "path", "value"], strictness, at)?;
    let op = read_op(op, strictness, at)?;
    let path = match path {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(parse_patch_path(text).map_err(|e| {
            bad(
                ScimType::InvalidPath,
                format!("{at}: \"path\" is not a valid attribute path: {e}"),
            )
        })?),
        Some(_) => {
            return Err(bad(
                ScimType::InvalidPath,
                format!("{at}: \"path\" must be a string"),
            ));
        }
    };
    let value = match (op, value) {
        // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation
        // fails with HTTP status code 400 and a "scimType" error code of
        // "noTarget"."
        (Op::Remove, _) if path.is_none() => {
            return Err(bad(
                ScimType::NoTarget,
                format!("{at}: a remove operation needs a \"path\""),
            ));
        }
        (Op::Remove, None | Some(Value::Null)) => None,
        (Op::Remove, Some(value)) => match strictness {
            Strictness::Strict => {
                return Err(bad(
                    ScimType::InvalidValue,
                    format!(
                        "{at}: a remove operation carries no \"value\"; \
                         select what to remove with a filter in \"path\""
                    ),
                ));
            }
            Strictness::Lenient => Some(value.clone()),
        },
        (Op::Add, None | Some(Value::Null)) | (Op::Replace, None) => {
            return Err(bad(
                ScimType::InvalidValue,
                format!("{at}: a {} operation needs a \"value\"", op.as_str()),
            ));
        }
        (_, Some(value)) => Some(value.clone()),
    };
    Ok(Operation { op, path, value })
}

fn read_op(op: Option<&Value>, strictness: Strictness, at: &str) -> Result<Op, ScimError> {
    let Some(op) = op else {
        return Err(bad(
            ScimType::InvalidValue,
            format!("{at}: the \"op\" member is required"),
        ));
    };
    let text = op.as_str().ok_or_else(|| {
        bad(
            ScimType::InvalidValue,
            format!("{at}: \"op\" must be \"add\", \"remove\" or \"replace\""),
        )
    })?;
    Op::parse(text, strictness).ok_or_else(|| {
        let hint = match Op::parse(text, Strictness::Lenient) {
            Some(op) => format!(" (RFC 7644 §3.5.2 spells it \"{}\")", op.as_str()),
            None => String::new(),
        };
        bad(
            ScimType::InvalidValue,
            format!("{at}: \"op\" must be \"add\", \"remove\" or \"replace\"{hint}"),
        )
    })
}
