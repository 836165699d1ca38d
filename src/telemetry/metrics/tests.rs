use std::sync::Arc;
use std::time::Duration;

use super::*;

fn facts() -> RuleSetFacts<'static> {
    RuleSetFacts {
        reloads: (2, 1),
        version: 3,
        hash: "ab12",
    }
}

/// The lines of `text` that start with `name` (series, not comments).
fn series<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .collect()
}

#[test]
fn label_values_escape_backslash_quote_and_newline() {
    let mut out = String::new();
    escape_label_value(&mut out, "a\\b\"c\nd");
    assert_eq!(out, r#"a\\b\"c\nd"#);
    let mut help = String::new();
    escape_help(&mut help, "say \"x\"\\\n");
    assert_eq!(help, r#"say "x"\\\n"#);
}

#[test]
fn sample_lines_quote_labels_in_order() {
    let mut out = String::new();
    sample(&mut out, "m", &[("a", "x\"y"), ("b", "2")], 7);
    sample(&mut out, "n", &[], 0);
    assert_eq!(out, "m{a=\"x\\\"y\",b=\"2\"} 7\nn 0\n");
}

#[test]
fn an_empty_registry_still_declares_every_metric() {
    let text = Metrics::new().render(&facts());
    let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE")).collect();
    assert_eq!(
        types,
        [
            "# TYPE scimshim_requests_total counter",
            "# TYPE scimshim_rule_applications_total counter",
            "# TYPE scimshim_local_answers_total counter",
            "# TYPE scimshim_upstream_duration_seconds histogram",
            "# TYPE scimshim_upstream_errors_total counter",
            "# TYPE scimshim_rule_reloads_total counter",
            "# TYPE scimshim_rule_set_info gauge",
        ]
    );
    assert_eq!(text.lines().filter(|l| l.starts_with("# HELP")).count(), 7);
    assert!(series(&text, REQUESTS_TOTAL).is_empty());
    assert_eq!(
        series(&text, RULE_RELOADS_TOTAL),
        [
            "scimshim_rule_reloads_total{result=\"ok\"} 2",
            "scimshim_rule_reloads_total{result=\"error\"} 1",
        ]
    );
    assert_eq!(
        series(&text, RULE_SET_INFO),
        ["scimshim_rule_set_info{version=\"3\",hash=\"ab12\"} 1"]
    );
    assert_eq!(
        series(&text, UPSTREAM_ERRORS_TOTAL),
        [
            "scimshim_upstream_errors_total{kind=\"unreachable\"} 0",
            "scimshim_upstream_errors_total{kind=\"timeout\"} 0",
            "scimshim_upstream_errors_total{kind=\"unreadable\"} 0",
        ]
    );
    assert!(text.ends_with('\n'));
}

#[test]
fn requests_rules_and_local_answers_are_counted_and_sorted() {
    let m = Metrics::new();
    let entra: Arc<str> = Arc::from("entra");
    let okta: Arc<str> = Arc::from("okta");
    let fix: Arc<str> = Arc::from("fix-filter");
    let empty: Arc<str> = Arc::from("empty-list");
    let sample = |connection, resource, method, status, applied: &[Arc<str>], local| {
        m.record_request(&RequestSample {
            connection,
            resource,
            method,
            status,
            applied,
            local_rule: local,
        });
    };
    sample(
        Some(&okta),
        Some(ResourceKind::User),
        Method::Post,
        201,
        &[],
        None,
    );
    sample(
        Some(&entra),
        Some(ResourceKind::User),
        Method::Get,
        200,
        std::slice::from_ref(&fix),
        None,
    );
    sample(
        Some(&entra),
        Some(ResourceKind::User),
        Method::Get,
        200,
        &[fix.clone(), fix.clone()],
        None,
    );
    sample(
        Some(&entra),
        Some(ResourceKind::Group),
        Method::Get,
        200,
        std::slice::from_ref(&empty),
        Some(&empty),
    );
    sample(None, None, Method::Other, 404, &[], None);
    let text = m.render(&facts());
    assert_eq!(
        series(&text, REQUESTS_TOTAL),
        [
            "scimshim_requests_total{connection=\"-\",resource=\"-\",method=\"OTHER\",status=\"404\"} 1",
            "scimshim_requests_total{connection=\"entra\",resource=\"Group\",method=\"GET\",status=\"200\"} 1",
            "scimshim_requests_total{connection=\"entra\",resource=\"User\",method=\"GET\",status=\"200\"} 2",
            "scimshim_requests_total{connection=\"okta\",resource=\"User\",method=\"POST\",status=\"201\"} 1",
        ]
    );
    assert_eq!(
        series(&text, RULE_APPLICATIONS_TOTAL),
        [
            "scimshim_rule_applications_total{rule=\"empty-list\"} 1",
            "scimshim_rule_applications_total{rule=\"fix-filter\"} 3",
        ]
    );
    assert_eq!(
        series(&text, LOCAL_ANSWERS_TOTAL),
        ["scimshim_local_answers_total{connection=\"entra\",rule=\"empty-list\"} 1"]
    );
}

#[test]
fn a_rule_id_interned_twice_is_one_series() {
    let m = Metrics::new();
    // A reload builds new `Arc`s for the same ids.
    for _ in 0..2 {
        let rule: Arc<str> = Arc::from("r");
        m.record_request(&RequestSample {
            connection: None,
            resource: None,
            method: Method::Get,
            status: 200,
            applied: std::slice::from_ref(&rule),
            local_rule: None,
        });
    }
    let text = m.render(&facts());
    assert_eq!(
        series(&text, RULE_APPLICATIONS_TOTAL),
        ["scimshim_rule_applications_total{rule=\"r\"} 2"]
    );
}

#[test]
fn histogram_buckets_are_cumulative_with_sum_and_count() {
    let m = Metrics::new();
    m.observe_upstream(Duration::from_millis(5)); // on the bound: le 0.005
    m.observe_upstream(Duration::from_millis(7));
    m.observe_upstream(Duration::from_millis(300));
    m.observe_upstream(Duration::from_secs(11)); // only +Inf
    let text = m.render(&facts());
    let name = UPSTREAM_DURATION_SECONDS;
    assert_eq!(
        series(&text, &format!("{name}_bucket")),
        [
            "scimshim_upstream_duration_seconds_bucket{le=\"0.005\"} 1",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.01\"} 2",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.025\"} 2",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.05\"} 2",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.1\"} 2",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.25\"} 2",
            "scimshim_upstream_duration_seconds_bucket{le=\"0.5\"} 3",
            "scimshim_upstream_duration_seconds_bucket{le=\"1\"} 3",
            "scimshim_upstream_duration_seconds_bucket{le=\"2.5\"} 3",
            "scimshim_upstream_duration_seconds_bucket{le=\"5\"} 3",
            "scimshim_upstream_duration_seconds_bucket{le=\"10\"} 3",
            "scimshim_upstream_duration_seconds_bucket{le=\"+Inf\"} 4",
        ]
    );
    assert_eq!(
        series(&text, &format!("{name}_sum")),
        ["scimshim_upstream_duration_seconds_sum 11.312"]
    );
    assert_eq!(
        series(&text, &format!("{name}_count")),
        ["scimshim_upstream_duration_seconds_count 4"]
    );
}

#[test]
fn upstream_errors_count_by_kind() {
    let m = Metrics::new();
    m.upstream_error(UpstreamErrorKind::Timeout);
    m.upstream_error(UpstreamErrorKind::Timeout);
    m.upstream_error(UpstreamErrorKind::Unreachable);
    let text = m.render(&facts());
    assert_eq!(
        series(&text, UPSTREAM_ERRORS_TOTAL),
        [
            "scimshim_upstream_errors_total{kind=\"unreachable\"} 1",
            "scimshim_upstream_errors_total{kind=\"timeout\"} 2",
            "scimshim_upstream_errors_total{kind=\"unreadable\"} 0",
        ]
    );
}

#[test]
fn label_values_from_clients_are_escaped_in_the_output() {
    let m = Metrics::new();
    let odd: Arc<str> = Arc::from("a\"b\\c");
    m.record_request(&RequestSample {
        connection: Some(&odd),
        resource: Some(ResourceKind::Other),
        method: Method::from(&http::Method::OPTIONS),
        status: 405,
        applied: &[],
        local_rule: None,
    });
    let text = m.render(&facts());
    assert_eq!(
        series(&text, REQUESTS_TOTAL),
        [
            r#"scimshim_requests_total{connection="a\"b\\c",resource="Other",method="OTHER",status="405"} 1"#
        ]
    );
}

#[test]
fn methods_map_to_the_five_scim_methods_or_other() {
    let cases = [
        (http::Method::GET, "GET"),
        (http::Method::POST, "POST"),
        (http::Method::PUT, "PUT"),
        (http::Method::PATCH, "PATCH"),
        (http::Method::DELETE, "DELETE"),
        (http::Method::HEAD, "OTHER"),
    ];
    for (m, s) in cases {
        assert_eq!(Method::from(&m).as_str(), s);
    }
    let custom = http::Method::from_bytes(b"PURGE").unwrap();
    assert_eq!(Method::from(&custom).as_str(), "OTHER");
}

#[test]
fn every_name_is_prefixed() {
    for name in [
        REQUESTS_TOTAL,
        RULE_APPLICATIONS_TOTAL,
        LOCAL_ANSWERS_TOTAL,
        UPSTREAM_DURATION_SECONDS,
        UPSTREAM_ERRORS_TOTAL,
        RULE_RELOADS_TOTAL,
        RULE_SET_INFO,
    ] {
        assert!(name.starts_with("scimshim_"), "{name}");
    }
}
