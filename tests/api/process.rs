//! `verbatim serve` as a process: it prints where it listens, serves, and on SIGTERM
//! finishes and exits 0 with every acknowledged write durable.

use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::json;

use crate::common::ServeProcess;

#[test]
fn serve_process_shuts_down_gracefully_keeping_acknowledged_writes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let server = ServeProcess::start(&index, &[]);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/v1/comments", server.base))
        .json(&json!({"items": [{"id": "p1", "text": "The invoice was wrong twice", "csat": 2}]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    let reopened = verbatim::index::CommentIndex::open(&index).unwrap();
    let stored = reopened
        .get("p1")
        .unwrap()
        .expect("acknowledged comment is durable");
    assert_eq!(stored.comment.csat, Some(2));
}
