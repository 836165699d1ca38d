//! Query-string handling: percent-decoding (`application/x-www-form-urlencoded`
//! style, `+` is a space) and the SCIM query parameters of RFC 7644 §3.4.2
//! (`filter`, `startIndex`, `count`) and §3.9 (`attributes`,
//! `excludedAttributes`).

use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{self, AttrPath, Filter};

use super::reply::err;

/// The largest page the backend returns, announced as `filter.maxResults`
/// in the ServiceProviderConfig (RFC 7643 §5).
pub(super) const MAX_RESULTS: usize = 1000;

/// Decoded query parameters, in order.
#[derive(Debug, Default)]
pub(super) struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string. Fails when a parameter is not valid UTF-8
    /// after decoding.
    pub(super) fn parse(raw: Option<&str>) -> Result<Query, ScimError> {
        let mut params = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = || {
                err(
                    400,
                    Some(ScimType::InvalidValue),
                    "The query string is not valid UTF-8",
                )
            };
            let name = percent_decode(name, true).ok_or_else(bad)?;
            let value = percent_decode(value, true).ok_or_else(bad)?;
            params.push((name, value));
        }
        Ok(Query { params })
    }

    /// The first value of parameter `name` (names are case-sensitive).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the query asks for a partial representation (RFC 7644 §3.9).
    pub(super) fn wants_projection(&self) -> bool {
        self.get("attributes").is_some() || self.get("excludedAttributes").is_some()
    }
}

pub(super) use crate::scim::query::percent_decode;

/// Which attributes to return (RFC 7644 §3.9): at most one of the two lists.
#[derive(Debug, Default, Clone)]
pub(super) struct Projection {
    pub(super) attributes: Option<Vec<AttrPath>>,
    pub(super) excluded: Option<Vec<AttrPath>>,
}

impl Projection {
    /// From the `attributes` / `excludedAttributes` query parameters.
    pub(super) fn from_query(q: &Query) -> Result<Projection, ScimError> {
        Projection::from_lists(q.get("attributes"), q.get("excludedAttributes"))
    }

    /// From comma-separated lists. The two are mutually exclusive (RFC 7644
    /// §3.9) → 400 invalidValue, as scim2-server does. A malformed path →
    /// 400 invalidPath (scim2-server does the same). Unknown attribute names
    /// are accepted and select nothing (scim2-server agrees; the RFC is silent).
    pub(super) fn from_lists(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        if attributes.is_some() && excluded.is_some() {
            return Err(err(
                400,
                Some(ScimType::InvalidValue),
                "'attributes' and 'excludedAttributes' are mutually exclusive",
            ));
        }
        Ok(Projection {
            attributes: attributes.map(parse_paths).transpose()?,
            excluded: excluded.map(parse_paths).transpose()?,
        })
    }

    /// From JSON arrays of strings, as in a SearchRequest (RFC 7644 §3.4.3).
    pub(super) fn from_arrays(
        attributes: Option<&[String]>,
        excluded: Option<&[String]>,
    ) -> Result<Projection, ScimError> {
        let attributes = attributes.map(|a| a.join(","));
        let excluded = excluded.map(|a| a.join(","));
        Projection::from_lists(attributes.as_deref(), excluded.as_deref())
    }
}

fn parse_paths(list: &str) -> Result<Vec<AttrPath>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            filter::parse_attr_path(p).map_err(|e| {
                err(
                    400,
                    Some(ScimType::InvalidPath),
                    format!("Invalid attribute path '{p}': {e}"),
                )
            })
        })
        .collect()
}

/// The parameters of a query (GET on a collection, or a SearchRequest).
#[derive(Debug)]
pub(super) struct ListParams {
    pub(super) filter: Option<Filter>,
    /// 1-based index of the first result (RFC 7644 §3.4.2.4).
    pub(super) start_index: usize,
    /// Page size, already capped at [`MAX_RESULTS`].
    pub(super) count: usize,
    pub(super) projection: Projection,
}

impl ListParams {
    /// From the URL query of `GET /Users` (RFC 7644 §3.4.2).
    pub(super) fn from_query(q: &Query) -> Result<ListParams, ScimError> {
        Ok(ListParams {
            filter: q.get("filter").map(parse_filter).transpose()?,
            start_index: start_index(q.get("startIndex").map(parse_int).transpose()?),
            count: count(q.get("count").map(parse_int).transpose()?),
            projection: Projection::from_query(q)?,
        })
    }
}

/// Parses a filter; a syntax error is 400 invalidFilter (RFC 7644 §3.4.2.2).
pub(super) fn parse_filter(text: &str) -> Result<Filter, ScimError> {
    filter::parse(text).map_err(|e| {
        err(
            400,
            Some(ScimType::InvalidFilter),
            format!("Invalid filter: {e}"),
        )
    })
}

/// `startIndex`: "A value less than 1 SHALL be interpreted as 1"
/// (RFC 7644 §3.4.2.4); absent means 1.
pub(super) fn start_index(value: Option<i64>) -> usize {
    match value {
        Some(n) if n > 1 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => 1,
    }
}

/// `count`: "A negative value SHALL be interpreted as 0" (RFC 7644 §3.4.2.4);
/// absent or larger than `maxResults` means `maxResults`.
pub(super) fn count(value: Option<i64>) -> usize {
    match value {
        None => MAX_RESULTS,
        Some(n) if n < 0 => 0,
        Some(n) => usize::try_from(n).unwrap_or(MAX_RESULTS).min(MAX_RESULTS),
    }
}

/// Parses an integer query parameter (an optional sign and decimal digits;
/// out-of-range values saturate). Anything else is 400 invalidValue, as
/// scim2-server answers `count=abc`.
fn parse_int(text: &str) -> Result<i64, ScimError> {
    let bad = || {
        err(
            400,
            Some(ScimType::InvalidValue),
            format!("'{text}' is not an integer"),
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut n: i64 = 0;
    for d in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    Ok(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(
            percent_decode("userName+eq+%22a%40b%22", true).as_deref(),
            Some("userName eq \"a@b\"")
        );
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("100%", true).as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz", true).as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%C3%A9", true).as_deref(), Some("é"));
        assert_eq!(percent_decode("%FF", true), None);
    }

    #[test]
    fn first_value_wins_and_bare_names_are_empty() {
        let q = Query::parse(Some("a=1&&a=2&flag&b=x%3Dy")).unwrap();
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("b"), Some("x=y"));
        assert_eq!(q.get("A"), None);
    }

    #[test]
    fn paging_is_clamped_as_the_rfc_says() {
        assert_eq!(start_index(None), 1);
        assert_eq!(start_index(Some(0)), 1);
        assert_eq!(start_index(Some(-5)), 1);
        assert_eq!(start_index(Some(7)), 7);
        assert_eq!(count(None), MAX_RESULTS);
        assert_eq!(count(Some(-1)), 0);
        assert_eq!(count(Some(2)), 2);
        assert_eq!(count(Some(5000)), MAX_RESULTS);
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(parse_int("42").unwrap(), 42);
        assert_eq!(parse_int("-3").unwrap(), -3);
        assert_eq!(parse_int("+3").unwrap(), 3);
        assert_eq!(parse_int("99999999999999999999999").unwrap(), i64::MAX);
        for bad in ["", "abc", "1.5", "-", " 1", "0x10"] {
            let e = parse_int(bad).unwrap_err();
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidValue)),
                "{bad}"
            );
        }
    }

    #[test]
    fn attributes_and_excluded_are_exclusive() {
        let e = Projection::from_lists(Some("userName"), Some("emails")).unwrap_err();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
    }
}
