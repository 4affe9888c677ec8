//! From parsed filters ([`Parsed`]) to one tantivy query of exact terms and ranges.
//!
//! In: the filters, already parsed and checked ([`Filters::parse`]). Out: `None` when there
//! are none, else one query all matches must satisfy. Building cannot fail: every value was
//! checked when it was parsed. Dates outside what the index can hold are clamped to its
//! ends by [`DateTime::from_utc`].

use std::ops::Bound;

use tantivy::query::{BooleanQuery, EmptyQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::time::OffsetDateTime;
use tantivy::{DateTime, Term};

use super::filters::{Filters, Parsed, Range, TopicFilter};
use super::schema::{Fields, attr_path, facet};
use crate::Result;

/// The filters as one query, or `None` when there are none; an error names a filter that
/// does not parse.
pub(super) fn filter_query(fields: &Fields, filters: &Filters) -> Result<Option<Box<dyn Query>>> {
    Ok(filters.parse()?.query(fields))
}

impl Parsed {
    /// The filters as one query, or `None` when there are none.
    pub fn query(&self, fields: &Fields) -> Option<Box<dyn Query>> {
        let mut must: Vec<Box<dyn Query>> = Vec::new();
        let terms = |dimension: &str, values: Vec<&str>| -> Vec<Term> {
            values
                .iter()
                .map(|v| facet_term(fields, dimension, v))
                .collect()
        };
        must.extend(any_of(terms(
            "sentiment",
            self.sentiment.iter().map(|l| l.as_str()).collect(),
        )));
        must.extend(any_of(terms(
            "lang",
            self.lang.iter().map(|l| l.code()).collect(),
        )));
        must.extend(any_of(
            self.topic.iter().map(|t| topic_term(fields, t)).collect(),
        ));
        must.extend(any_of(terms(
            "channel",
            self.channel.iter().map(String::as_str).collect(),
        )));
        if let Some(range) = &self.created {
            must.push(date_query(fields, range));
        }
        if let Some(range) = &self.score {
            must.push(score_query(fields, range));
        }
        if let Some(id) = &self.customer_id {
            must.push(term_query(Term::from_field_text(fields.customer_id, id)));
        }
        for (key, value) in &self.attrs {
            let mut term = Term::from_field_json_path(fields.attrs, &attr_path(key), false);
            term.append_type_and_str(value);
            must.push(term_query(term));
        }
        match must.len() {
            0 => None,
            1 => must.pop(),
            _ => Some(Box::new(BooleanQuery::intersection(must))),
        }
    }
}

fn date_query(fields: &Fields, range: &Range<OffsetDateTime>) -> Box<dyn Query> {
    let term = |t: &OffsetDateTime| {
        Term::from_field_date_for_search(fields.created_at, DateTime::from_utc(*t))
    };
    match range {
        Range::Empty => Box::new(EmptyQuery),
        Range::Between(lower, upper) => Box::new(RangeQuery::new(
            map_bound(lower, term),
            map_bound(upper, term),
        )),
    }
}

fn score_query(fields: &Fields, range: &Range<f64>) -> Box<dyn Query> {
    let term = |v: &f64| Term::from_field_f64(fields.score, *v);
    match range {
        Range::Empty => Box::new(EmptyQuery),
        Range::Between(lower, upper) => Box::new(RangeQuery::new(
            map_bound(lower, term),
            map_bound(upper, term),
        )),
    }
}

fn map_bound<T>(bound: &Bound<T>, f: impl Fn(&T) -> Term) -> Bound<Term> {
    match bound {
        Bound::Included(v) => Bound::Included(f(v)),
        Bound::Excluded(v) => Bound::Excluded(f(v)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn topic_term(fields: &Fields, topic: &TopicFilter) -> Term {
    match topic {
        TopicFilter::Topic(id) => facet_term(fields, "topic", id),
        TopicFilter::Aspect(id, label) => {
            facet_term(fields, "aspect", &format!("{id}:{}", label.as_str()))
        }
    }
}

fn facet_term(fields: &Fields, dimension: &str, value: &str) -> Term {
    let f: Facet = facet(dimension, value);
    Term::from_facet(fields.facets, &f)
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A query matching any of the terms (`None` for none: that filter is not given).
fn any_of(terms: Vec<Term>) -> Option<Box<dyn Query>> {
    let mut queries: Vec<Box<dyn Query>> = terms.into_iter().map(term_query).collect();
    match queries.len() {
        0 => None,
        1 => queries.pop(),
        _ => Some(Box::new(BooleanQuery::union(queries))),
    }
}
