//! Hostile input against the reports (issue 15, items 3, 4, 5 and 9): far-off dates,
//! many or long attributes, deleted comments' attributes, an empty text in a batch, and
//! trends over many distinct keywords across many days, whose memory is measured on a
//! separate `verbatim serve` process. Each test then shows the server still answers and
//! still holds its data.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, parts};
use crate::common::{ServeProcess, verbatim};

/// Status, and the error message (empty when the answer is not an error).
fn status_message(r: reqwest::blocking::Response) -> (u16, String) {
    let (status, body) = parts(r);
    let message = body["error"]["message"].as_str().unwrap_or("").to_string();
    (status, message)
}

/// The server answers and holds `n` comments.
fn still_well(s: &Server, n: u64) {
    assert_eq!(parts(s.get("/healthz")).0, 200);
    let (status, body) = parts(s.get("/v1/search?limit=0"));
    assert_eq!((status, body["total"].as_u64()), (200, Some(n)), "{body}");
}

#[test]
fn implausible_dates_are_refused_and_one_old_comment_cannot_disable_trends() {
    let s = Server::open();
    let tomorrow_but_one = (tantivy::time::OffsetDateTime::now_utc()
        + tantivy::time::Duration::days(3))
    .date()
    .to_string();
    for (date, shown) in [
        ("2500-01-01", "2500-01-01"),
        ("9999-12-31", "9999-12-31"),
        ("1989-12-31T23:00:00Z", "1989-12-31"),
        (tomorrow_but_one.as_str(), tomorrow_but_one.as_str()),
    ] {
        let batch = json!({"items": [
            {"id": "ok", "text": "配送很快", "created_at": "2026-05-01"},
            {"id": "far", "text": "配送很慢", "created_at": date}
        ]});
        let (status, message) = status_message(s.post("/v1/comments", &batch));
        assert_eq!(status, 422, "{date}: {message}");
        assert!(
            message.contains("items[1].created_at")
                && message.contains(shown)
                && message.contains("1990-01-01"),
            "{date}: {message}"
        );
    }
    still_well(&s, 0);

    // 1990 and 2026 are both plausible but 13,000 days apart: more than the 5,000 periods a
    // daily series shows. The report keeps the recent, dense run and says what it left out.
    let mut items =
        vec![json!({"id": "old", "text": "The box was damaged", "created_at": "1990-01-02"})];
    for d in 1..=6 {
        items.push(
            json!({"id": format!("new{d}"), "text": "Delivery was late again",
            "created_at": format!("2026-05-0{d}"), "nps": d}),
        );
    }
    let (status, body) = parts(s.post("/v1/comments", &json!({ "items": items })));
    assert_eq!(status, 200, "{body}");
    let (status, trends) = parts(s.get("/v1/reports/trends?interval=day"));
    assert_eq!(status, 200, "{trends}");
    let periods = trends["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 6, "{trends}");
    assert_eq!(periods[0]["start"], "2026-05-01");
    assert_eq!(trends["left_out"], 1);
    // A longer interval covers both.
    let (_, trends) = parts(s.get("/v1/reports/trends?interval=month"));
    assert_eq!(trends["left_out"], 0);
    assert_eq!(trends["periods"][0]["start"], "1990-01-01");
    still_well(&s, 7);
}

#[test]
fn attributes_are_bounded_and_breakdowns_follow_live_comments() {
    let s = Server::open();
    let many: serde_json::Map<String, Value> =
        (0..33).map(|k| (format!("k{k:02}"), json!("v"))).collect();
    let cases = [
        (json!({ "k".repeat(65): "v" }), "items[0].attrs"),
        (json!({"region": "东".repeat(257)}), "items[0].attrs.region"),
        (Value::Object(many), "items[0].attrs"),
    ];
    for (attrs, field) in cases {
        let batch = json!({"items": [{"id": "a", "text": "ok", "attrs": attrs}]});
        let (status, message) = status_message(s.post("/v1/comments", &batch));
        assert_eq!(status, 422, "{message}");
        assert!(message.contains(&format!("`{field}`")), "{message}");
    }
    // Ten thousand keys, as the issue sent: refused, the server unharmed.
    let huge: serde_json::Map<String, Value> = (0..10_000)
        .map(|k| (format!("a{k:05}"), json!("v")))
        .collect();
    let batch = json!({"items": [{"id": "a", "text": "ok", "attrs": huge}]});
    let (status, message) = status_message(s.post("/v1/comments", &batch));
    assert!(
        status == 422 && message.contains("10000 attributes"),
        "{message}"
    );
    still_well(&s, 0);

    let regions = ["华东", "华南", "华北"];
    let mut items: Vec<Value> = regions
        .iter()
        .enumerate()
        .map(
            |(i, r)| json!({"id": format!("r{i}"), "text": "客服回复很快", "attrs": {"region": r}}),
        )
        .collect();
    let twenty: serde_json::Map<String, Value> =
        (0..20).map(|k| (format!("a{k:02}"), json!("x"))).collect();
    items.push(json!({"id": "wide", "text": "物流太慢了", "attrs": twenty}));
    let (status, body) = parts(s.post("/v1/comments", &json!({ "items": items })));
    assert_eq!(status, 200, "{body}");

    // Twenty rare keys do not push out the key every comment has.
    let (_, summary) = parts(s.get("/v1/reports/summary"));
    let by = summary["by"].as_object().unwrap();
    assert_eq!(
        by["attrs.region"].as_object().unwrap().len(),
        3,
        "{summary}"
    );
    assert_eq!(by.keys().filter(|k| k.starts_with("attrs.")).count(), 20);
    // Keys are counted among the matching comments only.
    let (_, summary) = parts(s.get("/v1/reports/summary?q=物流"));
    assert!(summary["by"]["attrs.a00"].is_object(), "{summary}");
    assert!(summary["by"].get("attrs.region").is_none(), "{summary}");

    // A deleted comment leaves no breakdown behind.
    assert_eq!(parts(s.delete("/v1/comments/wide")).0, 200);
    let (_, summary) = parts(s.get("/v1/reports/summary"));
    let keys: Vec<&String> = summary["by"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("attrs."))
        .collect();
    assert_eq!(keys, ["attrs.region"], "{summary}");
    still_well(&s, 3);
}

#[test]
fn an_empty_text_in_a_batch_is_named_with_its_field() {
    let s = Server::open();
    for text in ["", "   ", "\u{200b}"] {
        let batch = json!({"items": [{"id": "a", "text": "ok"}, {"id": "b", "text": text}]});
        let (status, message) = status_message(s.post("/v1/comments", &batch));
        assert_eq!(status, 422, "{message}");
        assert!(message.contains("`items[1].text`"), "{text:?}: {message}");
    }
    still_well(&s, 0);
}

/// VmRSS and VmHWM of a process, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Comments whose words are all distinct (so every keyword is new), one every few days
/// over 13 years, stored by a real `verbatim ingest`.
fn many_keywords_over_many_days(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let word = |mut k: usize| {
        let mut w = String::from("zq");
        for _ in 0..4 {
            w.push((b'a' + (k % 26) as u8) as char);
            k /= 26;
        }
        w
    };
    let start =
        tantivy::time::Date::from_calendar_date(2013, tantivy::time::Month::January, 1).unwrap();
    let mut lines = String::new();
    for i in 0..n {
        let words: Vec<String> = (0..6).map(|j| word(i * 6 + j)).collect();
        let day = start + tantivy::time::Duration::days(((i * 7919) % 4990) as i64);
        let line = json!({"id": format!("m{i}"), "text": words.join(" "),
            "created_at": day.to_string(), "nps": i % 11});
        lines.push_str(&format!("{line}\n"));
    }
    let input = dir.join("many.jsonl");
    std::fs::write(&input, lines).unwrap();
    let index = dir.join("idx");
    let out = verbatim(
        &[
            "ingest",
            "--index",
            index.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    index
}

#[test]
fn trends_over_many_keywords_and_days_keep_memory_bounded() {
    const COMMENTS: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let index = many_keywords_over_many_days(dir.path(), COMMENTS);
    let server = ServeProcess::start(&index, &[]);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let url = format!("{}/v1/reports/trends?interval=day", server.base);
    // One request first, so that what stays allocated after the first report is baseline.
    let (status, trends) = parts(client.get(&url).send().unwrap());
    assert_eq!(status, 200, "{trends}");
    assert!(trends["periods"].as_array().unwrap().len() > 4900);
    let pid = server.child.id();
    let (rss_before, _) = memory_mb(pid);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| client.get(&url).send().unwrap().status().as_u16()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (rss_after, hwm) = memory_mb(pid);
    eprintln!(
        "trends ×8 over {COMMENTS} comments, ~{} keywords, {} days: RSS {rss_before:.0} → \
         {rss_after:.0} MB, peak {hwm:.0} MB",
        COMMENTS * 5,
        trends["periods"].as_array().unwrap().len()
    );
    assert_eq!(statuses, [200; 8]);
    // Dense periods × keywords tables took ~400 MB per request here; the sparse series take
    // a few MB. Generous bounds: the peak under 8 at once, and what stays.
    assert!(
        hwm - rss_before < 300.0,
        "peak {hwm:.0} MB from {rss_before:.0} MB"
    );
    assert!(
        rss_after - rss_before < 150.0,
        "{rss_before:.0} → {rss_after:.0} MB"
    );
    // Every keyword a candidate: still answered, still well.
    let (status, _) = parts(client.get(format!("{url}&min_support=1")).send().unwrap());
    assert_eq!(status, 200);
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    let (_, found) = parts(
        client
            .get(format!("{}/v1/search?limit=0", server.base))
            .send()
            .unwrap(),
    );
    assert_eq!(found["total"], COMMENTS as u64);
}
