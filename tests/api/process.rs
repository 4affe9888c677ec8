//! `verbatim serve` as a process: it prints where it listens, serves, and on SIGTERM
//! finishes and exits 0 with every acknowledged write durable.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::json;

#[test]
fn serve_process_shuts_down_gracefully_keeping_acknowledged_writes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args([
            "serve",
            "--index",
            index.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let base = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited early"
        );
        if let Some(url) = line.trim().strip_prefix("verbatim serve: listening on ") {
            break url.to_string();
        }
    };
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}/v1/comments"))
        .json(&json!({"items": [{"id": "p1", "text": "The invoice was wrong twice", "csat": 2}]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let reopened = verbatim::index::CommentIndex::open(&index).unwrap();
    let stored = reopened
        .get("p1")
        .unwrap()
        .expect("acknowledged comment is durable");
    assert_eq!(stored.comment.csat, Some(2));
}
