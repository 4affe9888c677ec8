//! From a person's query to a tantivy query.
//!
//! Query syntax is tantivy's (words, `"phrases"`, `AND`/`OR`/`NOT`, `+`/`-`, `field:value`),
//! with space-separated words all required. A run of Chinese without spaces (发票一直没开) is
//! cut into words (发票 一直 没 开, stop words dropped) which are all required; a quoted
//! Chinese phrase stays a phrase. Every word goes through the index's own tokenizer, so
//! Traditional and Simplified, full- and half-width, and English word forms all meet.
//!
//! Every word is looked for in two fields: `text` (jieba's words, stemmed English) and
//! `chars` (Han characters and pairs, [`super::chars`]), so 慢 finds 太慢 and 发票 finds
//! 开发票. Ranking: a whole-word match scores in both fields and `text` is boosted
//! ([`WORD_BOOST`]), so it ranks above a match inside a longer word; a Chinese run cut into
//! several words (配送慢 → 配送 慢) also asks, optionally, for the run as a phrase
//! ([`PHRASE_BOOST`]), so comments where the words are adjacent rank above those where they
//! are scattered; within each, BM25.
//! The query's length and nesting are bounded first ([`super::query_bounds`]); what tantivy
//! would only refuse while searching (`field:*` on a field without a column) and absurd
//! boosts are refused here, naming `q`. [`combine`] adds the filters ([`super::filters`])
//! without affecting relevance.

use std::sync::OnceLock;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser};
use tantivy::query_grammar::{
    self, Delimiter, Occur as UserOccur, UserInputAst, UserInputLeaf, UserInputLiteral,
};

use tantivy::schema::Schema;
use tantivy::tokenizer::TokenizerManager;

use super::CommentIndex;
use super::chars::{CHARS_TOKENIZER, Grams, chars_analyzer};
use super::query_bounds;
use super::query_dates;
use super::tokenizer::{TOKENIZER, text_analyzer};
use crate::text::lang::is_han;
use crate::text::stopwords::is_stop_word;
use crate::text::{Mode, Prepared};
use crate::{Error, Result};

/// The largest boost (`word^3`) a query may give.
pub const MAX_BOOST: f64 = 1000.0;
/// How much more a match of a whole word (the `text` field) weighs than one of characters.
pub const WORD_BOOST: f32 = 2.0;
/// The weight of the optional phrase that ranks a Chinese run's adjacent words first.
pub const PHRASE_BOOST: f64 = 2.0;

/// The tokenizers queries are cut with: the index's, except that `chars` looks for bigrams.
fn query_tokenizers() -> TokenizerManager {
    static MANAGER: OnceLock<TokenizerManager> = OnceLock::new();
    MANAGER
        .get_or_init(|| {
            let manager = TokenizerManager::default();
            manager.register(TOKENIZER, text_analyzer());
            manager.register(CHARS_TOKENIZER, chars_analyzer(Grams::Query));
            manager
        })
        .clone()
}

/// The full-text part: all documents for a blank query.
pub(super) fn text_query(index: &CommentIndex, q: &str) -> Result<Box<dyn Query>> {
    query_bounds::check_length(q)?;
    let q = normalize_query(q);
    if q.trim().is_empty() {
        return Ok(Box::new(AllQuery));
    }
    query_bounds::check(&q)?;
    let schema = index.index.schema();
    let (ast, _recovered) = query_grammar::parse_query_lenient(&q);
    let ast = rewrite(ast, &schema)?;
    let typed = query_dates::typed_field(&ast, &schema);
    match (build(index, ast), typed) {
        (Ok(query), _) => Ok(query),
        // A value a number or date field cannot hold (`nps:abc`, `created_at:May`) is the
        // user's slip, named; searching its words would silently match nothing.
        (Err(Error::User(message)), Some(field)) => Err(Error::User(format!(
            "{message} (`{field}:` takes a number, or a date as YYYY-MM-DD or RFC 3339; the \
             filter parameters do the same)"
        ))),
        // Syntax tantivy cannot turn into a query (a range without a field, say): the
        // query's words are searched plainly, as search engines do with a slip of syntax.
        (Err(_), _) => {
            let plain: String = q
                .chars()
                .map(|c| if QUERY_SYNTAX.contains(c) { ' ' } else { c })
                .collect();
            if plain.trim().is_empty() {
                return Ok(Box::new(AllQuery));
            }
            let (ast, _recovered) = query_grammar::parse_query_lenient(&plain);
            build(index, rewrite(ast, &schema)?)
        }
    }
}

