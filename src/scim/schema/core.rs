//! The RFC 7643 core definitions: the common attributes every resource has
//! (§3.1), the User (§4.1) and Group (§4.2) schemas, the enterprise User
//! extension (§4.3), and the two resource types built from them (§6).
//!
//! The characteristics follow the schema representation of RFC 7643 §8.7.1
//! with its verified errata applied:
//!
//! * `Group.displayName` is required (erratum 5368; §4.2 already said so);
//! * `manager.value` is case-exact (erratum 8472), and so are the other
//!   sub-attributes that carry a resource `id` (`groups.value`,
//!   `members.value`), because `id` itself is case-exact (§3.1);
//! * `groups.$ref` references only `Group` (erratum 8471);
//! * every `reference` attribute is case-exact (§2.3.7; erratum 6001);
//! * complex attributes carry no `uniqueness` (erratum 6004).
//!
//! `Group.members` also has a `display` sub-attribute (erratum 6011, and the
//! §8.4 example uses it); it is `readWrite` as scim2-server declares it, so
//! that a member's display name sent by an IdP is never dropped on input.

use std::sync::{Arc, LazyLock};

use super::model::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Uniqueness};
use crate::scim::urn;

/// A string attribute with the RFC 7643 §2.2 defaults.
fn attr(name: &str, description: &str) -> Attribute {
    Attribute {
        name: name.to_owned(),
        ty: AttrType::String,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: Vec::new(),
        reference_types: Vec::new(),
        description: description.to_owned(),
        sub_attributes: Vec::new(),
    }
}

/// A singular complex attribute with these sub-attributes.
fn complex(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute {
        ty: AttrType::Complex,
        sub_attributes: subs,
        ..attr(name, description)
    }
}

/// A reference attribute (case-exact, RFC 7643 §2.3.7).
fn reference(name: &str, description: &str, types: &[&str]) -> Attribute {
    attr(name, description)
        .of(AttrType::Reference)
        .case_exact()
        .refs(types)
}

/// Chained setters that keep the definition tables below one line per
/// characteristic.
impl Attribute {
    fn of(mut self, ty: AttrType) -> Self {
        self.ty = ty;
        self
    }
    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }
    fn refs(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }
    /// Sets the mutability of this attribute and of all its sub-attributes.
    fn all(mut self, m: Mutability) -> Self {
        self.mutability = m;
        for sub in &mut self.sub_attributes {
            sub.mutability = m;
        }
        self
    }
}

/// The sub-attributes RFC 7643 §2.4 gives a multi-valued attribute by
/// default: `value`, `display`, `type` (with these canonical values) and
/// `primary`.
fn plural_subs(value: Attribute, types: &[&str]) -> Vec<Attribute> {
    vec![
        value,
        attr("display", "A human-readable name for the value."),
        attr("type", "The function of this value, e.g. work or home.").canonical(types),
        attr(
            "primary",
            "Whether this is the preferred value; true at most once.",
        )
        .of(AttrType::Boolean),
    ]
}

/// A multi-valued complex attribute with the default sub-attributes.
fn plural(name: &str, description: &str, value: Attribute, types: &[&str]) -> Attribute {
    complex(name, description, plural_subs(value, types)).multi()
}

/// The common attributes of RFC 7643 §3.1, present on every resource and
/// defined by no schema: `id`, `externalId` and `meta`.
pub(super) static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    vec![
        attr(
            "id",
            "The service provider's unique, stable identifier of the resource.",
        )
        .case_exact()
        .mutability(Mutability::ReadOnly)
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
        attr(
            "externalId",
            "The identifier the provisioning client uses for the resource.",
        )
        .case_exact(),
        complex(
            "meta",
            "Resource metadata maintained by the service provider.",
            vec![
                attr("resourceType", "The name of the resource type.").case_exact(),
                attr("created", "When the resource was added.").of(AttrType::DateTime),
                attr("lastModified", "When the resource was last changed.").of(AttrType::DateTime),
                reference("location", "The URI of the resource.", &["uri"]),
                attr(
                    "version",
                    "The entity tag of the resource's current version.",
                )
                .case_exact(),
            ],
        )
        .all(Mutability::ReadOnly),
    ]
});

