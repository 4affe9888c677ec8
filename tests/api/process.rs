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

#[test]
fn keys_can_come_from_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("verbatim.toml");
    std::fs::write(
        &config,
        "write_keys = [\"cfg-w\"]\nread_keys = \"cfg-r\"\nworkers = 1\n",
    )
    .unwrap();
    let index = dir.path().join("idx");
    let server = ServeProcess::start(&index, &["--config", config.to_str().unwrap()]);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let url = format!("{}/v1/search", server.base);
    assert_eq!(client.get(&url).send().unwrap().status(), 401);
    let ok = client.get(&url).bearer_auth("cfg-r").send().unwrap();
    assert_eq!(ok.status(), 200);
    drop(server);

    std::fs::write(&config, "indx = \"typo\"\n").unwrap();
    let out = crate::common::verbatim(&["serve", "--config", config.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key `indx`"));
}
