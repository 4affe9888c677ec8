//! From a person's query and filters to a tantivy query.
//!
//! Query syntax is tantivy's (words, `"phrases"`, `AND`/`OR`/`NOT`, `+`/`-`, `field:value`),
//! with space-separated words all required. A run of Chinese without spaces (发票一直没开) is
//! cut into words (发票 一直 没 开, stop words dropped) which are all required; a quoted
//! Chinese phrase stays a phrase. Every word goes through the index's own tokenizer, so
//! Traditional and Simplified, full- and half-width, and English word forms all meet.
//! Filters become exact terms and ranges, combined without affecting relevance.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::query_grammar::{
    self, Delimiter, Occur as UserOccur, UserInputAst, UserInputLeaf, UserInputLiteral,
};
use tantivy::schema::{IndexRecordOption, Schema};
use tantivy::time::Duration;
use tantivy::{DateTime, Term};

use super::schema::{attr_path, facet, Fields};
use super::search::Filters;
use super::CommentIndex;
use crate::analyze::Label;
use crate::comment::parse_timestamp;
use crate::text::lang::is_han;
use crate::text::stopwords::is_stop_word;
use crate::text::{Lang, Mode, Prepared};
use crate::{Error, Result};

/// The full-text part: all documents for a blank query.
pub(super) fn text_query(index: &CommentIndex, q: &str) -> Result<Box<dyn Query>> {
    let q = normalize_query(q);
    if q.trim().is_empty() {
        return Ok(Box::new(AllQuery));
    }
    let schema = index.index.schema();
    let (ast, _recovered) = query_grammar::parse_query_lenient(&q);
    let ast = rewrite(ast, &schema);
    let mut parser = QueryParser::for_index(&index.index, vec![index.fields.text]);
    parser.set_conjunction_by_default();
    parser
        .build_query_from_user_input_ast(ast)
        .map_err(|e| Error::User(format!("query `{q}`: {e}")))
}

/// Full-width to half-width (＂ＡＮＤ＂ → "AND"), curly quotes to straight ones.
fn normalize_query(q: &str) -> String {
    crate::text::normalize(q)
        .text
        .chars()
        .map(|c| match c {
            '“' | '”' | '„' | '「' | '」' => '"',
            c => c,
        })
        .collect()
}

fn rewrite(ast: UserInputAst, schema: &Schema) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, ast)| (occur, rewrite(ast, schema)))
                .collect(),
        ),
        UserInputAst::Boost(ast, boost) => {
            UserInputAst::Boost(Box::new(rewrite(*ast, schema)), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(literal) => rewrite_literal(literal, schema),
            other => UserInputAst::Leaf(Box::new(other)),
        },
    }
}

fn rewrite_literal(mut literal: UserInputLiteral, schema: &Schema) -> UserInputAst {
    // `客服:态度差` or `http://...` is text, not a field name.
    if let Some(field) = &literal.field_name {
        if schema.find_field(field).is_none() {
            literal.phrase = format!("{field}:{}", literal.phrase);
            literal.field_name = None;
        }
    }
    let on_text = literal.field_name.as_deref().is_none_or(|f| f == "text");
    let bare = literal.delimiter == Delimiter::None && !literal.prefix;
    if on_text && bare && literal.phrase.chars().any(is_han) {
        let words = query_words(&literal.phrase);
        if words.len() > 1 {
            let field_name = literal.field_name.clone();
            return UserInputAst::Clause(
                words
                    .into_iter()
                    .map(|word| {
                        let leaf = UserInputLeaf::Literal(UserInputLiteral {
                            field_name: field_name.clone(),
                            phrase: word,
                            delimiter: Delimiter::None,
                            slop: 0,
                            prefix: false,
                        });
                        (Some(UserOccur::Must), UserInputAst::Leaf(Box::new(leaf)))
                    })
                    .collect(),
            );
        }
    }
    UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal)))
}

/// Negations are kept even though they are stop words: 发票没开 is not 发票开.
const NEGATIONS: &[&str] = &[
    "不", "没", "没有", "无", "未", "别", "非", "不是", "不能", "不会",
];

/// The words a person meant: one segmentation (not search mode), stop words other than
/// negations dropped unless nothing else is left.
fn query_words(phrase: &str) -> Vec<String> {
    let Ok(prepared) = Prepared::new(phrase) else {
        return Vec::new();
    };
    let words: Vec<String> = prepared
        .tokens(Mode::Default)
        .into_iter()
        .map(|t| t.text)
        .collect();
    let content: Vec<String> = words
        .iter()
        .filter(|w| !is_stop_word(w) || NEGATIONS.contains(&w.as_str()))
        .cloned()
        .collect();
    if content.is_empty() {
        words
    } else {
        content
    }
}

