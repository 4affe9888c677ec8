//! Topics: multi-label classification of clauses against the taxonomy, with confidences.
//!
//! In: clause vectors (each clause of a multi-clause comment encoded as a text of its own, in
//! the same encoder call as the comments) and clause tokens. Out: per topic, the clauses that carry it and a
//! confidence. Each topic has prototypes — the embeddings of its examples and descriptions —
//! and seed terms. A clause's score for a topic combines its best prototype similarity with
//! whether a seed term occurs in it, through a logistic calibration fitted on the `dev` half of
//! the gold set (`verbatim calibrate-topics`); a topic needs its own threshold (calibrated,
//! or set in the taxonomy) to be reported. A topic added to the taxonomy with a few examples
//! is used at once: prototypes are embedded at load time, nothing is retrained.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::encoder::{Embeddings, Encoder};
use super::sentiment::SentimentHead;
use super::taxonomy::{Taxonomy, Topic};
use crate::analysis::{Label, Sentiment, Span, TopicEvidence, TopicHit};
use crate::text::{clauses, normalize, Lang, Prepared, Token, TokenKind};
use crate::{Error, Result};

/// A clause of a comment, located in the folded, normalized and original texts.
#[derive(Debug, Clone)]
pub struct Clause {
    pub folded: Range<usize>,
    pub normalized: Range<usize>,
    pub original: Range<usize>,
    /// Its words (folded, lowercased).
    pub words: Vec<String>,
}

impl Clause {
    /// The clauses of a prepared comment; `tokens` are its default-mode tokens.
    pub fn split(p: &Prepared, tokens: &[Token]) -> Vec<Clause> {
        clauses::clauses(p, tokens)
            .into_iter()
            .map(|r| Clause {
                normalized: p.normalized_span(r.clone()),
                original: p.original_span(r.clone()),
                words: tokens
                    .iter()
                    .filter(|t| t.start >= r.start && t.end <= r.end && t.kind == TokenKind::Word)
                    .map(|t| t.text.clone())
                    .collect(),
                folded: r,
            })
            .collect()
    }
}

/// The logistic calibration of a clause's features into a confidence, and per-topic
/// thresholds. Features: the best similarity to the topic's prototypes, that similarity minus
/// the clause's mean over all topics (how much the topic stands out), and a seed-term match.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Weight of the best prototype similarity.
    pub sim_weight: f32,
    /// Weight of the similarity relative to the clause's mean over topics.
    #[serde(default)]
    pub relative_weight: f32,
    /// Weight of a seed-term match.
    pub seed_weight: f32,
    pub bias: f32,
    /// Threshold for topics without their own.
    pub default_threshold: f32,
    /// Calibrated thresholds by topic id.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Extra prototype texts by topic id (labelled comments, e.g. the gold set's dev split),
    /// embedded at load time beside the taxonomy's own examples.
    #[serde(default)]
    pub examples: BTreeMap<String, Vec<String>>,
    /// Measured figures of the calibration run, for the record.
    #[serde(default)]
    pub metrics: serde_json::Value,
}

impl Default for Calibration {
    fn default() -> Self {
        // Reasonable before calibration: e5 similarities of related texts sit around 0.85-0.9.
        Calibration {
            sim_weight: 40.0,
            relative_weight: 40.0,
            seed_weight: 2.5,
            bias: -35.0,
            default_threshold: 0.5,
            thresholds: BTreeMap::new(),
            examples: BTreeMap::new(),
            metrics: serde_json::Value::Null,
        }
    }
}

impl Calibration {
    /// Load a calibration file; a missing file gives the defaults.
    pub fn load_or_default(path: &Path) -> Result<Calibration> {
        if !path.exists() {
            return Ok(Calibration::default());
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::resource(path.display().to_string(), e))
    }

    /// Confidence from features.
    pub fn confidence(&self, f: &Features) -> f32 {
        let z = self.sim_weight * f.similarity
            + self.relative_weight * f.relative
            + self.seed_weight * f32::from(u8::from(f.seed))
            + self.bias;
        1.0 / (1.0 + (-z).exp())
    }
}

