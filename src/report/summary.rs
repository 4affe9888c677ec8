//! Summary: counts, NPS (promoters 9–10, passives 7–8, detractors 0–6), CSAT (share of 4–5
//! on 1–5), sentiment and topic distributions, for all matching comments and broken down by
//! channel, language and the [`MAX_ATTR_KEYS`] attribute keys most frequent among the
//! matching comments (ties by name).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::attrs;
use super::rows::{NO_NAME, NONE, Names, Need, Rows};
use super::{ReportRequest, Table, cell, round};
use crate::Result;
use crate::analysis::Label;
use crate::index::CommentIndex;

/// The most values listed per breakdown (the most frequent).
const MAX_VALUES: usize = 50;
/// The most attribute keys broken down: the most frequent among the matching comments.
pub const MAX_ATTR_KEYS: usize = 20;

/// The summary report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SummaryReport {
    #[serde(flatten)]
    pub all: Group,
    /// Per topic: mentions and their own sentiment.
    pub topics: BTreeMap<String, TopicCount>,
    /// `channel`, `lang` and `attrs.<key>`: per value, the same figures as the whole.
    pub by: BTreeMap<String, BTreeMap<String, Group>>,
    /// The analysis versions (model and taxonomy) of the comments covered, most first
    /// (`unknown`: stored before versions were recorded; `verbatim reanalyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis_versions: Vec<crate::index::reanalyze::VersionCount>,
}

