//! Semantic and hybrid search at scale, on synthetic comments (`synthetic.rs`) with
//! synthetic vectors (seeded random unit vectors, 384 dimensions as e5-small's: all
//! distinct, the worst case for the vector column, whose dictionary shares duplicates):
//!
//! - ingest rate and index size per comment with vectors;
//! - p50 / p99 latency of keyword, semantic and hybrid searches (page of 20, facets), with
//!   and without filters, the query vector given (the encoder's own time, about 10 ms a
//!   query on 2 cores, is not included).
//!
//! `VERBATIM_BENCH_DOCS` sets the number of comments (default 100,000). Run:
//! `cargo bench --bench semantic`, or `cargo test --release --bench semantic`.

#[path = "common/host.rs"]
mod host;
#[path = "common/synthetic.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use host::{dir_bytes, env_usize};
use synthetic::{Rng, synthetic, vocabulary};
use verbatim::index::search::Filters;
use verbatim::index::{CommentIndex, Mode, QueryEncoder, SearchRequest};

const DIM: usize = 384;

/// A seeded random unit vector.
fn unit(rng: &mut Rng) -> Vec<f32> {
    let v: Vec<f32> = (0..DIM).map(|_| rng.unit() * 2.0 - 1.0).collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// Gives every query the same vector (the encoder is not what is measured).
struct Fixed(Vec<f32>);

impl QueryEncoder for Fixed {
    fn embed_query(&self, _: &str) -> verbatim::Result<Option<Vec<f32>>> {
        Ok(Some(self.0.clone()))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    let n = env_usize("VERBATIM_BENCH_DOCS", 100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let index = CommentIndex::open_or_create(dir.path()).expect("index");
    let writer = index.writer().expect("writer");
    let vocab = vocabulary();
    let mut rng = Rng(7);
    let start = Instant::now();
    for i in 0..n as u64 {
        let (c, mut a) = synthetic(i, &mut rng, &vocab);
        a.embedding = Some(unit(&mut rng));
        writer.add(&c, &a).expect("add");
        if (i + 1) % 50_000 == 0 {
            writer.commit().expect("commit");
        }
    }
    writer.commit().expect("commit");
    writer.finish().expect("merges");
    index.reload().expect("reload");
    let ingest = start.elapsed().as_secs_f64();
    let bytes = dir_bytes(dir.path());
    println!(
        "{n} comments with vectors: ingest {:.0} comments/s (pre-analysed), index {:.1} MB, {:.0} bytes a comment",
        n as f64 / ingest,
        bytes as f64 / 1e6,
        bytes as f64 / n as f64
    );

    let neg = Filters {
        sentiment: Some("negative".into()),
        ..Filters::default()
    };
    let en_app = Filters {
        lang: Some("en".into()),
        channel: Some("app".into()),
        ..Filters::default()
    };
    let mut rng = Rng(11);
    let first = SearchRequest {
        mode: Mode::Semantic,
        ..SearchRequest::query("发票")
    };
    let t = Instant::now();
    index
        .search_with(&first, Some(&Fixed(unit(&mut rng))))
        .expect("search");
    println!(
        "  first semantic query after a commit (the stored vectors' mean computed): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let samples = env_usize("VERBATIM_BENCH_SAMPLES", 40);
    for mode in [Mode::Keyword, Mode::Semantic, Mode::Hybrid] {
        for (name, filters) in [
            ("no filter", Filters::default()),
            ("negative", neg.clone()),
            ("en + app", en_app.clone()),
        ] {
            let mut times = Vec::with_capacity(samples);
            for q in ["发票", "配送太慢", "refund", "客服"]
                .iter()
                .cycle()
                .take(samples)
            {
                let encoder = Fixed(unit(&mut rng));
                let request = SearchRequest {
                    mode,
                    filters: filters.clone(),
                    ..SearchRequest::query(*q)
                };
                let t = Instant::now();
                index.search_with(&request, Some(&encoder)).expect("search");
                times.push(t.elapsed());
            }
            times.sort();
            println!(
                "  {:<8} {name:<10} p50 {:>7.2} ms  p99 {:>7.2} ms",
                format!("{mode:?}").to_lowercase(),
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
    }
}
