//! `DELETE /v1/customers/{customer_id}/comments` (issue 21) against a real server over a
//! real index with the real model: comments of two customers stored, one erased; searches,
//! reads and reports then hold none of theirs and all of the other's; the route needs a
//! write key; hostile ids are 4xx naming `customer_id` and leave the server answering with
//! its data; the result cache keeps no text of the erased comments; `customer_id=` filters.

use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};
use verbatim::api::{Keys, PoolOptions};

use super::{Server, parts};

const WRITE: &str = "erase-write-key";
const READ: &str = "erase-read-key";

fn server() -> Server {
    let keys = Keys {
        write: vec![WRITE.into()],
        read: vec![READ.into()],
    };
    Server::start(keys, PoolOptions::default())
}

fn with(key: &str, r: RequestBuilder) -> (u16, Value) {
    parts(r.bearer_auth(key).send().unwrap())
}

fn get(s: &Server, path: &str) -> (u16, Value) {
    with(READ, s.client.get(format!("{}{path}", s.base)))
}

fn erase(s: &Server, key: Option<&str>, customer: &str) -> (u16, Value) {
    let r = s
        .client
        .delete(format!("{}/v1/customers/{customer}/comments", s.base));
    match key {
        Some(key) => with(key, r),
        None => parts(r.send().unwrap()),
    }
}

/// The ids a search finds (all of them, by `customer_id` or not).
fn found(s: &Server, query: &str) -> Vec<String> {
    let (status, body) = get(s, &format!("/v1/search?limit=100{query}"));
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn cache_entries(s: &Server) -> u64 {
    let metrics = s.get("/metrics").text().unwrap();
    metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix("verbatim_analysis_cache_entries ")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{metrics}"))
}

fn store(s: &Server) {
    let items = json!({"items": [
        {"id": "a1", "text": "配送太慢了，等了一周", "customer_id": "客户/甲 01", "nps": 2},
        {"id": "a2", "text": "Refund never arrived", "customer_id": "客户/甲 01", "nps": 1},
        {"id": "a3", "text": "客服态度很差", "customer_id": "客户/甲 01"},
        {"id": "b1", "text": "物流很快，包装也好", "customer_id": "cust-B", "nps": 9},
        {"id": "b2", "text": "The app is easy to use", "customer_id": "cust-B", "nps": 10},
        {"id": "n1", "text": "发票一直没开"}
    ]});
    let r = s
        .client
        .post(format!("{}/v1/comments", s.base))
        .json(&items);
    let (status, body) = with(WRITE, r);
    assert_eq!(status, 200, "{body}");
}

/// `客户/甲 01` in one path segment.
const A_PATH: &str = "%E5%AE%A2%E6%88%B7%2F%E7%94%B2%2001";
const A_QUERY: &str = "&customer_id=%E5%AE%A2%E6%88%B7%2F%E7%94%B2%2001";

#[test]
fn erasing_a_customer_leaves_none_of_theirs_and_all_of_the_others() {
    let s = server();
    store(&s);
    assert_eq!(found(&s, A_QUERY), ["a1", "a2", "a3"]);
    assert_eq!(found(&s, "&customer_id=cust-B"), ["b1", "b2"]);
    assert!(cache_entries(&s) > 0);

    // Without a key, or with a read-only one: refused, nothing deleted.
    assert_eq!(erase(&s, None, A_PATH).0, 401);
    assert_eq!(erase(&s, Some("wrong"), A_PATH).0, 401);
    let (status, body) = erase(&s, Some(READ), A_PATH);
    assert_eq!(status, 403, "{body}");
    assert_eq!(found(&s, A_QUERY).len(), 3);

    let (status, body) = erase(&s, Some(WRITE), A_PATH);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"customer_id": "客户/甲 01", "deleted": 3}));
    // Seen at once by searches, reads and reports; the other customer's all there.
    assert!(found(&s, A_QUERY).is_empty());
    assert_eq!(found(&s, ""), ["b1", "b2", "n1"]);
    // 配送 matched only a1 by its words; by meaning (hybrid, the default) the other customer's
    // delivery comment b1 answers too, and nothing erased may.
    assert_eq!(found(&s, "&q=配送&mode=keyword"), Vec::<String>::new());
    let by_meaning = found(&s, "&q=配送");
    assert!(
        by_meaning.iter().all(|id| !id.starts_with('a')),
        "{by_meaning:?}"
    );
    for id in ["a1", "a2", "a3"] {
        assert_eq!(get(&s, &format!("/v1/comments/{id}")).0, 404, "{id}");
    }
    assert_eq!(get(&s, "/v1/comments/b1").0, 200);
    let (status, body) = get(&s, &format!("/v1/reports/summary?{}", &A_QUERY[1..]));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["n"], 0, "{body}");
    let (status, body) = get(&s, "/v1/reports/summary?customer_id=cust-B");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["n"], 2, "{body}");
    // The result cache, keyed by comment texts, holds none of them any more.
    assert_eq!(cache_entries(&s), 0);

    // Again: nothing left, which is an answer, not an error.
    let (status, body) = erase(&s, Some(WRITE), A_PATH);
    assert_eq!((status, &body["deleted"]), (200, &json!(0)), "{body}");
    let (status, body) = get(&s, "/readyz");
    assert_eq!((status, &body["comments"]), (200, &json!(3)), "{body}");
}

