//! The rule-file format as serde types (`RuleFile`, `RuleSpec`, …): exactly what a
//! YAML file may say, nothing compiled yet. Unknown fields are errors everywhere.
//! The JSON Schema for editors (`docs/rules.schema.json`) is generated from these
//! same types, so the two cannot drift. `docs/rules.md` documents every field.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A rule file: an ordered list of rules. Order matters: rules run top to bottom,
/// files in the order they were given (a directory in sorted file-name order).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules of this file, applied in order.
    pub rules: Vec<RuleSpec>,
}

/// One rule: when it applies, and what it does.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique across every loaded file; lower case, digits, `.`, `-`, `_`.
    /// Logged with every change the rule makes.
    pub id: String,
    /// What the rule fixes and why, for the next operator who reads it.
    pub description: String,
    /// Quirk ids from the dialect catalog this rule addresses, e.g. `ENTRA-02`.
    #[serde(default)]
    pub quirks: Vec<String>,
    /// `request` (the default): the rule edits or answers the request before it
    /// is forwarded. `response`: the rule edits the upstream's response before
    /// it goes back; its conditions see the request's method and path and the
    /// response's status, headers and body.
    #[serde(default)]
    pub phase: Option<PhaseSpec>,
    /// Conditions that must all hold for the rule to apply. Omitted: always.
    #[serde(default)]
    pub when: MatchSpec,
    /// The rule does not apply when every condition given here holds.
    #[serde(default)]
    pub unless: Option<MatchSpec>,
    /// What the rule does, in order. At least one.
    pub actions: Vec<ActionSpec>,
}

/// When a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhaseSpec {
    Request,
    Response,
}

/// Request conditions. Every field given must hold (AND); a list matches when any
/// of its entries does (OR).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// HTTP methods, e.g. `[POST, PATCH]` (case-insensitive).
    #[serde(default)]
    pub method: Option<Vec<String>>,
    /// Regular expression searched in the URL path (without the query), as the
    /// client sent it and as earlier rules left it.
    #[serde(default)]
    pub path: Option<String>,
    /// SCIM resource types the path addresses: `User`, `Group`, `Me`,
    /// `ServiceProviderConfig`, `ResourceType`, `Schema`, `Bulk`, `Search`, `Other`.
    #[serde(default)]
    pub resource: Option<Vec<String>>,
    /// Which part of the resource endpoint: `collection` (`/Users`), `item`
    /// (`/Users/{id}`), `search` (`/Users/.search`).
    #[serde(default)]
    pub endpoint: Option<Vec<String>>,
    /// Header conditions by header name (case-insensitive).
    #[serde(default)]
    pub headers: Option<BTreeMap<String, HeaderMatchSpec>>,
    /// A JSONPath (RFC 9535) evaluated on the JSON body: holds when it selects
    /// at least one node. A rule with a body condition reads the body.
    #[serde(default)]
    pub body: Option<String>,
    /// Response rules only: the upstream response's status is one of these.
    #[serde(default)]
    pub status: Option<Vec<u16>>,
}

/// A condition on one header.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatchSpec {
    /// `true`: the header must be present; `false`: it must be absent.
    #[serde(default)]
    pub present: Option<bool>,
    /// Regular expression searched in the header's value (implies present).
    #[serde(default)]
    pub matches: Option<String>,
}

