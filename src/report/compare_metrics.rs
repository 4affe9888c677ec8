//! The three headline metrics that compare and segments report, and their intervals.
//!
//! In: [`Rows`] and the numbers of the rows on each side. Out: per metric an [`Estimate`]
//! (mean and 95% t-interval) or a [`Change`] between two groups (difference with Welch's 95%
//! interval and p-value). Each comment contributes one value: NPS as +100 (9–10), 0 (7–8)
//! or −100 (0–6), so the mean is the NPS in points; CSAT as 1 for 4–5 and 0 for 1–3, so
//! the mean is the CSAT share; sentiment as its score in [-1, 1]. Comments without the
//! value are left out of that metric.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::rows::{NONE, Rows};
use super::stats::{Moments, welch};
use super::{nps_points, round};

/// A headline metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// NPS in points (−100..100).
    Nps,
    /// Share of CSAT 4–5 (0..1).
    Csat,
    /// Mean sentiment score (−1..1).
    Sentiment,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Nps, Metric::Csat, Metric::Sentiment];

    /// Comment `i`'s value, if it has one.
    pub fn value(self, rows: &Rows, i: usize) -> Option<f64> {
        match self {
            Metric::Nps => (rows.nps[i] != NONE).then(|| nps_points(rows.nps[i])),
            Metric::Csat => (rows.csat[i] != NONE).then(|| f64::from(u8::from(rows.csat[i] >= 4))),
            Metric::Sentiment => (!rows.score[i].is_nan()).then(|| f64::from(rows.score[i])),
        }
    }

    /// Decimals kept in JSON: points get 2, shares and scores 4.
    pub fn decimals(self) -> i32 {
        match self {
            Metric::Nps => 2,
            _ => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Nps => "nps",
            Metric::Csat => "csat",
            Metric::Sentiment => "sentiment",
        }
    }
}

/// The moments of `metric` over the rows numbered `subset`.
pub fn moments(rows: &Rows, subset: &[usize], metric: Metric) -> Moments {
    let mut m = Moments::default();
    for &i in subset {
        if let Some(v) = metric.value(rows, i) {
            m.add(v);
        }
    }
    m
}

/// A metric of one group with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Estimate {
    /// Comments with a value.
    pub n: u64,
    pub value: Option<f64>,
    /// 95% t-interval of the mean (null under two values).
    pub ci95: Option<[f64; 2]>,
}

/// The estimate of a group's metric.
pub fn estimate(m: &Moments, metric: Metric) -> Estimate {
    let d = metric.decimals();
    let ci95 = m.variance().and_then(|v| {
        let q = StudentsT::new(0.0, 1.0, m.n - 1.0).ok()?.inverse_cdf(0.975);
        let (mean, half) = (m.mean()?, q * (v / m.n).sqrt());
        Some([round(mean - half, d), round(mean + half, d)])
    });
    Estimate {
        n: m.n as u64,
        value: m.mean().map(|v| round(v, d)),
        ci95,
    }
}

/// A metric's change from group B to group A (A − B).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    /// The metric in A and in B (null without values).
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub n_a: u64,
    pub n_b: u64,
    /// a − b.
    pub change: Option<f64>,
    /// Welch's 95% interval of the change (null under two values on a side).
    pub ci95: Option<[f64; 2]>,
    /// Welch's two-sided p-value.
    pub p: Option<f64>,
    /// Benjamini–Hochberg q-value, where the report tests a family (segments); else null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    /// p < 0.05 (q < 0.05 where q is given).
    pub significant: bool,
}

/// The change of `metric` from `b` to `a`.
pub fn change(a: &Moments, b: &Moments, metric: Metric) -> Change {
    let d = metric.decimals();
    let w = welch(a, b);
    Change {
        a: a.mean().map(|v| round(v, d)),
        b: b.mean().map(|v| round(v, d)),
        n_a: a.n as u64,
        n_b: b.n as u64,
        change: a.mean().zip(b.mean()).map(|(x, y)| round(x - y, d)),
        ci95: w.map(|w| [round(w.ci95[0], d), round(w.ci95[1], d)]),
        p: w.map(|w| w.p),
        q: None,
        significant: w.is_some_and(|w| w.p < super::bh::ALPHA),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_and_change_of_known_samples() {
        let mut a = Moments::default();
        let mut b = Moments::default();
        for _ in 0..50 {
            a.add(100.0);
            a.add(-100.0);
            b.add(100.0);
        }
        b.add(0.0);
        let e = estimate(&a, Metric::Nps);
        assert_eq!((e.n, e.value), (100, Some(0.0)));
        let [lo, hi] = e.ci95.unwrap();
        // sd = 100.5, se = 10.05, t(99) = 1.984: ±19.9.
        assert!(
            (hi - 19.94).abs() < 0.05 && (lo + 19.94).abs() < 0.05,
            "{e:?}"
        );
        let c = change(&a, &b, Metric::Nps);
        assert!(c.change.unwrap() < -90.0 && c.significant, "{c:?}");
        let c = change(&a, &a, Metric::Nps);
        assert_eq!(c.change, Some(0.0));
        assert!(!c.significant);
        assert!(!change(&Moments::default(), &a, Metric::Nps).significant);
    }
}
