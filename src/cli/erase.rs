//! `verbatim erase --index DIR --customer-id ID`: delete every comment of one customer
//! (PIPL / GDPR erasure). In: an existing index (no model needed) and the id, matched
//! exactly. Out: one JSON line `{"customer_id", "deleted"}` (or a sentence with `--format
//! table`; none found is said, not an error), once the deletion is durable, and one audit
//! line on stderr naming the customer by a SHA-256 prefix ([`verbatim::index::erase`]).
//! A missing index, a locked one (a running `serve` writes to it: use its API instead) or
//! a bad id is an error (exit 2).

use std::path::PathBuf;

use verbatim::index::CommentIndex;
use verbatim::index::erase::problem;

use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// The customer whose comments are deleted, exactly as stored.
    #[arg(long)]
    pub customer_id: String,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // A bad id is refused before the index is opened or locked.
    if let Some(problem) = problem(&args.customer_id) {
        anyhow::bail!("--customer-id (customer_id): {problem}");
    }
    let index = CommentIndex::open(&args.index)?;
    let writer = index.writer()?;
    let erasure = writer.erase_customer(&args.customer_id)?;
    writer.finish()?;
    let line = erasure.audit_line("cli", None);
    tracing::info!(target: "verbatim::audit", "{line}");
    if erasure.deleted == 0 {
        tracing::warn!("the index holds no comment of this customer id; nothing deleted");
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&erasure)?),
        Format::Table if erasure.deleted == 0 => println!(
            "no comments of customer {:?} in {}: nothing deleted",
            erasure.customer_id,
            args.index.display()
        ),
        Format::Table => println!(
            "deleted {} comment(s) of customer {:?} from {}",
            erasure.deleted,
            erasure.customer_id,
            args.index.display()
        ),
    }
    Ok(())
}
