//! A disk cache of the topic probe's fit, so start-up does not redo it (issue 17: the ridge
//! fit was the largest single cost between loading the encoder and the first answer, about
//! 80 ms of a 0.36 s start).
//!
//! In: exactly what [`Probe::fit`] takes. Out: the same probe. The key hashes every input
//! (the rows' bits, the labels, the sizes and the penalty), so a hit is the fit itself; it
//! lives beside the embedding cache (`$VERBATIM_CACHE/embeddings/probe-KEY.bin`, about 20 KB
//! per model and taxonomy), is best effort (a missing or short file is refitted, a failed
//! write ignored) and is off with `VERBATIM_CACHE=off`.

use std::path::Path;

use super::cache::{cache_dir, f32s, le_bytes, write_atomic};
use super::probe::Probe;

/// [`Probe::fit`], through the cache.
pub fn fit_cached(
    rows: &[f32],
    dim: usize,
    labels: &[Vec<bool>],
    topics: usize,
    lambda: f64,
) -> Probe {
    let Some(dir) = cache_dir() else {
        return Probe::fit(rows, dim, labels, topics, lambda);
    };
    let path = dir.join(format!(
        "probe-{:016x}.bin",
        key(rows, dim, labels, topics, lambda)
    ));
    if let Some(probe) = read(&path, dim, topics) {
        return probe;
    }
    let probe = Probe::fit(rows, dim, labels, topics, lambda);
    write_atomic(&path, &le_bytes(probe.weights()));
    probe
}

/// FNV-1a-style mixing over 64-bit words of every input.
fn key(rows: &[f32], dim: usize, labels: &[Vec<bool>], topics: usize, lambda: f64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |word: u64| {
        hash ^= word;
        hash = hash.wrapping_mul(0x0100_0000_01b3).rotate_left(29);
    };
    feed(dim as u64);
    feed(topics as u64);
    feed(lambda.to_bits());
    feed(rows.len() as u64);
    for pair in rows.chunks(2) {
        let hi = pair.get(1).map_or(0, |x| u64::from(x.to_bits()));
        feed(u64::from(pair[0].to_bits()) | hi << 32);
    }
    feed(labels.len() as u64);
    for row in labels {
        let bits = row.iter().enumerate().filter(|&(_, &b)| b);
        feed(bits.fold(row.len() as u64, |acc, (k, _)| acc ^ (1u64 << (k % 64))));
    }
    hash
}

fn read(path: &Path, dim: usize, topics: usize) -> Option<Probe> {
    let bytes = std::fs::read(path).ok()?;
    let n = (dim + 1) * topics;
    if bytes.len() != n * 4 {
        return None;
    }
    Some(Probe::from_weights(dim, topics, f32s(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_every_input() {
        let rows = [0.5f32, -1.0, 2.0, 0.25];
        let labels = vec![vec![true, false], vec![false, true]];
        let k = key(&rows, 2, &labels, 2, 0.1);
        assert_eq!(k, key(&rows, 2, &labels, 2, 0.1));
        assert_ne!(k, key(&[0.5, -1.0, 2.0, 0.26], 2, &labels, 2, 0.1));
        assert_ne!(
            k,
            key(&rows, 2, &[vec![true, false], vec![true, false]], 2, 0.1)
        );
        assert_ne!(k, key(&rows, 2, &labels, 2, 0.2));
    }

    #[test]
    fn a_cached_fit_is_the_fit() {
        let rows = [1.0f32, 0.0, 0.0, 1.0, 0.9, 0.1];
        let labels = vec![vec![true, false], vec![false, true], vec![true, false]];
        let fitted = Probe::fit(&rows, 2, &labels, 2, 0.1);
        let path = std::env::temp_dir().join(format!("verbatim-probe-{}.bin", std::process::id()));
        write_atomic(&path, &le_bytes(fitted.weights()));
        let read = read(&path, 2, 2).unwrap();
        assert_eq!(read.weights(), fitted.weights());
        assert!(
            super::read(&path, 3, 2).is_none(),
            "a file of another size is a miss"
        );
        let _ = std::fs::remove_file(&path);
    }
}