/// The features of a (clause or comment, topic) pair.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    pub similarity: f32,
    pub relative: f32,
    pub seed: bool,
}

impl Features {
    /// The comment-level features of a topic: the best of its clauses' values.
    pub fn max(a: Features, b: Features) -> Features {
        Features {
            similarity: a.similarity.max(b.similarity),
            relative: a.relative.max(b.relative),
            seed: a.seed || b.seed,
        }
    }
}

struct Entry {
    topic: Topic,
    seeds: HashSet<String>,
    phrases: Vec<String>,
    /// Rows of `dim` floats.
    prototypes: Vec<f32>,
    threshold: f32,
}

/// What made a clause score for a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseScore {
    pub features: Features,
    pub seeds: Vec<String>,
    pub confidence: f32,
}

/// The topic classifier for one taxonomy.
pub struct TopicModel {
    entries: Vec<Entry>,
    dim: usize,
    calibration: Calibration,
}

impl TopicModel {
    /// Build the model: embed every topic's examples and descriptions once.
    pub fn build(
        taxonomy: &Taxonomy,
        encoder: &dyn Encoder,
        calibration: Calibration,
    ) -> Result<TopicModel> {
        let dim = encoder.dim();
        let mut entries = Vec::with_capacity(taxonomy.topics.len());
        for topic in &taxonomy.topics {
            // One encoder call per topic: dynamic int8 quantization makes a vector depend on
            // its batch mates, and the calibration was fitted on prototypes embedded this way.
            let extra = calibration.examples.get(&topic.id).into_iter().flatten();
            let texts: Vec<String> = topic
                .examples
                .iter()
                .chain(extra)
                .chain([&topic.description_zh, &topic.description_en])
                .map(|t| normalize(t).text)
                .filter(|t| !t.is_empty())
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let prototypes = encoder.embed(&refs)?.data;
            let (phrases, words): (Vec<String>, Vec<String>) = topic
                .seeds_en
                .iter()
                .cloned()
                .partition(|s| s.contains(' '));
            let seeds = topic.seeds_zh.iter().cloned().chain(words).collect();
            let threshold = topic
                .threshold
                .or_else(|| calibration.thresholds.get(&topic.id).copied())
                .unwrap_or(calibration.default_threshold);
            entries.push(Entry {
                topic: topic.clone(),
                seeds,
                phrases,
                prototypes,
                threshold,
            });
        }
        Ok(TopicModel {
            entries,
            dim,
            calibration,
        })
    }

    /// The same topics with another calibration (and so other extra examples).
    pub fn rebuild(&self, encoder: &dyn Encoder, calibration: Calibration) -> Result<TopicModel> {
        let taxonomy = Taxonomy {
            topics: self.entries.iter().map(|e| e.topic.clone()).collect(),
        };
        TopicModel::build(&taxonomy, encoder, calibration)
    }

    /// The topics, in taxonomy order.
    pub fn topics(&self) -> impl Iterator<Item = &Topic> {
        self.entries.iter().map(|e| &e.topic)
    }

