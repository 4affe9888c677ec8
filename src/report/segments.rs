//! Segments: one row per value of a channel, language or attribute, worst first.
//!
//! In: a [`SegmentsRequest`] (the report's query, filters, score, minimum support and `by`:
//! `channel`, `lang` or an attribute key, `attrs.<key>` for an attribute named like those).
//! Out: a [`SegmentsReport`]: per segment (the [`MAX_SEGMENTS`] largest) its n, NPS, CSAT
//! and mean sentiment with 95% intervals, each one's difference from the rest of the
//! matching comments (Welch interval, p, Benjamini–Hochberg q over the segments,
//! significant when q < 0.05), and its top three topic drivers (drivers within the
//! segment, as the drivers report computes them). Segments whose score has at least
//! `min_support` values come first, worst score first; the others follow by size.

use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::attrs;
use super::bh;
use super::compare_metrics::{Change, Estimate, Metric, change, estimate, moments};
use super::drivers::{self, Driver};
use super::rows::{NO_NAME, Names, Need, Rows};
use super::stats::Moments;
use super::{DriverBy, ReportRequest, ScoreKind, Table, cell};
use crate::index::CommentIndex;
use crate::index::search::{Filters, lenient};
use crate::{Error, Result};

/// The most segments listed (the largest).
pub const MAX_SEGMENTS: usize = 100;
/// The drivers listed per segment.
pub const DRIVERS: usize = 3;

/// A segments request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SegmentsRequest {
    /// A full-text query, as in search (blank: every comment).
    pub q: String,
    #[serde(flatten)]
    #[param(ignore)]
    pub filters: Filters,
    /// `channel`, `lang` or an attribute key (`region`).
    pub by: String,
    /// `nps` or `csat`: what "worst" and the drivers are about.
    pub score: ScoreKind,
    /// The fewest scored comments a segment needs to be ranked, and a driver to be listed.
    #[serde(deserialize_with = "lenient::usize")]
    pub min_support: usize,
}

impl Default for SegmentsRequest {
    fn default() -> Self {
        SegmentsRequest {
            q: String::new(),
            filters: Filters::default(),
            by: String::new(),
            score: ScoreKind::Nps,
            min_support: ReportRequest::default().min_support,
        }
    }
}

/// The segments report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentsReport {
    pub by: String,
    pub score: ScoreKind,
    /// Matching comments, and those without a value of `by`.
    pub n: u64,
    pub unknown: u64,
    pub segments: Vec<Segment>,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Segment {
    pub value: String,
    pub n: u64,
    pub nps: SegmentMetric,
    pub csat: SegmentMetric,
    pub sentiment: SegmentMetric,
    /// The segment's top topic drivers (largest |impact| first).
    pub drivers: Vec<Driver>,
}

/// A metric of a segment and its difference from the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentMetric {
    #[serde(flatten)]
    pub estimate: Estimate,
    /// Segment − rest (`a` is the segment, `b` the rest), with q over the segments.
    pub vs_rest: Change,
}

/// The segments report of the request.
pub fn segments(index: &CommentIndex, request: &SegmentsRequest) -> Result<SegmentsReport> {
    let by = request.by.trim();
    if by.is_empty() {
        return Err(Error::User(
            "`by`: empty (give channel, lang or an attribute key such as region)".into(),
        ));
    }
    let report = ReportRequest {
        q: request.q.clone(),
        filters: request.filters.clone(),
        score: request.score,
        by: DriverBy::Topic,
        min_support: request.min_support,
        limit: DRIVERS,
        ..ReportRequest::default()
    };
    let searcher = index.reader().searcher();
    let mut rows = report.rows_in(index, &searcher, &Need::default())?;
    let (column, names) = segment_column(&searcher, &mut rows, by)?;
    let unknown = column.iter().filter(|&&v| v == NO_NAME).count() as u64;
    let members = largest_segments(&column, names.len());
    let all: Vec<usize> = (0..rows.len()).collect();
    // Every comment's moments, once per metric: each segment's "rest" is these minus its own.
    let totals = Metric::ALL.map(|m| moments(&rows, &all, m));
    let mut out: Vec<Segment> = members
        .into_iter()
        .map(|(k, idx)| segment(&rows, &report, &totals, names.names[k].clone(), &idx))
        .collect();
    for metric in Metric::ALL {
        adjust(&mut out, metric);
    }
    worst_first(&mut out, request.score, request.min_support as u64);
    Ok(SegmentsReport {
        by: by.to_string(),
        score: request.score,
        n: rows.len() as u64,
        unknown,
        segments: out,
        analysis_versions: rows.analysis_versions(),
    })
}

/// Each row's segment (into the names, or [`NO_NAME`]) and the segments' names, for `by`:
/// `channel`, `lang`, or an attribute key (`region` or `attrs.region`).
fn segment_column(searcher: &Searcher, rows: &mut Rows, by: &str) -> Result<(Vec<u32>, Names)> {
    Ok(match by {
        "channel" => (rows.channel.clone(), rows.channels.clone()),
        "lang" => (rows.lang.clone(), rows.langs.clone()),
        key => {
            let key = key.strip_prefix("attrs.").unwrap_or(key).to_string();
            attrs::read_values(searcher, rows, &[key])?;
            (
                rows.attr.pop().unwrap_or_default(),
                rows.attr_values.pop().unwrap_or_default(),
            )
        }
    })
}

