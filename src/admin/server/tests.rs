use http_body_util::BodyExt;

use super::*;
use crate::admin::RulesReport;

async fn body(r: Response<Full<Bytes>>) -> String {
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn content_type(r: &Response<Full<Bytes>>) -> &str {
    r.headers()[CONTENT_TYPE].to_str().unwrap()
}

#[tokio::test]
async fn healthz_is_ok_even_when_not_ready() {
    let ops = OpsState::new(true, RulesReport::default());
    let r = respond(&ops, &Method::GET, "/healthz");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(content_type(&r), "text/plain; charset=utf-8");
    assert_eq!(body(r).await, "ok\n");
}

#[tokio::test]
async fn readyz_turns_ready_once_the_upstream_answered() {
    let ops = OpsState::new(true, RulesReport::default());
    let r = respond(&ops, &Method::GET, "/readyz");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body(r).await,
        "not ready: the upstream has not answered a request yet\n"
    );
    ops.mark_upstream_reached();
    let r = respond(&ops, &Method::GET, "/readyz");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await, "ready\n");
    ops.mark_draining();
    let r = respond(&ops, &Method::HEAD, "/readyz");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body(r).await, "not ready: shutting down\n");
}

#[tokio::test]
async fn metrics_use_the_text_format_content_type() {
    let ops = OpsState::new(false, RulesReport::default());
    let r = respond(&ops, &Method::GET, "/metrics");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(content_type(&r), "text/plain; version=0.0.4; charset=utf-8");
    assert!(body(r).await.starts_with("# HELP scimshim_requests_total "));
}

#[tokio::test]
async fn rules_is_the_report_as_json() {
    let ops = OpsState::new(false, RulesReport::default());
    let r = respond(&ops, &Method::GET, "/rules");
    assert_eq!(content_type(&r), "application/json");
    let v: serde_json::Value = serde_json::from_str(&body(r).await).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "version": 0,
            "hash": "",
            "loaded_at": "1970-01-01T00:00:00Z",
            "files": [],
            "last_error": null
        })
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405() {
    let ops = OpsState::new(false, RulesReport::default());
    for path in ["/", "/metrics/", "/healthz?x", "/scim/v2/Users"] {
        let r = respond(&ops, &Method::GET, path);
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        let r = respond(&ops, &method, "/metrics");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(r.headers()[ALLOW], "GET, HEAD");
    }
    // A path that does not exist is 404 whatever the method.
    let r = respond(&ops, &Method::POST, "/nope");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
