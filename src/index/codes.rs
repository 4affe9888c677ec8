//! Binary codes of the stored comment vectors, per segment, kept in memory: what lets an
//! unfiltered semantic query over a large index skip decoding every stored vector.
//!
//! In: a segment's `vector` bytes column. Out: for each document, one sign bit per
//! dimension of its vector less a centre (48 bytes for 384 dimensions, an eighth of the
//! stored int8 form), laid out by document so that a query reads them in order; and the
//! sum of its live documents' vectors (a vector counted once for each document holding
//! it), from which [`CommentIndex::semantic_query`] centres queries. The codes' centre is
//! the mean over the segment's first [`SAMPLE`] distinct vectors in dictionary order. A
//! segment never changes once written, so its codes are built once (one pass over its
//! documents for their counts, one over its column's dictionary, on the first semantic
//! query that sees it) and kept until a merge retires it; deletions the segment gains later
//! are not subtracted from its sum.
//!
//! A query ranks a segment's matches by the Hamming distance of its code to theirs, then
//! scores only the best few times `k` exactly from the stored int8 vectors
//! ([`super::knn`]): the centred vectors' signs keep their angles well enough that the true
//! neighbours sit among those candidates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::columnar::BytesColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::vectors::{FIELD, parts};
use crate::{Error, Result};

/// One segment's codes and vector sum.
#[derive(Debug, Default)]
pub struct SegmentCodes {
    /// `u64` words per code.
    pub words: usize,
    /// The codes, `words` per document (all zero for a document without a well-formed
    /// vector). By document, so that a query reads them in order.
    pub codes: Vec<u64>,
    /// The sum of the vectors of the segment's live documents (well-formed ones), and how
    /// many documents that is.
    pub sum: Vec<f64>,
    pub count: usize,
}

/// The codes of every segment a searcher has seen, by segment.
#[derive(Clone, Default)]
pub struct CodeCache(Arc<Mutex<HashMap<SegmentId, Arc<SegmentCodes>>>>);

