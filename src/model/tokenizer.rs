//! The encoder's `tokenizer.json`, parsed once per process.
//!
//! In: the path of a tokenizer.json. Out: a shared [`Tokenizer`]. Parsing builds a byte trie
//! of every piece, the largest cost of loading the model (0.4 s for the full 250k-piece
//! vocabulary, less for the pruned one setup writes), and freeing that trie at exit cost
//! about as much again. Tokenizers are kept in a process-wide table keyed by the file's path,
//! size and modification time: a second encoder on the same file (a second analyzer, the
//! tests) reuses the first one's, and the table, a static, is never torn down at exit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokenizers::Tokenizer;

use crate::{Error, Result};

type Key = (PathBuf, u64, Option<SystemTime>);

static LOADED: Mutex<Vec<(Key, Arc<Tokenizer>)>> = Mutex::new(Vec::new());

/// The tokenizer in `path`, parsed now or shared with an earlier load of the same file.
pub fn load(path: &Path) -> Result<Arc<Tokenizer>> {
    let what = || path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::resource(what(), e))?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    if let Some(hit) = lookup(&key) {
        return Ok(hit);
    }
    let tokenizer = Arc::new(Tokenizer::from_file(path).map_err(|e| Error::resource(what(), e))?);
    if let Ok(mut loaded) = LOADED.lock() {
        loaded.retain(|(k, _)| k.0 != key.0); // a replaced file's old vocabulary goes
        loaded.push((key, Arc::clone(&tokenizer)));
    }
    Ok(tokenizer)
}

fn lookup(key: &Key) -> Option<Arc<Tokenizer>> {
    let loaded = LOADED.lock().ok()?;
    loaded
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, t)| Arc::clone(t))
}
