//! A linear probe: one ridge-regression classifier per topic on sentence embeddings, fitted
//! at load time from labelled texts (the taxonomy's examples and the calibration's labelled
//! comments), so a topic added to the taxonomy gets its own probe without a training step.
//!
//! In: embedding rows and, per row, which topics it is about. Out: per topic a score (about
//! +1 for texts like the topic's positives, −1 for the rest). The fit is closed-form — one
//! Cholesky solve of the `(dim+1)²` normal equations shared by every topic — deterministic
//! and a few milliseconds for a few hundred texts.

/// The fitted probe: `(dim + 1) × topics` weights, the last row the bias.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    dim: usize,
    topics: usize,
    weights: Vec<f32>,
}

impl Probe {
    /// Fit on `rows` (`n × dim` floats) and `labels[i][k]` (row i is about topic k), with
    /// ridge penalty `lambda` on the weights (not the bias). Targets are ±1.
    pub fn fit(
        rows: &[f32],
        dim: usize,
        labels: &[Vec<bool>],
        topics: usize,
        lambda: f64,
    ) -> Probe {
        let n = labels.len();
        let d = dim + 1;
        // Normal equations: (XᵀX + λI) W = XᵀY, X with a column of ones for the bias.
        let mut a = vec![0f64; d * d];
        let mut b = vec![0f64; d * topics];
        let mut x = vec![0f64; d];
        for i in 0..n {
            for (xj, &v) in x.iter_mut().zip(&rows[i * dim..(i + 1) * dim]) {
                *xj = f64::from(v);
            }
            x[dim] = 1.0;
            for r in 0..d {
                let xr = x[r];
                if xr == 0.0 {
                    continue;
                }
                for (acc, &xc) in a[r * d..r * d + r + 1].iter_mut().zip(&x[..=r]) {
                    *acc += xr * xc;
                }
                for (k, acc) in b[r * topics..(r + 1) * topics].iter_mut().enumerate() {
                    *acc += xr * if labels[i][k] { 1.0 } else { -1.0 };
                }
            }
        }
        for r in 0..d {
            for c in 0..r {
                a[c * d + r] = a[r * d + c];
            }
            if r < dim {
                a[r * d + r] += lambda;
            }
        }
        // A tiny jitter keeps the factorisation defined when there are no rows at all.
        a[dim * d + dim] += 1e-9;
        let weights = match cholesky(&mut a, d) {
            true => solve(&a, d, &b, topics),
            false => vec![0.0; d * topics],
        };
        Probe {
            dim,
            topics,
            weights: weights.into_iter().map(|w| w as f32).collect(),
        }
    }

    /// A probe from weights a fit wrote: `(dim + 1) × topics` floats, row-major, the bias
    /// row last (as [`Probe::weights`] gives them).
    pub fn from_weights(dim: usize, topics: usize, weights: Vec<f32>) -> Probe {
        debug_assert_eq!(weights.len(), (dim + 1) * topics);
        Probe {
            dim,
            topics,
            weights,
        }
    }

    /// The fitted weights (see [`Probe::from_weights`]).
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The score of every topic for one embedding.
    pub fn scores(&self, vector: &[f32]) -> Vec<f32> {
        let mut out = self.weights[self.dim * self.topics..].to_vec();
        for (row, &v) in self.weights.chunks_exact(self.topics).zip(vector) {
            for (o, w) in out.iter_mut().zip(row) {
                *o += w * v;
            }
        }
        out
    }
}

/// In-place Cholesky factorisation of the symmetric `d × d` matrix `a` (lower triangle
/// holds L afterwards); false when it is not positive definite.
fn cholesky(a: &mut [f64], d: usize) -> bool {
    for j in 0..d {
        let mut diag = a[j * d + j];
        for k in 0..j {
            diag -= a[j * d + k] * a[j * d + k];
        }
        if diag <= 0.0 {
            return false;
        }
        let diag = diag.sqrt();
        a[j * d + j] = diag;
        for i in j + 1..d {
            let mut v = a[i * d + j];
            for k in 0..j {
                v -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = v / diag;
        }
    }
    true
}

/// Solve `L Lᵀ W = B` for the `d × m` right-hand sides `b`, with L from [`cholesky`].
fn solve(l: &[f64], d: usize, b: &[f64], m: usize) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..d {
        for k in 0..i {
            let lik = l[i * d + k];
            for c in 0..m {
                y[i * m + c] -= lik * y[k * m + c];
            }
        }
        for c in 0..m {
            y[i * m + c] /= l[i * d + i];
        }
    }
    for i in (0..d).rev() {
        for k in i + 1..d {
            let lki = l[k * d + i];
            for c in 0..m {
                y[i * m + c] -= lki * y[k * m + c];
            }
        }
        for c in 0..m {
            y[i * m + c] /= l[i * d + i];
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_clusters_and_scores_new_points() {
        // Two topics on two axes of a 4-d space, with some noise in the other axes.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40 {
            let noise = (i % 7) as f32 * 0.05;
            let (v, l) = if i % 2 == 0 {
                ([1.0, 0.0, noise, 0.1], vec![true, false])
            } else {
                ([0.0, 1.0, 0.1, noise], vec![false, true])
            };
            rows.extend_from_slice(&v);
            labels.push(l);
        }
        let probe = Probe::fit(&rows, 4, &labels, 2, 0.1);
        let a = probe.scores(&[0.9, 0.1, 0.2, 0.0]);
        let b = probe.scores(&[0.1, 0.9, 0.0, 0.2]);
        assert!(a[0] > 0.5 && a[1] < -0.5, "{a:?}");
        assert!(b[1] > 0.5 && b[0] < -0.5, "{b:?}");
    }

    #[test]
    fn matches_the_normal_equations() {
        // One feature, no penalty: least squares of ±1 on x recovers the line exactly.
        let rows = [0.0f32, 1.0, 2.0, 3.0];
        let labels: Vec<Vec<bool>> = [false, false, true, true]
            .iter()
            .map(|&y| vec![y])
            .collect();
        let probe = Probe::fit(&rows, 1, &labels, 1, 0.0);
        // y = -1.2 + 0.8 x fits (0,-1) (1,-1) (2,1) (3,1) by least squares.
        let s: Vec<f32> = rows.iter().map(|&x| probe.scores(&[x])[0]).collect();
        for (got, want) in s.iter().zip([-1.2f32, -0.4, 0.4, 1.2]) {
            assert!((got - want).abs() < 1e-4, "{s:?}");
        }
    }

    #[test]
    fn no_rows_gives_zero_scores() {
        let probe = Probe::fit(&[], 3, &[], 2, 0.3);
        assert_eq!(probe.scores(&[1.0, 2.0, 3.0]), vec![0.0, 0.0]);
    }
}
