//! Classifies a request path into the SCIM endpoint it addresses (RFC 7644 §3.2),
//! relative to the base path the listener serves.

use std::fmt;

/// The resource type or service endpoint a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    User,
    Group,
    Me,
    ServiceProviderConfig,
    ResourceType,
    Schema,
    Bulk,
    /// `POST /.search` at the root (RFC 7644 §3.4.3).
    Search,
    /// Any other first segment (a custom resource type, or a typo).
    Other,
}

impl ResourceKind {
    /// Every variant, in the order the docs list them.
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::User,
        ResourceKind::Group,
        ResourceKind::Me,
        ResourceKind::ServiceProviderConfig,
        ResourceKind::ResourceType,
        ResourceKind::Schema,
        ResourceKind::Bulk,
        ResourceKind::Search,
        ResourceKind::Other,
    ];

    /// The name used in rule files and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
            ResourceKind::Me => "Me",
            ResourceKind::ServiceProviderConfig => "ServiceProviderConfig",
            ResourceKind::ResourceType => "ResourceType",
            ResourceKind::Schema => "Schema",
            ResourceKind::Bulk => "Bulk",
            ResourceKind::Search => "Search",
            ResourceKind::Other => "Other",
        }
    }

    /// Parses the rule-file name (case-insensitive; the plural endpoint name is accepted too).
    pub fn parse(name: &str) -> Option<ResourceKind> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "user" | "users" => ResourceKind::User,
            "group" | "groups" => ResourceKind::Group,
            "me" => ResourceKind::Me,
            "serviceproviderconfig" | "serviceproviderconfigs" => {
                ResourceKind::ServiceProviderConfig
            }
            "resourcetype" | "resourcetypes" => ResourceKind::ResourceType,
            "schema" | "schemas" => ResourceKind::Schema,
            "bulk" => ResourceKind::Bulk,
            "search" | ".search" => ResourceKind::Search,
            "other" => ResourceKind::Other,
            _ => return None,
        })
    }

    fn from_segment(segment: &str) -> ResourceKind {
        match segment {
            s if s.eq_ignore_ascii_case("Users") => ResourceKind::User,
            s if s.eq_ignore_ascii_case("Groups") => ResourceKind::Group,
            s if s.eq_ignore_ascii_case("Me") => ResourceKind::Me,
            s if s.eq_ignore_ascii_case("ServiceProviderConfig") => {
                ResourceKind::ServiceProviderConfig
            }
            s if s.eq_ignore_ascii_case("ResourceTypes") => ResourceKind::ResourceType,
            s if s.eq_ignore_ascii_case("Schemas") => ResourceKind::Schema,
            s if s.eq_ignore_ascii_case("Bulk") => ResourceKind::Bulk,
            ".search" => ResourceKind::Search,
            _ => ResourceKind::Other,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a path addresses a collection, one resource in it, or a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    /// `/Users`
    Collection,
    /// `/Users/{id}` (and anything deeper)
    Item,
    /// `/Users/.search` or `/.search`
    Search,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Collection => "collection",
            EndpointKind::Item => "item",
            EndpointKind::Search => "search",
        }
    }
}

/// A classified request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub resource: ResourceKind,
    pub kind: EndpointKind,
}

/// Classifies `path` (the URL path, without query) against `base_path` (for example
/// `/scim/v2`). Returns `None` when the path is outside the base path or names no
/// endpoint (the base path itself). A version segment such as `/v2` right after the
/// base path is skipped (RFC 7644 §3.13), so `/scim/v2/Users` and `/scim/v2/v2/Users`
/// both classify as the Users collection.
pub fn classify(path: &str, base_path: &str) -> Option<Endpoint> {
    let rel = strip_base(path, base_path)?;
    let mut segments = rel.split('/').filter(|s| !s.is_empty());
    let mut first = segments.next()?;
    if is_version_segment(first) {
        first = segments.next()?;
    }
    let resource = ResourceKind::from_segment(first);
    if resource == ResourceKind::Search {
        return Some(Endpoint {
            resource,
            kind: EndpointKind::Search,
        });
    }
    let kind = match segments.next() {
        None => EndpointKind::Collection,
        Some(".search") => EndpointKind::Search,
        Some(_) => EndpointKind::Item,
    };
    Some(Endpoint { resource, kind })
}

/// Returns the part of `path` after `base_path` (starting with `/`, or empty), or
/// `None` when `path` is outside it. A base path of `/` or empty matches everything.
pub fn strip_base<'a>(path: &'a str, base_path: &str) -> Option<&'a str> {
    let base = base_path.trim_end_matches('/');
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

fn is_version_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() >= 2
        && (bytes[0] == b'v' || bytes[0] == b'V')
        && bytes[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(resource: ResourceKind, kind: EndpointKind) -> Option<Endpoint> {
        Some(Endpoint { resource, kind })
    }

    #[test]
    fn classifies_collections_items_and_searches() {
        let b = "/scim/v2";
        assert_eq!(
            classify("/scim/v2/Users", b),
            ep(ResourceKind::User, EndpointKind::Collection)
        );
        assert_eq!(
            classify("/scim/v2/Users/", b),
            ep(ResourceKind::User, EndpointKind::Collection)
        );
        assert_eq!(
            classify("/scim/v2/groups/42", b),
            ep(ResourceKind::Group, EndpointKind::Item)
        );
        assert_eq!(
            classify("/scim/v2/Groups/.search", b),
            ep(ResourceKind::Group, EndpointKind::Search)
        );
        assert_eq!(
            classify("/scim/v2/.search", b),
            ep(ResourceKind::Search, EndpointKind::Search)
        );
        assert_eq!(
            classify("/scim/v2/ServiceProviderConfig", b),
            ep(
                ResourceKind::ServiceProviderConfig,
                EndpointKind::Collection
            )
        );
        assert_eq!(
            classify("/scim/v2/Widgets/1", b),
            ep(ResourceKind::Other, EndpointKind::Item)
        );
    }

    #[test]
    fn skips_one_version_segment_gen01() {
        assert_eq!(
            classify("/scim/v2/v2/Users", "/scim/v2"),
            ep(ResourceKind::User, EndpointKind::Collection)
        );
        assert_eq!(
            classify("/scim/v2/Users", "/scim"),
            ep(ResourceKind::User, EndpointKind::Collection)
        );
    }

    #[test]
    fn outside_base_path_is_none() {
        assert_eq!(classify("/other/Users", "/scim/v2"), None);
        assert_eq!(classify("/scim/v2x/Users", "/scim/v2"), None);
        assert_eq!(classify("/scim/v2", "/scim/v2"), None);
        assert_eq!(strip_base("/scim/v2", "/scim/v2/"), Some(""));
        assert_eq!(strip_base("/anything", "/"), Some("/anything"));
    }

    #[test]
    fn parses_rule_file_names() {
        assert_eq!(ResourceKind::parse("groups"), Some(ResourceKind::Group));
        assert_eq!(ResourceKind::parse("User"), Some(ResourceKind::User));
        assert_eq!(ResourceKind::parse("nope"), None);
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(kind.as_str()), Some(kind));
        }
    }
}
