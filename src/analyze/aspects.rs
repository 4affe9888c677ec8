//! Each topic's own sentiment (aspect sentiment) and, with `explain`, its evidence.
//!
//! In: the topics the topic model assigned (each with the clauses that carry it), the
//! comment's clauses and vectors, the sentiment head and the comment's own sentiment. Out:
//! the Analysis's topics (docs/analysis.md) and evidence. The topic model says where a topic
//! is; the sentiment head says how it reads there: the two heads do not know each other.

use crate::analysis::{Label, Sentiment, Span, TopicEvidence, TopicHit};
use crate::model::encoder::Embeddings;
use crate::model::sentiment::SentimentHead;
use crate::model::topics::{Assigned, Vectors};
use crate::text::Prepared;
use crate::text::clauses::Clause;

/// One comment as the aspects read it.
pub struct Reading<'a> {
    pub prepared: &'a Prepared,
    pub clauses: &'a [Clause],
    pub vectors: Vectors<'a>,
    /// The comment's own sentiment.
    pub comment: Sentiment,
}

/// The topics with their sentiment, and (with `explain`) what carried each.
pub fn topic_hits(
    reading: &Reading,
    assigned: Vec<Assigned>,
    head: &SentimentHead,
    explain: bool,
) -> (Vec<TopicHit>, Option<Vec<TopicEvidence>>) {
    let mut evidence = explain.then(Vec::new);
    let hits = assigned
        .into_iter()
        .map(|topic| {
            if let Some(evidence) = evidence.as_mut() {
                evidence.extend(evidence_of(reading, &topic, head));
            }
            let carrying: Vec<usize> = topic.clauses.iter().map(|c| c.index).collect();
            TopicHit {
                sentiment: sentiment_of(reading, &carrying, head),
                evidence: carrying
                    .iter()
                    .map(|&j| Span {
                        start: reading.clauses[j].original.start,
                        end: reading.clauses[j].original.end,
                    })
                    .collect(),
                id: topic.id,
                name: topic.name,
                confidence: topic.confidence,
            }
        })
        .collect();
    (hits, evidence)
}

/// A topic's sentiment: that of its own clauses (encoded alone where a contrast word splits
/// the comment, "菜很好吃但是配送太慢"; read in context elsewhere), falling back to the
/// comment's when they read neutral. Chosen on labelled comments no model learns from
/// (corpora/labelled/holdout.jsonl): 0.775 against 0.768 for the average of the clauses' and
/// the comment's probabilities (gold dev, which the sentiment head learns from and so
/// favours the comment's own label: 0.919 against 0.922).
fn sentiment_of(reading: &Reading, carrying: &[usize], head: &SentimentHead) -> Label {
    if reading.clauses.len() == 1 {
        return reading.comment.label;
    }
    match head
        .predict(&mean_row(reading.vectors.clauses, carrying))
        .label
    {
        Label::Neutral => reading.comment.label,
        label => label,
    }
}

/// What carried a topic: each clause, its similarity, seeds and confidence, and how it reads.
fn evidence_of<'a>(
    reading: &'a Reading,
    topic: &'a Assigned,
    head: &'a SentimentHead,
) -> impl Iterator<Item = TopicEvidence> + 'a {
    topic.clauses.iter().map(move |carried| {
        let c = &reading.clauses[carried.index];
        TopicEvidence {
            topic: topic.id.clone(),
            clause: reading.prepared.normalized.text[c.normalized.clone()].to_string(),
            start: c.original.start,
            end: c.original.end,
            similarity: carried.similarity,
            seeds: carried.seeds.clone(),
            confidence: carried.confidence,
            sentiment: head
                .predict(reading.vectors.clauses.row(carried.index))
                .label,
        }
    })
}

/// The normalized mean of some rows.
fn mean_row(vectors: &Embeddings, rows: &[usize]) -> Vec<f32> {
    let mut sum = vec![0f32; vectors.dim];
    for &j in rows {
        for (acc, v) in sum.iter_mut().zip(vectors.row(j)) {
            *acc += v;
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    sum.iter().map(|x| x / norm).collect()
}
