//! English word forms that the Porter2 stemmer keeps apart, brought together before it runs.
//!
//! In: one lowercased token. Out: the form to stem instead, when it is a `-ery` noun made
//! from an `-er` verb. Porter2 stems delivery and deliveries to `deliveri`, but deliver,
//! delivers, delivered and delivering to `deliv`; reading delivery as deliver + y (and
//! deliveries as deliver + ies) makes all six meet at `deliv`. The same holds for recovery,
//! discovery, battery/batteries, grocery/groceries. Words whose stem before `-ery` is shorter
//! than three letters (every, very, query) are left alone, and so are the few where the
//! shorter word means something else ([`KEEP`]).

/// `-ery` words that would otherwise meet an unrelated word (slippery → slipper).
const KEEP: &[&str] = &["slippery", "livery", "misery", "miseries"];

/// The form to stem in place of `word`, if it differs.
pub fn before_stemming(word: &str) -> Option<&str> {
    if !word.is_ascii() || KEEP.contains(&word) {
        return None;
    }
    // deliveries → deliver, delivery → deliver.
    let cut = if word.strip_suffix("eries").is_some_and(|s| s.len() >= 3) {
        3
    } else if word.strip_suffix("ery").is_some_and(|s| s.len() >= 3) {
        1
    } else {
        return None;
    };
    Some(&word[..word.len() - cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ery_nouns_become_their_verbs() {
        assert_eq!(before_stemming("delivery"), Some("deliver"));
        assert_eq!(before_stemming("deliveries"), Some("deliver"));
        assert_eq!(before_stemming("batteries"), Some("batter"));
        for kept in [
            "deliver",
            "delivered",
            "every",
            "very",
            "query",
            "queries",
            "slippery",
        ] {
            assert_eq!(before_stemming(kept), None, "{kept}");
        }
    }
}
