//! Normalization: Unicode NFKC (which also folds full-width ASCII to half-width), whitespace
//! folding and removal of control characters. Emoji are kept: they carry sentiment.
//!
//! In: the original text. Out: a [`Normalized`] text that remembers, for each of its
//! characters, the byte range of the original character it came from, so that spans found
//! on the normalized text (clauses, keywords, tokens) can be reported on the original.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// A normalized text with a map back to the original's byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalized text.
    pub text: String,
    /// For each byte-start of a character of `text` (ascending), the original byte range.
    map: Vec<(usize, Range<usize>)>,
}

impl Normalized {
    /// The byte range in the original text that the normalized byte range `span` came from.
    pub fn original_span(&self, span: Range<usize>) -> Range<usize> {
        if self.map.is_empty() || span.start >= span.end {
            return 0..0;
        }
        let first = self.index_of(span.start);
        let last = self.index_of(span.end - 1);
        self.map[first].1.start..self.map[last].1.end
    }

    /// The inverse of [`Normalized::original_span`]: the normalized byte range of the
    /// characters whose original ranges lie inside `original` (empty when none do). For a
    /// span that `original_span` gave, `original_span` of the result gives it back.
    pub fn normalized_span(&self, original: Range<usize>) -> Range<usize> {
        let first = self.map.partition_point(|(_, r)| r.start < original.start);
        let end = self.map.partition_point(|(_, r)| r.end <= original.end);
        if first >= end {
            return 0..0;
        }
        let byte_end = self
            .map
            .get(end)
            .map_or(self.text.len(), |(start, _)| *start);
        self.map[first].0..byte_end
    }

    fn index_of(&self, byte: usize) -> usize {
        match self.map.binary_search_by_key(&byte, |(start, _)| *start) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

/// Normalize `original`: NFKC per character, whitespace runs folded to one space, control
/// characters, zero-width spaces and byte-order marks dropped, leading and trailing whitespace trimmed.
pub fn normalize(original: &str) -> Normalized {
    let mut text = String::with_capacity(original.len());
    let mut map = Vec::with_capacity(original.len());
    let mut pending_space: Option<Range<usize>> = None;
    for (start, ch) in original.char_indices() {
        let range = start..start + ch.len_utf8();
        if ch.is_whitespace() {
            if !text.is_empty() && pending_space.is_none() {
                pending_space = Some(range);
            }
            continue;
        }
        if ch.is_control() || matches!(ch, '\u{200b}' | '\u{2060}' | '\u{feff}') {
            continue;
        }
        // Printable ASCII and the main CJK block are NFKC-stable: skip the decomposition.
        if (ch.is_ascii() || ('\u{4e00}'..='\u{9fff}').contains(&ch)) && pending_space.is_none() {
            map.push((text.len(), range));
            text.push(ch);
            continue;
        }
        for out in std::iter::once(ch).nfkc() {
            if out.is_whitespace() {
                if !text.is_empty() && pending_space.is_none() {
                    pending_space = Some(range.clone());
                }
                continue;
            }
            if let Some(space) = pending_space.take() {
                map.push((text.len(), space));
                text.push(' ');
            }
            map.push((text.len(), range.clone()));
            text.push(out);
        }
    }
    Normalized { text, map }
}

/// Whether `text` has nothing to analyse: only whitespace, control characters or invisible
/// format characters (zero-width spaces and joiners, byte-order marks, direction marks,
/// soft hyphens, variation selectors, tag characters). The one rule for an empty text: the
/// API, every file reader and the OpenAPI document's text pattern follow it.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c,
                '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{180e}'
                | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
                | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'
                | '\u{e0000}'..='\u{e007f}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    golden! {
        |input| normalize(input).text;
        full_width_ascii: "ＡＰＰ老是ｃｒａｓｈ！１２３" => "APP老是crash!123";
        full_width_punctuation: "好吃，但是太贵了？" => "好吃,但是太贵了?";
        ideographic_space_folded: "服务　　很好" => "服务 很好";
        whitespace_runs: "  too \t\n slow   delivery \r\n" => "too slow delivery";
        emoji_kept: "物流超快👍👍 love it 😡" => "物流超快👍👍 love it 😡";
        traditional_untouched: "客服有回覆了，發票呢？" => "客服有回覆了,發票呢?";
        control_chars_dropped: "\u{feff}ok\u{0007}ay\u{200b}" => "okay";
        emoji_sequence_kept: "👍🏽 👨\u{200d}👩\u{200d}👧 ❤\u{fe0f}" => "👍🏽 👨\u{200d}👩\u{200d}👧 ❤\u{fe0f}";
        empty: "" => "";
        whitespace_only: " \t\u{3000}\n" => "";
        ligature_and_circled: "ﬁne ①" => "fine 1";
    }

    #[test]
    fn spans_map_back_to_original_bytes() {
        let original = "ＡＢ  好吃";
        let n = normalize(original);
        assert_eq!(n.text, "AB 好吃");
        let start = n.text.find('好').unwrap();
        let span = n.original_span(start..n.text.len());
        assert_eq!(&original[span], "好吃");
        assert_eq!(&original[n.original_span(0..2)], "ＡＢ");
    }

    #[test]
    fn normalized_span_inverts_original_span() {
        let original = "\u{feff}ＡＢ，\u{3000} 好吃㈱ ok ";
        let n = normalize(original);
        assert_eq!(n.text, "AB, 好吃(株) ok");
        let len = n.text.len();
        for start in n.text.char_indices().map(|(i, _)| i) {
            for end in n.text.char_indices().map(|(i, _)| i).skip(1).chain([len]) {
                if start >= end {
                    continue;
                }
                let span = n.original_span(start..end);
                assert_eq!(n.original_span(n.normalized_span(span.clone())), span);
            }
        }
        let good = n.text.find('好').unwrap();
        assert_eq!(n.normalized_span(n.original_span(good..len)), good..len);
        assert_eq!(n.normalized_span(0..0), 0..0);
    }
}
