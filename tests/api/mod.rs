//! The HTTP API: a real server on 127.0.0.1:0 over a real index in a temp dir, with the
//! real model, driven by a real HTTP client (reqwest): every route, auth, every class of bad
//! input, concurrent ingest, back-pressure, and the `serve` process's graceful shutdown.

mod bad_input;
mod batched;
mod cache;
mod compare;
mod erase;
mod hostile_http;
mod hostile_query;
mod hostile_reports;
mod logs;
mod pii;
mod process;
mod schemathesis;
mod semantic;
mod slow_clients;
mod starvation;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use verbatim::api::{self, AppState, Keys, PoolOptions};
use verbatim::index::CommentIndex;

use crate::common::shared_analyzer;

/// A server running on its own runtime thread until the test process ends.
pub struct Server {
    pub base: String,
    pub client: Client,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start(keys: Keys, pool: PoolOptions) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(dir.path()).unwrap();
        let state = AppState::new(shared_analyzer().clone(), index, keys, pool).unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime
                .block_on(api::serve(state, "127.0.0.1:0".parse().unwrap(), |a| {
                    tx.send(a).unwrap()
                }))
                .unwrap();
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server listening");
        Server {
            base: format!("http://{addr}"),
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    pub fn open() -> Server {
        Server::start(Keys::default(), PoolOptions::default())
    }

    pub fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .unwrap()
    }

    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .unwrap()
    }

    pub fn delete(&self, path: &str) -> Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .send()
            .unwrap()
    }
}

/// Status and JSON body.
pub fn parts(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.json().unwrap_or(Value::Null);
    (status, body)
}

#[test]
fn every_route_answers() {
    let s = Server::open();
    let (status, body) = parts(s.post(
        "/v1/analyze",
        &json!({"texts": ["菜很好吃但是配送太慢", "Refund never arrived"]}),
    ));
    assert_eq!(status, 200, "{body}");
    let a = &body["analyses"];
    assert_eq!(a.as_array().unwrap().len(), 2);
    let topics: Vec<&str> = a[0]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(topics.contains(&"delivery"), "{topics:?}");
    let (status, body) = parts(s.post(
        "/v1/analyze",
        &json!({"items": [{"id": "x7", "text": "客服态度很差"}]}),
    ));
    assert_eq!(status, 200);
    assert_eq!(body["analyses"][0]["id"], "x7");
    assert_eq!(body["analyses"][0]["sentiment"]["label"], "negative");

    let items = json!({"items": [
        {"id": "c1", "text": "發票一直沒開，客服也不回", "created_at": "2026-05-23", "nps": 2, "csat": 1, "channel": "app", "attrs": {"region": "台北"}},
        {"id": "c2", "text": "Delivery was fast and the courier was polite", "created_at": "2026-05-24T10:00:00Z", "nps": 10, "channel": "web"}
    ]});
    let (status, body) = parts(s.post("/v1/comments", &items));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 2);
    // Acknowledged means searchable and durable: read straight back.
    let (status, body) = parts(s.get("/v1/comments/c1"));
    assert_eq!(status, 200);
    assert_eq!(body["comment"]["attrs"]["region"], "台北");
    assert_eq!(body["analysis"]["lang"], "zh-Hant");
    let (status, body) = parts(s.get("/v1/search?q=发票&limit=5"));
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["hits"][0]["id"], "c1");
    assert!(
        body["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>發票</mark>")
    );
    let (_, body) = parts(s.get("/v1/search?channel=web&sentiment=positive"));
    assert_eq!(body["hits"][0]["id"], "c2", "{body}");
    assert_eq!(body["facets"]["channel"]["web"], 1);

    for report in [
        "drivers?min_support=1",
        "pain-points?min_support=1",
        "trends?interval=day",
        "summary",
    ] {
        let (status, body) = parts(s.get(&format!("/v1/reports/{report}")));
        assert_eq!(status, 200, "{report}: {body}");
    }
    let (_, summary) = parts(s.get("/v1/reports/summary"));
    assert_eq!(summary["n"], 2);
    assert_eq!(summary["nps"]["nps"], 0.0);
    let (_, trends) = parts(s.get("/v1/reports/trends?interval=day"));
    assert_eq!(trends["periods"].as_array().unwrap().len(), 2);

    let (status, body) = parts(s.get("/v1/taxonomy"));
    assert_eq!(status, 200);
    assert_eq!(body["topics"].as_array().unwrap().len(), 13);
    assert_eq!(body["topics"][2]["id"], "delivery");

    let (status, body) = parts(s.delete("/v1/comments/c1"));
    assert_eq!((status, body["deleted"].as_str()), (200, Some("c1")));
    assert_eq!(parts(s.get("/v1/comments/c1")).0, 404);
    assert_eq!(parts(s.delete("/v1/comments/c1")).0, 404);
    assert_eq!(parts(s.get("/v1/search?q=发票")).1["total"], 0);

    assert_eq!(parts(s.get("/healthz")).1["status"], "ok");
    let (_, ready) = parts(s.get("/readyz"));
    assert_eq!(
        (ready["status"].as_str(), ready["comments"].as_u64()),
        (Some("ready"), Some(1))
    );
    let metrics = s.get("/metrics").text().unwrap();
    assert!(
        metrics.contains("http_requests_total{route=\"/v1/comments\""),
        "{metrics}"
    );
    assert!(metrics.contains("verbatim_texts_analyzed_total"));
    let (_, openapi) = parts(s.get("/openapi.json"));
    for path in [
        "/v1/analyze",
        "/v1/comments",
        "/v1/comments/{id}",
        "/v1/search",
        "/v1/reports/drivers",
        "/v1/reports/pain-points",
        "/v1/reports/trends",
        "/v1/reports/summary",
        "/v1/taxonomy",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "openapi.json lacks {path}"
        );
    }
    let params: Vec<&str> = openapi["paths"]["/v1/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        params.contains(&"q") && params.contains(&"sentiment") && params.contains(&"score_min"),
        "{params:?}"
    );
    assert!(openapi["components"]["schemas"]["Analysis"].is_object());
    let page = s.get("/");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().unwrap().contains("app.js"));
}

