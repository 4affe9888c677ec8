//! Re-analysis after a model or taxonomy change: every comment whose stored analysis
//! version ([`crate::analyze::version`]) differs from the analyzer's is analysed again from
//! its stored text and replaced, batch by batch, each batch committed.
//!
//! In: a [`CommentWriter`] (the CLI's own, or the server's, which holds the index's write
//! lock for its life) and an [`Analyzer`]. Out: the same comments (id, text, dates, scores,
//! channel, customer id, attributes unchanged) with a new analysis, vector and version, and
//! a [`ReanalyzeReport`]; [`version_counts`] counts the comments per version (`--dry-run`).
//!
//! Resumable by construction: the stale comments are those still carrying another version,
//! so an interrupted run (kill, crash, `--limit`) loses at most the batch in flight and the
//! next run picks up the rest. Each batch is read and analysed (the slow part; other writes
//! go on meanwhile), then written under [`CommentWriter::exclusive`]: a comment deleted,
//! erased or replaced since it was read is left as it now is, never resurrected or
//! overwritten (counted as `skipped`). Stored texts already have their PII masked; the spans
//! recorded at ingest are kept. An index made before versions were recorded is refused with
//! the way forward (`verbatim reindex`, which adds the field).

use std::collections::{BTreeMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, IndexWriter, Searcher, TantivyDocument, Term};

use super::schema::VERSION_FIELD;
use super::{CommentIndex, CommentWriter};
use crate::analysis::Analysis;
use crate::analyze::Analyzer;
use crate::analyze::version::UNKNOWN;
use crate::comment::Comment;
use crate::{Error, Result};

/// Comments analysed and committed together by default.
pub const DEFAULT_BATCH: usize = 256;
/// The largest batch accepted.
pub const MAX_BATCH: usize = 10_000;

/// How a re-analysis runs.
#[derive(Debug, Clone, Copy)]
pub struct ReanalyzeOptions {
    /// Comments per batch (analysed together, then committed).
    pub batch: usize,
    /// Stop after this many comments (the rest stay stale for the next run).
    pub limit: Option<u64>,
}

impl Default for ReanalyzeOptions {
    fn default() -> Self {
        ReanalyzeOptions {
            batch: DEFAULT_BATCH,
            limit: None,
        }
    }
}

/// How many comments carry one analysis version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct VersionCount {
    /// The version (`unknown`: stored before versions were recorded).
    pub version: String,
    pub n: u64,
}

/// Where a re-analysis stands; everything counted is committed.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct ReanalyzeReport {
    /// The version comments are brought to.
    pub version: String,
    /// Stale comments when the run started.
    pub stale: u64,
    /// Comments analysed again and replaced.
    pub reanalyzed: u64,
    /// Comments changed or deleted by someone else since they were read (left as they are).
    pub skipped: u64,
    /// Batches committed.
    pub batches: u64,
    /// Comments still stale (at the end: for a later run, e.g. after `limit`).
    pub remaining: u64,
}

/// The comments per analysis version (most first), over every live comment.
pub fn version_counts(index: &CommentIndex) -> Result<Vec<VersionCount>> {
    let searcher = index.reader().searcher();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().str(VERSION_FIELD)?;
        let mut per_ord: BTreeMap<Option<u64>, u64> = BTreeMap::new();
        for doc in segment.doc_ids_alive() {
            let ord = column.as_ref().and_then(|c| c.term_ords(doc).next());
            *per_ord.entry(ord).or_default() += 1;
        }
        for (ord, n) in per_ord {
            let mut name = String::new();
            let known = match (&column, ord) {
                (Some(c), Some(o)) => c.ord_to_str(o, &mut name).map_err(|e| io(index, e))?,
                _ => false,
            };
            let name = if known { name } else { UNKNOWN.to_string() };
            *counts.entry(name).or_default() += n;
        }
    }
    Ok(sorted(counts))
}

