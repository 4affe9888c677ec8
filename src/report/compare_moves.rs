//! Rising and falling topics and keywords between two groups of comments, each with one
//! example comment (never the same comment twice in a report).
//!
//! In: each side's rows (keywords read) and the numbers of its rows. Out: [`Moved`] rows.
//! Each topic, and each keyword, mentioned by at least `min_support` comments on the two
//! sides together is tested with the two-proportion z-test on the share of the side's
//! comments that mention it; q-values are Benjamini–Hochberg within topics and within
//! keywords. Rising: q < 0.05 and a larger share in A (the focus side); falling: q < 0.05
//! and a larger share in B. A rising item's example comes from A, a falling one's from B:
//! the candidate with the lowest sentiment score not already shown.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::bh;
use super::pain_points::{Example, load_example};
use super::rows::Rows;
use super::stats::two_proportion_z;
use super::{ItemKind, round};
use crate::Result;
use crate::index::CommentIndex;

/// The candidates kept per listed item while looking for an unused example.
const CANDIDATES: usize = 16;

/// A topic or keyword whose share moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Moved {
    pub kind: ItemKind,
    pub id: String,
    /// Comments mentioning it in A and in B.
    pub n_a: u64,
    pub n_b: u64,
    /// Their share of the side's comments.
    pub share_a: f64,
    pub share_b: f64,
    /// Two-proportion z (positive: larger in A), two-sided p and BH q.
    pub z: f64,
    pub p: f64,
    pub q: f64,
    /// A comment mentioning it (from A when rising, from B when falling).
    pub example: Option<Example>,
}

/// One side: its rows and which of them.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub rows: &'a Rows,
    pub subset: &'a [usize],
}

/// The items of one kind that row `i` mentions (ids).
fn mentioned(kind: ItemKind, rows: &Rows, i: usize) -> Box<dyn Iterator<Item = u32> + '_> {
    match kind {
        ItemKind::Topic => Box::new(rows.topics_of(i).map(|(t, _)| t)),
        ItemKind::Keyword => Box::new(rows.keywords_of(i).iter().copied()),
    }
}

/// The name of item `id`.
fn name(kind: ItemKind, rows: &Rows, id: u32) -> &str {
    match kind {
        ItemKind::Topic => &rows.topics.names[id as usize],
        ItemKind::Keyword => &rows.keyword_names.names[id as usize],
    }
}

/// Comments mentioning each item on one side, by name.
fn counts(side: Side, kind: ItemKind) -> HashMap<String, u64> {
    let mut by_id: HashMap<u32, u64> = HashMap::new();
    for &i in side.subset {
        for id in mentioned(kind, side.rows, i) {
            *by_id.entry(id).or_default() += 1;
        }
    }
    by_id
        .into_iter()
        .map(|(id, n)| (name(kind, side.rows, id).to_string(), n))
        .collect()
}

/// The items of one kind whose share moved significantly: (rising, falling), without examples.
fn tested(a: Side, b: Side, kind: ItemKind, min_support: usize) -> (Vec<Moved>, Vec<Moved>) {
    let (ca, cb) = (counts(a, kind), counts(b, kind));
    let (na, nb) = (a.subset.len() as f64, b.subset.len() as f64);
    let mut names: Vec<&String> = ca.keys().chain(cb.keys()).collect();
    names.sort();
    names.dedup();
    let mut rows: Vec<Moved> = names
        .into_iter()
        .filter_map(|id| {
            let (xa, xb) = (
                ca.get(id).copied().unwrap_or(0),
                cb.get(id).copied().unwrap_or(0),
            );
            if ((xa + xb) as usize) < min_support {
                return None;
            }
            let z = two_proportion_z(xa as f64, na, xb as f64, nb);
            Some(Moved {
                kind,
                id: id.clone(),
                n_a: xa,
                n_b: xb,
                share_a: round(xa as f64 / na.max(1.0), 4),
                share_b: round(xb as f64 / nb.max(1.0), 4),
                z: round(z, 3),
                p: bh::two_sided_p(z),
                q: 1.0,
                example: None,
            })
        })
        .collect();
    let q = bh::q_values(&rows.iter().map(|m| m.p).collect::<Vec<_>>());
    rows.iter_mut().zip(q).for_each(|(m, q)| m.q = q);
    rows.retain(|m| m.q < bh::ALPHA && m.z != 0.0);
    let (mut rising, mut falling): (Vec<Moved>, Vec<Moved>) =
        rows.into_iter().partition(|m| m.z > 0.0);
    rising.sort_by(|x, y| y.z.total_cmp(&x.z).then_with(|| x.id.cmp(&y.id)));
    falling.sort_by(|x, y| x.z.total_cmp(&y.z).then_with(|| x.id.cmp(&y.id)));
    (rising, falling)
}

/// Rising and falling topics, then keywords, at most `limit` of each kind and direction,
/// each with an example.
pub fn moves(
    index: &CommentIndex,
    searcher: &Searcher,
    a: Side,
    b: Side,
    min_support: usize,
    limit: usize,
) -> Result<(Vec<Moved>, Vec<Moved>)> {
    let mut used = HashSet::new();
    let (mut rising, mut falling) = (Vec::new(), Vec::new());
    for kind in [ItemKind::Topic, ItemKind::Keyword] {
        let (mut up, mut down) = tested(a, b, kind, min_support);
        up.truncate(limit);
        down.truncate(limit);
        add_examples(index, searcher, a, kind, &mut up, &mut used)?;
        add_examples(index, searcher, b, kind, &mut down, &mut used)?;
        rising.extend(up);
        falling.extend(down);
    }
    Ok((rising, falling))
}

/// Give each of `items` the most negative comment of `side` mentioning it not yet used.
fn add_examples(
    index: &CommentIndex,
    searcher: &Searcher,
    side: Side,
    kind: ItemKind,
    items: &mut [Moved],
    used: &mut HashSet<String>,
) -> Result<()> {
    let wanted: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(k, m)| (m.id.as_str(), k))
        .collect();
    // Per item, the CANDIDATES rows with the lowest sentiment score.
    let mut candidates: Vec<Vec<(f32, usize)>> = vec![Vec::new(); items.len()];
    for &i in side.subset {
        let score = side.rows.score[i];
        let score = if score.is_nan() { f32::INFINITY } else { score };
        for id in mentioned(kind, side.rows, i) {
            let Some(&k) = wanted.get(name(kind, side.rows, id)) else {
                continue;
            };
            let c = &mut candidates[k];
            c.push((score, i));
            if c.len() > 2 * CANDIDATES {
                c.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                c.truncate(CANDIDATES);
            }
        }
    }
    for (item, mut c) in items.iter_mut().zip(candidates) {
        c.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        c.truncate(CANDIDATES);
        for (_, i) in c {
            let example = load_example(index, searcher, side.rows, i)?;
            if used.insert(example.id.clone()) {
                item.example = Some(example);
                break;
            }
        }
    }
    Ok(())
}
