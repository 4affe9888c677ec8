//! Less work per comment (issue 17): a repeated normalized text is encoded once per batch,
//! and a server answers recent texts from its bounded result cache, counted in `/metrics`
//! (`verbatim_analysis_cache_hits_total`, `_misses_total`; a miss is one text encoded).
//! Real server, real model; each server has a cache of its own, so counts are exact.

use std::time::Duration;

use serde_json::{Value, json};
use verbatim::analyze::Input;
use verbatim::api::{Keys, PoolOptions};

use super::{Server, parts};
use crate::common::{ServeProcess, analyzer};

/// A contrast-split comment (two clauses, topics with evidence), and the same text as the
/// model reads it but written differently: a byte-order mark, spaces around it and a
/// half-width comma. Its evidence spans must point into itself.
const A: &str = "这家的菜很好吃，就是配送太慢了";
const A_OTHER: &str = "\u{feff} 这家的菜很好吃,就是配送太慢了 ";

/// (hits, misses, entries) as `/metrics` reports them.
fn counts_of(metrics: &str) -> (u64, u64, u64) {
    let value = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing: {metrics}"))
    };
    (
        value("verbatim_analysis_cache_hits_total"),
        value("verbatim_analysis_cache_misses_total"),
        value("verbatim_analysis_cache_entries"),
    )
}

fn counts(s: &Server) -> (u64, u64, u64) {
    let r = s.get("/metrics");
    assert_eq!(r.status(), 200);
    counts_of(&r.text().unwrap())
}

fn analyze(s: &Server, body: Value) -> Vec<Value> {
    let (status, body) = parts(s.post("/v1/analyze", &body));
    assert_eq!(status, 200, "{body}");
    body["analyses"].as_array().unwrap().clone()
}

/// The analysis without its id and evidence spans; and the texts its spans cover in
/// `text`, commas made half-width.
fn split_spans(a: &Value, text: &str) -> (Value, Vec<String>) {
    let mut a = a.clone();
    a.as_object_mut().unwrap().remove("id");
    let mut covered = Vec::new();
    for topic in a["topics"].as_array_mut().unwrap() {
        for span in topic["evidence"].as_array().unwrap() {
            let (start, end) = (
                span["start"].as_u64().unwrap(),
                span["end"].as_u64().unwrap(),
            );
            let piece = text.get(start as usize..end as usize);
            covered.push(
                piece
                    .unwrap_or_else(|| panic!("{span} in {text:?}"))
                    .replace('，', ","),
            );
        }
        topic.as_object_mut().unwrap().remove("evidence");
    }
    (a, covered)
}

fn still_serves(s: &Server) {
    let (status, body) = parts(s.post("/v1/analyze", &json!({"texts": ["物流很快"]})));
    assert_eq!(status, 200, "{body}");
    assert_eq!(parts(s.get("/healthz")).0, 200);
}

#[test]
fn the_same_text_twice_is_encoded_once() {
    let s = Server::open();
    let before = counts(&s);
    let first = analyze(&s, json!({ "texts": [A] }));
    assert_eq!(counts(&s), (before.0, before.1 + 1, before.2 + 1));
    assert!(
        !first[0]["topics"].as_array().unwrap().is_empty(),
        "{first:?}"
    );
    let second = analyze(&s, json!({ "texts": [A] }));
    assert_eq!(second, first);
    assert_eq!(counts(&s), (before.0 + 1, before.1 + 1, before.2 + 1));
    // Written differently, read the same: a hit, with spans into its own text.
    let other = analyze(&s, json!({ "texts": [A_OTHER] }));
    assert_eq!(counts(&s), (before.0 + 2, before.1 + 1, before.2 + 1));
    let (mine, covered) = split_spans(&other[0], A_OTHER);
    let (theirs, theirs_covered) = split_spans(&first[0], A);
    assert_eq!(mine, theirs);
    assert_eq!(covered, theirs_covered);
    assert!(!covered.is_empty());
    still_serves(&s);
}