/// Counts as a list, most first, then by name.
pub fn sorted(counts: BTreeMap<String, u64>) -> Vec<VersionCount> {
    let mut list: Vec<VersionCount> = counts
        .into_iter()
        .map(|(version, n)| VersionCount { version, n })
        .collect();
    list.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.version.cmp(&b.version)));
    list
}

/// How many live comments carry another version than `current`.
pub fn stale_count(index: &CommentIndex, current: &str) -> Result<u64> {
    Ok(version_counts(index)?
        .iter()
        .filter(|c| c.version != current)
        .map(|c| c.n)
        .sum())
}

/// Refuse an index made before versions were recorded, saying how to go on.
pub fn check_supported(index: &CommentIndex) -> Result<()> {
    if index.fields().version.is_some() {
        return Ok(());
    }
    let dir = index.path().display();
    Err(Error::User(format!(
        "{dir} was built before analysis versions were recorded: run `verbatim reindex \
         --index {dir}` first (it keeps every comment and analysis), then reanalyze"
    )))
}

/// Analyse again every comment of `writer`'s index whose version is not `analyzer`'s, in
/// batches; `on_batch` is called after each commit.
pub fn reanalyze(
    writer: &CommentWriter,
    analyzer: &Analyzer,
    options: ReanalyzeOptions,
    mut on_batch: impl FnMut(&ReanalyzeReport),
) -> Result<ReanalyzeReport> {
    let index = writer.index();
    check_supported(index)?;
    let version = analyzer.analysis_version().to_string();
    let batch = options.batch.clamp(1, MAX_BATCH);
    let mut report = ReanalyzeReport {
        stale: stale_count(index, &version)?,
        version,
        ..ReanalyzeReport::default()
    };
    report.remaining = report.stale;
    // Comments changed under us are not read again in this run.
    let mut passed: HashSet<String> = HashSet::new();
    loop {
        let left = options
            .limit
            .map_or(u64::MAX, |l| l.saturating_sub(report.reanalyzed));
        let want = batch.min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            break;
        }
        let start = std::time::Instant::now();
        let items = next_stale(index, &report.version, want, &passed)?;
        if items.is_empty() {
            break;
        }
        let read = start.elapsed().as_secs_f64();
        let (done, skipped) = rewrite(writer, analyzer, &report.version, items, &mut passed)?;
        tracing::debug!(
            read_s = read,
            total_s = start.elapsed().as_secs_f64(),
            done,
            "reanalyze batch"
        );
        report.reanalyzed += done;
        report.skipped += skipped;
        report.batches += 1;
        report.remaining = report
            .stale
            .saturating_sub(report.reanalyzed + report.skipped);
        on_batch(&report);
    }
    report.remaining = stale_count(index, &report.version)?;
    Ok(report)
}

/// A stale comment as read: its stored JSON (to see whether it changed), its version, and
/// the parsed comment and analysis.
struct Stale {
    json: String,
    version: Option<String>,
    comment: Comment,
    analysis: Analysis,
}

