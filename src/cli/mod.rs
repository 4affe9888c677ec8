//! The command line (SPEC §3): one file per subcommand; each parses its flags, calls the
//! library and writes results. Every flag has a doc line, which becomes its `--help`.

mod analyze;
mod build_idf;
mod ingest;
mod search;

use clap::{Parser, Subcommand, ValueEnum};

/// Verbatim: customer-feedback analytics for Chinese and English.
#[derive(Debug, Parser)]
#[command(name = "verbatim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse texts (arguments, --input file or stdin lines); one Analysis JSON per line.
    Analyze(analyze::Args),
    /// Build the keyword IDF table from corpus files (one text per line, or JSONL with "text").
    #[command(name = "build-idf")]
    BuildIdf(build_idf::Args),
    /// Analyse comments from a JSONL or CSV file and store them in the index.
    Ingest(ingest::Args),
    /// Search the index: full text, filters, facet counts, highlighted snippets.
    Search(search::Args),
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

/// Run the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::BuildIdf(args) => build_idf::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Search(args) => search::run(args),
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
