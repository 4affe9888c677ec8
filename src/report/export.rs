//! CSV exports: a report's [`Table`], or every comment a search matches.
//!
//! In: the request an export was made with (any `Serialize` request: its query, filters and
//! parameters) and the report's table, or the index, a query and filters. Out: UTF-8 CSV
//! bytes (docs/formats.md, "CSV exports"): a byte-order mark (so spreadsheets read it as
//! UTF-8), one line `# filters: key=value&…` recording the request, then a header row and
//! the rows. Text cells that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or CR, and not a number) get a leading `'`, as the web page's exports do.
//! The comment list holds at most [`MAX_EXPORT_COMMENTS`] comments, in index order, written
//! in chunks to a sink so that memory stays flat.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;
use tantivy::DocAddress;
use tantivy::collector::{Count, DocSetCollector};

use super::Table;
use crate::analysis::Analysis;
use crate::comment::Comment;
use crate::index::CommentIndex;
use crate::index::search::Filters;
use crate::{Error, Result};

/// The UTF-8 byte-order mark every export starts with.
pub const BOM: &str = "\u{feff}";
/// The most comments one export of the comment list holds.
pub const MAX_EXPORT_COMMENTS: usize = 100_000;
/// The columns of the comment list.
pub const COMMENT_COLUMNS: [&str; 13] = [
    "id",
    "created_at",
    "text",
    "lang",
    "sentiment",
    "score",
    "topics",
    "keywords",
    "nps",
    "csat",
    "channel",
    "customer_id",
    "attrs",
];
/// Bytes gathered before a chunk of the comment list goes to the sink.
const CHUNK_BYTES: usize = 64 * 1024;

/// `cell` as a spreadsheet may safely open it: a leading `'` before a formula trigger.
pub fn guard(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `# filters: key=value&…` for `request`'s non-empty fields, in name order; `&`, `=`, `%`,
/// commas, quotes, `#`, `+`, whitespace and controls percent-encoded, so the line is one
/// plain CSV cell (Chinese stays readable).
pub fn filters_line(request: &impl Serialize) -> String {
    let value = serde_json::to_value(request).unwrap_or(Value::Null);
    let mut pairs = Vec::new();
    for (key, v) in value.as_object().into_iter().flatten() {
        let items = match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for item in items {
            let text = match item {
                Value::Null => continue,
                Value::String(s) if s.trim().is_empty() => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push((key.clone(), format!("{}={}", encode(key), encode(&text))));
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let pairs: Vec<String> = pairs.into_iter().map(|(_, pair)| pair).collect();
    if pairs.is_empty() {
        "# filters: (none)".into()
    } else {
        format!("# filters: {}", pairs.join("&"))
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() || "&=%,\"#+'".contains(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The start of every export: the byte-order mark and the filters line.
fn preamble(filters_line: &str) -> Vec<u8> {
    format!("{BOM}{filters_line}\r\n").into_bytes()
}

fn writer(out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

fn record<'a>(w: &mut csv::Writer<Vec<u8>>, cells: impl Iterator<Item = &'a str>) -> Result<()> {
    w.write_record(cells.map(guard).map(|c| c.into_owned()))
        .map_err(csv_error)
}

/// A report's table as a CSV export; `filters_line` is [`filters_line`] of its request.
pub fn table_csv(filters_line: &str, table: &Table) -> Result<Vec<u8>> {
    let mut w = writer(preamble(filters_line));
    record(&mut w, table.header.iter().map(String::as_str))?;
    for row in &table.rows {
        record(&mut w, row.iter().map(String::as_str))?;
    }
    w.into_inner().map_err(csv_error)
}

/// What a comment-list export records: the search's query and filters.
#[derive(Serialize)]
struct Selection<'a> {
    q: &'a str,
    #[serde(flatten)]
    filters: &'a Filters,
}

/// Every comment matching `q` and `filters` as CSV, given to `sink` in chunks (it returns
/// false to stop: the client left). More than [`MAX_EXPORT_COMMENTS`] matches is an error
/// naming the count, raised before anything is written.
pub fn comments_csv(
    index: &CommentIndex,
    q: &str,
    filters: &Filters,
    sink: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<()> {
    let query = index.query(q, filters)?;
    let searcher = index.reader().searcher();
    let n = searcher.search(&*query, &Count)?;
    if n > MAX_EXPORT_COMMENTS {
        return Err(Error::User(format!(
            "`format=csv`: {n} comments match, more than the {MAX_EXPORT_COMMENTS} an export \
             holds; narrow the query or filters (a date range, say)"
        )));
    }
    let found: HashSet<DocAddress> = searcher.search(&*query, &DocSetCollector)?;
    let mut addresses: Vec<DocAddress> = found.into_iter().collect();
    addresses.sort_unstable();
    let mut w = writer(preamble(&filters_line(&Selection { q, filters })));
    record(&mut w, COMMENT_COLUMNS.into_iter())?;
    for address in addresses {
        let stored = index.stored(&searcher, address)?;
        let cells = comment_cells(&stored.comment, &stored.analysis);
        record(&mut w, cells.iter().map(String::as_str))?;
        if w.get_ref().len() >= CHUNK_BYTES {
            let chunk = std::mem::replace(&mut w, writer(Vec::new()));
            if !sink(chunk.into_inner().map_err(csv_error)?) {
                return Ok(());
            }
        }
    }
    let rest = w.into_inner().map_err(csv_error)?;
    sink(rest);
    Ok(())
}

/// One comment's cells, in [`COMMENT_COLUMNS`] order; lists are `;`-separated, topics as
/// `id:sentiment`, attributes as `key=value`.
fn comment_cells(c: &Comment, a: &Analysis) -> Vec<String> {
    let opt = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    let [topics, keywords] = crate::score::output::list_cells(a);
    let attrs: Vec<String> = c.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    vec![
        c.id.clone(),
        c.created_at.clone().unwrap_or_default(),
        c.text.clone(),
        a.lang.code().to_string(),
        a.sentiment
            .as_ref()
            .map(|s| s.label.as_str().to_string())
            .unwrap_or_default(),
        a.sentiment
            .as_ref()
            .map(|s| format!("{:.3}", s.score))
            .unwrap_or_default(),
        topics,
        keywords,
        opt(c.nps),
        opt(c.csat),
        c.channel.clone().unwrap_or_default(),
        c.customer_id.clone().unwrap_or_default(),
        attrs.join(";"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_leaves_numbers_and_plain_text_alone() {
        assert_eq!(guard("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(guard("@cmd"), "'@cmd");
        assert_eq!(guard("\tx"), "'\tx");
        assert_eq!(guard("-0.25"), "-0.25");
        assert_eq!(guard("-x"), "'-x");
        assert_eq!(guard("快递"), "快递");
    }

    #[test]
    fn filters_line_is_one_plain_cell() {
        let f = Filters {
            sentiment: Some("negative,neutral".into()),
            attrs: vec!["region=华南".into()],
            ..Filters::default()
        };
        let line = filters_line(&Selection {
            q: "a \"b\"",
            filters: &f,
        });
        assert_eq!(
            line,
            "# filters: attrs=region%3D华南&q=a%20%22b%22&sentiment=negative%2Cneutral"
        );
        assert_eq!(filters_line(&Filters::default()), "# filters: (none)");
    }
}
