//! Key drivers: which topics (and topic×sentiment pairs) or keywords move NPS or CSAT.
//!
//! Impact is "leave one theme out", as Thematic and Kapiche define it: mean(all) −
//! mean(all without the driver's comments), and for NPS also NPS(all) − NPS(without).
//! Because mean(all) is the with/without means weighted by their counts, impact =
//! n/N × (mean_with − mean_without) exactly, so its 95% interval is Welch's interval for the
//! difference of means scaled by n/N; NPS impact is the same with each comment scored
//! +100 (promoter), 0 (passive) or −100 (detractor). `p` is Welch's two-sided p-value;
//! `q` is its Benjamini–Hochberg q-value over every driver the report tested (all groups
//! with `min_support` comments, not only the `limit` listed), and a driver is significant
//! when q < 0.05, so that among ~40 topic and topic×sentiment pairs (or hundreds of
//! keywords) at most 5% of the significant ones are expected to be false discoveries.
//! (`ci95` stays the unadjusted 95% interval.) `effect` = mean_with − mean_without is
//! reported beside it: how much lower or higher the score is where the driver appears.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::bh;
use super::rows::{Need, Rows};
use super::stats::{Moments, welch};
use super::{DriverBy, ItemKind, ReportRequest, ScoreKind, Table, cell, nps_points, round};
use crate::Result;
use crate::analysis::Label;
use crate::index::CommentIndex;

/// The drivers report (docs/reports.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DriversReport {
    pub score: ScoreKind,
    /// Comments with a score (the others do not count).
    pub n: u64,
    /// Mean score of all of them.
    pub mean: Option<f64>,
    /// NPS of all of them (for `score=nps`).
    pub nps: Option<f64>,
    pub drivers: Vec<Driver>,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// One driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Driver {
    pub kind: ItemKind,
    /// The topic id or the keyword.
    pub id: String,
    /// For a topic×sentiment pair, the sentiment; null for a topic as a whole or a keyword.
    pub sentiment: Option<String>,
    /// Scored comments mentioning it.
    pub n: u64,
    pub mean_with: f64,
    pub mean_without: f64,
    /// mean(all) − mean(all without these comments).
    pub impact: f64,
    /// NPS(all) − NPS(all without these comments), in NPS points.
    pub nps_impact: Option<f64>,
    /// 95% interval of `impact`.
    pub ci95: [f64; 2],
    /// 95% interval of `nps_impact`.
    pub nps_ci95: Option<[f64; 2]>,
    /// mean_with − mean_without.
    pub effect: f64,
    /// 95% interval of `effect` (Welch).
    pub effect_ci95: [f64; 2],
    /// Welch's two-sided p-value.
    pub p: f64,
    /// Benjamini–Hochberg q-value of `p` among every driver tested.
    pub q: f64,
    /// q < 0.05.
    pub significant: bool,
}

/// Per-group sums: the score and the NPS points (+100/0/−100).
#[derive(Debug, Clone, Copy, Default)]
struct Group {
    score: Moments,
    points: Moments,
}

impl Group {
    fn add(&mut self, score: f64, points: Option<f64>) {
        self.score.add(score);
        if let Some(p) = points {
            self.points.add(p);
        }
    }
}

/// The key drivers of the request's score among the matching comments.
pub fn drivers(index: &CommentIndex, request: &ReportRequest) -> Result<DriversReport> {
    let need = Need {
        keywords: request.by == DriverBy::Keyword,
        ..Need::default()
    };
    let rows = request.rows(index, &need)?;
    Ok(from_rows(&rows, request))
}

/// The drivers report over rows already read.
pub fn from_rows(rows: &Rows, request: &ReportRequest) -> DriversReport {
    DriversReport {
        analysis_versions: rows.analysis_versions(),
        ..from_subset(rows, request, 0..rows.len())
    }
}

/// The drivers report over the rows numbered `subset` (a segment of rows already read).
pub fn from_subset(
    rows: &Rows,
    request: &ReportRequest,
    subset: impl Iterator<Item = usize>,
) -> DriversReport {
    let nps = request.score == ScoreKind::Nps;
    let (all, groups) = grouped(rows, request, subset);
    let mut drivers: Vec<Driver> = groups
        .into_iter()
        .filter(|(_, g)| g.score.n >= request.min_support as f64)
        .filter_map(|(key, with)| driver(rows, request, key, &with, &all))
        .collect();
    rank(&mut drivers, request.limit);
    DriversReport {
        analysis_versions: Vec::new(),
        score: request.score,
        n: all.score.n as u64,
        mean: all.score.mean().map(|m| round(m, 4)),
        nps: if nps {
            all.points.mean().map(|m| round(m, 2))
        } else {
            None
        },
        drivers,
    }
}

