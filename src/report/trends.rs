//! Trends: per day, week (from Monday) or month, the volume, sentiment shares, mean
//! sentiment score, NPS/CSAT and counts per topic; and the emerging topics and keywords.
//! NPS, CSAT and the mean sentiment score carry the same 95% t-interval per period as in
//! compare and segments ([`super::compare_metrics::estimate`]), so a chart can draw the
//! band instead of asking for one summary per period.
//!
//! Emerging: for each topic (and each of the [`MAX_KEYWORD_SERIES`] most frequent keywords
//! with at least `min_support` comments), every split of the series into "before" and "the
//! latest periods" (at least two periods before, at most half of the series after) is
//! tested with the two-proportion z-test on the share of comments that mention it; the
//! best split is reported when z ≥ 3 (a strict bar, since the splits are scanned), the
//! share at least doubled, and at least `min_support` / 3 comments fall after. `since` is
//! the first period after the split: where the rise started. Undated comments are left out
//! of trends, and so are dated comments outside the [`periods::MAX_PERIODS`] periods shown
//! (counted in `left_out`).
//!
//! Memory is bounded by the comments read, not by periods × keywords: keyword series are
//! built one at a time from a list of (keyword, period) pairs.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::compare_metrics::{Metric, estimate};
use super::periods::{Window, date_string};
use super::rows::{Need, Rows};
use super::stats::{Moments, two_proportion_z};
use super::summary::Tally;
use super::{Interval, ItemKind, ReportRequest, Table, cell, round};
use crate::Result;
use crate::index::CommentIndex;

/// The z an emerging topic or keyword needs.
const Z_MIN: f64 = 3.0;
/// The most emerging keywords listed.
const MAX_EMERGING_KEYWORDS: usize = 20;
/// The most keywords tested for a rise: the most frequent ones.
pub const MAX_KEYWORD_SERIES: usize = 1000;

/// The trends report (docs/reports.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendsReport {
    pub interval: Interval,
    pub periods: Vec<Period>,
    pub emerging: Vec<Emerging>,
    /// Dated comments outside the periods shown: when the comments span more than 5,000
    /// periods, the 5,000 consecutive periods holding the most comments are shown.
    #[serde(default)]
    pub left_out: u64,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// One period of the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    /// The first day of the period (`2025-05-19`).
    pub start: String,
    pub n: u64,
    /// Shares of each sentiment label.
    pub sentiment: BTreeMap<String, f64>,
    /// Mean sentiment score in [-1, 1].
    pub mean_score: Option<f64>,
    pub nps: Option<f64>,
    pub mean_nps: Option<f64>,
    /// Share of CSAT 4–5.
    pub csat: Option<f64>,
    /// 95% intervals of `nps` (points), `csat` (share) and `mean_score` (null under two
    /// values in the period).
    #[serde(default)]
    pub nps_ci95: Option<[f64; 2]>,
    #[serde(default)]
    pub csat_ci95: Option<[f64; 2]>,
    #[serde(default)]
    pub mean_score_ci95: Option<[f64; 2]>,
    pub topics: BTreeMap<String, u64>,
}

/// A topic or keyword whose share rose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Emerging {
    pub kind: ItemKind,
    pub id: String,
    /// The first period of the rise.
    pub since: String,
    pub share_before: f64,
    pub share_after: f64,
    pub z: f64,
}

/// The trends of the matching comments.
pub fn trends(index: &CommentIndex, request: &ReportRequest) -> Result<TrendsReport> {
    let need = Need {
        keywords: true,
        ..Need::default()
    };
    let rows = request.rows(index, &need)?;
    Ok(from_rows(&rows, request))
}

