//! Keyword, semantic and hybrid search on the labelled query set (issue 19's "Measure").
//!
//! In: `corpora/search/queries.jsonl` (written and judged by `corpora/search/make_queries.py`
//! from what the demo generator planted) and an index of `corpora/demo/comments.jsonl`
//! with vectors: the directory given as the first argument, ingested there with the model
//! when it holds no index yet (`cargo run --release --example search_eval -- /tmp/demo-idx`).
//! Out on stdout: per language group and split (dev / test), recall@50 and nDCG@10 of each
//! mode, `hybrid-before` being the first cut of hybrid search (the query embedded as typed,
//! keyword and neighbour lists only) recomputed offline in the same run, then on the dev half
//! a sweep of the semantic floor over that first cut, which is how `fusion::FLOOR` was
//! chosen.
//!
//! recall@50 = relevant among the top 50 / min(50, relevant); nDCG@10 with binary gains.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Deserialize;
use verbatim::analyze::{Analyzer, Options};
use verbatim::index::fusion::{FLOOR, SEMANTIC_K, rrf};
use verbatim::index::search::Filters;
use verbatim::index::source::{self, SourceOptions};
use verbatim::index::{CommentIndex, IngestOptions, Mode, QueryEncoder, SearchRequest};
use verbatim::model::Variant;

#[derive(Deserialize)]
struct Query {
    id: String,
    group: String,
    split: String,
    q: String,
    relevant: Vec<String>,
}

fn recall(ranked: &[String], rel: &HashSet<&str>) -> f64 {
    let found = ranked
        .iter()
        .take(50)
        .filter(|id| rel.contains(id.as_str()))
        .count();
    found as f64 / rel.len().clamp(1, 50) as f64
}

fn ndcg(ranked: &[String], rel: &HashSet<&str>) -> f64 {
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .filter(|(_, id)| rel.contains(id.as_str()))
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..rel.len().min(10)).map(gain).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

fn open(dir: &std::path::Path, analyzer: &Analyzer) -> CommentIndex {
    let index = CommentIndex::open_or_create(dir).expect("index");
    if index.num_comments() == 0 {
        let path = std::path::Path::new("corpora/demo/comments.jsonl");
        let comments = source::open(path, None, SourceOptions::default()).expect("demo corpus");
        let writer = index.writer().expect("writer");
        writer
            .ingest(analyzer, comments, IngestOptions::default(), |_| {})
            .expect("ingest");
        writer.finish().expect("merges");
        index.reload().expect("reload");
    }
    index
}

fn ids(index: &CommentIndex, q: &str, mode: Mode, limit: usize, enc: &Analyzer) -> Vec<String> {
    let request = SearchRequest {
        mode,
        limit,
        ..SearchRequest::query(q)
    };
    let r = index.search_with(&request, Some(enc as &dyn QueryEncoder));
    r.expect("search").hits.into_iter().map(|h| h.id).collect()
}

