//! SCIM PATCH (RFC 7644 §3.5.2): the PatchOp message ([`PatchRequest`]) and
//! an applier ([`apply`]) with the RFC's add / remove / replace semantics,
//! checked against the resource type's schemas.
//!
//! Every rejection is HTTP 400 with one `scimType` of RFC 7644 §3.12. Where
//! the RFC leaves the choice open, the answer follows scim2-server 0.8.3 (the
//! strict reference backend); the few deliberate differences are marked
//! "differs".
//!
//! # Reading the message ([`PatchRequest::from_json`])
//!
//! | Input | Strict | Lenient |
//! |---|---|---|
//! | body not an object | `invalidSyntax` | same |
//! | `schemas` missing (§3.5.2 "MUST contain") | `invalidSyntax` (differs: scim2-server accepts) | accepted |
//! | `schemas` without the PatchOp URN | `invalidSyntax` | same |
//! | `schemas` with other URNs besides it | `invalidSyntax` | accepted |
//! | `schemas` not an array of strings | `invalidValue` | same |
//! | unknown or repeated member (names are case-insensitive, RFC 7643 §2.1) | `invalidSyntax` | ignored; first spelling wins |
//! | `Operations` missing / not an array / empty | `invalidValue` | same |
//! | an operation that is not an object | `invalidValue` | same |
//! | `op` missing, not a string, unknown | `invalidValue` | same |
//! | `op` in another case (`"Replace"`, ENTRA-01) | `invalidValue` (differs: scim2-server accepts) | accepted |
//! | `path` not a string | `invalidPath` (differs: scim2-server says `invalidValue`) | same |
//! | `path` that does not parse | `invalidPath`, detail has the column | same |
//! | `remove` without `path` (§3.5.2.2) | `noTarget` | same |
//! | `remove` with a `value` (ENTRA-04) | `invalidValue` | kept, for rules to rewrite |
//! | `add` without `value` or with `null`; `replace` without `value` | `invalidValue` | same |
//!
//! A `null` path is an absent path; `replace` with a `null` value unassigns
//! the target (RFC 7643 §2.5, as scim2-server does).
//!
//! # Applying it ([`apply`])
//!
//! Atomic: the operations run in order on a copy, and the first error leaves
//! the resource untouched (§3.5.2). The result says whether the resource
//! changed, so a no-op PATCH keeps the resource's version.
//!
//! Targets:
//! * no path: the value is a partial resource, keyed by core attribute names
//!   and by extension URNs (whose values are objects of extension
//!   attributes), optionally with `schemas` (only the resource type's URNs;
//!   otherwise ignored). Dotted keys (`name.givenName`) and URN-qualified
//!   attribute keys (ENTRA-05) are `invalidValue` (differs: scim2-server
//!   accepts them; rules rewrite them). Each attribute gets the operation's
//!   semantics; a `null` member unassigns.
//! * `attr`, `urn:…:attr` (core or extension, ENTRA-06), the bare extension
//!   URN (the whole extension object), `attr.sub`, `attr[filter]`,
//!   `attr[filter].sub`.
//! * Extension attributes live in the object keyed by the extension URN; it
//!   is created (and the URN added to `schemas`) on first write and dropped
//!   (with its URN) when it becomes empty.
//! * Attribute and sub-attribute names match case-insensitively; what is
//!   written uses the schema's spelling, in place of the old spelling.
//!
//! Semantics:
//! * add (§3.5.2.1): single-valued → set (complex: sub-attributes merged);
//!   multi-valued → the given values (an array, or one value) not already
//!   present are appended (exact JSON equality, so a member with another
//!   `display` is new, as in scim2-server; duplicates within the request
//!   are dropped). `attr[filter]` merges the object into each matching
//!   value, `attr[filter].sub` sets the sub-attribute on each; no match →
//!   `noTarget` (ENTRA-07, as scim2-server). `attr.sub` on a multi-valued
//!   attribute sets it on every value (none → no change).
//! * remove (§3.5.2.2): `attr` unassigns; `attr.sub` removes the
//!   sub-attribute (of every value when multi-valued); `attr[filter]` removes
//!   the matching values, no match → no change (ENTRA-15, as scim2-server);
//!   `attr[filter].sub` removes the sub-attribute of the matching values.
//!   A multi-valued attribute left without values, and a complex value or
//!   extension left without members, is unassigned (RFC 7643 §2.5).
//! * replace (§3.5.2.3): single-valued → set, complex sub-attributes merged
//!   ("sub-attributes that are not specified in the value parameter are
//!   left unchanged"); a missing attribute is added; multi-valued without a
//!   filter → exactly the given values (an empty list unassigns, ENTRA-14 is
//!   RFC-literal); `attr[filter]` → each matching value replaced as a whole
//!   ("all matching record values SHALL be replaced"; differs: scim2-server
//!   merges); `attr[filter].sub` → the sub-attribute set; no match →
//!   `noTarget`.
//! * `primary` (RFC 7644 §3.5.2, RFC 7643 §2.4): a value written with
//!   `primary: true` sets `primary: false` on the others; two written at
//!   once → `invalidValue` (as scim2-server).
//!
//! Errors (all 400):
//! * unknown attribute or sub-attribute in `path`, a sub-attribute of a
//!   simple attribute → `invalidPath` (as scim2-server);
//! * extension attribute without its URN (`employeeNumber`) → `invalidPath`
//!   (as scim2-server): the schema lookup would find it, but RFC 7644 §3.10
//!   names extension attributes with their URN, so the applier enforces it;
//! * unknown member in a value (path-less key, sub-attribute of a complex
//!   value) → `invalidValue` (as scim2-server);
//! * a value of the wrong JSON type for the schema (RFC 7643 §2.3; no
//!   coercion, so `"True"` is not a boolean; ENTRA-08's bare manager string
//!   is not a complex value), a scalar where a complex value is needed →
//!   `invalidValue` (as scim2-server, which however coerces `"True"`/`1`);
//! * a filter on a single-valued attribute (ENTRA-08 `manager[value eq …]`),
//!   a filter naming something that is not a sub-attribute → `invalidFilter`
//!   (as scim2-server);
//! * `readOnly` (`id`, `meta`, `groups`, `manager.displayName`): any remove,
//!   or a write that changes the value → `mutability`; writing the current
//!   value is a no-op (OKTA-03; scim2-server agrees path-less, but rejects a
//!   pathed `replace id` with the same value: differs);
//! * `immutable` (`members.value`, `members.$ref`, `members.type`): changing
//!   or removing a value that is set → `mutability`; setting one that is
//!   unset, or creating and removing whole values, is allowed (RFC 7643 §7;
//!   as scim2-server);
//! * `required` (`userName`, Group `displayName`): remove, or a `null`/empty
//!   replace → `mutability` (RFC 7644 §3.5.2.2; as scim2-server);
//! * `schemas` as a path → `mutability`: the applier maintains it (as
//!   scim2-server for remove);
//! * a `remove` that carries a value (from a lenient parse) → `invalidValue`,
//!   never "remove everything".

mod apply;
mod checks;
mod model;
mod store;
mod values;

pub use apply::apply;
pub use model::{Op, Operation, PatchRequest, Strictness};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
