//! Discover at scale: `N` uncategorised comments (synthetic, `common/synthetic.rs`, with
//! their topics removed so every one is a candidate) written pre-analysed into a real index
//! in a temp dir, then `discover` with the real model, timed end to end: the walk over the
//! fast fields, stored-document reads and embedding of the sample, clustering, labels.
//! CPU seconds are given beside the wall clock: on a shared host, CPU s / cores is what an
//! idle machine would take. Peak RSS is read from `/proc/self/status` after resetting it (`clear_refs`) once the
//! index is built, so it is discover's own peak (model included).
//!
//! `VERBATIM_BENCH_DOCS` (default 100,000) and `VERBATIM_BENCH_SAMPLE` (default 8,000, the
//! CLI's default). Run: `cargo bench --bench discover`.

#[path = "common/host.rs"]
mod host;
#[path = "common/synthetic.rs"]
mod synthetic;

use std::time::Instant;

use host::{cpu_seconds, env_usize, loadavg, rss};
use synthetic::{Rng, synthetic, vocabulary};
use verbatim::analyze::{Analyzer, Options};
use verbatim::index::CommentIndex;
use verbatim::report::discover::{DiscoverRequest, discover};

fn main() {
    let n = env_usize("VERBATIM_BENCH_DOCS", 100_000);
    let sample = env_usize("VERBATIM_BENCH_SAMPLE", 8_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let index = CommentIndex::open_or_create(dir.path()).expect("index");
    let start = Instant::now();
    let writer = index.writer().expect("writer");
    let vocab = vocabulary();
    let mut rng = Rng(42);
    for i in 0..n as u64 {
        let (c, mut a) = synthetic(i, &mut rng, &vocab);
        a.topics.clear();
        writer.add(&c, &a).expect("add");
    }
    writer.commit().expect("commit");
    writer.finish().expect("merges");
    index.reload().expect("reload");
    println!(
        "discover bench: {n} uncategorised comments indexed in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let analyzer = Analyzer::load(Options::default()).expect("the model (run `make setup`)");
    // Reset the peak so it measures discover (the model is already loaded and counted).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    println!("before discover: {}", rss());
    let request = DiscoverRequest {
        sample,
        ..DiscoverRequest::default()
    };
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let report = discover(&index, &analyzer, &request).expect("discover");
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "discover: n {} candidates {} sampled {} clusters {} clustered {} in {seconds:.1} s \
         wall, {cpu:.1} CPU s ({:.0} sampled comments/s); {}; load {}",
        report.n,
        report.candidates,
        report.sampled,
        report.clusters.len(),
        report.clustered,
        report.sampled as f64 / seconds,
        rss(),
        loadavg()
    );
}
