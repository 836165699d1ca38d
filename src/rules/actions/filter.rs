//! `normalize_filter`: the query string as RFC 7644 §3.4.2 spells it. The
//! `filter` parameter is re-printed in canonical form (lower-case operators,
//! quoted string values, single spaces; WSO2-01, PING-03), `+` for a space is
//! written `%20` (ENTRA-11), and empty parameters from a stray `?` or `&`
//! are dropped (ONELOGIN-03, GEN-03). A filter that does not parse even
//! leniently is left for the backend to reject.
//!
//! `remove_query_param`: named parameters dropped from the query (a client's
//! own flag such as Entra's `aadOptscim062020`, ENTRA-17).

use std::sync::Arc;

use serde_json::Value;

use super::CompileCx;
use crate::rules::model::RemoveQueryParamSpec;
use crate::rules::request::Request;
use crate::rules::trace::{QUERY_FILTER, Trace};
use crate::rules::yaml::FieldPath;
use crate::scim::filter::parse_lenient;
use crate::scim::query::{percent_decode, percent_encode};

const NAME: &str = "normalize_filter";

#[derive(Debug)]
pub struct NormalizeFilter;

impl NormalizeFilter {
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(query) = req.query.as_deref() else {
            return;
        };
        let mut changed = false;
        let mut filter_changed = false;
        let mut parts: Vec<String> = Vec::new();
        for part in query.split('&') {
            if part.is_empty() {
                changed = true;
                continue;
            }
            let Some((name, raw)) = part.split_once('=') else {
                parts.push(part.to_string());
                continue;
            };
            if !name.eq_ignore_ascii_case("filter") {
                parts.push(part.to_string());
                continue;
            }
            match canonical(raw) {
                Some((before, after)) => {
                    changed = true;
                    filter_changed = true;
                    parts.push(format!("{name}={}", percent_encode(&after)));
                    trace.change(
                        rule,
                        NAME,
                        QUERY_FILTER.into(),
                        Value::String(before),
                        Value::String(after),
                    );
                }
                None => parts.push(part.to_string()),
            }
        }
        if !changed {
            return;
        }
        let before = query.to_string();
        let after = parts.join("&");
        req.query = (!after.is_empty()).then(|| after.clone());
        if !filter_changed {
            // Only empty parameters went.
            let after = req.query.clone().map_or(Value::Null, Value::String);
            trace.change(rule, NAME, "query".into(), Value::String(before), after);
        }
    }
}

#[derive(Debug)]
pub struct RemoveQueryParam {
    names: Vec<String>,
}

impl RemoveQueryParam {
    pub fn compile(
        spec: &RemoveQueryParamSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        if spec.names.is_empty() || spec.names.iter().any(|n| n.is_empty()) {
            cx.error(
                field.key("names"),
                "name at least one parameter, none empty",
                None,
            );
            return None;
        }
        Some(RemoveQueryParam {
            names: spec.names.clone(),
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(query) = req.query.as_deref() else {
            return;
        };
        let named = |part: &str| {
            let name = part.split_once('=').map_or(part, |(n, _)| n);
            let name = percent_decode(name, true);
            self.names
                .iter()
                .any(|n| name.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(n)))
        };
        if !query.split('&').any(named) {
            return;
        }
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !named(p))
            .collect();
        let before = Value::String(query.to_string());
        req.query = (!kept.is_empty()).then(|| kept.join("&"));
        let after = req.query.clone().map_or(Value::Null, Value::String);
        trace.change(rule, "remove_query_param", "query".into(), before, after);
    }
}

/// The decoded filter and its canonical text, when they differ (or `+` was
/// used for a space); `None` when there is nothing to do or it cannot parse.
fn canonical(raw: &str) -> Option<(String, String)> {
    let decoded = percent_decode(raw, true)?;
    let filter = parse_lenient(&decoded).ok()?;
    let printed = filter.to_string();
    if printed == decoded && !raw.contains('+') {
        return None;
    }
    Some((decoded, printed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn run(query: Option<&str>) -> (Option<String>, Trace) {
        let mut req = Request::new(Method::GET, "/scim/v2/Groups");
        req.query = query.map(str::to_string);
        let mut trace = Trace::default();
        NormalizeFilter.apply(&Arc::from("t"), &mut req, &mut trace);
        (req.query, trace)
    }

    #[test]
    fn bare_values_and_capitalised_operators_become_canonical() {
        // WSO2-01
        let (q, trace) = run(Some("filter=displayName+Eq+PRIMARY/system&startIndex=1"));
        assert_eq!(
            q.as_deref(),
            Some("filter=displayName%20eq%20%22PRIMARY%2Fsystem%22&startIndex=1")
        );
        assert_eq!(trace.changes.len(), 1);
        assert_eq!(trace.changes[0].target, QUERY_FILTER);
        assert_eq!(trace.changes[0].before, "displayName Eq PRIMARY/system");
        assert_eq!(trace.changes[0].after, "displayName eq \"PRIMARY/system\"");
        // PING-03
        let (q, _) = run(Some("filter=username%20Eq%20%22jdoe%22"));
        assert_eq!(q.as_deref(), Some("filter=username%20eq%20%22jdoe%22"));
    }

    #[test]
    fn plus_for_space_is_rewritten_and_canonical_filters_are_left_alone() {
        // ENTRA-11: `+`-encoded spaces.
        let (q, _) = run(Some("filter=userName+eq+%22a%2Bb%40x.example%22"));
        assert_eq!(
            q.as_deref(),
            Some("filter=userName%20eq%20%22a%2Bb%40x.example%22")
        );
        for untouched in [
            "filter=userName%20eq%20%22bjensen%22",
            "filter=userName eq \"bjensen\"&count=2",
            "startIndex=1&count=100",
        ] {
            let (q, trace) = run(Some(untouched));
            assert_eq!(q.as_deref(), Some(untouched));
            assert!(trace.changes.is_empty(), "{untouched}");
        }
        assert_eq!(run(None).0, None);
    }

    #[test]
    fn stray_separators_are_dropped() {
        // ONELOGIN-03, GEN-03
        let (q, trace) = run(Some(""));
        assert_eq!(q, None);
        assert_eq!(trace.changes[0].after, Value::Null);
        let (q, trace) = run(Some("startIndex=1&&count=10&"));
        assert_eq!(q.as_deref(), Some("startIndex=1&count=10"));
        assert_eq!(trace.changes[0].target, "query");
    }

    #[test]
    fn named_parameters_are_dropped_in_any_case() {
        // ENTRA-17
        let action = RemoveQueryParam {
            names: vec!["aadOptscim062020".into()],
        };
        let mut req = Request::new(Method::GET, "/scim/v2/Users");
        req.query = Some("AADOPTSCIM062020&filter=x%20pr&aadOptscim062020=1".into());
        let mut trace = Trace::default();
        action.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(req.query.as_deref(), Some("filter=x%20pr"));
        assert_eq!(trace.changes[0].target, "query");
        req.query = Some("aadOptscim062020".into());
        action.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(req.query, None);
        req.query = Some("count=1".into());
        action.apply(&Arc::from("t"), &mut req, &mut trace);
        assert_eq!(req.query.as_deref(), Some("count=1"));
        assert_eq!(trace.changes.len(), 2);
    }

    #[test]
    fn a_filter_that_cannot_parse_is_left_for_the_backend() {
        let (q, trace) = run(Some("filter=userName%20eq%20(oops"));
        assert_eq!(q.as_deref(), Some("filter=userName%20eq%20(oops"));
        assert!(trace.changes.is_empty());
    }
}
