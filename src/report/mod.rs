//! Reports over the index (docs/reports.md): key drivers, pain points, trends and a summary; and
//! compare (period or segment A against B) and segments (one row per value, worst first).
//!
//! In: a [`ReportRequest`]: the search's query and filters plus the report's own
//! parameters (score, grouping, interval, minimum support). Out: serde types whose JSON is
//! docs/reports.md's, and a [`Table`] view of each for `--format table|csv`. Every report reads
//! the matching comments as columns ([`rows::Rows`], from fast fields), so a drivers report
//! over a million comments never loads a stored document.

mod attrs;
pub mod bh;
pub mod compare;
mod compare_decompose;
pub mod compare_metrics;
pub mod compare_moves;
pub mod discover;
mod discover_cluster;
mod discover_label;
mod discover_sample;
pub mod drivers;
pub mod export;
mod keyword_families;
pub mod pain_points;
mod periods;
pub mod rows;
pub mod segments;
pub mod stats;
pub mod summary;
pub mod trends;

use serde::{Deserialize, Serialize};

pub use compare::{CompareReport, CompareRequest, compare};
pub use compare_decompose::{Contribution, Decomposition};
pub use discover::{DiscoverReport, DiscoverRequest, discover};
pub use drivers::{Driver, DriversReport, drivers};
pub use pain_points::{PainPoint, PainPointsReport, pain_points};
pub use segments::{SegmentsReport, SegmentsRequest, segments};
pub use summary::{SummaryReport, summary};
pub use trends::{TrendsReport, trends};

use crate::index::CommentIndex;
use crate::index::search::Filters;
use crate::index::zone::Zone;
use crate::{Error, Result};
use rows::{Need, Rows};
use tantivy::Searcher;

/// The most drivers or pain points one report lists.
pub const MAX_LIMIT: usize = 1000;

/// The score a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    /// Net Promoter score, 0–10.
    #[default]
    Nps,
    /// Customer satisfaction, 1–5.
    Csat,
}

/// What drivers are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DriverBy {
    /// Topics, and each topic×sentiment pair.
    #[default]
    Topic,
    /// Keywords.
    Keyword,
}

/// What a driver, pain point, moved or emerging item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Topic,
    Keyword,
}

impl ItemKind {
    /// `topic` or `keyword`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Topic => "topic",
            ItemKind::Keyword => "keyword",
        }
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<DriverBy> for ItemKind {
    fn from(by: DriverBy) -> Self {
        match by {
            DriverBy::Topic => ItemKind::Topic,
            DriverBy::Keyword => ItemKind::Keyword,
        }
    }
}

/// The length of a trend period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    /// Weeks start on Monday.
    #[default]
    Week,
    Month,
}

/// The largest `min_support` (more comments than any index here holds).
pub const MAX_MIN_SUPPORT: usize = 1_000_000_000;

/// Which comments a report covers and how. Every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportRequest {
    /// A full-text query, as in search (blank: every comment).
    pub q: String,
    #[serde(flatten)]
    #[param(ignore)]
    pub filters: Filters,
    /// `nps` or `csat`.
    pub score: ScoreKind,
    /// Drivers by `topic` or `keyword`.
    pub by: DriverBy,
    /// Trend periods: `day`, `week` or `month`.
    pub interval: Interval,
    /// The fewest comments a driver, pain point or emerging keyword needs.
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub min_support: usize,
    /// The most drivers or pain points listed.
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub limit: usize,
}

impl Default for ReportRequest {
    fn default() -> Self {
        ReportRequest {
            q: String::new(),
            filters: Filters::default(),
            score: ScoreKind::Nps,
            by: DriverBy::Topic,
            interval: Interval::Week,
            min_support: 30,
            limit: 50,
        }
    }
}

impl ReportRequest {
    fn check(&self) -> Result<()> {
        if self.limit > MAX_LIMIT {
            return Err(Error::User(format!(
                "`limit`: {} is more than {MAX_LIMIT}",
                self.limit
            )));
        }
        if !(1..=MAX_MIN_SUPPORT).contains(&self.min_support) {
            return Err(Error::User(format!(
                "`min_support`: {} is not between 1 and {MAX_MIN_SUPPORT}",
                self.min_support
            )));
        }
        Ok(())
    }

    /// The matching comments as columns.
    fn rows(&self, index: &CommentIndex, need: &Need) -> Result<Rows> {
        self.rows_in(index, &index.reader().searcher(), need)
    }

    /// [`ReportRequest::rows`] read with `searcher`.
    fn rows_in(&self, index: &CommentIndex, searcher: &Searcher, need: &Need) -> Result<Rows> {
        self.check()?;
        let query = index.query(&self.q, &self.filters)?;
        let need = Need {
            zone: Zone::parse(self.filters.tz.as_deref())?,
            ..need.clone()
        };
        let mut rows = Rows::load_in(searcher, &*query, &need)?;
        if need.keywords {
            keyword_families::content_keywords(&mut rows);
        }
        Ok(rows)
    }

    /// The score of comment `i` (NPS or CSAT), if it has one.
    fn score_of(&self, rows: &Rows, i: usize) -> Option<f64> {
        let v = match self.score {
            ScoreKind::Nps => rows.nps[i],
            ScoreKind::Csat => rows.csat[i],
        };
        (v != rows::NONE).then_some(f64::from(v))
    }
}

/// A report as a table: for `--format table` and `--format csv`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

/// A number for a table cell, rounded for people; blank when absent.
pub(crate) fn cell(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

/// Round for JSON output (keeps reports readable and stable).
pub(crate) fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// The NPS of a group: % promoters (9–10) − % detractors (0–6).
pub(crate) fn nps_points(v: u8) -> f64 {
    match v {
        9..=10 => 100.0,
        7..=8 => 0.0,
        _ => -100.0,
    }
}
