//! Export: every stored comment with its analysis, streamed out of the index (the hand-off
//! to a warehouse or another engine, `verbatim export`, docs/cli.md).
//!
//! In: an open [`CommentIndex`], a query and filters (the search's; empty ones match
//! everything) and a sink. Out: one [`ExportRow`] per live matching comment, in index
//! order (segment by segment, documents by id), read one at a time from the last reloaded
//! commit, so memory stays flat whatever the index size and a concurrent writer never
//! shows a half-written state. Erased and replaced comments are not exported (tantivy's
//! alive bitset).
//!
//! [`export_jsonl`] writes the rows as JSON Lines: the comment's fields (`id`, `text`,
//! `created_at`, `nps`, `csat`, `channel`, `customer_id`, `attrs`) and its Analysis under
//! `analysis`, the same shape as `verbatim score`'s JSONL output.

use std::io::Write;

use serde::Serialize;
use tantivy::query::EnableScoring;
use tantivy::{DocSet, TERMINATED, TantivyDocument};

use super::filters::Filters;
use super::{CommentIndex, StoredComment};
use crate::analysis::Analysis;
use crate::comment::Comment;
use crate::{Error, Result};

/// One exported line: the comment's fields with the analysis beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    #[serde(flatten)]
    pub comment: Comment,
    pub analysis: Analysis,
}

impl From<StoredComment> for ExportRow {
    fn from(stored: StoredComment) -> Self {
        ExportRow {
            comment: stored.comment,
            analysis: stored.analysis,
        }
    }
}

/// Call `visit` with every live comment matching `q` and `filters`, one at a time; returns
/// how many were visited. An error from `visit` stops the walk and is returned.
pub fn for_each(
    index: &CommentIndex,
    q: &str,
    filters: &Filters,
    mut visit: impl FnMut(ExportRow) -> Result<()>,
) -> Result<u64> {
    let query = index.query(q, filters)?;
    let searcher = index.reader().searcher();
    let weight = query.weight(EnableScoring::disabled_from_searcher(&searcher))?;
    let mut visited = 0u64;
    for segment in searcher.segment_readers() {
        let store = segment
            .get_store_reader(1)
            .map_err(|e| Error::io(index.path(), e))?;
        let alive = segment.alive_bitset();
        let mut docs = weight.scorer(segment, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|bits| bits.is_alive(doc)) {
                let stored: TantivyDocument = store.get(doc)?;
                visit(index.parse_stored(&stored)?.into())?;
                visited += 1;
            }
            doc = docs.advance();
        }
    }
    Ok(visited)
}

/// Write every matching comment as one JSON line to `out` (buffer it); returns how many.
/// Write errors are returned as I/O errors on `target` (a file name, or `stdout`).
pub fn export_jsonl(
    index: &CommentIndex,
    q: &str,
    filters: &Filters,
    out: &mut impl Write,
    target: &str,
) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(target, e);
    let written = for_each(index, q, filters, |row| {
        serde_json::to_writer(&mut *out, &row).map_err(|e| io(e.into()))?;
        out.write_all(b"\n").map_err(io)
    })?;
    out.flush().map_err(io)?;
    Ok(written)
}
