//! Comment vectors in the index: the encoder's sentence embedding of each comment, stored
//! quantised in the `vector` bytes fast field so that it commits, merges, is deleted and
//! erased with its document.
//!
//! In: an L2-normalized `f32` vector (a comment's, from its analysis, or a query's, from
//! a [`QueryEncoder`]). Out: its stored form (`[scale: f32 LE][one i8 per dimension]`, 388
//! bytes for e5-small's 384 dimensions, a quarter of the floats) and the cosine of two
//! stored forms. Each vector keeps its own scale (its largest magnitude over 127), so the
//! rounding error of a cosine stays under about 0.01.

use crate::Result;
use crate::analysis::Label;
use crate::analyze::Analyzer;

/// The name of the bytes fast field that holds the vectors.
pub const FIELD: &str = "vector";

/// Bytes before the values: the scale, an `f32`, little-endian.
const HEADER: usize = 4;

/// What embeds a search query the way the stored comments were embedded.
pub trait QueryEncoder: Sync {
    /// The query's vector, or `None` when no model is loaded.
    fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>>;

    /// The query's vector and the topics it is about, each with its tone, from one encoder
    /// pass (`None` without a model): as the analysis of a comment would give them, or, when
    /// none reaches its threshold, the topic of a seed term it contains (`analyze::query`).
    /// By default: [`QueryEncoder::embed_query`] and no topics.
    fn analyze_query(&self, text: &str) -> Result<Option<QueryAnalysis>> {
        Ok(self.embed_query(text)?.map(|vector| QueryAnalysis {
            vector,
            topics: Vec::new(),
        }))
    }
}

/// A query's vector and its topics with their tones.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryAnalysis {
    pub vector: Vec<f32>,
    pub topics: Vec<(String, Label)>,
}

impl QueryEncoder for Analyzer {
    fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>> {
        Analyzer::embed_query(self, text)
    }

    fn analyze_query(&self, text: &str) -> Result<Option<QueryAnalysis>> {
        self.query_analysis(text)
    }
}

/// A vector quantised to `i8` with its scale: `v[i] ≈ values[i] as f32 * scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    pub scale: f32,
    pub values: Vec<i8>,
}

impl Quantized {
    /// Quantise `v` (non-finite values count as 0).
    pub fn new(v: &[f32]) -> Quantized {
        let finite = |x: f32| if x.is_finite() { x } else { 0.0 };
        let max = v.iter().map(|&x| finite(x).abs()).fold(0f32, f32::max);
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let values = v
            .iter()
            .map(|&x| (finite(x) / scale).round().clamp(-127.0, 127.0) as i8)
            .collect();
        Quantized { scale, values }
    }

    /// The stored form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.values.len());
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.values.iter().map(|&v| v as u8));
        out
    }

    /// A stored form read back (`None` if it is not one).
    pub fn from_bytes(stored: &[u8]) -> Option<Quantized> {
        let (scale, values) = stored.split_at_checked(HEADER)?;
        let scale = f32::from_le_bytes(scale.try_into().ok()?);
        let values = values.iter().map(|&v| v as i8).collect();
        Some(Quantized { scale, values })
    }

    /// The floats it stands for.
    pub fn to_floats(&self) -> Vec<f32> {
        self.values
            .iter()
            .map(|&v| f32::from(v) * self.scale)
            .collect()
    }

    /// The cosine of this vector and a stored one (both L2-normalized), or `None` when
    /// `stored` is not a vector of the same width.
    pub fn cosine(&self, stored: &[u8]) -> Option<f32> {
        let (scale, values) = parts(stored)?;
        if values.len() != self.values.len() {
            return None;
        }
        Some(dot_i8(&self.values, values) as f32 * self.scale * scale)
    }
}

/// A stored form's scale and its values as raw bytes, borrowed (`None` if it is not one).
pub fn parts(stored: &[u8]) -> Option<(f32, &[u8])> {
    let (scale, values) = stored.split_at_checked(HEADER)?;
    Some((f32::from_le_bytes(scale.try_into().ok()?), values))
}

/// The dot product of `i8` vectors (the second as raw bytes) in 16 independent `i32`
/// lanes, which the compiler turns into SIMD multiply-adds.
pub fn dot_i8(a: &[i8], b: &[u8]) -> i32 {
    let mut lanes = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y as i8))
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            lanes[i] += i32::from(x[i]) * i32::from(y[i] as i8);
        }
    }
    lanes.iter().sum::<i32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: usize, seed: f32) -> Vec<f32> {
        let v: Vec<f32> = (0..n).map(|i| (i as f32 * seed + 1.0).sin()).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn quantised_cosine_is_close_to_the_float_one() {
        for n in [1, 15, 16, 17, 384] {
            let (a, b) = (unit(n, 0.37), unit(n, 0.11));
            let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let got = Quantized::new(&a)
                .cosine(&Quantized::new(&b).to_bytes())
                .unwrap();
            assert!((got - exact).abs() < 0.01, "n = {n}: {got} vs {exact}");
        }
    }

    #[test]
    fn a_stored_vector_of_another_width_or_garbage_gives_none() {
        let q = Quantized::new(&unit(8, 0.3));
        assert_eq!(q.cosine(&Quantized::new(&unit(9, 0.3)).to_bytes()), None);
        assert_eq!(q.cosine(&[1, 2]), None);
        let zero = Quantized::new(&[0.0, f32::NAN, f32::INFINITY]);
        assert_eq!(zero.values, [0, 0, 0]);
    }
}
