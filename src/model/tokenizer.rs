//! The encoder's `tokenizer.json`, parsed once per process.
//!
//! In: the path of a tokenizer.json. Out: a shared [`EncoderTokenizer`]: `tokenizers`'
//! normalizer, pre-tokenizer and post-processor around our compact Unigram model
//! ([`super::unigram`], the same tokens in a fraction of the memory). Tokenizers are kept in
//! a process-wide table keyed by the file's path, size and modification time: a second
//! encoder on the same file (a second analyzer, the tests) reuses the first one's, and the
//! table, a static, is never torn down at exit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokenizers::TokenizerImpl;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::processors::PostProcessorWrapper;

use super::unigram::CompactUnigram;
use crate::{Error, Result};

/// The encoder's tokenizer: tokenizer.json's pipeline with a [`CompactUnigram`] model.
pub type EncoderTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

type Key = (PathBuf, u64, Option<SystemTime>);

static LOADED: Mutex<Vec<(Key, Arc<EncoderTokenizer>)>> = Mutex::new(Vec::new());

/// The tokenizer in `path`, parsed now or shared with an earlier load of the same file.
pub fn load(path: &Path) -> Result<Arc<EncoderTokenizer>> {
    let what = || path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::resource(what(), e))?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    if let Some(hit) = lookup(&key) {
        return Ok(hit);
    }
    let tokenizer =
        Arc::new(EncoderTokenizer::from_file(path).map_err(|e| Error::resource(what(), e))?);
    if let Ok(mut loaded) = LOADED.lock() {
        loaded.retain(|(k, _)| k.0 != key.0); // a replaced file's old vocabulary goes
        loaded.push((key, Arc::clone(&tokenizer)));
    }
    Ok(tokenizer)
}

fn lookup(key: &Key) -> Option<Arc<EncoderTokenizer>> {
    let loaded = LOADED.lock().ok()?;
    loaded
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, t)| Arc::clone(t))
}