#[test]
fn hostile_customer_ids_are_refused_by_name_and_the_server_keeps_its_data() {
    let s = server();
    store(&s);
    let long = "x".repeat(513);
    let hostile = [
        "%20",          // blank
        "%E2%80%8B",    // only a zero-width space
        "a%0Ab",        // a newline: a forged audit line
        "a%00b",        // NUL
        "%1B%5B31m",    // a terminal escape
        &long,          // over 512 characters
        "%FF",          // not UTF-8
        "...",          // dots only
        "%2E%2E%2E%20", // dots only, encoded
    ];
    for id in hostile {
        let (status, body) = erase(&s, Some(WRITE), id);
        assert!((400..500).contains(&status), "{id}: {status} {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("customer_id"), "{id}: {body}");
    }
    // The empty segment matches no route: a 4xx JSON error all the same.
    let (status, body) = erase(&s, Some(WRITE), "");
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    // Filters refuse the same ids by name.
    for query in ["customer_id=", "customer_id=%20", "customer_id=a%0Ab"] {
        let (status, body) = get(&s, &format!("/v1/search?{query}"));
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("customer_id")
        );
    }
    let (status, _) = get(&s, "/v1/reports/drivers?customer_id=%00");
    assert_eq!(status, 422);

    assert_eq!(s.get("/healthz").status(), 200);
    assert_eq!(found(&s, "").len(), 6);
    assert_eq!(found(&s, A_QUERY).len(), 3);
}

/// A `verbatim serve` process whose stderr (the log) goes to a file, and its base URL.
/// `verbatim serve --no-model EXTRA…` on a free port with its log in a file: the child and
/// its base URL.
pub fn serve_logged(
    index: &std::path::Path,
    log: &std::path::Path,
    extra: &[&str],
) -> (std::process::Child, String) {
    let file = std::fs::File::create(log).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args(["serve", "--index", index.to_str().unwrap()])
        .args(["--addr", "127.0.0.1:0", "--no-model"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    for _ in 0..600 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(url) = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("verbatim serve: listening on "))
        {
            return (child, url.to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "serve did not listen: {}",
        std::fs::read_to_string(log).unwrap()
    );
}

#[test]
fn each_erasure_writes_one_audit_line_with_the_request_id_and_no_raw_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": \"a1\", \"text\": \"配送太慢了\", \"customer_id\": \"王五-77\"}\n",
            "{\"id\": \"a2\", \"text\": \"退款一直没到\", \"customer_id\": \"王五-77\"}\n",
            "{\"id\": \"b1\", \"text\": \"客服很耐心\", \"customer_id\": \"赵六-88\"}\n",
        ),
    )
    .unwrap();
    let idx = dir.path().join("idx");
    crate::common::ingest(&idx, &input, &["--no-model"]);
    let log = dir.path().join("serve.log");
    let (mut child, base) = serve_logged(&idx, &log, &[]);
    let client = reqwest::blocking::Client::new();
    let url = format!("{base}/v1/customers/%E7%8E%8B%E4%BA%94-77/comments");
    let r = client
        .delete(&url)
        .header("x-request-id", "req-42")
        .send()
        .unwrap();
    let (status, body) = parts(r);
    assert_eq!((status, &body["deleted"]), (200, &json!(2)), "{body}");
    // Without a client id the server makes one, answers it and audits it.
    let r = client.delete(&url).send().unwrap();
    let made = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(parts(r).1["deleted"], 0);
    let health = client.get(format!("{base}/healthz")).send().unwrap();
    assert_eq!(health.status(), 200);
    let r = client.get(format!("{base}/v1/comments/b1")).send().unwrap();
    assert_eq!(r.status(), 200);
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log).unwrap();
    let audit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("audit: erase"))
        .collect();
    let digest = verbatim::index::erase::digest("王五-77");
    assert_eq!(audit.len(), 2, "{text}");
    assert!(
        audit[0].contains(&format!("customer=sha256:{digest} deleted=2 at=20"))
            && audit[0].ends_with("via=api request_id=req-42"),
        "{text}"
    );
    assert!(
        audit[1].contains("deleted=0") && audit[1].ends_with(&format!("request_id={made}")),
        "{text}"
    );
    assert!(!text.contains("王五"), "{text}");
}
