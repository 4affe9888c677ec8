//! Pain points: the topics and keywords that carry the most negative weight, with example
//! comments.
//!
//! weight = negative_share × n × max(−impact, 0) (docs/reports.md: share of negative mentions ×
//! volume × impact), with `impact` the driver impact on the request's score; where too few
//! comments carry a score, weight = negative_share × n. A topic's negative mentions are
//! those where the topic's own (aspect) sentiment is negative; a keyword's, those whose
//! comment is negative. Keywords are kept only when distinctive of the negative side:
//! the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008),
//! negative or detractor comments (NPS 0–6, CSAT 1–2) against the rest, with a positive z
//! whose Benjamini–Hochberg q-value (two-sided p, over every keyword tested) is under 0.05.
//! A topic's `p` and `q` are those of its driver (the topic as a whole).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use super::rows::{Need, Rows};
use super::stats::log_odds_z;
use super::{DriverBy, ItemKind, ReportRequest, ScoreKind, Table, cell, round};
use super::{bh, drivers};
use crate::analysis::Label;
use crate::index::CommentIndex;
use crate::{Error, Result};

/// A negative comment's sentiment in [`Rows::sentiment`].
const NEGATIVE: Option<Label> = Some(Label::Negative);

/// How many example comments each pain point shows.
pub const EXAMPLES: usize = 3;
/// The total weight of the Dirichlet prior (spread over keywords by their frequency).
const PRIOR_TOTAL: f64 = 500.0;

/// The pain-points report (docs/reports.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PainPointsReport {
    /// Comments covered.
    pub n: u64,
    /// Negative comments among them.
    pub negative: u64,
    pub pain_points: Vec<PainPoint>,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// One pain point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PainPoint {
    pub kind: ItemKind,
    pub id: String,
    /// Comments mentioning it.
    pub n: u64,
    /// Share of those mentions that are negative.
    pub negative_share: f64,
    /// The driver impact on the score (null when too few comments are scored).
    pub impact: Option<f64>,
    pub weight: f64,
    /// Keywords: the log-odds z-score, negative side against the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
    /// Two-sided p-value: of `z` for a keyword, of the topic's driver impact for a topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Benjamini–Hochberg q-value of `p` (among the keywords tested, or the topic drivers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    pub examples: Vec<Example>,
}

/// A representative comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Example {
    pub id: String,
    pub text: String,
}

/// The stored id and text of row `i`.
pub fn load_example(
    index: &CommentIndex,
    searcher: &Searcher,
    rows: &Rows,
    i: usize,
) -> Result<Example> {
    let doc: TantivyDocument = searcher.doc(rows.address(i))?;
    let comment = doc
        .get_first(index.fields().comment)
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::Internal("stored comment without its JSON".into()))?;
    let comment: crate::comment::Comment = serde_json::from_str(comment)
        .map_err(|e| Error::Internal(format!("stored comment: {e}")))?;
    Ok(Example {
        id: comment.id,
        text: comment.text,
    })
}

/// The pain points among the matching comments.
pub fn pain_points(index: &CommentIndex, request: &ReportRequest) -> Result<PainPointsReport> {
    let need = Need {
        keywords: true,
        ..Need::default()
    };
    let rows = request.rows(index, &need)?;
    let weights = Weights::of(&rows, request);
    let mut points = topic_points(&rows, request, &weights);
    points.extend(keyword_points(&rows, request, &weights));
    points.sort_by(|a, b| {
        b.point
            .weight
            .total_cmp(&a.point.weight)
            .then_with(|| b.point.n.cmp(&a.point.n))
            .then_with(|| a.point.id.cmp(&b.point.id))
    });
    points.truncate(request.limit);
    Ok(PainPointsReport {
        n: rows.len() as u64,
        negative: (0..rows.len())
            .filter(|&i| rows.sentiment[i] == NEGATIVE)
            .count() as u64,
        pain_points: with_examples(index, &rows, points)?,
        analysis_versions: rows.analysis_versions(),
    })
}

