//! Exact nearest neighbours over the stored comment vectors, among the documents a query
//! (the filters) matches, and a query that matches a given set of documents.
//!
//! In: a quantised query vector ([`Quantized`]), the filter query, how many neighbours and
//! the lowest cosine kept. Out: `(cosine, address)` pairs, best first. The search is a
//! tantivy collector, so every filter (and deletion) applies as it does to keyword search.
//! Per segment the matching documents' term ordinals are read from the `vector` bytes
//! column; when they are many, the column's dictionary is streamed once (each distinct
//! vector scored once, in order), otherwise each needed vector is looked up.
//!
//! Queries are centred first ([`CommentIndex::semantic_query`]): the mean of the stored
//! vectors is taken from the query vector. The encoder's vectors all share a large common
//! direction (cosines of unrelated comments run 0.8–0.9), and short generic comments ("I
//! usually shop here on weekends") sit near it and answer every query; ranking by the
//! centred query's dot product sends them down. The mean is computed once per set of
//! segments (one pass over the distinct vectors) and cached.
//!
//! [`AddressSet`] matches a fixed set of documents (the semantic hits), so that totals,
//! facets and date order run over keyword ∪ semantic hits through tantivy's own collectors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::BytesColumn;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::BitSet;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::vectors::{Quantized, FIELD};
use super::CommentIndex;
use crate::{Error, Result};

/// Below this share of a segment's distinct vectors, matches are looked up one by one
/// instead of streaming the whole dictionary.
const LOOKUP_SHARE: usize = 16;

/// The `k` stored vectors nearest to `query` (cosine ≥ `floor`) among the documents
/// `filter` matches.
pub fn nearest(
    searcher: &Searcher,
    filter: &dyn Query,
    query: &Quantized,
    k: usize,
    floor: f32,
) -> Result<Vec<(f32, DocAddress)>> {
    let collector = Nearest { query, k, floor };
    searcher
        .search(filter, &collector)?
        .map_err(Error::Internal)
}

/// The cached mean vector of a set of segments.
#[derive(Clone, Default)]
pub struct Centroid(Arc<Mutex<Option<Keyed>>>);

/// A mean vector and the segments it was computed over.
type Keyed = (Vec<SegmentId>, Arc<Vec<f32>>);

impl CommentIndex {
    /// `v` as a semantic query on this searcher's segments: less the stored vectors' mean,
    /// L2-normalized, quantised.
    pub(super) fn semantic_query(&self, searcher: &Searcher, v: &[f32]) -> Result<Quantized> {
        let mut ids: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        ids.sort();
        let cached = {
            let guard = self
                .centroid
                .0
                .lock()
                .map_err(|_| Error::Internal("centroid lock".into()))?;
            guard
                .as_ref()
                .filter(|(k, _)| *k == ids)
                .map(|(_, m)| m.clone())
        };
        let mean = match cached {
            Some(m) => m,
            None => {
                let m = Arc::new(centroid(searcher)?.unwrap_or_default());
                let mut guard = self
                    .centroid
                    .0
                    .lock()
                    .map_err(|_| Error::Internal("centroid lock".into()))?;
                *guard = Some((ids, m.clone()));
                m
            }
        };
        let mut q: Vec<f32> = match mean.len() == v.len() {
            true => v.iter().zip(mean.iter()).map(|(x, m)| x - m).collect(),
            false => v.to_vec(),
        };
        let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            q.iter_mut().for_each(|x| *x /= norm);
        }
        Ok(Quantized::new(&q))
    }
}

/// The mean of the distinct stored vectors (`None` when there are none), as floats.
pub fn centroid(searcher: &Searcher) -> Result<Option<Vec<f32>>> {
    let mut sum: Vec<f64> = Vec::new();
    let mut n = 0usize;
    for segment in searcher.segment_readers() {
        let Some(column) = segment.fast_fields().bytes(FIELD)? else {
            continue;
        };
        let mut stream = column
            .dictionary()
            .stream()
            .map_err(|e| Error::Internal(e.to_string()))?;
        while stream.advance() {
            let Some(v) = Quantized::from_bytes(stream.key()) else {
                continue;
            };
            if sum.is_empty() {
                sum = vec![0.0; v.values.len()];
            }
            if v.values.len() == sum.len() {
                for (s, &x) in sum.iter_mut().zip(&v.values) {
                    *s += f64::from(x) * f64::from(v.scale);
                }
                n += 1;
            }
        }
    }
    Ok((n > 0).then(|| sum.iter().map(|s| (s / n as f64) as f32).collect()))
}

/// How many vectors the index holds (distinct, summed over segments; 0 when none).
pub fn stored_vectors(searcher: &Searcher) -> Result<usize> {
    let mut n = 0;
    for segment in searcher.segment_readers() {
        if let Some(column) = segment.fast_fields().bytes(FIELD)? {
            n += column.num_terms();
        }
    }
    Ok(n)
}

