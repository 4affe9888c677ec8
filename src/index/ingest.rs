//! `verbatim ingest`: a stream of comments read from a file ([`super::source`]) analysed in
//! parallel batches (the batching loop is [`crate::batches`], shared with `score`) and
//! stored through the writer's one storing path ([`CommentWriter::mask`],
//! [`CommentWriter::store`]), committed every `commit_every` comments, each commit reported
//! as durable.
//!
//! In: located comments (or the error that ends the stream), an [`Analyzer`], the batch and
//! commit sizes. Out: an [`IngestReport`] after each commit and at the end; a bad item
//! stops the ingest after what came before it is committed.

use super::CommentWriter;
use super::source::Located;
use crate::analyze::Analyzer;
use crate::batches::for_each_batch;
use crate::{Error, Result};

/// How [`CommentWriter::ingest`] groups its work.
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Comments analysed together (in parallel).
    pub batch_size: usize,
    /// Comments per commit (rounded up to whole batches): the unit of acknowledgement.
    pub commit_every: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch_size: 1000,
            commit_every: 10_000,
        }
    }
}

/// Where an ingest stands after a commit; everything counted here is durable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Comments committed so far.
    pub committed: u64,
    /// Commits made.
    pub commits: u64,
    /// The id of the last committed comment (comments are committed in input order).
    pub last_id: Option<String>,
    /// The input line of the last committed comment.
    pub last_line: Option<u64>,
}

impl CommentWriter {
    /// Ingest a stream of comments: analyse in parallel batches, commit every
    /// `commit_every` comments and call `on_commit` after each commit with what is now
    /// durable. A bad item stops the ingest: what came before it is committed first, and the
    /// error (naming file, line and field) is returned.
    pub fn ingest(
        &self,
        analyzer: &Analyzer,
        source: impl Iterator<Item = Result<Located>>,
        options: IngestOptions,
        mut on_commit: impl FnMut(&IngestReport),
    ) -> Result<IngestReport> {
        let mut report = IngestReport {
            committed: 0,
            commits: 0,
            last_id: None,
            last_line: None,
        };
        let mut pending = Pending::default();
        let mut stored = true;
        let result = for_each_batch(source, options.batch_size, |batch| {
            stored = false;
            let n = batch.len() as u64;
            pending.last = self.ingest_batch(analyzer, batch)?;
            pending.count += n;
            if pending.count >= options.commit_every as u64 {
                self.commit_pending(&mut pending, &mut report, &mut on_commit)?;
            }
            stored = true;
            Ok(())
        });
        // What came before a bad item is committed before its error is returned; after a
        // batch that failed to store or commit, nothing more is tried.
        if stored && pending.count > 0 {
            self.commit_pending(&mut pending, &mut report, &mut on_commit)?;
        }
        result.map(|()| report)
    }

    /// Analyse and store one batch (not committed); an analysis error names its lines.
    /// Returns the id and line of its last comment.
    fn ingest_batch(
        &self,
        analyzer: &Analyzer,
        batch: Vec<Located>,
    ) -> Result<Option<(String, u64)>> {
        let lines = batch
            .first()
            .zip(batch.last())
            .map(|(a, b)| (a.line, b.line));
        let last = batch.last().map(|l| (l.comment.id.clone(), l.line));
        let masked = self.mask(batch.into_iter().map(|l| l.comment).collect());
        let analyses = analyzer
            .analyze(&masked.inputs())
            .map_err(|e| match lines {
                Some((a, b)) => Error::User(format!("lines {a}–{b}: {e}")),
                None => e,
            })?;
        self.store(masked, analyses, Some(analyzer.analysis_version()))?;
        Ok(last)
    }

    /// Commit what is pending and tell `on_commit`.
    fn commit_pending(
        &self,
        pending: &mut Pending,
        report: &mut IngestReport,
        on_commit: &mut impl FnMut(&IngestReport),
    ) -> Result<()> {
        self.commit()?;
        report.committed += pending.count;
        report.commits += 1;
        if let Some((id, line)) = pending.last.take() {
            report.last_id = Some(id);
            report.last_line = Some(line);
        }
        pending.count = 0;
        on_commit(report);
        Ok(())
    }
}

/// Comments stored since the last commit: how many, and the id and line of the last.
#[derive(Default)]
struct Pending {
    count: u64,
    last: Option<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comment::Comment;
    use crate::index::CommentIndex;

    #[test]
    fn ingest_commits_in_groups_and_reports_each_commit() {
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(dir.path()).unwrap();
        let writer = index.writer().unwrap();
        let analyzer = Analyzer::text_only(crate::analyze::Options::default());
        let source = (1..=7).map(|i| {
            Ok(Located {
                line: i,
                comment: Comment::new(format!("c{i}"), "发票"),
            })
        });
        let options = IngestOptions {
            batch_size: 2,
            commit_every: 3,
        };
        let mut seen = Vec::new();
        let report = writer
            .ingest(&analyzer, source, options, |r| seen.push(r.committed))
            .unwrap();
        // Batches of 2; a commit once 3 or more are pending, and at the end.
        assert_eq!(seen, [4, 7]);
        assert_eq!(report.last_id.as_deref(), Some("c7"));
        assert_eq!(index.num_comments(), 7);
    }
}