/// A driver's key: a topic or keyword id, and a topic's sentiment (`None`: the whole).
type Key = (u32, Option<Label>);

/// The scores of every scored row of `subset`, and of the rows of each topic (whole and per
/// sentiment) or keyword.
fn grouped(
    rows: &Rows,
    request: &ReportRequest,
    subset: impl Iterator<Item = usize>,
) -> (Group, HashMap<Key, Group>) {
    let nps = request.score == ScoreKind::Nps;
    let mut all = Group::default();
    let mut groups: HashMap<Key, Group> = HashMap::new();
    for i in subset {
        let Some(score) = request.score_of(rows, i) else {
            continue;
        };
        let points = nps.then(|| nps_points(score as u8));
        all.add(score, points);
        let mut add = |key: Key| groups.entry(key).or_default().add(score, points);
        match request.by {
            DriverBy::Topic => {
                rows.topics_of(i).for_each(|(topic, _)| add((topic, None)));
                for &(topic, label) in rows.aspects_of(i) {
                    add((topic, Some(label)));
                }
            }
            DriverBy::Keyword => rows.keywords_of(i).iter().for_each(|&k| add((k, None))),
        }
    }
    (all, groups)
}

/// One group against the rest: Welch's difference in mean score (and NPS points), its share
/// of the scored rows as the impact; `None` when a side has too few rows to test.
fn driver(
    rows: &Rows,
    request: &ReportRequest,
    (id, label): Key,
    with: &Group,
    all: &Group,
) -> Option<Driver> {
    let without = Group {
        score: all.score.minus(&with.score),
        points: all.points.minus(&with.points),
    };
    let w = welch(&with.score, &without.score)?;
    let share = with.score.n / all.score.n;
    let points = match request.score {
        ScoreKind::Nps => welch(&with.points, &without.points),
        ScoreKind::Csat => None,
    };
    let name = match request.by {
        DriverBy::Topic => &rows.topics.names[id as usize],
        DriverBy::Keyword => &rows.keyword_names.names[id as usize],
    };
    let r = |v: f64| round(v, 4);
    Some(Driver {
        kind: request.by.into(),
        id: name.clone(),
        sentiment: label.map(|l| l.as_str().to_string()),
        n: with.score.n as u64,
        mean_with: r(with.score.mean()?),
        mean_without: r(without.score.mean()?),
        impact: r(share * w.diff),
        nps_impact: points.map(|p| r(share * p.diff)),
        ci95: [r(share * w.ci95[0]), r(share * w.ci95[1])],
        nps_ci95: points.map(|p| [r(share * p.ci95[0]), r(share * p.ci95[1])]),
        effect: r(w.diff),
        effect_ci95: [r(w.ci95[0]), r(w.ci95[1])],
        p: w.p,
        q: 1.0,
        significant: false,
    })
}

/// Benjamini–Hochberg q over every driver tested, then the largest impacts first (ties by
/// id and sentiment), at most `limit`.
fn rank(drivers: &mut Vec<Driver>, limit: usize) {
    let q = bh::q_values(&drivers.iter().map(|d| d.p).collect::<Vec<_>>());
    for (d, q) in drivers.iter_mut().zip(q) {
        d.q = q;
        d.significant = q < bh::ALPHA;
    }
    drivers.sort_by(|a, b| {
        b.impact
            .abs()
            .total_cmp(&a.impact.abs())
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.sentiment.cmp(&b.sentiment))
    });
    drivers.truncate(limit);
}

impl DriversReport {
    /// One row per driver.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "kind",
            "id",
            "sentiment",
            "n",
            "mean_with",
            "mean_without",
            "impact",
            "ci95_low",
            "ci95_high",
            "nps_impact",
            "effect",
            "p",
            "q",
            "significant",
        ]);
        for d in &self.drivers {
            t.rows.push(vec![
                d.kind.to_string(),
                d.id.clone(),
                d.sentiment.clone().unwrap_or_default(),
                d.n.to_string(),
                cell(Some(d.mean_with), 2),
                cell(Some(d.mean_without), 2),
                cell(Some(d.impact), 3),
                cell(Some(d.ci95[0]), 3),
                cell(Some(d.ci95[1]), 3),
                cell(d.nps_impact, 2),
                cell(Some(d.effect), 2),
                format!("{:.2e}", d.p),
                format!("{:.2e}", d.q),
                d.significant.to_string(),
            ]);
        }
        t
    }
}
