//! `verbatim ingest --index DIR --input F`: analyse comments from a JSONL or CSV file and
//! store them in the index, committing in groups. Each commit is acknowledged on stderr as
//! `verbatim ingest: committed N last_id=ID`: those N comments survive a crash from then on.
//! On a terminal a progress line counts the committed comments and their rate.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use verbatim::analyze::Analyzer;
use verbatim::index::source::{self, SourceFormat, SourceOptions};
use verbatim::index::{CommentIndex, IngestOptions, IngestReport};

use super::input_args::InputArgs;
use super::score::OnError;
use super::{Format, ModelArgs, RedactArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory (created when missing).
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// The comments: a .jsonl or .csv file (gzip-compressed or not; another name is read as
    /// its content looks), or `-` for stdin. Fields other than id, text, created_at, nps,
    /// csat, channel and customer_id are stored under attrs.
    #[arg(long, short)]
    pub input: PathBuf,
    /// The input format, when the file name does not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// The field (JSONL) or column (CSV) that holds the comment id.
    #[arg(long, default_value = "id", env = "VERBATIM_ID_COLUMN")]
    pub id_column: String,
    /// The field (JSONL) or column (CSV) that holds the comment text.
    #[arg(long, default_value = "text", env = "VERBATIM_TEXT_COLUMN")]
    pub text_column: String,
    /// Comments analysed together, in parallel.
    #[arg(long, default_value_t = 1000, env = "VERBATIM_BATCH_SIZE")]
    pub batch_size: usize,
    /// Comments per commit; each commit is durable and reported on stderr.
    #[arg(long, default_value_t = 10_000, env = "VERBATIM_COMMIT_EVERY")]
    pub commit_every: usize,
    /// What to do with a malformed record: stop (fail; what came before it is committed) or
    /// log it with its line and go on (skip; counted as `skipped` in the summary).
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
    #[command(flatten)]
    pub file: InputArgs,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The format of the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Jsonl,
    Csv,
}

/// A count of committed comments and their rate on a terminal (as `score`'s bar); hidden
/// when stderr is not a terminal or info lines are off (`-q`).
fn progress() -> ProgressBar {
    if !std::io::stderr().is_terminal() || !tracing::enabled!(tracing::Level::INFO) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} comments committed, {per_sec} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// The analyzer every stored comment goes through (the one place it is built).
fn analyzer(args: &Args) -> anyhow::Result<Analyzer> {
    args.model.analyzer(5, false, false)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let index = CommentIndex::open_or_create(&args.index)?;
    let writer = index.writer()?;
    writer.set_redaction(args.redact.redaction());
    let analyzer = analyzer(&args)?;
    let format = args.input_format.map(|f| match f {
        InputFormat::Jsonl => SourceFormat::Jsonl,
        InputFormat::Csv => SourceFormat::Csv,
    });
    let skipped = Arc::new(AtomicU64::new(0));
    let comments = source::open(
        &args.input,
        format,
        SourceOptions {
            id_field: args.id_column.clone(),
            text_field: args.text_column.clone(),
            decode: args.file.options(),
            skip_malformed: args.on_error == OnError::Skip,
            skipped: Some(skipped.clone()),
        },
    )?;
    let options = IngestOptions {
        batch_size: args.batch_size.max(1),
        commit_every: args.commit_every.max(1),
    };
    let mut acknowledged: Option<IngestReport> = None;
    let bar = progress();
    let result = writer.ingest(&analyzer, comments, options, |report| {
        bar.suspend(|| {
            tracing::info!(
                "committed {} last_id={}",
                report.committed,
                report.last_id.as_deref().unwrap_or("")
            )
        });
        bar.set_position(report.committed);
        acknowledged = Some(report.clone());
    });
    bar.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(err) => {
            let committed = acknowledged.map_or(0, |r| r.committed);
            return Err(err).with_context(|| match committed {
                0 => "nothing ingested".to_string(),
                n => format!("ingest stopped after {n} committed comments"),
            });
        }
    };
    writer.finish()?;
    index.reload()?;
    let seconds = start.elapsed().as_secs_f64();
    let total = index.num_comments();
    let skipped = skipped.load(Ordering::Relaxed);
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "index": args.index.display().to_string(),
                "ingested": report.committed,
                "skipped": skipped,
                "commits": report.commits,
                "total": total,
                "seconds": (seconds * 1000.0).round() / 1000.0,
            })
        ),
        Format::Table => println!(
            "ingested {} comments in {} commits ({:.1}s, {:.0}/s); {skipped} malformed skipped; \
             {} holds {total}",
            report.committed,
            report.commits,
            seconds,
            report.committed as f64 / seconds.max(1e-9),
            args.index.display()
        ),
    }
    Ok(())
}