struct Nearest<'a> {
    query: &'a Quantized,
    k: usize,
    floor: f32,
}

type Found = std::result::Result<Vec<(f32, DocAddress)>, String>;

impl Collector for Nearest<'_> {
    type Fruit = Found;
    type Child = SegmentNearest;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentNearest {
            ord,
            column: segment.fast_fields().bytes(FIELD)?,
            query: self.query.clone(),
            k: self.k,
            floor: self.floor,
            docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Found>) -> tantivy::Result<Found> {
        let mut all = Vec::new();
        for fruit in fruits {
            match fruit {
                Ok(found) => all.extend(found),
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(best(all, self.k)))
    }
}

struct SegmentNearest {
    ord: SegmentOrdinal,
    column: Option<BytesColumn>,
    query: Quantized,
    k: usize,
    floor: f32,
    docs: Vec<DocId>,
}

impl SegmentCollector for SegmentNearest {
    type Fruit = Found;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
    }

    fn harvest(self) -> Found {
        let Some(column) = &self.column else {
            return Ok(Vec::new());
        };
        let pairs: Vec<(u64, DocId)> = self
            .docs
            .iter()
            .filter_map(|&d| column.term_ords(d).next().map(|o| (o, d)))
            .collect();
        let error = |e: std::io::Error| format!("reading comment vectors: {e}");
        let keep =
            |s: f32, d: DocId| (s >= self.floor).then_some((s, DocAddress::new(self.ord, d)));
        let found = if pairs.len() * LOOKUP_SHARE < column.num_terms() {
            let scores = lookup(column, &self.query, &pairs).map_err(error)?;
            pairs
                .iter()
                .filter_map(|&(o, d)| keep(*scores.get(&o)?, d))
                .collect()
        } else {
            let scores = stream(column, &self.query).map_err(error)?;
            pairs
                .iter()
                .filter_map(|&(o, d)| keep(*scores.get(o as usize)?, d))
                .collect()
        };
        Ok(best(found, self.k))
    }
}

/// The cosine of each needed ordinal, each looked up.
fn lookup(
    column: &BytesColumn,
    query: &Quantized,
    pairs: &[(u64, DocId)],
) -> std::io::Result<HashMap<u64, f32>> {
    let mut scores = HashMap::with_capacity(pairs.len());
    let mut buf = Vec::new();
    for &(o, _) in pairs {
        if !scores.contains_key(&o) && column.ord_to_bytes(o, &mut buf)? {
            if let Some(s) = query.cosine(&buf) {
                scores.insert(o, s);
            }
        }
    }
    Ok(scores)
}

/// The cosine of every distinct vector of the segment by ordinal (−∞ for a malformed
/// one), in one pass over the dictionary.
fn stream(column: &BytesColumn, query: &Quantized) -> std::io::Result<Vec<f32>> {
    let mut scores = vec![f32::NEG_INFINITY; column.num_terms()];
    let mut stream = column.dictionary().stream()?;
    while stream.advance() {
        if let (Some(s), Some(slot)) = (
            query.cosine(stream.key()),
            scores.get_mut(stream.term_ord() as usize),
        ) {
            *slot = s;
        }
    }
    Ok(scores)
}

/// The `k` best, best first (ties by address, so results are stable): selected in linear
/// time, then only those sorted.
fn best(mut found: Vec<(f32, DocAddress)>, k: usize) -> Vec<(f32, DocAddress)> {
    let order =
        |a: &(f32, DocAddress), b: &(f32, DocAddress)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if k == 0 {
        return Vec::new();
    }
    if found.len() > k {
        found.select_nth_unstable_by(k - 1, order);
        found.truncate(k);
    }
    found.sort_by(order);
    found
}

/// A query matching exactly the given documents (of this searcher), with score 1.
#[derive(Clone, Debug)]
pub struct AddressSet {
    docs: Arc<HashMap<SegmentId, Vec<DocId>>>,
}

impl AddressSet {
    pub fn new(searcher: &Searcher, addresses: impl IntoIterator<Item = DocAddress>) -> Self {
        let mut docs: HashMap<SegmentId, Vec<DocId>> = HashMap::new();
        let segments = searcher.segment_readers();
        for a in addresses {
            if let Some(segment) = segments.get(a.segment_ord as usize) {
                docs.entry(segment.segment_id()).or_default().push(a.doc_id);
            }
        }
        for list in docs.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        AddressSet {
            docs: Arc::new(docs),
        }
    }
}

impl Query for AddressSet {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for AddressSet {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut set = BitSet::with_max_value(reader.max_doc());
        for &doc in self.docs.get(&reader.segment_id()).into_iter().flatten() {
            if doc < reader.max_doc() {
                set.insert(doc);
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(set), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let held = self
            .docs
            .get(&reader.segment_id())
            .is_some_and(|d| d.binary_search(&doc).is_ok());
        match held {
            true => Ok(Explanation::new("semantic hit", 1.0)),
            false => Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is not a semantic hit"
            ))),
        }
    }
}
