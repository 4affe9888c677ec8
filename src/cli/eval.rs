//! `verbatim eval --data F.jsonl`: quality against gold labels (docs/cli.md shape with --format json).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use verbatim::analyze::{Input, Label};
use verbatim::eval::{EvalReport, evaluate, read_gold};

use super::{Format, ModelArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Gold-labelled JSONL (docs/formats.md): {"id", "text", "lang", "sentiment", "topics", ...}.
    #[arg(long)]
    pub data: PathBuf,
    /// Only records whose "split" field has this value (e.g. test).
    #[arg(long)]
    pub split: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, env = "VERBATIM_FORMAT")]
    pub format: Format,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut gold = read_gold(&args.data)?;
    if let Some(split) = &args.split {
        gold.retain(|g| g.split.as_deref() == Some(split.as_str()));
    }
    if gold.is_empty() {
        bail!("{}: no gold records to evaluate", args.data.display());
    }
    let analyzer = args.model.analyzer(5, false, false)?;
    let inputs: Vec<Input> = gold
        .iter()
        .map(|g| Input {
            id: g.id.clone(),
            text: g.text.clone(),
        })
        .collect();
    let analyses = analyzer
        .analyze(&inputs)
        .with_context(|| format!("analysing {}", args.data.display()))?;
    let ids: Option<Vec<String>> = analyzer
        .topic_model()
        .map(|m| m.topics().map(|t| t.id.clone()).collect());
    let report = evaluate(&gold, &analyses, ids.as_deref())?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Table => write_table(&mut out, &report)?,
    }
    Ok(())
}

fn write_table(w: &mut impl Write, r: &EvalReport) -> std::io::Result<()> {
    let s = &r.sentiment;
    writeln!(
        w,
        "sentiment: n={} accuracy={:.3} macro-F1={:.3}",
        s.n, s.accuracy, s.macro_f1
    )?;
    if let Some(b) = s.binary_accuracy {
        writeln!(w, "binary accuracy (non-neutral gold, neg vs pos): {b:.3}")?;
    }
    writeln!(
        w,
        "\n{:<10} {:>9} {:>7} {:>7} {:>8}",
        "class", "precision", "recall", "f1", "support"
    )?;
    for (name, c) in &s.per_class {
        writeln!(
            w,
            "{name:<10} {:>9.3} {:>7.3} {:>7.3} {:>8}",
            c.precision, c.recall, c.f1, c.support
        )?;
    }
    writeln!(w, "\nconfusion (rows gold, columns predicted): neg neu pos")?;
    for (label, row) in Label::ALL.iter().zip(s.confusion) {
        writeln!(
            w,
            "{:<10} {:>5} {:>5} {:>5}",
            label.as_str(),
            row[0],
            row[1],
            row[2]
        )?;
    }
    writeln!(
        w,
        "\n{:<8} {:>5} {:>9} {:>9}",
        "lang", "n", "accuracy", "macro-F1"
    )?;
    for (lang, g) in &s.by_lang {
        writeln!(
            w,
            "{lang:<8} {:>5} {:>9.3} {:>9.3}",
            g.n, g.accuracy, g.macro_f1
        )?;
    }
    if let Some(t) = &r.topics {
        writeln!(
            w,
            "\ntopics: micro-F1={:.3} (P {:.3} R {:.3}) macro-F1={:.3}",
            t.micro_f1, t.micro_precision, t.micro_recall, t.macro_f1
        )?;
        writeln!(
            w,
            "{:<18} {:>9} {:>7} {:>7} {:>8}",
            "topic", "precision", "recall", "f1", "support"
        )?;
        for (id, c) in &t.per_topic {
            writeln!(
                w,
                "{id:<18} {:>9.3} {:>7.3} {:>7.3} {:>8}",
                c.precision, c.recall, c.f1, c.support
            )?;
        }
    }
    if let Some(a) = &r.aspects {
        writeln!(
            w,
            "\naspect sentiment accuracy (topics found correctly): {:.3} (n={})",
            a.accuracy, a.n
        )?;
    }
    Ok(())
}
