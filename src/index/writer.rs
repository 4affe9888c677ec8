//! Writing comments: replace by id, delete by id or by customer, and commits that make writes durable.
//!
//! In: [`Comment`]s, analysed here by the caller's [`Analyzer`] (or already analysed). Out:
//! documents in the index, and acknowledgements only after the commit that holds them.
//!
//! Durability is commit-before-acknowledge with grouped commits: the API's
//! `POST /v1/comments` (which analyses on its own worker pool) adds its comments and calls
//! [`CommentWriter::commit_through`], as [`CommentWriter::write`] (analyse, add, commit; for
//! library callers) does; either returns only after a tantivy commit that includes its
//! comments, and concurrent callers share one commit: whoever commits first carries every
//! write added before it. [`CommentWriter::ingest`] (`verbatim ingest`) commits once every
//! `commit_every` comments and reports each commit; `verbatim score --index` adds each chunk
//! and commits it. A tantivy commit writes and
//! fsyncs the new segment files, then atomically replaces `meta.json`; we also fsync the
//! directory so the rename itself survives a power cut. A `kill -9` at any moment leaves
//! the last commit intact, and the files of an unfinished one are garbage-collected when a
//! writer next opens the index.
//!
//! PII is masked before analysis and storage ([`crate::text::pii`]): every path that stores
//! new comments ([`CommentWriter::write`], [`CommentWriter::ingest`] in `ingest.rs`, the
//! scorer, the API) calls [`CommentWriter::mask`] (the types of the writer's [`Redaction`],
//! all by default), analyses the masked texts and calls [`CommentWriter::store`], which
//! records the findings in each analysis (`pii`). [`CommentWriter::add`] stores what it is
//! given (a reindex keeps stored texts as they are).
//!
//! Each comment is stored with its analysis version ([`crate::analyze::version`]):
//! [`CommentWriter::write`] and [`CommentWriter::ingest`] take it from their analyzer,
//! [`CommentWriter::add`] from [`CommentWriter::set_analysis_version`] (the server's and the
//! scorer's analyzer), [`CommentWriter::add_as`] from its caller (a reindex carries it over).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexWriter, Opstamp, Term};

use super::{CommentIndex, lock_error};
use crate::analysis::{Analysis, Input};
use crate::analyze::Analyzer;
use crate::analyze::version::AnalysisVersion;
use crate::comment::Comment;
use crate::text::pii::{self, PiiSpan, Redaction};
use crate::{Error, Result};

/// The one writer of an index (it holds the index's write lock until dropped).
pub struct CommentWriter {
    index: CommentIndex,
    writer: RwLock<IndexWriter>,
    /// The opstamp of the last commit: every operation stamped below it is durable.
    committed: Mutex<Opstamp>,
    /// The PII types masked before storage, as a [`Redaction`]'s bits.
    redaction: AtomicU8,
    /// The analysis version [`CommentWriter::add`] records (`None`: not recorded).
    version: RwLock<Option<Arc<AnalysisVersion>>>,
}

fn poisoned<T>(_: T) -> Error {
    Error::Internal("index writer lock poisoned by a panic".into())
}

impl CommentWriter {
    pub(super) fn new(
        index: CommentIndex,
        threads: Option<usize>,
        memory_bytes: usize,
    ) -> Result<CommentWriter> {
        let writer: Result<IndexWriter, _> = match threads {
            // tantivy wants at least 15 MB per indexing thread.
            Some(n) => index
                .index
                .writer_with_num_threads(n.max(1), memory_bytes.max(n.max(1) * (16 << 20))),
            None => index.index.writer(memory_bytes),
        };
        let writer = writer.map_err(|e| lock_error(&index.path, e))?;
        let committed = writer.commit_opstamp();
        Ok(CommentWriter {
            index,
            writer: RwLock::new(writer),
            committed: Mutex::new(committed),
            redaction: AtomicU8::new(Redaction::default().bits()),
            version: RwLock::new(None),
        })
    }

    /// Which PII types [`CommentWriter::write`], [`CommentWriter::ingest`] and
    /// [`CommentWriter::redact`] mask (default: all; [`Redaction::NONE`] turns it off).
    pub fn set_redaction(&self, redaction: Redaction) {
        self.redaction.store(redaction.bits(), Ordering::Relaxed);
    }

    /// The version of the analyzer whose analyses [`CommentWriter::add`] is given
    /// ([`Analyzer::version_handle`]), recorded with each comment.
    pub fn set_analysis_version(&self, version: Arc<AnalysisVersion>) {
        if let Ok(mut v) = self.version.write() {
            *v = Some(version);
        }
    }

    /// The PII types this writer masks.
    pub fn redaction(&self) -> Redaction {
        Redaction::from_bits(self.redaction.load(Ordering::Relaxed))
    }

