//! `verbatim build-idf`: build the keyword IDF table from corpus files, reproducibly.
//! Each line of a `.txt` file is a document; `.jsonl` lines give it in their "text" field;
//! `.tsv` lines give it in their last column (VADER's ground-truth files).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use verbatim::text::{IdfTable, Mode, Prepared, keywords::is_candidate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Corpus files (.txt: a text per line; .jsonl: the "text" field; .tsv: the last column).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where to write the table.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Drop terms found in fewer documents than this.
    #[arg(long, default_value_t = 3)]
    pub min_df: u32,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut texts = Vec::new();
    for path in &args.inputs {
        read_texts(path, &mut texts)?;
    }
    texts.sort_unstable();
    texts.dedup();
    let documents: Vec<Vec<String>> = texts
        .par_iter()
        .filter_map(|t| Prepared::new(t).ok())
        .map(|p| {
            p.tokens(Mode::Default)
                .into_iter()
                .filter(is_candidate)
                .map(|t| t.text)
                .collect()
        })
        .collect();
    let table = IdfTable::build(documents, args.min_df);
    std::fs::write(&args.output, table.to_tsv())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let (docs, terms) = table.size();
    tracing::info!(
        "{docs} documents, {terms} terms -> {}",
        args.output.display()
    );
    Ok(())
}

fn read_texts(path: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{} line {}", path.display(), i + 1))?;
        let text = match ext {
            "jsonl" => {
                let v: serde_json::Value = serde_json::from_str(&line)
                    .with_context(|| format!("{} line {}: invalid JSON", path.display(), i + 1))?;
                v.get("text")
                    .and_then(|t| t.as_str())
                    .unwrap_or("")
                    .to_string()
            }
            "tsv" => line.rsplit('\t').next().unwrap_or("").to_string(),
            _ => line,
        };
        if !text.trim().is_empty() {
            out.push(text);
        }
    }
    Ok(())
}
