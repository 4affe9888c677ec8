//! Clients that open connections and send half a request (slowloris), or announce a body and
//! never send it, against `verbatim serve` as a process: each is cut off after
//! `--read-timeout`, the connections over `--max-connections` wait their turn, a real client
//! is still answered and its write stored, and SIGTERM exits within the grace period even
//! while a half-sent request is open.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::json;

use crate::common::ServeProcess;

const LIMITS: [&str; 6] = [
    "--read-timeout",
    "2",
    "--max-connections",
    "16",
    "--timeout",
    "3",
];

fn host_port(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

/// A connection that sent `head` and nothing more.
fn half_sent(addr: &str, head: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s
}

/// What the server sent before closing `s`, waiting at most `limit`.
fn until_closed(mut s: TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

#[test]
fn half_sent_requests_are_cut_off_and_a_real_client_is_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(&dir.path().join("idx"), &LIMITS);
    let addr = host_port(&server.base);
    // Three times the connection cap, each with half its headers sent.
    let heads: Vec<TcpStream> = (0..48)
        .map(|_| half_sent(&addr, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"))
        .collect();
    // A write whose body is announced and never sent.
    let stalled = half_sent(
        &addr,
        "POST /v1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: 200\r\n\r\n{\"items\": [",
    );
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    let r = client
        .post(format!("{}/v1/comments", server.base))
        .json(&json!({"items": [{"id": "s1", "text": "话费扣错了两次"}]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
    // Before the fix it was never answered while the slow clients held on.
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "{:?}",
        started.elapsed()
    );
    let (answer, _) = until_closed(stalled, Duration::from_secs(30));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("no part of the body"), "{answer}");
    for s in heads {
        let (answer, waited) = until_closed(s, Duration::from_secs(30));
        assert!(answer.is_empty(), "{answer}");
        assert!(waited < Duration::from_secs(30), "still open");
    }
    let r = client
        .get(format!("{}/v1/comments/s1", server.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigterm_exits_within_the_grace_period_despite_a_half_sent_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(&dir.path().join("idx"), &LIMITS);
    let addr = host_port(&server.base);
    // A body trickling in: each part inside the read timeout, so the connection stays.
    let mut open = half_sent(
        &addr,
        "POST /v1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: 200\r\n\r\n{",
    );
    let trickle = std::thread::spawn(move || {
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(500));
            if open.write_all(b" ").is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    let status = server.terminate();
    // --timeout 3 is the grace; before the fix it waited for the client (20 s here).
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(status.success(), "{status:?}");
    trickle.join().unwrap();
}
