//! The comment store: comments with their analysis in a tantivy index on disk, searched
//! with bilingual full-text queries, filters, facet counts and highlighted snippets.
//!
//! In: [`Comment`]s and their [`crate::analysis::Analysis`] (through a [`CommentWriter`]),
//! queries (a [`SearchRequest`]). Out: durable documents, a [`SearchResponse`], one stored
//! comment by id.
//!
//! - [`schema`]: the fields and how a comment becomes a document;
//! - [`tokenizer`]: the `verbatim` tokenizer over our segmenter (search mode, 繁→简,
//!   English stemming), registered by name and used for indexing, queries and snippets;
//! - [`chars`]: Chinese characters and character pairs (the `chars` field), so that words
//!   inside jieba's words are found;
//! - [`writer`]: replace-by-id writes, grouped commits, acknowledged only once durable;
//! - [`erase`]: every comment of a customer deleted (erasure), with its audit line;
//! - [`export`]: every stored comment with its analysis, streamed (`verbatim export`;
//!   `export_parquet` with the `parquet` feature);
//! - [`reindex`]: an index built by another version rebuilt from its stored comments;
//! - [`reanalyze`]: comments analysed by another model or taxonomy analysed again;
//! - [`search`]: the request and response types (serde, shared with the API) and the search;
//! - [`vectors`], `knn`, [`fusion`], [`topical`], `similar`: each comment's quantised
//!   vector, exact nearest neighbours under the filters, hybrid search by reciprocal rank
//!   fusion (with the neighbours that carry the query's topic), "more like this";
//! - [`source`]: reading JSONL and CSV comment files.
//!
//! ```
//! use verbatim::analyze::{Analyzer, Options};
//! use verbatim::comment::Comment;
//! use verbatim::index::{CommentIndex, SearchRequest};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let index = CommentIndex::open_or_create(dir.path()).unwrap();
//! let analyzer = Analyzer::text_only(Options::default());
//! let writer = index.writer().unwrap();
//! writer.write(&analyzer, &[Comment::new("c1", "發票一直沒開")]).unwrap();
//! let found = index.search(&SearchRequest::query("发票")).unwrap();
//! assert_eq!(found.hits[0].id, "c1");
//! assert_eq!(found.hits[0].snippet, "<mark>發票</mark>一直沒開");
//! ```

pub mod chars;
mod codes;
pub mod erase;
pub mod export;
#[cfg(feature = "parquet")]
pub mod export_parquet;
mod filter_query;
mod filters;
mod forms;
pub mod fusion;
mod ingest;
mod knn;
pub(crate) mod lenient;
mod query;
pub mod query_bounds;
mod query_dates;
pub mod reanalyze;
pub mod reindex;
pub mod schema;
pub mod search;
mod similar;
mod snippet;
pub mod source;
pub mod tokenizer;
pub mod topical;
pub mod vectors;
pub mod writer;
pub mod zone;

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::{LockError, OpenDirectoryError, OpenReadError};
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, TantivyDocument, TantivyError, Term};

pub use ingest::{IngestOptions, IngestReport};
pub use schema::Fields;
pub use search::{Facets, Hit, Match, Mode, SearchRequest, SearchResponse, Sort, SuggestedTopic};
pub use vectors::{QueryAnalysis, QueryEncoder};
pub use writer::CommentWriter;

use crate::analysis::Analysis;
use crate::comment::Comment;
use crate::{Error, Result};

/// The indexing memory budget of a writer, shared by its threads.
pub const WRITER_MEMORY_BYTES: usize = 128 << 20;

/// A comment index on disk, open for searching. Cheap to clone; many readers may share it.
#[derive(Clone)]
pub struct CommentIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    path: PathBuf,
    /// The stored vectors' binary codes and sums, per segment, for semantic queries.
    codes: codes::CodeCache,
}

/// A stored comment with its analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StoredComment {
    pub comment: Comment,
    pub analysis: Analysis,
}

impl CommentIndex {
    /// Open the existing index at `dir`.
    pub fn open(dir: &Path) -> Result<CommentIndex> {
        if !dir.join("meta.json").is_file() {
            return Err(Error::User(format!(
                "no index at {} (create one with `verbatim ingest --index {}`)",
                dir.display(),
                dir.display()
            )));
        }
        let index = Index::open_in_dir(dir).map_err(|e| open_error(dir, e))?;
        let schema = index.schema();
        if !schema::is_supported(&schema) {
            return Err(outdated(dir));
        }
        CommentIndex::from_index(index, dir)
    }