/// The filters as one query, or `None` when there are none.
pub(super) fn filter_query(fields: &Fields, filters: &Filters) -> Result<Option<Box<dyn Query>>> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let facet_terms = |dimension: &str, values: Vec<String>| -> Box<dyn Query> {
        any_of(
            values
                .iter()
                .map(|v| Term::from_facet(fields.facets, &facet(dimension, v)))
                .collect(),
        )
    };
    if let Some(list) = &filters.sentiment {
        let labels = split(list)
            .map(|s| {
                Label::parse(s)
                    .map(|l| l.as_str().to_string())
                    .ok_or_else(|| {
                        filter_error(
                            "sentiment",
                            format!("`{s}` is not negative, neutral or positive"),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        must.push(facet_terms("sentiment", labels));
    }
    if let Some(list) = &filters.lang {
        let langs = split(list)
            .map(|s| {
                Lang::from_code(s)
                    .map(|l| l.code().to_string())
                    .ok_or_else(|| {
                        filter_error(
                            "lang",
                            format!("`{s}` is not zh-Hans, zh-Hant, en, mixed or other"),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        must.push(facet_terms("lang", langs));
    }
    if let Some(list) = &filters.topic {
        let mut terms = Vec::new();
        for value in split(list) {
            let term = match value.split_once(':') {
                Some((topic, label)) => {
                    let label = Label::parse(label).ok_or_else(|| {
                        filter_error(
                            "topic",
                            format!("`{value}`: after `:` comes negative, neutral or positive"),
                        )
                    })?;
                    facet("aspect", &format!("{topic}:{}", label.as_str()))
                }
                None => facet("topic", value),
            };
            terms.push(Term::from_facet(fields.facets, &term));
        }
        must.push(any_of(terms));
    }
    if let Some(list) = &filters.channel {
        must.push(facet_terms(
            "channel",
            split(list).map(str::to_string).collect(),
        ));
    }
    if filters.from.is_some() || filters.to.is_some() {
        let bound = |name: &str, value: &Option<String>, end: bool| -> Result<Bound<Term>> {
            let Some(value) = value.as_deref().map(str::trim) else {
                return Ok(Bound::Unbounded);
            };
            let t = parse_timestamp(value).map_err(|m| filter_error(name, m))?;
            // `to=2025-05-23` includes that whole day.
            let plain_date = value.len() == 10;
            let t = if end && plain_date {
                t + Duration::DAY
            } else {
                t
            };
            let term = Term::from_field_date_for_search(fields.created_at, DateTime::from_utc(t));
            Ok(match (end, plain_date) {
                (false, _) => Bound::Included(term),
                (true, true) => Bound::Excluded(term),
                (true, false) => Bound::Included(term),
            })
        };
        let lower = bound("from", &filters.from, false)?;
        let upper = bound("to", &filters.to, true)?;
        must.push(Box::new(RangeQuery::new(lower, upper)));
    }
    if filters.score_min.is_some() || filters.score_max.is_some() {
        let bound = |name: &str, value: Option<f64>| -> Result<Bound<Term>> {
            match value {
                None => Ok(Bound::Unbounded),
                Some(v) if (-1.0..=1.0).contains(&v) => {
                    Ok(Bound::Included(Term::from_field_f64(fields.score, v)))
                }
                Some(v) => Err(filter_error(name, format!("{v} is not in [-1, 1]"))),
            }
        };
        let lower = bound("score_min", filters.score_min)?;
        let upper = bound("score_max", filters.score_max)?;
        must.push(Box::new(RangeQuery::new(lower, upper)));
    }
    for pair in &filters.attrs {
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

/// The text query restricted by the filters; filters do not change relevance scores.
pub(super) fn combine(text: Box<dyn Query>, filter: Option<Box<dyn Query>>) -> Box<dyn Query> {
    match filter {
        None => text,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, text),
            (Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))),
        ])),
    }
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

/// A comma-separated list, blanks dropped.
fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn filter_error(name: &str, message: impl std::fmt::Display) -> Error {
    Error::User(format!("filter `{name}`: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_runs_become_words() {
        assert_eq!(query_words("發票一直沒開"), ["发票", "没", "开"]);
        assert_eq!(query_words("的了"), ["的", "了"]);
    }

    #[test]
    fn query_normalization() {
        assert_eq!(normalize_query("“发票”　ＡＮＤ　退款"), "\"发票\" AND 退款");
    }
}
