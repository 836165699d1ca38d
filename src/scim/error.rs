//! SCIM error responses (RFC 7644 §3.12): `status` is a string, `scimType` is set
//! where the RFC defines one.

use serde_json::{Value, json};

use super::urn;

/// The `scimType` values of RFC 7644 §3.12, Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// Parses a `scimType` as written in a rule file.
    pub fn parse(s: &str) -> Option<ScimType> {
        [
            ScimType::InvalidFilter,
            ScimType::TooMany,
            ScimType::Uniqueness,
            ScimType::Mutability,
            ScimType::InvalidSyntax,
            ScimType::InvalidPath,
            ScimType::NoTarget,
            ScimType::InvalidValue,
            ScimType::InvalidVers,
            ScimType::Sensitive,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A SCIM error: HTTP status, optional `scimType` and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// The JSON body of RFC 7644 §3.12.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [urn::ERROR],
            "status": self.status.to_string(),
        });
        if let (Some(t), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".into(), Value::String(t.as_str().into()));
        }
        if let Some(map) = body.as_object_mut() {
            map.insert("detail".into(), Value::String(self.detail.clone()));
        }
        body
    }

    /// The body, serialised.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a `Value` built from strings cannot fail.
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }
}

/// An empty ListResponse (RFC 7644 §3.4.2), as IdP connection tests expect for
/// "no match" (ENTRA-10).
pub fn empty_list_response() -> Value {
    json!({
        "schemas": [urn::LIST_RESPONSE],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_a_string_and_scim_type_is_optional() {
        let e = ScimError::new(400, Some(ScimType::InvalidSyntax), "bad");
        let v = e.to_json();
        assert_eq!(v["status"], "400");
        assert_eq!(v["scimType"], "invalidSyntax");
        assert_eq!(v["schemas"][0], urn::ERROR);
        let e = ScimError::new(502, None, "down");
        assert!(e.to_json().get("scimType").is_none());
    }

    #[test]
    fn scim_type_round_trips() {
        assert_eq!(ScimType::parse("noTarget"), Some(ScimType::NoTarget));
        assert_eq!(ScimType::parse("notATpye"), None);
    }
}
