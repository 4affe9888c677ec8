//! Labels for discovered clusters: distinctive terms, a proposed topic id and names, and a
//! ready `[[topic]]` TOML block.
//!
//! In: each sampled comment's keywords (the keyword pipeline's terms: segmented by jieba,
//! Traditional folded to Simplified, English lowercased) and its cluster. Out: per cluster
//! its terms, most distinctive first: the log-odds ratio with an informative Dirichlet
//! prior (Monroe, Colaresi & Quinn 2008, as the pain points use it), the cluster's comments
//! against the other sampled candidates, z ≥ 1.96, in at least max(2, 10%) of the cluster;
//! and the block a user pastes into a taxonomy file (`src/model/taxonomy.rs`'s format).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::rows::Rows;
use super::stats::log_odds_z;
use crate::text::lang::is_han;

/// Most terms listed per cluster.
pub const TERMS: usize = 8;
/// The total weight of the Dirichlet prior.
const PRIOR_TOTAL: f64 = 500.0;
/// The z a term needs.
const Z_MIN: f64 = 1.96;
/// Seeds proposed per language.
const SEEDS: usize = 4;

/// A distinctive term of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Term {
    pub term: String,
    /// Comments of the cluster (sampled) that have it among their keywords.
    pub n: u64,
    /// Log-odds z-score, the cluster against the other candidates.
    pub z: f64,
}

/// Per cluster, its distinctive terms. `members[i]` is the cluster of sampled row
/// `sample_rows[i]`.
pub fn terms(rows: &Rows, sample_rows: &[usize], members: &[usize], k: usize) -> Vec<Vec<Term>> {
    // term → per-cluster document counts.
    let mut counts: HashMap<u32, Vec<f64>> = HashMap::new();
    let mut totals = vec![0f64; k];
    let mut sizes = vec![0usize; k];
    for (&i, &c) in sample_rows.iter().zip(members) {
        sizes[c] += 1;
        for &w in rows.keywords_of(i) {
            counts.entry(w).or_insert_with(|| vec![0.0; k])[c] += 1.0;
            totals[c] += 1.0;
        }
    }
    let total: f64 = totals.iter().sum();
    let mut out: Vec<Vec<Term>> = vec![Vec::new(); k];
    if total <= 0.0 {
        return out;
    }
    for (w, per) in &counts {
        let all: f64 = per.iter().sum();
        let alpha = PRIOR_TOTAL * all / total;
        for c in 0..k {
            let ya = per[c];
            if ya < 2.0f64.max(sizes[c] as f64 * 0.1) {
                continue;
            }
            let (_, z) = log_odds_z(
                ya,
                totals[c],
                all - ya,
                total - totals[c],
                alpha,
                PRIOR_TOTAL,
            );
            if z >= Z_MIN {
                out[c].push(Term {
                    term: rows.keyword_names.names[*w as usize].clone(),
                    n: ya as u64,
                    z: super::round(z, 3),
                });
            }
        }
    }
    for t in &mut out {
        t.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.term.cmp(&b.term)));
        t.truncate(TERMS);
    }
    out
}

fn is_chinese(term: &str) -> bool {
    term.chars().any(is_han)
}

fn is_english(term: &str) -> bool {
    term.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '\'')
        && term.chars().any(|c| c.is_ascii_alphabetic())
}

/// A proposed topic id from the English terms (else `discovered_<rank>`), distinct from
/// every id in `taken` (which it joins).
pub fn proposed_id(terms: &[Term], rank: usize, taken: &mut HashSet<String>) -> String {
    let words: Vec<String> = terms
        .iter()
        .filter(|t| is_english(&t.term))
        .take(2)
        .map(|t| {
            t.term
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let base = if words.is_empty() {
        format!("discovered_{rank}")
    } else {
        words.join("_")
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// A `[[topic]]` block for the taxonomy file: names and seeds from the terms, the quotes
/// as examples.
pub fn topic_block(id: &str, terms: &[Term], examples: &[String]) -> String {
    let zh: Vec<&str> = terms
        .iter()
        .map(|t| t.term.as_str())
        .filter(|t| is_chinese(t))
        .take(SEEDS)
        .collect();
    let en: Vec<&str> = terms
        .iter()
        .map(|t| t.term.as_str())
        .filter(|t| is_english(t))
        .take(SEEDS)
        .collect();
    let name_en = match en.as_slice() {
        [] => zh.iter().take(2).copied().collect::<Vec<_>>().join(" "),
        words => {
            let joined = words.iter().take(2).copied().collect::<Vec<_>>().join(" ");
            let mut chars = joined.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    };
    let name_zh = if zh.is_empty() {
        name_en.clone()
    } else {
        zh.iter().take(2).copied().collect::<Vec<_>>().join("")
    };
    let (name_en, name_zh) = if name_en.trim().is_empty() {
        (id.to_string(), id.to_string())
    } else {
        (name_en, name_zh)
    };
    let all: Vec<&str> = terms.iter().map(|t| t.term.as_str()).collect();
    let mut out = String::from("[[topic]]\n");
    out.push_str(&format!("id = {}\n", quote(id)));
    out.push_str(&format!("name_zh = {}\n", quote(&name_zh)));
    out.push_str(&format!("name_en = {}\n", quote(&name_en)));
    out.push_str(&format!(
        "description_en = {}\n",
        quote(&format!("Discovered theme: {}.", all.join(", ")))
    ));
    out.push_str(&format!("seeds_zh = {}\n", list(&zh)));
    out.push_str(&format!("seeds_en = {}\n", list(&en)));
    let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
    out.push_str(&format!("examples = {}\n", list(&examples)));
    out
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::taxonomy::Taxonomy;

    fn term(t: &str) -> Term {
        Term {
            term: t.into(),
            n: 5,
            z: 3.0,
        }
    }

    #[test]
    fn block_parses_as_a_taxonomy_and_escapes_quotes() {
        let terms = [term("积分"), term("carbon"), term("碳中"), term("points")];
        let mut taken = HashSet::from(["delivery".to_string()]);
        let id = proposed_id(&terms, 1, &mut taken);
        assert_eq!(id, "carbon_points");
        let block = topic_block(
            &id,
            &terms,
            &[
                "My \"carbon\" points\\never came\n".into(),
                "碳积分没到账".into(),
            ],
        );
        let t = Taxonomy::parse(&block).unwrap();
        let topic = &t.topics[0];
        assert_eq!(topic.name_en, "Carbon points");
        assert_eq!(topic.name_zh, "积分碳中");
        assert_eq!(topic.seeds_en, ["carbon", "points"]);
        assert_eq!(topic.examples[0], "My \"carbon\" points\\never came\n");
        assert_eq!(proposed_id(&terms, 2, &mut taken), "carbon_points_2");
        assert_eq!(proposed_id(&[term("积分")], 3, &mut taken), "discovered_3");
    }
}