/// One action. Written as a single-key map: `- coerce: { select: "$.active", to: boolean }`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionSpec {
    /// Rewrite the URL path with a regular expression (query untouched).
    RewritePath(RewritePathSpec),
    /// Set a request header, replacing any value it had.
    SetHeader(SetHeaderSpec),
    /// Remove a request header.
    RemoveHeader(RemoveHeaderSpec),
    /// Rewrite a header's value with a regular expression.
    RewriteHeader(RewriteHeaderSpec),
    /// Drop named query parameters.
    RemoveQueryParam(RemoveQueryParamSpec),
    /// Lower a numeric query parameter (such as `count`, RFC 7644 §3.4.2.4)
    /// that is above a maximum to that maximum.
    LimitQueryParam(LimitQueryParamSpec),
    /// Turn `Authorization: Bearer user:key` into `Authorization: Basic base64(user:key)`.
    BearerToBasic(BearerToBasicSpec),
    /// Replace the inbound credential with one read from the environment or a file.
    SetCredential(SetCredentialSpec),
    /// Convert selected JSON values to another JSON type where they can be.
    Coerce(CoerceSpec),
    /// Set selected JSON values (or a key inside selected objects).
    Set(SetSpec),
    /// Remove selected JSON values.
    Remove(SelectSpec),
    /// Rename the keys of selected object members.
    Rename(RenameSpec),
    /// Lower-case selected string values.
    Lowercase(SelectSpec),
    /// Selected strings that hold a JSON object are parsed, and the object's
    /// members (those named in `keep`, if given) laid over the object that
    /// held the string, in its place (ENTRA-09).
    ParseJsonStrings(ParseJsonStringsSpec),
    /// Lax values (`"True"`, `"42"`) become the type the core User/Group
    /// schema declares for their attribute: in POST/PUT bodies, in PATCH
    /// values (the path decides the attribute), and in responses.
    CoerceBySchema(EmptySpec),
    /// The `filter` query parameter in canonical RFC 7644 §3.4.2.2 form
    /// (lower-case operators, quoted values, `%20` for spaces), and stray
    /// `?`/`&` dropped from the query.
    NormalizeFilter(EmptySpec),
    /// PATCH: lower-case every operation's `op` (RFC 7644 §3.5.2).
    PatchLowercaseOp(EmptySpec),
    /// PATCH: strip schema URN prefixes from operation paths.
    PatchStripUrn(PatchStripUrnSpec),
    /// PATCH: drop the operations a predicate selects.
    PatchDropOps(PatchDropOpsSpec),
    /// PATCH: an `add` or `replace` without `path` whose value is a partial
    /// resource becomes one operation per attribute, with the attribute as
    /// `path` (RFC 7644 §3.5.2), for backends that only take pathed
    /// operations (JUMPCLOUD-02, OKTA-02, OKTA-03, SAILPOINT-01).
    PatchSplitPathless(EmptySpec),
    /// PATCH: lower-case `op`, strip core-schema URNs from paths, name the
    /// `Operations` member canonically, add a missing `schemas`, and rebuild
    /// path-less values with dotted or URN-qualified keys into a partial
    /// resource (ENTRA-01, ENTRA-05, ENTRA-06).
    NormalizePatch(EmptySpec),
    /// PATCH: turn a removal of `members` carrying a value list into one
    /// filtered removal per member, so that no server empties the group
    /// (ENTRA-04, JUMPCLOUD-03).
    MembersRemoveByValue(EmptySpec),
    /// PATCH: an add/replace on `attr[filter].sub` whose filter matches no
    /// element of the current resource becomes an add of a new element
    /// (ENTRA-07). Fetches the resource from the upstream first.
    UpsertFilteredPath(EmptySpec),
    /// A bare-string `manager` becomes `{"value": ...}`, in requests and, on a
    /// response rule, in responses (ENTRA-08).
    ManagerShape(EmptySpec),
    /// For a backend without PATCH: fetch the resource, apply the PATCH to it
    /// and send the result as a PUT, with `If-Match` when the backend gives an
    /// ETag, retrying on `412`.
    PatchViaPut(PatchViaPutSpec),
    /// Deprovisioning by deactivation: a `DELETE /Users/{id}` becomes a PATCH
    /// setting `active` to false; the client still gets `204`.
    DeleteAsDeactivate(EmptySpec),
    /// Deprovisioning by deletion: a PATCH whose only effect is setting
    /// `active` to false becomes `DELETE`.
    DeactivateAsDelete(EmptySpec),
    /// Reject the request with a SCIM error (RFC 7644 §3.12) unless the
    /// selected values pass every check given: present, matching a regex,
    /// within length bounds, not too many.
    Require(RequireSpec),
    /// Attributes that cannot change once set (RFC 7643 §2.2 `immutable`): a
    /// PUT or PATCH that would change one is rejected with `400 mutability`
    /// (RFC 7644 §3.5.1); writes of the value it already has are dropped.
    /// Fetches the resource from the upstream first.
    Immutable(ImmutableSpec),
    /// Values written to one SCIM attribute are written to another instead,
    /// in POST/PUT bodies and PATCH operations; a multi-valued source gives
    /// its primary (or only) element's value.
    MapAttribute(MapAttributeSpec),
    /// Answer locally instead of forwarding.
    Respond(RespondSpec),
}

