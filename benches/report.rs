//! Reports at scale, on synthetic comments (`synthetic.rs`, never committed): the issue's
//! bar is a drivers report over 1M comments in ≤ 2 s, computed from fast fields, never by
//! loading stored documents.
//!
//! - `VERBATIM_BENCH_DOCS` comments (default 1,000,000) with NPS and CSAT that depend on
//!   their topics are ingested once into a temp index, committing every 10k as
//!   `verbatim ingest` does; the segments are left as tantivy's merge policy leaves them;
//! - each report is timed in plain rounds (min and median; `VERBATIM_BENCH_REPORT_ROUNDS`,
//!   default 5) and under criterion: drivers by topic over all comments, by topic with a
//!   channel filter, by keyword; summary; trends; compare (2025 vs 2024, every
//!   comment); segments by channel; pain points;
//! - the baseline, in the same run: the same topic drivers (moments per topic and
//!   topic×sentiment, Welch's interval) from the stored documents, each loaded with
//!   `searcher.doc()` and its `comment` and `analysis` JSON parsed, over the first
//!   `VERBATIM_BENCH_BASELINE_DOCS` comments (default min(N, 100,000)), extrapolated to N by
//!   its time per comment; the figure is the ratio of the two.
//!
//! Every timed call checks that its report covered the expected number of comments.
//! Run: `cargo bench --bench report` (`VERBATIM_BENCH_DOCS=100000` for a quick check).

#[path = "common/host.rs"]
mod host;
#[path = "common/synthetic.rs"]
mod synthetic;

use host::{dir_bytes, env_usize, loadavg, rss};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use synthetic::{Rng, add_scores, synthetic, vocabulary};
use tantivy::schema::Value;
use tantivy::{DocAddress, TantivyDocument};
use verbatim::analyze::Analysis;
use verbatim::comment::Comment;
use verbatim::index::CommentIndex;
use verbatim::index::search::Filters;
use verbatim::report::rows::{Need, Rows};
use verbatim::report::stats::{Moments, welch};
use verbatim::report::{self, CompareRequest, DriverBy, ReportRequest, SegmentsRequest};

/// Comments per commit, as `verbatim ingest` (IngestOptions::default()).
const COMMIT_EVERY: usize = 10_000;
/// The channel of the filtered drivers report.
const CHANNEL: &str = "app";

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// The synthetic comment `i` with its scores. Scores come from their own stream so the
/// comments are those of `benches/index.rs`.
struct Generator {
    rng: Rng,
    scores: Rng,
    vocab: (Vec<String>, Vec<String>),
}

impl Generator {
    fn new() -> Generator {
        Generator {
            rng: Rng(42),
            scores: Rng(4242),
            vocab: vocabulary(),
        }
    }

    fn comment(&mut self, i: u64) -> (Comment, Analysis) {
        let (mut c, a) = synthetic(i, &mut self.rng, &self.vocab);
        add_scores(&mut c, &a, &mut self.scores);
        (c, a)
    }
}

/// What the ingest knows about the comments, to check the reports against.
struct Expected {
    n: u64,
    /// Comments in channel [`CHANNEL`] (all are scored).
    channel: u64,
}

fn ingest(index: &CommentIndex, n: usize) -> Expected {
    let mut generator = Generator::new();
    let writer = index.writer().expect("writer");
    let start = Instant::now();
    let mut channel = 0;
    for i in 0..n as u64 {
        let (c, a) = generator.comment(i);
        assert!(c.nps.is_some() && c.csat.is_some() && c.created_at.is_some());
        channel += u64::from(c.channel.as_deref() == Some(CHANNEL));
        writer.add(&c, &a).expect("add");
        if (i + 1).is_multiple_of(COMMIT_EVERY as u64) {
            writer.commit().expect("commit");
        }
    }
    if !n.is_multiple_of(COMMIT_EVERY) {
        writer.commit().expect("commit");
    }
    let committed = start.elapsed();
    writer.finish().expect("merges");
    index.reload().expect("reload");
    let merged = start.elapsed();
    assert_eq!(index.num_comments(), n as u64, "every comment is indexed");
    println!(
        "ingest: {n} comments in {} ({:.0} docs/s) to the last commit, {} with the merges \
         finished; {} commits",
        secs(committed),
        n as f64 / committed.as_secs_f64(),
        secs(merged),
        n.div_ceil(COMMIT_EVERY)
    );
    Expected {
        n: n as u64,
        channel,
    }
}

/// A report under test: its name, and a call that runs it and returns how many comments it
/// covered.
type Run<'a> = Box<dyn Fn() -> u64 + 'a>;

