//! Issue 17's "less work per comment": throughput of analysing a stream of realistic
//! comments with repeats (the demo corpus in file order: 2,000 comments, 1,265 distinct)
//! in batches, three ways in the same process, taking each batch in turn:
//! every text encoded (`analyze_each`, the former behaviour), each distinct text of a batch
//! encoded once (`analyze`, what the CLI does), and that plus a server's result cache of
//! 10,000 entries across batches (`analyze_cached`, what `verbatim serve` does).
//!
//! Run: `cargo bench --bench cache` (needs `make setup`). `VERBATIM_BENCH_N` comments
//! (default 2,000), `VERBATIM_BENCH_BATCH` texts per call (default 64, the server's
//! `--max-batch`), `VERBATIM_BENCH_ROUNDS` (default 2); threads: `VERBATIM_THREADS`.

use std::time::Instant;

use verbatim::analyze::{Analysis, Analyzer, Input, Options, ResultCache};
use verbatim::model::onnx::EncoderOptions;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn comments(n: usize) -> Vec<Input> {
    let path = format!("{}/corpora/demo/comments.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("corpora/demo (run `make setup`)");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(Input::new))
        .take(n)
        .collect()
}

/// Seconds to analyse `chunk` with `f`.
fn timed(chunk: &[Input], f: impl Fn(&[Input]) -> Vec<Analysis>) -> f64 {
    let start = Instant::now();
    assert_eq!(f(chunk).len(), chunk.len());
    start.elapsed().as_secs_f64()
}

fn main() {
    let (n, batch, rounds) = (
        env("VERBATIM_BENCH_N", 2000),
        env("VERBATIM_BENCH_BATCH", 64).max(1),
        env("VERBATIM_BENCH_ROUNDS", 2).max(1),
    );
    let options = Options {
        encoder: EncoderOptions {
            threads: env("VERBATIM_THREADS", 0),
            ..EncoderOptions::default()
        },
        ..Options::default()
    };
    let analyzer = Analyzer::load(options).expect("model (run `make setup`)");
    let inputs = comments(n);
    let distinct = inputs
        .iter()
        .map(|i| verbatim::text::normalize(&i.text).text)
        .collect::<std::collections::HashSet<_>>()
        .len();
    println!(
        "{} comments ({distinct} distinct normalized texts), batches of {batch}, {rounds} rounds",
        inputs.len()
    );
    // Warm up the sessions and the allocator.
    analyzer
        .analyze_each(&inputs[..batch.min(inputs.len())])
        .unwrap();
    // The three ways take each batch in turn (in a rotating order), so that a machine
    // shared with other work loads them alike; the cached way sees the stream in order.
    let mut t = [0.0f64; 3];
    let mut stats = None;
    for _ in 0..rounds {
        let cache = ResultCache::new(verbatim::analyze::cache::DEFAULT_ENTRIES);
        for (k, chunk) in inputs.chunks(batch).enumerate() {
            for way in (0..3).map(|w| (w + k) % 3) {
                t[way] += match way {
                    0 => timed(chunk, |b| analyzer.analyze_each(b).unwrap()),
                    1 => timed(chunk, |b| analyzer.analyze(b).unwrap()),
                    _ => timed(chunk, |b| analyzer.analyze_cached(b, &cache).unwrap()),
                };
            }
        }
        stats = Some(cache.stats());
    }
    let total = (rounds * inputs.len()) as f64;
    let names = [
        "every text encoded (before)",
        "distinct texts of a batch once",
        "+ result cache (10,000)",
    ];
    for (name, secs) in names.iter().zip(t) {
        println!(
            "{name:32} {:7.1} comments/s  ratio {:.2}",
            total / secs,
            t[0] / secs
        );
    }
    if let Some(s) = stats {
        println!(
            "cache per pass: {} hits, {} misses (texts encoded), {} entries",
            s.hits, s.misses, s.entries
        );
    }
}