#[test]
fn a_batch_with_repeats_encodes_each_distinct_text_once() {
    let s = Server::open();
    let texts = [
        A,
        "物流超快，包装完好",
        A,
        A_OTHER,
        "退款一直没到账",
        "物流超快，包装完好",
    ];
    let items: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": format!("r{i}"), "text": t}))
        .collect();
    let before = counts(&s);
    let out = analyze(&s, json!({ "items": items }));
    assert_eq!(out.len(), texts.len());
    for (i, a) in out.iter().enumerate() {
        assert_eq!(a["id"], format!("r{i}"), "{out:?}");
    }
    // Three distinct normalized texts: three encoded, three answered from a batch mate.
    assert_eq!(counts(&s), (before.0 + 3, before.1 + 3, before.2 + 3));
    let same =
        |i: usize, j: usize| split_spans(&out[i], texts[i]) == split_spans(&out[j], texts[j]);
    assert!(same(0, 2) && same(0, 3) && same(1, 5), "{out:?}");
    assert!(!same(0, 1) && !same(1, 4));
    assert_ne!(
        out[0]["topics"][0]["evidence"],
        out[3]["topics"][0]["evidence"]
    );
    // The whole batch again: nothing encoded, the same answers.
    let again = analyze(&s, json!({ "items": items }));
    assert_eq!(again, out);
    assert_eq!(counts(&s), (before.0 + 9, before.1 + 3, before.2 + 3));
    still_serves(&s);
}

#[test]
fn the_cache_holds_at_most_its_size_and_zero_turns_it_off() {
    let pool = PoolOptions {
        analysis_cache: 2,
        ..PoolOptions::default()
    };
    let s = Server::start(Keys::default(), pool);
    let (x, y, z) = ("客服回复很及时", "发票开错了", "价格有点贵");
    for text in [x, y, z] {
        analyze(&s, json!({ "texts": [text] }));
    }
    assert_eq!(counts(&s), (0, 3, 2));
    // The oldest went: encoded again. The newest stayed.
    analyze(&s, json!({ "texts": [x] }));
    assert_eq!(counts(&s), (0, 4, 2));
    analyze(&s, json!({ "texts": [x] }));
    assert_eq!(counts(&s), (1, 4, 2));
    still_serves(&s);

    let off = Server::start(
        Keys::default(),
        PoolOptions {
            analysis_cache: 0,
            ..PoolOptions::default()
        },
    );
    let first = analyze(&off, json!({ "texts": [x] }));
    let second = analyze(&off, json!({ "texts": [x] }));
    assert_eq!(counts(&off), (0, 2, 0));
    assert_eq!(
        first[0]["sentiment"]["label"],
        second[0]["sentiment"]["label"]
    );
    // Within a batch a repeat is still encoded once.
    let pair = analyze(&off, json!({ "texts": [y, y] }));
    assert_eq!(pair[0], pair[1]);
    assert_eq!(counts(&off), (1, 3, 0));
    still_serves(&off);
}

/// A repeat copied from its batch mate is exactly what analysing it alone gives (the
/// encoder sees the same one text either way), spans included.
#[test]
fn a_copied_analysis_equals_the_text_analysed_alone() {
    let analyzer = analyzer();
    let batch = analyzer
        .analyze(&[Input::new(A), Input::new(A_OTHER), Input::new(A)])
        .unwrap();
    let alone = analyzer.analyze(&[Input::new(A_OTHER)]).unwrap();
    assert_eq!(batch[1], alone[0]);
    assert_eq!(batch[0], batch[2]);
    assert_eq!(
        batch[0],
        analyzer.analyze_each(&[Input::new(A)]).unwrap()[0]
    );
}

#[test]
fn serve_takes_the_cache_size_from_flag_and_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("verbatim.toml");
    std::fs::write(&config, "analysis_cache = 0\n").unwrap();
    let server = ServeProcess::start(
        &dir.path().join("idx"),
        &["--config", config.to_str().unwrap()],
    );
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for _ in 0..2 {
        let r = client
            .post(format!("{}/v1/analyze", server.base))
            .json(&json!({"texts": ["好评"]}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let metrics = client
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap();
    assert_eq!(counts_of(&metrics.text().unwrap()), (0, 2, 0));
    drop(server);

    let out = crate::common::verbatim(&["serve", "--analysis-cache", "many"], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--analysis-cache"), "{stderr}");
}