fn reports<'a>(index: &'a CommentIndex, expected: &Expected) -> Vec<(&'static str, Run<'a>, u64)> {
    let all = ReportRequest::default();
    let channel = ReportRequest {
        filters: Filters {
            channel: Some(CHANNEL.into()),
            ..Filters::default()
        },
        ..ReportRequest::default()
    };
    let keyword = ReportRequest {
        by: DriverBy::Keyword,
        ..ReportRequest::default()
    };
    let n = expected.n;
    // Compare 2025 against 2024: the synthetic dates span exactly those two years, so the two
    // sides together cover every comment (the heaviest compare there is).
    let compare = move || {
        let request = CompareRequest {
            report: ReportRequest {
                filters: Filters {
                    from: Some("2025-01-01".into()),
                    to: Some("2025-12-31".into()),
                    ..Filters::default()
                },
                ..ReportRequest::default()
            },
            vs_from: Some("2024-01-01".into()),
            vs_to: Some("2024-12-31".into()),
            ..CompareRequest::default()
        };
        let r = report::compare(index, &request).expect("compare");
        r.a.n + r.b.n
    };
    vec![
        (
            "drivers by topic",
            Box::new(move || {
                let r = report::drivers(index, &all).expect("drivers");
                assert!(!r.drivers.is_empty(), "no drivers");
                r.n
            }),
            n,
        ),
        (
            "drivers by topic, channel=app",
            Box::new(move || {
                let r = report::drivers(index, &channel).expect("drivers");
                assert!(!r.drivers.is_empty(), "no drivers");
                r.n
            }),
            expected.channel,
        ),
        (
            "drivers by keyword",
            Box::new(move || {
                // The synthetic vocabulary is random syllables, which the content-word rule
                // of keyword reports (jieba nouns, verbs, adjectives) may drop entirely: the
                // work is the same, so only the coverage is checked.
                let r = report::drivers(index, &keyword).expect("drivers");
                r.n
            }),
            n,
        ),
        (
            "summary",
            Box::new(move || {
                let r = report::summary(index, &ReportRequest::default()).expect("summary");
                r.all.n
            }),
            n,
        ),
        (
            "trends (weekly)",
            Box::new(move || {
                let r = report::trends(index, &ReportRequest::default()).expect("trends");
                r.periods.iter().map(|p| p.n).sum()
            }),
            n,
        ),
        ("compare (2025 vs 2024)", Box::new(compare), n),
        (
            "segments by channel",
            Box::new(move || {
                let request = SegmentsRequest {
                    by: "channel".into(),
                    ..SegmentsRequest::default()
                };
                let r = report::segments(index, &request).expect("segments");
                assert!(!r.segments.is_empty(), "no segments");
                r.n
            }),
            n,
        ),
        (
            "pain points",
            Box::new(move || {
                let r = report::pain_points(index, &ReportRequest::default()).expect("pain");
                assert!(!r.pain_points.is_empty(), "no pain points");
                r.n
            }),
            n,
        ),
    ]
}

/// Per topic and topic×sentiment (`u8::MAX` for the topic as a whole), as the report keys them.
type Groups = HashMap<(String, u8), Moments>;

/// The baseline: topic drivers from stored documents. Loads the first `limit` comments in
/// index order with `searcher.doc()`, parses both stored JSONs and aggregates the score per
/// topic and topic×sentiment (one per topic hit, as the report counts them),
/// then computes Welch's interval for each group against the rest, as the report does.
fn baseline(index: &CommentIndex, limit: usize) -> (Duration, u64, Groups) {
    let searcher = index.reader().searcher();
    let fields = index.fields();
    let start = Instant::now();
    let mut all = Moments::default();
    let mut groups: Groups = HashMap::new();
    let mut seen = 0usize;
    'segments: for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        for doc in 0..segment.max_doc() {
            if seen == limit {
                break 'segments;
            }
            if segment.is_deleted(doc) {
                continue;
            }
            seen += 1;
            let stored: TantivyDocument = searcher
                .doc(DocAddress::new(ord as u32, doc))
                .expect("stored document");
            let json = |field| {
                stored
                    .get_first(field)
                    .and_then(|v| v.as_str())
                    .expect("json")
            };
            let comment: Comment = serde_json::from_str(json(fields.comment)).expect("comment");
            let analysis: Analysis = serde_json::from_str(json(fields.analysis)).expect("analysis");
            let Some(score) = comment.nps.map(f64::from) else {
                continue;
            };
            all.add(score);
            // Each comment counts once per topic and per topic×sentiment, as in the report.
            let aspects: std::collections::BTreeSet<(&str, u8)> = analysis
                .topics
                .iter()
                .map(|t| (t.id.as_str(), t.sentiment as u8))
                .collect();
            let topics: std::collections::BTreeSet<&str> =
                aspects.iter().map(|(t, _)| *t).collect();
            for topic in topics {
                groups
                    .entry((topic.to_string(), u8::MAX))
                    .or_default()
                    .add(score);
            }
            for (topic, label) in aspects {
                groups
                    .entry((topic.to_string(), label))
                    .or_default()
                    .add(score);
            }
        }
    }
    let significant = groups
        .values()
        .filter_map(|with| welch(with, &all.minus(with)))
        .filter(|w| w.p < 0.05)
        .count();
    assert!(significant > 0, "the baseline finds no driver");
    let elapsed = start.elapsed();
    assert_eq!(
        seen, limit,
        "the baseline read every comment it was asked to"
    );
    (elapsed, all.n as u64, groups)
}