fn user_schema() -> Schema {
    let name = complex(
        "name",
        "The parts of the user's real name.",
        vec![
            attr("formatted", "The full name, formatted for display."),
            attr("familyName", "The family (last) name."),
            attr("givenName", "The given (first) name."),
            attr("middleName", "The middle name(s)."),
            attr("honorificPrefix", "The honorific prefix, e.g. Ms."),
            attr("honorificSuffix", "The honorific suffix, e.g. III."),
        ],
    );
    let addresses = complex(
        "addresses",
        "Physical mailing addresses.",
        vec![
            attr("formatted", "The full address, formatted for display."),
            attr("streetAddress", "Street, house number and similar."),
            attr("locality", "City or locality."),
            attr("region", "State or region."),
            attr("postalCode", "Postal or ZIP code."),
            attr("country", "Country, as an ISO 3166-1 alpha-2 code."),
            attr("type", "The function of this address, e.g. work or home.")
                .canonical(&["work", "home", "other"]),
            attr("primary", "Whether this is the preferred address.").of(AttrType::Boolean),
        ],
    )
    .multi();
    let groups = complex(
        "groups",
        "The groups the user belongs to, maintained by the service provider.",
        vec![
            attr("value", "The id of the group.").case_exact(),
            reference("$ref", "The URI of the group.", &["Group"]),
            attr("display", "The group's display name."),
            attr("type", "Whether the membership is direct or inherited.")
                .canonical(&["direct", "indirect"]),
        ],
    )
    .multi()
    .all(Mutability::ReadOnly);
    Schema {
        id: urn::USER.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            attr("userName", "The user's unique sign-in name.")
                .required()
                .unique(Uniqueness::Server),
            name,
            attr("displayName", "The name to display for the user."),
            attr("nickName", "The casual name of the user."),
            reference(
                "profileUrl",
                "The user's online profile page.",
                &["external"],
            ),
            attr("title", "The user's job title."),
            attr(
                "userType",
                "The relationship to the organisation, e.g. Employee.",
            ),
            attr("preferredLanguage", "Preferred written or spoken language."),
            attr(
                "locale",
                "Default location for localising values such as currency.",
            ),
            attr("timezone", "Time zone, in the IANA database format."),
            attr("active", "Whether the user may sign in.").of(AttrType::Boolean),
            attr("password", "A cleartext password, only ever written.")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never),
            plural(
                "emails",
                "Email addresses.",
                attr("value", "The email address."),
                &["work", "home", "other"],
            ),
            plural(
                "phoneNumbers",
                "Phone numbers.",
                attr("value", "The phone number."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            plural(
                "ims",
                "Instant messaging addresses.",
                attr("value", "The messaging address."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            plural(
                "photos",
                "URLs of images of the user.",
                reference("value", "The URL of the image.", &["external"]),
                &["photo", "thumbnail"],
            ),
            addresses,
            groups,
            plural(
                "entitlements",
                "Things the user is entitled to.",
                attr("value", "The entitlement."),
                &[],
            ),
            plural(
                "roles",
                "The user's roles.",
                attr("value", "The role."),
                &[],
            ),
            plural(
                "x509Certificates",
                "X.509 certificates issued to the user.",
                attr("value", "The DER-encoded certificate, base64.")
                    .of(AttrType::Binary)
                    .case_exact(),
                &[],
            ),
        ],
    }
}

fn group_schema() -> Schema {
    let members = complex(
        "members",
        "The members of the group.",
        vec![
            attr("value", "The id of the member resource.")
                .case_exact()
                .mutability(Mutability::Immutable),
            reference(
                "$ref",
                "The URI of the member resource.",
                &["User", "Group"],
            )
            .mutability(Mutability::Immutable),
            attr("type", "The member's resource type.")
                .canonical(&["User", "Group"])
                .mutability(Mutability::Immutable),
            attr("display", "The member's display name."),
        ],
    )
    .multi();
    Schema {
        id: urn::GROUP.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![attr("displayName", "The group's name.").required(), members],
    }
}

fn enterprise_schema() -> Schema {
    let manager = complex(
        "manager",
        "The user's manager.",
        vec![
            attr("value", "The id of the manager's User resource.").case_exact(),
            reference("$ref", "The URI of the manager's User resource.", &["User"]),
            attr("displayName", "The manager's display name.").mutability(Mutability::ReadOnly),
        ],
    );
    Schema {
        id: urn::ENTERPRISE_USER.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            attr(
                "employeeNumber",
                "The employee number assigned by the organisation.",
            ),
            attr("costCenter", "The cost centre."),
            attr("organization", "The organisation."),
            attr("division", "The division."),
            attr("department", "The department."),
            manager,
        ],
    }
}

/// The core User schema (RFC 7643 §4.1).
pub(super) static USER: LazyLock<Arc<Schema>> = LazyLock::new(|| Arc::new(user_schema()));
/// The core Group schema (RFC 7643 §4.2).
pub(super) static GROUP: LazyLock<Arc<Schema>> = LazyLock::new(|| Arc::new(group_schema()));
/// The enterprise User extension (RFC 7643 §4.3).
pub(super) static ENTERPRISE_USER: LazyLock<Arc<Schema>> =
    LazyLock::new(|| Arc::new(enterprise_schema()));

/// `User` at `/Users`, with the enterprise extension optional.
pub(super) static USER_TYPE: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "User".to_owned(),
    endpoint: "/Users".to_owned(),
    schema: Arc::clone(&USER),
    extensions: vec![(Arc::clone(&ENTERPRISE_USER), false)],
});

/// `Group` at `/Groups`, without extensions.
pub(super) static GROUP_TYPE: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "Group".to_owned(),
    endpoint: "/Groups".to_owned(),
    schema: Arc::clone(&GROUP),
    extensions: Vec::new(),
});
