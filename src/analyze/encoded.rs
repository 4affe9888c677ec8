//! One encoder call for a batch of staged comments: in, the comments after the text stage;
//! out, each comment's vector and its clauses' vectors read in context ([`Encoded`]), and,
//! for the calibration, the batch kept with its vectors ([`EncodedBatch`]).

use std::ops::Range;

use rayon::prelude::*;

use super::{Models, Staged};
use crate::Result;
use crate::model::Embeddings;
use crate::model::topics::{Features, TopicModel, Vectors};

/// Comments staged and encoded once ([`Analyzer::encode_for_topics`]).
pub struct EncodedBatch {
    pub(super) staged: Vec<Staged>,
    pub(super) encoded: Encoded,
}

impl EncodedBatch {
    /// Per comment and topic of `topics`, the comment-level features (what the calibration
    /// is fitted on).
    pub fn topic_features(&self, topics: &TopicModel) -> Vec<Vec<Features>> {
        self.staged
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                topics.comment_features(&s.prepared, &s.clauses, &self.encoded.vectors(i))
            })
            .collect()
    }
}

/// The vectors of a batch of staged comments.
pub(super) struct Encoded {
    pub(super) comments: Embeddings,
    /// Per comment, its clauses' (its own row when it is one clause).
    pub(super) clauses: Vec<Embeddings>,
}

impl Encoded {
    pub(super) fn vectors(&self, i: usize) -> Vectors<'_> {
        Vectors {
            comment: self.comments.row(i),
            clauses: &self.clauses[i],
        }
    }
}

/// Encode staged comments in one call (batched with each other only, as the sentiment head
/// was trained), which also gives each clause of a multi-clause comment its vector read in
/// context: the mean of its tokens' last hidden states, no extra model call.
///
/// Clauses split by a contrast word ("菜很好吃但是配送太慢") were once encoded again, each
/// alone, so that a clause kept its own tone. With the fine-tuned encoders the clause read in
/// context carries it too, at one pass instead of two (analysis about 1.2× faster on short
/// comments): on `corpora/labelled/holdout.jsonl` the student's aspect accuracy is 0.805 read
/// in context against 0.820 alone (the teacher's 0.799 / 0.812), on gold test 0.907 / 0.916,
/// topic F1 unchanged; see README, "Topics and aspect sentiment".
pub(super) fn encode(models: &Models, staged: &[&Staged]) -> Result<Encoded> {
    let texts: Vec<&str> = staged
        .iter()
        .map(|s| s.prepared.normalized.text.as_str())
        .collect();
    let several = |s: &Staged| s.clauses.len() > 1;
    let spans: Vec<Vec<Range<usize>>> = staged
        .iter()
        .map(|s| match several(s) {
            true => s.clauses.iter().map(|c| c.normalized.clone()).collect(),
            false => Vec::new(),
        })
        .collect();
    let (comments, in_context) = models.encoder.embed_spans(&texts, &spans)?;
    let clauses = staged
        .iter()
        .zip(in_context)
        .enumerate()
        .map(|(i, (s, in_context))| match several(s) {
            true => in_context,
            false => comments.slice(i..i + s.clauses.len()),
        })
        .collect();
    Ok(Encoded { comments, clauses })
}
