//! Language detection for short customer comments: `zh-Hans`, `zh-Hant`, `en`, `mixed`
//! (Chinese and Latin words together) or `other`.
//!
//! In: a normalized text. Out: a [`Lang`]. It counts scripts rather than modelling n-grams,
//! which is what works on four-character comments: Han characters are Chinese, and the
//! variant is decided by Traditional-only against Simplified-only evidence (see
//! [`super::variants`]); Latin words beside Chinese make it `mixed` (codes
//! such as AB123 do not count); kana, Hangul and other scripts make it `other`.

use serde::{Deserialize, Serialize};

use super::variants::script_evidence;

/// The language of a comment.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    utoipa::ToSchema,
)]
pub enum Lang {
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "zh-Hant")]
    ZhHant,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "mixed")]
    Mixed,
    #[serde(rename = "other")]
    Other,
}

impl Lang {
    /// The code used in JSON and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::En => "en",
            Lang::Mixed => "mixed",
            Lang::Other => "other",
        }
    }

    /// Every language, in display order.
    pub const ALL: [Lang; 5] = [
        Lang::ZhHans,
        Lang::ZhHant,
        Lang::En,
        Lang::Mixed,
        Lang::Other,
    ];

    /// Parse a code as written in JSON (`zh-Hans`, `en`, ...), case-insensitively.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code))
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether `c` is a Han ideograph (CJK Unified Ideographs, extensions, compatibility).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x30000..=0x3134F)
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF)
}

#[derive(Default)]
struct Counts {
    han: usize,
    kana: usize,
    ascii_letters: usize,
    other_latin: usize,
    other_letters: usize,
    latin_words: usize,
}

fn count(text: &str) -> Counts {
    let mut c = Counts::default();
    for ch in text.chars() {
        if is_han(ch) {
            c.han += 1;
        } else if is_kana(ch) {
            c.kana += 1;
        } else if ch.is_ascii_alphabetic() {
            c.ascii_letters += 1;
        } else if ch.is_alphabetic() {
            if (ch as u32) < 0x0250 {
                c.other_latin += 1;
            } else {
                c.other_letters += 1;
            }
        }
    }
    // A Latin word: a run of at least two letters that is not part of a code like AB123.
    c.latin_words = text
        .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '\''))
        .filter(|w| {
            w.chars().filter(char::is_ascii_alphabetic).count() >= 2
                && !w.chars().any(|ch| ch.is_ascii_digit())
        })
        .count();
    c
}

/// Detect the language of a normalized comment.
pub fn detect(text: &str) -> Lang {
    let c = count(text);
    let latin = c.ascii_letters + c.other_latin;
    if c.han > 0 {
        if c.kana * 4 >= c.han || c.other_letters > c.han {
            return Lang::Other;
        }
        // Chinese and Latin words together (docs/analysis.md); product codes like AB123 do not count.
        if c.latin_words > 0 {
            return Lang::Mixed;
        }
        let evidence = script_evidence(text);
        return if evidence.traditional > evidence.simplified {
            Lang::ZhHant
        } else {
            Lang::ZhHans
        };
    }
    if c.kana > 0 || c.other_letters > latin {
        return Lang::Other;
    }
    if c.ascii_letters == 0 || c.other_latin * 5 > c.ascii_letters {
        return Lang::Other;
    }
    Lang::En
}

#[cfg(test)]
mod tests {
    use super::*;

    golden! {
        |input| detect(input);
        four_chars_simplified: "质量不错" => Lang::ZhHans;
        four_chars_traditional: "服務很好" => Lang::ZhHant;
        two_chars_no_evidence: "好评" => Lang::ZhHans;
        traditional_by_phrase: "客服有回覆了" => Lang::ZhHant;
        traditional_sentence: "這家店的發票開得很慢,客服也不理人" => Lang::ZhHant;
        simplified_sentence: "菜很好吃但是配送太慢" => Lang::ZhHans;
        simplified_question: "请问发票怎么开?" => Lang::ZhHans;
        mixed_short: "APP老是crash" => Lang::Mixed;
        mixed_word: "客服response太慢了" => Lang::Mixed;
        mixed_refund: "refund 到现在还没到账" => Lang::Mixed;
        brand_in_long_chinese: "用了三个月以后手机电池就完全不行了,去店里问客服也不管,iPhone" => Lang::Mixed;
        one_word_in_long_chinese: "rider迟到四十分钟,还一直催我快点下楼拿" => Lang::Mixed;
        order_code_is_not_english: "订单号AB123还没发货呢" => Lang::ZhHans;
        english_short: "too slow" => Lang::En;
        english_sentence: "The refund took three weeks to arrive." => Lang::En;
        english_with_emoji: "love it 😍" => Lang::En;
        japanese: "とても良い商品でした" => Lang::Other;
        japanese_with_kanji: "配送が遅いです" => Lang::Other;
        korean: "배송이 너무 느려요" => Lang::Other;
        russian: "очень плохо" => Lang::Other;
        french: "très déçu, livré cassé" => Lang::Other;
        emoji_only: "👍👍👍" => Lang::Other;
        digits_only: "12345" => Lang::Other;
    }
}
