//! Rebuilding an index built by another version of Verbatim (another schema, or another
//! text analysis) from what it stores. Every comment and its analysis are stored as JSON,
//! so nothing is analysed again (no model needed) and nothing is lost; each comment keeps
//! its analysis version (`unknown` when the old index did not record one: `verbatim
//! reanalyze` then brings them up to date).
//!
//! In: the directory of an index. Out: the same directory holding an index of the current
//! schema with the same comments and analyses, the old index kept beside it as
//! `<dir>.pre-reindex` until the user deletes it, and a [`ReindexReport`].
//!
//! Steps: take the old index's write lock (no one writes meanwhile); write every live
//! comment into a new index in `<dir>.reindex`, committing every [`COMMIT_EVERY`]; check
//! that the counts agree; rename `<dir>` to `<dir>.pre-reindex` and `<dir>.reindex` to
//! `<dir>`; fsync the parent directory. A crash before the renames leaves the old index in
//! place (a failed copy removes its half-built `<dir>.reindex`; one left by a crash is
//! refused by name at the next try); between the two renames (microseconds) the old index
//! is whole under its backup name.

use std::path::{Path, PathBuf};

use tantivy::directory::{Directory, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::schema::Value;
use tantivy::{DocAddress, Index, TantivyDocument};

use super::schema::schema;
use super::{CommentIndex, open_error, writer::sync_dir};
use crate::analysis::Analysis;
use crate::comment::Comment;
use crate::{Error, Result};

/// Comments written between two commits of the new index.
pub const COMMIT_EVERY: u64 = 10_000;

/// What a reindex did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReindexReport {
    /// Comments carried over.
    pub comments: u64,
    /// Where the old index now is.
    pub backup: PathBuf,
}

/// Whether the index at `dir` was built with the current schema and text analysis.
pub fn is_current(dir: &Path) -> Result<bool> {
    let index = open_any(dir)?;
    Ok(index.schema() == schema())
}

/// `<dir><suffix>`, beside `dir`.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    dir.with_file_name(name)
}

fn open_any(dir: &Path) -> Result<Index> {
    if !dir.join("meta.json").is_file() {
        return Err(Error::User(format!("no index at {}", dir.display())));
    }
    Index::open_in_dir(dir).map_err(|e| open_error(dir, e))
}

/// Rebuild the index at `dir` with the current schema from its stored comments.
pub fn reindex(dir: &Path) -> Result<ReindexReport> {
    let old = open_any(dir)?;
    let temp = sibling(dir, ".reindex");
    let backup = sibling(dir, ".pre-reindex");
    for path in [&temp, &backup] {
        if path.exists() {
            return Err(Error::User(format!(
                "{} is in the way (left by an earlier reindex?): move or delete it first",
                path.display()
            )));
        }
    }
    let lock = MmapDirectory::open(dir)
        .map_err(|e| open_error(dir, e.into()))?
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|_| Error::Locked {
            path: dir.to_path_buf(),
        })?;
    let comments = copy(&old, dir, &temp).inspect_err(|_| {
        // Only our own half-built index goes; the old one was never touched.
        let _ = std::fs::remove_dir_all(&temp);
    })?;
    drop(lock);
    drop(old);
    std::fs::rename(dir, &backup).map_err(|e| Error::io(dir, e))?;
    std::fs::rename(&temp, dir).map_err(|e| Error::io(&temp, e))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(ReindexReport { comments, backup })
}

/// Write every live comment of `old` into a new index at `temp`; returns how many.
fn copy(old: &Index, dir: &Path, temp: &Path) -> Result<u64> {
    let old_schema = old.schema();
    let field = |name: &str| {
        old_schema.get_field(name).map_err(|_| {
            Error::User(format!(
                "{} is not a Verbatim index (it stores no `{name}`)",
                dir.display()
            ))
        })
    };
    let (comment_field, analysis_field) = (field("comment")?, field("analysis")?);
    // Carried over when the old index recorded it; otherwise left unrecorded (`unknown`).
    let version_field = old_schema.get_field(super::schema::VERSION_FIELD).ok();
    let searcher = old.reader()?.searcher();
    let new = CommentIndex::open_or_create(temp)?;
    let writer = new.writer()?;
    let mut written = 0u64;
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        for doc_id in segment.doc_ids_alive() {
            let doc: TantivyDocument = searcher.doc(DocAddress::new(ordinal as u32, doc_id))?;
            let json = |f| {
                doc.get_first(f).and_then(|v| v.as_str()).ok_or_else(|| {
                    Error::Internal(format!("{}: a document without its JSON", dir.display()))
                })
            };
            let bad = |e: serde_json::Error| Error::Internal(format!("{}: {e}", dir.display()));
            let comment: Comment = serde_json::from_str(json(comment_field)?).map_err(bad)?;
            let analysis: Analysis = serde_json::from_str(json(analysis_field)?).map_err(bad)?;
            let version = version_field
                .and_then(|f| doc.get_first(f))
                .and_then(|v| v.as_str());
            writer.add_as(&comment, &analysis, version)?;
            written += 1;
            if written.is_multiple_of(COMMIT_EVERY) {
                writer.commit()?;
            }
        }
    }
    writer.commit()?;
    writer.finish()?;
    new.reload()?;
    if new.num_comments() != searcher.num_docs() {
        return Err(Error::Internal(format!(
            "reindex of {} wrote {} comments of {}; the old index is untouched",
            dir.display(),
            new.num_comments(),
            searcher.num_docs()
        )));
    }
    Ok(written)
}
