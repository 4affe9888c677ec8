//! The comment index at scale, on synthetic comments (`synthetic.rs`, never committed):
//!
//! - ingest of pre-analysed comments (docs/s), against a baseline in the same run: the same
//!   schema and documents with tantivy's plain `default` tokenizer in place of ours;
//! - what durability costs: docs/s when committing every 100, 1k, 10k comments or once;
//! - ingest through the analyzer (the text pipeline; the model when it lands);
//! - index size per comment and per million comments;
//! - latency of filtered queries with facet counts: p50 and p99 from timed samples, plus a
//!   criterion measurement of one of them.
//!
//! `VERBATIM_BENCH_DOCS` sets the number of comments (default 100,000; 1,000,000 for the
//! figures in the README). Run: `cargo bench --bench index`.

#[path = "common/host.rs"]
mod host;
#[path = "common/synthetic.rs"]
mod synthetic;

use host::{cpu_seconds, dir_bytes, env_usize, rss};

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use synthetic::{Rng, synthetic, vocabulary};
use tantivy::tokenizer::TextAnalyzer;
use verbatim::analyze::{Analyzer, Options};
use verbatim::index::schema::{self, Fields};
use verbatim::index::search::Filters;
use verbatim::index::source::Located;
use verbatim::index::{CommentIndex, IngestOptions, SearchRequest, tokenizer};

/// Ingest `n` pre-analysed comments, committing every `commit_every`.
fn ingest_pre_analysed(index: &CommentIndex, n: usize, commit_every: usize) -> Ingest {
    ingest_with_writer(index, index.writer().expect("writer"), n, commit_every)
}

fn ingest_with_writer(
    index: &CommentIndex,
    writer: verbatim::index::CommentWriter,
    n: usize,
    commit_every: usize,
) -> Ingest {
    let vocab = vocabulary();
    let mut rng = Rng(42);
    let start = Instant::now();
    let cpu = cpu_seconds();
    let mut commits = Vec::new();
    let mut commit = |writer: &verbatim::index::CommentWriter| {
        let t = Instant::now();
        writer.commit().expect("commit");
        commits.push(t.elapsed());
    };
    for i in 0..n as u64 {
        let (c, a) = synthetic(i, &mut rng, &vocab);
        writer.add(&c, &a).expect("add");
        if (i + 1).is_multiple_of(commit_every as u64) {
            commit(&writer);
        }
    }
    if !n.is_multiple_of(commit_every) {
        commit(&writer);
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let cpu_per_doc = (cpu_seconds() - cpu) / n as f64;
    writer.finish().expect("merges");
    index.reload().expect("reload");
    assert_eq!(index.num_comments(), n as u64, "every comment is indexed");
    commits.sort();
    Ingest {
        rate,
        cpu_per_doc,
        commit_p50: commits[commits.len() / 2],
        commits: commits.len(),
    }
}

/// What an ingest measured.
struct Ingest {
    /// Comments per second, wall clock, until the last commit returned.
    rate: f64,
    /// CPU seconds (all threads) per comment.
    cpu_per_doc: f64,
    /// The median time a `commit()` call took.
    commit_p50: Duration,
    commits: usize,
}

impl std::fmt::Display for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>6.0} docs/s ({:.0} µs CPU a comment, all threads; {} commits, median {:.0} ms)",
            self.rate,
            self.cpu_per_doc * 1e6,
            self.commits,
            self.commit_p50.as_secs_f64() * 1e3
        )
    }
}

