//! SCIM filters (RFC 7644 §3.4.2.2) and the attribute / PATCH path grammar that
//! shares their lexer (RFC 7644 §3.5.2): parse to an AST, print it back as
//! canonical text, evaluate it against a resource.
//!
//! Attribute names and operators are case-insensitive; the AST keeps names as
//! written and compares them case-insensitively. Parse errors carry the 1-based
//! column (in characters) where parsing failed. Nesting is bounded
//! ([`MAX_NESTING`], [`MAX_DEPTH`]) so hostile input gets an error, not a
//! stack overflow.
//!
//! ```
//! use scimshim::scim::filter::{CaseInsensitive, parse};
//!
//! let filter = parse(r#"userName EQ "bjensen" and (emails[type eq "work"])"#).unwrap();
//! assert_eq!(filter.to_string(), r#"userName eq "bjensen" and emails[type eq "work"]"#);
//! let user = serde_json::json!({"userName": "BJensen", "emails": [{"type": "work"}]});
//! assert!(filter.matches(&user, &CaseInsensitive));
//! ```

mod ast;
mod eval;
mod parse;
mod print;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
pub use eval::{AttrInfo, CaseInsensitive, matching_indices};
pub use parse::{
    FilterError, MAX_DEPTH, MAX_NESTING, parse, parse_attr_path, parse_lenient, parse_patch_path,
};
pub use print::quote;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
