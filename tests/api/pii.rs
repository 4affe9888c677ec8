//! PII over HTTP: `POST /v1/comments` stores masked texts (GET and search show the masks,
//! the numbers are not findable), `POST /v1/analyze` masks on request, and a bad `redact`
//! value is a 4xx naming the field; the server answers and keeps its data afterwards.

use serde_json::json;

use super::{Server, parts};

const TEXT: &str = "快递员一直不接电话，我的手机是138 1234 5678，邮箱zhang.san@example.com";

#[test]
fn stored_comments_are_masked_and_their_pii_is_not_searchable() {
    let s = Server::open();
    let (status, body) = parts(s.post(
        "/v1/comments",
        &json!({"items": [{"id": "p1", "text": TEXT, "customer_id": "c1"}]}),
    ));
    assert_eq!(status, 200, "{body}");
    let pii = &body["analyses"][0]["pii"];
    assert_eq!(
        pii,
        &json!([{"type": "phone", "start": 15, "end": 28}, {"type": "email", "start": 31, "end": 52}]),
        "{body}"
    );
    let (status, stored) = parts(s.get("/v1/comments/p1"));
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        stored["comment"]["text"],
        "快递员一直不接电话，我的手机是[电话]，邮箱[邮箱]"
    );
    assert_eq!(stored["analysis"]["pii"], *pii);
    for q in ["13812345678", "1234", "zhang.san", "example.com"] {
        let (status, found) = parts(s.get(&format!("/v1/search?q={q}")));
        assert_eq!((status, &found["total"]), (200, &json!(0)), "{q}: {found}");
    }
    // The masked comment is there and searchable by its words.
    let (_, found) = parts(s.get("/v1/search?q=快递员"));
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(parts(s.get("/healthz")).0, 200);
}

#[test]
fn analyze_masks_only_when_asked_and_names_a_bad_redact_field() {
    let s = Server::open();
    let (status, body) = parts(s.post("/v1/analyze", &json!({"texts": [TEXT]})));
    assert_eq!(status, 200, "{body}");
    assert!(body["analyses"][0].get("pii").is_none(), "{body}");
    assert!(body["analyses"][0].get("redacted").is_none(), "{body}");

    let (status, body) = parts(s.post(
        "/v1/analyze",
        &json!({"texts": [TEXT, "Call me at +1 (415) 555-2671"], "redact": true}),
    ));
    assert_eq!(status, 200, "{body}");
    let a = &body["analyses"];
    assert_eq!(
        a[0]["redacted"],
        "快递员一直不接电话，我的手机是[电话]，邮箱[邮箱]"
    );
    assert_eq!(a[1]["redacted"], "Call me at [phone]");
    assert_eq!(
        a[1]["pii"],
        json!([{"type": "phone", "start": 11, "end": 28}])
    );
    let keywords = a[0]["keywords"].to_string();
    assert!(
        !keywords.contains("1381234") && !keywords.contains("zhang"),
        "{keywords}"
    );

    let (status, body) = parts(s.post("/v1/analyze", &json!({"texts": [TEXT], "redact": "yes"})));
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body.to_string().contains("redact"), "{body}");
    assert_eq!(parts(s.get("/healthz")).0, 200);
}
