//! A stand-in encoder with no model files: character n-grams hashed into a fixed width.
//!
//! In: normalized texts (and byte spans of them). Out: L2-normalized vectors in which two
//! texts are near exactly when they share character unigrams, bigrams and trigrams. It knows
//! nothing of meaning — "not good" sits next to "good" — so nothing user-facing runs on it.
//! It exists for the fast test tier (`make check`, `tests/fast/`): the pipeline, the index,
//! the reports and the HTTP API can be exercised in seconds, offline, without `make setup`,
//! while the tests that guard quality keep the real encoder.

use std::ops::Range;

use super::encoder::{Embeddings, Encoder};
use crate::Result;

/// Width of the vectors: the real encoder's, so heads and calibrations load unchanged.
pub const HASHED_DIM: usize = 384;

/// Deterministic hashed character n-grams (n = 1..=3), one vector per text.
#[derive(Debug, Clone, Copy, Default)]
pub struct HashedEncoder;

impl HashedEncoder {
    fn vector(text: &str) -> Vec<f32> {
        let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        let mut v = vec![0f32; HASHED_DIM];
        for n in 1..=3 {
            for gram in chars.windows(n) {
                let h = fnv1a(gram);
                let sign = if h & 1 == 0 { 1.0 } else { -1.0 };
                v[(h >> 1) as usize % HASHED_DIM] += sign / n as f32;
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            v[0] = 1.0; // an empty text still gets a unit vector
        }
        v
    }

    fn embeddings(rows: impl Iterator<Item = Vec<f32>>) -> Embeddings {
        let mut data = Vec::new();
        let mut truncated = Vec::new();
        for row in rows {
            data.extend(row);
            truncated.push(false);
        }
        Embeddings {
            dim: HASHED_DIM,
            data,
            truncated,
        }
    }
}

/// FNV-1a over the characters' code points.
fn fnv1a(gram: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in gram {
        for b in (*c as u32).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Encoder for HashedEncoder {
    fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        Ok(Self::embeddings(texts.iter().map(|t| Self::vector(t))))
    }

    fn dim(&self) -> usize {
        HASHED_DIM
    }

    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<(Embeddings, Vec<Embeddings>)> {
        let whole = self.embed(texts)?;
        let per_text = texts
            .iter()
            .zip(spans)
            .map(|(text, ranges)| {
                Self::embeddings(
                    ranges
                        .iter()
                        .map(|r| Self::vector(text.get(r.clone()).unwrap_or(text))),
                )
            })
            .collect();
        Ok((whole, per_text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::encoder::cosine;

    #[test]
    fn shared_ngrams_make_texts_near_and_vectors_are_unit_length() {
        let e = HashedEncoder
            .embed(&["配送太慢了", "配送很慢", "the app crashes", ""])
            .unwrap();
        assert_eq!(e.len(), 4);
        for i in 0..4 {
            let n: f32 = e.row(i).iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-5, "row {i}: {n}");
        }
        let near = cosine(e.row(0), e.row(1));
        let far = cosine(e.row(0), e.row(2));
        assert!(near > far + 0.3, "near {near}, far {far}");
        assert_eq!(
            e.row(0),
            HashedEncoder.embed(&["配送太慢了"]).unwrap().row(0)
        );
    }

    #[test]
    fn spans_are_read_from_their_own_text() {
        let text = "菜很好吃，但是配送太慢";
        let split = text.find('，').unwrap();
        let (whole, spans) = HashedEncoder
            .embed_spans(&[text], &[vec![0..split, split..text.len()]])
            .unwrap();
        assert_eq!(whole.len(), 1);
        assert_eq!(spans[0].len(), 2);
        let alone = HashedEncoder.embed(&["菜很好吃"]).unwrap();
        assert_eq!(spans[0].row(0), alone.row(0));
    }
}
