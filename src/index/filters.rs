//! From the search's [`Filters`] to one tantivy query of exact terms and ranges.
//!
//! In: the filters as a person or the API gave them (strings, comma-separated lists).
//! Out: `None` when there are none, else one query that all matches must satisfy, or an
//! [`Error::User`] naming the filter: an unknown value, an empty one (`sentiment=` is
//! refused rather than silently matching nothing), a bad date, time zone (`tz`) or score, a bad `customer_id` (one id,
//! matched exactly: not blank, at most 512 characters, no control characters). A range whose lower end is past its upper end is empty
//! and matches nothing, as in SQL. Dates outside what the index can hold (about 1677–2262) are
//! clamped to its ends, so `to=9999-12-31` means "no upper end". Plain dates (YYYY-MM-DD) are days of the
//! `tz` zone (default UTC).

use std::ops::Bound;

use serde::{Deserialize, Serialize};
use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::time::{Duration, OffsetDateTime, Time};
use tantivy::{DateTime, Term};

use super::lenient;
use super::schema::{attr_path, facet, Fields};
use super::zone::Zone;
use crate::analysis::Label;
use crate::comment::parse_timestamp;
use crate::text::Lang;
use crate::{Error, Result};

/// The filters shared by search and reports. List-valued filters take comma-separated
/// values, any of which may match; different filters must all match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Sentiment labels: `negative`, `neutral`, `positive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<String>,
    /// Topic ids (`delivery`), or topic and its sentiment (`delivery:negative`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Languages: `zh-Hans`, `zh-Hant`, `en`, `mixed`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Channels, exactly as ingested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Created at or after: RFC 3339 or a date (the day's start in `tz`, default UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Created at or before: RFC 3339 or a date (the whole day included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Lowest sentiment score, in [-1, 1].
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_f64"
    )]
    pub score_min: Option<f64>,
    /// Highest sentiment score, in [-1, 1].
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_f64"
    )]
    pub score_max: Option<f64>,
    /// One customer id, matched exactly (as stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Attributes that must match exactly, each `key=value`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::strings"
    )]
    pub attrs: Vec<String>,
    /// The IANA time zone date-only `from`/`to` are read in and reports' periods are
    /// counted in (`Asia/Shanghai`); default UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

const SENTIMENTS: &str = "negative, neutral or positive";
const LANGS: &str = "zh-Hans, zh-Hant, en, mixed or other";

/// The filters as one query, or `None` when there are none.
pub(super) fn filter_query(fields: &Fields, filters: &Filters) -> Result<Option<Box<dyn Query>>> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    if let Some(list) = &filters.sentiment {
        let labels = values("sentiment", list, SENTIMENTS)?
            .into_iter()
            .map(|s| {
                Label::parse(s)
                    .map(|l| l.as_str().to_string())
                    .ok_or_else(|| filter_error("sentiment", format!("`{s}` is not {SENTIMENTS}")))
            })
            .collect::<Result<Vec<_>>>()?;
        must.push(facet_terms(fields, "sentiment", labels));
    }
    if let Some(list) = &filters.lang {
        let langs = values("lang", list, LANGS)?
            .into_iter()
            .map(|s| {
                Lang::from_code(s)
                    .map(|l| l.code().to_string())
                    .ok_or_else(|| filter_error("lang", format!("`{s}` is not {LANGS}")))
            })
            .collect::<Result<Vec<_>>>()?;
        must.push(facet_terms(fields, "lang", langs));
    }
    if let Some(list) = &filters.topic {
        must.push(topic_query(fields, list)?);
    }
    if let Some(list) = &filters.channel {
        let channels = values("channel", list, "channel names")?;
        let channels = channels.into_iter().map(str::to_string).collect();
        must.push(facet_terms(fields, "channel", channels));
    }
    let zone = Zone::parse(filters.tz.as_deref())?;
    if filters.from.is_some() || filters.to.is_some() {
        must.push(date_range(fields, filters, &zone)?);
    }
    if filters.score_min.is_some() || filters.score_max.is_some() {
        must.push(score_range(fields, filters)?);
    }
    if let Some(id) = &filters.customer_id {
        if let Some(message) = super::erase::problem(id) {
            return Err(filter_error("customer_id", message));
        }
        let term = Term::from_field_text(fields.customer_id, id);
        must.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    for pair in &filters.attrs {
        if pair.trim().is_empty() {
            return Err(filter_error(
                "attrs",
                "empty (leave it out, or give key=value)",
            ));
        }
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| filter_error("attrs", format!("`{pair}` is not key=value")))?;
        let mut term = Term::from_field_json_path(fields.attrs, &attr_path(key.trim()), false);
        term.append_type_and_str(value.trim());
        must.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    Ok(match must.len() {
        0 => None,
        1 => must.pop(),
        _ => Some(Box::new(BooleanQuery::intersection(must))),
    })
}

