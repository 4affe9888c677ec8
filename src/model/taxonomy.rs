//! The topic taxonomy: a TOML file of `[[topic]]` tables (docs/formats.md). The default,
//! `models/taxonomy.toml`, holds the 13 built-in topics; `--taxonomy FILE` replaces it.
//!
//! In: TOML text. Out: validated [`Topic`]s. Unknown fields, duplicate ids, empty names and
//! malformed ids are errors that name the topic and field.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::text::variants::to_simplified;
use crate::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    topic: Vec<Topic>,
}

/// One topic: id, names, scope, seed terms and examples.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_en: String,
    /// Chinese seed terms (folded to Simplified on load).
    #[serde(default)]
    pub seeds_zh: Vec<String>,
    /// English seed terms or phrases (lowercased on load).
    #[serde(default)]
    pub seeds_en: Vec<String>,
    /// Example comments mainly about this topic.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Confidence a comment needs for this topic; the model's calibrated default if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
}

/// A validated set of topics.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    pub topics: Vec<Topic>,
}

impl Taxonomy {
    /// Load and validate a taxonomy file.
    pub fn load(path: &Path) -> Result<Taxonomy> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Taxonomy::parse(&text).map_err(|e| match e {
            Error::User(msg) => Error::User(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Parse and validate TOML text.
    pub fn parse(text: &str) -> Result<Taxonomy> {
        let file: TaxonomyFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(String::new(), |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" line {line}, column {column}")
            });
            Error::User(format!("taxonomy{at}: {}", e.message()))
        })?;
        let mut seen = HashSet::new();
        let mut topics = Vec::with_capacity(file.topic.len());
        for (i, mut t) in file.topic.into_iter().enumerate() {
            let at = format!("taxonomy topic {} ({:?})", i + 1, t.id);
            let id_ok = !t.id.is_empty()
                && t.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !id_ok {
                return Err(Error::User(format!(
                    "{at}: id must be lowercase letters, digits and _"
                )));
            }
            if !seen.insert(t.id.clone()) {
                return Err(Error::User(format!("{at}: duplicate id")));
            }
            if t.name_zh.trim().is_empty() || t.name_en.trim().is_empty() {
                return Err(Error::User(format!(
                    "{at}: name_zh and name_en must not be empty"
                )));
            }
            if t.threshold.is_some_and(|th| !(0.0..=1.0).contains(&th)) {
                return Err(Error::User(format!("{at}: threshold must be within 0..1")));
            }
            let usable = t.examples.iter().any(|e| !e.trim().is_empty())
                || !t.description_zh.trim().is_empty()
                || !t.description_en.trim().is_empty();
            if !usable {
                return Err(Error::User(format!("{at}: give a description or examples")));
            }
            t.seeds_zh = t
                .seeds_zh
                .iter()
                .map(|s| to_simplified(s.trim()))
                .filter(|s| !s.is_empty())
                .collect();
            t.seeds_en = t
                .seeds_en
                .iter()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect();
            topics.push(t);
        }
        if topics.is_empty() {
            return Err(Error::User("taxonomy: no [[topic]] tables".into()));
        }
        Ok(Taxonomy { topics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[topic]]
id = "delivery"
name_zh = "物流配送"
name_en = "Delivery"
description_en = "Shipping speed."
seeds_zh = ["配送", "運費"]
seeds_en = ["Shipping"]
"#;

    #[test]
    fn a_broken_file_is_named_by_line_and_column() {
        let wrong_type = ONE.replace("name_zh = \"物流配送\"", "name_zh = 5");
        let err = Taxonomy::parse(&wrong_type).unwrap_err().to_string();
        assert!(err.contains("taxonomy line 4, column 11"), "{err}");
        assert!(err.contains("expected a string"), "{err}");
        let unclosed = ONE.replace("\"Delivery\"", "\"Delivery");
        let err = Taxonomy::parse(&unclosed).unwrap_err().to_string();
        assert!(err.contains("taxonomy line 5, column"), "{err}");
    }

    #[test]
    fn parses_and_folds_seeds() {
        let t = Taxonomy::parse(ONE).unwrap();
        assert_eq!(t.topics[0].seeds_zh, ["配送", "运费"]);
        assert_eq!(t.topics[0].seeds_en, ["shipping"]);
    }

    #[test]
    fn rejects_what_a_user_can_get_wrong() {
        let dup = format!("{ONE}{ONE}");
        assert!(
            Taxonomy::parse(&dup)
                .unwrap_err()
                .to_string()
                .contains("duplicate id")
        );
        let empty_name = ONE.replace("name_en = \"Delivery\"", "name_en = \" \"");
        assert!(
            Taxonomy::parse(&empty_name)
                .unwrap_err()
                .to_string()
                .contains("name_en")
        );
        let unknown = ONE.replace("seeds_en", "seedz_en");
        let err = Taxonomy::parse(&unknown).unwrap_err().to_string();
        assert!(err.contains("seedz_en"), "{err}");
        let bad_id = ONE.replace("\"delivery\"", "\"Delivery Time\"");
        assert!(
            Taxonomy::parse(&bad_id)
                .unwrap_err()
                .to_string()
                .contains("id must be")
        );
        assert!(Taxonomy::parse("").is_err());
    }

    #[test]
    fn default_taxonomy_has_the_thirteen_spec_topics() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/taxonomy.toml");
        let t = Taxonomy::load(&path).unwrap();
        let ids: Vec<&str> = t.topics.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "product_quality",
                "price_value",
                "delivery",
                "service_attitude",
                "response_time",
                "billing",
                "usability",
                "reliability",
                "after_sales",
                "packaging",
                "staff_expertise",
                "account_security",
                "features"
            ]
        );
    }
}
