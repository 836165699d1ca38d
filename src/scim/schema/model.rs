//! The schema model (RFC 7643 §2, §6, §7) and attribute lookup by path.

use std::sync::Arc;

use serde_json::Value;

use super::normalize::Coerced;
use super::{core, normalize, repr, validate};
use crate::scim::error::ScimError;
use crate::scim::filter::{AttrInfo, AttrPath, Filter, PatchPath};

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The name in the schema's spelling; lookups ignore case (§2.1).
    pub name: String,
    /// `type` (§2.3).
    pub ty: AttrType,
    /// `multiValued`: the value is a JSON array (§2.4).
    pub multi_valued: bool,
    /// `required` on create and replace.
    pub required: bool,
    /// `caseExact`: string comparisons respect case (§2.2).
    pub case_exact: bool,
    /// `mutability`.
    pub mutability: Mutability,
    /// `returned`: when a response carries the attribute.
    pub returned: Returned,
    /// `uniqueness`.
    pub uniqueness: Uniqueness,
    /// `canonicalValues`: suggested values, not enforced (§7).
    pub canonical_values: Vec<String>,
    /// `referenceTypes` of a `reference` attribute (§7).
    pub reference_types: Vec<String>,
    /// `description`.
    pub description: String,
    /// `subAttributes` of a complex attribute (§2.3.8: never complex).
    pub sub_attributes: Vec<Attribute>,
}

/// A schema: its URN id and top-level attributes.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    pub name: String,
    /// A human-readable description.
    pub description: String,
    /// The top-level attributes, in declaration order.
    pub attributes: Vec<Attribute>,
}

/// A resource type (RFC 7643 §6): core schema plus extensions.
#[derive(Debug, Clone)]
pub struct ResourceType {
    /// The resource type's name and id, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// The core schema.
    pub schema: Arc<Schema>,
    /// Extension schemas and whether each is required.
    pub extensions: Vec<(Arc<Schema>, bool)>,
}

/// Pairs each variant with its RFC 7643 §7 keyword, and gives the enum
/// `as_str` and a case-insensitive `parse`.
macro_rules! keywords {
    ($ty:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            /// The keyword as written in a schema representation.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $word,)+
                }
            }

            /// Reads a keyword, ignoring letter case.
            pub fn parse(s: &str) -> Option<$ty> {
                [$($ty::$variant),+]
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

keywords!(AttrType {
    String => "string",
    Boolean => "boolean",
    Decimal => "decimal",
    Integer => "integer",
    DateTime => "dateTime",
    Binary => "binary",
    Reference => "reference",
    Complex => "complex",
});

keywords!(Mutability {
    ReadOnly => "readOnly",
    ReadWrite => "readWrite",
    Immutable => "immutable",
    WriteOnly => "writeOnly",
});

keywords!(Returned {
    Always => "always",
    Never => "never",
    Default => "default",
    Request => "request",
});

keywords!(Uniqueness {
    None => "none",
    Server => "server",
    Global => "global",
});

/// What a resource is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// A POST body.
    Create,
    /// A PUT body or the result of a PATCH.
    Replace,
}

impl Attribute {
    /// The sub-attribute `name` (case-insensitive).
    pub fn sub(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

impl Schema {
    /// The top-level attribute `name` (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The schema's representation as served at `/Schemas/{id}` (RFC 7643 §7
    /// and §8.7.1), with a relative `meta.location`.
    pub fn to_json(&self) -> Value {
        repr::schema_json(self)
    }

    /// Reads a schema representation (as served at `/Schemas/{id}`) back.
    /// Characteristics that are absent take the RFC 7643 §2.2 defaults; the
    /// error names the offending field, e.g. `attributes[2].type`.
    pub fn from_json(value: &Value) -> Result<Schema, String> {
        repr::schema_from_json(value)
    }
}

impl ResourceType {
    /// RFC 7643 `User` with the enterprise extension (optional).
    pub fn user() -> ResourceType {
        core::USER_TYPE.clone()
    }

    /// RFC 7643 `Group`.
    pub fn group() -> ResourceType {
        core::GROUP_TYPE.clone()
    }

    /// The common attributes of RFC 7643 §3.1 (`id`, `externalId`, `meta`),
    /// which every resource has and no schema defines.
    pub fn common_attributes() -> &'static [Attribute] {
        &core::COMMON
    }

    /// The core schema, then the extensions, in declaration order.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        std::iter::once(&*self.schema).chain(self.extensions.iter().map(|(s, _)| &**s))
    }

