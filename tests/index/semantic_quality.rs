//! The quality of hybrid search on the labelled query set (`corpora/search/queries.jsonl`,
//! 65 queries judged from what the demo generator planted) over the demo index with the
//! real model: recall@50 and nDCG@10 per language group, guarded a few points below what
//! `cargo run --example search_eval` measured (README "Semantic and hybrid search"), and
//! the cross-lingual case the first cut missed ("late delivery" among Chinese comments).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use verbatim::index::search::Filters;
use verbatim::index::{Match, Mode, SearchResponse};

use super::semantic::run;
use crate::common::{demo_index, root};

#[derive(Deserialize)]
struct Judged {
    group: String,
    q: String,
    relevant: Vec<String>,
}

/// recall@50 (relevant in the top 50 / min(50, relevant)) and nDCG@10 (binary gains).
fn scores(r: &SearchResponse, relevant: &HashSet<&str>) -> (f64, f64) {
    let hit = |i: usize| relevant.contains(r.hits[i].id.as_str());
    let found = (0..r.hits.len().min(50)).filter(|&i| hit(i)).count();
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = (0..r.hits.len().min(10))
        .filter(|&i| hit(i))
        .map(gain)
        .sum();
    let ideal: f64 = (0..relevant.len().min(10)).map(gain).sum();
    (
        found as f64 / relevant.len().clamp(1, 50) as f64,
        dcg / ideal,
    )
}

#[test]
fn hybrid_recall_and_ndcg_on_the_labelled_queries_hold() {
    let index = demo_index();
    let text = std::fs::read_to_string(root().join("corpora/search/queries.jsonl")).unwrap();
    // (group, mode) → (recall sum, nDCG sum, count)
    let mut sums: BTreeMap<(String, &str), (f64, f64, f64)> = BTreeMap::new();
    for line in text.lines() {
        let judged: Judged = serde_json::from_str(line).unwrap();
        let relevant: HashSet<&str> = judged.relevant.iter().map(String::as_str).collect();
        for (mode, name) in [(Mode::Keyword, "keyword"), (Mode::Hybrid, "hybrid")] {
            let r = run(index, &judged.q, mode, Filters::default());
            let (recall, ndcg) = scores(&r, &relevant);
            for group in [judged.group.as_str(), "all"] {
                let e = sums.entry((group.to_string(), name)).or_default();
                *e = (e.0 + recall, e.1 + ndcg, e.2 + 1.0);
            }
        }
    }
    let mean = |group: &str, mode: &str| {
        let (r, n, c) = sums[&(group.to_string(), mode)];
        (r / c, n / c)
    };
    // Measured (search_eval, both halves, the demo corpus with its October comments): all
    // 0.886 / 0.937; zh-Hans 0.942, zh-Hant 0.899, en 0.895, mixed 0.799 recall@50 (mixed
    // was 0.844 before the October comments joined the judged pool).
    for (group, least) in [
        ("all", 0.86),
        ("zh-Hans", 0.90),
        ("zh-Hant", 0.86),
        ("en", 0.85),
        ("mixed", 0.75),
    ] {
        let (recall, ndcg) = mean(group, "hybrid");
        let (_, keyword_ndcg) = mean(group, "keyword");
        assert!(
            recall >= least,
            "{group}: hybrid recall@50 {recall:.3} < {least}"
        );
        assert!(
            ndcg > keyword_ndcg,
            "{group}: hybrid nDCG@10 {ndcg:.3} not above keyword's {keyword_ndcg:.3}"
        );
    }
    let (_, ndcg) = mean("all", "hybrid");
    assert!(ndcg >= 0.90, "hybrid nDCG@10 {ndcg:.3}");
}

#[test]
fn late_delivery_finds_chinese_slow_delivery_comments() {
    let index = demo_index();
    let zh = Filters {
        lang: Some("zh-Hans".into()),
        ..Filters::default()
    };
    // No Chinese comment holds the English words.
    assert_eq!(
        run(index, "late delivery", Mode::Keyword, zh.clone()).total,
        0
    );
    let r = run(index, "late delivery", Mode::Hybrid, zh);
    assert_eq!(r.mode, Mode::Hybrid);
    let top: Vec<_> = r.hits.iter().take(20).collect();
    assert_eq!(top.len(), 20);
    assert!(top.iter().all(|h| h.matched == Some(Match::Semantic)));
    let slow = top
        .iter()
        .filter(|h| {
            ["慢", "延误", "没送到", "拖了", "五天", "不动"]
                .iter()
                .any(|w| h.text.contains(w))
        })
        .count();
    assert!(
        slow >= 15,
        "{slow} of the top 20 say the delivery was slow: {:?}",
        top.iter().map(|h| &h.text).collect::<Vec<_>>()
    );
}