/// A pain point found, and the rows that may serve as its examples.
struct Found {
    point: PainPoint,
    candidates: Vec<usize>,
}

/// A driver's impact on the score, with its p and q.
#[derive(Clone, Copy)]
struct Impact {
    impact: f64,
    p: f64,
    q: f64,
}

/// What a pain point's weight needs: whether enough comments carry the score, and the
/// driver impact of each topic (as a whole) and each keyword, by id.
struct Weights {
    scored: bool,
    topics: HashMap<String, Impact>,
    keywords: HashMap<String, Impact>,
}

impl Weights {
    fn of(rows: &Rows, request: &ReportRequest) -> Weights {
        let impacts = |by: DriverBy| -> (u64, HashMap<String, Impact>) {
            let all = ReportRequest {
                by,
                limit: usize::MAX,
                ..request.clone()
            };
            let report = drivers::from_rows(rows, &all);
            let whole = report.drivers.iter().filter(|d| d.sentiment.is_none());
            let table = whole.map(|d| {
                let impact = Impact {
                    impact: d.impact,
                    p: d.p,
                    q: d.q,
                };
                (d.id.clone(), impact)
            });
            (report.n, table.collect())
        };
        let (n, topics) = impacts(DriverBy::Topic);
        let (_, keywords) = impacts(DriverBy::Keyword);
        Weights {
            scored: n >= request.min_support as u64,
            topics,
            keywords,
        }
    }

    /// negative share × volume × max(−impact, 0), or negative share × volume unscored.
    fn weight(&self, negative_share: f64, n: u64, impact: Option<f64>) -> f64 {
        let volume = negative_share * n as f64;
        match self.scored {
            true => volume * impact.map_or(0.0, |i| (-i).max(0.0)),
            false => volume,
        }
    }

    /// A pain point with its weight, impact (when scored) and the driver's p and q.
    fn point(&self, kind: ItemKind, id: String, n: u64, share: f64) -> PainPoint {
        let table = match kind {
            ItemKind::Topic => &self.topics,
            ItemKind::Keyword => &self.keywords,
        };
        let driver = table.get(&id).copied().filter(|_| self.scored);
        let impact = driver.map(|d| d.impact);
        PainPoint {
            kind,
            n,
            negative_share: round(share, 4),
            impact,
            weight: round(self.weight(share, n, impact), 4),
            z: None,
            p: driver.map(|d| d.p),
            q: driver.map(|d| d.q),
            examples: Vec::new(),
            id,
        }
    }
}

/// Mentions of one topic: all, and those with a negative aspect (the example candidates).
#[derive(Default)]
struct TopicCount {
    n: u64,
    negative: Vec<usize>,
}

/// Topics with enough mentions and at least one negative one.
fn topic_points(rows: &Rows, request: &ReportRequest, weights: &Weights) -> Vec<Found> {
    let mut by_topic: HashMap<u32, TopicCount> = HashMap::new();
    for i in 0..rows.len() {
        for (topic, label) in rows.topics_of(i) {
            let count = by_topic.entry(topic).or_default();
            count.n += 1;
            if label == Label::Negative {
                count.negative.push(i);
            }
        }
    }
    let enough = |c: &TopicCount| c.n >= request.min_support as u64 && !c.negative.is_empty();
    by_topic
        .into_iter()
        .filter(|(_, c)| enough(c))
        .map(|(topic, c)| {
            let id = rows.topics.names[topic as usize].clone();
            let share = c.negative.len() as f64 / c.n as f64;
            Found {
                point: weights.point(ItemKind::Topic, id, c.n, share),
                candidates: c.negative,
            }
        })
        .collect()
}

/// Document counts of one keyword: in negative comments, in the rest, and the negative-
/// sentiment rows among the first (the example candidates).
#[derive(Default)]
struct KeywordCount {
    negative: f64,
    rest: f64,
    candidates: Vec<usize>,
}

