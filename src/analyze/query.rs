//! A search query read for hybrid search: its vector, and the topics it is about with their
//! tones, as a comment's analysis gives them, plus a seeded topic.
//!
//! In: the query text. Out: its vector and topics ([`QueryAnalysis`]), from one encoder pass.
//! A query is short, and short texts often fall under every topic's threshold although they
//! name one: "态度很差" (attitude, very poor) scored under service attitude's threshold. When
//! no topic is reported, the most confident topic of a seed term the query contains stands in
//! ([`TopicModel::seeded_query_topic`]), with the query's own tone. (With a taxonomy of a
//! user's own topics only, the unseen-topic fallback, at 0.25–0.4 of the threshold, has
//! already given such a query its best topic.)

use super::{Analyzer, check_blank, encode};
use crate::Result;
use crate::analysis::Input;
use crate::index::QueryAnalysis;

impl Analyzer {
    /// The query's vector and topics (`None` without a model).
    pub fn query_analysis(&self, text: &str) -> Result<Option<QueryAnalysis>> {
        let Some(models) = &self.models else {
            return Ok(None);
        };
        let input = Input::new(text);
        // invisible characters only: nothing to mean, as for a comment (hybrid falls back to
        // keywords on this error)
        check_blank(std::slice::from_ref(&input))?;
        let s = self.analyze_text(&input)?;
        let encoded = encode(models, &[&s])?;
        let part = self.model_part(models, &s.prepared, &s.clauses, s.clauses_cut, &encoded, 0);
        let mut topics: Vec<_> = part
            .topics
            .iter()
            .map(|t| (t.id.clone(), t.sentiment))
            .collect();
        if topics.is_empty() && self.options.topics {
            let seeded =
                models
                    .topics
                    .seeded_query_topic(&s.prepared, &s.clauses, &encoded.vectors(0));
            let tone = part.sentiment.map(|x| x.label);
            topics.extend(seeded.zip(tone));
        }
        Ok(part
            .embedding
            .map(|vector| QueryAnalysis { vector, topics }))
    }
}
