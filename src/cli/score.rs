//! `verbatim score --input F --output F`: batch scoring of CSV, JSONL or Parquet files, every column
//! kept and the analysis added; parallel, with a progress bar on a terminal, resumable.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use verbatim::index::CommentIndex;
use verbatim::score::input::Columns;
use verbatim::score::{self, ScoreOptions};

use super::input_args::InputArgs;
use super::{ModelArgs, RedactArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to score: CSV (with a header) or JSONL, detected from the name or content;
    /// gzip-compressed (`.gz`) or not; UTF-8, GB18030/GBK, Big5 or UTF-16 (see --encoding).
    /// The output is always UTF-8 and comma-separated. A `.parquet` file (builds with the
    /// `parquet` feature) is scored into a `.parquet` output, its columns kept. `-` reads
    /// standard input (its format told by its content: a first `{` is JSONL).
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Where to write the scored rows (same format). If it exists, rows whose ids it already
    /// holds are skipped and the rest appended: an interrupted run resumes. An existing file
    /// that is not an earlier output of this scoring (other columns, a line that is not a
    /// scored row) is refused and left as it is. A Parquet output
    /// is built in `OUTPUT.parts/` and appears whole when the run ends.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// The column (CSV) or field (JSONL) holding the text.
    #[arg(long, default_value = "text", env = "VERBATIM_TEXT_COLUMN")]
    pub text_column: String,
    /// The column or field holding the row id (without one, the line number is the id).
    #[arg(long, default_value = "id", env = "VERBATIM_ID_COLUMN")]
    pub id_column: String,
    /// Also store the rows (with their metadata) in this index.
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Rows analysed together, in parallel (as `ingest`; larger batches bucket lengths
    /// better: on 2,000 demo rows 0.80–0.92 of the analyzer's speed at 256, 0.96–1.05 at
    /// 1,000).
    #[arg(long, default_value_t = 1000, env = "VERBATIM_BATCH_SIZE")]
    pub batch_size: usize,
    /// What to do with a malformed row: stop (fail) or report it and go on (skip).
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// PII masking of the rows stored with --index (the output file keeps the text).
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub file: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Stop at the first malformed row (rows before it are written).
    Fail,
    /// Report each malformed row with its line and skip it.
    Skip,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if same_file(&args.input, &args.output) {
        anyhow::bail!(
            "--output {} is the --input file: scoring would write over the rows it reads",
            args.output.display()
        );
    }
    let analyzer = args.model.analyzer(5, false, false)?;
    let writer = match &args.index {
        Some(dir) => Some(CommentIndex::open_or_create(dir)?.writer()?),
        None => None,
    };
    if let Some(w) = &writer {
        w.set_redaction(args.redact.redaction());
        w.set_analysis_version(analyzer.version_handle());
    }
    let options = ScoreOptions {
        columns: Columns {
            id: args.id_column,
            text: args.text_column,
        },
        batch: args.batch_size,
        skip_malformed: args.on_error == OnError::Skip,
        csv: None,
        decode: args.file.options(),
    };
    let stdin = args.input.as_os_str() == "-";
    let size = match stdin {
        true => 0,
        false => std::fs::metadata(&args.input)
            .with_context(|| format!("cannot open {}", args.input.display()))?
            .len(),
    };
    let bar = if std::io::stderr().is_terminal() && !stdin && !score::is_parquet(&args.input) {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let name = verbatim::text::decode::input_name(&args.input);
    let progress = bar.clone();
    let report = score::score_file(
        &analyzer,
        &args.input,
        &args.output,
        writer.as_ref(),
        &options,
        move |reader| Box::new(progress.wrap_read(reader)),
        |e| bar.suspend(|| tracing::warn!("{name} line {}: {} (skipped)", e.line, e.message)),
    )?;
    bar.finish_and_clear();
    if let Some(w) = writer {
        w.finish()?;
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Whether the two paths name one file, however spelt (`./f`, `d/../f`, absolute, a symlink
/// or a hard link): compared by device and inode where both exist.
fn same_file(input: &Path, output: &Path) -> bool {
    if input == output {
        return true;
    }
    match (std::fs::metadata(input), std::fs::metadata(output)) {
        #[cfg(unix)]
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt;
            a.dev() == b.dev() && a.ino() == b.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => {
            matches!((input.canonicalize(), output.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        _ => false,
    }
}
