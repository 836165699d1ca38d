//! Rule actions: compiled from their spec once at load, applied to a [`Request`]
//! per request. One file per family; each action records every change it makes
//! in the [`Trace`].

mod auth;
mod filter;
mod header;
mod json;
mod json_strings;
mod mapping;
mod patch;
mod path;
mod query_limit;
mod resource;
mod respond;
mod scim;
mod split_pathless;
mod target;
mod typed;
mod validate;

use std::path::Path;
use std::sync::Arc;

use http::HeaderName;
use regex::Regex;

use super::diagnostic::Problem;
use super::jsonpath::JsonPath;
use super::model::{ActionSpec, SecretSourceSpec};
use super::request::Request;
use super::secret::{self, Env, Secret};
use super::trace::Trace;
use super::yaml::FieldPath;

pub use respond::{LocalResponse, Respond};

/// What evaluation does after an action.
#[derive(Debug)]
pub enum Flow {
    Continue,
    /// Stop and answer locally.
    Respond(LocalResponse),
}

/// A compiled action.
#[derive(Debug)]
pub enum Action {
    RewritePath(path::RewritePath),
    SetHeader(header::SetHeader),
    RemoveHeader(header::RemoveHeader),
    RewriteHeader(header::RewriteHeader),
    RemoveQueryParam(filter::RemoveQueryParam),
    LimitQueryParam(query_limit::LimitQueryParam),
    BearerToBasic(auth::BearerToBasic),
    SetCredential(auth::SetCredential),
    Coerce(json::Coerce),
    CoerceBySchema(typed::CoerceBySchema),
    Set(json::Set),
    Remove(json::Remove),
    Rename(json::Rename),
    Lowercase(json::Lowercase),
    ParseJsonStrings(json_strings::ParseJsonStrings),
    NormalizeFilter(filter::NormalizeFilter),
    PatchLowercaseOp(patch::LowercaseOp),
    PatchStripUrn(patch::StripUrn),
    PatchDropOps(patch::DropOps),
    PatchSplitPathless(split_pathless::PatchSplitPathless),
    NormalizePatch(scim::NormalizePatch),
    MembersRemoveByValue(scim::MembersRemoveByValue),
    UpsertFilteredPath(resource::UpsertFilteredPath),
    ManagerShape(scim::ManagerShape),
    PatchViaPut(resource::PatchViaPut),
    DeleteAsDeactivate(resource::DeleteAsDeactivate),
    DeactivateAsDelete(resource::DeactivateAsDelete),
    Require(validate::Require),
    Immutable(validate::Immutable),
    MapAttribute(mapping::MapAttribute),
    Respond(Respond),
}

