//! Clustering for discover: spherical k-means over-clustering, then average-linkage merging
//! of the small clusters it finds.
//!
//! In: `n` L2-normalized vectors of `dim` floats (row-major). Out: a [`Clustering`]: each
//! vector's cluster (or none) and each cluster's cohesion. The vectors are first centred on
//! their language's mean and normalized again: sentence embeddings share a large common
//! direction (cosines of unrelated e5 texts sit near 0.8) and a direction per language
//! (so one theme in Chinese and English would part); removing both spreads similarities so
//! a threshold means something and lets a theme's languages meet (language-mean removal,
//! as in Libovický et al. 2020). k-means (k-means++ seeding on a bounded subsample, a fixed
//! number of Lloyd rounds, assignment in parallel) cuts the cloud into about √n pieces;
//! pieces are then merged greedily while the average pairwise similarity between two
//! pieces is at least [`MERGE_RATIO`] of the average within them (average linkage, exact
//! from the pieces' vector sums). Memory: the centred copy, n × dim floats, plus k sums.

use rayon::prelude::*;

use crate::model::encoder::dot;

/// Most k-means clusters before merging.
pub const MAX_K: usize = 64;
/// Lloyd rounds (k-means converges on these sizes well before).
const ROUNDS: usize = 12;
/// Most points k-means++ seeding looks at.
const SEED_POOL: usize = 4_000;
/// Two clusters merge when their average pairwise similarity reaches this share of the
/// average similarity within them. 0.6 on the frozen encoder; the distilled student spreads
/// one theme's comments wider (on the planted test index, 0.6 split the theme in two:
/// recall 0.672 with another cluster holding 8 of it; 0.5: purity 0.831, recall 0.766).
pub const MERGE_RATIO: f32 = 0.5;

/// The clusters found.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Per input vector: its cluster.
    pub assignment: Vec<usize>,
    /// Per cluster: average pairwise cosine of its members, centred.
    pub cohesion: Vec<f32>,
    /// The centred, normalized vectors (row-major), for medoids.
    pub centred: Vec<f32>,
    /// Per cluster: the normalized sum of its members' centred vectors.
    pub centroids: Vec<Vec<f32>>,
    /// The mean of all the input vectors (uncentred).
    pub mean: Vec<f32>,
}

/// Groups smaller than this are centred on the mean of all vectors.
const MIN_GROUP: usize = 20;

/// A deterministic random stream (splitmix64).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Cluster `n = data.len() / dim` vectors; `groups[i]` is vector `i`'s language (any small
/// integer), each group centred on its own mean.
pub fn cluster(data: &[f32], dim: usize, groups: &[u32]) -> Clustering {
    let n = data.len().checked_div(dim).unwrap_or(0);
    let (centred, mean) = centre(data, dim, n, groups);
    if n < 2 {
        return Clustering {
            assignment: vec![0; n],
            cohesion: vec![1.0; n.min(1)],
            centroids: (0..n.min(1)).map(|_| centred.clone()).collect(),
            centred,
            mean,
        };
    }
    let k = ((n as f64).sqrt().round() as usize).clamp(2, MAX_K).min(n);
    let mut centroids = seed(&centred, dim, n, k);
    let mut assignment = vec![0usize; n];
    for _ in 0..ROUNDS {
        assignment = assign(&centred, dim, &centroids);
        let sums = sums(&centred, dim, &assignment, centroids.len());
        for (c, (sum, count)) in centroids.iter_mut().zip(sums) {
            if count > 0 {
                *c = normalized(sum);
            }
        }
    }
    let groups = merge(&centred, dim, &assignment, centroids.len());
    // Renumber: merged groups become dense cluster ids.
    let mut ids = vec![usize::MAX; centroids.len()];
    let mut next = 0;
    for a in assignment.iter_mut() {
        let g = groups[*a];
        if ids[g] == usize::MAX {
            ids[g] = next;
            next += 1;
        }
        *a = ids[g];
    }
    let sums = sums(&centred, dim, &assignment, next);
    let cohesion = sums.iter().map(|(s, n)| within(s, *n)).collect();
    let centroids = sums.into_iter().map(|(s, _)| normalized(s)).collect();
    Clustering {
        assignment,
        cohesion,
        centred,
        centroids,
        mean,
    }
}