    /// The schema with this URN (core or extension), case-insensitive.
    pub fn schema_for_urn(&self, urn: &str) -> Option<&Schema> {
        self.schemas().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The extension schema with this URN (case-insensitive); `None` for the
    /// core schema.
    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .map(|(s, _)| &**s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Recognises a path that names a whole extension: the path grammar
    /// splits `urn:…:enterprise:2.0:User` into the URN `urn:…:enterprise:2.0`
    /// and the name `User`, so `urn + ":" + name` is compared with each
    /// extension id (RFC 7644 §3.10).
    pub fn extension_by_path(&self, path: &AttrPath) -> Option<&Schema> {
        let urn = path.urn.as_deref()?;
        if path.sub.is_some() {
            return None;
        }
        self.extensions.iter().map(|(s, _)| &**s).find(|s| {
            s.id.len() == urn.len() + 1 + path.name.len()
                && s.id
                    .get(..urn.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(urn))
                && s.id.get(urn.len()..urn.len() + 1) == Some(":")
                && s.id
                    .get(urn.len() + 1..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(&path.name))
        })
    }

    /// Resolves a top-level attribute name, optionally qualified by a schema
    /// URN. Common attributes (RFC 7643 §3.1) resolve with or without the
    /// core schema's URN and are reported with the core schema, since they
    /// sit at the top level of the resource like its attributes.
    pub fn top_attribute(&self, urn: Option<&str>, name: &str) -> Option<(&Schema, &Attribute)> {
        let common = || {
            core::COMMON
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
                .map(|a| (&*self.schema, a))
        };
        match urn {
            Some(urn) => {
                let schema = self.schema_for_urn(urn)?;
                if std::ptr::eq(schema, &*self.schema) {
                    common().or_else(|| schema.attribute(name).map(|a| (schema, a)))
                } else {
                    schema.attribute(name).map(|a| (schema, a))
                }
            }
            None => common().or_else(|| {
                self.schemas()
                    .find_map(|s| s.attribute(name).map(|a| (s, a)))
            }),
        }
    }

    /// Resolves a path to its definition: the attribute (or, with `path.sub`,
    /// the sub-attribute) and the schema it belongs to. Without a URN, the
    /// common attributes and the core schema are searched first, then the
    /// extensions. Names and URNs compare case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, path: &AttrPath) -> Option<(&Schema, &Attribute)> {
        let (schema, attr) = self.top_attribute(path.urn.as_deref(), &path.name)?;
        match &path.sub {
            None => Some((schema, attr)),
            Some(sub) => attr.sub(sub).map(|s| (schema, s)),
        }
    }

    /// Checks a resource the way a strict service provider must: known
    /// `schemas` URNs, no unknown attributes, values of the declared type and
    /// plurality, required attributes present. Read-only attributes are
    /// ignored on input (RFC 7643 §7), not rejected. The module doc of
    /// `schema/validate.rs` tables each decision with its RFC section.
    pub fn validate(&self, resource: &Value, mode: Validation) -> Result<(), ScimError> {
        validate::resource(self, resource, mode)
    }

    /// Coerces lax values to the schema's type in place (`"True"` → `true`
    /// for booleans, `"42"` → `42` for integers); returns the JSON pointers
    /// (RFC 6901) of the values changed. Values that cannot be coerced are
    /// left alone. Attribute names match case-insensitively, so this may run
    /// before or after [`ResourceType::canonicalize`].
    pub fn coerce(&self, resource: &mut Value) -> Vec<String> {
        let mut changed = Vec::new();
        normalize::coerce(self, resource, &mut changed);
        changed.into_iter().map(|(pointer, _)| pointer).collect()
    }

    /// Like [`ResourceType::coerce`], keeping each changed value's previous
    /// value (for logs).
    pub fn coerce_traced(&self, resource: &mut Value) -> Vec<Coerced> {
        let mut changed = Vec::new();
        normalize::coerce(self, resource, &mut changed);
        changed
    }

    /// A copy of `filter` whose string comparison values that spell a boolean
    /// or an integer (`primary eq "True"`) take the type the schema declares
    /// for their attribute, so that the filter matches as the client meant.
    /// `parent` is the multi-valued attribute of a PATCH value filter
    /// (`roles` in `roles[primary eq "True"]`), whose sub-attributes the
    /// filter names.
    pub fn coerce_filter(&self, parent: Option<&AttrPath>, filter: &Filter) -> Filter {
        let parent = parent.and_then(|p| self.attribute(p)).map(|(_, a)| a);
        normalize::coerce_filter(self, parent, filter)
    }

    /// Coerces the `value` of a PATCH operation whose path is `path` (`None`
    /// for a path-less operation, whose value is a partial resource): the
    /// path decides which attribute's type applies. Pointers are relative to
    /// the value; paths that name no attribute leave the value alone.
    pub fn coerce_patch_value(&self, path: Option<&PatchPath>, value: &mut Value) -> Vec<Coerced> {
        let mut changed = Vec::new();
        normalize::coerce_patch_value(self, path, value, &mut changed);
        changed
    }

    /// The representation served at `/ResourceTypes/{name}` (RFC 7643 §6).
    pub fn to_json(&self) -> Value {
        repr::resource_type_json(self)
    }
}

/// The definition a filter path names: for a value path's inner filter the
/// path is relative to the multi-valued `parent`.
fn filter_target<'a>(
    rt: &'a ResourceType,
    parent: Option<&AttrPath>,
    path: &AttrPath,
) -> Option<&'a Attribute> {
    match parent {
        Some(parent) => {
            let (_, outer) = rt.top_attribute(parent.urn.as_deref(), &parent.name)?;
            let inner = outer.sub(&path.name)?;
            match &path.sub {
                None => Some(inner),
                Some(sub) => inner.sub(sub),
            }
        }
        None => rt.attribute(path).map(|(_, a)| a),
    }
}

impl AttrInfo for ResourceType {
    fn case_exact(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool {
        filter_target(self, parent, path).is_some_and(|a| a.case_exact)
    }
    fn is_date_time(&self, parent: Option<&AttrPath>, path: &AttrPath) -> bool {
        filter_target(self, parent, path).is_some_and(|a| a.ty == AttrType::DateTime)
    }
}
