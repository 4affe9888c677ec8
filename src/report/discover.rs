//! Discover: the themes the taxonomy misses, as clusters ready to become topics.
//!
//! In: the index, the analyzer (its encoder and topic model) and a [`DiscoverRequest`] (the
//! search's query and filters, the fewest comments a cluster needs, the sample size, the
//! topic confidence below which a comment counts as uncategorised). Out: a
//! [`DiscoverReport`]: per cluster its distinctive terms (zh and en, folded), medoid quotes
//! (never two alike), size (sampled and estimated over all matches), sentiment, driver-style
//! impact on NPS or CSAT, the nearest existing topic ("probably <topic>" when close) and a
//! `[[topic]]` block for the taxonomy file. The work: [`discover_sample`] draws and embeds
//! the candidates, [`discover_cluster`] clusters them, [`discover_label`] names them.
//!
//! [`discover_sample`]: super::discover_sample
//! [`discover_cluster`]: super::discover_cluster
//! [`discover_label`]: super::discover_label

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::discover_cluster::{Clustering, cluster};
use super::discover_label::{Term, proposed_id, terms, topic_block};
use super::discover_sample::{Sample, draw};
use super::pain_points::Example;
use super::rows::{NONE, Need, Rows};
use super::stats::{Moments, welch};
use super::{ScoreKind, Table, cell, nps_points, round};
use crate::analysis::Label;
use crate::analyze::Analyzer;
use crate::index::CommentIndex;
use crate::index::search::Filters;
use crate::model::encoder::dot;
use crate::model::topics::TopicModel;
use crate::{Error, Result};

/// The largest `sample`.
pub const MAX_SAMPLE: usize = 50_000;
/// The most clusters listed.
pub const MAX_CLUSTERS: usize = 200;
/// Quotes per cluster (medoids first).
pub const EXAMPLES: usize = 5;
/// Member ids listed per cluster (for drill-down).
pub const MAX_IDS: usize = 1_000;
/// Cosine between a cluster's mean vector and a topic's nearest prototype, both centred on
/// the sample's mean vector, from which the cluster is "probably" that topic.
pub const PROBABLY_SIM: f32 = 0.55;
/// Share of a cluster's comments whose best (low-confidence) topic is the same topic from
/// which the cluster is "probably" that topic.
pub const PROBABLY_VOTE: f64 = 0.5;

/// What discover covers and how. Every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscoverRequest {
    /// A full-text query, as in search (blank: every comment).
    pub q: String,
    #[serde(flatten)]
    #[param(ignore)]
    pub filters: Filters,
    /// The score impact is measured on: `nps` or `csat`.
    pub score: ScoreKind,
    /// The fewest sampled comments a cluster needs to be listed (2 to 50,000; above
    /// `sample`, none can be).
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub min_size: usize,
    /// The most clusters listed (1 to 200).
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub limit: usize,
    /// The most uncategorised comments embedded and clustered (100 to 50,000).
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub sample: usize,
    /// A comment whose best topic confidence is below this also counts as uncategorised
    /// (0: only comments with no topic; at most 1).
    #[serde(deserialize_with = "crate::index::search::lenient::opt_f64")]
    pub max_confidence: Option<f64>,
}

impl Default for DiscoverRequest {
    fn default() -> Self {
        DiscoverRequest {
            q: String::new(),
            filters: Filters::default(),
            score: ScoreKind::Nps,
            min_size: 10,
            limit: 20,
            sample: 8_000,
            max_confidence: Some(0.5),
        }
    }
}

