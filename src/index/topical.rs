//! Topic feedback for hybrid search: among the query's semantic neighbours, those that
//! carry the topic the query is about, as a third ranking for reciprocal rank fusion.
//!
//! In: the query's own topics and tones ([`super::QueryEncoder::query_topics`]: the
//! analysis a comment would get), the pool of its nearest comments (at most [`POOL`],
//! similarity ≥ [`TOPICAL_FLOOR`], best first) and the searcher. Out: the [`Semantic`] hits:
//! the plain neighbours (similarity ≥ [`super::fusion::FLOOR`], at most
//! [`super::fusion::SEMANTIC_K`]) and the pool's comments whose analysis carries one of the
//! query's topics with the query's tone (any tone when the query's is neutral; the opposite
//! tone when more of the 20 nearest neighbours carry the topic with it), at most
//! `SEMANTIC_K`, best first. When the query's analysis names no topic, the topic and tone
//! that at least half of the 20 nearest neighbours carry stands in (the `suggested_topic`
//! rule; of two, the one whose carriers are nearer the query); with neither, there is no
//! third list.
//!
//! Why: relevance in feedback search is mostly "this topic, this tone". A short query's
//! vector lands near the topic but mixes in its other tone and neighbouring topics, and
//! cross-lingual neighbours rank below same-language ones; the comments' stored analyses
//! already say which topic and tone each one has. Chosen on the dev half of
//! `corpora/search/queries.jsonl` with `examples/search_tune.rs` (README "Semantic and
//! hybrid search").

use std::collections::HashSet;

use tantivy::collector::{DocSetCollector, FacetCollector};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, Searcher, Term};

use super::CommentIndex;
use super::fusion::{FLOOR, SEMANTIC_K};
use super::knn::AddressSet;
use super::schema::facet;
use crate::Result;
use crate::analysis::Label;

/// How many nearest comments the topic list is drawn from.
pub const POOL: usize = 1000;
/// The lowest similarity of a comment in the pool.
pub const TOPICAL_FLOOR: f32 = 0.0;
/// The topic list's weight in the fusion (the keyword and neighbour lists weigh 1).
pub const TOPICAL_WEIGHT: f32 = 2.0;
/// How many of the nearest neighbours vote for a topic when the query names none.
const FEEDBACK_TOP: usize = 20;

/// A query's semantic hits.
#[derive(Debug, Clone, Default)]
pub struct Semantic {
    /// The nearest comments: similarity ≥ `FLOOR`, at most `SEMANTIC_K`, best first.
    pub near: Vec<(f32, DocAddress)>,
    /// The nearest comments that carry the query's topic (hybrid only), best first.
    pub topical: Vec<(f32, DocAddress)>,
}

impl Semantic {
    /// Plain neighbours only (`mode=semantic`).
    pub fn plain(near: Vec<(f32, DocAddress)>) -> Semantic {
        Semantic {
            near,
            topical: Vec::new(),
        }
    }

    /// The pool split into neighbours and the comments carrying `topics` (or the topic the
    /// nearest neighbours share).
    pub fn with_topics(
        index: &CommentIndex,
        searcher: &Searcher,
        pool: Vec<(f32, DocAddress)>,
        topics: &[(String, Label)],
    ) -> Result<Semantic> {
        let near: Vec<(f32, DocAddress)> = pool
            .iter()
            .take_while(|(s, _)| *s >= FLOOR)
            .take(SEMANTIC_K)
            .copied()
            .collect();
        let top = &near[..near.len().min(FEEDBACK_TOP)];
        let votes = votes(searcher, top)?;
        let terms: Vec<Term> = match topics.is_empty() {
            false => topics
                .iter()
                .map(|(topic, tone)| topic_term(index, topic, voted_tone(&votes, topic, *tone)))
                .collect(),
            true => shared_topic(index, searcher, top, &votes)?
                .into_iter()
                .collect(),
        };
        let topical = carrying(searcher, &pool, terms)?;
        Ok(Semantic { near, topical })
    }

    /// Every semantic hit once (neighbours, then the rest of the topic list).
    pub fn hits(&self) -> Vec<(f32, DocAddress)> {
        let mut seen = HashSet::new();
        let all = self.near.iter().chain(&self.topical);
        all.filter(|(_, a)| seen.insert(*a)).copied().collect()
    }
}

