//! Evaluation against gold labels (docs/formats.md): accuracy, macro-F1, per-class P/R/F1 and the
//! confusion matrix for sentiment, overall and per language.
//!
//! In: gold records and the analyses of their texts. Out: an [`EvalReport`] in the JSON shape
//! of docs/cli.md (`eval`). Macro-F1 averages over the classes present in the gold labels, so a binary
//! set (no neutral gold items) is not penalised for a class it cannot contain.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, Label};
use crate::{Error, Result};

/// A gold-labelled comment (docs/formats.md); unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldRecord {
    #[serde(default)]
    pub id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub lang: Option<String>,
    pub sentiment: Label,
    #[serde(default)]
    pub topics: Vec<GoldTopic>,
    #[serde(default)]
    pub split: Option<String>,
}

/// A gold topic with its own sentiment.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldTopic {
    pub id: String,
    pub sentiment: Label,
}

/// Read a gold JSONL file; a bad line is an error naming the file and line.
pub fn read_gold(path: &Path) -> Result<Vec<GoldRecord>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: GoldRecord = serde_json::from_str(&line)
            .map_err(|e| Error::User(format!("{} line {}: {e}", path.display(), i + 1)))?;
        out.push(record);
    }
    Ok(out)
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Accuracy and macro-F1 of a subset (a language).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupMetrics {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
}

/// Sentiment quality.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SentimentMetrics {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Accuracy on the non-neutral gold items, deciding between negative and positive only.
    pub binary_accuracy: Option<f64>,
    pub per_class: BTreeMap<String, ClassMetrics>,
    /// Rows: gold negative, neutral, positive; columns: predicted, same order.
    pub confusion: [[usize; 3]; 3],
    pub by_lang: BTreeMap<String, GroupMetrics>,
}

/// Topic quality: multi-label micro- and macro-F1 over the taxonomy's topics.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopicMetrics {
    pub micro_f1: f64,
    pub macro_f1: f64,
    pub micro_precision: f64,
    pub micro_recall: f64,
    pub per_topic: BTreeMap<String, ClassMetrics>,
}

/// Aspect sentiment: accuracy of a topic's own sentiment, on topics found correctly.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AspectMetrics {
    pub accuracy: f64,
    pub n: usize,
}

/// The whole evaluation (`verbatim eval --format json`, docs/cli.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub n: usize,
    pub sentiment: SentimentMetrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<TopicMetrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspects: Option<AspectMetrics>,
}

/// Topic and aspect metrics of `analyses` against `gold`, over the topics `ids`.
pub fn evaluate_topics(
    gold: &[GoldRecord],
    analyses: &[Analysis],
    ids: &[String],
) -> (TopicMetrics, AspectMetrics) {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> =
        ids.iter().map(|id| (id.as_str(), (0, 0, 0))).collect();
    let (mut aspect_right, mut aspect_n) = (0, 0);
    for (g, a) in gold.iter().zip(analyses) {
        for id in ids {
            let gold_topic = g.topics.iter().find(|t| &t.id == id);
            let predicted = a.topics.iter().find(|t| &t.id == id);
            let entry = counts.entry(id.as_str()).or_default();
            match (gold_topic, predicted) {
                (Some(gt), Some(pt)) => {
                    entry.0 += 1;
                    aspect_n += 1;
                    aspect_right += usize::from(gt.sentiment == pt.sentiment);
                }
                (None, Some(_)) => entry.1 += 1,
                (Some(_), None) => entry.2 += 1,
                (None, None) => {}
            }
        }
    }
    let prf = |tp: usize, fp: usize, fn_: usize| {
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if tp == 0 {
            0.0
        } else {
            2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
        };
        ClassMetrics {
            precision,
            recall,
            f1,
            support: tp + fn_,
        }
    };
    let per_topic: BTreeMap<String, ClassMetrics> = counts
        .iter()
        .map(|(id, &(tp, fp, fn_))| (id.to_string(), prf(tp, fp, fn_)))
        .collect();
    let (tp, fp, fn_) = counts
        .values()
        .fold((0, 0, 0), |acc, c| (acc.0 + c.0, acc.1 + c.1, acc.2 + c.2));
    let micro = prf(tp, fp, fn_);
    let scored: Vec<&ClassMetrics> = per_topic.values().filter(|c| c.support > 0).collect();
    let topics = TopicMetrics {
        micro_f1: micro.f1,
        macro_f1: scored.iter().map(|c| c.f1).sum::<f64>() / scored.len().max(1) as f64,
        micro_precision: micro.precision,
        micro_recall: micro.recall,
        per_topic,
    };
    let aspects = AspectMetrics {
        accuracy: ratio(aspect_right, aspect_n),
        n: aspect_n,
    };
    (topics, aspects)
}

