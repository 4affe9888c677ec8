//! Trends: per day, week (from Monday) or month, the volume, sentiment shares, mean
//! sentiment score, NPS/CSAT and counts per topic; and the emerging topics and keywords.
//!
//! Emerging: for each topic (and keyword with enough support), every split of the series
//! into "before" and "the latest periods" (at least two periods before, at most half of
//! the series after) is tested with the two-proportion z-test on the share of comments
//! that mention it; the best split is reported when z ≥ 3 (a strict bar, since the splits
//! are scanned), the share at least doubled, and at least `min_support` / 3 comments fall
//! after. `since` is the first period after the split: where the rise started. Undated
//! comments are left out of trends.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tantivy::time::Date;

use super::rows::{Need, Rows};
use super::stats::two_proportion_z;
use super::summary::Tally;
use super::{cell, round, Interval, ReportRequest, Table};
use crate::index::CommentIndex;
use crate::Result;

/// The z an emerging topic or keyword needs.
const Z_MIN: f64 = 3.0;
/// The most emerging keywords listed.
const MAX_EMERGING_KEYWORDS: usize = 20;
/// The longest series (periods); beyond it, a coarser interval is needed.
const MAX_PERIODS: usize = 5000;

/// The trends report (SPEC §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendsReport {
    pub interval: Interval,
    pub periods: Vec<Period>,
    pub emerging: Vec<Emerging>,
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
    pub topics: BTreeMap<String, u64>,
}

/// A topic or keyword whose share rose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Emerging {
    pub kind: String,
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
        attrs: Vec::new(),
    };
    let rows = request.rows(index, &need)?;
    from_rows(&rows, request)
}

/// The trends report over rows already read.
pub fn from_rows(rows: &Rows, request: &ReportRequest) -> Result<TrendsReport> {
    let dated: Vec<usize> = (0..rows.len())
        .filter(|&i| rows.day[i] != i32::MIN)
        .collect();
    let Some(first) = dated
        .iter()
        .map(|&i| period_of(rows.day[i], request.interval))
        .min()
    else {
        return Ok(TrendsReport {
            interval: request.interval,
            periods: Vec::new(),
            emerging: Vec::new(),
        });
    };
    let last = dated
        .iter()
        .map(|&i| period_of(rows.day[i], request.interval))
        .max()
        .unwrap_or(first);
    let mut starts = vec![first];
    while let Some(&p) = starts.last() {
        if p >= last {
            break;
        }
        if starts.len() >= MAX_PERIODS {
            return Err(crate::Error::User(format!(
                "`interval`: more than {MAX_PERIODS} periods; choose a longer interval or a date range"
            )));
        }
        starts.push(next_period(p, request.interval));
    }
    let slot: HashMap<i32, usize> = starts.iter().enumerate().map(|(k, &p)| (p, k)).collect();
    let periods_n = starts.len();

    let mut acc = vec![Tally::default(); periods_n];
    let mut topic_counts: HashMap<u32, Vec<u64>> = HashMap::new();
    let mut keyword_counts: HashMap<u32, Vec<u64>> = HashMap::new();
    for &i in &dated {
        let k = slot[&period_of(rows.day[i], request.interval)];
        acc[k].add(rows, i);
        for (t, _) in rows.topics_of(i) {
            topic_counts.entry(t).or_insert_with(|| vec![0; periods_n])[k] += 1;
        }
        for &kw in rows.keywords_of(i) {
            keyword_counts
                .entry(kw)
                .or_insert_with(|| vec![0; periods_n])[k] += 1;
        }
    }
    let totals: Vec<u64> = acc.iter().map(|a| a.n).collect();
    let periods = starts
        .iter()
        .zip(&acc)
        .enumerate()
        .map(|(k, (&start, a))| {
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
                topics: topic_counts
                    .iter()
                    .filter(|(_, c)| c[k] > 0)
                    .map(|(&t, c)| (rows.topics.names[t as usize].clone(), c[k]))
                    .collect(),
            }
        })
        .collect();

    let mut emerging = Vec::new();
    for (t, counts) in &topic_counts {
        if let Some(e) = emerging_of(
            "topic",
            &rows.topics.names[*t as usize],
            counts,
            &totals,
            &starts,
            request,
        ) {
            emerging.push(e);
        }
    }
    let mut keywords = Vec::new();
    for (k, counts) in &keyword_counts {
        if counts.iter().sum::<u64>() < request.min_support as u64 {
            continue;
        }
        if let Some(e) = emerging_of(
            "keyword",
            &rows.keyword_names.names[*k as usize],
            counts,
            &totals,
            &starts,
            request,
        ) {
            keywords.push(e);
        }
    }
    keywords.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.id.cmp(&b.id)));
    keywords.truncate(MAX_EMERGING_KEYWORDS);
    emerging.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.id.cmp(&b.id)));
    emerging.extend(keywords);
    Ok(TrendsReport {
        interval: request.interval,
        periods,
        emerging,
    })
}