    /// The threshold of topic `k`.
    pub fn threshold(&self, k: usize) -> f32 {
        self.entries[k].threshold
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// Score one clause against every topic: `tokens` are its folded, lowercased words and
    /// `text` its folded text.
    pub fn score_clause(&self, vector: &[f32], tokens: &[&str], text: &str) -> Vec<ClauseScore> {
        let lower = text.to_lowercase();
        let sims: Vec<f32> = self
            .entries
            .iter()
            .map(|e| {
                e.prototypes
                    .chunks_exact(self.dim)
                    .map(|p| p.iter().zip(vector).map(|(a, b)| a * b).sum::<f32>())
                    .fold(f32::MIN, f32::max)
            })
            .collect();
        let mean = sims.iter().sum::<f32>() / sims.len().max(1) as f32;
        self.entries
            .iter()
            .zip(&sims)
            .map(|(e, &similarity)| {
                let mut seeds: Vec<String> = tokens
                    .iter()
                    .filter(|t| e.seeds.contains(**t))
                    .map(|t| t.to_string())
                    .collect();
                seeds.extend(
                    e.phrases
                        .iter()
                        .filter(|p| lower.contains(p.as_str()))
                        .cloned(),
                );
                seeds.dedup();
                let features = Features {
                    similarity,
                    relative: similarity - mean,
                    seed: !seeds.is_empty(),
                };
                ClauseScore {
                    confidence: self.calibration.confidence(&features),
                    features,
                    seeds,
                }
            })
            .collect()
    }

    /// Score every clause of a comment.
    fn score_clauses(
        &self,
        p: &Prepared,
        clauses: &[Clause],
        vectors: &Embeddings,
    ) -> Vec<Vec<ClauseScore>> {
        clauses
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let words: Vec<&str> = c.words.iter().map(String::as_str).collect();
                self.score_clause(vectors.row(j), &words, &p.folded[c.folded.clone()])
            })
            .collect()
    }

    /// Per topic, the comment-level features (best over clauses); used to calibrate.
    pub fn comment_features(
        &self,
        p: &Prepared,
        clauses: &[Clause],
        vectors: &Embeddings,
    ) -> Vec<Features> {
        let scores = self.score_clauses(p, clauses, vectors);
        (0..self.entries.len())
            .map(|k| {
                scores.iter().map(|row| row[k].features).fold(
                    Features {
                        similarity: f32::MIN,
                        relative: f32::MIN,
                        seed: false,
                    },
                    Features::max,
                )
            })
            .collect()
    }
}

impl TopicModel {
    /// Assign topics to one comment from its clauses and their vectors: a topic is reported
    /// when some clause reaches its threshold; its evidence is every such clause, its
    /// sentiment that of those clauses (the comment's own when it is a single clause).
    /// With `explain`, also what carried each topic.
    pub fn assign(
        &self,
        p: &Prepared,
        clauses: &[Clause],
        vectors: &Embeddings,
        head: &SentimentHead,
        comment: Sentiment,
        explain: bool,
    ) -> (Vec<TopicHit>, Option<Vec<TopicEvidence>>) {
        let scores = self.score_clauses(p, clauses, vectors);
        let zh = matches!(p.lang, Lang::ZhHans | Lang::ZhHant | Lang::Mixed);
        let mut hits = Vec::new();
        let mut evidence = explain.then(Vec::new);
        for (k, entry) in self.entries.iter().enumerate() {
            let carrying: Vec<usize> = (0..clauses.len())
                .filter(|&j| scores[j][k].confidence >= entry.threshold)
                .collect();
            if carrying.is_empty() {
                continue;
            }
            let confidence = carrying
                .iter()
                .map(|&j| scores[j][k].confidence)
                .fold(0.0, f32::max);
            // A topic's own clauses give its sentiment; a clause that reads neutral on its own
            // ("物流显示配送中", a plain statement of fact) takes the comment's tone instead.
            let sentiment = if clauses.len() == 1 {
                comment
            } else {
                let own = head.predict(&mean_row(vectors, &carrying));
                if own.label == Label::Neutral {
                    comment
                } else {
                    own
                }
            };
            if let Some(evidence) = evidence.as_mut() {
                for &j in &carrying {
                    let c = &clauses[j];
                    evidence.push(TopicEvidence {
                        topic: entry.topic.id.clone(),
                        clause: p.normalized.text[c.normalized.clone()].to_string(),
                        start: c.original.start,
                        end: c.original.end,
                        similarity: round3(scores[j][k].features.similarity),
                        seeds: scores[j][k].seeds.clone(),
                        confidence: round3(scores[j][k].confidence),
                        sentiment: head.predict(vectors.row(j)).label,
                    });
                }
            }
            hits.push(TopicHit {
                id: entry.topic.id.clone(),
                name: if zh {
                    &entry.topic.name_zh
                } else {
                    &entry.topic.name_en
                }
                .clone(),
                confidence: round3(confidence),
                sentiment: sentiment.label,
                evidence: carrying
                    .iter()
                    .map(|&j| Span {
                        start: clauses[j].original.start,
                        end: clauses[j].original.end,
                    })
                    .collect(),
            });
        }
        hits.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        (hits, evidence)
    }
}

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

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
