//! The change of a score between two groups split by topic into a volume effect and a score
//! effect (shift-share with midpoint weights), so that the parts add up to the change exactly.
//!
//! In: each side's rows and the score (NPS points or CSAT share). Out: a [`Decomposition`].
//! Every scored comment carries weight 1, split evenly over its k topics (1/k each; a
//! comment with none goes to the group `(no topic)`), so on each side the score M is
//! exactly Σ_g s_g · m_g, with s_g the topic's share of the weight and m_g its weighted mean
//! score. With A the focus side and B the baseline, bars for midpoints ((A + B) / 2):
//!
//! M_A − M_B = Σ_g [ (s_gA − s_gB)(m̄_g − M̄) + s̄_g (m_gA − m_gB) ]
//!
//! which holds exactly because Σ_g (s_gA − s_gB) = 0 and xA·yA − xB·yB =
//! (xA − xB)·ȳ + x̄·(yA − yB). The first term is the **volume effect** (share change ×
//! the topic's impact, its score against the overall one), the second the **score effect**
//! (the topic's own score moved). A topic absent from one side takes the other side's mean
//! there, so its whole contribution is volume. Rows are sorted by |volume + score|.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compare_metrics::Metric;
use super::round;
use super::rows::Rows;

/// The group of comments with no topic.
pub const NO_TOPIC: &str = "(no topic)";

/// The change of one score, by topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decomposition {
    /// `nps` (points) or `csat` (share of 4–5).
    pub metric: String,
    /// The score in A and in B, and A − B (unrounded sums of the rows' effects equal it).
    pub a: f64,
    pub b: f64,
    pub change: f64,
    /// Σ volume effects and Σ score effects (they add up to `change`).
    pub volume: f64,
    pub score: f64,
    pub rows: Vec<Contribution>,
}

/// One topic's part of the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contribution {
    /// The topic id, or `(no topic)`.
    pub topic: String,
    /// The topic's share of the scored comments' weight in A and in B.
    pub share_a: f64,
    pub share_b: f64,
    /// The topic's mean score in A and in B (null where absent).
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    /// m̄_g − M̄: how much better or worse than overall the topic scores (midpoints).
    pub impact: f64,
    /// (share_a − share_b) × impact.
    pub volume_effect: f64,
    /// mean share × (mean_a − mean_b).
    pub score_effect: f64,
    /// volume_effect + score_effect.
    pub total: f64,
}

/// Per topic: (weight, weighted sum of the score).
type Sums = BTreeMap<String, (f64, f64)>;

/// The weights and sums of one side; `None` without a scored comment.
fn sums(rows: &Rows, subset: &[usize], metric: Metric) -> Option<(Sums, f64)> {
    let mut out = Sums::new();
    let mut n = 0.0;
    for &i in subset {
        let Some(v) = metric.value(rows, i) else {
            continue;
        };
        n += 1.0;
        let topics: Vec<u32> = rows.topics_of(i).map(|(t, _)| t).collect();
        if topics.is_empty() {
            let e = out.entry(NO_TOPIC.to_string()).or_default();
            e.0 += 1.0;
            e.1 += v;
            continue;
        }
        let w = 1.0 / topics.len() as f64;
        for t in topics {
            let e = out
                .entry(rows.topics.names[t as usize].clone())
                .or_default();
            e.0 += w;
            e.1 += w * v;
        }
    }
    (n > 0.0).then_some((out, n))
}

/// The decomposition of `metric` (NPS or CSAT) from side B to side A.
pub fn decompose(
    a: (&Rows, &[usize]),
    b: (&Rows, &[usize]),
    metric: Metric,
) -> Option<Decomposition> {
    let (sa, na) = sums(a.0, a.1, metric)?;
    let (sb, nb) = sums(b.0, b.1, metric)?;
    let total = |s: &Sums, n: f64| s.values().map(|x| x.1).sum::<f64>() / n;
    let (ma, mb) = (total(&sa, na), total(&sb, nb));
    let m_mid = (ma + mb) / 2.0;
    let mut topics: Vec<&String> = sa.keys().chain(sb.keys()).collect();
    topics.sort();
    topics.dedup();
    let d = metric.decimals() + 2;
    let (mut volume, mut score) = (0.0, 0.0);
    let mut rows: Vec<Contribution> = topics
        .into_iter()
        .map(|topic| {
            let side = |s: &Sums, n: f64| {
                s.get(topic)
                    .map_or((0.0, None), |&(w, sum)| (w / n, Some(sum / w)))
            };
            let ((share_a, mean_a), (share_b, mean_b)) = (side(&sa, na), side(&sb, nb));
            // Absent on one side: that side takes the other's mean.
            let (ya, yb) = match (mean_a, mean_b) {
                (Some(x), Some(y)) => (x, y),
                (Some(x), None) => (x, x),
                (None, Some(y)) => (y, y),
                (None, None) => (0.0, 0.0),
            };
            let impact = (ya + yb) / 2.0 - m_mid;
            let v = (share_a - share_b) * impact;
            let s = (share_a + share_b) / 2.0 * (ya - yb);
            volume += v;
            score += s;
            Contribution {
                topic: topic.clone(),
                share_a: round(share_a, 4),
                share_b: round(share_b, 4),
                mean_a: mean_a.map(|x| round(x, d)),
                mean_b: mean_b.map(|x| round(x, d)),
                impact: round(impact, d),
                volume_effect: round(v, d),
                score_effect: round(s, d),
                total: round(v + s, d),
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        y.total
            .abs()
            .total_cmp(&x.total.abs())
            .then_with(|| x.topic.cmp(&y.topic))
    });
    Some(Decomposition {
        metric: metric.name().into(),
        a: round(ma, d),
        b: round(mb, d),
        change: round(ma - mb, d),
        volume: round(volume, d),
        score: round(score, d),
        rows,
    })
}