impl DiscoverRequest {
    fn check(&self) -> Result<()> {
        let bad = |field: &str, v: String, range: &str| {
            Err(Error::User(format!(
                "`{field}`: {v} is not between {range}"
            )))
        };
        if !(100..=MAX_SAMPLE).contains(&self.sample) {
            return bad("sample", self.sample.to_string(), "100 and 50000");
        }
        // A `min_size` above `sample` is allowed (no cluster can reach it: none is listed),
        // so that each parameter's range stands alone, as the OpenAPI document says.
        if !(2..=MAX_SAMPLE).contains(&self.min_size) {
            return bad("min_size", self.min_size.to_string(), "2 and 50000");
        }
        if !(1..=MAX_CLUSTERS).contains(&self.limit) {
            return bad("limit", self.limit.to_string(), "1 and 200");
        }
        match self.max_confidence {
            Some(c) if !(0.0..=1.0).contains(&c) => bad("max_confidence", c.to_string(), "0 and 1"),
            _ => Ok(()),
        }
    }
}

/// The discover report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DiscoverReport {
    /// Comments matching the query and filters.
    pub n: u64,
    /// Uncategorised comments among them (estimated from the walk when sampled).
    pub candidates: u64,
    /// Candidates embedded and clustered.
    pub sampled: u64,
    /// Sampled candidates in a listed cluster.
    pub clustered: u64,
    pub clusters: Vec<Cluster>,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// One discovered theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cluster {
    /// The proposed topic id.
    pub id: String,
    /// Distinctive terms, most distinctive first.
    pub terms: Vec<Term>,
    /// Sampled comments in it.
    pub size: u64,
    /// Its size over all matching comments (size × candidates / sampled).
    pub estimated: u64,
    /// Average pairwise similarity of its members (centred vectors; higher is tighter).
    pub cohesion: f64,
    /// Mean sentiment score in [−1, 1] (null when none is scored).
    pub sentiment: Option<f64>,
    /// Share of its comments that are negative.
    pub negative_share: f64,
    /// Driver-style impact on the request's score (null when too few are scored).
    pub impact: Option<Impact>,
    /// The existing topic nearest to it and the similarity.
    pub nearest: Option<Nearest>,
    /// Set when it is close to an existing topic: "probably <topic>: consider more examples".
    pub probably: Option<String>,
    /// Representative comments: medoids first, no two alike.
    pub examples: Vec<Example>,
    /// Ids of its sampled comments (at most 1,000).
    pub ids: Vec<String>,
    /// A `[[topic]]` block to paste into the taxonomy file.
    pub toml: String,
}

/// Impact as in the drivers report: leave the cluster out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Impact {
    pub mean_with: f64,
    pub mean_without: f64,
    /// share × (mean_with − mean_without), share = estimated / scored comments.
    pub impact: f64,
    /// The same in NPS points (for `score=nps`).
    pub nps_impact: Option<f64>,
    /// Welch's two-sided p-value of mean_with − mean_without.
    pub p: f64,
}

/// An existing topic and the cosine of the cluster to its nearest prototype.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Nearest {
    pub topic: String,
    pub similarity: f64,
}

