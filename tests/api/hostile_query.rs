//! Hostile query strings against a separate `verbatim serve` process (a stack overflow
//! would abort it, not this test): a query nested 1,000 deep, an over-long one, `field:*`
//! on fields without a column, dates past year 9999's end and empty parameter values all
//! get a 4xx naming the parameter, or a proper answer; afterwards the server still answers
//! and still holds its comments.

use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::ServeProcess;

struct Api {
    server: ServeProcess,
    client: Client,
}

impl Api {
    fn get(&self, path: &str, params: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.server.base))
            .query(params)
            .send()
            .unwrap_or_else(|e| {
                let shown: Vec<String> = params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.chars().take(40).collect::<String>()))
                    .collect();
                panic!(
                    "{path} {shown:?}: no answer (did the server die?): {}",
                    e.without_url()
                )
            });
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// A 422 whose message names `name`.
    fn refused(&self, path: &str, params: &[(&str, &str)], name: &str) -> String {
        let (status, body) = self.get(path, params);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(status, 422, "{path} {params:?}: {body}");
        assert!(
            message.contains(&format!("`{name}`")) || message.starts_with(&format!("{name}: ")),
            "{path} {params:?}: `{message}` should name `{name}`"
        );
        message.to_string()
    }

    fn total(&self, params: &[(&str, &str)]) -> u64 {
        let (status, body) = self.get("/v1/search", params);
        assert_eq!(status, 200, "{params:?}: {body}");
        body["total"].as_u64().unwrap()
    }

    fn still_well(&self) {
        assert_eq!(self.get("/healthz", &[]).0, 200);
        assert_eq!(self.total(&[("q", "发票")]), 1);
        assert_eq!(self.total(&[]), 2);
    }
}

fn start() -> (tempfile::TempDir, Api) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(&dir.path().join("idx"), &[]);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let items = json!({"items": [
        {"id": "h1", "text": "發票一直沒開", "created_at": "2025-05-23", "nps": 3, "channel": "app"},
        {"id": "h2", "text": "Delivery was fast", "created_at": "2025-05-24T10:00:00Z", "nps": 9}
    ]});
    let r = client
        .post(format!("{}/v1/comments", server.base))
        .json(&items)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    (dir, Api { server, client })
}

#[test]
fn a_query_nested_1000_deep_is_refused_and_the_server_lives() {
    let (_dir, api) = start();
    let deep = "(".repeat(1000);
    let reports = [
        "/v1/reports/summary",
        "/v1/reports/trends",
        "/v1/reports/drivers",
        "/v1/reports/pain-points",
    ];
    let message = api.refused("/v1/search", &[("q", &deep)], "q");
    assert!(
        message.contains("nested deeper than 32 levels"),
        "{message}"
    );
    for path in reports {
        api.refused(path, &[("q", &deep)], "q");
    }
    let nots = format!("{}发票", "NOT ".repeat(200));
    api.refused("/v1/search", &[("q", &nots)], "q");
    let long = "发票".repeat(501);
    let message = api.refused("/v1/reports/summary", &[("q", &long)], "q");
    assert!(
        message.contains("longer than 1,000 characters"),
        "{message}"
    );
    api.still_well();
    let at_bound = format!("{}发票{}", "(".repeat(32), ")".repeat(32));
    assert_eq!(api.total(&[("q", &at_bound)]), 1, "32 levels still answer");
    api.still_well();
    let status = api.server.terminate();
    assert!(status.success(), "the server exited {status:?}");
}

#[test]
fn former_500s_get_a_proper_answer_or_a_named_4xx() {
    let (_dir, api) = start();
    assert_eq!(api.total(&[("to", "9999-12-31")]), 2);
    assert_eq!(
        api.total(&[("from", "0000-01-01"), ("to", "9999-12-31")]),
        2
    );
    assert_eq!(api.total(&[("from", "9999-12-31")]), 0);
    assert_eq!(api.total(&[("q", "text:*")]), 2);
    assert_eq!(api.total(&[("q", "id:*")]), 2);
    assert_eq!(api.total(&[("q", "nps:*")]), 2);
    let message = api.refused("/v1/search", &[("q", "channel:*")], "q");
    assert!(message.contains("`channel:*`"), "{message}");
    api.refused("/v1/reports/summary", &[("q", "customer_id:*")], "q");
    api.refused("/v1/search", &[("q", "发票^99999999999")], "q");
    // A range the wrong way round is empty, as in SQL.
    assert_eq!(
        api.total(&[("from", "2025-06-01"), ("to", "2025-05-01")]),
        0
    );
    assert_eq!(api.total(&[("score_min", "0.5"), ("score_max", "-0.5")]), 0);
    api.refused("/v1/search", &[("score_max", "NaN")], "score_max");
    api.refused("/v1/search", &[("limit", "1001")], "limit");
    api.refused("/v1/search", &[("offset", "100001")], "offset");
    api.refused("/v1/search", &[("limit", "1e30")], "limit");
    api.still_well();
}

#[test]
fn empty_parameter_values_are_refused_by_name() {
    let (_dir, api) = start();
    let message = api.refused("/v1/search", &[("sentiment", "")], "sentiment");
    assert!(
        message.contains("negative, neutral or positive"),
        "{message}"
    );
    for name in [
        "sentiment",
        "topic",
        "lang",
        "channel",
        "from",
        "to",
        "attrs",
        "score_min",
        "score_max",
        "sort",
        "limit",
        "offset",
    ] {
        api.refused("/v1/search", &[(name, "")], name);
    }
    for name in [
        "sentiment",
        "topic",
        "lang",
        "channel",
        "from",
        "to",
        "attrs",
        "score_min",
        "score_max",
        "score",
        "by",
        "interval",
        "min_support",
        "limit",
    ] {
        api.refused("/v1/reports/summary", &[(name, " ")], name);
    }
    // A blank query is every comment.
    assert_eq!(api.total(&[("q", "")]), 2);
    api.still_well();
}
