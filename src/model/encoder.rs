//! The encoder boundary: texts in, L2-normalized sentence embeddings out.

use std::ops::Range;

use crate::Result;

/// Sentence embeddings, one row of `dim` floats per input text, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub dim: usize,
    pub data: Vec<f32>,
    /// Per input: whether the text was longer than the model's window and was cut.
    pub truncated: Vec<bool>,
}

impl Embeddings {
    pub fn len(&self) -> usize {
        self.truncated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.truncated.is_empty()
    }

    /// The rows `rows`, as embeddings of their own.
    pub fn slice(&self, rows: std::ops::Range<usize>) -> Embeddings {
        Embeddings {
            dim: self.dim,
            data: self.data[rows.start * self.dim..rows.end * self.dim].to_vec(),
            truncated: self.truncated[rows].to_vec(),
        }
    }

    /// These rows followed by `more`'s (same width).
    pub fn append(mut self, more: &Embeddings) -> Embeddings {
        self.data.extend_from_slice(&more.data);
        self.truncated.extend_from_slice(&more.truncated);
        self
    }

    /// The embedding of input `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// Anything that turns texts into sentence embeddings.
pub trait Encoder: Send + Sync {
    /// Embed `texts` (already normalized); the model's prefix is added by the encoder.
    fn embed(&self, texts: &[&str]) -> Result<Embeddings>;
    /// The embedding width.
    fn dim(&self) -> usize;
    /// What names these weights for [`super::cache`] (file, size, modification time), or
    /// `None` when the vectors must not be cached.
    fn identity(&self) -> Option<String> {
        None
    }
    /// Let two callers run at once (a second model session: more memory), so that a short
    /// call need not wait for a long one. Encoders that cannot do without it do nothing.
    fn add_session(&self) -> Result<()> {
        Ok(())
    }
    /// Embed `texts` (as [`Encoder::embed`]), and for each text one vector per byte range
    /// in `spans[i]`: the span read in its text's context, from the same model call (mean
    /// of the span's token states, L2-normalized).
    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<(Embeddings, Vec<Embeddings>)>;
}

/// The span lists of an [`Encoder::embed_spans`] call, checked (one list per text), or
/// `None` when no text has a span: the encoder then need not copy token states out.
pub fn wanted_spans<'a>(
    texts: &[&str],
    spans: &'a [Vec<Range<usize>>],
) -> Result<Option<&'a [Vec<Range<usize>>]>> {
    if spans.len() != texts.len() {
        return Err(crate::Error::Internal(format!(
            "{} span lists for {} texts",
            spans.len(),
            texts.len()
        )));
    }
    Ok(Some(spans).filter(|s| s.iter().any(|v| !v.is_empty())))
}

/// Cosine similarity of two L2-normalized vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

/// Dot product in eight independent lanes, so the compiler can use SIMD (a plain running
/// sum must add in order and cannot); the topic model takes one per clause and prototype.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 8, 9, 384, 387] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "n = {n}");
        }
    }
}
