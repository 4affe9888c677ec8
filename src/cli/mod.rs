//! The command line (docs/cli.md): one file per subcommand; each parses its flags, calls the
//! library and writes results. Every flag has a doc line, which becomes its `--help`.

mod analyze;
mod build_idf;
mod calibrate;
pub mod config;
mod discover;
mod erase;
mod eval;
mod export;
mod filters;
mod ingest;
mod input_args;
pub mod log;
mod reanalyze;
mod reindex;
mod report;
mod score;
mod search;
mod serve;
mod shell;
mod width;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use verbatim::analyze::{Analyzer, Options};
use verbatim::model::onnx::EncoderOptions;
use verbatim::model::{Backend, Precision, Variant};
use verbatim::text::pii::Redaction;

/// Verbatim: customer-feedback analytics for Chinese and English.
#[derive(Debug, Parser)]
#[command(name = "verbatim", version, about)]
pub struct Cli {
    /// A TOML config file whose keys mirror the VERBATIM_* variables (flags and the
    /// environment take precedence over it).
    #[arg(long, global = true, env = "VERBATIM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log lines on stderr: `human` (one line per event) or `json` (one object per line).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "VERBATIM_LOG_FORMAT"
    )]
    pub log_format: log::LogFormat,
    /// More log detail: -v adds debug lines (each command's timings), -vv trace lines.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only warnings and errors on stderr: no progress lines or bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse texts (arguments, --input file or stdin lines); one Analysis JSON per line.
    Analyze(analyze::Args),
    /// Measure sentiment (and topic) quality against gold labels (docs/formats.md).
    Eval(eval::Args),
    /// Fit the topic calibration on gold labels (writes models/topics/calibration.json).
    #[command(name = "calibrate-topics")]
    CalibrateTopics(calibrate::Args),
    /// Build the keyword IDF table from corpus files (one text per line, or JSONL with "text").
    #[command(name = "build-idf")]
    BuildIdf(build_idf::Args),
    /// Analyse comments from a JSONL or CSV file and store them in the index.
    Ingest(ingest::Args),
    /// Rebuild an index built by another version from the comments and analyses it stores.
    Reindex(reindex::Args),
    /// Analyse again the stored comments a model or taxonomy change made stale; resumable.
    Reanalyze(reanalyze::Args),
    /// Search the index: full text, filters, facet counts, highlighted snippets.
    Search(search::Args),
    /// Reports over the index: key drivers, pain points, trends, summary.
    Report(report::Args),
    /// Themes the taxonomy misses: clusters of uncategorised comments, as topic blocks.
    Discover(discover::Args),
    /// Delete every comment of one customer (erasure), audited on stderr.
    Erase(erase::Args),
    /// Export every stored comment with its analysis (JSONL), for a warehouse.
    Export(export::Args),
    /// Score a CSV or JSONL file: every column kept, the analysis added; resumable.
    Score(score::Args),
    /// Serve the HTTP API and the analysts' web page.
    Serve(serve::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(shell::CompletionArgs),
    /// Print the man page (roff) to stdout.
    Man,
}

/// Output format of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// One JSON object per line.
    #[default]
    Json,
    /// An aligned table for people.
    Table,
}

/// The encoders setup installs (see `verbatim::model::paths`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncoderArg {
    /// models/e5-small/: the distilled student (or what `make setup MODEL=...` put there).
    Student,
    /// models/e5-small-teacher/: the fine-tuned 12-layer encoder.
    Teacher,
    /// models/e5-small-frozen/: the registry encoder with the first heads (the old model).
    Frozen,
    /// models/e5-small-fast/: 4 layers distilled from the student (faster, less accurate).
    Fast,
}

/// `--backend`: the library's [`Backend`], named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Ort,
    RustBert,
}

/// `--precision`: the library's [`Precision`], named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    /// Dynamic int8 (per-channel) weights: about twice as fast, cosine ≥ 0.995 to fp32.
    Int8,
    Fp32,
}

impl From<PrecisionArg> for Precision {
    fn from(arg: PrecisionArg) -> Self {
        match arg {
            PrecisionArg::Int8 => Precision::Int8,
            PrecisionArg::Fp32 => Precision::Fp32,
        }
    }
}

/// PII masking of the comments a command stores (on by default; see `text::pii`).
#[derive(Debug, Clone, clap::Args)]
pub struct RedactArgs {
    /// PII types masked before storing: all, none, or a list of phone,email,id,card,ip.
    #[arg(long, default_value = "all", env = "VERBATIM_REDACT", value_parser = parse_redaction)]
    pub redact: Redaction,
    /// Store texts as given, PII included (overrides --redact).
    #[arg(long)]
    pub no_redact: bool,
}

impl RedactArgs {
    pub fn redaction(&self) -> Redaction {
        if self.no_redact {
            Redaction::NONE
        } else {
            self.redact
        }
    }
}

/// Parse a `--redact` value (`all`, `none` or a list of types).
pub fn parse_redaction(spec: &str) -> Result<Redaction, String> {
    Redaction::parse(spec).map_err(|e| e.to_string())
}