/// The best split of one series, if its rise is significant.
fn emerging_of(
    kind: &str,
    id: &str,
    counts: &[u64],
    totals: &[u64],
    starts: &[i32],
    request: &ReportRequest,
) -> Option<Emerging> {
    let p = counts.len();
    let min_after = (request.min_support as f64 / 3.0).ceil();
    let mut best: Option<(f64, usize, f64, f64)> = None;
    for split in (p / 2).max(2)..p {
        let (x0, n0): (u64, u64) = (counts[..split].iter().sum(), totals[..split].iter().sum());
        let (x1, n1): (u64, u64) = (counts[split..].iter().sum(), totals[split..].iter().sum());
        if n0 == 0 || n1 == 0 || (x1 as f64) < min_after {
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
        kind: kind.into(),
        id: id.into(),
        since: date_string(starts[split]),
        share_before: round(before, 4),
        share_after: round(after, 4),
        z: round(z, 3),
    })
}

/// The first day (days since 1970-01-01) of the period holding `day`.
fn period_of(day: i32, interval: Interval) -> i32 {
    match interval {
        Interval::Day => day,
        // 1970-01-01 was a Thursday: Monday is day 4 of that week.
        Interval::Week => day - (day + 3).rem_euclid(7),
        Interval::Month => {
            let date = to_date(day);
            day - (i32::from(date.day()) - 1)
        }
    }
}

fn next_period(start: i32, interval: Interval) -> i32 {
    match interval {
        Interval::Day => start + 1,
        Interval::Week => start + 7,
        Interval::Month => {
            let date = to_date(start);
            let days = date.month().length(date.year());
            start + i32::from(days)
        }
    }
}

fn to_date(day: i32) -> Date {
    Date::from_julian_day(2_440_588 + day).unwrap_or(Date::MIN)
}

/// `YYYY-MM-DD` of a day number.
fn date_string(day: i32) -> String {
    let d = to_date(day);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl TrendsReport {
    /// One row per period; the emerging topics and keywords that start in it in the last column.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "start",
            "n",
            "negative",
            "neutral",
            "positive",
            "mean_score",
            "nps",
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
                cell(p.csat, 3),
                emerging.join(" "),
            ]);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_mondays_and_first_days() {
        // 2026-09-23 is a Wednesday: day 20719.
        let day = 20_719;
        assert_eq!(date_string(day), "2026-09-23");
        assert_eq!(date_string(period_of(day, Interval::Week)), "2026-09-21");
        assert_eq!(date_string(period_of(day, Interval::Month)), "2026-09-01");
        assert_eq!(
            date_string(next_period(
                period_of(day, Interval::Month),
                Interval::Month
            )),
            "2026-10-01"
        );
        assert_eq!(date_string(period_of(day, Interval::Day)), "2026-09-23");
    }
}
