//! Semantic and hybrid search: the query's nearest comments (by meaning) fused with the
//! keyword (BM25) ranking by reciprocal rank fusion, why each hit matched, and the topic
//! that dominates the hits.
//!
//! In: a [`super::SearchRequest`] with its [`Mode`], the index's searcher, the filter query
//! and a [`QueryEncoder`]. Out: the semantic hits ([`neighbours`]: the neighbours, and for
//! hybrid the neighbours carrying the query's topic, [`super::topical`]), the query whose
//! matches are counted (keyword ∪ semantic, [`union`]), the fused ranking ([`rrf`]), each
//! hit's [`Match`] and a [`SuggestedTopic`].
//!
//! - The query is embedded in Simplified script (繁→简, as the keyword side folds it): the
//!   encoder places Simplified queries nearer their topic's comments in every language.
//! - Reciprocal rank fusion with k = [`RRF_K`] (60, as Cormack et al. 2009): a comment at
//!   rank r (from 1) of a list gets w / (60 + r) from it; the fused score is the sum over
//!   the keyword (w = 1), neighbour (w = 1) and topic (w = [`super::topical::TOPICAL_WEIGHT`])
//!   lists. Ranks, not scores, are fused, so BM25's scale and the cosine's never need to
//!   agree.
//! - A query whose words match at most [`FEW_WORDS`] comments has those literal matches
//!   first (in fused order), then the rest of the fused ranking.
//! - Semantic neighbours: at most [`SEMANTIC_K`] per query, only those whose similarity
//!   (the dot product of the comment's vector with the centred query, [`super::knn`]) is
//!   ≥ [`FLOOR`], so that unrelated comments do not fill free slots. 0.20 is the highest
//!   floor whose hybrid nDCG@10 (keyword and neighbours only, `hybrid-before`) on the dev
//!   half of `corpora/search/queries.jsonl` is within 0.005 of no floor at all (`cargo run
//!   --example search_eval`, README "Search"). The topic list has its own floor, 0.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, Weight};
use tantivy::{DocAddress, DocSet, Searcher};

use super::knn::{self, AddressSet};
use super::topical::{POOL, Semantic, TOPICAL_FLOOR, TOPICAL_WEIGHT};
use super::vectors::{QueryAnalysis, QueryEncoder};
use super::{CommentIndex, Hit, query};
use crate::text::variants::to_simplified;
use crate::{Error, Result};

/// The k of reciprocal rank fusion.
pub const RRF_K: f32 = 60.0;
/// The most semantic neighbours one query takes.
pub const SEMANTIC_K: usize = 200;
/// The lowest similarity (centred query to comment) a semantic neighbour may have.
pub const FLOOR: f32 = 0.20;
/// A query whose words match at most this many comments has them ranked first in hybrid
/// search (their fused scores then are out of order): so few literal matches are what was
/// asked for, and neighbours far from a query can fill the first page with a topic it never
/// named (the page's check searches "script", whose one literal match, an ingested
/// `<script>` comment, fell behind 20 neighbours at similarity 0.25–0.28). The keyword side
/// needs every word of the query, so multi-word queries take this path more often: 11 of
/// the 65 labelled queries do ("charged twice" 3 matches, "too expensive" 10). On
/// `corpora/search/queries.jsonl`, 0 / 5 / 10 / 20 → hybrid recall@50 dev 0.912 / 0.912 /
/// 0.912 / 0.910, test 0.912 / 0.912 / 0.912 / 0.915, nDCG@10 test 0.930 / 0.932 / 0.932 /
/// 0.927 (2026-12-07, default student).
pub const FEW_WORDS: usize = 10;
/// How many of the top hits [`suggest`] looks at.
const SUGGEST_TOP: usize = 20;

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Words only (BM25).
    Keyword,
    /// Meaning only: the comments whose vectors are nearest the query's.
    Semantic,
    /// Both, fused by reciprocal rank (k = 60).
    #[default]
    Hybrid,
}

/// Why a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// It holds the query's words.
    Keyword,
    /// Its meaning is near the query's (no words in common needed).
    Semantic,
    Both,
}

