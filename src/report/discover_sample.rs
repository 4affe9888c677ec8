//! Which comments discover looks at, and their vectors.
//!
//! In: the matching comments as [`Rows`], the index's stored documents, the encoder. Out: a
//! [`Sample`]: up to `sample` candidates (comments with no topic, or whose best topic
//! confidence is below `max_confidence`), drawn in a fixed pseudo-random order, with their
//! ids, texts and embeddings, and an estimate of how many candidates all the matching
//! comments hold. Comments with no topic are known from the fast fields; a comment with
//! topics costs one stored-document read to check its confidences, and at most
//! [`READ_BUDGET`] documents are read, so a million matches cost what the budget costs.
//! The estimate is accepted / walked × matching (the walk order is random).

use serde::Deserialize;
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use super::discover_cluster::Rng;
use super::rows::Rows;
use crate::index::CommentIndex;
use crate::model::encoder::{Embeddings, Encoder};
use crate::text::normalize;
use crate::{Error, Result};

/// The most stored documents one discover run reads.
pub const READ_BUDGET: usize = 200_000;
/// Characters of a comment that are embedded (the start of a long text stands for it).
pub const EMBED_CHARS: usize = 400;
/// Texts per encoder call.
const BATCH: usize = 128;

/// The candidates drawn.
pub struct Sample {
    /// Indices into the rows.
    pub rows: Vec<usize>,
    pub ids: Vec<String>,
    pub texts: Vec<String>,
    /// The best (low-confidence) topic of each candidate that has one.
    pub topics: Vec<Option<String>>,
    /// One row per candidate.
    pub vectors: Embeddings,
    /// How many of the matching comments are candidates (exact when the walk finished).
    pub estimated: f64,
}

#[derive(Deserialize)]
struct StoredText {
    id: String,
    text: String,
}

#[derive(Deserialize)]
struct StoredTopics {
    #[serde(default)]
    topics: Vec<StoredConfidence>,
}

#[derive(Deserialize)]
struct StoredConfidence {
    id: String,
    confidence: f32,
}

/// Draw the candidates and embed them.
pub fn draw(
    index: &CommentIndex,
    searcher: &Searcher,
    rows: &Rows,
    encoder: &dyn Encoder,
    sample: usize,
    max_confidence: f32,
) -> Result<Sample> {
    let mut order: Vec<(u64, usize)> = {
        let mut rng = Rng::new(0xd15c_0e7e);
        (0..rows.len()).map(|i| (rng.next_u64(), i)).collect()
    };
    order.sort_unstable();
    // (id, text, best topic, row) of each candidate.
    let mut found: Vec<(String, String, Option<String>, usize)> = Vec::new();
    let (mut walked, mut reads) = (0usize, 0usize);
    for &(_, i) in &order {
        if found.len() >= sample || reads >= READ_BUDGET {
            break;
        }
        walked += 1;
        let untopiced = rows.topics_of(i).next().is_none();
        if !untopiced && max_confidence <= 0.0 {
            continue;
        }
        reads += 1;
        let doc: TantivyDocument = searcher.doc(rows.address(i))?;
        let mut topic = None;
        if !untopiced {
            let analysis: StoredTopics = stored(index, &doc, false)?;
            let best = analysis
                .topics
                .into_iter()
                .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
            match best {
                Some(t) if t.confidence >= max_confidence => continue,
                Some(t) => topic = Some(t.id),
                None => {}
            }
        }
        let comment: StoredText = stored(index, &doc, true)?;
        let text = normalize(&comment.text).text;
        if text.is_empty() {
            continue;
        }
        found.push((comment.id, comment.text, topic, i));
    }
    let estimated = if walked == 0 {
        0.0
    } else {
        found.len() as f64 * rows.len() as f64 / walked as f64
    };
    // In id order, so the same candidates give the same batches (int8 vectors move with
    // their batch mates) and the same clustering however the index lays out its segments.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut ids, mut texts, mut topics, mut picked) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, text, topic, i) in found {
        ids.push(id);
        texts.push(text);
        topics.push(topic);
        picked.push(i);
    }
    let vectors = embed(encoder, &texts)?;
    Ok(Sample {
        rows: picked,
        ids,
        texts,
        topics,
        vectors,
        estimated,
    })
}

/// The stored comment (`comment`) or analysis JSON of a document, parsed as `T`.
fn stored<T: for<'de> Deserialize<'de>>(
    index: &CommentIndex,
    doc: &TantivyDocument,
    comment: bool,
) -> Result<T> {
    let field = if comment {
        index.fields().comment
    } else {
        index.fields().analysis
    };
    let json = doc
        .get_first(field)
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::Internal("stored document without its JSON".into()))?;
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("stored JSON: {e}")))
}

/// Embed the texts (normalized, each cut to [`EMBED_CHARS`]) in batches.
fn embed(encoder: &dyn Encoder, texts: &[String]) -> Result<Embeddings> {
    let mut out = Embeddings {
        dim: encoder.dim(),
        data: Vec::with_capacity(texts.len() * encoder.dim()),
        truncated: Vec::with_capacity(texts.len()),
    };
    for chunk in texts.chunks(BATCH) {
        let cut: Vec<String> = chunk
            .iter()
            .map(|t| normalize(t).text.chars().take(EMBED_CHARS).collect())
            .collect();
        let refs: Vec<&str> = cut.iter().map(String::as_str).collect();
        out = out.append(&encoder.embed(&refs)?);
    }
    Ok(out)
}
