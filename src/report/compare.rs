//! Compare: period A against period B, or segment A against segment B.
//!
//! In: a [`CompareRequest`]: the report request (query, filters, score, interval) plus
//! `vs_from`/`vs_to` and `segment`/`vs_segment`. A is the focus, B the baseline; every
//! change is A − B. Sides:
//! - `vs_from`/`vs_to` given: A is the filters (`from`–`to`), B the same filters over
//!   `vs_from`–`vs_to`;
//! - else `from` and `to` both given: B is the span as long as A just before it (dates stay
//!   dates: October's 31 days are compared with 08-31–09-30);
//! - else with `vs_segment`: both sides over the same dates;
//! - else A is the latest full period of `interval` among the matching comments (the
//!   period of the newest one, or the one before it when that period has not ended yet,
//!   UTC) and B the period before it.
//!
//! `segment` narrows A (and B, unless `vs_segment` is given for B). As in the filters, a
//! range the wrong way round is not an error: that side is empty and its figures null.
//!
//! A segment is `key=value`: `channel=…`, `lang=…` (replacing a channel or lang filter) or
//! an attribute (`region=华南`, or `attrs.channel=…` for an attribute named like those).
//! Out: a [`CompareReport`]: NPS, CSAT and mean sentiment on each side with the change,
//! its Welch 95% interval and p < 0.05; the score's change split by topic
//! ([`super::compare_decompose`]); rising and falling topics and keywords
//! ([`super::compare_moves`]).

use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::compare_decompose::{Decomposition, decompose};
use super::compare_metrics::{Change, Metric, change, moments};
use super::compare_moves::{Moved, Side, moves};
use super::periods::{date_string, number, start};
use super::rows::{Need, Rows};
use super::{Interval, ReportRequest, ScoreKind, Table, cell};
use tantivy::time::format_description::well_known::Rfc3339;
use tantivy::time::{Date, Duration, OffsetDateTime};

use crate::comment::parse_timestamp;
use crate::index::CommentIndex;
use crate::index::search::Filters;
use crate::index::zone::Zone;
use crate::{Error, Result};

/// A compare request: the report's request plus the other side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareRequest {
    #[serde(flatten)]
    #[param(ignore)]
    pub report: ReportRequest,
    /// B's first day (RFC 3339 or YYYY-MM-DD); A's is `from`.
    pub vs_from: Option<String>,
    /// B's last day; A's is `to`.
    pub vs_to: Option<String>,
    /// A's segment, `key=value`: `channel=…`, `lang=…` or an attribute (`region=华南`).
    pub segment: Option<String>,
    /// B's segment (default: A's).
    pub vs_segment: Option<String>,
}

/// The compare report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompareReport {
    pub score: ScoreKind,
    /// A (the focus) and B (the baseline).
    pub a: SideInfo,
    pub b: SideInfo,
    /// NPS in points, CSAT as the share of 4–5, sentiment as the mean score: A − B.
    pub nps: Change,
    pub csat: Change,
    pub sentiment: Change,
    /// The score's change split by topic (null when a side has no score).
    pub decomposition: Option<Decomposition>,
    pub rising: Vec<Moved>,
    pub falling: Vec<Moved>,
    /// The analysis versions of A's and B's comments (counted per side, summed), most
    /// first (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// What one side covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SideInfo {
    /// First and last day (null: open).
    pub from: Option<String>,
    pub to: Option<String>,
    pub segment: Option<String>,
    /// Comments on this side.
    pub n: u64,
}

