//! The topic calibration: how a (clause, topic) pair's features become a confidence, and
//! fitting it on labelled comments (the gold set's `dev` split) — a logistic regression of
//! "the comment has this topic" on the comment-level features, then a threshold per topic
//! that maximises its F1 (kept at the global one when a topic has too few examples to tune on);
//! and a second regression and threshold ([`Unseen`]) for topics no labelled comment teaches.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How many features a (clause, topic) pair has; see [`Features`].
const N: usize = 5;

/// The logistic calibration of a clause's features into a confidence, per-topic thresholds,
/// and the labelled comments the model learns from at load time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Weight of the best prototype similarity.
    pub sim_weight: f32,
    /// Weight of the similarity relative to the clause's mean over topics.
    #[serde(default)]
    pub relative_weight: f32,
    /// Weight of a seed-term match.
    pub seed_weight: f32,
    /// Weight of the clause's probe score.
    #[serde(default)]
    pub probe_weight: f32,
    /// Weight of the whole comment's probe score.
    #[serde(default)]
    pub comment_probe_weight: f32,
    pub bias: f32,
    /// Ridge penalty of the probe (see [`super::probe::Probe`]).
    #[serde(default = "default_lambda")]
    pub probe_lambda: f32,
    /// Threshold for topics without their own.
    pub default_threshold: f32,
    /// Calibrated thresholds by topic id.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Labelled comments (the gold set's dev split): those with one topic are extra
    /// prototypes of it, and all of them train the probe beside the taxonomy's examples
    /// (a comment counts as a negative for every topic it does not list; topic ids the
    /// taxonomy in force lacks are ignored).
    #[serde(default)]
    pub labelled: Vec<Labelled>,
    /// The calibration of topics without a threshold of their own (a topic a user adds,
    /// or one the labelled comments hardly mention): fitted on features computed with each
    /// topic's labelled comments left out in turn. Absent in older files: the above is used.
    #[serde(default)]
    pub unseen: Option<Unseen>,
    /// Measured figures of the calibration run, for the record.
    #[serde(default)]
    pub metrics: serde_json::Value,
}

/// Logistic weights (in [`Features`] order) and a threshold for topics the labelled
/// comments do not teach.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unseen {
    pub weights: [f32; N],
    pub bias: f32,
    pub threshold: f32,
    /// The share of `threshold` a user's own topic needs to be a comment's only topic when
    /// no topic reaches its threshold (see `TopicModel`'s fallback). It depends on the
    /// encoder, so it lives here; chosen on the dev split of `corpora/custom/telecom` with
    /// `scripts/eval_custom_topics.py` (frozen encoder 0.4, the student 0.35, the teacher
    /// 0.25); `calibrate-topics` keeps the value of the file it replaces. Absent in older
    /// files: 0.4.
    #[serde(default = "default_fallback")]
    pub fallback: f32,
}

fn default_fallback() -> f32 {
    0.4
}

/// A comment and the topics it is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Labelled {
    pub text: String,
    pub topics: Vec<String>,
}

fn default_lambda() -> f32 {
    0.3
}

impl Default for Calibration {
    fn default() -> Self {
        // Close to a fitted calibration, so an uncalibrated model is usable.
        Calibration {
            sim_weight: 5.0,
            relative_weight: 45.0,
            seed_weight: 3.0,
            probe_weight: 3.0,
            comment_probe_weight: 2.0,
            bias: -7.0,
            probe_lambda: default_lambda(),
            default_threshold: 0.5,
            thresholds: BTreeMap::new(),
            labelled: Vec::new(),
            unseen: None,
            metrics: serde_json::Value::Null,
        }
    }
}

impl Calibration {
    /// Load a calibration file; a missing file gives the defaults.
    pub fn load_or_default(path: &Path) -> Result<Calibration> {
        if !path.exists() {
            return Ok(Calibration::default());
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::resource(path.display().to_string(), e))
    }

    /// Confidence from features, for a topic with its own threshold (one the labelled
    /// comments teach).
    pub fn confidence(&self, f: &Features) -> f32 {
        let w = [
            self.sim_weight,
            self.relative_weight,
            self.seed_weight,
            self.probe_weight,
            self.comment_probe_weight,
        ];
        logistic_of(f, w, self.bias)
    }