impl CodeCache {
    /// The codes of each of the searcher's segments, by segment ordinal (`None` for a
    /// segment without vectors). Segments no longer searched are dropped.
    pub fn for_searcher(&self, searcher: &Searcher) -> Result<Vec<Option<Arc<SegmentCodes>>>> {
        let readers = searcher.segment_readers();
        let mut out = Vec::with_capacity(readers.len());
        for segment in readers {
            let id = segment.segment_id();
            let known = self.lock()?.get(&id).cloned();
            let codes = match known {
                Some(c) => c,
                None => {
                    let built = Arc::new(build(segment)?);
                    self.lock()?.insert(id, built.clone());
                    built
                }
            };
            out.push((codes.count > 0).then_some(codes));
        }
        let live: Vec<SegmentId> = readers.iter().map(|s| s.segment_id()).collect();
        self.lock()?.retain(|id, _| live.contains(id));
        Ok(out)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentCodes>>>> {
        self.0
            .lock()
            .map_err(|_| Error::Internal("vector code cache lock".into()))
    }
}

/// The mean vector of the segments' live documents (`None` when there are none).
pub fn mean(segments: &[Option<Arc<SegmentCodes>>]) -> Option<Vec<f32>> {
    let mut sum: Vec<f64> = Vec::new();
    let mut n = 0;
    for s in segments.iter().flatten() {
        if sum.is_empty() {
            sum = vec![0.0; s.sum.len()];
        }
        if s.sum.len() == sum.len() {
            sum.iter_mut().zip(&s.sum).for_each(|(a, b)| *a += b);
            n += s.count;
        }
    }
    (n > 0).then(|| sum.iter().map(|s| (s / n as f64) as f32).collect())
}

/// The code of a vector already centred (the sign of each value).
pub fn code_of(centred: &[i8]) -> Vec<u64> {
    let mut code = vec![0u64; centred.len().div_ceil(64)];
    for (i, _) in centred.iter().enumerate().filter(|&(_, &v)| v > 0) {
        code[i / 64] |= 1 << (i % 64);
    }
    code
}

/// The `r` documents of `docs` whose codes are nearest `query`'s (Hamming distance).
pub fn candidates(codes: &SegmentCodes, query: &[u64], docs: &[DocId], r: usize) -> Vec<DocId> {
    let w = codes.words;
    if query.len() != w || docs.len() <= r {
        return docs.to_vec();
    }
    if r == 0 {
        return Vec::new();
    }
    let mut scored: Vec<(u32, DocId)> = docs
        .iter()
        .map(|&d| {
            let code = codes.codes.get(d as usize * w..(d as usize + 1) * w);
            (code.map_or(u32::MAX, |c| hamming(c, query)), d)
        })
        .collect();
    scored.select_nth_unstable(r - 1);
    scored.truncate(r);
    scored.into_iter().map(|(_, d)| d).collect()
}

fn hamming(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// How many distinct vectors give the centre of a segment's codes: the first in the
/// dictionary's order, which sorts them by their scale's low bytes, so a sample that has
/// nothing to do with what they mean.
const SAMPLE: usize = 4096;

/// One segment's codes: each document's ordinal read once (for the documents' weights and
/// the layout), one pass over the column's dictionary (codes about the mean of the first
/// [`SAMPLE`] vectors, the sum over all), then laid out by document.
fn build(segment: &SegmentReader) -> Result<SegmentCodes> {
    let Some(column) = segment.fast_fields().bytes(FIELD)? else {
        return Ok(SegmentCodes::default());
    };
    let ords: Vec<u32> = (0..segment.max_doc())
        .map(|doc| column.term_ords(doc).next().map_or(NO_VECTOR, |o| o as u32))
        .collect();
    let weights = live_docs_by_ord(segment, &ords, column.num_terms());
    let mut coder = Coder::default();
    each_vector(&column, |ord, stored| {
        let weight = weights.get(ord).copied().unwrap_or(0);
        coder.add(ord, stored, column.num_terms(), weight)
    })?;
    let Coder {
        by_ord,
        sum,
        count,
        words,
        ..
    } = coder.finish();
    if count == 0 {
        return Ok(SegmentCodes::default());
    }
    let mut codes = vec![0u64; ords.len() * words];
    for (code, &ord) in codes.chunks_exact_mut(words).zip(&ords) {
        let ord = ord as usize;
        if let Some(from) = by_ord.get(ord * words..(ord + 1) * words) {
            code.copy_from_slice(from);
        }
    }
    Ok(SegmentCodes {
        words,
        codes,
        sum,
        count,
    })
}

/// The ordinal of a document without a vector.
const NO_VECTOR: u32 = u32::MAX;

/// How many live documents hold each distinct vector (by term ordinal): the mean that
/// centres queries is the documents' mean, so a text stored a hundred times weighs a
/// hundred times (as it does in the results), and deleted documents do not count.
fn live_docs_by_ord(segment: &SegmentReader, ords: &[u32], terms: usize) -> Vec<u32> {
    let mut docs = vec![0u32; terms];
    let alive = segment.alive_bitset();
    for (doc, &ord) in ords.iter().enumerate() {
        if alive.is_some_and(|a| !a.is_alive(doc as DocId)) {
            continue;
        }
        if let Some(n) = docs.get_mut(ord as usize) {
            *n += 1;
        }
    }
    docs
}

/// Codes by term ordinal, built in one pass: the first [`SAMPLE`] vectors are held until
/// their mean, the centre, is known.
#[derive(Default)]
struct Coder {
    by_ord: Vec<u64>,
    words: usize,
    sum: Vec<f64>,
    count: usize,
    centre: Option<Vec<f32>>,
    held: Vec<(usize, Vec<u8>)>,
}

impl Coder {
    fn add(&mut self, ord: usize, stored: &[u8], terms: usize, weight: u32) {
        let Some((scale, values)) = parts(stored) else {
            return;
        };
        if self.sum.is_empty() {
            self.sum = vec![0.0; values.len()];
            self.words = values.len().div_ceil(64);
            self.by_ord = vec![0; terms * self.words];
        }
        if values.len() != self.sum.len() {
            return;
        }
        let scale = f64::from(scale) * f64::from(weight);
        for (s, &x) in self.sum.iter_mut().zip(values) {
            *s += f64::from(x as i8) * scale;
        }
        self.count += weight as usize;
        match &self.centre {
            Some(centre) => {
                let w = self.words;
                if let Some(code) = self.by_ord.get_mut(ord * w..(ord + 1) * w) {
                    code_about(stored, centre, code);
                }
            }
            None => {
                self.held.push((ord, stored.to_vec()));
                if self.held.len() == SAMPLE {
                    self.code_held();
                }
            }
        }
    }

    /// Fixes the centre at the mean so far and codes the vectors held.
    fn code_held(&mut self) {
        let n = self.count.max(1) as f64;
        let centre: Vec<f32> = self.sum.iter().map(|s| (s / n) as f32).collect();
        let w = self.words;
        for (ord, stored) in std::mem::take(&mut self.held) {
            if let Some(code) = self.by_ord.get_mut(ord * w..(ord + 1) * w) {
                code_about(&stored, &centre, code);
            }
        }
        self.centre = Some(centre);
    }

    fn finish(mut self) -> Coder {
        if self.centre.is_none() && self.count > 0 {
            self.code_held();
        }
        self
    }
}

/// Writes into `code` the signs of the stored vector less `mean` (nothing when it is not
/// a vector of that width).
fn code_about(stored: &[u8], mean: &[f32], code: &mut [u64]) {
    let Some((scale, values)) = parts(stored) else {
        return;
    };
    if values.len() != mean.len() || code.len() * 64 < mean.len() {
        return;
    }
    for (word, (xs, ms)) in code.iter_mut().zip(values.chunks(64).zip(mean.chunks(64))) {
        let mut bits = 0u64;
        for (j, (&x, &m)) in xs.iter().zip(ms).enumerate() {
            bits |= u64::from(f32::from(x as i8) * scale > m) << j;
        }
        *word = bits;
    }
}

/// Calls `f` with each distinct stored vector of the column and its term ordinal, in order.
fn each_vector(column: &BytesColumn, mut f: impl FnMut(usize, &[u8])) -> Result<()> {
    let error = |e: std::io::Error| Error::Internal(format!("reading comment vectors: {e}"));
    let mut stream = column.dictionary().stream().map_err(error)?;
    while stream.advance() {
        f(stream.term_ord() as usize, stream.key());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::vectors::Quantized;

    /// Vectors as an encoder's: a large shared direction, a cluster direction, noise.
    fn vectors(n: usize, dim: usize) -> Vec<Vec<f32>> {
        let mut seed = 17u64;
        let mut rand = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let shared: Vec<f32> = (0..dim).map(|_| rand()).collect();
        let clusters: Vec<Vec<f32>> = (0..10)
            .map(|_| (0..dim).map(|_| rand()).collect())
            .collect();
        (0..n)
            .map(|i| {
                let c = &clusters[i % clusters.len()];
                let v: Vec<f32> = (0..dim)
                    .map(|d| 3.0 * shared[d] + c[d] + 1.2 * rand())
                    .collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.into_iter().map(|x| x / norm).collect()
            })
            .collect()
    }

    #[test]
    fn the_rescored_candidates_hold_the_exact_neighbours() {
        let (n, dim, k) = (3000, 384, 50);
        let stored: Vec<Quantized> = vectors(n, dim).iter().map(|v| Quantized::new(v)).collect();
        let floats: Vec<Vec<f32>> = stored.iter().map(Quantized::to_floats).collect();
        let mean: Vec<f32> = (0..dim)
            .map(|d| floats.iter().map(|v| v[d]).sum::<f32>() / n as f32)
            .collect();
        let mut codes = SegmentCodes {
            words: dim / 64,
            codes: vec![0; n * dim / 64],
            sum: Vec::new(),
            count: n,
        };
        for (v, code) in stored.iter().zip(codes.codes.chunks_mut(dim / 64)) {
            code_about(&v.to_bytes(), &mean, code);
        }
        let docs: Vec<DocId> = (0..n as DocId).collect();
        let mut overlap = 0;
        for q in (0..n).step_by(300) {
            let query = Quantized::new(
                &floats[q]
                    .iter()
                    .zip(&mean)
                    .map(|(x, m)| x - m)
                    .collect::<Vec<_>>(),
            );
            let exact = |o: u64| query.cosine(&stored[o as usize].to_bytes()).unwrap();
            let mut all: Vec<u64> = (0..n as u64).collect();
            all.sort_by(|a, b| exact(*b).total_cmp(&exact(*a)));
            let mut got: Vec<u64> = candidates(&codes, &code_of(&query.values), &docs, 4 * k)
                .into_iter()
                .map(u64::from)
                .collect();
            got.sort_by(|a, b| exact(*b).total_cmp(&exact(*a)));
            overlap += all[..k].iter().filter(|o| got[..k].contains(o)).count();
        }
        let share = overlap as f64 / (10 * k) as f64;
        assert!(
            share >= 0.9,
            "only {share:.3} of the exact neighbours found"
        );
    }

    #[test]
    fn few_pairs_are_all_candidates_and_codes_are_signs() {
        assert_eq!(code_of(&[1, -1, 0, 5]), vec![0b1001]);
        let codes = SegmentCodes {
            words: 1,
            codes: vec![0, u64::MAX],
            ..SegmentCodes::default()
        };
        assert_eq!(candidates(&codes, &[0], &[0, 1], 2), vec![0, 1]);
        assert_eq!(candidates(&codes, &[0], &[0, 1], 1), vec![0]);
        assert_eq!(candidates(&codes, &[u64::MAX], &[0, 1], 1), vec![1]);
    }

    #[test]
    fn the_centre_weighs_each_vector_by_the_documents_holding_it() {
        // A text stored three times counts three times; one only deleted documents hold
        // (weight 0) does not count.
        let (a, b, c) = ([1.0f32, 0.0], [0.0f32, 1.0], [-1.0f32, -1.0]);
        let mut coder = Coder::default();
        for (ord, (v, weight)) in [(a, 3), (b, 1), (c, 0)].iter().enumerate() {
            coder.add(ord, &Quantized::new(v).to_bytes(), 3, *weight);
        }
        let coder = coder.finish();
        assert_eq!(coder.count, 4);
        let mean: Vec<f64> = coder.sum.iter().map(|s| s / coder.count as f64).collect();
        assert!(
            (mean[0] - 0.75).abs() < 0.01 && (mean[1] - 0.25).abs() < 0.01,
            "{mean:?}"
        );
    }
}
