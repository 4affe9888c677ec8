//! Every class of bad input gets a 4xx JSON error naming the field, and a rejected batch
//! writes nothing.

use serde_json::{Value, json};

use super::{Server, parts};

fn error(r: reqwest::blocking::Response) -> (u16, String, String) {
    let (status, body) = parts(r);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let message = body["error"]["message"].as_str().unwrap().to_string();
    (status, code, message)
}

fn raw_post(
    s: &Server,
    path: &str,
    body: impl Into<reqwest::blocking::Body>,
) -> reqwest::blocking::Response {
    try_raw_post(s, path, body).unwrap()
}

fn try_raw_post(
    s: &Server,
    path: &str,
    body: impl Into<reqwest::blocking::Body>,
) -> reqwest::Result<reqwest::blocking::Response> {
    // A connection of its own: the server may close it after refusing an over-large body.
    reqwest::blocking::Client::new()
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
}

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let s = Server::open();
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("/v1/analyze", json!({"texts": "not a list"}), 422, "texts"),
        (
            "/v1/analyze",
            json!({"texts": ["ok", "  "]}),
            422,
            "texts[1]",
        ),
        ("/v1/analyze", json!({"texts": []}), 422, "texts"),
        (
            "/v1/analyze",
            json!({"texts": ["a"], "items": [{"text": "b"}]}),
            422,
            "texts",
        ),
        ("/v1/analyze", json!({"txts": ["a"]}), 422, "txts"),
        (
            "/v1/analyze",
            json!({"texts": vec!["好"; 257]}),
            413,
            "texts",
        ),
        (
            "/v1/analyze",
            json!({"texts": ["x".repeat(100_001)]}),
            413,
            "texts[0]",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "nps": 11}]}),
            422,
            "items[0].nps",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "nps": "high"}]}),
            422,
            "items[0].nps",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "csat": 0}]}),
            422,
            "items[0].csat",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "created_at": "23/05/2025"}]}),
            422,
            "items[0].created_at",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "", "text": "ok"}]}),
            422,
            "items[0].id",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a"}]}),
            422,
            "items[0]",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "color": "red"}]}),
            422,
            "color",
        ),
        (
            "/v1/comments",
            json!({"items": [{"id": "a", "text": "ok", "attrs": {"region": 3}}]}),
            422,
            "items[0].attrs.region",
        ),
    ];
    for (path, body, status, field) in cases {
        let (got, code, message) = error(s.post(path, &body));
        assert_eq!(got, status, "{path} {body}: {code} {message}");
        assert!(
            message.contains(field),
            "{path}: `{message}` should name `{field}`"
        );
    }
    let (status, code, message) = error(raw_post(&s, "/v1/analyze", "{\"texts\": [\"a\""));
    assert_eq!((status, code.as_str()), (400, "invalid_json"), "{message}");
    // The server answers 413 as soon as the body passes 8 MiB and closes the connection; a
    // client still writing the rest may see that close (broken pipe) before the answer.
    match try_raw_post(&s, "/v1/comments", vec![b' '; 9 << 20]) {
        Ok(response) => {
            let (status, code, _) = error(response);
            assert_eq!((status, code.as_str()), (413, "too_large"));
        }
        Err(e) => assert!(
            e.is_request() && format!("{e:?}").contains("BodyWrite"),
            "not a refusal while the body was written: {e:?}"
        ),
    }
    assert_eq!(s.get("/healthz").status(), 200);
    let (status, _, message) = error(s.get("/v1/search?score_min=2"));
    assert_eq!(status, 422);
    assert!(message.contains("score_min"), "{message}");
    let (status, _, message) = error(s.get("/v1/search?from=yesterday"));
    assert!(status == 422 && message.contains("from"), "{message}");
    let (status, _, message) = error(s.get("/v1/reports/drivers?score=ces"));
    assert!(status == 422 && message.contains("score"), "{message}");
    let (status, _, message) = error(s.get("/v1/reports/trends?color=red"));
    assert!(status == 422 && message.contains("color"), "{message}");
    assert_eq!(error(s.get("/v1/nothing")).0, 404);
    assert_eq!(
        error(
            s.client
                .put(format!("{}/v1/search", s.base))
                .send()
                .unwrap()
        )
        .0,
        405
    );

    // A batch with one bad item writes nothing, not even the good ones before it.
    let batch = json!({"items": [
        {"id": "good", "text": "配送很快"},
        {"id": "bad", "text": "配送很慢", "created_at": "2025-13-40"}
    ]});
    let (status, _, message) = error(s.post("/v1/comments", &batch));
    assert!(
        status == 422 && message.contains("items[1].created_at"),
        "{message}"
    );
    assert_eq!(parts(s.get("/v1/comments/good")).0, 404);
    assert_eq!(parts(s.get("/v1/search?limit=0")).1["total"], 0);
    // The server is still well.
    assert_eq!(
        parts(s.post(
            "/v1/comments",
            &json!({"items": [{"id": "good", "text": "配送很快"}]})
        ))
        .0,
        200
    );
    assert_eq!(parts(s.get("/v1/search?limit=0")).1["total"], 1);
}
