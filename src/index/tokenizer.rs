//! The index's text analysis: a tantivy [`Tokenizer`] over our own segmenter, registered by
//! name so that indexing, query parsing and highlighting all go through the same steps.
//!
//! In: an original comment (or a query). Out: tantivy tokens whose offsets are byte ranges of
//! the ORIGINAL text, so `<mark>` lands on what the user wrote, in either script.
//!
//! Steps: normalize (NFKC, half-width) → fold Traditional to Simplified → segment in search
//! mode (测试工具箱 → 测试, 工具, 测试工具, 箱, ...) → `-ery` nouns read as their verbs
//! ([`super::forms`]: delivery → deliver) → (filters) drop over-long tokens → English
//! stemming (tantivy's [`Stemmer`], Porter2, which leaves Han words alone). The segmenter
//! already lowercases. Words inside jieba's words (慢 in 太慢) are the `chars` field's
//! business ([`super::chars`]).
//!
//! Positions: a Han character counts one position and every other token (an English word, a
//! number, an emoji) counts one. A search-mode sub-word therefore sits at the position of its
//! first character, so phrases match whatever way jieba cut the surrounding text, and an
//! English phrase still matches after stemming changed a word's length.

use tantivy::tokenizer::{
    Language, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
    TokenizerManager,
};

use super::chars::{CHARS_TOKENIZER, Grams, chars_analyzer};
use super::forms::before_stemming;
use crate::text::lang::is_han;
use crate::text::{Mode, Prepared, TokenKind};

/// The name under which the comment tokenizer is registered in an index. The suffix is the
/// version of what it emits: an index built by another version has another schema, and is
/// refused with a pointer to `verbatim reindex` rather than silently missing words.
/// Version 2: `-ery` nouns meet their verbs.
pub const TOKENIZER: &str = "verbatim-2";

/// Tokens longer than this many bytes (runs of digits, URLs glued to words) are not indexed.
const MAX_TOKEN_BYTES: usize = 100;

/// The full analyzer of the `text` field: segmentation, long-token removal, English stemming.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CommentTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Register the comment tokenizer under [`TOKENIZER`] and the character tokenizer (as it
/// indexes) under [`CHARS_TOKENIZER`] in `manager`.
pub fn register(manager: &TokenizerManager) {
    manager.register(TOKENIZER, text_analyzer());
    manager.register(CHARS_TOKENIZER, chars_analyzer(Grams::Index));
}

/// Segments a comment with [`crate::text`] and reports offsets into the original text.
#[derive(Clone, Default)]
pub struct CommentTokenizer {
    tokens: Vec<Token>,
}

impl Tokenizer for CommentTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        fill_tokens(text, &mut self.tokens);
        VecTokenStream::new(&mut self.tokens)
    }
}

fn fill_tokens(text: &str, out: &mut Vec<Token>) {
    // An empty (or whitespace-only) text has no tokens.
    let Ok(prepared) = Prepared::new(text) else {
        return;
    };
    // Byte starts of the Han characters of the folded text: a token's position counts the
    // Han characters before it.
    let han_starts: Vec<usize> = prepared
        .folded
        .char_indices()
        .filter(|&(_, c)| is_han(c) || c == '〇')
        .map(|(i, _)| i)
        .collect();
    let mut others_before = 0usize;
    for token in prepared.tokens(Mode::Search) {
        let han_before = han_starts.partition_point(|&start| start < token.start);
        let position = han_before + others_before;
        let is_han_token = token
            .text
            .chars()
            .next()
            .is_some_and(|c| is_han(c) || c == '〇')
            && token.kind != TokenKind::Emoji;
        if !is_han_token {
            others_before += 1;
        }
        let span = prepared.original_span(token.start..token.end);
        let text = match before_stemming(&token.text) {
            Some(form) => form.to_string(),
            None => token.text,
        };
        out.push(Token {
            offset_from: span.start,
            offset_to: span.end,
            position,
            text,
            position_length: 1,
        });
    }
    // Within a Han run jieba emits sub-words after the words that hold them; tantivy wants
    // each term's positions in increasing order.
    out.sort_by_key(|t| (t.position, t.offset_to));
}

/// A stream over tokens computed up front.
pub struct VecTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// One past the current token.
    next: usize,
    /// What `token()` shows before the first `advance()` (tantivy never asks).
    none: Token,
}

impl<'a> VecTokenStream<'a> {
    /// A stream over `tokens`, from the first.
    pub fn new(tokens: &'a mut Vec<Token>) -> VecTokenStream<'a> {
        VecTokenStream {
            tokens,
            next: 0,
            none: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next.checked_sub(1) {
            Some(i) => &self.tokens[i],
            None => &self.none,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(i) => &mut self.tokens[i],
            None => &mut self.none,
        }
    }
}

/// The tokens of `text` as the index sees them (after stemming), for tests and highlighting.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    analyzer
        .token_stream(text)
        .process(&mut |token| out.push(token.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        tokens(&mut text_analyzer(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    macro_rules! golden {
        ($($name:ident: $input:expr => $expected:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(texts($input).join(" "), $expected, "{}", $input);
            }
        )*};
    }

    golden! {
        search_mode_sub_words: "测试工具箱" => "测试 测试工具 试工 工具 箱";
        traditional_folded: "發票開錯了" => "发票 开错 了";
        english_stemmed: "The Refunded items" => "the refund item";
        english_forms_meet: "deliver delivers delivered delivering delivery deliveries"
            => "deliv deliv deliv deliv deliv deliv";
        late_deliveries: "Late deliveries, late delivery" => "late deliv late deliv";
        mixed: "APP老是crash" => "app 老是 crash";
        emoji_kept: "物流超快👍" => "物流 超快 👍";
        empty: "   " => "";
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "客服有回覆了，ＡＰＰ的發票呢";
        let toks = tokens(&mut text_analyzer(), text);
        let find = |t: &str| toks.iter().find(|x| x.text == t).unwrap();
        let invoice = find("发票");
        assert_eq!(&text[invoice.offset_from..invoice.offset_to], "發票");
        let reply = find("回复");
        assert_eq!(&text[reply.offset_from..reply.offset_to], "回覆");
        let app = find("app");
        assert_eq!(&text[app.offset_from..app.offset_to], "ＡＰＰ");
    }

    #[test]
    fn positions_count_han_characters_and_other_tokens() {
        let toks = tokens(&mut text_analyzer(), "refunds took 测试工具箱 ok");
        let pos = |t: &str| toks.iter().find(|x| x.text == t).unwrap().position;
        assert_eq!(pos("refund"), 0);
        assert_eq!(pos("took"), 1);
        assert_eq!(pos("测试"), 2);
        assert_eq!(pos("测试工具"), 2);
        assert_eq!(pos("工具"), 4);
        assert_eq!(pos("箱"), 6);
        assert_eq!(pos("ok"), 7);
        // Non-decreasing, as tantivy's postings writer needs.
        assert!(toks.windows(2).all(|w| w[0].position <= w[1].position));
    }

    #[test]
    fn long_tokens_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(texts(&format!("ok {long}")), ["ok"]);
    }
}