/// The baseline: same schema and documents, tantivy's `default` tokenizer in place of ours.
fn ingest_baseline(dir: &std::path::Path, n: usize) -> f64 {
    let index = tantivy::Index::create_in_dir(dir, schema::schema()).expect("index");
    let plain: TextAnalyzer = index
        .tokenizers()
        .get("default")
        .expect("default tokenizer");
    index
        .tokenizers()
        .register(tokenizer::TOKENIZER, plain.clone());
    index
        .tokenizers()
        .register(verbatim::index::chars::CHARS_TOKENIZER, plain);
    let fields = Fields::new(&index.schema()).expect("fields");
    let vocab = vocabulary();
    let mut rng = Rng(42);
    let start = Instant::now();
    let mut writer: tantivy::IndexWriter = index
        .writer(verbatim::index::WRITER_MEMORY_BYTES)
        .expect("writer");
    for i in 0..n as u64 {
        let (c, a) = synthetic(i, &mut rng, &vocab);
        let t = c.validate().expect("valid");
        writer
            .add_document(fields.document(&c, t, &a, None).expect("doc"))
            .expect("add");
        if (i + 1) % 10_000 == 0 {
            writer.commit().expect("commit");
        }
    }
    writer.commit().expect("commit");
    n as f64 / start.elapsed().as_secs_f64()
}

fn ingest_with_analyzer(index: &CommentIndex, n: usize) -> f64 {
    let vocab = vocabulary();
    let mut rng = Rng(7);
    let comments: Vec<Located> = (0..n as u64)
        .map(|i| Located {
            line: i + 1,
            comment: synthetic(i, &mut rng, &vocab).0,
        })
        .collect();
    // The full analyzer (model, sentiment, topics) when `make setup` has run.
    let analyzer = Analyzer::load(Options::default()).expect("model (run `make setup`)");
    let writer = index.writer().expect("writer");
    let start = Instant::now();
    let report = writer
        .ingest(
            &analyzer,
            comments.into_iter().map(Ok),
            IngestOptions::default(),
            |_| {},
        )
        .expect("ingest");
    let rate = n as f64 / start.elapsed().as_secs_f64();
    assert_eq!(report.committed, n as u64);
    rate
}