/// Discover the themes of the uncategorised comments matching the request.
pub fn discover(
    index: &CommentIndex,
    analyzer: &Analyzer,
    request: &DiscoverRequest,
) -> Result<DiscoverReport> {
    request.check()?;
    let (Some(encoder), Some(topics)) = (analyzer.encoder(), analyzer.topic_model()) else {
        return Err(Error::User(
            "discover needs the model (not --no-model)".into(),
        ));
    };
    let searcher = index.reader().searcher();
    let query = index.query(&request.q, &request.filters)?;
    let rows = Rows::load_in(
        &searcher,
        &*query,
        &Need {
            keywords: true,
            ..Need::default()
        },
    )?;
    let max_confidence = request.max_confidence.unwrap_or(0.0) as f32;
    let sample = draw(
        index,
        &searcher,
        &rows,
        encoder,
        request.sample,
        max_confidence,
    )?;
    let langs: Vec<u32> = sample.rows.iter().map(|&i| rows.lang[i]).collect();
    let clustering = cluster(&sample.vectors.data, sample.vectors.dim, &langs);
    let k = clustering.cohesion.len();
    let labels = terms(&rows, &sample.rows, &clustering.assignment, k);
    let (members, order) = largest(&clustering.assignment, k, request);
    let scale = sample.estimated / sample.rows.len().max(1) as f64;
    let mut taken: HashSet<String> = topics.topics().map(|t| t.id.clone()).collect();
    let mut clusters = Vec::with_capacity(order.len());
    for (rank, &c) in order.iter().enumerate() {
        let mine = &members[c];
        let examples = medoids(&clustering, c, mine, &sample);
        let id = proposed_id(&labels[c], rank + 1, &mut taken);
        let quotes: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
        let nearest = nearest_topic(topics, &sample, &clustering.mean, mine);
        let rows_of: Vec<usize> = mine.iter().map(|&j| sample.rows[j]).collect();
        let (sentiment, negative_share) = sentiment_of(&rows, &rows_of);
        clusters.push(Cluster {
            toml: topic_block(&id, &labels[c], &quotes),
            id,
            terms: labels[c].clone(),
            size: mine.len() as u64,
            estimated: (mine.len() as f64 * scale).round() as u64,
            cohesion: round(f64::from(clustering.cohesion[c]), 3),
            sentiment,
            negative_share,
            impact: impact(&rows, &rows_of, request.score, scale),
            probably: probably(&sample, mine, nearest.as_ref())
                .map(|t| format!("probably {t}: consider more examples")),
            nearest,
            examples,
            ids: mine
                .iter()
                .take(MAX_IDS)
                .map(|&j| sample.ids[j].clone())
                .collect(),
        });
    }
    Ok(DiscoverReport {
        n: rows.len() as u64,
        candidates: sample.estimated.round() as u64,
        sampled: sample.rows.len() as u64,
        clustered: clusters.iter().map(|c| c.size).sum(),
        clusters,
        analysis_versions: rows.analysis_versions(),
    })
}

/// Each cluster's members (sample positions), and the clusters reported: at least
/// `min_size` members, largest first, at most `limit`.
fn largest(
    assignment: &[usize],
    k: usize,
    request: &DiscoverRequest,
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (j, &c) in assignment.iter().enumerate() {
        members[c].push(j);
    }
    let mut order: Vec<usize> = (0..k)
        .filter(|&c| members[c].len() >= request.min_size)
        .collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    order.truncate(request.limit);
    (members, order)
}

/// The members nearest the cluster's centroid, skipping texts already shown.
fn medoids(clustering: &Clustering, c: usize, mine: &[usize], sample: &Sample) -> Vec<Example> {
    let dim = sample.vectors.dim;
    let centroid = &clustering.centroids[c];
    let mut by_closeness: Vec<(f32, usize)> = mine
        .iter()
        .map(|&j| {
            (
                dot(&clustering.centred[j * dim..(j + 1) * dim], centroid),
                j,
            )
        })
        .collect();
    by_closeness.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (_, j) in by_closeness {
        let key = crate::text::normalize(&sample.texts[j]).text.to_lowercase();
        if seen.insert(key) {
            out.push(Example {
                id: sample.ids[j].clone(),
                text: sample.texts[j].clone(),
            });
            if out.len() == EXAMPLES {
                break;
            }
        }
    }
    out
}

/// The topic whose nearest prototype is most similar to the members' mean vector, both
/// centred on the mean of all sampled vectors (`centre`).
fn nearest_topic(
    topics: &TopicModel,
    sample: &Sample,
    centre: &[f32],
    mine: &[usize],
) -> Option<Nearest> {
    let dim = sample.vectors.dim;
    let unit = |mut v: Vec<f32>| {
        v.iter_mut().zip(centre).for_each(|(x, c)| *x -= c);
        let norm = dot(&v, &v).sqrt().max(1e-12);
        v.iter_mut().for_each(|x| *x /= norm);
        v
    };
    let mut mean = vec![0f32; dim];
    for &j in mine {
        mean.iter_mut()
            .zip(sample.vectors.row(j))
            .for_each(|(m, x)| *m += x / mine.len() as f32);
    }
    let mean = unit(mean);
    let mut best: Option<Nearest> = None;
    for (k, topic) in topics.topics().enumerate() {
        let sim = topics
            .prototypes(k)
            .chunks_exact(dim)
            .map(|p| dot(&mean, &unit(p.to_vec())))
            .fold(f32::NEG_INFINITY, f32::max);
        if best.as_ref().is_none_or(|b| f64::from(sim) > b.similarity) {
            best = Some(Nearest {
                topic: topic.id.clone(),
                similarity: f64::from(sim),
            });
        }
    }
    best.map(|b| Nearest {
        similarity: round(b.similarity, 3),
        ..b
    })
}

