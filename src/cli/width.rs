//! Display width of terminal text, so tables line up when cells hold Chinese (two columns a
//! character) or emoji: `width` counts columns (unicode-width), `pad` fills a cell to a width
//! and `cut` shortens a cell to fit one.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` followed by spaces up to `columns` (unchanged when already as wide).
pub fn pad(s: &str, columns: usize) -> String {
    let mut out = s.to_string();
    out.push_str(&" ".repeat(columns.saturating_sub(width(s))));
    out
}

/// The longest prefix of `s` that fits in `columns`.
pub fn cut(s: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(width("配送ok"), 6);
        assert_eq!(pad("配送", 6), "配送  ");
        assert_eq!(pad("toolong", 3), "toolong");
        assert_eq!(cut("发票开错了", 5), "发票");
        assert_eq!(cut("abc", 5), "abc");
    }
}