/// The [`MAX_SEGMENTS`] largest segments (largest first, ties by name order), each with its
/// rows.
fn largest_segments(column: &[u32], segments: usize) -> Vec<(usize, Vec<usize>)> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); segments];
    for (i, &v) in column.iter().enumerate() {
        if v != NO_NAME {
            members[v as usize].push(i);
        }
    }
    let mut order: Vec<usize> = (0..segments).filter(|&k| !members[k].is_empty()).collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    order.truncate(MAX_SEGMENTS);
    order
        .into_iter()
        .map(|k| (k, std::mem::take(&mut members[k])))
        .collect()
}

/// One segment: its metrics against the rest (`totals`: every comment's moments, by
/// [`Metric::ALL`]) and its top drivers.
fn segment(
    rows: &Rows,
    report: &ReportRequest,
    totals: &[Moments; 3],
    value: String,
    idx: &[usize],
) -> Segment {
    let metric = |m: Metric| {
        let seg = moments(rows, idx, m);
        let rest = totals[m as usize].minus(&seg);
        SegmentMetric {
            estimate: estimate(&seg, m),
            vs_rest: change(&seg, &rest, m),
        }
    };
    let mut drivers = drivers::from_subset(rows, report, idx.iter().copied()).drivers;
    drivers.truncate(DRIVERS);
    Segment {
        value,
        n: idx.len() as u64,
        nps: metric(Metric::Nps),
        csat: metric(Metric::Csat),
        sentiment: metric(Metric::Sentiment),
        drivers,
    }
}

/// Segments with enough scored comments first, worst score first; then the rest by size.
fn worst_first(out: &mut [Segment], key: ScoreKind, min: u64) {
    let score_of = |s: &Segment| -> Estimate {
        match key {
            ScoreKind::Nps => s.nps.estimate.clone(),
            ScoreKind::Csat => s.csat.estimate.clone(),
        }
    };
    out.sort_by(|a, b| {
        let (ea, eb) = (score_of(a), score_of(b));
        let (ea, eb) = (&ea, &eb);
        let (ra, rb) = (
            ea.n >= min && ea.value.is_some(),
            eb.n >= min && eb.value.is_some(),
        );
        rb.cmp(&ra)
            .then_with(|| match (ra, rb) {
                (true, true) => ea.value.unwrap_or(0.0).total_cmp(&eb.value.unwrap_or(0.0)),
                _ => std::cmp::Ordering::Equal,
            })
            .then_with(|| b.n.cmp(&a.n))
            .then_with(|| a.value.cmp(&b.value))
    });
}

/// The metric `m` of a segment.
fn pick(s: &mut Segment, m: Metric) -> &mut Change {
    match m {
        Metric::Nps => &mut s.nps.vs_rest,
        Metric::Csat => &mut s.csat.vs_rest,
        Metric::Sentiment => &mut s.sentiment.vs_rest,
    }
}

/// BH q-values of one metric's differences across the segments; significant on q.
fn adjust(segments: &mut [Segment], m: Metric) {
    let p: Vec<f64> = segments
        .iter_mut()
        .map(|s| pick(s, m).p.unwrap_or(f64::NAN))
        .collect();
    let q = bh::q_values(&p);
    for ((s, q), p) in segments.iter_mut().zip(q).zip(p) {
        let c = pick(s, m);
        c.q = (!p.is_nan()).then_some(q);
        c.significant = !p.is_nan() && q < bh::ALPHA;
    }
}

impl SegmentsReport {
    /// One row per segment, worst first: the figures, their differences from the rest and
    /// the top drivers.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "value",
            "n",
            "nps",
            "nps_low",
            "nps_high",
            "nps_vs_rest",
            "nps_sig",
            "csat",
            "csat_vs_rest",
            "csat_sig",
            "sentiment",
            "sentiment_vs_rest",
            "sentiment_sig",
            "top_drivers",
        ]);
        for s in &self.segments {
            let drivers: Vec<String> = s
                .drivers
                .iter()
                .map(|d| match &d.sentiment {
                    Some(l) => format!("{}:{l} ({:+.2})", d.id, d.impact),
                    None => format!("{} ({:+.2})", d.id, d.impact),
                })
                .collect();
            t.rows.push(vec![
                s.value.clone(),
                s.n.to_string(),
                cell(s.nps.estimate.value, 1),
                cell(s.nps.estimate.ci95.map(|c| c[0]), 1),
                cell(s.nps.estimate.ci95.map(|c| c[1]), 1),
                cell(s.nps.vs_rest.change, 1),
                s.nps.vs_rest.significant.to_string(),
                cell(s.csat.estimate.value, 3),
                cell(s.csat.vs_rest.change, 3),
                s.csat.vs_rest.significant.to_string(),
                cell(s.sentiment.estimate.value, 3),
                cell(s.sentiment.vs_rest.change, 3),
                s.sentiment.vs_rest.significant.to_string(),
                drivers.join("; "),
            ]);
        }
        t
    }
}