    /// Open the index at `dir`, creating the directory and an empty index if there is none.
    /// A directory that holds other files and no index is refused.
    pub fn open_or_create(dir: &Path) -> Result<CommentIndex> {
        if dir.join("meta.json").is_file() {
            return CommentIndex::open(dir);
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let not_empty = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some();
        if not_empty {
            return Err(Error::User(format!(
                "{} is not empty and holds no index: choose a new or empty directory",
                dir.display()
            )));
        }
        let directory = MmapDirectory::open(dir).map_err(|e| open_error(dir, e.into()))?;
        let index = Index::builder()
            .schema(schema::schema())
            .tokenizers(tokenizers())
            .open_or_create(directory)
            .map_err(|e| open_error(dir, e))?;
        CommentIndex::from_index(index, dir)
    }

    fn from_index(index: Index, dir: &Path) -> Result<CommentIndex> {
        tokenizer::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let fields = Fields::new(&index.schema())?;
        Ok(CommentIndex {
            index,
            reader,
            fields,
            path: dir.to_path_buf(),
            codes: codes::CodeCache::default(),
        })
    }

    /// Take the index's write lock: one writer per index, across processes.
    pub fn writer(&self) -> Result<CommentWriter> {
        CommentWriter::new(self.clone(), None, WRITER_MEMORY_BYTES)
    }

    /// A writer with `threads` indexing threads. Each thread writes its own segment at every
    /// commit, so one thread makes small frequent commits (an API taking single comments)
    /// cheaper, and more threads make bulk ingest faster.
    pub fn writer_with_threads(&self, threads: usize) -> Result<CommentWriter> {
        CommentWriter::new(self.clone(), Some(threads), WRITER_MEMORY_BYTES)
    }

    /// See the latest commit (of this process or another).
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// The directory of the index.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The field handles.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The underlying tantivy index, for reports that aggregate over fast fields.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// The reader (of the latest reloaded commit).
    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// How many comments the last reloaded commit holds.
    pub fn num_comments(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The attribute keys present in the index (sorted), read from the term dictionary of
    /// the `attrs` field: `key` in every `key=value` ever indexed.
    pub fn attr_keys(&self) -> Result<Vec<String>> {
        let mut keys = std::collections::BTreeSet::new();
        for segment in self.reader.searcher().segment_readers() {
            let inverted = segment.inverted_index(self.fields.attrs)?;
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(|e| Error::io(self.path.clone(), e))?;
            while stream.advance() {
                let term = stream.key();
                // `[path][JSON_END_OF_PATH = 0][type][value]`; nested paths are not used.
                if let Some(end) = term.iter().position(|&b| b == 0) {
                    keys.insert(String::from_utf8_lossy(&term[..end]).into_owned());
                }
            }
        }
        Ok(keys.into_iter().collect())
    }

    /// One comment with its analysis, by id.
    pub fn get(&self, id: &str) -> Result<Option<StoredComment>> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, address)) => Ok(Some(self.stored(&searcher, *address)?)),
            None => Ok(None),
        }
    }

    /// The comment and analysis stored at `address`.
    pub fn stored(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
    ) -> Result<StoredComment> {
        let doc: TantivyDocument = searcher.doc(address)?;
        self.parse_stored(&doc)
    }

    /// The comment and analysis JSON of a stored document, parsed.
    pub fn parse_stored(&self, doc: &TantivyDocument) -> Result<StoredComment> {
        let json = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .ok_or_else(|| Error::Internal("stored comment without its JSON".into()))
        };
        let parse_err = |e: serde_json::Error| Error::Internal(format!("stored comment: {e}"));
        Ok(StoredComment {
            comment: serde_json::from_str(json(self.fields.comment)?).map_err(parse_err)?,
            analysis: serde_json::from_str(json(self.fields.analysis)?).map_err(parse_err)?,
        })
    }
}

/// Tantivy's default tokenizers plus ours.
fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    tokenizer::register(&manager);
    manager
}

fn open_error(dir: &Path, err: TantivyError) -> Error {
    match err {
        TantivyError::OpenDirectoryError(OpenDirectoryError::DoesNotExist(_))
        | TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(_)) => Error::User(format!(
            "no index at {} (create one with `verbatim ingest --index {}`)",
            dir.display(),
            dir.display()
        )),
        TantivyError::SchemaError(_) => outdated(dir),
        other => Error::Index(other),
    }
}

/// An index of another schema or text analysis: how to bring it up to date.
fn outdated(dir: &Path) -> Error {
    Error::User(format!(
        "{} holds an index built by another version of Verbatim (another schema or text \
         analysis): run `verbatim reindex --index {}` to rebuild it from the comments and \
         analyses it stores (the old index is kept as a backup)",
        dir.display(),
        dir.display()
    ))
}

/// Map a failure to take the writer lock to [`Error::Locked`].
fn lock_error(dir: &Path, err: TantivyError) -> Error {
    match err {
        TantivyError::LockFailure(LockError::LockBusy, _) => Error::Locked {
            path: dir.to_path_buf(),
        },
        other => Error::Index(other),
    }
}