/// Keywords distinctive of the negative side: log-odds z with the corpus as prior, tested
/// for every keyword with enough support, kept when z > 0 and q < 0.05.
fn keyword_points(rows: &Rows, request: &ReportRequest, weights: &Weights) -> Vec<Found> {
    let mut counts: HashMap<u32, KeywordCount> = HashMap::new();
    let (mut total_a, mut total_b) = (0.0, 0.0);
    for i in 0..rows.len() {
        let negative = is_negative(rows, request, i);
        for &k in rows.keywords_of(i) {
            let count = counts.entry(k).or_default();
            if negative {
                count.negative += 1.0;
                total_a += 1.0;
                if rows.sentiment[i] == NEGATIVE {
                    count.candidates.push(i);
                }
            } else {
                count.rest += 1.0;
                total_b += 1.0;
            }
        }
    }
    let total = total_a + total_b;
    let tested: Vec<(u32, u64, f64, Vec<usize>)> = counts
        .into_iter()
        .filter(|(_, c)| {
            (c.negative + c.rest) as u64 >= request.min_support as u64 && !c.candidates.is_empty()
        })
        .map(|(k, c)| {
            let alpha = PRIOR_TOTAL * (c.negative + c.rest) / total;
            let (_, z) = log_odds_z(c.negative, total_a, c.rest, total_b, alpha, PRIOR_TOTAL);
            (k, (c.negative + c.rest) as u64, z, c.candidates)
        })
        .collect();
    let ps: Vec<f64> = tested.iter().map(|t| bh::two_sided_p(t.2)).collect();
    let qs = bh::q_values(&ps);
    let kept = tested.into_iter().zip(ps).zip(qs);
    kept.filter(|(((_, _, z, _), _), q)| *z > 0.0 && *q < bh::ALPHA)
        .map(|(((k, n, z, candidates), p), q)| {
            let id = rows.keyword_names.names[k as usize].clone();
            let share = candidates.len() as f64 / n as f64;
            let mut point = weights.point(ItemKind::Keyword, id, n, share);
            (point.z, point.p, point.q) = (Some(round(z, 3)), Some(p), Some(q));
            Found { point, candidates }
        })
        .collect()
}

/// The pain points in order, each with its clearest examples (most negative sentiment score
/// first). No comment is shown twice in one report: each example goes to the first pain
/// point (in report order) that picks it.
fn with_examples(index: &CommentIndex, rows: &Rows, found: Vec<Found>) -> Result<Vec<PainPoint>> {
    let searcher = index.reader().searcher();
    let mut shown = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(found.len());
    for Found {
        mut point,
        mut candidates,
    } in found
    {
        candidates.sort_by(|&a, &b| rows.score[a].total_cmp(&rows.score[b]).then(a.cmp(&b)));
        for &i in candidates
            .iter()
            .filter(|&&i| shown.insert(i))
            .take(EXAMPLES)
        {
            point
                .examples
                .push(load_example(index, &searcher, rows, i)?);
        }
        out.push(point);
    }
    Ok(out)
}

/// Negative sentiment, or a detractor score (NPS 0–6, CSAT 1–2).
fn is_negative(rows: &Rows, request: &ReportRequest, i: usize) -> bool {
    rows.sentiment[i] == NEGATIVE
        || match (request.score, request.score_of(rows, i)) {
            (ScoreKind::Nps, Some(s)) => s <= 6.0,
            (ScoreKind::Csat, Some(s)) => s <= 2.0,
            _ => false,
        }
}

impl PainPointsReport {
    /// One row per pain point, its examples' ids in the last column.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "kind",
            "id",
            "n",
            "negative_share",
            "impact",
            "weight",
            "z",
            "q",
            "example",
        ]);
        for p in &self.pain_points {
            t.rows.push(vec![
                p.kind.to_string(),
                p.id.clone(),
                p.n.to_string(),
                cell(Some(p.negative_share), 3),
                cell(p.impact, 3),
                cell(Some(p.weight), 3),
                cell(p.z, 2),
                p.q.map(|q| format!("{q:.2e}")).unwrap_or_default(),
                p.examples
                    .first()
                    .map(|e| e.text.clone())
                    .unwrap_or_default(),
            ]);
        }
        t
    }
}