/// Up to `n` stale comments not in `passed`, in index order.
fn next_stale(
    index: &CommentIndex,
    current: &str,
    n: usize,
    passed: &HashSet<String>,
) -> Result<Vec<Stale>> {
    let searcher = index.reader().searcher();
    let mut out = Vec::new();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        let column = segment.fast_fields().str(VERSION_FIELD)?;
        let current_ord = match &column {
            Some(c) => c.dictionary().term_ord(current).map_err(|e| io(index, e))?,
            None => None,
        };
        for doc in segment.doc_ids_alive() {
            let ord = column.as_ref().and_then(|c| c.term_ords(doc).next());
            if current_ord.is_some() && ord == current_ord {
                continue;
            }
            let address = DocAddress::new(ordinal as u32, doc);
            let stale = read(index, &searcher, address)?;
            if passed.contains(&stale.comment.id) {
                continue;
            }
            out.push(stale);
            if out.len() == n {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

fn read(index: &CommentIndex, searcher: &Searcher, address: DocAddress) -> Result<Stale> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let json = doc
        .get_first(index.fields().comment)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let stored = index.parse_stored(&doc)?;
    Ok(Stale {
        json,
        version: index.fields().version_of(&doc),
        comment: stored.comment,
        analysis: stored.analysis,
    })
}

/// Analyse `items` and replace those still as they were read; (replaced, skipped).
fn rewrite(
    writer: &CommentWriter,
    analyzer: &Analyzer,
    version: &str,
    items: Vec<Stale>,
    passed: &mut HashSet<String>,
) -> Result<(u64, u64)> {
    let inputs: Vec<_> = items.iter().map(|s| s.comment.input()).collect();
    let mut analyses = analyzer.analyze(&inputs)?;
    for (analysis, item) in analyses.iter_mut().zip(&items) {
        analysis.pii = item.analysis.pii.clone();
        analysis.redacted = item.analysis.redacted.clone();
    }
    let index = writer.index();
    let start = std::time::Instant::now();
    let out = writer.exclusive(|w: &mut IndexWriter| {
        let searcher = index.reader().searcher();
        let (mut done, mut skipped) = (0, 0);
        for (item, analysis) in items.iter().zip(&analyses) {
            passed.insert(item.comment.id.clone());
            if !unchanged(index, &searcher, item)? {
                skipped += 1;
                continue;
            }
            let created_at = item.comment.validate()?;
            let doc =
                index
                    .fields()
                    .document(&item.comment, created_at, analysis, Some(version))?;
            w.delete_term(Term::from_field_text(index.fields().id, &item.comment.id));
            w.add_document(doc)?;
            done += 1;
        }
        Ok((done, skipped))
    });
    tracing::debug!(
        write_s = start.elapsed().as_secs_f64(),
        "reanalyze batch written and committed"
    );
    out
}

/// Whether the comment is still stored exactly as `item` was read (same JSON and version).
fn unchanged(index: &CommentIndex, searcher: &Searcher, item: &Stale) -> Result<bool> {
    let term = Term::from_field_text(index.fields().id, &item.comment.id);
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    let Some((_, address)) = top.first() else {
        return Ok(false);
    };
    let now = read(index, searcher, *address)?;
    Ok(now.json == item.json && now.version == item.version)
}

fn io(index: &CommentIndex, e: std::io::Error) -> Error {
    Error::io(index.path(), e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Options;

    #[test]
    fn a_comment_deleted_or_replaced_after_it_was_read_is_left_as_it_now_is() {
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(dir.path()).unwrap();
        let writer = index.writer().unwrap();
        let analyzer = Analyzer::text_only(Options::default());
        for id in ["a", "b", "c"] {
            let c = Comment::new(id, "配送太慢");
            let a = analyzer.analyze_one(&c.input()).unwrap();
            writer.add_as(&c, &a, Some("old")).unwrap();
        }
        writer.commit().unwrap();
        let items = next_stale(&index, "text-only", 10, &HashSet::new()).unwrap();
        assert_eq!(items.len(), 3);
        // Meanwhile: `a` is deleted (erased), `b` replaced with a new text.
        writer.delete("a").unwrap();
        writer
            .write(&analyzer, &[Comment::new("b", "发票开错了")])
            .unwrap();
        let mut passed = HashSet::new();
        let (done, skipped) = rewrite(&writer, &analyzer, "text-only", items, &mut passed).unwrap();
        assert_eq!((done, skipped), (1, 2));
        assert!(index.get("a").unwrap().is_none(), "resurrected");
        assert_eq!(index.get("b").unwrap().unwrap().comment.text, "发票开错了");
        let counts = version_counts(&index).unwrap();
        assert_eq!(
            counts,
            [VersionCount {
                version: "text-only".into(),
                n: 2
            }]
        );
        // A run finds nothing left to do.
        let report = reanalyze(&writer, &analyzer, ReanalyzeOptions::default(), |_| {}).unwrap();
        assert_eq!((report.stale, report.reanalyzed), (0, 0));
    }
}