/// The compare report of the request.
pub fn compare(index: &CommentIndex, request: &CompareRequest) -> Result<CompareReport> {
    let report = &request.report;
    let searcher = index.reader().searcher();
    let sides = sides(index, &searcher, request)?;
    let (rows_a, rows_b) = (&sides.rows_a, sides.rows_b());
    let (sub_a, sub_b) = (&sides.sub_a, &sides.sub_b);
    let metric = |m: Metric| change(&moments(rows_a, sub_a, m), &moments(rows_b, sub_b, m), m);
    let score_metric = match report.score {
        ScoreKind::Nps => Metric::Nps,
        ScoreKind::Csat => Metric::Csat,
    };
    let decomposition = decompose((rows_a, sub_a), (rows_b, sub_b), score_metric);
    let mut versions = std::collections::BTreeMap::new();
    rows_a.count_versions(sub_a.iter().copied(), &mut versions);
    rows_b.count_versions(sub_b.iter().copied(), &mut versions);
    let side_a = Side {
        rows: rows_a,
        subset: sub_a,
    };
    let side_b = Side {
        rows: rows_b,
        subset: sub_b,
    };
    let (min_support, limit) = (report.min_support, report.limit);
    let (rising, falling) = moves(index, &searcher, side_a, side_b, min_support, limit)?;
    Ok(CompareReport {
        score: report.score,
        a: sides.info_a.clone(),
        b: sides.info_b.clone(),
        nps: metric(Metric::Nps),
        csat: metric(Metric::Csat),
        sentiment: metric(Metric::Sentiment),
        decomposition,
        rising,
        falling,
        analysis_versions: crate::index::reanalyze::sorted(versions),
    })
}

/// The two sides compared: their rows (B's own when its filters differ from A's), the rows
/// of each side, and what each side is.
struct Sides {
    rows_a: Rows,
    /// B's rows when they were read with their own filters; else B's are A's.
    own_b: Option<Rows>,
    sub_a: Vec<usize>,
    sub_b: Vec<usize>,
    info_a: SideInfo,
    info_b: SideInfo,
}

impl Sides {
    fn rows_b(&self) -> &Rows {
        self.own_b.as_ref().unwrap_or(&self.rows_a)
    }
}

/// Read both sides: B by its own dates and segment when given (dates: `vs_from`/`vs_to`, or
/// the span of A's length just before A when A has both ends); else A's comments split into
/// the latest full period and the one before.
fn sides(index: &CommentIndex, searcher: &Searcher, request: &CompareRequest) -> Result<Sides> {
    let report = &request.report;
    let need = Need {
        keywords: true,
        ..Need::default()
    };
    let mut a_filters = report.filters.clone();
    if let Some(s) = &request.segment {
        add_segment(&mut a_filters, "segment", s)?;
    }
    check_date("vs_from", &request.vs_from)?;
    check_date("vs_to", &request.vs_to)?;
    let dates_b = if request.vs_from.is_some() || request.vs_to.is_some() {
        Some((request.vs_from.clone(), request.vs_to.clone()))
    } else if let (Some(f), Some(t)) = (&report.filters.from, &report.filters.to) {
        Some(span_before(f, t)?)
    } else {
        None
    };
    let explicit = dates_b.is_some() || request.vs_segment.is_some();
    let info_a = SideInfo {
        from: report.filters.from.clone(),
        to: report.filters.to.clone(),
        segment: request.segment.clone(),
        n: 0,
    };
    let rows_a = load(index, searcher, report, &a_filters, &need)?;
    let mut sides = Sides {
        sub_a: (0..rows_a.len()).collect(),
        sub_b: Vec::new(),
        rows_a,
        own_b: None,
        info_b: info_a.clone(),
        info_a,
    };
    if explicit {
        let mut b_filters = report.filters.clone();
        if let Some((from, to)) = dates_b {
            b_filters.from = from.clone();
            b_filters.to = to.clone();
            (sides.info_b.from, sides.info_b.to) = (from, to);
        }
        match &request.vs_segment {
            Some(s) => {
                add_segment(&mut b_filters, "vs_segment", s)?;
                sides.info_b.segment = Some(s.clone());
            }
            None => {
                if let Some(s) = &request.segment {
                    add_segment(&mut b_filters, "segment", s)?;
                }
            }
        }
        let rows_b = load(index, searcher, report, &b_filters, &need)?;
        sides.sub_b = (0..rows_b.len()).collect();
        sides.own_b = Some(rows_b);
    } else {
        // A lone `from` or `to` only narrows the comments the periods are chosen among.
        let today = today(&report.filters)?;
        let (a, b, periods) = latest_periods(&sides.rows_a, report.interval, today);
        (sides.sub_a, sides.sub_b) = (a, b);
        if let Some(((fa, ta), (fb, tb))) = periods {
            (sides.info_a.from, sides.info_a.to) = (Some(fa), Some(ta));
            (sides.info_b.from, sides.info_b.to) = (Some(fb), Some(tb));
        }
    }
    sides.info_a.n = sides.sub_a.len() as u64;
    sides.info_b.n = sides.sub_b.len() as u64;
    Ok(sides)
}

