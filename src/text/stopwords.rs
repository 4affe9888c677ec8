//! Stop words for statistics (keywords, drivers): common function words of Chinese
//! (Simplified, since text is folded first) and English. The model never sees this list.

use std::collections::HashSet;
use std::sync::LazyLock;

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("data/stopwords_zh.txt")
        .lines()
        .chain(include_str!("data/stopwords_en.txt").lines())
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
});

/// Whether `word` (lowercased, Simplified) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages() {
        for w in ["的", "了", "但是", "the", "and", "don't"] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["配送", "发票", "refund", "slow"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }
}
