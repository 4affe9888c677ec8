//! The log and the HTTP layers, on real `verbatim serve` processes and CLI runs: one access
//! line per request with its request id (the client's or a made one, echoed in the header
//! and in JSON errors) and never the `Authorization` header; JSON log lines; -q and -v;
//! gzip and brotli answers; CORS only for listed origins, whose writes pass the guard.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::erase::serve_logged;
use crate::common::verbatim;

/// A small index of four comments built without the model; (its temp dir, the index).
fn small_index() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": \"c1\", \"text\": \"配送太慢了，等了三天\"}\n",
            "{\"id\": \"c2\", \"text\": \"客服态度很好\"}\n",
            "{\"id\": \"c3\", \"text\": \"The parcel arrived late again\"}\n",
            "{\"id\": \"c4\", \"text\": \"配送很快，包装完好\"}\n",
        ),
    )
    .unwrap();
    let idx = dir.path().join("idx");
    crate::common::ingest(&idx, &input, &["--no-model"]);
    (dir, idx)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_request_gets_an_access_line_and_an_id_and_no_secret_is_logged() {
    let (dir, idx) = small_index();
    let log = dir.path().join("serve.log");
    let (mut child, base) = serve_logged(&idx, &log, &[]);
    let client = reqwest::blocking::Client::new();
    let r = client
        .get(format!("{base}/v1/search?q=配送"))
        .header("x-request-id", "req-7")
        .header("authorization", "Bearer secret-token-xyz")
        .header("origin", "https://crm.example.com")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "req-7");
    // No origin is listed, so no CORS header is sent.
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // A client id with a space (it would split a log line) is replaced by a made one,
    // which the JSON error carries as well.
    let r = client
        .get(format!("{base}/v1/search?limit=many"))
        .header("x-request-id", "two words")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16() / 100, 4);
    let made = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(made, "two words");
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"]["request_id"], made.as_str(), "{body}");
    assert!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status()
            .is_success()
    );
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("request_id=req-7"))
        .unwrap_or_else(|| panic!("no access line for req-7: {text}"));
    for part in [
        "method=GET",
        "route=/v1/search",
        "status=200",
        "ms=",
        "bytes=",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    let error_line = text
        .lines()
        .find(|l| l.contains(&format!("request_id={made}")))
        .unwrap_or_else(|| panic!("no access line for {made}: {text}"));
    assert!(error_line.contains("status=4"), "{error_line}");
    assert!(!text.contains("secret-token-xyz"), "{text}");
}

#[test]
fn the_cli_logs_json_lines_timings_with_v_and_nothing_with_q() {
    let (_dir, idx) = small_index();
    let out = verbatim(
        &[
            "search",
            "--index",
            path(&idx),
            "--log-format",
            "json",
            "-v",
            "配送",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let done = events
        .iter()
        .find(|e| e["message"] == "command finished")
        .unwrap_or_else(|| panic!("no timing event: {stderr}"));
    assert_eq!(done["level"], "DEBUG");
    assert_eq!(done["command"], "search");
    assert!(done["seconds"].as_f64().is_some_and(|s| s > 0.0), "{done}");
    assert!(done["timestamp"].is_string(), "{done}");

    // Without -v the same command says nothing on stderr; -q silences ingest's progress.
    let out = verbatim(&["search", "--index", path(&idx), "配送"], "");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\": \"q1\", \"text\": \"还行\"}\n").unwrap();
    let quiet = dir.path().join("idx");
    let args = [
        "ingest",
        "--index",
        path(&quiet),
        "--input",
        path(&input),
        "--no-model",
    ];
    let out = verbatim(&[&args[..], &["-q"]].concat(), "");
    assert!(out.status.success() && out.stderr.is_empty(), "{:?}", out);

    // A broken filter is refused by name, exit 2.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args(["search", "--index", path(&idx), "配送"])
        .env("VERBATIM_LOG", "verbatim=[")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("VERBATIM_LOG"),
        "{out:?}"
    );
}

#[test]
fn large_answers_are_compressed_and_cors_serves_only_listed_origins() {
    let (dir, idx) = small_index();
    let log = dir.path().join("serve.log");
    let allowed = "https://crm.example.com";
    let (mut child, base) = serve_logged(&idx, &log, &["--cors-origins", allowed]);
    let client = reqwest::blocking::Client::new();

    let r = client
        .get(format!("{base}/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&r.bytes().unwrap()[..])
        .read_to_string(&mut json)
        .unwrap();
    let spec: Value = serde_json::from_str(&json).unwrap();
    assert!(spec["paths"]["/v1/search"].is_object());
    let r = client
        .get(format!("{base}/openapi.json"))
        .header("accept-encoding", "br")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    // A streamed answer (the CSV export) is compressed too, every time: its stream was once
    // polled past its end by the compression layer, a panic that closed the connection.
    for _ in 0..5 {
        let r = client
            .get(format!("{base}/v1/search?q=配送&format=csv"))
            .header("accept-encoding", "gzip")
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let mut csv = String::new();
        flate2::read::GzDecoder::new(&r.bytes().unwrap()[..])
            .read_to_string(&mut csv)
            .unwrap();
        assert!(csv.starts_with('\u{feff}') && csv.contains("c1"), "{csv}");
    }
    // A small answer is sent as it is.
    let r = client
        .get(format!("{base}/healthz"))
        .header("accept-encoding", "gzip")
        .send()
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());

    let preflight = |origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{base}/v1/comments"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .unwrap()
    };
    let r = preflight(allowed);
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], allowed);
    let r = preflight("https://evil.example.com");
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let post = |origin: &str| {
        client
            .post(format!("{base}/v1/comments"))
            .header("origin", origin)
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/json")
            .body(r#"{"items": [{"id": "w1", "text": "发票开错了"}]}"#)
            .send()
            .unwrap()
    };
    let r = post(allowed);
    assert!(
        r.status().is_success(),
        "{}: {}",
        r.status(),
        r.text().unwrap()
    );
    let r = post("https://evil.example.com");
    assert_eq!(r.status(), 403);
    let body: Value = r.json().unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Origin"),
        "{body}"
    );
    let r = client.get(format!("{base}/v1/comments/w1")).send().unwrap();
    assert_eq!(r.status(), 200);
    let _ = child.kill();
    let _ = child.wait();

    // A wildcard or a path is refused at start, by the key's name.
    let out = verbatim(
        &[
            "serve",
            "--index",
            path(&idx),
            "--no-model",
            "--cors-origins",
            "*",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cors_origins"),
        "{out:?}"
    );
}
