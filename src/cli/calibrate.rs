//! `verbatim calibrate-topics`: fit the topic calibration on labelled comments (the gold
//! set's dev split) and write `models/topics/calibration.json`, with a second fit for topics
//! no labelled comment teaches. Reproducible: the fit is deterministic for a given model,
//! taxonomy and data.

use std::path::PathBuf;

use anyhow::{Context, bail};
use verbatim::analyze::crossfit::fit_topics;
use verbatim::eval::read_gold;
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
    let labelled: Vec<Labelled> = gold
        .iter()
        .map(|g| Labelled {
            text: g.text.clone(),
            topics: g.topics.iter().map(|t| t.id.clone()).collect(),
        })
        .collect();
    let analyzer = args.model.analyzer(0, false, false)?;
    // Record i is fitted on when it comes from --data (or with --fit-train); else it only
    // teaches the model.
    let fitted = fit_topics(&analyzer, &labelled, |i| i < from_data || args.fit_train)?;
    let mut calibration = fitted.calibration;
    // The fallback share and the unseen topics' threshold are chosen on a user's own
    // taxonomy (corpora/custom/telecom's dev split), not by this fit: keep those of the file
    // being replaced (the fitted threshold and the default share when there is none). The
    // left-out fit's F1 is flat near its optimum (0.30-0.40), and it is a user's topics that
    // the threshold serves.
    let replaced = Calibration::load_or_default(&args.output).unwrap_or_default();
    let unseen_threshold = calibration.unseen.as_ref().map_or(0.0, |u| u.threshold);
    if let Some(unseen) = calibration.unseen.as_mut() {
        unseen.fallback = replaced.unseen_fallback();
        if let Some(kept) = &replaced.unseen {
            unseen.threshold = kept.threshold;
        }
    }
    calibration.metrics = serde_json::json!({
        "fitted_on": args.data.display().to_string(),
        "split": args.split,
        "train": args.train.as_ref().map(|p| p.display().to_string()),
        "comments": fitted.comments,
        "labelled": calibration.labelled.len(),
        "micro_f1_unseen_topics": (fitted.unseen_f1 * 1000.0).round() / 1000.0,
        "unseen_threshold_fitted": (f64::from(unseen_threshold) * 100.0).round() / 100.0,
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
         without one (fitted {:.2}, each topic left out of the labelled comments in turn: \
         micro-F1 {:.3}) -> {}",
        fitted.comments,
        calibration.thresholds.len(),
        calibration.unseen_threshold(),
        unseen_threshold,
        fitted.unseen_f1,
        args.output.display()
    );
    Ok(())
}
