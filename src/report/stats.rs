//! The statistics the reports share: running moments, Welch's interval for a difference of
//! means, the two-proportion z-test and the log-odds ratio with an informative Dirichlet
//! prior. Distribution quantiles come from `statrs`, not re-derived here.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Count, sum and sum of squares of a sample: enough for its mean and variance, and
/// subtractable (the "without" group is all minus "with").
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    /// Add one value.
    pub fn add(&mut self, x: f64) {
        self.n += 1.0;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// The moments of the values in `self` that are not in `part`.
    pub fn minus(&self, part: &Moments) -> Moments {
        Moments {
            n: self.n - part.n,
            sum: self.sum - part.sum,
            sum_sq: self.sum_sq - part.sum_sq,
        }
    }

    /// The mean, `None` for an empty sample.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0.0).then(|| self.sum / self.n)
    }

    /// The unbiased sample variance, `None` under two values.
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1.0)
            .then(|| ((self.sum_sq - self.sum * self.sum / self.n) / (self.n - 1.0)).max(0.0))
    }
}

/// Welch's t interval for mean(a) − mean(b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub diff: f64,
    pub ci95: [f64; 2],
    /// Two-sided p-value of "no difference".
    pub p: f64,
}

/// Welch's test of mean(a) − mean(b); `None` when either side has under two values.
pub fn welch(a: &Moments, b: &Moments) -> Option<Welch> {
    let (ma, mb) = (a.mean()?, b.mean()?);
    let (va, vb) = (a.variance()? / a.n, b.variance()? / b.n);
    let diff = ma - mb;
    let se2 = va + vb;
    if se2 <= 0.0 {
        let p = if diff == 0.0 { 1.0 } else { 0.0 };
        return Some(Welch {
            diff,
            ci95: [diff, diff],
            p,
        });
    }
    let se = se2.sqrt();
    let df = se2 * se2 / (va * va / (a.n - 1.0) + vb * vb / (b.n - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let q = t.inverse_cdf(0.975);
    let p = 2.0 * (1.0 - t.cdf((diff / se).abs()));
    Some(Welch {
        diff,
        ci95: [diff - q * se, diff + q * se],
        p,
    })
}

/// The z statistic of share x1/n1 against share x0/n0 (pooled standard error); positive when
/// the first share is larger. 0 when either sample is empty or nothing varies.
pub fn two_proportion_z(x1: f64, n1: f64, x0: f64, n0: f64) -> f64 {
    if n1 <= 0.0 || n0 <= 0.0 {
        return 0.0;
    }
    let pooled = (x1 + x0) / (n1 + n0);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt();
    if se <= 0.0 {
        return 0.0;
    }
    (x1 / n1 - x0 / n0) / se
}

/// The log-odds ratio of a word between corpus a and corpus b with an informative Dirichlet
/// prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16 and 22), and its z-score.
/// `ya`, `yb`: the word's counts; `na`, `nb`: all words' counts; `alpha_w`: the word's prior
/// count; `alpha0`: the prior's total.
pub fn log_odds_z(ya: f64, na: f64, yb: f64, nb: f64, alpha_w: f64, alpha0: f64) -> (f64, f64) {
    let la = ((ya + alpha_w) / (na + alpha0 - ya - alpha_w)).ln();
    let lb = ((yb + alpha_w) / (nb + alpha0 - yb - alpha_w)).ln();
    let delta = la - lb;
    let var = 1.0 / (ya + alpha_w) + 1.0 / (yb + alpha_w);
    (delta, delta / var.sqrt())
}

/// The standard normal quantile.
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: &[f64]) -> Moments {
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.add(x));
        m
    }

    #[test]
    fn welch_matches_a_worked_example() {
        // Means 3.8 and 6.0, variances 0.7 and 2.5: se = 0.8, t = −2.75, df = 6.08, so
        // p ≈ 0.033 and the interval is −2.2 ± 2.44 × 0.8.
        let a = moments(&[3.0, 4.0, 5.0, 4.0, 3.0]);
        let b = moments(&[5.0, 7.0, 6.0, 4.0, 8.0]);
        let w = welch(&a, &b).unwrap();
        assert!((w.diff + 2.2).abs() < 1e-9, "{w:?}");
        assert!((w.ci95[0] + 2.2 + 1.95).abs() < 0.02, "{w:?}");
        assert!((w.ci95[1] + 2.2 - 1.95).abs() < 0.02, "{w:?}");
        assert!(w.p > 0.03 && w.p < 0.036, "{w:?}");
        assert_eq!(a.minus(&moments(&[3.0, 4.0])), moments(&[5.0, 4.0, 3.0]));
    }

    #[test]
    fn two_proportions() {
        assert!(two_proportion_z(30.0, 100.0, 10.0, 100.0) > 3.0);
        assert!(two_proportion_z(10.0, 100.0, 10.0, 100.0).abs() < 1e-12);
        assert_eq!(two_proportion_z(1.0, 0.0, 1.0, 10.0), 0.0);
    }

    #[test]
    fn log_odds_sign_follows_the_richer_corpus() {
        let (d, z) = log_odds_z(50.0, 1000.0, 5.0, 1000.0, 1.0, 100.0);
        assert!(d > 0.0 && z > 3.0, "{d} {z}");
        let (d, _) = log_odds_z(5.0, 1000.0, 50.0, 1000.0, 1.0, 100.0);
        assert!(d < 0.0);
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
    }
}