/// Subtract its group's mean vector from every row and normalize the rows again; also the
/// mean of all rows.
fn centre(data: &[f32], dim: usize, n: usize, groups: &[u32]) -> (Vec<f32>, Vec<f32>) {
    let mut means: std::collections::HashMap<u32, (Vec<f32>, usize)> = Default::default();
    let mut all = (vec![0f32; dim], 0usize);
    for (i, row) in data.chunks_exact(dim).enumerate() {
        let g = groups.get(i).copied().unwrap_or(0);
        let (sum, count) = means.entry(g).or_insert_with(|| (vec![0f32; dim], 0));
        for ((s, a), x) in sum.iter_mut().zip(all.0.iter_mut()).zip(row) {
            *s += x;
            *a += x;
        }
        *count += 1;
        all.1 += 1;
    }
    let scale = |(mut v, c): (Vec<f32>, usize)| {
        v.iter_mut().for_each(|x| *x /= c.max(1) as f32);
        v
    };
    let global = scale(all);
    let means: std::collections::HashMap<u32, Vec<f32>> = means
        .into_iter()
        .map(|(g, m)| {
            let v = if m.1 >= MIN_GROUP.min(n) {
                scale(m)
            } else {
                global.clone()
            };
            (g, v)
        })
        .collect();
    let mut out: Vec<f32> = data.to_vec();
    out.par_chunks_exact_mut(dim)
        .enumerate()
        .for_each(|(i, row)| {
            let mean = &means[&groups.get(i).copied().unwrap_or(0)];
            for (x, m) in row.iter_mut().zip(mean) {
                *x -= m;
            }
            let norm = dot(row, row).sqrt().max(1e-12);
            row.iter_mut().for_each(|x| *x /= norm);
        });
    (out, global)
}

/// k-means++ seeds drawn from an evenly spaced subsample of at most [`SEED_POOL`] rows.
fn seed(data: &[f32], dim: usize, n: usize, k: usize) -> Vec<Vec<f32>> {
    let step = n.div_ceil(SEED_POOL).max(1);
    let pool: Vec<&[f32]> = data.chunks_exact(dim).step_by(step).collect();
    let mut rng = Rng::new(0x5eed_d15c_0fe7);
    let first = (rng.next_u64() % pool.len() as u64) as usize;
    let mut seeds = vec![pool[first].to_vec()];
    // Squared distance of unit vectors: 2 − 2cos.
    let mut d2: Vec<f64> = pool
        .iter()
        .map(|p| f64::from(2.0 - 2.0 * dot(p, &seeds[0])).max(0.0))
        .collect();
    while seeds.len() < k {
        let total: f64 = d2.iter().sum();
        if total <= 1e-12 {
            break;
        }
        let mut target = rng.unit() * total;
        let mut pick = pool.len() - 1;
        for (i, d) in d2.iter().enumerate() {
            if target < *d {
                pick = i;
                break;
            }
            target -= d;
        }
        let s = pool[pick].to_vec();
        for (d, p) in d2.iter_mut().zip(&pool) {
            *d = d.min(f64::from(2.0 - 2.0 * dot(p, &s)).max(0.0));
        }
        seeds.push(s);
    }
    seeds
}

/// Each row's most similar centroid.
fn assign(data: &[f32], dim: usize, centroids: &[Vec<f32>]) -> Vec<usize> {
    data.par_chunks_exact(dim)
        .map(|row| {
            let mut best = (0, f32::NEG_INFINITY);
            for (c, centroid) in centroids.iter().enumerate() {
                let s = dot(row, centroid);
                if s > best.1 {
                    best = (c, s);
                }
            }
            best.0
        })
        .collect()
}

