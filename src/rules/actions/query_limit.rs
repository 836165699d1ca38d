//! `limit_query_param`: a numeric query parameter above a maximum is lowered
//! to it. Written for page sizes: RFC 7644 §3.4.2.4 makes `count` "the
//! desired maximum number of query results per page", so a backend may
//! return fewer, but some refuse a `count` beyond their own limit instead
//! (AWS IAM Identity Center takes at most 100, AWS-01).

use std::sync::Arc;

use serde_json::Value;

use super::CompileCx;
use crate::rules::model::LimitQueryParamSpec;
use crate::rules::request::Request;
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;
use crate::scim::query::percent_decode;

const NAME: &str = "limit_query_param";

/// A compiled `limit_query_param`.
#[derive(Debug)]
pub struct LimitQueryParam {
    name: String,
    max: u64,
    /// The change target, `query:<name>`.
    target: String,
}

impl LimitQueryParam {
    /// Checks the name and the maximum (at least 1).
    pub fn compile(
        spec: &LimitQueryParamSpec,
        field: &FieldPath,
        cx: &mut CompileCx,
    ) -> Option<Self> {
        let mut ok = true;
        if spec.name.is_empty() || spec.name.contains(['&', '=', '#', '?']) {
            cx.error(
                field.key("name"),
                format!("`{}` is not a query parameter name", spec.name),
                Some("give the name alone, as in `name: count`"),
            );
            ok = false;
        }
        if spec.max == 0 {
            cx.error(
                field.key("max"),
                "a maximum of 0 would turn every page into a count of results only",
                Some(
                    "give the largest value the backend takes, e.g. `max: 100`; to drop the parameter use `remove_query_param`",
                ),
            );
            ok = false;
        }
        ok.then(|| LimitQueryParam {
            name: spec.name.clone(),
            max: spec.max,
            target: format!("query:{}", spec.name),
        })
    }

    /// Lowers every occurrence of the parameter whose value is a decimal
    /// number above the maximum; other values, and the rest of the query,
    /// are left byte for byte.
    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let Some(query) = req.query.as_deref() else {
            return;
        };
        if !query.split('&').any(|p| self.above(p).is_some()) {
            return;
        }
        let mut parts: Vec<String> = Vec::new();
        for part in query.split('&') {
            let Some((name, before)) = self.above(part) else {
                parts.push(part.to_string());
                continue;
            };
            parts.push(format!("{name}={}", self.max));
            trace.change(
                rule,
                NAME,
                self.target.clone(),
                before,
                Value::Number(self.max.into()),
            );
        }
        req.query = Some(parts.join("&"));
    }

    /// For a `name=value` part naming this parameter with a value above the
    /// maximum: the name as sent and the value (a number, or the digits when
    /// they overflow a `u64`).
    fn above<'p>(&self, part: &'p str) -> Option<(&'p str, Value)> {
        let (raw_name, raw_value) = part.split_once('=')?;
        let name = percent_decode(raw_name, true)?;
        if !name.eq_ignore_ascii_case(&self.name) {
            return None;
        }
        let value = percent_decode(raw_value, true)?;
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Only digits: parsing fails on overflow alone, which is above any maximum.
        let before = match value.parse::<u64>() {
            Ok(n) if n <= self.max => return None,
            Ok(n) => Value::Number(n.into()),
            Err(_) => Value::String(value),
        };
        Some((raw_name, before))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secret::MapEnv;
    use http::Method;

    fn compile(name: &str, max: u64) -> Result<LimitQueryParam, Vec<String>> {
        let env = MapEnv::default();
        let mut cx = CompileCx::new(
            &env,
            std::path::Path::new("."),
            crate::rules::SecretMode::Require,
        );
        let spec = LimitQueryParamSpec {
            name: name.into(),
            max,
        };
        LimitQueryParam::compile(&spec, &FieldPath::root(), &mut cx)
            .ok_or_else(|| cx.problems.iter().map(|p| p.message.clone()).collect())
    }

    fn run(query: Option<&str>) -> (Option<String>, Trace) {
        let action = compile("count", 100).expect("compiles");
        let mut req = Request::new(Method::GET, "/scim/v2/Users");
        req.query = query.map(str::to_string);
        let mut trace = Trace::default();
        action.apply(&Arc::from("t"), &mut req, &mut trace);
        (req.query, trace)
    }

    #[test]
    fn a_count_above_the_maximum_is_lowered_in_place() {
        // AWS-01: AWS takes `count` from 1 to 100.
        let (q, trace) = run(Some("filter=x%20pr&COUNT=500&startIndex=1"));
        assert_eq!(q.as_deref(), Some("filter=x%20pr&COUNT=100&startIndex=1"));
        assert_eq!(trace.changes.len(), 1);
        assert_eq!(trace.changes[0].action, "limit_query_param");
        assert_eq!(trace.changes[0].target, "query:count");
        assert_eq!(trace.changes[0].before, 500);
        assert_eq!(trace.changes[0].after, 100);
        // Percent-encoded digits and leading zeros are numbers too.
        let (q, _) = run(Some("count=%32%30%30"));
        assert_eq!(q.as_deref(), Some("count=100"));
        let (q, _) = run(Some("count=0101"));
        assert_eq!(q.as_deref(), Some("count=100"));
    }

    #[test]
    fn a_number_too_large_for_u64_is_lowered_too() {
        let (q, trace) = run(Some("count=99999999999999999999999"));
        assert_eq!(q.as_deref(), Some("count=100"));
        assert_eq!(trace.changes[0].before, "99999999999999999999999");
    }

    #[test]
    fn small_absent_and_non_numeric_values_are_left_alone() {
        for untouched in [
            "count=100",
            "count=2&startIndex=1",
            "count=0",
            "count=-500",
            "count=+500",
            "count=1e5",
            "count=abc",
            "count=",
            "count",
            "startIndex=500",
            "accounts=500",
        ] {
            let (q, trace) = run(Some(untouched));
            assert_eq!(q.as_deref(), Some(untouched));
            assert!(trace.changes.is_empty(), "{untouched}");
        }
        assert_eq!(run(None).0, None);
    }

    #[test]
    fn every_occurrence_is_lowered() {
        let (q, trace) = run(Some("count=200&count=5&count=300"));
        assert_eq!(q.as_deref(), Some("count=100&count=5&count=100"));
        assert_eq!(trace.changes.len(), 2);
    }

    #[test]
    fn a_bad_name_or_a_zero_maximum_is_refused_when_loading() {
        assert!(compile("count", 1).is_ok());
        let problems = compile("", 100).expect_err("empty name");
        assert_eq!(problems, ["`` is not a query parameter name"]);
        let problems = compile("count=5", 100).expect_err("name with a value");
        assert_eq!(problems, ["`count=5` is not a query parameter name"]);
        let problems = compile("count", 0).expect_err("zero");
        assert_eq!(
            problems,
            ["a maximum of 0 would turn every page into a count of results only"]
        );
    }
}