/// A topic most of the top hits share: offered as a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuggestedTopic {
    pub id: String,
    pub name: String,
    /// Matching comments in the topic (its facet count).
    pub count: u64,
}

/// The semantic hits of `q` among the comments `filter` matches, or `None` when the
/// search is by keyword only: `mode=keyword`, a blank `q`, or `mode=hybrid` where there is
/// no model or the index holds no vectors. `mode=semantic` without them is an error naming
/// `mode`.
pub(super) fn neighbours(
    index: &CommentIndex,
    searcher: &Searcher,
    mode: Mode,
    q: &str,
    filter: Option<&dyn Query>,
    encoder: Option<&dyn QueryEncoder>,
) -> Result<Option<Semantic>> {
    let semantic_only = mode == Mode::Semantic;
    if mode == Mode::Keyword {
        return Ok(None);
    }
    if q.trim().is_empty() {
        return match semantic_only {
            true => Err(Error::User(
                "`q`: mode=semantic needs a query (or use mode=keyword)".into(),
            )),
            false => Ok(None),
        };
    }
    if index.fields().vector.is_none() || knn::stored_vectors(searcher)? == 0 {
        return match semantic_only {
            true => Err(Error::User(
                "`mode`: this index holds no comment vectors (it was built before semantic \
                 search, or without the model): ingest the comments again to search by \
                 meaning, or use mode=keyword"
                    .into(),
            )),
            false => Ok(None),
        };
    }
    let folded = to_simplified(q);
    let analysed = encoder.map(|e| match semantic_only {
        true => e.embed_query(&folded).map(|v| {
            v.map(|vector| QueryAnalysis {
                vector,
                topics: Vec::new(),
            })
        }),
        false => e.analyze_query(&folded),
    });
    let analysed = match analysed {
        // Nothing left once normalized (control characters only): no meaning to search by,
        // so hybrid answers by keyword and semantic finds no neighbour.
        Some(Err(Error::EmptyText(_))) if semantic_only => return Ok(Some(Semantic::default())),
        Some(Err(Error::EmptyText(_))) => return Ok(None),
        Some(embedded) => embedded?,
        None => None,
    };
    let Some(QueryAnalysis { vector, topics }) = analysed else {
        return match semantic_only {
            true => Err(Error::User(
                "`mode`: semantic search needs the model, which is not loaded (use \
                 mode=keyword)"
                    .into(),
            )),
            false => Ok(None),
        };
    };
    let all = tantivy::query::AllQuery;
    let filter = filter.unwrap_or(&all);
    let query = index.semantic_query(searcher, &vector)?;
    if semantic_only {
        let near = knn::nearest(searcher, filter, &query, SEMANTIC_K, FLOOR)?;
        return Ok(Some(Semantic::plain(near)));
    }
    let pool = knn::nearest(searcher, filter, &query, POOL, TOPICAL_FLOOR)?;
    Semantic::with_topics(index, searcher, pool, &topics).map(Some)
}

/// The hybrid ranking: the keyword query's best `max(end, SEMANTIC_K)` fused with the
/// neighbours and the topic list.
pub(super) fn hybrid(
    searcher: &Searcher,
    keyword: &dyn Query,
    semantic: &Semantic,
    end: usize,
) -> Result<Vec<(f32, DocAddress)>> {
    let depth = TopDocs::with_limit(end.max(SEMANTIC_K));
    let words = searcher.search(keyword, &depth.order_by_score())?;
    let words: Vec<DocAddress> = words.iter().map(|h| h.1).collect();
    let near: Vec<DocAddress> = semantic.near.iter().map(|h| h.1).collect();
    let topical: Vec<DocAddress> = semantic.topical.iter().map(|h| h.1).collect();
    let mut fused = rrf(&[(&words, 1.0), (&near, 1.0), (&topical, TOPICAL_WEIGHT)]);
    if !words.is_empty() && words.len() <= FEW_WORDS {
        // a stable sort: the literal matches first, each part in fused order
        fused.sort_by_key(|h| !words.contains(&h.1));
    }
    Ok(fused)
}