    /// Confidence from features: [`Calibration::confidence`] for a topic the calibration
    /// has a threshold for (`seen`), else the [`Unseen`] weights where present.
    pub fn confidence_of(&self, f: &Features, seen: bool) -> f32 {
        match (&self.unseen, seen) {
            (Some(u), false) => logistic_of(f, u.weights, u.bias),
            _ => self.confidence(f),
        }
    }

    /// The threshold of a topic without its own.
    pub fn unseen_threshold(&self) -> f32 {
        self.unseen
            .as_ref()
            .map_or(self.default_threshold, |u| u.threshold)
    }

    /// The share of the threshold a user's own topic needs to be a comment's only topic
    /// ([`Unseen::fallback`]).
    pub fn unseen_fallback(&self) -> f32 {
        self.unseen
            .as_ref()
            .map_or(default_fallback(), |u| u.fallback)
    }

    /// The labelled comments' texts by their only topic (the extra prototypes).
    pub fn prototypes_of<'a>(&'a self, topic: &'a str) -> impl Iterator<Item = &'a String> {
        self.labelled
            .iter()
            .filter(move |l| l.topics.len() == 1 && l.topics[0] == topic)
            .map(|l| &l.text)
    }
}

/// The features of a (clause or comment, topic) pair.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// Best similarity to the topic's prototypes.
    pub similarity: f32,
    /// That similarity minus the mean over topics.
    pub relative: f32,
    /// Whether a seed term of the topic occurs.
    pub seed: bool,
    /// The probe's score of the clause.
    pub probe: f32,
    /// The probe's score of the whole comment (the same for all its clauses).
    pub comment_probe: f32,
}

impl Features {
    /// The comment-level features of a topic: the best of its clauses' values.
    pub fn max(a: Features, b: Features) -> Features {
        Features {
            similarity: a.similarity.max(b.similarity),
            relative: a.relative.max(b.relative),
            seed: a.seed || b.seed,
            probe: a.probe.max(b.probe),
            comment_probe: a.comment_probe.max(b.comment_probe),
        }
    }

    /// The lowest values, where [`Features::max`] starts.
    pub fn floor() -> Features {
        Features {
            similarity: f32::MIN,
            relative: f32::MIN,
            seed: false,
            probe: f32::MIN,
            comment_probe: f32::MIN,
        }
    }

    fn values(&self) -> [f32; N] {
        [
            self.similarity,
            self.relative,
            f32::from(u8::from(self.seed)),
            self.probe,
            self.comment_probe,
        ]
    }
}

/// Topics with fewer positive examples than this keep the global threshold.
const MIN_SUPPORT: usize = 8;

/// The thresholds tried: 0.05, 0.10, … 0.90.
const GRID: [f32; 18] = [
    0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80,
    0.85, 0.90,
];

fn logistic_of(f: &Features, w: [f32; N], bias: f32) -> f32 {
    let z = f.values().iter().zip(w).map(|(x, w)| x * w).sum::<f32>() + bias;
    1.0 / (1.0 + (-z).exp())
}

/// Per comment and topic, `confidence(features[i][k])`.
fn confidences(features: &[Vec<Features>], confidence: impl Fn(&Features) -> f32) -> Vec<Vec<f32>> {
    features
        .iter()
        .map(|f| f.iter().map(&confidence).collect())
        .collect()
}

/// The one threshold for every topic that gives the best micro-F1 of `conf[i][k]` against
/// `gold[i][k]` ([`plateau_centre`]), and that micro-F1.
fn best_threshold(conf: &[Vec<f32>], gold: &[Vec<bool>]) -> (f32, f64) {
    let all: Vec<usize> = (0..conf.first().map_or(0, Vec::len)).collect();
    plateau_centre(|t| f1_at(conf, gold, &all, t))
}

/// F1 within this of the best counts as the best ([`plateau_centre`]).
const PLATEAU: f64 = 0.01;