fn load(
    index: &CommentIndex,
    searcher: &Searcher,
    report: &ReportRequest,
    filters: &Filters,
    need: &Need,
) -> Result<Rows> {
    let side = ReportRequest {
        filters: filters.clone(),
        ..report.clone()
    };
    side.rows_in(index, searcher, need)
}

/// Narrow `filters` to the segment `key=value` given as parameter `name`.
pub(super) fn add_segment(filters: &mut Filters, name: &str, segment: &str) -> Result<()> {
    let bad = |why: &str| Error::User(format!("`{name}`: `{segment}` {why}"));
    let (key, value) = segment
        .split_once('=')
        .ok_or_else(|| bad("is not key=value (channel, lang or an attribute key)"))?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() {
        return Err(bad("has no key"));
    }
    if value.is_empty() {
        return Err(bad("has no value"));
    }
    match key {
        "channel" => filters.channel = Some(value.to_string()),
        "lang" => filters.lang = Some(value.to_string()),
        _ => {
            let key = key
                .strip_prefix("attrs.")
                .filter(|k| !k.is_empty())
                .unwrap_or(key);
            filters.attrs.push(format!("{key}={value}"));
        }
    }
    Ok(())
}

/// `value`, when given, must be an RFC 3339 timestamp or a date (named `name` if not).
fn check_date(name: &str, value: &Option<String>) -> Result<()> {
    let Some(v) = value.as_deref().map(str::trim) else {
        return Ok(());
    };
    if v.is_empty() {
        return Err(Error::User(format!(
            "`{name}`: empty (leave it out, or give an RFC 3339 timestamp or a date, YYYY-MM-DD)"
        )));
    }
    parse_timestamp(v).map_err(|m| Error::User(format!("`{name}`: {m}")))?;
    Ok(())
}

/// The span as long as `from`–`to` that ends just before `from` (dates stay dates). A
/// range the wrong way round gives itself back (empty on both sides, as in SQL).
fn span_before(from: &str, to: &str) -> Result<(Option<String>, Option<String>)> {
    let (f_str, t_str) = (from.trim(), to.trim());
    let f = parse_timestamp(f_str).map_err(|m| Error::User(format!("filter `from`: {m}")))?;
    let t = parse_timestamp(t_str).map_err(|m| Error::User(format!("filter `to`: {m}")))?;
    let same = || (Some(from.to_string()), Some(to.to_string()));
    if f_str.len() == 10 && t_str.len() == 10 {
        let days = (t.date() - f.date()).whole_days() + 1;
        if days <= 0 {
            return Ok(same());
        }
        let day = |d: Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        let start = f.date().checked_sub(Duration::days(days)).map(day);
        return Ok((start, f.date().previous_day().map(day)));
    }
    let end = if t_str.len() == 10 {
        t.checked_add(Duration::DAY).unwrap_or(t)
    } else {
        t
    };
    let len = end - f;
    if len <= Duration::ZERO {
        return Ok(same());
    }
    let stamp = |x: OffsetDateTime| x.format(&Rfc3339).ok();
    let start = f.checked_sub(len).and_then(stamp);
    Ok((start, f.checked_sub(Duration::SECOND).and_then(stamp)))
}

/// Today's day number in the request's zone.
fn today(filters: &Filters) -> Result<i32> {
    Ok(Zone::parse(filters.tz.as_deref())?.today())
}

/// Which period is the first and last day of each side.
type Periods = Option<((String, String), (String, String))>;

