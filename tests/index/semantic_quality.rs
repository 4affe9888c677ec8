//! The quality of hybrid search on the labelled query set (`corpora/search/queries.jsonl`,
//! 65 queries judged from what the demo generator planted) over the demo index with the
//! real model: recall@50 and nDCG@10 per language group, guarded a few points below what
//! `cargo run --example search_eval` measured (README "Semantic and hybrid search"), and
//! the cross-lingual case the first cut missed ("late delivery" among Chinese comments).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use verbatim::analysis::Label;
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
    // Measured (search_eval, both halves, the demo corpus with its October comments,
    // 2026-12-07): all 0.912 / 0.947; zh-Hans 0.941, zh-Hant 0.915, en 0.892, mixed 0.900
    // recall@50.
    for (group, least) in [
        ("all", 0.89),
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

#[test]
fn a_short_query_under_every_threshold_reads_the_topic_its_seed_names() {
    // "态度很差" reaches no topic's threshold as a comment would (service attitude 0.43
    // against 0.44), and its nearest neighbours are product-quality complaints ("很差"):
    // recall@50 was 0.12. The seed 态度 names service attitude, read with the query's tone.
    let query = crate::common::analyzer()
        .query_analysis("态度很差")
        .unwrap()
        .unwrap();
    assert!(
        query
            .topics
            .contains(&("service_attitude".into(), Label::Negative)),
        "{:?}",
        query.topics
    );
    let r = run(demo_index(), "态度很差", Mode::Hybrid, Filters::default());
    let rude = r.hits.iter().take(20).filter(|h| {
        h.analysis
            .topics
            .iter()
            .any(|t| t.id == "service_attitude" && t.sentiment == Label::Negative)
    });
    assert!(
        rude.count() >= 15,
        "{:?}",
        r.hits.iter().take(20).map(|h| &h.text).collect::<Vec<_>>()
    );
}

#[test]
fn a_rare_words_own_matches_come_first() {
    // "layout" is in 7 demo comments; its neighbours ("The interface is clean and
    // intuitive.") used to push the 7th, a wish for offline mode, off the first page.
    let index = demo_index();
    let words = run(index, "layout", Mode::Keyword, Filters::default());
    let n = words.hits.len();
    assert!(
        (1..=verbatim::index::fusion::FEW_WORDS).contains(&n),
        "{n} keyword hits"
    );
    let r = run(index, "layout", Mode::Hybrid, Filters::default());
    let first: HashSet<&str> = r.hits.iter().take(n).map(|h| h.id.as_str()).collect();
    let literal: HashSet<&str> = words.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(first, literal);
    assert!(r.hits.len() > n, "semantic hits follow");
}