/// The query whose matches a semantic or hybrid search counts: the semantic hits, or them
/// and the keyword query's matches, within the filters.
pub(super) fn union(
    mode: Mode,
    text: Box<dyn Query>,
    filter: Option<Box<dyn Query>>,
    semantic: AddressSet,
) -> Box<dyn Query> {
    match mode {
        Mode::Semantic => Box::new(semantic),
        _ => {
            let either = BooleanQuery::new(vec![
                (Occur::Should, text),
                (Occur::Should, Box::new(semantic)),
            ]);
            query::combine(Box::new(either), filter)
        }
    }
}

/// Weighted reciprocal rank fusion of rankings (best first, each with its weight): fused
/// score, best first.
pub fn rrf(lists: &[(&[DocAddress], f32)]) -> Vec<(f32, DocAddress)> {
    let mut scores: HashMap<DocAddress, f32> = HashMap::new();
    for (list, weight) in lists {
        for (rank, address) in list.iter().enumerate() {
            *scores.entry(*address).or_default() += weight / (RRF_K + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(f32, DocAddress)> = scores.into_iter().map(|(a, s)| (s, a)).collect();
    fused.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    fused
}

/// Tells for a hit whether it matched the words, the meaning or both.
pub(super) struct Why {
    words: Box<dyn Weight>,
    semantic: HashMap<DocAddress, f32>,
}

impl Why {
    pub fn new(
        searcher: &Searcher,
        text: &dyn Query,
        semantic: &[(f32, DocAddress)],
    ) -> Result<Why> {
        Ok(Why {
            words: text.weight(EnableScoring::disabled_from_searcher(searcher))?,
            semantic: semantic.iter().map(|&(s, a)| (a, s)).collect(),
        })
    }

    /// The hit's match and its cosine to the query when it is a semantic neighbour.
    pub fn of(&self, searcher: &Searcher, a: DocAddress) -> Result<(Match, Option<f32>)> {
        let segment = searcher.segment_reader(a.segment_ord);
        let mut scorer = self.words.scorer(segment, 1.0)?;
        let words = scorer.doc() <= a.doc_id && scorer.seek(a.doc_id) == a.doc_id;
        let cosine = self.semantic.get(&a).copied();
        let why = match (words, cosine.is_some()) {
            (true, true) => Match::Both,
            (false, true) => Match::Semantic,
            _ => Match::Keyword,
        };
        Ok((why, cosine))
    }
}

/// The topic at least half of the top hits carry (the most common one), with its count
/// among all matches.
pub(super) fn suggest(
    hits: &[Hit],
    topic_counts: &BTreeMap<String, u64>,
) -> Option<SuggestedTopic> {
    let top = &hits[..hits.len().min(SUGGEST_TOP)];
    let mut carried: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for hit in top {
        for t in &hit.analysis.topics {
            carried.entry(&t.id).or_insert((0, &t.name)).0 += 1;
        }
    }
    let (id, (n, name)) = carried
        .into_iter()
        .max_by_key(|(id, (n, _))| (*n, std::cmp::Reverse(*id)))?;
    (top.len() >= 2 && n * 2 >= top.len()).then(|| SuggestedTopic {
        id: id.to_string(),
        name: name.to_string(),
        count: topic_counts.get(id).copied().unwrap_or(n as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_adds_reciprocal_ranks() {
        let (a, b, c) = (
            DocAddress::new(0, 1),
            DocAddress::new(0, 2),
            DocAddress::new(0, 3),
        );
        let fused = rrf(&[(&[a, b], 1.0), (&[c, b], 1.0)]);
        // b: 1/62 + 1/62 beats a: 1/61 and c: 1/61.
        assert_eq!(fused[0].1, b);
        assert!((fused[0].0 - 2.0 / 62.0).abs() < 1e-6);
        assert_eq!(fused.len(), 3);
        // Weight 2 on the second list: b 1/62 + 2/62, c 2/61, a 1/61.
        let fused = rrf(&[(&[a, b], 1.0), (&[c, b], 2.0)]);
        let order: Vec<DocAddress> = fused.iter().map(|h| h.1).collect();
        assert_eq!(order, [b, c, a]);
    }
}
