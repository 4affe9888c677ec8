//! Fitting the topic calibration on labelled comments (the gold set's `dev` split): a
//! logistic regression of "the comment has this topic" on the comment-level features, then
//! a threshold per topic that maximises its F1 (kept at the global one when a topic has too
//! few examples to tune on).

use std::collections::BTreeMap;

use super::topics::{Calibration, Features};

/// Topics with fewer positive examples than this keep the global threshold.
const MIN_SUPPORT: usize = 8;

/// Fit on `features[i][k]` (comment i, topic k) against `gold[i][k]`.
pub fn fit(features: &[Vec<Features>], gold: &[Vec<bool>], topic_ids: &[String]) -> Calibration {
    let rows: Vec<([f64; 3], f64)> = features
        .iter()
        .zip(gold)
        .flat_map(|(f, g)| {
            f.iter()
                .zip(g)
                .map(|(f, &y)| (x(f), f64::from(u8::from(y))))
        })
        .collect();
    let (w, b) = logistic(&rows);
    let mut calibration = Calibration {
        sim_weight: w[0] as f32,
        relative_weight: w[1] as f32,
        seed_weight: w[2] as f32,
        bias: b as f32,
        default_threshold: 0.5,
        thresholds: BTreeMap::new(),
        examples: BTreeMap::new(),
        metrics: serde_json::Value::Null,
    };
    let grid: Vec<f32> = (4..=18).map(|i| i as f32 * 0.05).collect();
    let conf: Vec<Vec<f32>> = features
        .iter()
        .map(|f| f.iter().map(|f| calibration.confidence(f)).collect())
        .collect();
    let all: Vec<usize> = (0..topic_ids.len()).collect();
    let global = *grid
        .iter()
        .max_by(|a, b| f1_at(&conf, gold, &all, **a).total_cmp(&f1_at(&conf, gold, &all, **b)))
        .unwrap_or(&0.5);
    calibration.default_threshold = global;
    for (k, id) in topic_ids.iter().enumerate() {
        let support = gold.iter().filter(|g| g[k]).count();
        if support < MIN_SUPPORT {
            continue;
        }
        let topic_f1 = |t: f32| f1_at(&conf, gold, &[k], t);
        let best = grid
            .iter()
            .copied()
            .max_by(|a, b| topic_f1(*a).total_cmp(&topic_f1(*b)));
        if let Some(best) = best {
            // A few dozen examples make a noisy optimum: shrink it towards the global one.
            let w = support as f32 / (support + 2 * MIN_SUPPORT) as f32;
            let shrunk = w * best + (1.0 - w) * global;
            calibration
                .thresholds
                .insert(id.clone(), (shrunk * 100.0).round() / 100.0);
        }
    }
    calibration
}

fn x(f: &Features) -> [f64; 3] {
    [
        f64::from(f.similarity),
        f64::from(f.relative),
        f64::from(u8::from(f.seed)),
    ]
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
fn logistic(rows: &[([f64; 3], f64)]) -> ([f64; 3], f64) {
    let n = rows.len().max(1) as f64;
    let mut mean = [0.0; 3];
    let mut sd = [0.0; 3];
    for (x, _) in rows {
        for d in 0..3 {
            mean[d] += x[d] / n;
        }
    }
    for (x, _) in rows {
        for d in 0..3 {
            sd[d] += (x[d] - mean[d]).powi(2) / n;
        }
    }
    let sd = sd.map(|v| v.sqrt().max(1e-9));
    let (mut w, mut b) = ([0.0f64; 3], 0.0f64);
    for _ in 0..3000 {
        let (mut gw, mut gb) = ([0.0; 3], 0.0);
        for (x, y) in rows {
            let z: f64 = (0..3).map(|d| w[d] * (x[d] - mean[d]) / sd[d]).sum::<f64>() + b;
            let err = 1.0 / (1.0 + (-z).exp()) - y;
            for d in 0..3 {
                gw[d] += err * (x[d] - mean[d]) / sd[d] / n;
            }
            gb += err / n;
        }
        for d in 0..3 {
            w[d] -= 0.5 * (gw[d] + 1e-3 * w[d]);
        }
        b -= 0.5 * gb;
    }
    let weights = [w[0] / sd[0], w[1] / sd[1], w[2] / sd[2]];
    let bias = b - (0..3).map(|d| w[d] * mean[d] / sd[d]).sum::<f64>();
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
