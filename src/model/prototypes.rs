//! The texts a topic's prototypes are embedded from, and which of them teach the probe.
//!
//! In: a taxonomy topic, the calibration's labelled comments about it alone, and whether the
//! calibration's labelled comments teach the topic at all. Out: normalized texts — the
//! examples (the taxonomy's, then the labelled comments), the descriptions and, for a topic
//! no labelled comment teaches (one a user wrote), its two names — and how many of the
//! first texts are the probe's positive rows.
//!
//! A user's own topic has nothing but its TOML: three to five examples, two descriptions
//! and two names. All of them are its prototypes and its probe's positives (a few-shot head
//! fitted at load time), where a taught topic's probe learns from its examples alone. Chosen
//! on the dev split of `corpora/custom/telecom` (`scripts/eval_custom_topics.py`, student
//! encoder, fallback 0.35 and the weak-topic rule of `TopicModel` in force): names as
//! prototypes and every prototype a probe row, F1 0.775 → 0.814 (recall 0.764 → 0.814,
//! precision 0.787 → 0.814); on the default taxonomy read as a user's own (its ids renamed,
//! `corpora/labelled/holdout.jsonl`) neutral, 0.743 → 0.744. Seeds as prototypes (the bare term
//! or "关于…的问题") raised precision there but cut recall and the default-taxonomy check.

use super::taxonomy::Topic;
use crate::text::normalize;

/// A topic's prototype texts, the probe's positive rows first.
#[derive(Debug, Clone, PartialEq)]
pub struct PrototypeTexts {
    pub texts: Vec<String>,
    /// How many of `texts`, from the start, are the probe's rows for the topic.
    pub probe_rows: usize,
}

/// The prototype texts of `topic`; `labelled` are the calibration's comments about it alone
/// and `taught` whether any labelled comment lists it.
pub fn prototype_texts<'a>(
    topic: &'a Topic,
    labelled: impl Iterator<Item = &'a String>,
    taught: bool,
) -> PrototypeTexts {
    let clean = |t: &String| Some(normalize(t).text).filter(|t| !t.is_empty());
    let examples: Vec<String> = topic
        .examples
        .iter()
        .chain(labelled)
        .filter_map(clean)
        .collect();
    let descriptions = [&topic.description_zh, &topic.description_en];
    let names = [&topic.name_zh, &topic.name_en];
    let mut texts = examples;
    let mut probe_rows = texts.len();
    texts.extend(descriptions.into_iter().filter_map(clean));
    if !taught {
        texts.extend(names.into_iter().filter_map(clean));
        probe_rows = texts.len();
    }
    PrototypeTexts { texts, probe_rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::taxonomy::Taxonomy;

    const TOPIC: &str = r#"
[[topic]]
id = "roaming"
name_zh = "国际漫游"
name_en = "Roaming"
description_en = "Using the phone abroad."
examples = ["漫游费太贵", " "]
"#;

    #[test]
    fn a_users_own_topic_learns_from_all_its_texts_a_taught_one_from_its_examples() {
        let t = &Taxonomy::parse(TOPIC).unwrap().topics[0];
        let labelled = ["Roaming in Spain cost me a fortune".to_string()];
        let own = prototype_texts(t, std::iter::empty(), false);
        assert_eq!(
            own.texts,
            [
                "漫游费太贵",
                "Using the phone abroad.",
                "国际漫游",
                "Roaming"
            ]
        );
        assert_eq!(own.probe_rows, 4);
        let taught = prototype_texts(t, labelled.iter(), true);
        assert_eq!(
            taught.texts,
            [
                "漫游费太贵",
                "Roaming in Spain cost me a fortune",
                "Using the phone abroad."
            ]
        );
        assert_eq!(taught.probe_rows, 2);
    }
}
