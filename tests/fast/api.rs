//! The HTTP router in-process (`oneshot`, no socket) over a real index in a temp dir.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use verbatim::api::{self, AppState, Keys, PoolOptions};
use verbatim::index::CommentIndex;

/// The router over a fresh index, and the runtime its worker pool and handlers run on.
struct App {
    router: Router,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl App {
    fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let index = CommentIndex::open_or_create(dir.path()).unwrap();
        let state = runtime.block_on(async {
            AppState::new(
                super::analyzer().clone(),
                index,
                Keys::default(),
                PoolOptions::default(),
            )
            .unwrap()
        });
        App {
            router: api::app(state),
            runtime,
            _dir: dir,
        }
    }

    fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, bytes) = self.raw(method, uri, body);
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn raw(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Vec<u8>) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "localhost")
            .header("content-type", "application/json");
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        let request = request.body(body).unwrap();
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, bytes.to_vec())
        })
    }

    fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call("GET", uri, None)
    }

    fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", uri, Some(body))
    }
}

#[test]
fn ingest_read_search_report_and_delete() {
    let app = App::new();
    let items = json!({"items": [
        {"id": "c1", "text": "發票一直沒開，客服也不回", "created_at": "2026-05-23", "nps": 2, "csat": 1, "channel": "app", "attrs": {"region": "台北"}},
        {"id": "c2", "text": "Delivery was fast and the courier was polite", "created_at": "2026-05-24T10:00:00Z", "nps": 10, "channel": "web"}
    ]});
    let (status, body) = app.post("/v1/comments", items);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 2);
    let (status, body) = app.get("/v1/comments/c1");
    assert_eq!(status, 200);
    assert_eq!(body["comment"]["attrs"]["region"], "台北");
    assert_eq!(body["analysis"]["lang"], "zh-Hant");

    let (status, body) = app.get("/v1/search?q=%E5%8F%91%E7%A5%A8&mode=keyword&limit=5");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1, "发票 finds 發票: {body}");
    assert_eq!(body["hits"][0]["id"], "c1");
    let (_, body) = app.get("/v1/search?channel=web");
    assert_eq!(body["hits"][0]["id"], "c2", "{body}");
    assert_eq!(body["facets"]["channel"]["web"], 1);

    let (status, summary) = app.get("/v1/reports/summary");
    assert_eq!(status, 200);
    assert_eq!(summary["n"], 2);
    assert_eq!(summary["nps"]["nps"], 0.0, "one promoter, one detractor");
    let (_, trends) = app.get("/v1/reports/trends?interval=day");
    assert_eq!(trends["periods"].as_array().unwrap().len(), 2);

    let (status, body) = app.call("DELETE", "/v1/comments/c1", None);
    assert_eq!(
        (status, body["deleted"].as_str()),
        (StatusCode::OK, Some("c1"))
    );
    assert_eq!(app.get("/v1/comments/c1").0, 404);
    assert_eq!(app.get("/v1/reports/summary").1["n"], 1);
}

#[test]
fn bad_input_is_named_and_the_app_still_answers() {
    let app = App::new();
    let (status, body) = app.post("/v1/analyze", json!({"texts": ["ok", 5]}));
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("texts[1]"), "{body}");
    let (status, body) = app.get("/v1/search?limit=lots");
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("limit"), "{body}");
    let (status, body) = app.post("/v1/comments", json!({"items": [{"id": "x", "text": ""}]}));
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(app.get("/healthz").1["status"], "ok");
    let (status, body) = app.post("/v1/analyze", json!({"texts": ["配送太慢了"]}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["analyses"][0]["lang"], "zh-Hans");
}

/// A counter of `/metrics`.
fn metric(app: &App, name: &str) -> u64 {
    let (_, body) = app.raw("GET", "/metrics", None);
    let text = String::from_utf8(body).unwrap();
    let line = text.lines().find(|l| l.starts_with(&format!("{name} ")));
    line.and_then(|l| l.split(' ').nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics"))
}

#[test]
fn a_repeated_search_query_is_analysed_once() {
    let app = App::new();
    let items = json!({"items": [
        {"id": "a", "text": "配送太慢了，等了三天"},
        {"id": "b", "text": "客服态度很好"},
        {"id": "c", "text": "The courier was late again"}
    ]});
    assert_eq!(app.post("/v1/comments", items).0, 200);
    let uri = "/v1/search?q=%E9%85%8D%E9%80%81%E6%85%A2&mode=hybrid";
    let (status, first) = app.get(uri);
    assert_eq!(status, 200, "{first}");
    let misses = metric(&app, "verbatim_query_cache_misses_total");
    let hits = metric(&app, "verbatim_query_cache_hits_total");
    let (_, again) = app.get(uri);
    assert_eq!(
        first["hits"], again["hits"],
        "the cached analysis ranks the same"
    );
    assert_eq!(metric(&app, "verbatim_query_cache_hits_total"), hits + 1);
    assert_eq!(metric(&app, "verbatim_query_cache_misses_total"), misses);
    let (_, other) = app.get("/v1/search?q=courier&mode=semantic");
    assert!(other["total"].as_u64().is_some(), "{other}");
    assert_eq!(
        metric(&app, "verbatim_query_cache_misses_total"),
        misses + 1
    );
}
