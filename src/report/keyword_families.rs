//! The keywords a report counts: content words only, English inflections merged.
//!
//! In: [`Rows`] read with keywords (each comment's stored keyword ids into
//! `keyword_names`). Out: the same rows with every keyword that is not a content word
//! dropped ([`crate::text::keywords::is_content_word`]: jieba nouns, verbs, adjectives; no
//! filler such as 大概, 家里, 这家, 第一次, 老人) and the forms of one English word merged into
//! one family (parcel/parcels, deliver/delivery, by the index's own stemming), named by
//! its form found in the most comments. A comment counts once per family. Traditional and
//! Simplified forms are already one (keywords are stored folded).

use std::collections::HashMap;

use super::rows::{Names, Rows};
use crate::index::tokenizer::{text_analyzer, tokens};
use crate::text::keywords::is_content_word;

/// Drop non-content keywords and merge inflections, in place.
pub(super) fn content_keywords(rows: &mut Rows) {
    let old = &rows.keyword_names.names;
    let mut comments = vec![0u32; old.len()];
    for &k in &rows.keywords {
        comments[k as usize] += 1;
    }
    // Each kept keyword's family key, and per family its most frequent form.
    let mut analyzer = text_analyzer();
    let mut key_of: Vec<Option<String>> = Vec::with_capacity(old.len());
    let mut best: HashMap<String, (u32, usize)> = HashMap::new();
    for (id, name) in old.iter().enumerate() {
        if comments[id] == 0 || !is_content_word(name) {
            key_of.push(None);
            continue;
        }
        let key = family_key(&mut analyzer, name);
        let entry = best.entry(key.clone()).or_insert((0, id));
        let better = comments[id] > comments[entry.1]
            || (comments[id] == comments[entry.1] && name < &old[entry.1]);
        entry.0 += comments[id];
        if better {
            entry.1 = id;
        }
        key_of.push(Some(key));
    }
    let mut names = Names::default();
    let map: Vec<Option<u32>> = key_of
        .iter()
        .map(|key| key.as_ref().map(|k| names.id(&old[best[k].1])))
        .collect();
    let mut keywords = Vec::with_capacity(rows.keywords.len());
    let mut starts = Vec::with_capacity(rows.keyword_start.len());
    for w in rows.keyword_start.windows(2) {
        starts.push(keywords.len() as u32);
        let begin = keywords.len();
        let mine = &rows.keywords[w[0] as usize..w[1] as usize];
        keywords.extend(mine.iter().filter_map(|&k| map[k as usize]));
        keywords[begin..].sort_unstable();
        let mut seen = begin;
        for i in begin..keywords.len() {
            if i == begin || keywords[i] != keywords[seen - 1] {
                keywords[seen] = keywords[i];
                seen += 1;
            }
        }
        keywords.truncate(seen);
    }
    starts.push(keywords.len() as u32);
    rows.keywords = keywords;
    rows.keyword_start = starts;
    rows.keyword_names = names;
}

/// The family of a keyword: English words by their stem as the index stems them
/// (parcels → parcel, deliveries → deliv); other terms by themselves.
fn family_key(analyzer: &mut tantivy::tokenizer::TextAnalyzer, name: &str) -> String {
    if !name.is_ascii() {
        return name.to_string();
    }
    let stems: Vec<String> = tokens(analyzer, name).into_iter().map(|t| t.text).collect();
    if stems.is_empty() {
        name.to_string()
    } else {
        format!("en:{}", stems.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use crate::text::keywords::is_content_word;

    #[test]
    fn fillers_are_not_content_words_and_aspects_are() {
        for filler in [
            "大概",
            "家里",
            "这家",
            "第一次",
            "老人",
            "the",
            "really",
            "12",
        ] {
            assert!(!is_content_word(filler), "{filler}");
        }
        for word in [
            "快递", "退款", "客服", "闪退", "发票", "parcel", "refund", "slow",
        ] {
            assert!(is_content_word(word), "{word}");
        }
    }
}