/// The non-blank values of a comma-separated list; a list with none is an error.
fn values<'a>(name: &str, list: &'a str, expected: &str) -> Result<Vec<&'a str>> {
    let values: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if values.is_empty() {
        return Err(filter_error(
            name,
            format!("empty (leave it out, or give one or more of {expected}, comma-separated)"),
        ));
    }
    Ok(values)
}

fn topic_query(fields: &Fields, list: &str) -> Result<Box<dyn Query>> {
    let mut terms = Vec::new();
    for value in values("topic", list, "topic ids or topic:sentiment")? {
        let term = match value.split_once(':') {
            Some((topic, label)) => {
                let label = Label::parse(label).ok_or_else(|| {
                    filter_error("topic", format!("`{value}`: after `:` comes {SENTIMENTS}"))
                })?;
                facet("aspect", &format!("{topic}:{}", label.as_str()))
            }
            None => facet("topic", value),
        };
        terms.push(Term::from_facet(fields.facets, &term));
    }
    Ok(any_of(terms))
}

fn facet_terms(fields: &Fields, dimension: &str, values: Vec<String>) -> Box<dyn Query> {
    any_of(
        values
            .iter()
            .map(|v| Term::from_facet(fields.facets, &facet(dimension, v)))
            .collect(),
    )
}

/// `from`/`to` as a range of `created_at`; a plain `to` date includes that whole day, and
/// plain dates are days of `zone`.
fn date_range(fields: &Fields, filters: &Filters, zone: &Zone) -> Result<Box<dyn Query>> {
    let from = date_bound("from", filters.from.as_deref(), false, zone)?;
    let to = date_bound("to", filters.to.as_deref(), true, zone)?;
    if let (Some((lower, _)), Some((upper, upper_included))) = (from, to) {
        if lower > upper || (lower == upper && !upper_included) {
            // An empty range, as in SQL: it matches nothing.
            return Ok(Box::new(EmptyQuery));
        }
    }
    let term = |t| Term::from_field_date_for_search(fields.created_at, DateTime::from_utc(t));
    let lower = from.map_or(Bound::Unbounded, |(t, _)| Bound::Included(term(t)));
    let upper = to.map_or(Bound::Unbounded, |(t, included)| {
        if included {
            Bound::Included(term(t))
        } else {
            Bound::Excluded(term(t))
        }
    });
    Ok(Box::new(RangeQuery::new(lower, upper)))
}

/// One end of a date range and whether it is included (clamped later, by
/// [`DateTime::from_utc`], to what the index can hold).
fn date_bound(
    name: &str,
    value: Option<&str>,
    end: bool,
    zone: &Zone,
) -> Result<Option<(OffsetDateTime, bool)>> {
    let Some(value) = value.map(str::trim) else {
        return Ok(None);
    };
    if value.is_empty() {
        return Err(filter_error(
            name,
            "empty (leave it out, or give an RFC 3339 timestamp or a date, YYYY-MM-DD)",
        ));
    }
    let t = parse_timestamp(value).map_err(|m| filter_error(name, m))?;
    let plain_date = value.len() == 10;
    if !plain_date {
        return Ok(Some((t, true)));
    }
    let day = t.unix_timestamp().div_euclid(86_400);
    let local = |day: i64| OffsetDateTime::from_unix_timestamp(zone.day_start(day)).ok();
    if !end {
        return Ok(Some((local(day).unwrap_or(t), true)));
    }
    // Up to the next day's start, excluded; the last day there is has no next day.
    Ok(Some(
        match t.checked_add(Duration::DAY).and(local(day + 1)) {
            Some(next) => (next, false),
            None => (t.replace_time(Time::MAX), true),
        },
    ))
}

/// `score_min`/`score_max` as a range of the sentiment score.
fn score_range(fields: &Fields, filters: &Filters) -> Result<Box<dyn Query>> {
    let check = |name: &str, value: Option<f64>| -> Result<Option<f64>> {
        match value {
            Some(v) if !(-1.0..=1.0).contains(&v) => {
                Err(filter_error(name, format!("{v} is not in [-1, 1]")))
            }
            other => Ok(other),
        }
    };
    let min = check("score_min", filters.score_min)?;
    let max = check("score_max", filters.score_max)?;
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Ok(Box::new(EmptyQuery));
        }
    }
    let bound = |v: Option<f64>| {
        v.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_f64(fields.score, v))
        })
    };
    Ok(Box::new(RangeQuery::new(bound(min), bound(max))))
}

fn any_of(terms: Vec<Term>) -> Box<dyn Query> {
    let mut queries: Vec<Box<dyn Query>> = terms
        .into_iter()
        .map(|t| Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)
        .collect();
    if queries.len() == 1 {
        queries.pop().unwrap_or_else(|| Box::new(AllQuery))
    } else {
        Box::new(BooleanQuery::union(queries))
    }
}

fn filter_error(name: &str, message: impl std::fmt::Display) -> Error {
    Error::User(format!("filter `{name}`: {message}"))
}