    /// Mask the PII of `comments` in place (the writer's redaction); the spans found in each
    /// (character offsets into its text as given), for [`record_pii`].
    pub fn redact(&self, comments: &mut [Comment]) -> Vec<Vec<PiiSpan>> {
        comments
            .iter_mut()
            .map(|c| self.redact_text(&mut c.text))
            .collect()
    }

    /// Mask the PII of one text in place; the spans found.
    pub fn redact_text(&self, text: &mut String) -> Vec<PiiSpan> {
        let r = pii::redact(text, self.redaction());
        if !r.findings.is_empty() {
            *text = r.text.clone();
        }
        r.spans()
    }

    /// The index this writer writes to.
    pub fn index(&self) -> &CommentIndex {
        &self.index
    }

    /// Add an analysed comment, replacing any comment with the same id. Not durable until a
    /// commit: returns the operation's stamp for [`CommentWriter::commit_through`].
    pub fn add(&self, comment: &Comment, analysis: &Analysis) -> Result<Opstamp> {
        let version = self.version.read().map_err(poisoned)?.clone();
        self.add_as(
            comment,
            analysis,
            version.as_deref().map(AnalysisVersion::get),
        )
    }

    /// [`CommentWriter::add`], recording `version` as the analysis version.
    pub fn add_as(
        &self,
        comment: &Comment,
        analysis: &Analysis,
        version: Option<&str>,
    ) -> Result<Opstamp> {
        let created_at = comment.validate()?;
        let fields = &self.index.fields;
        let doc = fields.document(comment, created_at, analysis, version)?;
        let writer = self.writer.read().map_err(poisoned)?;
        writer.delete_term(Term::from_field_text(fields.id, &comment.id));
        Ok(writer.add_document(doc)?)
    }

    /// Commit everything added so far; returns when it is durable and searchable.
    pub fn commit(&self) -> Result<()> {
        let committed = self.committed.lock().map_err(poisoned)?;
        self.commit_locked(committed)
    }

    /// Make every operation stamped up to `opstamp` durable, committing only if no commit
    /// since has already carried it (group commit).
    pub fn commit_through(&self, opstamp: Opstamp) -> Result<()> {
        let committed = self.committed.lock().map_err(poisoned)?;
        if *committed > opstamp {
            return Ok(());
        }
        self.commit_locked(committed)
    }

    fn commit_locked(&self, mut committed: std::sync::MutexGuard<'_, Opstamp>) -> Result<()> {
        let stamp = self.writer.write().map_err(poisoned)?.commit()?;
        sync_dir(&self.index.path)?;
        // Reload before releasing the lock: a writer whose operations this commit carried
        // returns as soon as it gets the lock, and must find them searchable.
        self.index.reload()?;
        *committed = stamp;
        Ok(())
    }

    /// Analyse, store and commit `comments` (replacing those with the same ids); returns once
    /// they are durable. Nothing is written if any comment is invalid; the error names the
    /// item and the field.
    pub fn write(&self, analyzer: &Analyzer, comments: &[Comment]) -> Result<()> {
        for (i, c) in comments.iter().enumerate() {
            c.validate()
                .map_err(|e| Error::User(format!("item {} (id {:?}): {e}", i + 1, c.id)))?;
        }
        let masked = self.mask(comments.to_vec());
        let analyses = analyzer.analyze(&masked.inputs())?;
        let version = Some(analyzer.analysis_version());
        match self.store(masked, analyses, version)?.1 {
            Some(stamp) => self.commit_through(stamp),
            None => Ok(()),
        }
    }

    /// `comments` with their PII masked by the writer's redaction, ready to be analysed
    /// ([`Masked::inputs`]) and then stored ([`CommentWriter::store`]): every path that
    /// stores comments (ingest, score --index, the API) goes through these two.
    pub fn mask(&self, mut comments: Vec<Comment>) -> Masked {
        let found = self.redact(&mut comments);
        Masked { comments, found }
    }

    /// Add masked comments with their analyses (in the same order), each analysis listing
    /// what was masked; `version` names the analyzer (`None`: the writer's own, see
    /// [`CommentWriter::set_analysis_version`]). Not durable until a commit: returns the
    /// analyses and the last operation's stamp (`None` for no comment).
    pub fn store(
        &self,
        masked: Masked,
        mut analyses: Vec<Analysis>,
        version: Option<&str>,
    ) -> Result<(Vec<Analysis>, Option<Opstamp>)> {
        for (analysis, spans) in analyses.iter_mut().zip(masked.found) {
            analysis.pii = spans;
        }
        let mut last = None;
        for (c, a) in masked.comments.iter().zip(&analyses) {
            last = Some(match version {
                Some(v) => self.add_as(c, a, Some(v))?,
                None => self.add(c, a)?,
            });
        }
        Ok((analyses, last))
    }

    /// Delete the comment with this id (if any); returns once the deletion is durable.
    pub fn delete(&self, id: &str) -> Result<()> {
        let stamp = {
            let writer = self.writer.read().map_err(poisoned)?;
            writer.delete_term(Term::from_field_text(self.index.fields.id, id))
        };
        self.commit_through(stamp)
    }

