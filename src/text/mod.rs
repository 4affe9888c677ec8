//! The text pipeline: normalize → detect language → fold Traditional to Simplified →
//! segment → keywords.
//!
//! In: an original comment. Out: a [`Prepared`] text that carries the normalized and folded
//! forms, the language, and the maps that turn spans on the folded text back into byte
//! offsets of the original, which is what is stored, shown and searched.

pub mod clauses;
pub mod decode;
pub mod keywords;
pub mod lang;
pub mod normalize;
pub mod pii;
mod pii_context;
mod pii_rules;
pub mod segment;
pub mod stopwords;
pub mod variants;

use std::ops::Range;

pub use keywords::{IdfTable, Keyword};
pub use lang::Lang;
pub use normalize::{Normalized, normalize};
pub use segment::{Mode, Token, TokenKind, segment};

use crate::{Error, Result};

/// A comment made ready for analysis.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// NFKC, half-width, whitespace-folded text, with its map to the original.
    pub normalized: Normalized,
    /// `normalized` with Traditional characters folded to Simplified (same characters count).
    pub folded: String,
    /// The detected language.
    pub lang: Lang,
    normalized_starts: Vec<usize>,
    folded_starts: Vec<usize>,
}

impl Prepared {
    /// Prepare `original`; an empty or whitespace-only text is an error.
    pub fn new(original: &str) -> Result<Prepared> {
        let normalized = normalize(original);
        if normalized.text.is_empty() {
            return Err(Error::EmptyText(None));
        }
        let lang = lang::detect(&normalized.text);
        let folded = variants::to_simplified(&normalized.text);
        let normalized_starts = normalized.text.char_indices().map(|(i, _)| i).collect();
        let folded_starts = folded.char_indices().map(|(i, _)| i).collect();
        Ok(Prepared {
            normalized,
            folded,
            lang,
            normalized_starts,
            folded_starts,
        })
    }

    /// Map a byte range of `folded` to the byte range of the original text it came from.
    pub fn original_span(&self, span: Range<usize>) -> Range<usize> {
        self.normalized.original_span(self.normalized_span(span))
    }

    /// Map a byte range of `folded` to the same characters' byte range in `normalized.text`.
    pub fn normalized_span(&self, span: Range<usize>) -> Range<usize> {
        let to_char = |byte: usize| match self.folded_starts.binary_search(&byte) {
            Ok(i) | Err(i) => i,
        };
        let to_norm = |ch: usize| {
            self.normalized_starts
                .get(ch)
                .copied()
                .unwrap_or(self.normalized.text.len())
        };
        to_norm(to_char(span.start))..to_norm(to_char(span.end))
    }

    /// Tokens of the folded text, with their ranges still on the folded text.
    pub fn tokens(&self, mode: Mode) -> Vec<Token> {
        segment(&self.folded, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace_are_errors() {
        for text in ["", "   ", "\u{3000}\t\n"] {
            assert!(
                matches!(Prepared::new(text), Err(Error::EmptyText(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn token_spans_map_to_the_original_traditional_text() {
        let original = "  客服有回覆了，發票呢？";
        let p = Prepared::new(original).unwrap();
        assert_eq!(p.lang, Lang::ZhHant);
        assert_eq!(p.folded, "客服有回复了,发票呢?");
        let invoice = p
            .tokens(Mode::Default)
            .into_iter()
            .find(|t| t.text == "发票")
            .unwrap();
        assert_eq!(
            &original[p.original_span(invoice.start..invoice.end)],
            "發票"
        );
        let reply = p
            .tokens(Mode::Default)
            .into_iter()
            .find(|t| t.text == "回复")
            .unwrap();
        assert_eq!(&original[p.original_span(reply.start..reply.end)], "回覆");
    }
}
