//! Semantic and hybrid search over HTTP (issue 19), on a real server with the real model:
//! `mode` switches and is labelled in the answer, filters apply to semantic hits, a bad
//! `mode` is refused naming it, `GET /v1/comments/{id}/similar` with its filters and
//! errors, the OpenAPI document describes both; the server still answers and holds its
//! comments afterwards.

use serde_json::{Value, json};

use super::{Server, parts};

fn ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn modes_filters_similar_and_bad_input_over_http() {
    let s = Server::open();
    let items = json!({"items": [
        {"id": "z1", "text": "发票一直开不出来，报销很麻烦", "channel": "app"},
        {"id": "z2", "text": "配送太慢了，一周才到", "channel": "web"},
        {"id": "z3", "text": "发票开不出来，没法报销", "channel": "web"},
        {"id": "e1", "text": "The invoice had the wrong amount on it", "channel": "app"},
        {"id": "e2", "text": "The package arrived five days late", "channel": "web"},
        {"id": "e3", "text": "I was charged twice for the same order", "channel": "web"},
        {"id": "t1", "text": "電子發票馬上就收到了", "channel": "app"}
    ]});
    let (status, body) = parts(s.post("/v1/comments", &items));
    assert_eq!(status, 200, "{body}");

    let (status, keyword) = parts(s.get("/v1/search?q=发票&mode=keyword"));
    assert_eq!(status, 200, "{keyword}");
    assert_eq!(keyword["mode"], "keyword");
    let mut found = ids(&keyword);
    found.sort();
    assert_eq!(found, ["t1", "z1", "z3"]);
    assert!(
        keyword["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["match"] == "keyword")
    );

    let (status, semantic) = parts(s.get("/v1/search?q=发票&mode=semantic&limit=10"));
    assert_eq!(status, 200, "{semantic}");
    assert_eq!(semantic["mode"], "semantic");
    for h in semantic["hits"].as_array().unwrap() {
        assert!(h["match"] == "semantic" || h["match"] == "both", "{h}");
        assert!(h["similarity"].as_f64().is_some(), "{h}");
    }
    // A query of control characters only has nothing to embed: hybrid answers by keyword
    // and semantic with no neighbour, not a 422 (schemathesis found `q=%1F` refused).
    let (status, body) = parts(s.get("/v1/search?q=%1F"));
    assert_eq!(
        (status, body["mode"].as_str()),
        (200, Some("keyword")),
        "{body}"
    );
    // Invisible characters only (a soft hyphen, a zero-width space): blank as well.
    let (status, body) = parts(s.get("/v1/search?q=%C2%AD%E2%80%8B"));
    assert_eq!(
        (status, body["mode"].as_str(), body["total"].as_u64()),
        (200, Some("keyword"), Some(0)),
        "{body}"
    );
    let (status, body) = parts(s.get("/v1/search?q=%1F%0B&mode=semantic"));
    assert_eq!((status, body["total"].as_u64()), (200, Some(0)), "{body}");
    // The default is hybrid: every keyword hit is still there.
    let (_, hybrid) = parts(s.get("/v1/search?q=发票&limit=10"));
    assert_eq!(hybrid["mode"], "hybrid");
    let fused = ids(&hybrid);
    assert!(
        fused.contains(&"z1".into()) && fused.contains(&"t1".into()),
        "{fused:?}"
    );
    assert_eq!(hybrid["total"].as_u64().unwrap() as usize, fused.len());

    // Filters apply to semantic hits.
    let (_, web) = parts(s.get("/v1/search?q=invoice&mode=semantic&channel=web"));
    for h in web["hits"].as_array().unwrap() {
        assert_eq!(h["channel"], "web", "{h}");
    }

    for bad in ["bogus", "KEYWORDS", "semantic,hybrid"] {
        let (status, body) = parts(s.get(&format!("/v1/search?q=x&mode={bad}")));
        assert_eq!(status, 422, "{bad}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("mode"), "{bad}: {message}");
    }
    let (status, body) = parts(s.get("/v1/search?q=&mode=semantic"));
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("`q`"));

    // More like this: the comment itself is left out, filters apply. z3 says what z1 says
    // (in a 7-comment index, centred similarities of other neighbours sit near the floor).
    let (status, near) = parts(s.get("/v1/comments/z1/similar?limit=3"));
    assert_eq!(status, 200, "{near}");
    assert_eq!(near["mode"], "semantic");
    let near_ids = ids(&near);
    assert!(
        near_ids.len() <= 3 && !near_ids.contains(&"z1".into()),
        "{near_ids:?}"
    );
    assert_eq!(
        near_ids.first().map(String::as_str),
        Some("z3"),
        "{near_ids:?}"
    );
    let (_, near_app) = parts(s.get("/v1/comments/z1/similar?channel=app"));
    assert!(!ids(&near_app).contains(&"z3".into()), "{near_app}");
    for h in near_app["hits"].as_array().unwrap() {
        assert_eq!(h["channel"], "app", "{h}");
    }
    let (status, body) = parts(s.get("/v1/comments/nope/similar"));
    assert_eq!(status, 404, "{body}");
    let (status, body) = parts(s.get("/v1/comments/z1/similar?limit=5000"));
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("limit"));
    let (status, body) = parts(s.get("/v1/comments/z1/similar?q=x"));
    assert_eq!(status, 422, "{body}");

    let (_, doc) = parts(s.get("/openapi.json"));
    let similar = &doc["paths"]["/v1/comments/{id}/similar"]["get"];
    assert!(similar.is_object(), "openapi lacks the similar route");
    let params = doc["paths"]["/v1/search"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let mode = params
        .iter()
        .find(|p| p["name"] == "mode")
        .expect("mode parameter");
    assert_eq!(mode["schema"]["$ref"], "#/components/schemas/Mode");
    assert!(doc["components"]["schemas"]["Mode"].is_object());

    // Still answering, still holding every comment.
    assert_eq!(parts(s.get("/healthz")).0, 200);
    assert_eq!(
        parts(s.get("/v1/search?limit=0&mode=keyword")).1["total"],
        7
    );
    assert_eq!(parts(s.get("/v1/comments/e1")).0, 200);
}
