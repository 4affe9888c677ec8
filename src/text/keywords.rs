//! Keywords: a comment's salient terms by TF-IDF against a shipped IDF table.
//!
//! In: tokens of a prepared comment. Out: up to `k` [`Keyword`]s with L2-normalized
//! weights. The table (`data/idf.tsv`) is built from the corpora by `verbatim build-idf`
//! (see the Makefile's `idf` target) and embedded in the binary.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::lang::is_han;
use super::segment::ChineseSegmenter;
use super::segment::{Token, TokenKind};
use super::stopwords::{is_report_stop_word, is_stop_word};
use crate::{Error, Result};

/// Whether `term` (a stored keyword: lowercased, Simplified) is a content word worth a
/// keyword report: a jieba noun, verb or adjective (or a user-dictionary term) for Chinese,
/// an alphabetic word of three letters or more for English; never a stop word or a domain
/// filler ([`is_report_stop_word`]: 大概, 家里, 这家, 第一次, 老人, …), number or symbol.
pub fn is_content_word(term: &str) -> bool {
    if term.is_empty() || is_report_stop_word(term) {
        return false;
    }
    if term.chars().any(is_han) {
        let tags = ChineseSegmenter::global().pos_tags(term);
        return tags
            .iter()
            .any(|t| t.is_empty() || t.starts_with(['n', 'v', 'a']));
    }
    term.chars().count() >= 3
        && term
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
}

/// A salient term and its weight in the comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Keyword {
    pub term: String,
    pub weight: f32,
}

/// Document frequencies of terms over a corpus.
#[derive(Debug, Clone, Default)]
pub struct IdfTable {
    docs: u32,
    df: HashMap<String, u32>,
}

static BUILTIN: LazyLock<IdfTable> = LazyLock::new(|| {
    // The embedded table is checked by a test; an unreadable one is a build defect.
    IdfTable::parse(include_str!("data/idf.tsv")).expect("embedded IDF table is valid")
});

impl IdfTable {
    /// The table shipped in the binary.
    pub fn builtin() -> &'static IdfTable {
        &BUILTIN
    }

    /// Parse `#docs<TAB>N` followed by `term<TAB>df` lines.
    pub fn parse(text: &str) -> Result<IdfTable> {
        let mut lines = text.lines().enumerate();
        let docs = lines
            .next()
            .and_then(|(_, l)| l.strip_prefix("#docs\t"))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| Error::User("IDF table: first line must be `#docs<TAB>N`".into()))?;
        let mut df = HashMap::new();
        for (i, line) in lines {
            let (term, n) = line
                .split_once('\t')
                .and_then(|(t, n)| Some((t, n.trim().parse::<u32>().ok()?)))
                .ok_or_else(|| Error::User(format!("IDF table line {}: `{line}`", i + 1)))?;
            df.insert(term.to_string(), n);
        }
        Ok(IdfTable { docs, df })
    }

    /// Build a table from documents' terms; terms seen in fewer than `min_df` are dropped.
    pub fn build<I, D>(documents: I, min_df: u32) -> IdfTable
    where
        I: IntoIterator<Item = D>,
        D: IntoIterator<Item = String>,
    {
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut docs = 0;
        for doc in documents {
            docs += 1;
            let mut terms: Vec<String> = doc.into_iter().collect();
            terms.sort_unstable();
            terms.dedup();
            for term in terms {
                *df.entry(term).or_default() += 1;
            }
        }
        df.retain(|_, n| *n >= min_df);
        IdfTable { docs, df }
    }

    /// Serialize in the format [`IdfTable::parse`] reads, terms sorted.
    pub fn to_tsv(&self) -> String {
        let mut terms: Vec<_> = self.df.iter().collect();
        terms.sort();
        let mut out = format!("#docs\t{}\n", self.docs);
        for (term, n) in terms {
            out.push_str(&format!("{term}\t{n}\n"));
        }
        out
    }

    /// Number of documents the table was built from, and number of terms kept.
    pub fn size(&self) -> (u32, usize) {
        (self.docs, self.df.len())
    }

    /// Smoothed inverse document frequency; an unseen term counts as seen twice, so that
    /// typos do not outrank real terms.
    pub fn idf(&self, term: &str) -> f32 {
        let df = self.df.get(term).copied().unwrap_or(2).max(1);
        ((1.0 + self.docs as f32) / (1.0 + df as f32)).ln() + 1.0
    }
}

/// Whether a token is a candidate keyword: a content word, not a stop word, not a single
/// Han character, not a one- or two-letter Latin word.
pub fn is_candidate(token: &Token) -> bool {
    if token.kind != TokenKind::Word || is_stop_word(&token.text) {
        return false;
    }
    let han = token.text.chars().filter(|&c| is_han(c)).count();
    if han > 0 {
        return han >= 2;
    }
    token.text.chars().filter(|c| c.is_alphabetic()).count() >= 3
}

/// The `k` most salient candidate terms of `tokens`, weights L2-normalized over the terms
/// of the comment, ties broken by first occurrence.
pub fn keywords(tokens: &[Token], idf: &IdfTable, k: usize) -> Vec<Keyword> {
    let mut order: Vec<&str> = Vec::new();
    let mut tf: HashMap<&str, f32> = HashMap::new();
    for t in tokens.iter().filter(|t| is_candidate(t)) {
        let n = tf.entry(t.text.as_str()).or_insert_with(|| {
            order.push(t.text.as_str());
            0.0
        });
        *n += 1.0;
    }
    let mut scored: Vec<(usize, &str, f32)> = order
        .iter()
        .enumerate()
        .map(|(i, term)| (i, *term, tf[term] * idf.idf(term)))
        .collect();
    let norm = scored.iter().map(|(_, _, w)| w * w).sum::<f32>().sqrt();
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(k)
        .map(|(_, term, w)| Keyword {
            term: term.to_string(),
            weight: ((w / norm) * 1000.0).round() / 1000.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Mode, segment};

    #[test]
    fn builtin_table_loads_and_is_sizeable() {
        let (docs, terms) = IdfTable::builtin().size();
        assert!(docs > 30_000, "{docs}");
        assert!(terms > 5_000, "{terms}");
    }

    #[test]
    fn rare_terms_weigh_more_than_common_ones() {
        let t = IdfTable::builtin();
        assert!(t.idf("退款") > t.idf("不错"));
        assert!(t.idf("refund") > t.idf("good"));
    }

    #[test]
    fn round_trip_and_bad_lines() {
        let docs = vec![vec!["a".to_string(), "b".into()], vec!["a".into()]];
        let table = IdfTable::build(docs, 1);
        let parsed = IdfTable::parse(&table.to_tsv()).unwrap();
        assert_eq!(parsed.size(), (2, 2));
        assert!(IdfTable::parse("nope").is_err());
        assert!(IdfTable::parse("#docs\t3\nterm-without-count").is_err());
    }

    #[test]
    fn picks_content_words() {
        let tokens = segment("配送太慢了,而且发票一直开不出来", Mode::Default);
        let kw: Vec<String> = keywords(&tokens, IdfTable::builtin(), 3)
            .into_iter()
            .map(|k| k.term)
            .collect();
        assert!(kw.contains(&"发票".to_string()), "{kw:?}");
        assert!(kw.contains(&"配送".to_string()), "{kw:?}");
        assert!(!kw.iter().any(|k| is_stop_word(k)), "{kw:?}");
    }
}
