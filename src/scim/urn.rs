//! Schema and message URNs from RFC 7643 §8.7 and RFC 7644 §3.

/// Core User schema (RFC 7643 §4.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema (RFC 7643 §4.2).
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// List response message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// PATCH request message (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Error message (RFC 7644 §3.12).
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The media type SCIM bodies use (RFC 7644 §3.1).
pub const MEDIA_TYPE: &str = "application/scim+json";