/// The facet term of a topic with a tone (the topic alone for a neutral tone).
fn topic_term(index: &CommentIndex, topic: &str, tone: Label) -> Term {
    let f = match tone {
        Label::Neutral => facet("topic", topic),
        tone => facet("aspect", &format!("{topic}:{}", tone.as_str())),
    };
    Term::from_facet(index.fields().facets, &f)
}

/// How many of `top` carry each topic-and-tone (`/aspect/<topic>:<tone>` facets).
fn votes(searcher: &Searcher, top: &[(f32, DocAddress)]) -> Result<Vec<(Facet, usize)>> {
    if top.is_empty() {
        return Ok(Vec::new());
    }
    let mut facets = FacetCollector::for_field("facets");
    facets.add_facet("/aspect");
    let counts = searcher.search(&AddressSet::new(searcher, top.iter().map(|h| h.1)), &facets)?;
    Ok(counts
        .get("/aspect")
        .map(|(f, n)| (f.clone(), n as usize))
        .collect())
}

/// The query's tone for `topic`, unless more of the nearest neighbours carry the topic with
/// the opposite tone (a short query's own tone is the least sure part of its analysis:
/// "on hold for an hour" reads as positive). A neutral tone stays (any tone matches).
fn voted_tone(votes: &[(Facet, usize)], topic: &str, tone: Label) -> Label {
    let other = match tone {
        Label::Positive => Label::Negative,
        Label::Negative => Label::Positive,
        Label::Neutral => return tone,
    };
    let count = |l: Label| {
        let f = facet("aspect", &format!("{topic}:{}", l.as_str()));
        votes.iter().find(|(v, _)| *v == f).map_or(0, |(_, n)| *n)
    };
    if count(other) > count(tone) {
        other
    } else {
        tone
    }
}

/// The topic-and-tone facet at least half of the nearest neighbours carry; of several, the
/// one whose carriers are nearest the query (the largest sum of their similarities).
fn shared_topic(
    index: &CommentIndex,
    searcher: &Searcher,
    top: &[(f32, DocAddress)],
    votes: &[(Facet, usize)],
) -> Result<Option<Term>> {
    if top.len() < 2 {
        return Ok(None);
    }
    let mut best: Option<(f32, Term)> = None;
    for (f, n) in votes {
        if n * 2 < top.len() {
            continue;
        }
        let term = Term::from_facet(index.fields().facets, f);
        let carriers = carrying(searcher, top, vec![term.clone()])?;
        let weight: f32 = carriers.iter().map(|h| h.0).sum();
        if best.as_ref().is_none_or(|(w, _)| weight > *w) {
            best = Some((weight, term));
        }
    }
    Ok(best.map(|(_, t)| t))
}

/// The comments of `pool` that carry one of `terms`, in the pool's order, at most
/// `SEMANTIC_K`.
fn carrying(
    searcher: &Searcher,
    pool: &[(f32, DocAddress)],
    terms: Vec<Term>,
) -> Result<Vec<(f32, DocAddress)>> {
    if terms.is_empty() || pool.is_empty() {
        return Ok(Vec::new());
    }
    let any: Vec<Box<dyn Query>> = terms
        .into_iter()
        .map(|t| Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)
        .collect();
    let query = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(BooleanQuery::union(any)) as Box<dyn Query>,
        ),
        (
            Occur::Must,
            Box::new(AddressSet::new(searcher, pool.iter().map(|h| h.1))),
        ),
    ]);
    let carriers = searcher.search(&query, &DocSetCollector)?;
    Ok(pool
        .iter()
        .filter(|(_, a)| carriers.contains(a))
        .take(SEMANTIC_K)
        .copied()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neighbours_overrule_the_query_tone_only_when_more_of_them_disagree() {
        let votes = vec![
            (facet("aspect", "response_time:negative"), 6),
            (facet("aspect", "response_time:positive"), 3),
            (facet("aspect", "delivery:positive"), 2),
        ];
        let tone = |topic, tone| voted_tone(&votes, topic, tone);
        assert_eq!(tone("response_time", Label::Positive), Label::Negative);
        assert_eq!(tone("response_time", Label::Negative), Label::Negative);
        // Neutral matches any tone and stays; no carriers of the other tone: the query's.
        assert_eq!(tone("response_time", Label::Neutral), Label::Neutral);
        assert_eq!(tone("delivery", Label::Positive), Label::Positive);
        assert_eq!(tone("billing", Label::Negative), Label::Negative);
    }
}
