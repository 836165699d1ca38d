//! SCIM schemas (RFC 7643 §2, §7, §8.7.1): attribute definitions for the core
//! User, Group and EnterpriseUser schemas, resource types that combine a core
//! schema with extensions, lookup of attributes by path (case-insensitive,
//! with or without URN), validation of resources against them, normalisation
//! of request bodies (key spelling, coercion of lax values such as `"True"`),
//! projection of responses (`attributes`, `excludedAttributes`, `returned`),
//! and the `/Schemas` and `/ResourceTypes` representations.
//!
//! The definitions are built once; [`ResourceType::user`] and
//! [`ResourceType::group`] hand out cheap clones that share them.

mod core;
mod model;
mod normalize;
mod project;
mod repr;
mod validate;

#[cfg(test)]
mod tests;

pub use model::{
    AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Uniqueness, Validation,
};
pub use normalize::Coerced;
pub use repr::{RESOURCE_TYPE_URN, SCHEMA_URN};
