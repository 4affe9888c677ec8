//! Highlighted snippets: the part of a comment where the query's words are, with `<mark>`
//! around each match and the rest HTML-escaped.
//!
//! In: the original text, the query's terms on the `text` and `chars` fields, the index's
//! tokenizers. Out: an HTML fragment. Both tokenizers give offsets into the original text,
//! so a mark falls on what the user wrote in either script (發票 for a query 发票). tantivy's own `SnippetGenerator` expects tokens in offset order, which
//! search mode (overlapping sub-words) does not give, so windows are chosen here, in
//! characters so that Chinese and English snippets are of comparable length.

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

use super::chars::{Grams, chars_analyzer};
use super::tokenizer::{text_analyzer, tokens};

/// The longest snippet, in characters (plus an ellipsis at a cut end).
pub const SNIPPET_CHARS: usize = 120;
/// Characters of context kept before the first match of a cut snippet.
const LEAD_CHARS: usize = 20;

/// The terms a query looks for, by field.
#[derive(Debug, Default)]
pub struct Terms {
    /// Terms of the `text` field (jieba words, stemmed English).
    pub words: HashSet<String>,
    /// Terms of the `chars` field (Han characters and pairs).
    pub chars: HashSet<String>,
}

/// The index's two analyzers, to find where the terms are in a text.
pub struct Highlighter {
    words: TextAnalyzer,
    chars: TextAnalyzer,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter {
            words: text_analyzer(),
            chars: chars_analyzer(Grams::Index),
        }
    }
}

/// The snippet of `text` for a query whose terms (tokenized) are `terms`.
pub fn snippet(text: &str, terms: &Terms, highlighter: &mut Highlighter) -> String {
    let mut marks: Vec<Range<usize>> = Vec::new();
    for (analyzer, wanted) in [
        (&mut highlighter.words, &terms.words),
        (&mut highlighter.chars, &terms.chars),
    ] {
        if !wanted.is_empty() {
            marks.extend(
                tokens(analyzer, text)
                    .into_iter()
                    .filter(|t| wanted.contains(&t.text))
                    .map(|t| t.offset_from..t.offset_to),
            );
        }
    }
    marks.sort_by_key(|r| (r.start, r.end));
    let marks = merge(marks);
    let window = window(text, &marks);
    render(text, window, &marks)
}

/// Overlapping or touching ranges merged into one.
fn merge(sorted: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The byte range of at most [`SNIPPET_CHARS`] characters that holds the most marks.
fn window(text: &str, marks: &[Range<usize>]) -> Range<usize> {
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if starts.len() <= SNIPPET_CHARS {
        return 0..text.len();
    }
    let char_of = |byte: usize| starts.partition_point(|&s| s < byte);
    let byte_of = |ch: usize| starts.get(ch).copied().unwrap_or(text.len());
    let mut best = (0usize, 0usize); // (marks inside, first char)
    for (i, m) in marks.iter().enumerate() {
        let first = char_of(m.start).saturating_sub(LEAD_CHARS);
        let end = byte_of(first + SNIPPET_CHARS);
        let inside = marks[i..].iter().take_while(|r| r.end <= end).count();
        if inside > best.0 {
            best = (inside, first);
        }
    }
    let first = best.1.min(starts.len() - SNIPPET_CHARS);
    byte_of(first)..byte_of(first + SNIPPET_CHARS)
}

fn render(text: &str, window: Range<usize>, marks: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(window.len() + 32);
    if window.start > 0 {
        out.push('…');
    }
    let mut at = window.start;
    for m in marks {
        if m.start < window.start || m.end > window.end {
            continue;
        }
        escape(&text[at..m.start], &mut out);
        out.push_str("<mark>");
        escape(&text[m.clone()], &mut out);
        out.push_str("</mark>");
        at = m.end;
    }
    escape(&text[at..window.end], &mut out);
    if window.end < text.len() {
        out.push('…');
    }
    out
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snip(text: &str, terms: &[&str]) -> String {
        let terms = Terms {
            words: terms.iter().map(|t| t.to_string()).collect(),
            chars: HashSet::new(),
        };
        snippet(text, &terms, &mut Highlighter::default())
    }

    #[test]
    fn characters_inside_words_are_marked_in_either_script() {
        let terms = Terms {
            words: HashSet::new(),
            chars: ["慢", "发票"].iter().map(|t| t.to_string()).collect(),
        };
        assert_eq!(
            snippet("物流太慢，開發票也慢", &terms, &mut Highlighter::default()),
            "物流太<mark>慢</mark>，開<mark>發票</mark>也<mark>慢</mark>"
        );
    }

    #[test]
    fn marks_in_both_scripts_on_the_original_text() {
        assert_eq!(snip("發票開錯了", &["发票"]), "<mark>發票</mark>開錯了");
        assert_eq!(
            snip("测试工具箱不好用", &["工具"]),
            "测试<mark>工具</mark>箱不好用"
        );
        assert_eq!(
            snip("The REFUNDED amount <b>", &["refund"]),
            "The <mark>REFUNDED</mark> amount &lt;b&gt;"
        );
        assert_eq!(snip("no match here", &["x"]), "no match here");
    }

    #[test]
    fn overlapping_sub_words_make_one_mark() {
        assert_eq!(
            snip("测试工具箱", &["测试", "测试工具", "工具"]),
            "<mark>测试工具</mark>箱"
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_matches() {
        let text = format!("{}配送太慢了{}", "很好".repeat(100), "。".repeat(100));
        let s = snip(&text, &["配送"]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>配送</mark>太慢了"), "{s}");
        let chars = s
            .replace("<mark>", "")
            .replace("</mark>", "")
            .chars()
            .count();
        assert_eq!(chars, SNIPPET_CHARS + 2);
    }
}