/// The rows of the latest full period of `interval` and of the one before, and their days.
fn latest_periods(
    rows: &Rows,
    interval: Interval,
    today: i32,
) -> (Vec<usize>, Vec<usize>, Periods) {
    let Some(last) = rows.day.iter().copied().filter(|&d| d != i32::MIN).max() else {
        return (Vec::new(), Vec::new(), None);
    };
    let mut k = number(last, interval);
    if start(k + 1, interval) > today {
        // That period has not ended yet.
        k -= 1;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, &day) in rows.day.iter().enumerate() {
        if day == i32::MIN {
            continue;
        }
        let n = number(day, interval);
        if n == k {
            a.push(i);
        } else if n == k - 1 {
            b.push(i);
        }
    }
    let span = |k: i64| {
        (
            date_string(start(k, interval)),
            date_string(start(k + 1, interval) - 1),
        )
    };
    (a, b, Some((span(k), span(k - 1))))
}

impl CompareReport {
    /// The metrics, then the decomposition rows, then the rising and falling items.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "row",
            "id",
            "a",
            "b",
            "change",
            "ci95_low",
            "ci95_high",
            "volume",
            "score",
            "q",
            "significant",
            "example",
        ]);
        for (name, c) in [
            ("nps", &self.nps),
            ("csat", &self.csat),
            ("sentiment", &self.sentiment),
        ] {
            let d = if name == "nps" { 1 } else { 3 };
            t.rows.push(vec![
                "metric".into(),
                name.into(),
                cell(c.a, d),
                cell(c.b, d),
                cell(c.change, d),
                cell(c.ci95.map(|x| x[0]), d),
                cell(c.ci95.map(|x| x[1]), d),
                String::new(),
                String::new(),
                c.p.map(|p| format!("p={p:.2e}")).unwrap_or_default(),
                c.significant.to_string(),
                String::new(),
            ]);
        }
        if let Some(dec) = &self.decomposition {
            for r in &dec.rows {
                t.rows.push(vec![
                    format!("{} by topic", dec.metric),
                    r.topic.clone(),
                    cell(Some(r.share_a), 3),
                    cell(Some(r.share_b), 3),
                    cell(Some(r.total), 3),
                    String::new(),
                    String::new(),
                    cell(Some(r.volume_effect), 3),
                    cell(Some(r.score_effect), 3),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
        for (row, list) in [("rising", &self.rising), ("falling", &self.falling)] {
            for m in list {
                t.rows.push(vec![
                    format!("{row} {}", m.kind),
                    m.id.clone(),
                    cell(Some(m.share_a), 3),
                    cell(Some(m.share_b), 3),
                    cell(Some(m.share_a - m.share_b), 3),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("{:.2e}", m.q),
                    "true".into(),
                    m.example
                        .as_ref()
                        .map(|e| e.text.clone())
                        .unwrap_or_default(),
                ]);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_ranges_are_checked_by_name() {
        let mut f = Filters::default();
        add_segment(&mut f, "segment", "region=华南").unwrap();
        add_segment(&mut f, "segment", "channel=app").unwrap();
        add_segment(&mut f, "segment", "attrs.lang=x").unwrap();
        assert_eq!(f.attrs, ["region=华南", "lang=x"]);
        assert_eq!(f.channel.as_deref(), Some("app"));
        for bad in ["region", "=x", "region= "] {
            let e = add_segment(&mut f, "vs_segment", bad)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("`vs_segment`"), "{e}");
        }
        let e = check_date("vs_from", &Some("soon".into())).unwrap_err();
        assert!(e.to_string().starts_with("`vs_from`"), "{e}");
        let s = |a: &str, b: &str| Some(a.to_string()).zip(Some(b.to_string()));
        let before = |f, t| span_before(f, t).unwrap();
        let pair = |(a, b): (Option<String>, Option<String>)| a.zip(b);
        assert_eq!(
            pair(before("2026-10-01", "2026-10-31")),
            s("2026-08-31", "2026-09-30")
        );
        assert_eq!(
            pair(before("2026-10-02", "2026-10-01")),
            s("2026-10-02", "2026-10-01")
        );
        assert_eq!(
            pair(before("2026-10-01T00:00:00Z", "2026-10-01T12:00:00Z")),
            s("2026-09-30T12:00:00Z", "2026-09-30T23:59:59Z")
        );
    }
}
