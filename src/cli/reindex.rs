//! `verbatim reindex --index DIR`: rebuild an index built by another version of Verbatim
//! from the comments and analyses it stores (no model needed), keeping the old index as
//! `DIR.pre-reindex`. `--if-outdated` leaves a current index alone (for scripts such as
//! `make demo`). Prints one JSON line (or a sentence with `--format table`).

use std::path::PathBuf;

use verbatim::index::reindex::{is_current, reindex};

use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Do nothing when the index already has the current schema and text analysis.
    #[arg(long)]
    pub if_outdated: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = args.index.display().to_string();
    if args.if_outdated && is_current(&args.index)? {
        match args.format {
            Format::Json => println!("{}", serde_json::json!({"index": dir, "reindexed": false})),
            Format::Table => println!("{dir} is up to date"),
        }
        return Ok(());
    }
    let report = reindex(&args.index)?;
    let backup = report.backup.display().to_string();
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "index": dir,
                "reindexed": true,
                "comments": report.comments,
                "backup": backup,
            })
        ),
        Format::Table => println!(
            "reindexed {} comments in {dir}; the old index is kept in {backup} (delete it \
             when you no longer need it)",
            report.comments
        ),
    }
    Ok(())
}
