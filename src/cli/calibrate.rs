//! `verbatim calibrate-topics`: fit the topic calibration on labelled comments (the gold
//! set's dev split) and write `models/topics/calibration.json`, with a second fit for topics
//! no labelled comment teaches. Reproducible: the fit is deterministic for a given model,
//! taxonomy and data.

use std::path::PathBuf;

use anyhow::{bail, Context};
use verbatim::analyze::Input;
use verbatim::eval::read_gold;

use verbatim::model::calibrate::{fit, fit_unseen};
use verbatim::model::topics::{Calibration, Labelled};

use super::ModelArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Gold-labelled JSONL with topics (docs/formats.md).
    #[arg(long)]
    pub data: PathBuf,
    /// Only records whose "split" field has this value.
    #[arg(long, default_value = "dev")]
    pub split: String,
    /// More labelled comments (gold format, every record used): they teach the model
    /// (prototypes and probe rows, cross-fitted like the rest) and, with `--fit-train`,
    /// also join the rows the calibration is fitted on.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Fit the calibration on the `--train` comments' features too, not only on `--data`'s.
    #[arg(long)]
    pub fit_train: bool,
    /// Where to write the calibration.
    #[arg(long, short, default_value = "models/topics/calibration.json")]
    pub output: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut gold = read_gold(&args.data)?;
    gold.retain(|g| g.split.as_deref() == Some(args.split.as_str()));
    if gold.is_empty() {
        bail!(
            "{}: no records in split {:?}",
            args.data.display(),
            args.split
        );
    }
    let from_data = gold.len();
    if let Some(train) = &args.train {
        gold.extend(read_gold(train)?);
    }
    // Whether record i is scored and fitted on (else it only teaches the model).
    let scored = |i: usize| i < from_data || args.fit_train;
    let fit_rows: Vec<usize> = (0..gold.len()).filter(|&i| scored(i)).collect();
    let analyzer = args.model.analyzer(0, false, false)?;
    let (Some(base), Some(encoder)) = (analyzer.topic_model(), analyzer.encoder()) else {
        bail!("calibration needs the model");
    };
    let ids: Vec<String> = base.topics().map(|t| t.id.clone()).collect();
    // The labelled comments become extra prototypes (those with one topic) and probe
    // training rows. Features are cross-fitted: each half is scored by a model that learnt
    // from the other half only, so no comment is ever scored by what it taught; comments
    // that are never scored teach both halves' models.
    let examples = |fold: Option<usize>| -> Vec<Labelled> {
        gold.iter()
            .enumerate()
            .filter(|(i, _)| fold.is_none_or(|f| i % 2 != f || !scored(*i)))
            .map(|(_, g)| Labelled {
                text: g.text.clone(),
                topics: g.topics.iter().map(|t| t.id.clone()).collect(),
            })
            .collect()
    };
    let mut features = vec![Vec::new(); gold.len()];
    // Per comment and topic, the features under a model that never saw a labelled comment
    // of that topic: the topic as a user adds it, with only its taxonomy examples. The
    // weights and threshold of topics without a threshold of their own are fitted on these.
    let mut unseen = vec![Vec::new(); gold.len()];
    for fold in 0..2 {
        let taught = examples(Some(fold));
        let members: Vec<usize> = fit_rows.iter().copied().filter(|i| i % 2 == fold).collect();
        let inputs: Vec<Input> = members
            .iter()
            .map(|&i| Input::new(gold[i].text.clone()))
            .collect();
        let batch = analyzer.encode_for_topics(&inputs)?;
        let learnt_from = |labelled: Vec<Labelled>| {
            let calibration = Calibration {
                labelled,
                ..Calibration::default()
            };
            base.rebuild(encoder, calibration)
        };
        let model = learnt_from(taught.clone())?;
        for (&i, f) in members.iter().zip(batch.topic_features(&model)) {
            unseen[i] = f.clone();
            features[i] = f;
        }
        for (k, id) in ids.iter().enumerate() {
            let without: Vec<Labelled> = taught
                .iter()
                .filter(|l| !l.topics.contains(id))
                .cloned()
                .collect();
            let model = learnt_from(without)?;
            for (&i, f) in members.iter().zip(batch.topic_features(&model)) {
                unseen[i][k] = f[k];
            }
        }
    }
    let features: Vec<_> = fit_rows.iter().map(|&i| features[i].clone()).collect();
    let labels: Vec<Vec<bool>> = fit_rows
        .iter()
        .map(|&i| &gold[i])
        .map(|g| {
            ids.iter()
                .map(|id| g.topics.iter().any(|t| &t.id == id))
                .collect()
        })
        .collect();
    let mut calibration = fit(&features, &labels, &ids);
    let unseen: Vec<_> = fit_rows.iter().map(|&i| unseen[i].clone()).collect();
    let (unseen, unseen_f1) = fit_unseen(&unseen, &labels);
    let unseen_threshold = unseen.threshold;
    // The fallback share is chosen on a user's own taxonomy (corpora/custom/telecom), not by
    // this fit: keep the one of the file being replaced (the default if it is unreadable).
    let unseen = verbatim::model::calibrate::Unseen {
        fallback: Calibration::load_or_default(&args.output)
            .unwrap_or_default()
            .unseen_fallback(),
        ..unseen
    };
    calibration.unseen = Some(unseen);
    calibration.labelled = examples(None);
    calibration.metrics = serde_json::json!({
        "fitted_on": args.data.display().to_string(),
        "split": args.split,
        "train": args.train.as_ref().map(|p| p.display().to_string()),
        "comments": fit_rows.len(),
        "labelled": calibration.labelled.len(),
        "micro_f1_unseen_topics": (unseen_f1 * 1000.0).round() / 1000.0,
    });
    if let Some(dir) = args.output.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(
        &args.output,
        serde_json::to_string_pretty(&calibration)? + "\n",
    )
    .with_context(|| format!("cannot write {}", args.output.display()))?;
    tracing::info!(
        "{} comments, {} topic thresholds, threshold {:.2} for topics \
         without one (each topic left out of the labelled comments in turn: micro-F1 {:.3}) \
         -> {}",
        fit_rows.len(),
        calibration.thresholds.len(),
        unseen_threshold,
        unseen_f1,
        args.output.display()
    );
    Ok(())
}