impl Action {
    pub fn compile(spec: &ActionSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Action> {
        let field = field.key(spec.name());
        Some(match spec {
            ActionSpec::RewritePath(s) => {
                Action::RewritePath(path::RewritePath::compile(s, &field, cx)?)
            }
            ActionSpec::SetHeader(s) => {
                Action::SetHeader(header::SetHeader::compile(s, &field, cx)?)
            }
            ActionSpec::RemoveHeader(s) => {
                Action::RemoveHeader(header::RemoveHeader::compile(s, &field, cx)?)
            }
            ActionSpec::RewriteHeader(s) => {
                Action::RewriteHeader(header::RewriteHeader::compile(s, &field, cx)?)
            }
            ActionSpec::RemoveQueryParam(s) => {
                Action::RemoveQueryParam(filter::RemoveQueryParam::compile(s, &field, cx)?)
            }
            ActionSpec::LimitQueryParam(s) => {
                Action::LimitQueryParam(query_limit::LimitQueryParam::compile(s, &field, cx)?)
            }
            ActionSpec::BearerToBasic(s) => {
                Action::BearerToBasic(auth::BearerToBasic::compile(s, &field, cx)?)
            }
            ActionSpec::SetCredential(s) => {
                Action::SetCredential(auth::SetCredential::compile(s, &field, cx)?)
            }
            ActionSpec::Coerce(s) => Action::Coerce(json::Coerce::compile(s, &field, cx)?),
            ActionSpec::CoerceBySchema(_) => Action::CoerceBySchema(typed::CoerceBySchema::new()),
            ActionSpec::Set(s) => Action::Set(json::Set::compile(s, &field, cx)?),
            ActionSpec::Remove(s) => Action::Remove(json::Remove::compile(s, &field, cx)?),
            ActionSpec::Rename(s) => Action::Rename(json::Rename::compile(s, &field, cx)?),
            ActionSpec::Lowercase(s) => Action::Lowercase(json::Lowercase::compile(s, &field, cx)?),
            ActionSpec::ParseJsonStrings(s) => {
                Action::ParseJsonStrings(json_strings::ParseJsonStrings::compile(s, &field, cx)?)
            }
            ActionSpec::NormalizeFilter(_) => Action::NormalizeFilter(filter::NormalizeFilter),
            ActionSpec::PatchLowercaseOp(_) => Action::PatchLowercaseOp(patch::LowercaseOp),
            ActionSpec::PatchStripUrn(s) => {
                Action::PatchStripUrn(patch::StripUrn::compile(s, &field, cx)?)
            }
            ActionSpec::PatchDropOps(s) => {
                Action::PatchDropOps(patch::DropOps::compile(s, &field, cx)?)
            }
            ActionSpec::PatchSplitPathless(_) => {
                Action::PatchSplitPathless(split_pathless::PatchSplitPathless)
            }
            ActionSpec::NormalizePatch(_) => Action::NormalizePatch(scim::NormalizePatch),
            ActionSpec::MembersRemoveByValue(_) => {
                Action::MembersRemoveByValue(scim::MembersRemoveByValue)
            }
            ActionSpec::UpsertFilteredPath(_) => {
                Action::UpsertFilteredPath(resource::UpsertFilteredPath)
            }
            ActionSpec::ManagerShape(_) => Action::ManagerShape(scim::ManagerShape),
            ActionSpec::PatchViaPut(s) => {
                let retries = s.retries.unwrap_or(3);
                if retries > 10 {
                    cx.error(
                        field.key("retries"),
                        format!("{retries} retries is too many"),
                        Some("at most 10: each retry is another GET and PUT"),
                    );
                    return None;
                }
                Action::PatchViaPut(resource::PatchViaPut { retries })
            }
            ActionSpec::DeleteAsDeactivate(_) => {
                Action::DeleteAsDeactivate(resource::DeleteAsDeactivate)
            }
            ActionSpec::DeactivateAsDelete(_) => {
                Action::DeactivateAsDelete(resource::DeactivateAsDelete)
            }
            ActionSpec::Require(s) => Action::Require(validate::Require::compile(s, &field, cx)?),
            ActionSpec::Immutable(s) => {
                Action::Immutable(validate::Immutable::compile(s, &field, cx)?)
            }
            ActionSpec::MapAttribute(s) => {
                Action::MapAttribute(mapping::MapAttribute::compile(s, &field, cx)?)
            }
            ActionSpec::Respond(s) => Action::Respond(Respond::compile(s, &field, cx)?),
        })
    }

    /// The action's name, as in rule files and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Action::RewritePath(_) => "rewrite_path",
            Action::SetHeader(_) => "set_header",
            Action::RemoveHeader(_) => "remove_header",
            Action::RewriteHeader(_) => "rewrite_header",
            Action::RemoveQueryParam(_) => "remove_query_param",
            Action::LimitQueryParam(_) => "limit_query_param",
            Action::BearerToBasic(_) => "bearer_to_basic",
            Action::SetCredential(_) => "set_credential",
            Action::Coerce(_) => "coerce",
            Action::CoerceBySchema(_) => "coerce_by_schema",
            Action::Set(_) => "set",
            Action::Remove(_) => "remove",
            Action::Rename(_) => "rename",
            Action::Lowercase(_) => "lowercase",
            Action::ParseJsonStrings(_) => "parse_json_strings",
            Action::NormalizeFilter(_) => "normalize_filter",
            Action::PatchLowercaseOp(_) => "patch_lowercase_op",
            Action::PatchStripUrn(_) => "patch_strip_urn",
            Action::PatchDropOps(_) => "patch_drop_ops",
            Action::PatchSplitPathless(_) => "patch_split_pathless",
            Action::NormalizePatch(_) => "normalize_patch",
            Action::MembersRemoveByValue(_) => "members_remove_by_value",
            Action::UpsertFilteredPath(_) => "upsert_filtered_path",
            Action::ManagerShape(_) => "manager_shape",
            Action::PatchViaPut(_) => "patch_via_put",
            Action::DeleteAsDeactivate(_) => "delete_as_deactivate",
            Action::DeactivateAsDelete(_) => "deactivate_as_delete",
            Action::Require(_) => "require",
            Action::Immutable(_) => "immutable",
            Action::MapAttribute(_) => "map_attribute",
            Action::Respond(_) => "respond",
        }
    }

    /// Whether the action, about to run on `req`, needs the resource as the
    /// upstream holds it now (see [`crate::rules::Step::NeedResource`]).
    pub fn wants_resource(&self, req: &Request) -> bool {
        match self {
            Action::UpsertFilteredPath(a) => a.wants_resource(req),
            Action::PatchViaPut(a) => a.wants_resource(req),
            Action::Immutable(a) => a.wants_resource(req),
            _ => false,
        }
    }

    /// Whether the action reads or edits the body (so the body must be buffered).
    pub fn needs_body(&self) -> bool {
        match self {
            Action::RewritePath(_)
            | Action::SetHeader(_)
            | Action::RemoveHeader(_)
            | Action::RewriteHeader(_)
            | Action::RemoveQueryParam(_)
            | Action::LimitQueryParam(_)
            | Action::BearerToBasic(_)
            | Action::SetCredential(_)
            | Action::DeleteAsDeactivate(_)
            | Action::NormalizeFilter(_) => false,
            Action::Respond(r) => r.needs_body(),
            Action::Require(r) => r.needs_body(),
            _ => true,
        }
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) -> Flow {
        match self {
            Action::RewritePath(a) => a.apply(rule, req, trace),
            Action::SetHeader(a) => a.apply(rule, req, trace),
            Action::RemoveHeader(a) => a.apply(rule, req, trace),
            Action::RewriteHeader(a) => a.apply(rule, req, trace),
            Action::RemoveQueryParam(a) => a.apply(rule, req, trace),
            Action::LimitQueryParam(a) => a.apply(rule, req, trace),
            Action::BearerToBasic(a) => return a.apply(rule, req, trace),
            Action::SetCredential(a) => a.apply(rule, req, trace),
            Action::Coerce(a) => a.apply(rule, req, trace),
            Action::CoerceBySchema(a) => a.apply(rule, req, trace),
            Action::Set(a) => a.apply(rule, req, trace),
            Action::Remove(a) => a.apply(rule, req, trace),
            Action::Rename(a) => a.apply(rule, req, trace),
            Action::Lowercase(a) => a.apply(rule, req, trace),
            Action::ParseJsonStrings(a) => a.apply(rule, req, trace),
            Action::NormalizeFilter(a) => a.apply(rule, req, trace),
            Action::PatchLowercaseOp(a) => a.apply(rule, req, trace),
            Action::PatchStripUrn(a) => a.apply(rule, req, trace),
            Action::PatchDropOps(a) => return a.apply(rule, req, trace),
            Action::PatchSplitPathless(a) => a.apply(rule, req, trace),
            Action::NormalizePatch(a) => a.apply(rule, req, trace),
            Action::MembersRemoveByValue(a) => return a.apply(rule, req, trace),
            Action::UpsertFilteredPath(a) => a.apply(rule, req, trace),
            Action::ManagerShape(a) => a.apply(rule, req, trace),
            Action::PatchViaPut(a) => return a.apply(rule, req, trace),
            Action::DeleteAsDeactivate(a) => a.apply(rule, req, trace),
            Action::DeactivateAsDelete(a) => a.apply(rule, req, trace),
            Action::Require(a) => return a.apply(rule, req),
            Action::Immutable(a) => return a.apply(rule, req, trace),
            Action::MapAttribute(a) => return a.apply(rule, req, trace),
            Action::Respond(a) => return Flow::Respond(a.respond(rule, req)),
        }
        Flow::Continue
    }
}

