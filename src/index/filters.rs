//! The search's [`Filters`], and their parsing into typed values ([`Parsed`]), from which
//! `filter_query.rs` builds the tantivy query.
//!
//! In: the filters as a person or the API gave them (strings, comma-separated lists).
//! Out: the typed filters (labels, languages, topics, ranges, key/value pairs, the zone), or
//! an [`Error::User`] naming the filter: an unknown value, an empty one (`sentiment=` is
//! refused rather than silently matching nothing), a bad date, time zone (`tz`) or score, a bad `customer_id` (one id,
//! matched exactly: not blank, at most 512 characters, no control characters). A range whose lower end is past its upper end is empty
//! and matches nothing, as in SQL. Dates outside what the index can hold (about 1677–2262) are
//! clamped to its ends, so `to=9999-12-31` means "no upper end". Plain dates (YYYY-MM-DD) are days of the
//! `tz` zone (default UTC).

use std::ops::Bound;

use serde::{Deserialize, Serialize};
use tantivy::time::{Duration, OffsetDateTime, Time};

use super::lenient;
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

/// [`Filters`] parsed and checked: what a query is built from ([`Parsed::query`]).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Any of these labels (empty: no sentiment filter).
    pub sentiment: Vec<Label>,
    pub lang: Vec<Lang>,
    pub topic: Vec<TopicFilter>,
    pub channel: Vec<String>,
    /// The `created_at` range, ends in UTC (`None`: no date filter).
    pub created: Option<Range<OffsetDateTime>>,
    /// The sentiment score range, each end in [-1, 1] (`None`: no score filter).
    pub score: Option<Range<f64>>,
    pub customer_id: Option<String>,
    /// Attributes that must match exactly: (key, value), trimmed.
    pub attrs: Vec<(String, String)>,
    /// The zone plain dates were read in, and reports count periods in.
    pub zone: Zone,
}

/// One value of the `topic` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicFilter {
    /// The topic, with any tone (`delivery`).
    Topic(String),
    /// The topic with this tone (`delivery:negative`).
    Aspect(String, Label),
}

/// A range with its ends; `Empty` when the lower end is past the upper one (it matches
/// nothing, as in SQL).
#[derive(Debug, Clone, PartialEq)]
pub enum Range<T> {
    Between(Bound<T>, Bound<T>),
    Empty,
}

impl Filters {
    /// The filters parsed, or an [`Error::User`] naming the first one that is wrong.
    pub fn parse(&self) -> Result<Parsed> {
        let zone = Zone::parse(self.tz.as_deref())?;
        Ok(Parsed {
            sentiment: parse_list(self.sentiment.as_deref(), "sentiment", SENTIMENTS, |s| {
                Label::parse(s)
            })?,
            lang: parse_list(self.lang.as_deref(), "lang", LANGS, Lang::from_code)?,
            topic: match self.topic.as_deref() {
                Some(list) => topics(list)?,
                None => Vec::new(),
            },
            channel: parse_list(self.channel.as_deref(), "channel", "channel names", |s| {
                Some(s.to_string())
            })?,
            created: match self.from.is_some() || self.to.is_some() {
                true => Some(date_range(self, &zone)?),
                false => None,
            },
            score: match self.score_min.is_some() || self.score_max.is_some() {
                true => Some(score_range(self)?),
                false => None,
            },
            customer_id: match &self.customer_id {
                Some(id) => match super::erase::problem(id) {
                    Some(message) => return Err(filter_error("customer_id", message)),
                    None => Some(id.clone()),
                },
                None => None,
            },
            attrs: self.attrs.iter().map(|p| attr(p)).collect::<Result<_>>()?,
            zone,
        })
    }
}

/// A comma-separated list's values, each parsed by `parse` (`None`: not one of `expected`).
fn parse_list<T>(
    list: Option<&str>,
    name: &str,
    expected: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    values(name, list, expected)?
        .into_iter()
        .map(|s| parse(s).ok_or_else(|| filter_error(name, format!("`{s}` is not {expected}"))))
        .collect()
}

fn attr(pair: &str) -> Result<(String, String)> {
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
    Ok((key.trim().to_string(), value.trim().to_string()))
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

fn topics(list: &str) -> Result<Vec<TopicFilter>> {
    values("topic", list, "topic ids or topic:sentiment")?
        .into_iter()
        .map(|value| match value.split_once(':') {
            Some((topic, label)) => Label::parse(label)
                .map(|l| TopicFilter::Aspect(topic.to_string(), l))
                .ok_or_else(|| {
                    filter_error("topic", format!("`{value}`: after `:` comes {SENTIMENTS}"))
                }),
            None => Ok(TopicFilter::Topic(value.to_string())),
        })
        .collect()
}

/// `from`/`to` as a range of `created_at`; a plain `to` date includes that whole day, and
/// plain dates are days of `zone`.
fn date_range(filters: &Filters, zone: &Zone) -> Result<Range<OffsetDateTime>> {
    let from = date_bound("from", filters.from.as_deref(), false, zone)?;
    let to = date_bound("to", filters.to.as_deref(), true, zone)?;
    if let (Some((lower, _)), Some((upper, upper_included))) = (from, to)
        && (lower > upper || (lower == upper && !upper_included))
    {
        return Ok(Range::Empty);
    }
    let lower = from.map_or(Bound::Unbounded, |(t, _)| Bound::Included(t));
    let upper = to.map_or(Bound::Unbounded, |(t, included)| match included {
        true => Bound::Included(t),
        false => Bound::Excluded(t),
    });
    Ok(Range::Between(lower, upper))
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
fn score_range(filters: &Filters) -> Result<Range<f64>> {
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
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Ok(Range::Empty);
    }
    let bound = |v: Option<f64>| v.map_or(Bound::Unbounded, Bound::Included);
    Ok(Range::Between(bound(min), bound(max)))
}

pub(super) fn filter_error(name: &str, message: impl std::fmt::Display) -> Error {
    Error::User(format!("filter `{name}`: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_into_typed_values_or_name_the_wrong_one() {
        let filters = Filters {
            sentiment: Some("negative, positive".into()),
            lang: Some("zh-Hant".into()),
            topic: Some("delivery:negative,billing".into()),
            score_min: Some(0.5),
            score_max: Some(-0.5),
            attrs: vec![" store = S9 ".into()],
            ..Filters::default()
        };
        let parsed = filters.parse().unwrap();
        assert_eq!(parsed.sentiment, [Label::Negative, Label::Positive]);
        assert_eq!(parsed.lang, [Lang::ZhHant]);
        assert_eq!(
            parsed.topic,
            [
                TopicFilter::Aspect("delivery".into(), Label::Negative),
                TopicFilter::Topic("billing".into())
            ]
        );
        assert_eq!(parsed.score, Some(Range::Empty));
        assert_eq!(parsed.attrs, [("store".to_string(), "S9".to_string())]);
        assert_eq!(parsed.created, None);
        let wrong = |f: Filters| f.parse().unwrap_err().to_string();
        let err = wrong(Filters {
            lang: Some("fr".into()),
            ..Filters::default()
        });
        assert_eq!(
            err,
            "filter `lang`: `fr` is not zh-Hans, zh-Hant, en, mixed or other"
        );
        let err = wrong(Filters {
            topic: Some("delivery:bad".into()),
            ..Filters::default()
        });
        assert!(err.starts_with("filter `topic`: `delivery:bad`"), "{err}");
        let err = wrong(Filters {
            to: Some("2026-13-01".into()),
            ..Filters::default()
        });
        assert!(err.starts_with("filter `to`:"), "{err}");
    }
}