    /// Delete every comment of `customer_id` ([`super::erase::check`]ed first); returns how
    /// many, once the deletion is durable and searchers see it. Writers wait meanwhile, so
    /// the count is exact: comments of the customer added but not yet committed are
    /// committed first, then counted and deleted with the others. The segments that held
    /// them are then merged, so that their bytes leave the disk too.
    pub fn erase_customer(&self, customer_id: &str) -> Result<super::erase::Erasure> {
        super::erase::check("customer_id", customer_id)?;
        let mut committed = self.committed.lock().map_err(poisoned)?;
        let mut writer = self.writer.write().map_err(poisoned)?;
        writer.commit()?;
        self.index.reload()?;
        let term = Term::from_field_text(self.index.fields.customer_id, customer_id);
        let query = TermQuery::new(term.clone(), IndexRecordOption::Basic);
        let searcher = self.index.reader.searcher();
        let deleted = searcher.search(&query, &Count)? as u64;
        let mut holding = Vec::new();
        for segment in searcher.segment_readers() {
            let postings = segment.inverted_index(self.index.fields.customer_id)?;
            let held = postings
                .doc_freq(&term)
                .map_err(|e| Error::io(&self.index.path, e))?;
            if held > 0 {
                holding.push(segment.segment_id());
            }
        }
        if deleted > 0 {
            writer.delete_term(term);
        }
        *committed = writer.commit()?;
        sync_dir(&self.index.path)?;
        // A segment all of whose comments went is already gone; merging it would fail the
        // whole merge and leave the others' bytes on disk.
        let live = self.index.index.searchable_segment_ids()?;
        holding.retain(|id| live.contains(id));
        // Rewrite the segments that held them, so their bytes leave the disk now rather than
        // at some later merge. The deletion is already durable: if a background merge holds
        // one of them, that merge drops the deleted documents instead.
        if !holding.is_empty() && writer.merge(&holding).wait().is_ok() {
            let _ = writer.garbage_collect_files().wait();
            sync_dir(&self.index.path)?;
        }
        self.index.reload()?;
        Ok(super::erase::Erasure {
            customer_id: customer_id.to_string(),
            deleted,
        })
    }

    /// Run `f` with every other write of this writer held off: what was added before is
    /// committed first (and searchable), `f` deletes and adds through the index writer, and
    /// its work is committed (or rolled back on error) before the others resume. For a
    /// re-analysis, which replaces a comment only if it is still as it was read.
    pub(super) fn exclusive<T>(&self, f: impl FnOnce(&mut IndexWriter) -> Result<T>) -> Result<T> {
        let mut committed = self.committed.lock().map_err(poisoned)?;
        let mut writer = self.writer.write().map_err(poisoned)?;
        *committed = writer.commit()?;
        self.index.reload()?;
        let out = match f(&mut writer) {
            Ok(out) => out,
            Err(e) => {
                let _ = writer.rollback();
                return Err(e);
            }
        };
        *committed = writer.commit()?;
        sync_dir(&self.index.path)?;
        self.index.reload()?;
        Ok(out)
    }

    /// Wait for background merges and release the write lock.
    pub fn finish(self) -> Result<()> {
        let writer = self.writer.into_inner().map_err(poisoned)?;
        writer.wait_merging_threads()?;
        Ok(())
    }
}

/// Comments masked by [`CommentWriter::mask`], with what was masked in each.
#[derive(Debug)]
pub struct Masked {
    comments: Vec<Comment>,
    found: Vec<Vec<PiiSpan>>,
}

impl Masked {
    /// What the analyzer reads: the masked texts with their ids.
    pub fn inputs(&self) -> Vec<Input> {
        self.comments.iter().map(Comment::input).collect()
    }
}

/// Make a rename in `dir` durable (tantivy syncs the files it writes, not the directory
/// entry of the `meta.json` it renames into place).
pub(super) fn sync_dir(dir: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_index_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<CommentWriter>();
        shared::<CommentIndex>();
    }

    #[test]
    fn concurrent_writes_share_commits_and_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(dir.path()).unwrap();
        let writer = index.writer().unwrap();
        let analyzer = Analyzer::text_only(crate::analyze::Options::default());
        std::thread::scope(|s| {
            for t in 0..4 {
                let (writer, analyzer) = (&writer, &analyzer);
                s.spawn(move || {
                    for i in 0..5 {
                        let c = Comment::new(format!("{t}-{i}"), format!("配送太慢 {t} {i}"));
                        writer.write(analyzer, &[c]).unwrap();
                        // Acknowledged means searchable and durable now.
                        assert!(writer.index().get(&format!("{t}-{i}")).unwrap().is_some());
                    }
                });
            }
        });
        assert_eq!(index.num_comments(), 20);
    }
}
