//! Nearest neighbours over the stored comment vectors, among the documents a query (the
//! filters) matches, and a query that matches a given set of documents.
//!
//! In: a [`SemanticQuery`], the filter query, how many neighbours and the lowest cosine
//! kept. Out: `(cosine, address)` pairs, best first. The search is a tantivy collector, so
//! every filter (and deletion) applies as it does to keyword search. When a segment's
//! matching documents are more than a few times `k`, their binary codes ([`codes`]) choose
//! which of them are scored; the cosines are always the stored int8 vectors', read from the
//! `vector` bytes column in term-ordinal order (each dictionary block decoded once, blocks
//! holding none skipped).
//!
//! Queries are centred first ([`CommentIndex::semantic_query`]): the mean of the stored
//! vectors is taken from the query vector. The encoder's vectors all share a large common
//! direction (cosines of unrelated comments run 0.8–0.9), and short generic comments ("I
//! usually shop here on weekends") sit near it and answer every query; ranking by the
//! centred query's dot product sends them down. The mean is summed from each segment's
//! sum, kept with its codes.
//!
//! [`AddressSet`] matches a fixed set of documents (the semantic hits), so that totals,
//! facets and date order run over keyword ∪ semantic hits through tantivy's own collectors.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::BitSet;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::BytesColumn;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::CommentIndex;
use super::codes::{self, SegmentCodes};
use super::vectors::{FIELD, Quantized};
use crate::{Error, Result};

/// How many of a segment's matches are scored exactly for `k` neighbours when it has
/// more: `k` and three more for each of the first 200 (at least 400). The rest are passed
/// over on their binary codes ([`codes`]), which rank them well enough that the true
/// neighbours fall among the candidates (the search figures on the demo corpus are those
/// of the exact search).
fn rescored(k: usize) -> usize {
    k.saturating_add(3 * k.min(200)).max(400)
}

/// The `k` stored vectors nearest to `query` (cosine ≥ `floor`) among the documents
/// `filter` matches.
pub fn nearest(
    searcher: &Searcher,
    filter: &dyn Query,
    query: &SemanticQuery,
    k: usize,
    floor: f32,
) -> Result<Vec<(f32, DocAddress)>> {
    let collector = Nearest { query, k, floor };
    searcher
        .search(filter, &collector)?
        .map_err(Error::Internal)
}

/// A semantic query on one searcher's segments: the query vector less the stored vectors'
/// mean, quantised, its binary code, and each segment's codes.
pub struct SemanticQuery {
    pub vector: Quantized,
    code: Vec<u64>,
    segments: Vec<Option<Arc<SegmentCodes>>>,
}

impl CommentIndex {
    /// `v` as a semantic query on this searcher's segments: less the stored vectors' mean,
    /// L2-normalized, quantised (the segments' codes are built on first sight).
    pub(super) fn semantic_query(&self, searcher: &Searcher, v: &[f32]) -> Result<SemanticQuery> {
        let segments = self.codes.for_searcher(searcher)?;
        let mean = codes::mean(&segments).unwrap_or_default();
        let mut q: Vec<f32> = match mean.len() == v.len() {
            true => v.iter().zip(mean.iter()).map(|(x, m)| x - m).collect(),
            false => v.to_vec(),
        };
        let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            q.iter_mut().for_each(|x| *x /= norm);
        }
        let vector = Quantized::new(&q);
        Ok(SemanticQuery {
            code: codes::code_of(&vector.values),
            vector,
            segments,
        })
    }
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
    query: &'a SemanticQuery,
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
            codes: self.query.segments.get(ord as usize).cloned().flatten(),
            code: self.query.code.clone(),
            query: self.query.vector.clone(),
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
    codes: Option<Arc<SegmentCodes>>,
    code: Vec<u64>,
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
        let rescored = rescored(self.k);
        let docs = match &self.codes {
            Some(codes) if self.docs.len() > rescored => {
                codes::candidates(codes, &self.code, &self.docs, rescored)
            }
            _ => self.docs,
        };
        let pairs: Vec<(u64, DocId)> = docs
            .iter()
            .filter_map(|&d| column.term_ords(d).next().map(|o| (o, d)))
            .collect();
        let error = |e: std::io::Error| format!("reading comment vectors: {e}");
        let keep =
            |s: f32, d: DocId| (s >= self.floor).then_some((s, DocAddress::new(self.ord, d)));
        let scores = lookup(column, &self.query, &pairs).map_err(error)?;
        let found = pairs
            .iter()
            .filter_map(|&(o, d)| keep(*scores.get(&o)?, d))
            .collect();
        Ok(best(found, self.k))
    }
}

/// The cosine of each needed ordinal, looked up in ordinal order (a dictionary block is
/// decoded once for all the ordinals it holds).
fn lookup(
    column: &BytesColumn,
    query: &Quantized,
    pairs: &[(u64, DocId)],
) -> std::io::Result<HashMap<u64, f32>> {
    let mut ords: Vec<u64> = pairs.iter().map(|&(o, _)| o).collect();
    ords.sort_unstable();
    ords.dedup();
    let mut scores = HashMap::with_capacity(ords.len());
    let mut next = ords.iter();
    column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
        if let (Some(&o), Some(s)) = (next.next(), query.cosine(bytes)) {
            scores.insert(o, s);
        }
    })?;
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
