//! `verbatim search --index DIR [QUERY]... [filters]`: full-text search with the API's
//! filters; JSON output is the API's search response, the table is for people.
//! `--mode keyword|semantic|hybrid` (default hybrid; the model is loaded only for the
//! latter two, with a query); `--like ID` lists the comments nearest in meaning to one.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use verbatim::index::{
    CommentIndex, Match, Mode, QueryEncoder, SearchRequest, SearchResponse, Sort,
};

use super::filters::FilterArgs;
use super::{Format, ModelArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The index directory.
    #[arg(long, env = "VERBATIM_INDEX")]
    pub index: PathBuf,
    /// The query: words (all required), "phrases", AND/OR/NOT; Chinese needs no spaces.
    /// Without one, every comment matches (newest first).
    pub query: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Order of the hits.
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// By words, by meaning, or both fused by reciprocal rank.
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    pub mode: ModeArg,
    /// Instead of a query: the comments nearest in meaning to this comment id.
    #[arg(long, value_name = "ID", conflicts_with_all = ["query", "mode", "sort"])]
    pub like: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// How many hits to show.
    #[arg(long, default_value_t = 10, env = "VERBATIM_LIMIT")]
    pub limit: usize,
    /// How many hits to skip (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortArg {
    /// Best match first (newest first without a query).
    Relevance,
    /// Newest first.
    Date,
}

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Keyword,
    Semantic,
    Hybrid,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let index = CommentIndex::open(&args.index)?;
    let request = SearchRequest {
        q: args.query.join(" "),
        filters: args.filters.into_filters(),
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
        },
        mode: match args.mode {
            ModeArg::Keyword => Mode::Keyword,
            ModeArg::Semantic => Mode::Semantic,
            ModeArg::Hybrid => Mode::Hybrid,
        },
        limit: args.limit,
        offset: args.offset,
    };
    let response = match &args.like {
        Some(id) => index
            .similar(id, &request.filters, request.limit, request.offset)?
            .with_context(|| format!("no comment with id `{id}`"))?,
        None if request.mode == Mode::Keyword || request.q.trim().is_empty() => {
            index.search(&request)?
        }
        None => {
            let analyzer = args.model.analyzer(5, false, false)?;
            index.search_with(&request, Some(&analyzer as &dyn QueryEncoder))?
        }
    };
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer(&mut w, &response)?;
            writeln!(w)?;
        }
        Format::Table => write_table(&mut w, &request, &response, terminal)?,
    }
    w.flush()?;
    Ok(())
}

fn write_table(
    w: &mut impl Write,
    request: &SearchRequest,
    r: &SearchResponse,
    terminal: bool,
) -> std::io::Result<()> {
    let shown = if r.hits.is_empty() {
        String::new()
    } else {
        format!(
            ", showing {}–{}",
            request.offset + 1,
            request.offset + r.hits.len()
        )
    };
    let noun = if r.total == 1 {
        "comment matches"
    } else {
        "comments match"
    };
    writeln!(w, "{} {noun}{shown}", r.total)?;
    write_hits(w, r, terminal)?;
    write_footer(w, r)
}

/// One aligned row per hit under a header (nothing when there are none).
fn write_hits(w: &mut impl Write, r: &SearchResponse, terminal: bool) -> std::io::Result<()> {
    if r.hits.is_empty() {
        return Ok(());
    }
    let id_width = r
        .hits
        .iter()
        .map(|h| super::width::width(&h.id))
        .max()
        .unwrap_or(2)
        .clamp(2, 24);
    writeln!(
        w,
        "{:>6}  {:<10}  {:<9} {:<7}  {:<id_width$}  snippet",
        "score", "date", "sentiment", "lang", "id"
    )?;
    for h in &r.hits {
        let score = h.score.map(|s| format!("{s:.2}")).unwrap_or_default();
        let date: String = h
            .created_at
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(10)
            .collect();
        let sentiment = h
            .analysis
            .sentiment
            .map(|s| s.label.as_str())
            .unwrap_or("-");
        let id = super::width::pad(super::width::cut(&h.id, id_width), id_width);
        let meaning = match h.matched {
            Some(Match::Semantic) => " (similar meaning)",
            _ => "",
        };
        writeln!(
            w,
            "{score:>6}  {date:<10}  {sentiment:<9} {:<7}  {id}  {}{meaning}",
            h.analysis.lang.code(),
            plain(&h.snippet, terminal)
        )?;
    }
    Ok(())
}

/// The suggested topic and the facet counts, largest first.
fn write_footer(w: &mut impl Write, r: &SearchResponse) -> std::io::Result<()> {
    if let Some(t) = &r.suggested_topic {
        writeln!(
            w,
            "suggested topic: {} comments in {} (--topic {})",
            t.count, t.name, t.id
        )?;
    }
    for (name, counts) in [
        ("sentiment", &r.facets.sentiment),
        ("topic", &r.facets.topic),
        ("lang", &r.facets.lang),
        ("channel", &r.facets.channel),
    ] {
        if counts.values().any(|n| *n > 0) {
            let mut pairs: Vec<(&String, &u64)> = counts.iter().collect();
            pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = pairs.iter().map(|(k, n)| format!("{k} {n}")).collect();
            writeln!(w, "{name}: {}", list.join(" · "))?;
        }
    }
    Ok(())
}

/// A snippet for a terminal: marks in bold (or [brackets] when not a terminal), entities
/// decoded, on one line.
fn plain(snippet: &str, terminal: bool) -> String {
    let (open, close) = if terminal {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    snippet
        .replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace(['\n', '\r'], " ")
}