/// The figures of a group of comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    pub n: u64,
    /// Counts per sentiment label.
    pub sentiment: BTreeMap<String, u64>,
    pub mean_score: Option<f64>,
    pub nps: Option<Nps>,
    pub csat: Option<Csat>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Nps {
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// % promoters − % detractors.
    pub nps: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Csat {
    pub n: u64,
    pub mean: f64,
    /// Share of 4 and 5.
    pub csat: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopicCount {
    pub n: u64,
    /// Share of the comments that mention it.
    pub share: f64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
}

/// Running counts of a group of comments, turned into a [`Group`] (shared with trends).
#[derive(Default, Clone)]
pub(super) struct Tally {
    pub(super) n: u64,
    labels: [u64; 3],
    score: (f64, u64),
    nps: [u64; 3],
    nps_sum: f64,
    csat: [u64; 2],
    csat_sum: f64,
}

impl Tally {
    pub(super) fn add(&mut self, rows: &Rows, i: usize) {
        self.n += 1;
        if let Some(label) = rows.sentiment[i] {
            self.labels[label.index()] += 1;
        }
        if !rows.score[i].is_nan() {
            self.score.0 += f64::from(rows.score[i]);
            self.score.1 += 1;
        }
        if rows.nps[i] != NONE {
            let v = rows.nps[i];
            self.nps[match v {
                9..=10 => 0,
                7..=8 => 1,
                _ => 2,
            }] += 1;
            self.nps_sum += f64::from(v);
        }
        if rows.csat[i] != NONE {
            self.csat[0] += 1;
            self.csat[1] += u64::from(rows.csat[i] >= 4);
            self.csat_sum += f64::from(rows.csat[i]);
        }
    }

    pub(super) fn group(&self) -> Group {
        let nps_n: u64 = self.nps.iter().sum();
        Group {
            n: self.n,
            sentiment: Label::ALL
                .iter()
                .zip(self.labels)
                .map(|(l, x)| (l.as_str().to_string(), x))
                .collect(),
            mean_score: (self.score.1 > 0).then(|| round(self.score.0 / self.score.1 as f64, 4)),
            nps: (nps_n > 0).then(|| Nps {
                n: nps_n,
                promoters: self.nps[0],
                passives: self.nps[1],
                detractors: self.nps[2],
                nps: round(
                    100.0 * (self.nps[0] as f64 - self.nps[2] as f64) / nps_n as f64,
                    2,
                ),
                mean: round(self.nps_sum / nps_n as f64, 3),
            }),
            csat: (self.csat[0] > 0).then(|| Csat {
                n: self.csat[0],
                mean: round(self.csat_sum / self.csat[0] as f64, 3),
                csat: round(self.csat[1] as f64 / self.csat[0] as f64, 4),
            }),
        }
    }
}

/// The summary of the matching comments.
pub fn summary(index: &CommentIndex, request: &ReportRequest) -> Result<SummaryReport> {
    let searcher = index.reader().searcher();
    let mut rows = request.rows_in(index, &searcher, &Need::default())?;
    let keys = attrs::frequent_keys(&searcher, index.fields().attrs, &rows, MAX_ATTR_KEYS)?;
    attrs::read_values(&searcher, &mut rows, &keys)?;
    let mut all = Tally::default();
    let mut topics: BTreeMap<String, TopicCount> = BTreeMap::new();
    let mut by_lang = vec![Tally::default(); rows.langs.len()];
    let mut by_channel = vec![Tally::default(); rows.channels.len()];
    let mut by_attr: Vec<Vec<Tally>> = rows
        .attr_values
        .iter()
        .map(|v| vec![Tally::default(); v.len()])
        .collect();
    let mut topic_acc: Vec<TopicCount> = vec![TopicCount::default(); rows.topics.len()];
    for i in 0..rows.len() {
        all.add(&rows, i);
        if rows.lang[i] != NO_NAME {
            by_lang[rows.lang[i] as usize].add(&rows, i);
        }
        if rows.channel[i] != NO_NAME {
            by_channel[rows.channel[i] as usize].add(&rows, i);
        }
        for (k, column) in rows.attr.iter().enumerate() {
            if column[i] != NO_NAME {
                by_attr[k][column[i] as usize].add(&rows, i);
            }
        }
        // One count per topic and comment, with its most negative label.
        for (t, label) in rows.topics_of(i) {
            let c = &mut topic_acc[t as usize];
            c.n += 1;
            match label {
                Label::Negative => c.negative += 1,
                Label::Neutral => c.neutral += 1,
                Label::Positive => c.positive += 1,
            }
        }
    }
    for (t, mut c) in topic_acc.into_iter().enumerate() {
        if c.n > 0 {
            c.share = round(c.n as f64 / rows.len().max(1) as f64, 4);
            topics.insert(rows.topics.names[t].clone(), c);
        }
    }
    let mut by = BTreeMap::new();
    by.insert("lang".to_string(), breakdown(&rows.langs, &by_lang));
    by.insert(
        "channel".to_string(),
        breakdown(&rows.channels, &by_channel),
    );
    for (k, key) in keys.iter().enumerate() {
        if let (Some(names), Some(accs)) = (rows.attr_values.get(k), by_attr.get(k)) {
            by.insert(format!("attrs.{key}"), breakdown(names, accs));
        }
    }
    Ok(SummaryReport {
        all: all.group(),
        topics,
        by,
        analysis_versions: rows.analysis_versions(),
    })
}

/// The most frequent values of one breakdown.
fn breakdown(names: &Names, accs: &[Tally]) -> BTreeMap<String, Group> {
    let mut order: Vec<usize> = (0..accs.len()).filter(|&k| accs[k].n > 0).collect();
    order.sort_by(|&a, &b| accs[b].n.cmp(&accs[a].n).then(a.cmp(&b)));
    order.truncate(MAX_VALUES);
    order
        .into_iter()
        .map(|k| (names.names[k].clone(), accs[k].group()))
        .collect()
}

impl SummaryReport {
    /// One row for all comments, then one per breakdown value.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "group",
            "value",
            "n",
            "negative",
            "neutral",
            "positive",
            "mean_score",
            "nps",
            "csat",
        ]);
        let mut row = |group: &str, value: &str, g: &Group| {
            let share = |l: &str| {
                let x = g.sentiment.get(l).copied().unwrap_or(0);
                cell((g.n > 0).then(|| x as f64 / g.n as f64), 3)
            };
            t.rows.push(vec![
                group.into(),
                value.into(),
                g.n.to_string(),
                share("negative"),
                share("neutral"),
                share("positive"),
                cell(g.mean_score, 3),
                cell(g.nps.as_ref().map(|n| n.nps), 1),
                cell(g.csat.as_ref().map(|c| c.csat), 3),
            ]);
        };
        row("all", "", &self.all);
        for (group, values) in &self.by {
            for (value, g) in values {
                row(group, value, g);
            }
        }
        t
    }
}
