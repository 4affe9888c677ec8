//! Typed errors of the library.
//!
//! Bad input from a user or a file is an [`Error::User`]-like variant that names what was
//! wrong; failures of our own resources (missing model files, a broken table) are
//! [`Error::Internal`]; I/O keeps its source. The binary wraps these with context.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A text was empty or only whitespace after normalization.
    #[error("empty text{}", at(.0))]
    EmptyText(Option<String>),
    /// A file's bytes are not valid in its encoding, or it could not be read: names the
    /// file and the line.
    #[error("{0}")]
    Decode(crate::text::decode::DecodeFailure),
    /// Any other bad input: the message names the file, line or field at fault.
    #[error("{0}")]
    User(String),
    /// A resource the project sets up (model, tokenizer, table) is missing or broken.
    #[error("{what}: {message}")]
    Resource { what: String, message: String },
    /// A bug or an unexpected state inside Verbatim.
    #[error("internal error: {0}")]
    Internal(String),
    /// The comment index failed (tantivy): unreadable or corrupt files, a full disk.
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Another writer (another process, or another writer in this one) holds the index.
    #[error(
        "index {} is locked by another writer (lock file {}): only one `verbatim ingest` \
         or `verbatim serve` can write to an index at a time",
        .path.display(), .path.join(".tantivy-writer.lock").display()
    )]
    Locked { path: PathBuf },
    /// Reading or writing a file failed.
    /// The message carries the I/O error itself, so it is not also chained as a source
    /// (which printed it twice under `{:#}`).
    #[error("{}: {cause}", .path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

fn at(place: &Option<String>) -> String {
    place
        .as_ref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default()
}

impl Error {
    /// Whether the error is the caller's (bad input) rather than ours.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::EmptyText(_) | Error::User(_) | Error::Decode(_)
        )
    }

    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// A missing or broken resource, named.
    pub fn resource(what: impl Into<String>, message: impl ToString) -> Self {
        Error::Resource {
            what: what.into(),
            message: message.to_string(),
        }
    }
}