/// The characters that make query syntax rather than words.
const QUERY_SYNTAX: &str = "()[]{}\"':^~*+-!<>=\\/";

fn build(index: &CommentIndex, ast: UserInputAst) -> Result<Box<dyn Query>> {
    let fields = &index.fields;
    let mut parser = QueryParser::new(
        index.index.schema(),
        vec![fields.text, fields.chars],
        query_tokenizers(),
    );
    parser.set_conjunction_by_default();
    parser.set_field_boost(fields.text, WORD_BOOST);
    parser.build_query_from_user_input_ast(ast).map_err(q_error)
}

fn q_error(message: impl std::fmt::Display) -> Error {
    Error::User(format!("`q`: {message}"))
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

fn rewrite(ast: UserInputAst, schema: &Schema) -> Result<UserInputAst> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, ast)| Ok((occur, rewrite(ast, schema)?)))
                .collect::<Result<_>>()?,
        ),
        UserInputAst::Boost(ast, boost) => {
            if !(0.0..=MAX_BOOST).contains(&boost.0) {
                return Err(q_error(format!(
                    "a boost of {} is not in [0, {MAX_BOOST}]",
                    boost.0
                )));
            }
            UserInputAst::Boost(Box::new(rewrite(*ast, schema)?), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(literal) => rewrite_literal(literal, schema),
            UserInputLeaf::Exists { field } => exists(field, schema)?,
            UserInputLeaf::Range {
                field: Some(field),
                lower,
                upper,
            } if query_dates::is_date_field(schema, &field) => {
                UserInputAst::Leaf(Box::new(UserInputLeaf::Range {
                    field: Some(field),
                    lower: query_dates::bound(lower),
                    upper: query_dates::bound(upper),
                }))
            }
            other => UserInputAst::Leaf(Box::new(other)),
        },
    })
}

/// `field:*`, "has a value": kept on fast fields, every comment for `text` and `id`
/// (every comment has both), refused otherwise.
fn exists(field: String, schema: &Schema) -> Result<UserInputAst> {
    if field == "text" || field == "id" {
        return Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::All)));
    }
    let fast = schema
        .find_field(&field)
        .is_some_and(|(f, _)| schema.get_field_entry(f).is_fast());
    if fast {
        return Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::Exists {
            field,
        })));
    }
    let usable: Vec<&str> = schema
        .fields()
        .filter(|(_, entry)| entry.is_fast())
        .map(|(_, entry)| entry.name())
        .collect();
    Err(q_error(format!(
        "`{field}:*` (has a value) works only on text, id, {} (and attrs.KEY)",
        usable.join(", ")
    )))
}

fn rewrite_literal(mut literal: UserInputLiteral, schema: &Schema) -> UserInputAst {
    // `客服:态度差` or `http://...` is text, not a field name.
    if let Some(field) = &literal.field_name
        && schema.find_field(field).is_none()
    {
        literal.phrase = format!("{field}:{}", literal.phrase);
        literal.field_name = None;
    }
    if let Some(field) = literal.field_name.as_deref()
        && query_dates::is_date_field(schema, field)
        && let Some(day) = query_dates::day(field, &literal.phrase)
    {
        return day;
    }
    let on_text = literal.field_name.as_deref().is_none_or(|f| f == "text");
    let bare = literal.delimiter == Delimiter::None && !literal.prefix;
    if on_text && bare && literal.phrase.chars().any(is_han) {
        let words = query_words(&literal.phrase);
        if words.len() > 1 {
            let field_name = literal.field_name.clone();
            let leaf = |phrase: String, delimiter: Delimiter| {
                UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(UserInputLiteral {
                    field_name: field_name.clone(),
                    phrase,
                    delimiter,
                    slop: 0,
                    prefix: false,
                })))
            };
            let mut clauses: Vec<(Option<UserOccur>, UserInputAst)> = words
                .into_iter()
                .map(|word| (Some(UserOccur::Must), leaf(word, Delimiter::None)))
                .collect();
            // Adjacent words rank first: the whole run as an optional phrase.
            let phrase = leaf(literal.phrase.clone(), Delimiter::DoubleQuotes);
            let boosted = UserInputAst::Boost(Box::new(phrase), PHRASE_BOOST.into());
            clauses.push((Some(UserOccur::Should), boosted));
            return UserInputAst::Clause(clauses);
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
    if content.is_empty() { words } else { content }
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