fn requests() -> Vec<(&'static str, SearchRequest)> {
    let req = |q: &str, filters: Filters| SearchRequest {
        q: q.into(),
        filters,
        ..SearchRequest::default()
    };
    let neg = || Filters {
        sentiment: Some("negative".into()),
        ..Filters::default()
    };
    vec![
        ("发票 + negative", req("发票", neg())),
        (
            "配送太慢 + 2025 H1",
            req(
                "配送太慢",
                Filters {
                    from: Some("2025-01-01".into()),
                    to: Some("2025-06-30".into()),
                    ..Filters::default()
                },
            ),
        ),
        (
            "refund + en + app",
            req(
                "refund",
                Filters {
                    lang: Some("en".into()),
                    channel: Some("app".into()),
                    ..Filters::default()
                },
            ),
        ),
        (
            "客服 OR support + billing:negative",
            req(
                "客服 OR support",
                Filters {
                    topic: Some("billing:negative".into()),
                    ..Filters::default()
                },
            ),
        ),
        (
            "\"delivery was late\" phrase",
            req("\"delivery was late\"", Filters::default()),
        ),
        (
            "no query + negative + region",
            req(
                "",
                Filters {
                    attrs: vec!["region=华东".into()],
                    ..neg()
                },
            ),
        ),
        (
            "退款 + score ≤ -0.5",
            req(
                "退款",
                Filters {
                    score_max: Some(-0.5),
                    ..Filters::default()
                },
            ),
        ),
        ("质量 + negative", req("质量", neg())),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let n = env_usize("VERBATIM_BENCH_DOCS", 100_000);
    let sweep = env_usize("VERBATIM_BENCH_SWEEP_DOCS", n.min(20_000));
    let samples = env_usize("VERBATIM_BENCH_QUERY_ROUNDS", 40);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# index bench: {n} comments, {cores} cores");
    let tmp = tempfile::tempdir().expect("temp dir");

    // Ingest of pre-analysed comments, and the baseline tokenizer.
    let main_dir = tmp.path().join("main");
    let index = CommentIndex::open_or_create(&main_dir).expect("index");
    let main = ingest_pre_analysed(&index, n, 10_000);
    println!("ingest pre-analysed, commit every 10k: {main}");
    let base_dir = tmp.path().join("baseline");
    std::fs::create_dir_all(&base_dir).expect("dir");
    let base = ingest_baseline(&base_dir, sweep);
    let ours = {
        let idx = CommentIndex::open_or_create(&tmp.path().join("ours-sweep")).expect("index");
        ingest_pre_analysed(&idx, sweep, 10_000)
    };
    println!(
        "  on {sweep}: ours {:.0} docs/s vs baseline (tantivy default tokenizer) {base:.0} docs/s: \
         ratio {:.2}",
        ours.rate,
        ours.rate / base
    );

    // What commit-before-acknowledge costs.
    let runs: [(usize, Option<usize>); 5] = [
        (100, None),
        (100, Some(1)),
        (1_000, None),
        (10_000, None),
        (sweep, None),
    ];
    for (every, threads) in runs {
        // Commits of 100 are slow: fewer comments keep the run short.
        let docs = if every < 1_000 {
            sweep.min(5_000)
        } else {
            sweep
        };
        let idx = CommentIndex::open_or_create(&tmp.path().join(format!("commit-{every}")))
            .expect("index");
        let writer = match threads {
            Some(t) => idx.writer_with_threads(t),
            None => idx.writer(),
        }
        .expect("writer");
        let r = ingest_with_writer(&idx, writer, docs, every);
        println!(
            "  durability: commit every {every:>6} on {docs} ({} indexing threads): {r}",
            threads.map_or("default".to_string(), |t| t.to_string()),
        );
        let _ = std::fs::remove_dir_all(idx.path());
    }

    // Through the full analyzer: the model bounds this, so a small sample is enough.
    let with_model = sweep.min(1000);
    let analysed = ingest_with_analyzer(
        &CommentIndex::open_or_create(&tmp.path().join("analyzed")).expect("index"),
        with_model,
    );
    println!(
        "ingest with the analyzer (model, sentiment, topics) on {with_model}: {analysed:.0} docs/s"
    );

    // Size.
    let bytes = dir_bytes(&main_dir);
    println!(
        "index size: {:.1} MiB for {n} comments = {:.0} bytes/comment = {:.2} GiB per million",
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / n as f64,
        bytes as f64 / n as f64 * 1e6 / (1u64 << 30) as f64
    );
    for entry in ["ours-sweep", "baseline", "analyzed"] {
        let _ = std::fs::remove_dir_all(tmp.path().join(entry));
    }

    // Query latency, from timed samples.
    let index = CommentIndex::open(&main_dir).expect("reopen");
    let requests = requests();
    for (_, r) in &requests {
        index.search(r).expect("warm-up");
    }
    let mut all = Vec::new();
    println!("query latency with facets, limit 20, {samples} rounds:");
    for (name, request) in &requests {
        let mut times = Vec::with_capacity(samples);
        let mut total = 0;
        for _ in 0..samples {
            let t = Instant::now();
            let r = index.search(request).expect("search");
            times.push(t.elapsed());
            total = r.total;
        }
        assert!(total > 0, "{name} matches nothing");
        times.sort();
        println!(
            "  {name:<38} total {total:>8}  p50 {:>7.2} ms  p99 {:>7.2} ms",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "  all {} samples: p50 {:.2} ms, p99 {:.2} ms; {}",
        all.len(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        rss()
    );

    // One filtered query with facets under criterion.
    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = c.benchmark_group("index");
    group.throughput(Throughput::Elements(1));
    let request = &requests[0].1;
    group.bench_function("search_filtered_with_facets", |b| {
        b.iter(|| {
            let r = index.search(request).expect("search");
            assert!(r.total > 0);
            r.total
        })
    });
    group.finish();
    c.final_summary();
}
