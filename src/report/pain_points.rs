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
use super::{bh, drivers};
use super::{cell, round, DriverBy, ReportRequest, ScoreKind, Table};
use crate::index::CommentIndex;
use crate::{Error, Result};

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
    /// `topic` or `keyword`.
    pub kind: String,
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
    let topics = drivers::from_rows(
        &rows,
        &ReportRequest {
            by: DriverBy::Topic,
            limit: usize::MAX,
            ..request.clone()
        },
    );
    let keywords = drivers::from_rows(
        &rows,
        &ReportRequest {
            by: DriverBy::Keyword,
            limit: usize::MAX,
            ..request.clone()
        },
    );
    let scored = topics.n >= request.min_support as u64;
    // Impact (and p, q) of each topic as a whole and each keyword, looked up by id.
    let impacts = |report: &drivers::DriversReport| -> HashMap<String, (f64, f64, f64)> {
        report
            .drivers
            .iter()
            .filter(|d| d.sentiment.is_none())
            .map(|d| (d.id.clone(), (d.impact, d.p, d.q)))
            .collect()
    };
    let (topic_impacts, keyword_impacts) = (impacts(&topics), impacts(&keywords));
    let weight = |negative_share: f64, n: u64, impact: Option<f64>| {
        let volume = negative_share * n as f64;
        if scored {
            volume * impact.map_or(0.0, |i| (-i).max(0.0))
        } else {
            volume
        }
    };

    let negative: Vec<bool> = (0..rows.len())
        .map(|i| is_negative(&rows, request, i))
        .collect();
    let mut points = Vec::new();
    // Topics: (mentions, negative mentions, example candidates).
    let mut by_topic: HashMap<u32, (u64, u64, Vec<usize>)> = HashMap::new();
    for i in 0..rows.len() {
        for (topic, label) in rows.topics_of(i) {
            let e = by_topic.entry(topic).or_default();
            e.0 += 1;
            if label == 0 {
                e.1 += 1;
                e.2.push(i);
            }
        }
    }
    for (topic, (n, neg, candidates)) in by_topic {
        if n < request.min_support as u64 || neg == 0 {
            continue;
        }
        let id = rows.topics.names[topic as usize].clone();
        let share = neg as f64 / n as f64;
        let driver = topic_impacts.get(&id).copied().filter(|_| scored);
        let impact = driver.map(|d| d.0);
        points.push((
            candidates,
            PainPoint {
                kind: "topic".into(),
                n,
                negative_share: round(share, 4),
                impact,
                weight: round(weight(share, n, impact), 4),
                z: None,
                p: driver.map(|d| d.1),
                q: driver.map(|d| d.2),
                examples: Vec::new(),
                id,
            },
        ));
    }

    // Keywords: document counts on each side, log-odds with the corpus as prior.
    let mut counts: HashMap<u32, (f64, f64, Vec<usize>)> = HashMap::new();
    let (mut total_a, mut total_b) = (0.0, 0.0);
    for (i, &is_neg) in negative.iter().enumerate() {
        for &k in rows.keywords_of(i) {
            let e = counts.entry(k).or_default();
            if is_neg {
                e.0 += 1.0;
                total_a += 1.0;
                if rows.sentiment[i] == 0 {
                    e.2.push(i);
                }
            } else {
                e.1 += 1.0;
                total_b += 1.0;
            }
        }
    }
    let total = total_a + total_b;
    // Every keyword with enough support is tested; q over all of them.
    let mut tested: Vec<(u32, u64, f64, Vec<usize>)> = Vec::new();
    for (k, (ya, yb, candidates)) in counts {
        let n = (ya + yb) as u64;
        if n < request.min_support as u64 || candidates.is_empty() {
            continue;
        }
        let alpha = PRIOR_TOTAL * (ya + yb) / total;
        let (_, z) = log_odds_z(ya, total_a, yb, total_b, alpha, PRIOR_TOTAL);
        tested.push((k, n, z, candidates));
    }
    let ps: Vec<f64> = tested.iter().map(|t| bh::two_sided_p(t.2)).collect();
    let qs = bh::q_values(&ps);
    for (((k, n, z, candidates), p), q) in tested.into_iter().zip(ps).zip(qs) {
        if z <= 0.0 || q >= bh::ALPHA {
            continue;
        }
        let id = rows.keyword_names.names[k as usize].clone();
        let share = candidates.len() as f64 / n as f64;
        let impact = keyword_impacts.get(&id).map(|d| d.0).filter(|_| scored);
        points.push((
            candidates,
            PainPoint {
                kind: "keyword".into(),
                n,
                negative_share: round(share, 4),
                impact,
                weight: round(weight(share, n, impact), 4),
                z: Some(round(z, 3)),
                p: Some(p),
                q: Some(q),
                examples: Vec::new(),
                id,
            },
        ));
    }

    points.sort_by(|a, b| {
        b.1.weight
            .total_cmp(&a.1.weight)
            .then_with(|| b.1.n.cmp(&a.1.n))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    points.truncate(request.limit);
    let searcher = index.reader().searcher();
    let mut out = Vec::with_capacity(points.len());
    // No comment is shown twice in one report: each example goes to the first pain point
    // (in report order) that picks it.
    let mut shown = std::collections::HashSet::new();
    for (mut candidates, mut point) in points {
        // The clearest examples: most negative sentiment score first.
        candidates.sort_by(|&a, &b| rows.score[a].total_cmp(&rows.score[b]).then(a.cmp(&b)));
        for &i in candidates
            .iter()
            .filter(|&&i| shown.insert(i))
            .take(EXAMPLES)
        {
            point
                .examples
                .push(load_example(index, &searcher, &rows, i)?);
        }
        out.push(point);
    }
    Ok(PainPointsReport {
        n: rows.len() as u64,
        negative: (0..rows.len()).filter(|&i| rows.sentiment[i] == 0).count() as u64,
        pain_points: out,
        analysis_versions: rows.analysis_versions(),
    })
}

/// Negative sentiment, or a detractor score (NPS 0–6, CSAT 1–2).
fn is_negative(rows: &Rows, request: &ReportRequest, i: usize) -> bool {
    rows.sentiment[i] == 0
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
                p.kind.clone(),
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
