//! The comment index at scale, on synthetic comments generated here (never committed):
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

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tantivy::tokenizer::TextAnalyzer;
use verbatim::analyze::{Analysis, Analyzer, Label, Options, Probs, Sentiment, TopicHit};
use verbatim::comment::Comment;
use verbatim::index::schema::{self, Fields};
use verbatim::index::search::Filters;
use verbatim::index::source::Located;
use verbatim::index::{tokenizer, CommentIndex, IngestOptions, SearchRequest};
use verbatim::text::{Keyword, Lang};

/// A small, seeded generator (SplitMix64): the same comments on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

const ZH: &[&str] = &[
    "配送太慢了",
    "快递员态度很差",
    "发票一直没开",
    "客服回复很及时",
    "菜很好吃",
    "包装破损严重",
    "退款到现在还没到账",
    "APP老是闪退",
    "价格有点贵",
    "性价比很高",
    "登录不了账号",
    "售后换货很麻烦",
    "功能很实用",
    "界面不太好用",
    "等了半个小时才有人接电话",
    "质量不错会回购",
    "物流信息一直不更新",
    "客服很专业解答清楚",
    "订单被重复扣款",
    "希望增加夜间模式",
];
const ZH_HANT: &[&str] = &[
    "發票一直沒開",
    "客服有回覆了",
    "配送太慢",
    "品質很好",
    "退款還沒到帳",
    "服務態度很差",
    "網站很難用",
];
const EN: &[&str] = &[
    "the delivery was late again",
    "refund took three weeks",
    "great product, works well",
    "support never called back",
    "the app keeps crashing",
    "too expensive for what it is",
    "friendly staff and fast service",
    "the box arrived damaged",
    "I was charged twice",
    "please add dark mode",
    "cannot log in to my account",
    "easy to use",
];
const TOPICS: &[&str] = &[
    "product_quality",
    "price_value",
    "delivery",
    "service_attitude",
    "response_time",
    "billing",
    "usability",
    "reliability",
    "after_sales",
    "packaging",
    "staff_expertise",
    "account_security",
    "features",
];
const CHANNELS: &[&str] = &["app", "web", "phone", "email", "store", "wechat"];
const REGIONS: &[&str] = &["华东", "华南", "华北", "西南", "EU", "US"];

/// Vocabulary for variety: the terms of the shipped IDF table.
fn vocabulary() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/text/data/idf.tsv");
    let text = std::fs::read_to_string(path).expect("idf table");
    let terms = text.lines().skip(1).filter_map(|l| l.split('\t').next());
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for t in terms {
        if t.chars().all(|c| c.is_ascii_lowercase()) {
            en.push(t.to_string());
        } else if t.chars().all(|c| !c.is_ascii()) {
            zh.push(t.to_string());
        }
    }
    (zh, en)
}

/// The `i`-th synthetic comment and an analysis as the model would give it.
fn synthetic(i: u64, rng: &mut Rng, vocab: &(Vec<String>, Vec<String>)) -> (Comment, Analysis) {
    let roll = rng.below(100);
    let (lang, mut text) = match roll {
        0..=59 => (Lang::ZhHans, format!("{}，{}", rng.pick(ZH), rng.pick(ZH))),
        60..=74 => (
            Lang::ZhHant,
            format!("{}，{}", rng.pick(ZH_HANT), rng.pick(ZH_HANT)),
        ),
        75..=94 => (Lang::En, format!("{}, {}.", rng.pick(EN), rng.pick(EN))),
        _ => (Lang::Mixed, format!("{} {}", rng.pick(ZH), rng.pick(EN))),
    };
    let words = if lang == Lang::En { &vocab.1 } else { &vocab.0 };
    for _ in 0..1 + rng.below(4) {
        text.push(if lang == Lang::En { ' ' } else { '，' });
        let word: &String = rng.pick(words);
        text.push_str(word);
    }
    let mut c = Comment::new(format!("c{i}"), text);
    let day = rng.below(730) as i64;
    let date = tantivy::time::Date::from_calendar_date(2024, tantivy::time::Month::January, 1)
        .expect("valid date")
        + tantivy::time::Duration::days(day);
    c.created_at = Some(date.to_string());
    c.nps = Some(rng.below(11) as u8);
    c.channel = Some(rng.pick(CHANNELS).to_string());
    c.customer_id = Some(format!("u{}", rng.below(200_000)));
    c.attrs
        .insert("region".into(), rng.pick(REGIONS).to_string());
    c.attrs.insert(
        "plan".into(),
        rng.pick(&["free", "pro", "team"]).to_string(),
    );
    let score = rng.unit() * 2.0 - 1.0;
    let label = match score {
        s if s < -0.3 => Label::Negative,
        s if s > 0.3 => Label::Positive,
        _ => Label::Neutral,
    };
    let topics = (0..rng.below(3))
        .map(|_| TopicHit {
            id: rng.pick(TOPICS).to_string(),
            name: String::new(),
            confidence: 0.5 + rng.unit() / 2.0,
            sentiment: *rng.pick(&Label::ALL),
            evidence: vec![],
        })
        .collect();
    let keywords = (0..3)
        .map(|_| Keyword {
            term: rng.pick(words).clone(),
            weight: rng.unit(),
        })
        .collect();
    let analysis = Analysis {
        id: Some(c.id.clone()),
        lang,
        sentiment: Some(Sentiment {
            label,
            score,
            probs: Probs {
                negative: (-score).max(0.0),
                neutral: 1.0 - score.abs(),
                positive: score.max(0.0),
            },
        }),
        topics,
        keywords,
        truncated: false,
        explain: None,
        tokens: None,
    };
    (c, analysis)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn dir_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system, all threads) this process has used so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok());
    match (field(11), field(12)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

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
    index.tokenizers().register(tokenizer::TOKENIZER, plain);
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
            .add_document(fields.document(&c, t, &a).expect("doc"))
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

fn rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let field = |name: &str| {
                s.lines()
                    .find(|l| l.starts_with(name))
                    .map(|l| l[name.len()..].trim().to_string())
            };
            Some(format!(
                "VmRSS {} (peak VmHWM {})",
                field("VmRSS:")?,
                field("VmHWM:")?
            ))
        })
        .unwrap_or_else(|| "n/a".into())
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
        rss_mib()
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