#[test]
fn keys_separate_readers_from_writers() {
    let keys = Keys {
        write: vec!["w-secret".into()],
        read: vec!["r-secret".into()],
    };
    let s = Server::start(keys, PoolOptions::default());
    let with = |key: &str, req: reqwest::blocking::RequestBuilder| {
        parts(
            req.header("Authorization", format!("Bearer {key}"))
                .send()
                .unwrap(),
        )
    };
    let url = |p: &str| format!("{}{p}", s.base);
    let body = json!({"items": [{"id": "k1", "text": "退款很快，点赞"}]});

    let (status, err) = parts(s.post("/v1/comments", &body));
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(parts(s.get("/v1/search")).0, 401);
    let (status, err) = with("r-secret", s.client.post(url("/v1/comments")).json(&body));
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{err}"
    );
    assert_eq!(
        with(
            "r-secret",
            s.client
                .post(url("/v1/analyze"))
                .json(&json!({"texts": ["hi"]}))
        )
        .0,
        403
    );
    assert_eq!(with("nope", s.client.get(url("/v1/search"))).0, 401);
    assert_eq!(
        with("w-secret", s.client.post(url("/v1/comments")).json(&body)).0,
        200
    );
    let (status, found) = with("r-secret", s.client.get(url("/v1/search?q=退款")));
    assert_eq!((status, found["total"].as_u64()), (200, Some(1)));
    assert_eq!(
        with("r-secret", s.client.get(url("/v1/reports/summary"))).0,
        200
    );
    assert_eq!(
        with("r-secret", s.client.delete(url("/v1/comments/k1"))).0,
        403
    );
    // Operations and the page stay open.
    assert_eq!(s.get("/healthz").status(), 200);
    assert_eq!(s.get("/").status(), 200);
}

#[test]
fn concurrent_writers_store_every_comment() {
    let s = Server::open();
    let (clients, each) = (4, 12);
    std::thread::scope(|scope| {
        for c in 0..clients {
            let s = &s;
            scope.spawn(move || {
                for m in 0..each {
                    let text = format!("第{c}位客户第{m}次反馈：配送太慢了 courier {c}-{m}");
                    let body = json!({"items": [{"id": format!("k{c}-{m}"), "text": text}]});
                    let (status, body) = parts(s.post("/v1/comments", &body));
                    assert_eq!(status, 200, "{body}");
                }
            });
        }
    });
    let (_, body) = parts(s.get("/v1/search?limit=0"));
    assert_eq!(body["total"], clients * each);
    let (_, body) = parts(s.get("/v1/search?q=courier&limit=0"));
    assert_eq!(body["total"], clients * each);
}

#[test]
fn a_full_queue_answers_503_with_retry_after() {
    let pool = PoolOptions {
        workers: 1,
        queue: 1,
        max_batch: 1,
        timeout: Duration::from_secs(60),
        ..PoolOptions::default()
    };
    let s = Server::start(Keys::default(), pool);
    let texts: Vec<String> = (0..64)
        .map(|i| format!("第{i}条：客服态度很差，等了很久才回复，退款也没到账"))
        .collect();
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|_| {
                let (s, texts) = (&s, &texts);
                scope.spawn(move || {
                    let r = s.post("/v1/analyze", &json!({"texts": texts}));
                    let retry = r
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_string());
                    (r.status().as_u16(), retry)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        statuses.iter().all(|(s, _)| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.iter().any(|(s, _)| *s == 200), "{statuses:?}");
    let busy: Vec<_> = statuses.iter().filter(|(s, _)| *s == 503).collect();
    assert!(
        !busy.is_empty(),
        "12 callers on a queue of 1 must meet back-pressure: {statuses:?}"
    );
    assert!(busy.iter().all(|(_, retry)| retry.as_deref() == Some("1")));
    // The server recovers: a slot frees as soon as the last admitted job is answered.
    let recovered = (0..50).any(|_| {
        let ok = parts(s.post("/v1/analyze", &json!({"texts": ["ok"]}))).0 == 200;
        if !ok {
            std::thread::sleep(Duration::from_millis(100));
        }
        ok
    });
    assert!(recovered, "still 503 five seconds after the flood");
}