/// How secrets are treated while compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMode {
    /// Read them; a missing one is an error (`serve`).
    Require,
    /// Read them if present; a missing one is a warning (`check`, `test`, `explain`).
    Lenient,
}

/// Shared state while compiling one rule: where problems go, and how to reach secrets.
pub struct CompileCx<'a> {
    pub problems: Vec<Problem>,
    pub env: &'a dyn Env,
    /// Directory of the rule file, for relative secret file paths.
    pub base_dir: &'a Path,
    pub secrets: SecretMode,
}

impl<'a> CompileCx<'a> {
    pub fn new(env: &'a dyn Env, base_dir: &'a Path, secrets: SecretMode) -> Self {
        CompileCx {
            problems: Vec::new(),
            env,
            base_dir,
            secrets,
        }
    }

    pub fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    pub fn error(&mut self, field: FieldPath, message: impl Into<String>, hint: Option<&str>) {
        let mut p = Problem::error(field, message);
        p.hint = hint.map(str::to_string);
        self.problems.push(p);
    }

    pub fn regex(&mut self, field: FieldPath, pattern: &str) -> Option<Regex> {
        match Regex::new(pattern) {
            Ok(re) => Some(re),
            Err(e) => {
                let detail = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string();
                self.error(
                    field,
                    format!("invalid regular expression `{pattern}`: {detail}"),
                    Some("the syntax is the Rust `regex` crate's; in YAML, prefer single quotes so backslashes stay literal"),
                );
                None
            }
        }
    }

