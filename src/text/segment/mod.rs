//! Segmentation: text → word tokens with byte offsets, for keyword statistics and the index.
//!
//! In: a normalized, Simplified-folded text. Out: [`Token`]s. The text is cut into script
//! runs; Han runs go to the Chinese segmenter (jieba, with our user dictionary), Latin and
//! digit runs to the English one, emoji become tokens of their own, punctuation is dropped.
//! Each segmenter is one small trait with one method, chosen by script.

mod chinese;
mod english;

pub use chinese::ChineseSegmenter;
pub use english::EnglishSegmenter;

use super::lang::is_han;

/// What a token is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Word,
    Number,
    Emoji,
}

/// One token: its text (lowercased, Simplified) and its byte range in the segmented text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// How finely to cut Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One segmentation, for statistics and keywords.
    #[default]
    Default,
    /// Also the shorter words inside long ones (测试工具箱 → 测试, 工具, 工具箱, 测试工具箱),
    /// so that a search for a part finds the whole.
    Search,
}

/// A segmenter for one script. `offset` is added to every token's byte range.
pub trait Segmenter {
    fn segment(&self, run: &str, offset: usize, mode: Mode, out: &mut Vec<Token>);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    Han,
    Latin,
    Emoji,
    Other,
}

fn run_of(c: char) -> Run {
    if is_han(c) || c == '〇' {
        Run::Han
    } else if c.is_alphanumeric() || c == '\'' {
        // Letters of any alphabet and digits; the English rules fit other alphabets well enough.
        Run::Latin
    } else if is_emoji(c) {
        Run::Emoji
    } else {
        Run::Other
    }
}

/// Pictographic emoji and the symbols customers use as emoji.
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF | 0x2B50 | 0x2B55 | 0x203C | 0x2049)
}

/// Segment a whole (normalized, folded) text into tokens.
pub fn segment(text: &str, mode: Mode) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = run_of(c);
        let mut end = start + c.len_utf8();
        if kind == Run::Emoji {
            // An emoji with its modifiers and joiners is one token.
            while let Some(&(i, n)) = chars.peek() {
                let joins = matches!(n as u32, 0x200D | 0xFE0F | 0x1F3FB..=0x1F3FF);
                let after_joiner = text[..i].ends_with('\u{200D}');
                if !(joins || after_joiner && is_emoji(n)) {
                    break;
                }
                end = i + n.len_utf8();
                chars.next();
            }
            out.push(Token {
                text: text[start..end].to_string(),
                start,
                end,
                kind: TokenKind::Emoji,
            });
            continue;
        }
        while let Some(&(i, n)) = chars.peek() {
            if run_of(n) != kind {
                break;
            }
            end = i + n.len_utf8();
            chars.next();
        }
        match kind {
            Run::Han => {
                ChineseSegmenter::global().segment(&text[start..end], start, mode, &mut out)
            }
            Run::Latin => EnglishSegmenter.segment(&text[start..end], start, mode, &mut out),
            Run::Emoji | Run::Other => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, mode: Mode) -> Vec<String> {
        segment(text, mode).into_iter().map(|t| t.text).collect()
    }

    macro_rules! golden {
        ($($name:ident: $mode:expr, $input:expr => $expected:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(words($input, $mode).join(" "), $expected, "{}", $input);
            }
        )*};
    }

    golden! {
        chinese_default: Mode::Default, "菜很好吃但是配送太慢" => "菜 很 好吃 但是 配送 太慢";
        chinese_search_finds_parts: Mode::Search, "测试工具箱" => "测试 试工 工具 测试工具 箱";
        folded_traditional: Mode::Default, "客服有回复了" => "客服 有 回复 了";
        mixed_script: Mode::Default, "APP老是crash" => "app 老是 crash";
        english_lowercased: Mode::Default, "The Refund took 3 weeks!" => "the refund took 3 weeks";
        english_contraction: Mode::Default, "Don't buy it" => "don't buy it";
        emoji_tokens: Mode::Default, "物流超快👍👍" => "物流 超快 👍 👍";
        emoji_sequence: Mode::Default, "ok👨\u{200d}👩\u{200d}👧" => "ok 👨\u{200d}👩\u{200d}👧";
        user_dictionary_term: Mode::Default, "小程序闪退了" => "小程序 闪退 了";
        punctuation_only: Mode::Default, ",.?!。" => "";
        empty: Mode::Default, "" => "";
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "APP老是crash,配送太慢👍";
        for token in segment(text, Mode::Search) {
            assert_eq!(text[token.start..token.end].to_lowercase(), token.text);
        }
    }
}