/// The trends report over rows already read.
pub fn from_rows(rows: &Rows, request: &ReportRequest) -> TrendsReport {
    let dated = (0..rows.len()).filter(|&i| rows.day[i] != i32::MIN);
    let Some(window) = Window::choose(dated.clone().map(|i| rows.day[i]), request.interval) else {
        return TrendsReport {
            interval: request.interval,
            periods: Vec::new(),
            emerging: Vec::new(),
            left_out: 0,
            analysis_versions: rows.analysis_versions(),
        };
    };
    // Each dated comment in the window with its slot.
    let slotted: Vec<(usize, usize)> = dated
        .clone()
        .filter_map(|i| window.slot(rows.day[i]).map(|k| (i, k)))
        .collect();
    let left_out = (dated.count() - slotted.len()) as u64;
    let starts = window.starts();

    let mut acc = vec![Tally::default(); window.len];
    let mut moments = vec![[Moments::default(); 3]; window.len];
    let mut topic_counts = vec![Vec::new(); rows.topics.len()];
    for &(i, k) in &slotted {
        acc[k].add(rows, i);
        for (m, metric) in moments[k].iter_mut().zip(Metric::ALL) {
            if let Some(v) = metric.value(rows, i) {
                m.add(v);
            }
        }
        for (t, _) in rows.topics_of(i) {
            let counts: &mut Vec<u64> = &mut topic_counts[t as usize];
            counts.resize(window.len, 0);
            counts[k] += 1;
        }
    }
    let totals: Vec<u64> = acc.iter().map(|a| a.n).collect();
    let periods = starts
        .iter()
        .zip(&acc)
        .enumerate()
        .map(|(k, (&start, a))| {
            let mut p = period(rows, start, a, k, &topic_counts);
            let ci = |j: usize| estimate(&moments[k][j], Metric::ALL[j]).ci95;
            (p.nps_ci95, p.csat_ci95, p.mean_score_ci95) = (ci(0), ci(1), ci(2));
            p
        })
        .collect();

    let scan = Scan::new(&totals, &starts, request);
    let mut emerging: Vec<Emerging> = topic_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .filter_map(|(t, c)| scan.emerging(ItemKind::Topic, &rows.topics.names[t], c))
        .collect();
    let mut keywords = emerging_keywords(rows, &slotted, &scan, window.len);
    keywords.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.id.cmp(&b.id)));
    keywords.truncate(MAX_EMERGING_KEYWORDS);
    emerging.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.id.cmp(&b.id)));
    emerging.extend(keywords);
    TrendsReport {
        interval: request.interval,
        periods,
        emerging,
        left_out,
        analysis_versions: rows.analysis_versions(),
    }
}

/// Period `k` of the series.
fn period(rows: &Rows, start: i32, a: &Tally, k: usize, topic_counts: &[Vec<u64>]) -> Period {
    let g = a.group();
    let labelled: u64 = g.sentiment.values().sum();
    Period {
        start: date_string(start),
        n: g.n,
        sentiment: g
            .sentiment
            .iter()
            .map(|(l, &x)| {
                let share = if labelled > 0 {
                    x as f64 / labelled as f64
                } else {
                    0.0
                };
                (l.clone(), round(share, 4))
            })
            .collect(),
        mean_score: g.mean_score,
        nps: g.nps.as_ref().map(|n| n.nps),
        mean_nps: g.nps.as_ref().map(|n| n.mean),
        csat: g.csat.as_ref().map(|c| c.csat),
        nps_ci95: None,
        csat_ci95: None,
        mean_score_ci95: None,
        topics: topic_counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get(k).is_some_and(|&x| x > 0))
            .map(|(t, c)| (rows.topics.names[t].clone(), c[k]))
            .collect(),
    }
}

/// The emerging keywords among the [`MAX_KEYWORD_SERIES`] most frequent with enough
/// support. Memory: one (keyword, slot) pair per mention of a candidate, one series buffer.
fn emerging_keywords(
    rows: &Rows,
    slotted: &[(usize, usize)],
    scan: &Scan,
    periods: usize,
) -> Vec<Emerging> {
    let mut totals = vec![0u32; rows.keyword_names.len()];
    for &(i, _) in slotted {
        for &kw in rows.keywords_of(i) {
            totals[kw as usize] += 1;
        }
    }
    let mut candidates: Vec<u32> = (0..totals.len() as u32)
        .filter(|&kw| totals[kw as usize] as usize >= scan.min_support)
        .collect();
    candidates.sort_by(|&a, &b| totals[b as usize].cmp(&totals[a as usize]).then(a.cmp(&b)));
    candidates.truncate(MAX_KEYWORD_SERIES);
    let chosen: HashMap<u32, u32> = candidates
        .iter()
        .enumerate()
        .map(|(c, &kw)| (kw, c as u32))
        .collect();
    drop(totals);
    let mut mentions: Vec<(u32, u32)> = Vec::new();
    for &(i, k) in slotted {
        for kw in rows.keywords_of(i) {
            if let Some(&c) = chosen.get(kw) {
                mentions.push((c, k as u32));
            }
        }
    }
    mentions.sort_unstable();
    let mut series = vec![0u64; periods];
    let mut found = Vec::new();
    for run in mentions.chunk_by(|a, b| a.0 == b.0) {
        series.iter_mut().for_each(|x| *x = 0);
        for &(_, k) in run {
            series[k as usize] += 1;
        }
        let name = &rows.keyword_names.names[candidates[run[0].0 as usize] as usize];
        found.extend(scan.emerging(ItemKind::Keyword, name, &series));
    }
    found
}