/// Where `require` finds the values it checks: exactly one of `select`,
/// `attribute` and `query`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequireSpec {
    /// A JSONPath selecting the values to check, or a list of JSONPaths whose
    /// selections are checked together (for `max_count`).
    #[serde(default)]
    pub select: Option<OneOrMany>,
    /// A SCIM attribute (`userName`, `name.givenName`,
    /// `urn:…:2.0:User:role`): the values the request writes to it, in a
    /// POST/PUT body or in PATCH operations, whatever their spelling.
    #[serde(default)]
    pub attribute: Option<String>,
    /// A query parameter (`filter`): its values, percent-decoded.
    #[serde(default)]
    pub query: Option<String>,
    /// At least one value (other than `null`) must be found.
    #[serde(default)]
    pub present: bool,
    /// A regular expression searched in every value found; a value that is
    /// not a string does not match. Anchor it with `^…$`.
    #[serde(default)]
    pub matches: Option<String>,
    /// The least length of every value: characters of a string, items of a list.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// The greatest length of every value: characters of a string, items of a list.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// At most this many values may be found, all selections together.
    #[serde(default)]
    pub max_count: Option<u32>,
    /// The HTTP status of the rejection; 400 unless given.
    #[serde(default)]
    pub status: Option<u16>,
    /// The SCIM error answered when a check fails: say what the admin must change.
    pub error: ErrorBodySpec,
}

/// One string, or a list of them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings, in order.
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImmutableSpec {
    /// SCIM attributes that cannot change once set: `userName`, `externalId`,
    /// `urn:…:2.0:User:attribute` (whole attributes, no sub-attributes).
    pub attributes: Vec<String>,
    /// The `detail` of the `400 mutability` answer; by default it names the
    /// attribute.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapAttributeSpec {
    /// The attribute the client writes, e.g. `roles.value`: a sub-attribute
    /// of a multi-valued attribute is taken from its primary (or only) element.
    pub from: String,
    /// The attribute the backend stores, e.g.
    /// `urn:ietf:params:scim:schemas:extension:acme:2.0:User:role`.
    pub to: String,
    /// The `detail` of the `400 invalidValue` answer when several values
    /// offer themselves and none is primary; by default it names both attributes.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchViaPutSpec {
    /// How many times to fetch again and retry after `412 Precondition
    /// Failed` (someone else changed the resource meanwhile). Default 3, at most 10.
    #[serde(default)]
    pub retries: Option<u8>,
}