    pub fn jsonpath(&mut self, field: FieldPath, text: &str) -> Option<JsonPath> {
        match JsonPath::compile(text) {
            Ok(p) => Some(p),
            Err(e) => {
                let mut p = Problem::error(field, e.message);
                p.hint = e.hint;
                self.problems.push(p);
                None
            }
        }
    }

    pub fn header_name(&mut self, field: FieldPath, name: &str) -> Option<HeaderName> {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(h) => Some(h),
            Err(_) => {
                self.error(
                    field,
                    format!("`{name}` is not a valid header name"),
                    Some("header names are tokens: letters, digits and !#$%&'*+-.^_`|~"),
                );
                None
            }
        }
    }

    /// Reads a secret now. In lenient mode a missing secret yields a placeholder
    /// and a warning, so the rest of the rule can still be checked.
    pub fn secret(&mut self, field: FieldPath, source: &SecretSourceSpec) -> Option<Secret> {
        let (found, what) = match source {
            SecretSourceSpec::Env(name) => (
                self.env
                    .var(name)
                    .filter(|v| !v.is_empty())
                    .map(Secret::new),
                format!("environment variable `{name}` is not set or empty"),
            ),
            SecretSourceSpec::File(path) => {
                let full = self.base_dir.join(path);
                match secret::read_file(&full) {
                    Ok(s) if !s.expose().is_empty() => (Some(s), String::new()),
                    Ok(_) => (None, format!("secret file `{}` is empty", full.display())),
                    Err(e) => (
                        None,
                        format!("cannot read secret file `{}`: {e}", full.display()),
                    ),
                }
            }
        };
        match (found, self.secrets) {
            (Some(s), _) => Some(s),
            (None, SecretMode::Require) => {
                self.error(
                    field,
                    what,
                    Some(
                        "serve reads secrets when the rules load and refuses to start without them",
                    ),
                );
                None
            }
            (None, SecretMode::Lenient) => {
                self.push(
                    Problem::warning(field, what).hint(
                        "fine for `check` in CI; `serve` will refuse to start unless it is set",
                    ),
                );
                Some(Secret::new("placeholder"))
            }
        }
    }
}
