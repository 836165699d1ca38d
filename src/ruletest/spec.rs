//! The rule-test file format (`*.test.yaml`) as serde types: exactly what a
//! file may say. Unknown fields are errors everywhere, as in rule files, so a
//! misspelt expectation cannot silently check nothing. `docs/rule-tests.md`
//! documents every field; [`json_schema`] gives editors the same shape.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::rules::fixture::MessageSpec;

/// A rule test file: which rules to load, and the cases to run through them.
///
/// ```yaml
/// rules: [../common, entra.yaml]
/// tests:
///   - name: entra.active-string
///     request: { method: PATCH, path: /scim/v2/Users/42, body: {...} }
///     expect: { forwarded: { body: {...} } }
/// ```
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Rule files or directories, relative to this file, loaded in the order
    /// given (directories recursively, sorted). Default: the sibling rule file
    /// with the same stem (`entra.test.yaml` tests `entra.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    /// The SCIM base path the cases arrive under. Default `/scim/v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// The cases, run in order.
    pub tests: Vec<TestCase>,
}

/// One case: a request, what the backend holds and answers, what must happen.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// Unique within the file; printed as `test <name> ... ok`.
    pub name: String,
    /// What the case shows, for the next reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quirk ids from the dialect catalog this case demonstrates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<String>,
    /// The request as the identity provider sends it.
    pub request: MessageSpec,
    /// What a GET of the addressed resource returns when a rule fetches it
    /// (its ETag is `meta.version`). Absent: the fetch gets a 404.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    /// The backend's answer (`status`, `headers`, `body`). Given: response
    /// rules run on it, and `expect.returned` can check the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<MessageSpec>,
    /// What must happen. Only what is given is compared; at least one field.
    pub expect: Expect,
}

/// The expectations of one case.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The request as forwarded to the backend: `method`, `path` (with the
    /// query), listed `headers`, the whole JSON `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<MessageExpect>,
    /// Instead of `forwarded`: the answer a request rule gave locally
    /// (`status`, `headers`, `body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<MessageExpect>,
    /// With `upstream`: the answer the client gets, after response rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<MessageExpect>,
    /// The ids of the rules that changed or answered the message, in order,
    /// request rules first: exactly this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Vec<String>>,
    /// How many times the engine fetched the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetches: Option<u32>,
}

impl Expect {
    /// Whether anything at all is expected.
    pub fn is_empty(&self) -> bool {
        self.forwarded.is_none()
            && self.response.is_none()
            && self.returned.is_none()
            && self.applied.is_none()
            && self.fetches.is_none()
    }
}

/// An expected message: only the parts given are compared.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageExpect {
    /// The method (forwarded requests only), any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path with the query after `?` (forwarded requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The status (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Listed headers only, names in any case; `null` means the header must
    /// be absent. Several values of one header are joined with `, `.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Option<String>>,
    /// The whole JSON body (exact equality; key order does not matter).
    /// `null` means there must be no body.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Value")]
    pub body: Option<Value>,
}

/// `body: null` is an expectation (no body), not an absent field.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The JSON Schema of rule test files, for editors.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(TestFile)).unwrap_or(Value::Null)
}