/// Where the models are and how to run them; shared by every command that analyses text.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// The models/ directory (default: found in the working directory or beside the binary).
    #[arg(long, env = "VERBATIM_MODELS")]
    pub models: Option<PathBuf>,
    /// Which encoder: the distilled 6-layer student (default, about twice as fast) or the
    /// 12-layer fine-tuned teacher it learned from (the last point of accuracy).
    #[arg(long, value_enum, default_value_t = EncoderArg::Student, env = "VERBATIM_ENCODER")]
    pub encoder: EncoderArg,
    /// Encoder weights: int8 (faster, chosen by measurement) or fp32.
    #[arg(long, value_enum, default_value_t = PrecisionArg::Int8, env = "VERBATIM_PRECISION")]
    pub precision: PrecisionArg,
    /// What runs the encoder: ONNX Runtime (default), or libtorch through rust-bert (fp32,
    /// on a CUDA GPU when libtorch sees one; a build with `--features rust-bert`).
    #[arg(long, value_enum, default_value_t = BackendArg::Ort, env = "VERBATIM_BACKEND")]
    pub backend: BackendArg,
    /// Threads for the encoder (0: one per core). Batch commands run a single-threaded
    /// model session per thread side by side; `serve` one session with them all.
    #[arg(long, default_value_t = 0, env = "VERBATIM_THREADS")]
    pub threads: usize,
    /// A topic taxonomy (TOML) replacing models/taxonomy.toml.
    #[arg(long, env = "VERBATIM_TAXONOMY")]
    pub taxonomy: Option<PathBuf>,
    /// Skip the model: language, keywords and tokens only (no sentiment, no topics).
    #[arg(long)]
    pub no_model: bool,
    /// Sentiment without topics: each comment is encoded once (no clauses), faster.
    #[arg(long)]
    pub no_topics: bool,
}

impl ModelArgs {
    /// Build the analyzer these arguments describe, for batch work: a call's batches run
    /// side by side, one per core.
    pub fn analyzer(
        &self,
        keywords: usize,
        tokens: bool,
        explain: bool,
    ) -> anyhow::Result<Analyzer> {
        self.analyzer_with(keywords, tokens, explain, true)
    }

    /// The server's analyzer: one session with every core (its requests already run side
    /// by side), see `EncoderOptions::split_batches`.
    pub fn server_analyzer(&self, keywords: usize) -> anyhow::Result<Analyzer> {
        self.analyzer_with(keywords, false, false, false)
    }

    fn analyzer_with(
        &self,
        keywords: usize,
        tokens: bool,
        explain: bool,
        split_batches: bool,
    ) -> anyhow::Result<Analyzer> {
        let options = Options {
            keywords,
            tokens,
            explain,
            models: self.models.clone(),
            taxonomy: self.taxonomy.clone(),
            encoder: EncoderOptions {
                variant: match self.encoder {
                    EncoderArg::Student => Variant::Default,
                    EncoderArg::Teacher => Variant::Teacher,
                    EncoderArg::Frozen => Variant::Frozen,
                    EncoderArg::Fast => Variant::Fast,
                },
                precision: self.precision.into(),
                backend: match self.backend {
                    BackendArg::Ort => Backend::Ort,
                    BackendArg::RustBert => Backend::RustBert,
                },
                threads: self.threads,
                split_batches,
                ..EncoderOptions::default()
            },
            topics: !self.no_topics,
        };
        if self.no_model {
            return Ok(Analyzer::text_only(options));
        }
        // The user's own input (a broken taxonomy, say) names itself; only the model's
        // resources get the hint.
        Analyzer::load(options).map_err(|e| {
            let user = e.is_user_error();
            let e = anyhow::Error::new(e);
            if user {
                e
            } else {
                e.context("cannot load the model (use --no-model to skip it)")
            }
        })
    }
}

impl Cli {
    /// How much the log says, from -v / -q.
    pub fn verbosity(&self) -> log::Verbosity {
        log::Verbosity {
            verbose: self.verbose,
            quiet: self.quiet,
        }
    }
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Analyze(_) => "analyze",
            Command::Eval(_) => "eval",
            Command::CalibrateTopics(_) => "calibrate-topics",
            Command::BuildIdf(_) => "build-idf",
            Command::Ingest(_) => "ingest",
            Command::Reindex(_) => "reindex",
            Command::Reanalyze(_) => "reanalyze",
            Command::Search(_) => "search",
            Command::Report(_) => "report",
            Command::Discover(_) => "discover",
            Command::Erase(_) => "erase",
            Command::Export(_) => "export",
            Command::Score(_) => "score",
            Command::Serve(_) => "serve",
            Command::Completions(_) => "completions",
            Command::Man => "man",
        }
    }
}

/// Run the parsed command; its wall-clock time is logged at debug level (`-v`).
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let name = cli.command.name();
    let start = std::time::Instant::now();
    let result = dispatch(cli.command);
    tracing::debug!(
        command = name,
        seconds = start.elapsed().as_secs_f64(),
        ok = result.is_ok(),
        "command finished"
    );
    result
}

fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Analyze(args) => analyze::run(args),
        Command::BuildIdf(args) => build_idf::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Reindex(args) => reindex::run(args),
        Command::Reanalyze(args) => reanalyze::run(args),
        Command::Search(args) => search::run(args),
        Command::Report(args) => report::run(args),
        Command::Discover(args) => discover::run(args),
        Command::Erase(args) => erase::run(args),
        Command::Export(args) => export::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Score(args) => score::run(args),
        Command::Eval(args) => eval::run(args),
        Command::CalibrateTopics(args) => calibrate::run(args),
        Command::Completions(args) => shell::completions(args),
        Command::Man => shell::man(),
    }
}

/// Whether the error is a closed pipe (`verbatim analyze ... | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
