//! Chinese characters and character pairs for the `chars` field, so that a word inside a
//! longer word is found: 慢 in 太慢, 处理 in 待处理, 发票 in 开发票 (which jieba cuts 开发 票).
//!
//! In: an original comment (or a query). Out: tantivy tokens of the Han characters only,
//! folded to Simplified, with offsets into the ORIGINAL text (so `<mark>` lands on what the
//! user wrote, in either script). Latin words, numbers and emoji give no tokens here; the
//! `text` field has them.
//!
//! Indexing emits every character (unigram) and every pair of neighbours within a run of
//! Han characters (bigram), both at the position of their first character. A query word
//! becomes its one character, or its bigrams (待处理 → 待处 处理) which the query parser
//! joins into a phrase: two bigrams at neighbouring positions mean three adjacent
//! characters. Positions count Han characters, plus one between runs, so that a phrase never
//! spans punctuation, spaces or Latin text.

use tantivy::tokenizer::{TextAnalyzer, Token, Tokenizer};

use super::tokenizer::VecTokenStream;
use crate::text::Prepared;
use crate::text::lang::is_han;

/// The name of the character tokenizer; the suffix is the version of what it emits.
pub const CHARS_TOKENIZER: &str = "verbatim-chars-2";

/// Which n-grams a [`CharsTokenizer`] emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grams {
    /// Unigrams and bigrams: what the index holds.
    Index,
    /// Bigrams, or the unigram of a one-character run: what a query looks for.
    Query,
}

/// The analyzer of the `chars` field for indexing, or for queries.
pub fn chars_analyzer(grams: Grams) -> TextAnalyzer {
    TextAnalyzer::from(CharsTokenizer {
        grams,
        tokens: Vec::new(),
    })
}

/// Han character n-grams with offsets into the original text.
#[derive(Clone)]
pub struct CharsTokenizer {
    grams: Grams,
    tokens: Vec<Token>,
}

impl Tokenizer for CharsTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        fill(text, self.grams, &mut self.tokens);
        VecTokenStream::new(&mut self.tokens)
    }
}

fn is_han_char(c: char) -> bool {
    is_han(c) || c == '〇'
}

fn fill(text: &str, grams: Grams, out: &mut Vec<Token>) {
    let Ok(prepared) = Prepared::new(text) else {
        return;
    };
    let folded = &prepared.folded;
    let chars: Vec<(usize, char)> = folded.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(folded.len(), |&(b, _)| b);
    let mut position = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if !is_han_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_han_char(chars[i].1) {
            i += 1;
        }
        let run = start..i;
        for k in run.clone() {
            let mut push = |last: usize| {
                let span = prepared.original_span(chars[k].0..end_of(last + 1));
                out.push(Token {
                    offset_from: span.start,
                    offset_to: span.end,
                    position,
                    text: folded[chars[k].0..end_of(last + 1)].to_string(),
                    position_length: 1,
                });
            };
            if grams == Grams::Index || run.len() == 1 {
                push(k);
            }
            if k + 1 < run.end {
                push(k + 1);
            }
            position += 1;
        }
        // A gap between runs: no phrase spans them.
        position += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tokenizer::tokens;

    fn grams(text: &str, grams: Grams) -> Vec<(String, usize)> {
        tokens(&mut chars_analyzer(grams), text)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
    }

    fn texts(text: &str, g: Grams) -> String {
        let v: Vec<String> = grams(text, g).into_iter().map(|(t, _)| t).collect();
        v.join(" ")
    }

    #[test]
    fn index_holds_characters_and_pairs_of_han_runs() {
        assert_eq!(
            texts("配送太慢", Grams::Index),
            "配 配送 送 送太 太 太慢 慢"
        );
        assert_eq!(
            texts("APP很慢!ok 發票", Grams::Index),
            "很 很慢 慢 发 发票 票"
        );
        assert_eq!(texts("refund only", Grams::Index), "");
    }

    #[test]
    fn queries_are_pairs_or_one_character() {
        assert_eq!(texts("待处理", Grams::Query), "待处 处理");
        assert_eq!(texts("慢", Grams::Query), "慢");
        assert_eq!(texts("處理", Grams::Query), "处理");
    }

    #[test]
    fn runs_are_apart_and_offsets_are_original() {
        let g = grams("很慢，發票", Grams::Index);
        // 很 0, 慢 1, gap, 发 3, 票 4.
        assert_eq!(g[0], ("很".to_string(), 0));
        assert_eq!(g[3], ("发".to_string(), 3));
        let text = "客服說：開發票要三天";
        let t = tokens(&mut chars_analyzer(Grams::Index), text);
        let invoice = t.iter().find(|t| t.text == "发票").unwrap();
        assert_eq!(&text[invoice.offset_from..invoice.offset_to], "發票");
    }
}