/// The existing topic a cluster probably is: the one most of its members were given with
/// low confidence, else the nearest one when close enough.
fn probably(sample: &Sample, mine: &[usize], nearest: Option<&Nearest>) -> Option<String> {
    let mut votes: std::collections::HashMap<&str, usize> = Default::default();
    for &j in mine {
        if let Some(t) = &sample.topics[j] {
            *votes.entry(t.as_str()).or_default() += 1;
        }
    }
    let top = votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)));
    match top {
        Some((t, n)) if n as f64 >= PROBABLY_VOTE * mine.len() as f64 => Some(t.to_string()),
        _ => nearest
            .filter(|n| n.similarity >= f64::from(PROBABLY_SIM))
            .map(|n| n.topic.clone()),
    }
}

/// Mean sentiment score and negative share of the rows.
fn sentiment_of(rows: &Rows, mine: &[usize]) -> (Option<f64>, f64) {
    let mut m = Moments::default();
    let mut negative = 0;
    for &i in mine {
        if !rows.score[i].is_nan() {
            m.add(f64::from(rows.score[i]));
        }
        negative += usize::from(rows.sentiment[i] == Some(Label::Negative));
    }
    let share = negative as f64 / mine.len().max(1) as f64;
    (m.mean().map(|v| round(v, 3)), round(share, 3))
}

/// Leave-the-cluster-out impact; each sampled member stands for `scale` comments.
fn impact(rows: &Rows, mine: &[usize], score: ScoreKind, scale: f64) -> Option<Impact> {
    let value = |i: usize| {
        let v = match score {
            ScoreKind::Nps => rows.nps[i],
            ScoreKind::Csat => rows.csat[i],
        };
        (v != NONE).then_some(v)
    };
    let (mut all, mut all_points) = (Moments::default(), Moments::default());
    for v in (0..rows.len()).filter_map(value) {
        all.add(f64::from(v));
        all_points.add(nps_points(v));
    }
    let (mut with, mut with_points) = (Moments::default(), Moments::default());
    for v in mine.iter().filter_map(|&i| value(i)) {
        with.add(f64::from(v));
        with_points.add(nps_points(v));
    }
    let w = welch(&with, &all.minus(&with))?;
    let share = (with.n * scale / all.n).min(1.0);
    let nps = (score == ScoreKind::Nps)
        .then(|| welch(&with_points, &all_points.minus(&with_points)))
        .flatten();
    Some(Impact {
        mean_with: round(with.mean()?, 3),
        mean_without: round(all.minus(&with).mean()?, 3),
        impact: round(share * w.diff, 4),
        nps_impact: nps.map(|p| round(share * p.diff, 3)),
        p: w.p,
    })
}

impl DiscoverReport {
    /// One row per cluster.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "id",
            "size",
            "estimated",
            "cohesion",
            "terms",
            "sentiment",
            "nps_impact",
            "probably",
            "example",
        ]);
        for c in &self.clusters {
            let terms: Vec<&str> = c.terms.iter().map(|t| t.term.as_str()).collect();
            t.rows.push(vec![
                c.id.clone(),
                c.size.to_string(),
                c.estimated.to_string(),
                cell(Some(c.cohesion), 2),
                terms.join(" "),
                cell(c.sentiment, 2),
                cell(c.impact.as_ref().and_then(|i| i.nps_impact), 2),
                c.probably.clone().unwrap_or_default(),
                c.examples
                    .first()
                    .map(|e| e.text.clone())
                    .unwrap_or_default(),
            ]);
        }
        t
    }
}