/// No options.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptySpec {}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RewritePathSpec {
    /// Regular expression searched in the path.
    pub pattern: String,
    /// Replacement; `$1`, `${name}` refer to capture groups.
    pub replace: String,
    /// Replace every match instead of the first only.
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetHeaderSpec {
    /// Header name.
    pub name: String,
    /// A literal value. Exactly one of `value` and `value_from`.
    #[serde(default)]
    pub value: Option<String>,
    /// A secret value read at load time; never logged.
    #[serde(default)]
    pub value_from: Option<SecretSourceSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveHeaderSpec {
    /// Header name.
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RewriteHeaderSpec {
    /// Header name.
    pub name: String,
    /// Regular expression searched in the value (first match replaced).
    pub pattern: String,
    /// Replacement; `$1`, `${name}` refer to capture groups.
    pub replace: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveQueryParamSpec {
    /// Parameter names, compared without regard to letter case.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitQueryParamSpec {
    /// The parameter, compared without regard to letter case, e.g. `count`.
    pub name: String,
    /// The greatest value passed on (at least 1); a larger one is replaced by it.
    pub max: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParseJsonStringsSpec {
    /// JSONPath selecting the strings to parse; strings that do not hold a
    /// JSON object are left alone.
    pub select: String,
    /// Only these members of the parsed object are kept (names compared
    /// without regard to letter case). Omitted: all of them.
    #[serde(default)]
    pub keep: Option<Vec<String>>,
}

/// Where a secret comes from. Read once when the rules load.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretSourceSpec {
    /// An environment variable of the scimshim process.
    Env(String),
    /// A file (relative paths are relative to the rule file); one trailing newline is trimmed.
    File(String),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BearerToBasicSpec {
    /// What to do with a bearer token that has no `:`: `reject` (answer 401, the
    /// default) or `forward` (leave the header as it was).
    #[serde(default)]
    pub if_not_pair: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCredentialSpec {
    /// Authorization scheme: `basic` (the secret is `user:password` and is
    /// base64-encoded), `bearer`, or any other scheme name, sent as given.
    pub scheme: String,
    /// Where the secret comes from.
    pub from: SecretSourceSpec,
    /// The header to set; `authorization` unless given.
    #[serde(default)]
    pub header: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoerceSpec {
    /// JSONPath selecting the values to convert.
    pub select: String,
    /// Target type: `boolean`, `number` or `string`.
    pub to: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSpec {
    /// JSONPath selecting the values to replace, or with `key` the objects to set a key in.
    pub select: String,
    /// Set this key inside each selected object instead of replacing the selection.
    #[serde(default)]
    pub key: Option<String>,
    /// The JSON value to set.
    pub value: Value,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectSpec {
    /// JSONPath selecting the values.
    pub select: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameSpec {
    /// JSONPath selecting object members whose key is renamed.
    pub select: String,
    /// The new key.
    pub to: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchStripUrnSpec {
    /// Schema URNs to strip (with the `:` that follows them) from the start of
    /// operation paths. Default: the core User and Group schemas, which strict
    /// servers accept unqualified. Extension URNs are not stripped by default:
    /// an unqualified extension attribute is an invalid path (RFC 7644 §3.10).
    #[serde(default)]
    pub prefixes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDropOpsSpec {
    /// Which operations to drop.
    #[serde(rename = "where")]
    pub where_: OpMatchSpec,
    /// The answer when every operation was dropped (an empty PATCH is invalid).
    pub if_empty: RespondSpec,
}

/// A predicate on one PATCH operation; every field given must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpMatchSpec {
    /// Operation names (case-insensitive): `add`, `remove`, `replace`.
    #[serde(default)]
    pub op: Option<Vec<String>>,
    /// Regular expression searched in the operation's `path`; an operation without
    /// a path does not match.
    #[serde(default)]
    pub path: Option<String>,
    /// `true`: the operation has a `path`; `false`: it has none.
    #[serde(default)]
    pub has_path: Option<bool>,
    /// JSONPath evaluated on the operation's `value`: holds when it selects something.
    #[serde(default)]
    pub value: Option<String>,
}

/// A local answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondSpec {
    /// HTTP status code.
    pub status: u16,
    /// A JSON body. At most one of `body`, `error`, `empty_list`.
    #[serde(default)]
    pub body: Option<Value>,
    /// A SCIM error body (RFC 7644 §3.12) with this response's status.
    #[serde(default)]
    pub error: Option<ErrorBodySpec>,
    /// An empty SCIM ListResponse (RFC 7644 §3.4.2).
    #[serde(default)]
    pub empty_list: bool,
    /// Start from the request's JSON body, then apply `body` over it (key by key).
    #[serde(default)]
    pub echo_request_body: bool,
    /// Extra response headers.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBodySpec {
    /// RFC 7644 §3.12 `scimType`, e.g. `mutability`.
    #[serde(default)]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    pub detail: String,
}

impl ActionSpec {
    /// The action's name as written in rule files and logs.
    pub fn name(&self) -> &'static str {
        match self {
            ActionSpec::RewritePath(_) => "rewrite_path",
            ActionSpec::SetHeader(_) => "set_header",
            ActionSpec::RemoveHeader(_) => "remove_header",
            ActionSpec::RewriteHeader(_) => "rewrite_header",
            ActionSpec::RemoveQueryParam(_) => "remove_query_param",
            ActionSpec::LimitQueryParam(_) => "limit_query_param",
            ActionSpec::BearerToBasic(_) => "bearer_to_basic",
            ActionSpec::SetCredential(_) => "set_credential",
            ActionSpec::Coerce(_) => "coerce",
            ActionSpec::Set(_) => "set",
            ActionSpec::Remove(_) => "remove",
            ActionSpec::Rename(_) => "rename",
            ActionSpec::Lowercase(_) => "lowercase",
            ActionSpec::ParseJsonStrings(_) => "parse_json_strings",
            ActionSpec::CoerceBySchema(_) => "coerce_by_schema",
            ActionSpec::NormalizeFilter(_) => "normalize_filter",
            ActionSpec::PatchLowercaseOp(_) => "patch_lowercase_op",
            ActionSpec::PatchStripUrn(_) => "patch_strip_urn",
            ActionSpec::PatchDropOps(_) => "patch_drop_ops",
            ActionSpec::PatchSplitPathless(_) => "patch_split_pathless",
            ActionSpec::NormalizePatch(_) => "normalize_patch",
            ActionSpec::MembersRemoveByValue(_) => "members_remove_by_value",
            ActionSpec::UpsertFilteredPath(_) => "upsert_filtered_path",
            ActionSpec::ManagerShape(_) => "manager_shape",
            ActionSpec::PatchViaPut(_) => "patch_via_put",
            ActionSpec::DeleteAsDeactivate(_) => "delete_as_deactivate",
            ActionSpec::DeactivateAsDelete(_) => "deactivate_as_delete",
            ActionSpec::Require(_) => "require",
            ActionSpec::Immutable(_) => "immutable",
            ActionSpec::MapAttribute(_) => "map_attribute",
            ActionSpec::Respond(_) => "respond",
        }
    }

    /// Whether the action may run in a response rule (it edits only headers
    /// or the JSON body).
    /// The names of the actions for which [`ActionSpec::works_on_responses`]
    /// holds, for messages; keep the two in step.
    pub const RESPONSE_ACTIONS: &'static str = "set_header, remove_header, rewrite_header, coerce, coerce_by_schema, set, remove, rename, lowercase, parse_json_strings, manager_shape and respond";

    pub fn works_on_responses(&self) -> bool {
        matches!(
            self,
            ActionSpec::SetHeader(_)
                | ActionSpec::RemoveHeader(_)
                | ActionSpec::RewriteHeader(_)
                | ActionSpec::Coerce(_)
                | ActionSpec::CoerceBySchema(_)
                | ActionSpec::Set(_)
                | ActionSpec::Remove(_)
                | ActionSpec::Rename(_)
                | ActionSpec::Lowercase(_)
                | ActionSpec::ParseJsonStrings(_)
                | ActionSpec::ManagerShape(_)
                | ActionSpec::Respond(_)
        )
    }
}

/// The JSON Schema of a rule file, for editors.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(RuleFile)).unwrap_or(Value::Null)
}
