//! Clauses: the units that carry one topic and one feeling. A comment is cut at sentence and
//! clause punctuation and before contrast words (但是, 不过, 可是, 却, but, however, although…),
//! so that "菜很好吃但是配送太慢" gives 菜很好吃 | 但是配送太慢.
//!
//! In: a [`Prepared`] text. Out: byte ranges of the folded text (map them with
//! [`Prepared::original_span`]), in order, each with at least one word: at most the first
//! [`MAX_CLAUSES`], and whether more followed (the rest of the text is then not read for
//! topics, and the analysis says `truncated`). [`Clause::split`] gives each clause its place in
//! the folded, normalized and original texts and its words, as the topic model reads them.

use std::ops::Range;

use super::Prepared;
use super::segment::{Token, TokenKind};

/// The most clauses read from one text. Each clause is scored against every topic, so this
/// bounds the work one long text can ask for. Comments have a few (the gold set at most about a dozen); a text with
/// more is far past the model's 512-token window anyway.
pub const MAX_CLAUSES: usize = 64;

/// Words that open a new clause (Simplified; text is folded before this runs).
const CONTRAST: &[&str] = &[
    "但",
    "但是",
    "不过",
    "可是",
    "却",
    "然而",
    "只是",
    "就是说",
    "可惜",
    "无奈",
    "反而",
    "but",
    "however",
    "although",
    "though",
    "yet",
    "except",
    "unfortunately",
    "whereas",
    "while",
];

fn is_break(c: char) -> bool {
    // Normalization already turned full-width ，！？；：～ into ASCII.
    matches!(
        c,
        ',' | '.' | '!' | '?' | ';' | ':' | '~' | '。' | '…' | '｡'
    )
}

/// Split a prepared comment into clauses; `tokens` are its default-mode tokens (in text
/// order). Returns at most [`MAX_CLAUSES`] clauses, and whether the text had more.
pub fn clauses(p: &Prepared, tokens: &[Token]) -> (Vec<Range<usize>>, bool) {
    let text = &p.folded;
    let mut cuts: Vec<usize> = vec![0];
    for (i, c) in text.char_indices() {
        if is_break(c) {
            cuts.push(i);
            cuts.push(i + c.len_utf8());
        }
    }
    for (k, t) in tokens.iter().enumerate() {
        // A contrast word opens a clause unless it already starts one.
        if t.kind == TokenKind::Word && k > 0 && CONTRAST.contains(&t.text.as_str()) {
            cuts.push(t.start);
        }
    }
    cuts.push(text.len());
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Range<usize>> = Vec::new();
    // Tokens come in text order: a cursor keeps the scan linear in the text's length.
    let mut next = 0;
    for w in cuts.windows(2) {
        let (start, end) = (w[0], w[1]);
        let piece = &text[start..end];
        let trimmed_start = start + (piece.len() - piece.trim_start().len());
        let trimmed_end = start + piece.trim_end().len();
        if trimmed_start >= trimmed_end {
            continue;
        }
        while next < tokens.len() && tokens[next].start < trimmed_start {
            next += 1;
        }
        let words = tokens[next..]
            .iter()
            .take_while(|t| t.start < trimmed_end)
            .any(|t| t.end <= trimmed_end && t.kind != TokenKind::Number);
        if words {
            if out.len() == MAX_CLAUSES {
                return (out, true);
            }
            out.push(trimmed_start..trimmed_end);
        }
    }
    if out.is_empty() {
        out.push(0..text.len());
    }
    (out, false)
}

/// A clause of a comment, located in the folded, normalized and original texts.
#[derive(Debug, Clone)]
pub struct Clause {
    pub folded: Range<usize>,
    pub normalized: Range<usize>,
    pub original: Range<usize>,
    /// Its words (folded, lowercased).
    pub words: Vec<String>,
}

impl Clause {
    /// The clauses of a prepared comment; `tokens` are its default-mode tokens (in text
    /// order). At most [`MAX_CLAUSES`], and whether the text had more.
    pub fn split(p: &Prepared, tokens: &[Token]) -> (Vec<Clause>, bool) {
        let (ranges, cut) = clauses(p, tokens);
        let clauses = ranges
            .into_iter()
            .map(|r| {
                let first = tokens.partition_point(|t| t.start < r.start);
                Clause {
                    normalized: p.normalized_span(r.clone()),
                    original: p.original_span(r.clone()),
                    words: tokens[first..]
                        .iter()
                        .take_while(|t| t.start < r.end)
                        .filter(|t| t.end <= r.end && t.kind == TokenKind::Word)
                        .map(|t| t.text.clone())
                        .collect(),
                    folded: r,
                }
            })
            .collect();
        (clauses, cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let p = Prepared::new(text).unwrap();
        clauses(&p, &p.tokens(crate::text::Mode::Default))
            .0
            .into_iter()
            .map(|r| text[p.original_span(r)].to_string())
            .collect()
    }

    #[test]
    fn at_most_max_clauses_and_the_cut_is_reported() {
        let text = "菜很好吃但是配送太慢。".repeat(3000);
        let p = Prepared::new(&text).unwrap();
        let (cl, cut) = clauses(&p, &p.tokens(crate::text::Mode::Default));
        assert_eq!(cl.len(), MAX_CLAUSES);
        assert!(cut);
        assert_eq!(&p.folded[cl[1].clone()], "但是配送太慢");
        let exact = "好,".repeat(MAX_CLAUSES);
        let p = Prepared::new(&exact).unwrap();
        let (cl, cut) = clauses(&p, &p.tokens(crate::text::Mode::Default));
        assert_eq!((cl.len(), cut), (MAX_CLAUSES, false));
    }

    macro_rules! golden {
        ($($name:ident: $input:expr => $expected:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(split($input), $expected as &[&str], "{}", $input);
            }
        )*};
    }

    golden! {
        contrast_without_punctuation: "菜很好吃但是配送太慢" => &["菜很好吃", "但是配送太慢"];
        punctuation: "物流很快，包装也很好。客服态度一般" => &["物流很快", "包装也很好", "客服态度一般"];
        traditional_contrast: "東西不錯，不過運費太貴了" => &["東西不錯", "不過運費太貴了"];
        que: "质量很好却太贵了" => &["质量很好", "却太贵了"];
        english_but: "Great food but the delivery was late." => &["Great food", "but the delivery was late"];
        english_although: "Although the app is slow, support was helpful!" => &["Although the app is slow", "support was helpful"];
        one_clause: "too slow" => &["too slow"];
        emoji_only_clause_dropped: "好评👍！！" => &["好评👍"];
        numbers_alone_are_not_clauses: "订单 123, 还没到" => &["订单 123", "还没到"];
    }
}