fn confusion(pairs: &[(Label, Label)]) -> [[usize; 3]; 3] {
    let mut m = [[0; 3]; 3];
    for &(gold, pred) in pairs {
        m[gold.index()][pred.index()] += 1;
    }
    m
}

fn class_metrics(m: &[[usize; 3]; 3], c: usize) -> ClassMetrics {
    let tp = m[c][c] as f64;
    let predicted: usize = (0..3).map(|g| m[g][c]).sum();
    let support: usize = m[c].iter().sum();
    let precision = if predicted > 0 {
        tp / predicted as f64
    } else {
        0.0
    };
    let recall = if support > 0 {
        tp / support as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    ClassMetrics {
        precision,
        recall,
        f1,
        support,
    }
}

fn group(pairs: &[(Label, Label)]) -> GroupMetrics {
    let m = confusion(pairs);
    let correct = (0..3).map(|c| m[c][c]).sum::<usize>();
    let present: Vec<ClassMetrics> = (0..3)
        .map(|c| class_metrics(&m, c))
        .filter(|c| c.support > 0)
        .collect();
    GroupMetrics {
        n: pairs.len(),
        accuracy: ratio(correct, pairs.len()),
        macro_f1: present.iter().map(|c| c.f1).sum::<f64>() / present.len().max(1) as f64,
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Score `analyses` (in the same order as `gold`) against the gold labels; topics and
/// aspects too when `topic_ids` (the taxonomy in force) is given.
pub fn evaluate(
    gold: &[GoldRecord],
    analyses: &[Analysis],
    topic_ids: Option<&[String]>,
) -> Result<EvalReport> {
    if gold.len() != analyses.len() {
        return Err(Error::Internal("gold and analyses differ in length".into()));
    }
    let mut pairs = Vec::new();
    let mut by_lang: BTreeMap<String, Vec<(Label, Label)>> = BTreeMap::new();
    let (mut binary_right, mut binary_n) = (0, 0);
    for (g, a) in gold.iter().zip(analyses) {
        let s = a.sentiment.ok_or_else(|| {
            Error::User("evaluation needs the sentiment model (do not pass --no-model)".into())
        })?;
        pairs.push((g.sentiment, s.label));
        let lang = g.lang.clone().unwrap_or_else(|| a.lang.code().to_string());
        by_lang
            .entry(lang)
            .or_default()
            .push((g.sentiment, s.label));
        if g.sentiment != Label::Neutral {
            binary_n += 1;
            let pred = if s.probs.positive >= s.probs.negative {
                Label::Positive
            } else {
                Label::Negative
            };
            binary_right += usize::from(pred == g.sentiment);
        }
    }
    let m = confusion(&pairs);
    let overall = group(&pairs);
    let per_class = Label::ALL
        .iter()
        .map(|&l| (l.as_str().to_string(), class_metrics(&m, l.index())))
        .collect();
    let (topics, aspects) = match topic_ids {
        Some(ids) => {
            let (t, a) = evaluate_topics(gold, analyses, ids);
            (Some(t), Some(a))
        }
        None => (None, None),
    };
    Ok(EvalReport {
        n: gold.len(),
        topics,
        aspects,
        sentiment: SentimentMetrics {
            n: pairs.len(),
            accuracy: overall.accuracy,
            macro_f1: overall.macro_f1,
            binary_accuracy: (binary_n > 0).then(|| ratio(binary_right, binary_n)),
            per_class,
            confusion: m,
            by_lang: by_lang.into_iter().map(|(k, v)| (k, group(&v))).collect(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn metrics_of_a_known_confusion() {
        // gold: 2 neg, 1 neu, 1 pos; one neg predicted neutral.
        let pairs = [
            (Negative, Negative),
            (Negative, Neutral),
            (Neutral, Neutral),
            (Positive, Positive),
        ];
        let m = confusion(&pairs);
        assert_eq!(m, [[1, 1, 0], [0, 1, 0], [0, 0, 1]]);
        let neg = class_metrics(&m, 0);
        assert_eq!((neg.precision, neg.recall), (1.0, 0.5));
        let neu = class_metrics(&m, 1);
        assert_eq!((neu.precision, neu.recall), (0.5, 1.0));
        let g = group(&pairs);
        assert_eq!(g.accuracy, 0.75);
        let expected = (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0;
        assert!((g.macro_f1 - expected).abs() < 1e-12);
    }

    #[test]
    fn macro_f1_skips_classes_absent_from_gold() {
        let pairs = [
            (Negative, Negative),
            (Positive, Positive),
            (Positive, Neutral),
        ];
        let g = group(&pairs);
        let expected = (1.0 + 2.0 / 3.0) / 2.0;
        assert!((g.macro_f1 - expected).abs() < 1e-12, "{}", g.macro_f1);
    }
}
