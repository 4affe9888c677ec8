//! Keyword recall, search latency and index size on the demo corpus (issue 19's table).
//!
//! In: `corpora/demo/comments.jsonl` (or the path given as the first argument). Out: one line
//! per query on stdout: hits, comments judged relevant, recall, median and p99 latency; then
//! the index's size and how long ingest took.
//!
//! Relevance is judged on the text itself, independently of the index: a Chinese query is
//! relevant to a comment whose folded (Simplified) text contains each of its words; an
//! English query to a comment holding one of the word's forms (delivery, deliveries,
//! delivered...). The comments are ingested without the model (analysis does not change
//! keyword search). Run: `cargo run --example recall`.

use std::time::{Duration, Instant};

use verbatim::analyze::{Analyzer, Options};
use verbatim::index::source::{self, SourceOptions};
use verbatim::index::{CommentIndex, IngestOptions, SearchRequest};
use verbatim::text::variants::to_simplified;

/// How a comment is judged relevant to a query.
enum Judge {
    /// The folded text contains every one of these strings.
    Han(&'static [&'static str]),
    /// Every group has one of its words among the text's lowercased words.
    Words(&'static [&'static [&'static str]]),
    /// One of these lowercased word sequences occurs in the text.
    Phrase(&'static [&'static str]),
}

const DELIVERY: &[&str] = &[
    "deliver",
    "delivers",
    "delivered",
    "delivering",
    "delivery",
    "deliveries",
];
const REFUND: &[&str] = &["refund", "refunds", "refunded", "refunding"];

const QUERIES: &[(&str, Judge)] = &[
    ("慢", Judge::Han(&["慢"])),
    ("太慢", Judge::Han(&["太慢"])),
    ("配送慢", Judge::Han(&["配送", "慢"])),
    ("处理", Judge::Han(&["处理"])),
    ("发票", Judge::Han(&["发票"])),
    ("發票", Judge::Han(&["发票"])),
    ("客服", Judge::Han(&["客服"])),
    ("delivery", Judge::Words(&[DELIVERY])),
    ("delivered", Judge::Words(&[DELIVERY])),
    ("late delivery", Judge::Words(&[&["late"], DELIVERY])),
    (
        "\"late delivery\"",
        Judge::Phrase(&["late delivery", "late deliveries"]),
    ),
    ("refund", Judge::Words(&[REFUND])),
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn relevant(judge: &Judge, text: &str) -> bool {
    match judge {
        Judge::Han(parts) => {
            let folded = to_simplified(text);
            parts.iter().all(|p| folded.contains(p))
        }
        Judge::Words(groups) => {
            let w = words(text);
            groups
                .iter()
                .all(|g| w.iter().any(|x| g.contains(&x.as_str())))
        }
        Judge::Phrase(phrases) => {
            let joined = words(text).join(" ");
            phrases
                .iter()
                .any(|p| format!(" {joined} ").contains(&format!(" {p} ")))
        }
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "corpora/demo/comments.jsonl".into());
    let comments: Vec<_> = source::open(path.as_ref(), None, SourceOptions::default())
        .expect("open corpus")
        .map(|r| r.expect("comment"))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let index = CommentIndex::open_or_create(&dir.path().join("idx")).expect("index");
    let writer = index.writer_with_threads(1).expect("writer");
    let analyzer = Analyzer::text_only(Options::default());
    let start = Instant::now();
    writer
        .ingest(
            &analyzer,
            comments.iter().cloned().map(Ok),
            IngestOptions::default(),
            |_| {},
        )
        .expect("ingest");
    let ingest = start.elapsed();
    writer.finish().expect("merges");
    index.reload().expect("reload");

    println!(
        "{:<18} {:>5} {:>5} {:>6} {:>7} {:>7}",
        "query", "hits", "rel", "recall", "p50 ms", "p99 ms"
    );
    let mut all = Vec::new();
    for (q, judge) in QUERIES {
        let rel: std::collections::HashSet<&str> = comments
            .iter()
            .filter(|c| relevant(judge, &c.comment.text))
            .map(|c| c.comment.id.as_str())
            .collect();
        let full = index
            .search(&SearchRequest {
                limit: 1000,
                ..SearchRequest::query(*q)
            })
            .expect("search");
        let found = full
            .hits
            .iter()
            .filter(|h| rel.contains(h.id.as_str()))
            .count();
        let mut times: Vec<Duration> = (0..40)
            .map(|_| {
                let t = Instant::now();
                index.search(&SearchRequest::query(*q)).expect("search");
                t.elapsed()
            })
            .collect();
        times.sort();
        all.extend(times.iter().copied());
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let recall = if rel.is_empty() {
            1.0
        } else {
            found as f64 / rel.len() as f64
        };
        println!(
            "{q:<18} {:>5} {:>5} {recall:>6.2} {:>7.2} {:>7.2}",
            full.total,
            rel.len(),
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100])
        );
    }
    all.sort();
    let bytes: u64 = std::fs::read_dir(dir.path().join("idx"))
        .expect("dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    println!(
        "all queries: p50 {:.2} ms, p99 {:.2} ms; index {} comments, {:.2} MB ({:.0} bytes a comment); ingest {:.2} s",
        all[all.len() / 2].as_secs_f64() * 1e3,
        all[all.len() * 99 / 100].as_secs_f64() * 1e3,
        comments.len(),
        bytes as f64 / 1e6,
        bytes as f64 / comments.len() as f64,
        ingest.as_secs_f64()
    );
}
