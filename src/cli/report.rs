//! `verbatim report drivers|pain-points|trends|summary|compare|segments --index DIR
//! [filters]`: the reports of docs/reports.md, compare (`--vs-from/--vs-to`,
//! `--segment/--vs-segment`) and segments (`--by region`), as JSON (the API's shape), an
//! aligned table or CSV.

use std::io::Write;
use std::path::PathBuf;

use verbatim::index::CommentIndex;
use verbatim::report::{
    self, CompareRequest, DriverBy, Interval, ReportRequest, ScoreKind, SegmentsRequest, Table,
};

use verbatim::report::export::{filters_line, table_csv};

use super::filters::FilterArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which report.
    #[arg(value_enum)]
    pub report: Kind,
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// Only comments matching this full-text query (as in search).
    #[arg(long, default_value = "")]
    pub query: String,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// The score drivers and pain points are about.
    #[arg(long, value_enum, default_value_t = ScoreArg::Nps)]
    pub score: ScoreArg,
    /// Drivers: `topic` (with topic×sentiment pairs) or `keyword`. Segments: `channel`,
    /// `lang` or an attribute key (`region`).
    #[arg(long, default_value = "topic")]
    pub by: String,
    /// Compare: B's first day (A's is `--from`).
    #[arg(long)]
    pub vs_from: Option<String>,
    /// Compare: B's last day (A's is `--to`).
    #[arg(long)]
    pub vs_to: Option<String>,
    /// Compare: A's segment, `key=value` (`region=华南`, `channel=app`, `lang=en`).
    #[arg(long)]
    pub segment: Option<String>,
    /// Compare: B's segment (default: A's).
    #[arg(long)]
    pub vs_segment: Option<String>,
    /// Trend period.
    #[arg(long, value_enum, default_value_t = IntervalArg::Week)]
    pub interval: IntervalArg,
    /// The fewest comments a driver, pain point or emerging keyword needs.
    #[arg(long, default_value_t = 30, env = "VERBATIM_MIN_SUPPORT")]
    pub min_support: usize,
    /// The most drivers or pain points listed.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json, env = "VERBATIM_FORMAT")]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Key drivers of NPS or CSAT, with impact and 95% intervals.
    Drivers,
    /// Topics and keywords carrying the most negative weight, with examples.
    PainPoints,
    /// Volume, sentiment and score per period; emerging topics and keywords.
    Trends,
    /// Counts, NPS, CSAT, sentiment and topics, by channel, language and attribute.
    Summary,
    /// Period A against B (default: the latest full period against the one before), or
    /// segment A against B: the change of NPS, CSAT and sentiment and why.
    Compare,
    /// One row per channel, language or attribute value (`--by`), worst first.
    Segments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreArg {
    /// Net Promoter score (0–10).
    Nps,
    /// Customer satisfaction (1–5).
    Csat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IntervalArg {
    Day,
    Week,
    Month,
}

/// Output format of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The API's JSON.
    Json,
    /// An aligned table for people.
    Table,
    /// CSV (docs/formats.md): a UTF-8 byte-order mark, a `# filters: …` line, a header row;
    /// formula-like text cells get a leading `'`.
    Csv,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let index = CommentIndex::open(&args.index)?;
    let request = request_of(&args)?;
    let (json, table, line) = produce(&index, &args, request)?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ReportFormat::Json => writeln!(w, "{json}")?,
        ReportFormat::Table => write_table(&mut w, &table)?,
        ReportFormat::Csv => w.write_all(&table_csv(&line, &table)?)?,
    }
    w.flush()?;
    Ok(())
}

/// The report request the flags describe.
fn request_of(args: &Args) -> anyhow::Result<ReportRequest> {
    Ok(ReportRequest {
        q: args.query.clone(),
        filters: args.filters.clone().into_filters(),
        score: match args.score {
            ScoreArg::Nps => ScoreKind::Nps,
            ScoreArg::Csat => ScoreKind::Csat,
        },
        by: match (args.report, args.by.as_str()) {
            (_, "keyword") => DriverBy::Keyword,
            (Kind::Segments, _) | (_, "topic") => DriverBy::Topic,
            (_, other) => {
                anyhow::bail!("--by: `{other}` is not topic or keyword (segments take any key)")
            }
        },
        interval: match args.interval {
            IntervalArg::Day => Interval::Day,
            IntervalArg::Week => Interval::Week,
            IntervalArg::Month => Interval::Month,
        },
        min_support: args.min_support,
        limit: args.limit,
    })
}

/// The report as JSON, as a table, and the line of filters a CSV export starts with.
fn produce(
    index: &CommentIndex,
    args: &Args,
    request: ReportRequest,
) -> anyhow::Result<(String, Table, String)> {
    let line = filters_line(&request);
    Ok(match args.report {
        Kind::Drivers => {
            let r = report::drivers(index, &request)?;
            (serde_json::to_string(&r)?, r.table(), line)
        }
        Kind::PainPoints => {
            let r = report::pain_points(index, &request)?;
            (serde_json::to_string(&r)?, r.table(), line)
        }
        Kind::Trends => {
            let r = report::trends(index, &request)?;
            (serde_json::to_string(&r)?, r.table(), line)
        }
        Kind::Summary => {
            let r = report::summary(index, &request)?;
            (serde_json::to_string(&r)?, r.table(), line)
        }
        Kind::Compare => {
            let compare = CompareRequest {
                report: request,
                vs_from: args.vs_from.clone(),
                vs_to: args.vs_to.clone(),
                segment: args.segment.clone(),
                vs_segment: args.vs_segment.clone(),
            };
            let r = report::compare(index, &compare)?;
            let line = filters_line(&compare);
            (serde_json::to_string(&r)?, r.table(), line)
        }
        Kind::Segments => {
            if args.by == "topic" || args.by == "keyword" {
                anyhow::bail!(
                    "--by: segments are by channel, lang or an attribute key such as region \
                     (attrs.{} for an attribute of that name)",
                    args.by
                );
            }
            let segments = SegmentsRequest {
                q: request.q,
                filters: request.filters,
                by: args.by.clone(),
                score: request.score,
                min_support: request.min_support,
            };
            let r = report::segments(index, &segments)?;
            let line = filters_line(&segments);
            (serde_json::to_string(&r)?, r.table(), line)
        }
    })
}

/// Columns padded to their widest cell (CJK characters count double); long cells cut.
pub(super) fn write_table(w: &mut impl Write, table: &Table) -> std::io::Result<()> {
    const MAX_CELL: usize = 48;
    let cut = |s: &str| -> String {
        let mut out = String::new();
        let mut width = 0;
        for c in s.chars().map(|c| if c == '\n' { ' ' } else { c }) {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if width + cw > MAX_CELL {
                out.push('…');
                break;
            }
            width += cw;
            out.push(c);
        }
        out
    };
    let rows: Vec<Vec<String>> = std::iter::once(&table.header)
        .chain(&table.rows)
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths = vec![0; table.header.len()];
    for row in &rows {
        for (k, c) in row.iter().enumerate() {
            widths[k] = widths[k].max(super::width::width(c));
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (k, c) in row.iter().enumerate() {
            line.push_str(c);
            if k + 1 < row.len() {
                line.push_str(&" ".repeat(widths[k] - super::width::width(c) + 2));
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}
