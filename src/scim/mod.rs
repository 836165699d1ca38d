//! SCIM 2.0 vocabulary shared by the engine and the proxy: schema URNs, endpoint
//! classification of request paths, and RFC 7644 §3.12 error bodies.
//!
//! This module is a leaf: it depends on nothing else in the crate and does no I/O.

pub mod classify;
pub mod error;
pub mod filter;
pub mod patch;
pub mod query;
pub mod quirks;
pub mod schema;
pub mod urn;

pub use classify::{Endpoint, EndpointKind, ResourceKind, classify};
pub use error::{ScimError, ScimType};
