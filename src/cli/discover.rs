//! `verbatim discover --index DIR [filters] [--min-size N] [--format table|json|toml|csv]`: the
//! themes of the uncategorised comments (the API's `/v1/reports/discover`), each with a
//! `[[topic]]` block to paste into a taxonomy file. `--format toml` prints only the blocks.

use std::io::Write;
use std::path::PathBuf;

use verbatim::index::CommentIndex;
use verbatim::report::ScoreKind;
use verbatim::report::discover::{DiscoverRequest, discover};
use verbatim::report::export::{filters_line, table_csv};

use super::ModelArgs;
use super::filters::FilterArgs;
use super::report::{ScoreArg, write_table};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Only comments matching this full-text query (as in search).
    #[arg(long, default_value = "")]
    pub query: String,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// The score the clusters' impact is measured on.
    #[arg(long, value_enum, default_value_t = ScoreArg::Nps)]
    pub score: ScoreArg,
    /// The fewest sampled comments a cluster needs to be listed.
    #[arg(long, default_value_t = 10)]
    pub min_size: usize,
    /// The most clusters listed.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// The most uncategorised comments embedded and clustered (a random sample beyond).
    #[arg(long, default_value_t = 8_000)]
    pub sample: usize,
    /// Comments whose best topic confidence is below this count as uncategorised too
    /// (0: only comments with no topic).
    #[arg(long, default_value_t = 0.5)]
    pub max_confidence: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The API's JSON.
    Json,
    /// An aligned table for people.
    Table,
    /// Only the proposed `[[topic]]` blocks, ready for a taxonomy file.
    Toml,
    /// The table as CSV (UTF-8 BOM, a `# filters:` line, formula guard), as the reports.
    Csv,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let index = CommentIndex::open(&args.index)?;
    let analyzer = args.model.analyzer(5, false, false)?;
    let request = DiscoverRequest {
        q: args.query,
        filters: args.filters.into_filters(),
        score: match args.score {
            ScoreArg::Nps => ScoreKind::Nps,
            ScoreArg::Csat => ScoreKind::Csat,
        },
        min_size: args.min_size,
        limit: args.limit,
        sample: args.sample,
        max_confidence: Some(args.max_confidence),
    };
    let report = discover(&index, &analyzer, &request)?;
    let line = filters_line(&request);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => writeln!(w, "{}", serde_json::to_string(&report)?)?,
        Format::Table => write_table(&mut w, &report.table())?,
        Format::Csv => w.write_all(&table_csv(&line, &report.table())?)?,
        Format::Toml => {
            for c in &report.clusters {
                writeln!(w, "# {} comments (about {} in all)", c.size, c.estimated)?;
                if let Some(p) = &c.probably {
                    writeln!(w, "# {p}")?;
                }
                writeln!(w, "{}", c.toml)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}
