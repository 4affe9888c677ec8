//! The encoder boundary: texts in, L2-normalized sentence embeddings out.

use std::ops::Range;

use crate::Result;

/// Sentence embeddings, one row of `dim` floats per input text, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub dim: usize,
    pub data: Vec<f32>,
    /// Per input: whether the text was longer than the model's window and was cut (for
    /// span embeddings: whether no token of the span was inside the window).
    pub truncated: Vec<bool>,
}

impl Embeddings {
    pub fn len(&self) -> usize {
        self.truncated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.truncated.is_empty()
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
    /// Embed texts and, per text, the given byte spans (clauses) in the same pass; see
    /// [`super::OnnxEncoder`] for how span vectors are pooled.
    fn embed_with_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<(Embeddings, Vec<Embeddings>)>;
    /// The embedding width.
    fn dim(&self) -> usize;
}

/// Cosine similarity of two L2-normalized vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