/// The threshold of [`GRID`] at the centre of the best F1's plateau, and its F1: the run of
/// neighbouring thresholds around the first best one whose F1 is within [`PLATEAU`] of it,
/// and its middle (the lower one of two). The F1 of a few dozen comments is often flat
/// near its optimum, and the first or last best point of a flat stretch jumps when one
/// comment's features move a little (0.45 → 0.63 for one topic after a change to
/// Traditional folding); the plateau's middle stays, and leaves the most room either way.
fn plateau_centre(f1: impl Fn(f32) -> f64) -> (f32, f64) {
    let scores: Vec<f64> = GRID.iter().map(|&t| f1(t)).collect();
    let Some(best) = (0..scores.len()).reduce(|a, b| if scores[b] > scores[a] { b } else { a })
    else {
        return (0.5, 0.0);
    };
    let near = |i: usize| scores[i] >= scores[best] - PLATEAU;
    let first = (0..=best)
        .rev()
        .take_while(|&i| near(i))
        .last()
        .unwrap_or(best);
    let last = (best..scores.len())
        .take_while(|&i| near(i))
        .last()
        .unwrap_or(best);
    let centre = (first + last) / 2;
    (GRID[centre], scores[centre])
}

/// Fit the [`Unseen`] calibration on `features[i][k]` computed, for each topic k, by a
/// model that learnt nothing of k from labelled comments; also returns its micro-F1 there.
pub fn fit_unseen(features: &[Vec<Features>], gold: &[Vec<bool>]) -> (Unseen, f64) {
    let (w, b) = fit_weights(features, gold);
    let weights = w.map(|w| w as f32);
    let conf = confidences(features, |f| logistic_of(f, weights, b as f32));
    let (threshold, f1) = best_threshold(&conf, gold);
    let unseen = Unseen {
        weights,
        bias: b as f32,
        threshold,
        fallback: default_fallback(),
    };
    (unseen, f1)
}

fn fit_weights(features: &[Vec<Features>], gold: &[Vec<bool>]) -> ([f64; N], f64) {
    let rows: Vec<([f64; N], f64)> = features
        .iter()
        .zip(gold)
        .flat_map(|(f, g)| {
            f.iter()
                .zip(g)
                .map(|(f, &y)| (x(f), f64::from(u8::from(y))))
        })
        .collect();
    logistic(&rows)
}

/// Fit on `features[i][k]` (comment i, topic k) against `gold[i][k]`.
pub fn fit(features: &[Vec<Features>], gold: &[Vec<bool>], topic_ids: &[String]) -> Calibration {
    let (w, b) = fit_weights(features, gold);
    let mut calibration = Calibration {
        sim_weight: w[0] as f32,
        relative_weight: w[1] as f32,
        seed_weight: w[2] as f32,
        probe_weight: w[3] as f32,
        comment_probe_weight: w[4] as f32,
        bias: b as f32,
        ..Calibration::default()
    };
    let conf = confidences(features, |f| calibration.confidence(f));
    let (global, _) = best_threshold(&conf, gold);
    calibration.default_threshold = global;
    for (k, id) in topic_ids.iter().enumerate() {
        let support = gold.iter().filter(|g| g[k]).count();
        if support < MIN_SUPPORT {
            continue;
        }
        let (best, _) = plateau_centre(|t| f1_at(&conf, gold, &[k], t));
        // A few dozen examples make a noisy optimum: shrink it towards the global one.
        let w = support as f32 / (support + 2 * MIN_SUPPORT) as f32;
        let shrunk = w * best + (1.0 - w) * global;
        calibration
            .thresholds
            .insert(id.clone(), (shrunk * 100.0).round() / 100.0);
    }
    calibration
}

fn x(f: &Features) -> [f64; N] {
    f.values().map(f64::from)
}

