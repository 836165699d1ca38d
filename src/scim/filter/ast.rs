//! The filter and path AST.

use serde_json::Number;

/// An attribute path: `[urn ":"] name ["." sub]` (RFC 7644 §3.10).
///
/// `urn` is the schema URN without the trailing colon, e.g.
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN before the attribute name, if written.
    pub urn: Option<String>,
    /// The attribute name as written (compare it case-insensitively).
    pub name: String,
    /// The sub-attribute after `.`, if written.
    pub sub: Option<String>,
}

/// Comparison operators of RFC 7644 §3.4.2.2, Table 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
}

/// A comparison value: JSON `false`, `null`, `true`, a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A JSON number: an integer when written without fraction or exponent
    /// and it fits 64 bits, else a float.
    Number(Number),
    /// A JSON string, unescaped.
    String(String),
}

/// A parsed filter. Grouping parentheses are not kept: the printer adds them
/// where precedence needs them (`not` > `and` > `or`).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath pr`
    Present(AttrPath),
    /// `attrPath op value`
    Compare(AttrPath, CompareOp, CompValue),
    /// `not (filter)`
    Not(Box<Filter>),
    /// `filter and filter`
    And(Box<Filter>, Box<Filter>),
    /// `filter or filter`
    Or(Box<Filter>, Box<Filter>),
    /// `attrPath[valFilter]`: the inner filter's paths are relative to each
    /// element of the multi-valued attribute `attrPath` (which has no `sub`).
    ValuePath(AttrPath, Box<Filter>),
}

/// A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or
/// `attrPath "[" valFilter "]" ["." subAttr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute; `sub` is set only for the plain `attr.sub` form.
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued `attr`.
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`emails[type eq "work"].value`).
    pub sub: Option<String>,
}
