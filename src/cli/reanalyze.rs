//! `verbatim reanalyze --index DIR`: analyse again, with the model and taxonomy given now,
//! every stored comment whose analysis version differs (after a model or taxonomy change),
//! in batches, each committed, so an interrupted run resumes where it stopped.
//! `--dry-run` only counts the comments per version. Prints one JSON line (or a sentence
//! with `--format table`); a progress bar on a terminal.
//!
//! The index's write lock is held for the run; a running `verbatim serve` holds it for its
//! life, so on a served index the same runs inside the server (`POST /v1/admin/reanalyze`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use verbatim::Error;
use verbatim::index::CommentIndex;
use verbatim::index::reanalyze::{
    DEFAULT_BATCH, MAX_BATCH, ReanalyzeOptions, check_supported, reanalyze, version_counts,
};

use super::{Format, ModelArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Count the comments per analysis version and how many are stale; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Comments analysed and committed together (1 to 10000).
    #[arg(long, default_value_t = DEFAULT_BATCH as u64,
        value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH as u64))]
    pub batch: u64,
    /// Stop after this many comments (the rest stay stale for the next run).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// A bar over the stale comments on a terminal; hidden otherwise or with `-q`.
fn progress(stale: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || !tracing::enabled!(tracing::Level::INFO) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(stale);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} comments reanalysed, {per_sec}, ETA {eta} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let index = CommentIndex::open(&args.index)?;
    check_supported(&index)?;
    // The same analyzer as `ingest`: what it stores is what a fresh ingest would.
    let analyzer = args.model.analyzer(5, false, false)?;
    let current = analyzer.analysis_version().to_string();
    let dir = args.index.display().to_string();
    if args.dry_run {
        return dry_run(&index, &dir, &current, args.format);
    }
    let writer = index.writer().map_err(|e| match e {
        Error::Locked { .. } => anyhow::anyhow!(
            "{e}; if `verbatim serve` holds it, run the re-analysis in the server: \
             POST /v1/admin/reanalyze (docs/api.md)"
        ),
        other => other.into(),
    })?;
    let options = ReanalyzeOptions {
        batch: args.batch as usize,
        limit: args.limit,
    };
    let mut bar: Option<ProgressBar> = None;
    let result = reanalyze(&writer, &analyzer, options, |r| {
        let bar = bar.get_or_insert_with(|| progress(r.stale));
        bar.set_position(r.reanalyzed + r.skipped);
        bar.suspend(|| {
            tracing::debug!(reanalyzed = r.reanalyzed, batches = r.batches, "committed")
        });
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report =
        result.context("reanalyze stopped (committed batches are kept; run it again to resume)")?;
    writer.finish()?;
    let seconds = start.elapsed().as_secs_f64();
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "index": dir,
                "version": report.version,
                "stale": report.stale,
                "reanalyzed": report.reanalyzed,
                "skipped": report.skipped,
                "batches": report.batches,
                "remaining": report.remaining,
                "seconds": (seconds * 1000.0).round() / 1000.0,
            })
        ),
        Format::Table => println!(
            "reanalysed {} of {} stale comments in {} batches ({seconds:.1}s) to {}; {} remain",
            report.reanalyzed, report.stale, report.batches, report.version, report.remaining
        ),
    }
    Ok(())
}

fn dry_run(index: &CommentIndex, dir: &str, current: &str, format: Format) -> anyhow::Result<()> {
    let counts = version_counts(index)?;
    let stale: u64 = counts
        .iter()
        .filter(|c| c.version != current)
        .map(|c| c.n)
        .sum();
    match format {
        Format::Json => {
            let versions: Vec<_> = counts
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "version": c.version, "n": c.n, "current": c.version == current,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "index": dir, "version": current, "stale": stale, "versions": versions,
                })
            );
        }
        Format::Table => {
            println!("{stale} stale comments in {dir} (current version {current})");
            for c in &counts {
                let mark = if c.version == current {
                    " (current)"
                } else {
                    ""
                };
                println!("{:>10}  {}{mark}", c.n, c.version);
            }
        }
    }
    Ok(())
}
