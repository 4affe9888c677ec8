//! Fitting the topic calibration on labelled comments, cross-fitted (`verbatim
//! calibrate-topics`, docs/cli.md).
//!
//! In: an analyzer with the model, labelled comments, and which of them are fitted on (the
//! rest only teach). Out: a [`Calibration`] (weights and per-topic thresholds, the unseen-topic
//! fit, every comment kept as a labelled example) and the unseen fit's micro-F1.
//!
//! The labelled comments become extra prototypes (those with one topic) and probe rows.
//! Features are cross-fitted: each half is scored by a model that learnt from the other half
//! only, so no comment is ever scored by what it taught; comments never scored teach both
//! halves' models. Per comment and topic, the "unseen" features come from a model that never
//! saw a labelled comment of that topic (the topic as a user adds it, with only its taxonomy
//! examples); the weights and threshold of topics without a threshold of their own are
//! fitted on these.

use super::{Analyzer, Input};
use crate::model::Encoder;
use crate::model::calibrate::{Features, fit, fit_unseen};
use crate::model::topics::{Calibration, Labelled, TopicModel};
use crate::{Error, Result};

/// A fitted calibration and what the fit measured.
pub struct Fitted {
    pub calibration: Calibration,
    /// Micro-F1 of the unseen-topic fit (each topic left out of the labelled comments in turn).
    pub unseen_f1: f64,
    /// Comments fitted on.
    pub comments: usize,
}

/// Features of each comment: cross-fitted, and with its own topic unseen.
struct CrossFitted {
    features: Vec<Vec<Features>>,
    unseen: Vec<Vec<Features>>,
}

/// Fit the calibration on `labelled` (those with `scored(i)` fitted on, all teaching).
pub fn fit_topics(
    analyzer: &Analyzer,
    labelled: &[Labelled],
    scored: impl Fn(usize) -> bool,
) -> Result<Fitted> {
    let (Some(base), Some(encoder)) = (analyzer.topic_model(), analyzer.encoder()) else {
        return Err(Error::User("calibration needs the model".into()));
    };
    let ids: Vec<String> = base.topics().map(|t| t.id.clone()).collect();
    let fit_rows: Vec<usize> = (0..labelled.len()).filter(|&i| scored(i)).collect();
    let teach = |fold: usize| -> Vec<Labelled> {
        let taught = labelled.iter().enumerate();
        let taught = taught.filter(|(i, _)| i % 2 != fold || !scored(*i));
        taught.map(|(_, l)| l.clone()).collect()
    };
    let crossed = cross_fit(analyzer, (base, encoder), &ids, labelled, &fit_rows, teach)?;
    let labels: Vec<Vec<bool>> = fit_rows
        .iter()
        .map(|&i| {
            ids.iter()
                .map(|id| labelled[i].topics.contains(id))
                .collect()
        })
        .collect();
    let mut calibration = fit(&crossed.features, &labels, &ids);
    let (unseen, unseen_f1) = fit_unseen(&crossed.unseen, &labels);
    calibration.unseen = Some(unseen);
    calibration.labelled = labelled.to_vec();
    Ok(Fitted {
        calibration,
        unseen_f1,
        comments: fit_rows.len(),
    })
}

/// The features of the `fit_rows`, in their order, each half under a model taught by
/// `teach(fold)`; `ids` are the base model's topics, in order.
fn cross_fit(
    analyzer: &Analyzer,
    (base, encoder): (&TopicModel, &dyn Encoder),
    ids: &[String],
    labelled: &[Labelled],
    fit_rows: &[usize],
    teach: impl Fn(usize) -> Vec<Labelled>,
) -> Result<CrossFitted> {
    let mut features = vec![Vec::new(); labelled.len()];
    let mut unseen = vec![Vec::new(); labelled.len()];
    let learnt_from = |labelled: Vec<Labelled>| {
        let calibration = Calibration {
            labelled,
            ..Calibration::default()
        };
        base.rebuild(encoder, calibration)
    };
    for fold in 0..2 {
        let taught = teach(fold);
        let members: Vec<usize> = fit_rows.iter().copied().filter(|i| i % 2 == fold).collect();
        let inputs: Vec<Input> = members
            .iter()
            .map(|&i| Input::new(labelled[i].text.clone()))
            .collect();
        let batch = analyzer.encode_for_topics(&inputs)?;
        let model = learnt_from(taught.clone())?;
        for (&i, f) in members.iter().zip(batch.topic_features(&model)) {
            unseen[i] = f.clone();
            features[i] = f;
        }
        for (k, id) in ids.iter().enumerate() {
            let without = taught.iter().filter(|l| !l.topics.contains(id)).cloned();
            let model = learnt_from(without.collect())?;
            for (&i, f) in members.iter().zip(batch.topic_features(&model)) {
                unseen[i][k] = f[k];
            }
        }
    }
    let pick = |all: &[Vec<Features>]| fit_rows.iter().map(|&i| all[i].clone()).collect();
    Ok(CrossFitted {
        features: pick(&features),
        unseen: pick(&unseen),
    })
}
