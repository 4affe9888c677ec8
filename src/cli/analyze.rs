//! `verbatim analyze [TEXT]...`: analyse texts given as arguments, in a file, or on stdin.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use verbatim::analyze::{Analysis, Input, Label};
use verbatim::text::pii::{self, Redaction};

use super::{Format, ModelArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Texts to analyse; without any, reads --input or stdin, one text per line.
    pub texts: Vec<String>,
    /// A file with one text per line.
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t, env = "VERBATIM_FORMAT")]
    pub format: Format,
    /// Include the tokens (with byte spans into the original text) in the output.
    #[arg(long)]
    pub tokens: bool,
    /// How many keywords to keep per comment.
    #[arg(long, default_value_t = 5, env = "VERBATIM_KEYWORDS")]
    pub keywords: usize,
    /// Explain each topic: the clause, its similarity to the topic and the seed terms found.
    #[arg(long)]
    pub explain: bool,
    /// Mask PII before analysing: `--redact` (every type) or `--redact=phone,email,...`;
    /// each analysis then gives the masked text (`redacted`) and what was masked (`pii`).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "all",
          value_parser = super::parse_redaction)]
    pub redact: Option<Redaction>,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (mut inputs, source) = read_inputs(&args)?;
    if inputs.is_empty() {
        bail!("no text to analyse: give texts as arguments, --input FILE or lines on stdin");
    }
    if let Some((i, _)) = inputs
        .iter()
        .enumerate()
        .find(|(_, t)| t.text.trim().is_empty())
    {
        bail!("{source} line {}: empty text", i + 1);
    }
    let analyzer = args
        .model
        .analyzer(args.keywords, args.tokens, args.explain)?;
    let masked = args.redact.map(|r| pii::redact_inputs(&mut inputs, r));
    let mut out = analyzer.analyze(&inputs).context("analysis failed")?;
    if let Some(masked) = masked {
        pii::record(&mut out, &inputs, masked);
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            for a in &out {
                serde_json::to_writer(&mut w, a)?;
                writeln!(w)?;
            }
        }
        Format::Table => write_table(&mut w, &inputs, &out)?,
    }
    w.flush()?;
    Ok(())
}

fn read_inputs(args: &Args) -> anyhow::Result<(Vec<Input>, String)> {
    if !args.texts.is_empty() {
        let texts = args.texts.iter().map(Input::new).collect();
        return Ok((texts, "argument".into()));
    }
    let (reader, name): (Box<dyn BufRead>, String) = match &args.input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            (
                Box::new(std::io::BufReader::new(file)),
                path.display().to_string(),
            )
        }
        None => (Box::new(std::io::stdin().lock()), "stdin".into()),
    };
    let mut inputs = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                anyhow::anyhow!("{name} line {}: not valid UTF-8 text", i + 1)
            }
            _ => anyhow::Error::new(e).context(format!("cannot read {name}")),
        })?;
        inputs.push(Input::new(line.trim_end_matches('\r')));
    }
    // A trailing blank line is the end of the file, not an empty comment.
    while inputs.last().is_some_and(|i| i.text.trim().is_empty()) {
        inputs.pop();
    }
    Ok((inputs, name))
}

fn write_table(w: &mut impl Write, inputs: &[Input], out: &[Analysis]) -> std::io::Result<()> {
    writeln!(
        w,
        "{:<8} {:<9} {:>6}  {:<34} {:<24} text",
        "lang", "sentiment", "score", "topics (own sentiment)", "keywords"
    )?;
    for (input, a) in inputs.iter().zip(out) {
        let keywords: Vec<&str> = a.keywords.iter().take(3).map(|k| k.term.as_str()).collect();
        let topics: Vec<String> = a
            .topics
            .iter()
            .map(|t| {
                let sign = match t.sentiment {
                    Label::Negative => "-",
                    Label::Neutral => "~",
                    Label::Positive => "+",
                };
                format!("{}{sign}", t.id)
            })
            .collect();
        let text: String = input.text.chars().take(60).collect();
        let (label, score) = a.sentiment.map_or(("-", String::from("-")), |s| {
            (s.label.as_str(), format!("{:+.2}", s.score))
        });
        writeln!(
            w,
            "{:<8} {label:<9} {score:>6}  {:<34} {} {text}",
            a.lang.code(),
            topics.join(","),
            super::width::pad(&keywords.join(","), 24)
        )?;
    }
    Ok(())
}