/// The split scan of one series against the totals per period, with prefix sums.
struct Scan<'a> {
    /// Comments in periods `..k`.
    cum_totals: Vec<u64>,
    starts: &'a [i32],
    min_support: usize,
    min_after: f64,
}

impl<'a> Scan<'a> {
    fn new(totals: &[u64], starts: &'a [i32], request: &ReportRequest) -> Scan<'a> {
        Scan {
            cum_totals: prefix_sums(totals),
            starts,
            min_support: request.min_support,
            min_after: (request.min_support as f64 / 3.0).ceil(),
        }
    }

    /// The best split of one series, if its rise is significant.
    fn emerging(&self, kind: ItemKind, id: &str, counts: &[u64]) -> Option<Emerging> {
        let p = counts.len();
        let cum = prefix_sums(counts);
        let (all_x, all_n) = (cum[p], self.cum_totals[p]);
        let mut best: Option<(f64, usize, f64, f64)> = None;
        let splits = cum.iter().zip(&self.cum_totals).enumerate();
        for (split, (&x0, &n0)) in splits.take(p).skip((p / 2).max(2)) {
            let (x1, n1) = (all_x - x0, all_n - n0);
            if n0 == 0 || n1 == 0 || (x1 as f64) < self.min_after {
                continue;
            }
            let (before, after) = (x0 as f64 / n0 as f64, x1 as f64 / n1 as f64);
            if after < 2.0 * before {
                continue;
            }
            let z = two_proportion_z(x1 as f64, n1 as f64, x0 as f64, n0 as f64);
            if z >= Z_MIN && best.is_none_or(|b| z > b.0) {
                best = Some((z, split, before, after));
            }
        }
        let (z, split, before, after) = best?;
        Some(Emerging {
            kind,
            id: id.into(),
            since: date_string(self.starts[split]),
            share_before: round(before, 4),
            share_after: round(after, 4),
            z: round(z, 3),
        })
    }
}

/// `out[k]` = the sum of `xs[..k]`; `out.len()` = `xs.len() + 1`.
fn prefix_sums(xs: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(xs.len() + 1);
    let mut sum = 0;
    out.push(0);
    for &x in xs {
        sum += x;
        out.push(sum);
    }
    out
}

impl TrendsReport {
    /// One row per period (NPS with its interval); the emerging topics and keywords that
    /// start in it in the last column.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "start",
            "n",
            "negative",
            "neutral",
            "positive",
            "mean_score",
            "nps",
            "nps_lo",
            "nps_hi",
            "csat",
            "emerging",
        ]);
        for p in &self.periods {
            let emerging: Vec<String> = self
                .emerging
                .iter()
                .filter(|e| e.since == p.start)
                .map(|e| e.id.clone())
                .collect();
            t.rows.push(vec![
                p.start.clone(),
                p.n.to_string(),
                cell(p.sentiment.get("negative").copied(), 3),
                cell(p.sentiment.get("neutral").copied(), 3),
                cell(p.sentiment.get("positive").copied(), 3),
                cell(p.mean_score, 3),
                cell(p.nps, 1),
                cell(p.nps_ci95.map(|c| c[0]), 1),
                cell(p.nps_ci95.map(|c| c[1]), 1),
                cell(p.csat, 3),
                emerging.join(" "),
            ]);
        }
        t
    }
}
