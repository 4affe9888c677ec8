//! A disk cache of whole encoder calls, for the vectors the topic model embeds every time it
//! loads (taxonomy examples, descriptions, labelled comments: about a thousand texts, three
//! seconds on two cores).
//!
//! In: an encoder that names its weights ([`Encoder::identity`]) and the texts of one call.
//! Out: the same [`Embeddings`] that call returns. The key hashes the weights' identity and
//! every text in order, so a hit is exactly what the call would compute (dynamic int8
//! quantization makes a vector depend on its batch mates, so single texts are never mixed).
//! The cache lives in `$VERBATIM_CACHE/embeddings` (default `~/.cache/verbatim`); it is best
//! effort: a missing, unreadable or short file is recomputed, a failed write is ignored, and
//! `VERBATIM_CACHE=off` turns it off. Files are never pruned: about 1.5 MB per model,
//! taxonomy and calibration in use; deleting the folder is always safe.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::encoder::{Embeddings, Encoder};
use crate::Result;

/// Embed `texts` in one encoder call, through the cache when the encoder names its weights.
pub fn embed_cached(encoder: &dyn Encoder, texts: &[&str]) -> Result<Embeddings> {
    let (Some(identity), Some(dir)) = (encoder.identity(), cache_dir()) else {
        return encoder.embed(texts);
    };
    let path = dir.join(format!("{:016x}.bin", key(&identity, texts)));
    let dim = encoder.dim();
    if let Some(hit) = read(&path, texts.len(), dim) {
        return Ok(hit);
    }
    let embeddings = encoder.embed(texts)?;
    write(&path, &embeddings);
    Ok(embeddings)
}

pub(super) fn cache_dir() -> Option<PathBuf> {
    let root = match std::env::var_os("VERBATIM_CACHE") {
        Some(dir) if dir == "off" => return None,
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?)
            .join(".cache")
            .join("verbatim"),
    };
    Some(root.join("embeddings"))
}

/// FNV-1a (64 bit) over the identity and the texts, each followed by a separator byte that
/// UTF-8 text cannot contain: stable across builds, unlike `DefaultHasher`.
fn key(identity: &str, texts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes.iter().chain([0xffu8].iter()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(identity.as_bytes());
    for text in texts {
        feed(text.as_bytes());
    }
    hash
}

/// File layout: `n * dim` little-endian f32, then one truncation byte per text.
fn read(path: &Path, n: usize, dim: usize) -> Option<Embeddings> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != n * dim * 4 + n {
        return None;
    }
    let (floats, flags) = bytes.split_at(n * dim * 4);
    let data = f32s(floats);
    let truncated = flags.iter().map(|&b| b != 0).collect();
    Some(Embeddings {
        dim,
        data,
        truncated,
    })
}

fn write(path: &Path, embeddings: &Embeddings) {
    let mut bytes = le_bytes(&embeddings.data);
    bytes.extend(embeddings.truncated.iter().map(|&t| u8::from(t)));
    write_atomic(path, &bytes);
}

/// Little-endian f32s as the cache files hold them.
pub(super) fn le_bytes(floats: &[f32]) -> Vec<u8> {
    floats.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The f32s of [`le_bytes`] (a trailing partial float is ignored).
pub(super) fn f32s(bytes: &[u8]) -> Vec<f32> {
    let float = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    bytes.chunks_exact(4).map(float).collect()
}

/// Write `bytes` to `path`, best effort, so that a reader never sees half a file.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    // Write beside, then rename: a reader never sees half a file. The temp name is unique
    // per process and call, so concurrent writers of one key never share it.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_identity_texts_and_their_order() {
        let a = key("m1", &["x", "y"]);
        assert_eq!(a, key("m1", &["x", "y"]));
        assert_ne!(a, key("m2", &["x", "y"]));
        assert_ne!(a, key("m1", &["y", "x"]));
        assert_ne!(a, key("m1", &["xy"]));
        assert_ne!(a, key("m1", &["x", "y", ""]));
    }

    #[test]
    fn files_round_trip_and_a_short_file_is_a_miss() {
        let dir = std::env::temp_dir().join(format!("verbatim-cache-{}", std::process::id()));
        let path = dir.join("k.bin");
        let e = Embeddings {
            dim: 2,
            data: vec![0.5, -1.0, 3.25, 0.0],
            truncated: vec![false, true],
        };
        write(&path, &e);
        assert_eq!(read(&path, 2, 2), Some(e));
        assert_eq!(read(&path, 3, 2), None);
        std::fs::write(&path, [0u8; 5]).unwrap();
        assert_eq!(read(&path, 2, 2), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
