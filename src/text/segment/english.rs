//! English (and other alphabetic) segmentation: words of letters, digits and inner
//! apostrophes, lowercased. Stemming belongs to the index's token filters, not here.

use super::{Mode, Segmenter, Token, TokenKind};

/// Splits an alphanumeric run into lowercased words.
pub struct EnglishSegmenter;

impl Segmenter for EnglishSegmenter {
    fn segment(&self, run: &str, offset: usize, _mode: Mode, out: &mut Vec<Token>) {
        let mut start = None;
        let bytes_end = run.len();
        let push = |s: usize, e: usize, out: &mut Vec<Token>| {
            let word = run[s..e].trim_matches('\'');
            if word.is_empty() {
                return;
            }
            let lead = run[s..e].len() - run[s..e].trim_start_matches('\'').len();
            let s = s + lead;
            let e = s + word.len();
            let kind = if word.chars().all(|c| c.is_ascii_digit()) {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            out.push(Token {
                text: word.to_lowercase(),
                start: offset + s,
                end: offset + e,
                kind,
            });
        };
        for (i, c) in run.char_indices() {
            if c.is_alphanumeric() || c == '\'' {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                push(s, i, out);
            }
        }
        if let Some(s) = start {
            push(s, bytes_end, out);
        }
    }
}