/// Per cluster: the sum of its rows and their count.
fn sums(data: &[f32], dim: usize, assignment: &[usize], k: usize) -> Vec<(Vec<f32>, usize)> {
    let mut out = vec![(vec![0f32; dim], 0usize); k];
    for (row, &a) in data.chunks_exact(dim).zip(assignment) {
        let (sum, count) = &mut out[a];
        for (s, x) in sum.iter_mut().zip(row) {
            *s += x;
        }
        *count += 1;
    }
    out
}

fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = dot(&v, &v).sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Average cosine over distinct pairs of a cluster's unit rows, from their sum:
/// (|Σ|² − n) / (n(n − 1)).
fn within(sum: &[f32], n: usize) -> f32 {
    if n < 2 {
        return 1.0;
    }
    let n = n as f32;
    (dot(sum, sum) - n) / (n * (n - 1.0))
}

/// Greedy average-linkage merging of k-means clusters; per cluster, the group it joins.
fn merge(data: &[f32], dim: usize, assignment: &[usize], k: usize) -> Vec<usize> {
    let mut groups: Vec<(Vec<f32>, usize)> = sums(data, dim, assignment, k);
    let mut owner: Vec<usize> = (0..k).collect();
    let mut alive: Vec<bool> = groups.iter().map(|(_, n)| *n > 0).collect();
    loop {
        let mut best: Option<(usize, usize, f32)> = None;
        for a in 0..k {
            for b in a + 1..k {
                if !(alive[a] && alive[b]) {
                    continue;
                }
                let (sa, na) = &groups[a];
                let (sb, nb) = &groups[b];
                let between = dot(sa, sb) / (*na as f32 * *nb as f32);
                let inside = 0.5 * (within(sa, *na) + within(sb, *nb));
                let score = between - MERGE_RATIO * inside;
                if score >= 0.0 && best.is_none_or(|(_, _, s)| score > s) {
                    best = Some((a, b, score));
                }
            }
        }
        let Some((a, b, _)) = best else { break };
        let (sb, nb) = std::mem::take(&mut groups[b]);
        let (sa, na) = &mut groups[a];
        sa.iter_mut().zip(&sb).for_each(|(x, y)| *x += y);
        *na += nb;
        alive[b] = false;
        owner.iter_mut().filter(|o| **o == b).for_each(|o| *o = a);
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three well-separated blobs of unit vectors (two of them "in two languages": two
    /// nearby sub-blobs) come out as three clusters.
    #[test]
    fn finds_separated_blobs_and_merges_close_pieces() {
        let dim = 16;
        let mut rng = Rng::new(7);
        let mut data = Vec::new();
        let mut truth = Vec::new();
        let centres: [(usize, usize); 4] = [(0, 0), (1, 0), (2, 1), (3, 1)];
        for (blob, (axis, label)) in centres.iter().enumerate() {
            for _ in 0..60 {
                let mut v: Vec<f32> = (0..dim).map(|_| (rng.unit() as f32 - 0.5) * 0.3).collect();
                v[axis * 2] += 1.0;
                // Pieces 0/1 and 2/3 share a second direction: one theme, two languages.
                v[dim - 1 - label] += 1.2;
                let _ = blob;
                data.extend(normalized(v));
                truth.push(*label);
            }
        }
        let c = cluster(&data, dim, &vec![0; truth.len()]);
        let clusters = c.cohesion.len();
        assert!((2..=4).contains(&clusters), "{clusters} clusters");
        // Every cluster is pure.
        for k in 0..clusters {
            let labels: Vec<usize> = (0..truth.len())
                .filter(|&i| c.assignment[i] == k)
                .map(|i| truth[i])
                .collect();
            assert!(labels.iter().all(|&l| l == labels[0]), "cluster {k} mixed");
        }
    }

    #[test]
    fn tiny_inputs_do_not_panic() {
        assert!(cluster(&[], 4, &[]).assignment.is_empty());
        let one = cluster(&[1.0, 0.0, 0.0, 0.0], 4, &[0]);
        assert_eq!(one.assignment, [0]);
        let two = cluster(&[1.0, 0.0, 0.0, 1.0], 2, &[]);
        assert_eq!(two.assignment.len(), 2);
    }
}