/// Micro-F1 over the topics `ks` when every one of them uses threshold `t`.
fn f1_at(conf: &[Vec<f32>], gold: &[Vec<bool>], ks: &[usize], t: f32) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (c, g) in conf.iter().zip(gold) {
        for &k in ks {
            match (c[k] >= t, g[k]) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
    }
    f1(tp, fp, fn_)
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f64 {
    if tp == 0 {
        return 0.0;
    }
    2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
}

/// Logistic regression by full-batch gradient descent on standardized features, with a
/// small L2 penalty; returns weights and bias on the original scale.
fn logistic(rows: &[([f64; N], f64)]) -> ([f64; N], f64) {
    let n = rows.len().max(1) as f64;
    let mut mean = [0.0; N];
    let mut sd = [0.0; N];
    for (x, _) in rows {
        for d in 0..N {
            mean[d] += x[d] / n;
        }
    }
    for (x, _) in rows {
        for d in 0..N {
            sd[d] += (x[d] - mean[d]).powi(2) / n;
        }
    }
    let sd = sd.map(|v| v.sqrt().max(1e-9));
    let (mut w, mut b) = ([0.0f64; N], 0.0f64);
    for _ in 0..3000 {
        let (mut gw, mut gb) = ([0.0; N], 0.0);
        for (x, y) in rows {
            let z: f64 = (0..N).map(|d| w[d] * (x[d] - mean[d]) / sd[d]).sum::<f64>() + b;
            let err = 1.0 / (1.0 + (-z).exp()) - y;
            for d in 0..N {
                gw[d] += err * (x[d] - mean[d]) / sd[d] / n;
            }
            gb += err / n;
        }
        for d in 0..N {
            w[d] -= 0.5 * (gw[d] + 1e-3 * w[d]);
        }
        b -= 0.5 * gb;
    }
    let weights: [f64; N] = std::array::from_fn(|d| w[d] / sd[d]);
    let bias = b - (0..N).map(|d| w[d] * mean[d] / sd[d]).sum::<f64>();
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_optimum_gives_its_middle() {
        // Best at 0.30-0.50 (within the plateau), a lone near-best point apart at 0.70.
        let f1 = |t: f32| match (t * 100.0).round() as u32 {
            30 | 40 => 0.80,
            35 | 45 | 50 => 0.795,
            70 => 0.80,
            _ => 0.5,
        };
        assert_eq!(plateau_centre(f1), (0.40, 0.80));
        // One sharp peak is its own plateau.
        assert_eq!(
            plateau_centre(|t| if t == 0.25 { 0.9 } else { 0.1 }).0,
            0.25
        );
        // The plateau may reach the grid's end.
        assert_eq!(plateau_centre(|t| if t >= 0.8 { 0.6 } else { 0.2 }).0, 0.85);
    }

    #[test]
    fn recovers_a_separable_rule() {
        // A topic is present exactly when a seed matches and the similarity is high.
        let mut features = Vec::new();
        let mut gold = Vec::new();
        for i in 0..200 {
            let sim = 0.8 + (i % 20) as f32 * 0.01;
            let seed = i % 3 == 0;
            features.push(vec![Features {
                similarity: sim,
                relative: sim - 0.85,
                seed,
                ..Features::default()
            }]);
            gold.push(vec![seed && sim > 0.88]);
        }
        let c = fit(&features, &gold, &["t".to_string()]);
        assert!(
            c.seed_weight > 0.0 && c.sim_weight + c.relative_weight > 0.0,
            "{c:?}"
        );
        let t = c
            .thresholds
            .get("t")
            .copied()
            .unwrap_or(c.default_threshold);
        let right = features
            .iter()
            .zip(&gold)
            .filter(|(f, g)| (c.confidence(&f[0]) >= t) == g[0])
            .count();
        assert!(right >= 190, "{right}/200");
    }

    #[test]
    fn unseen_topics_get_their_own_weights_and_old_files_fall_back() {
        // Unseen topics' features are weaker: only a probe score well above zero marks them.
        let mut features = Vec::new();
        let mut gold = Vec::new();
        for i in 0..300 {
            let probe = (i % 30) as f32 * 0.01;
            features.push(vec![Features {
                probe,
                comment_probe: probe,
                ..Features::default()
            }]);
            gold.push(vec![probe > 0.2]);
        }
        let (unseen, f1) = fit_unseen(&features, &gold);
        assert!(f1 > 0.95, "{f1} {unseen:?}");
        let f = features[29][0];
        let old = Calibration::default();
        let new = Calibration {
            unseen: Some(unseen.clone()),
            ..Calibration::default()
        };
        assert_eq!(new.confidence_of(&f, true), old.confidence(&f));
        assert_ne!(new.confidence_of(&f, false), old.confidence(&f));
        assert_eq!(old.confidence_of(&f, false), old.confidence(&f));
        assert_eq!(new.unseen_threshold(), unseen.threshold);
        assert_eq!(old.unseen_threshold(), old.default_threshold);
        // A file written before `unseen` existed still loads.
        let mut json = serde_json::to_value(&old).unwrap();
        json.as_object_mut().unwrap().remove("unseen");
        let back: Calibration = serde_json::from_value(json).unwrap();
        assert_eq!(back, old);
    }
}
