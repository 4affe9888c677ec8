//! Benjamini–Hochberg q-values: the false-discovery-rate adjustment of a family of
//! p-values (Benjamini & Hochberg 1995, step-up form).
//!
//! In: the p-values of every hypothesis a report tested (all of them, not only the rows it
//! lists). Out: one q-value per p-value, in the same order: q(i) = min over the p-values
//! ranked at or above p(i) of p × m / rank, capped at 1. Calling "significant" every row
//! with q < 0.05 keeps the expected share of false discoveries among them at or under 5%.
//! NaN p-values count as 1.

use statrs::distribution::{ContinuousCDF, Normal};

/// The level reports call significant at: q < [`ALPHA`].
pub const ALPHA: f64 = 0.05;

/// The two-sided p-value of a standard normal z (1 for a NaN z).
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    2.0 * Normal::standard().sf(z.abs())
}

/// The BH q-value of each of `p`, in the same order.
pub fn q_values(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let clean = |x: f64| if x.is_nan() { 1.0 } else { x.clamp(0.0, 1.0) };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| clean(p[a]).total_cmp(&clean(p[b])).then(a.cmp(&b)));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(clean(p[i]) * m as f64 / (rank + 1) as f64);
        // p × m / m can round one ulp below p: q is never below its own p
        q[i] = running.min(1.0).max(clean(p[i]));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_worked_example() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH")
        //  = 0.025 0.05 0.05 0.025 0.2
        let q = q_values(&[0.01, 0.04, 0.03, 0.005, 0.2]);
        let want = [0.025, 0.05, 0.05, 0.025, 0.2];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!(q_values(&[]).is_empty());
        assert!((two_sided_p(1.959964) - 0.05).abs() < 1e-6);
        assert_eq!(two_sided_p(f64::NAN), 1.0);
        assert_eq!(q_values(&[f64::NAN, 0.5]), vec![1.0, 1.0]);
        // Never below p, never above 1.
        let p = [0.9, 0.001, 0.5, 0.5];
        for (q, p) in q_values(&p).iter().zip(p) {
            assert!(*q >= p && *q <= 1.0);
        }
        // 0.9779637825110079 × 35 / 35 rounds below itself (a drivers report found it)
        let mut p = vec![0.01; 34];
        p.push(0.977_963_782_511_007_9);
        let q = q_values(&p);
        assert!(q[34] >= p[34], "{:e} < {:e}", q[34], p[34]);
    }
}