/// Hybrid as the library ranked it before topic feedback (issue 19's first cut: the query
/// embedded as typed, keyword and neighbour lists fused), from a keyword list and the
/// semantic neighbours at `floor`.
fn offline_hybrid(words: &[String], near: &[(f32, String)], floor: f32) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut address = |id: &String| {
        let i = names.iter().position(|n| n == id).unwrap_or_else(|| {
            names.push(id.clone());
            names.len() - 1
        });
        tantivy::DocAddress::new(0, i as u32)
    };
    let w: Vec<_> = words.iter().map(&mut address).collect();
    let n: Vec<_> = near
        .iter()
        .filter(|(c, _)| *c >= floor)
        .map(|(_, id)| address(id))
        .collect();
    rrf(&[(&w, 1.0), (&n, 1.0)])
        .into_iter()
        .map(|(_, a)| names[a.doc_id as usize].clone())
        .collect()
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or("target/search-eval-index".into()),
    );
    // A second argument picks the encoder (`teacher`, `frozen`; default: the student); the
    // index must have been ingested with the same one.
    let mut options = Options::default();
    options.encoder.variant = match std::env::args().nth(2).as_deref() {
        Some("teacher") => Variant::Teacher,
        Some("frozen") => Variant::Frozen,
        Some("fast") => Variant::Fast,
        _ => Variant::Default,
    };
    let analyzer = Analyzer::load(options).expect("model");
    let index = open(&dir, &analyzer);
    let text = std::fs::read_to_string("corpora/search/queries.jsonl").expect("queries");
    let queries: Vec<Query> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("query"))
        .collect();

    // (group, split, mode) → sums of recall, nDCG and the count.
    let mut table: BTreeMap<(String, String, &str), (f64, f64, usize)> = BTreeMap::new();
    let floors: Vec<f32> = (0..=16).map(|f| f as f32 * 0.04).collect();
    let mut sweep = vec![(0.0, 0.0, 0usize, 0usize); floors.len()];
    let mut dev = 0;
    // SEARCH_EVAL_VERBOSE=1: each query's hybrid recall@50 too.
    let verbose = std::env::var_os("SEARCH_EVAL_VERBOSE").is_some();
    for q in &queries {
        let rel: HashSet<&str> = q.relevant.iter().map(String::as_str).collect();
        let vector = analyzer.embed_query(&q.q).expect("embed").expect("a model");
        let near = index
            .neighbours(&vector, &Filters::default(), SEMANTIC_K, 0.0)
            .expect("neighbours");
        let words = ids(&index, &q.q, Mode::Keyword, SEMANTIC_K, &analyzer);
        for (mode, name) in [
            (Mode::Keyword, "keyword"),
            (Mode::Semantic, "semantic"),
            (Mode::Hybrid, "hybrid-before"),
            (Mode::Hybrid, "hybrid"),
        ] {
            let ranked = match (mode, name) {
                (Mode::Keyword, _) => words.clone(),
                (_, "hybrid-before") => offline_hybrid(&words, &near, FLOOR),
                _ => ids(&index, &q.q, mode, 50, &analyzer),
            };
            if verbose && name == "hybrid" {
                let r = recall(&ranked, &rel);
                println!("  {} {:<22} hybrid recall@50 {r:.2}", q.id, q.q);
            }
            for group in [q.group.as_str(), "all"] {
                let e = table
                    .entry((group.into(), q.split.clone(), name))
                    .or_default();
                (e.0, e.1, e.2) = (
                    e.0 + recall(&ranked, &rel),
                    e.1 + ndcg(&ranked, &rel),
                    e.2 + 1,
                );
            }
        }
        if q.split == "dev" {
            dev += 1;
            for (i, &f) in floors.iter().enumerate() {
                let ranked = offline_hybrid(&words, &near, f);
                sweep[i].0 += recall(&ranked, &rel);
                sweep[i].1 += ndcg(&ranked, &rel);
                let kept: Vec<_> = near.iter().filter(|(c, _)| *c >= f).collect();
                sweep[i].2 += kept.len();
                sweep[i].3 += kept
                    .iter()
                    .filter(|(_, id)| rel.contains(id.as_str()))
                    .count();
            }
        }
    }
    println!(
        "semantic floor {FLOOR}, RRF k = 60, {} queries",
        queries.len()
    );
    println!(
        "{:<8} {:<5} {:<13} {:>9} {:>8} {:>3}",
        "group", "split", "mode", "recall@50", "nDCG@10", "n"
    );
    for ((group, split, mode), (r, n, c)) in &table {
        let c = *c as f64;
        println!(
            "{group:<8} {split:<5} {mode:<13} {:>9.3} {:>8.3} {c:>3}",
            r / c,
            n / c
        );
    }
    println!("dev sweep of the floor (hybrid-before, offline fusion):");
    for (f, (r, n, kept, good)) in floors.iter().zip(&sweep) {
        let precision = *good as f64 / (*kept).max(1) as f64;
        println!(
            "  floor {f:.2}: recall@50 {:.3}  nDCG@10 {:.3}  semantic hits {:.0}/query, {precision:.3} relevant",
            r / dev as f64,
            n / dev as f64,
            *kept as f64 / dev as f64
        );
    }
}