/// Plain timing: `rounds` calls after a warm-up, each checked; (min, median).
fn timed(run: &dyn Fn() -> u64, expected: u64, rounds: usize) -> (Duration, Duration) {
    assert_eq!(run(), expected, "warm-up covered the expected comments");
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let n = run();
            let elapsed = t.elapsed();
            assert_eq!(n, expected, "the report covered the expected comments");
            elapsed
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn main() {
    let n = env_usize("VERBATIM_BENCH_DOCS", 1_000_000);
    let subset = env_usize("VERBATIM_BENCH_BASELINE_DOCS", n.min(100_000)).min(n);
    let rounds = env_usize("VERBATIM_BENCH_REPORT_ROUNDS", 5).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "# report bench: {n} comments, {cores} cores, load average {} at start",
        loadavg()
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("index");
    let index = CommentIndex::open_or_create(&dir).expect("index");
    let expected = ingest(&index, n);
    let segments = index.reader().searcher().segment_readers().len();
    let bytes = dir_bytes(&dir);
    println!(
        "index: {segments} segments, {:.1} MiB ({:.0} bytes/comment); {}",
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / n as f64,
        rss()
    );

    // Plain timed figures.
    let reports = reports(&index, &expected);
    let mut figures = Vec::new();
    println!("reports, {rounds} rounds after a warm-up (min / median):");
    for (name, run, covered) in &reports {
        let (min, median) = timed(run.as_ref(), *covered, rounds);
        println!(
            "  {name:<32} n {covered:>8}  min {:>8.1} ms  median {:>8.1} ms",
            min.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3
        );
        figures.push((*name, median));
    }

    // Where the drivers-by-topic time goes: reading the columns vs aggregating them.
    {
        let request = ReportRequest::default();
        let query = index.query("", &Filters::default()).expect("query");
        let t = Instant::now();
        let rows = Rows::load(&index, &*query, &Need::default()).expect("rows");
        let load = t.elapsed();
        let t = Instant::now();
        let r = report::drivers::from_rows(&rows, &request);
        let aggregate = t.elapsed();
        assert_eq!(r.n, expected.n);
        println!(
            "  drivers by topic, split: Rows::load {:.1} ms, from_rows {:.1} ms",
            load.as_secs_f64() * 1e3,
            aggregate.as_secs_f64() * 1e3
        );
    }

    // The baseline: the same topic drivers from stored documents.
    let (base, base_n, groups) = baseline(&index, subset);
    assert_eq!(base_n, subset as u64, "every comment has a score");
    let per_doc = base.as_secs_f64() / subset as f64;
    let extrapolated = per_doc * n as f64;
    let drivers = figures[0].1.as_secs_f64();
    let ratio = extrapolated / drivers;
    println!(
        "baseline (searcher.doc + JSON parse) on {subset}: {} = {:.2} µs/comment; \
         extrapolated to {n}: {extrapolated:.2} s; drivers by topic is {ratio:.1}x faster",
        secs(base),
        per_doc * 1e6
    );
    if subset == n {
        // Same comments: the report's groups must be the baseline's.
        let report = report::drivers(
            &index,
            &ReportRequest {
                limit: report::MAX_LIMIT,
                min_support: 1,
                ..ReportRequest::default()
            },
        )
        .expect("drivers");
        let label = |s: &Option<String>| match s.as_deref() {
            None => u8::MAX,
            Some(l) => verbatim::analysis::Label::parse(l).unwrap().index() as u8,
        };
        for d in &report.drivers {
            let g = groups[&(d.id.clone(), label(&d.sentiment))];
            assert_eq!(
                d.n, g.n as u64,
                "{} {:?}: report and baseline agree",
                d.id, d.sentiment
            );
            assert!((d.mean_with - g.mean().unwrap()).abs() < 1e-3);
        }
        println!(
            "  checked: the report's {} groups match the baseline's (n and mean)",
            report.drivers.len()
        );
    }

    // Criterion.
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(
            env_usize("VERBATIM_BENCH_MEASUREMENT_S", 10) as u64,
        ))
        .configure_from_args();
    let mut group = c.benchmark_group("report");
    group.sampling_mode(SamplingMode::Flat);
    for (name, run, covered) in &reports {
        group.bench_function(name.replace([' ', ',', '='], "_"), |b| {
            b.iter(|| {
                let n = run();
                assert_eq!(n, *covered, "{name} covered the expected comments");
                n
            })
        });
    }
    group.finish();
    c.final_summary();

    println!("# load average {} at end; {}", loadavg(), rss());
    let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e3);
    println!(
        "| N | segments | drivers topic ms | topic+channel ms | keyword ms | summary ms | \
         trends ms | pain points ms | baseline µs/doc | baseline ×N s | ratio |"
    );
    println!(
        "| {n} | {segments} | {} | {} | {} | {} | {} | {} | {:.2} | {extrapolated:.1} | {ratio:.0}x |",
        ms(figures[0].1),
        ms(figures[1].1),
        ms(figures[2].1),
        ms(figures[3].1),
        ms(figures[4].1),
        ms(figures[5].1),
        per_doc * 1e6
    );
}
