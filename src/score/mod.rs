//! Batch scoring (`verbatim score`, docs/cli.md): a CSV or JSONL file in, the same rows out
//! with their analysis added, and optionally into the index.
//!
//! One loop ([`crate::batches`], shared with `ingest`): read a chunk of rows, analyse it in
//! one call (the text stage in parallel on rayon, the encoder batched across all cores),
//! write it through the sink(s) in input order, flush, go on. Memory holds one chunk
//! whatever the file size. A rerun after an interruption skips the ids the output already
//! holds. Malformed rows are reported with their line and either stop the run or are
//! skipped.

#[cfg(feature = "parquet")]
mod cells;
pub mod input;
pub mod output;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(feature = "parquet")]
mod parts;

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::analysis::{Analysis, Input};
use crate::analyze::Analyzer;
use crate::batches::for_each_batch;
use crate::index::CommentWriter;
use crate::index::source::SourceFormat;
use crate::text::decode::{self, DecodeOptions, Opened};
use crate::{Error, Result};
use input::{Columns, Row, RowError};
use output::Sink;

/// How to score.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub columns: Columns,
    /// Rows analysed together.
    pub batch: usize,
    /// Skip malformed rows (reporting each) instead of stopping at the first.
    pub skip_malformed: bool,
    /// CSV (true) or JSONL; `None` detects it from the file name, then the first character.
    pub csv: Option<bool>,
    /// The encoding and CSV delimiter to force (detected when not).
    pub decode: DecodeOptions,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            columns: Columns {
                id: "id".into(),
                text: "text".into(),
            },
            batch: 1000,
            skip_malformed: false,
            csv: None,
            decode: DecodeOptions::default(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreReport {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Rows scored by this run.
    pub scored: u64,
    /// Rows skipped because an earlier run had scored them.
    pub already_scored: u64,
    /// Malformed rows skipped (with `skip_malformed`).
    pub malformed: u64,
    /// Rows stored in the index (with an index).
    pub indexed: u64,
    /// The encoding the input was read as (`utf-8`, `gb18030`, `big5`, `utf-16le`, ...).
    pub encoding: String,
    /// The CSV delimiter used (`,`, `tab`, `;`); absent for JSONL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub seconds: f64,
}

/// Whether `path` holds CSV: by its extension (under a `.gz`), else by its content (a first
/// non-blank character `{` is JSONL).
pub fn detect_csv(path: &Path, opened: &Opened) -> bool {
    match SourceFormat::from_path(path) {
        Ok(format) => format == SourceFormat::Csv,
        Err(_) => !opened.jsonl_like,
    }
}

/// Score `input` into `output` (appending after what an earlier run wrote), also storing
/// the rows in `index` when given. `progress` is told the input bytes read so far.
pub fn score_file(
    analyzer: &Analyzer,
    input: &Path,
    output: &Path,
    index: Option<&CommentWriter>,
    options: &ScoreOptions,
    wrap: impl FnOnce(Box<dyn Read + Send>) -> Box<dyn Read + Send>,
    mut on_malformed: impl FnMut(&RowError),
) -> Result<ScoreReport> {
    if parquet_pair(input, output)? {
        return score_parquet(analyzer, (input, output), index, options, on_malformed);
    }
    let start = Instant::now();
    let opened = decode::open_or_stdin(input, options.decode, wrap)?;
    let csv = match options.csv {
        Some(c) => c,
        None => detect_csv(input, &opened),
    };
    let (reader, delimiter) = (opened.reader, opened.delimiter);
    let name = decode::input_name(input);
    let at = |e: &RowError| Error::User(format!("{name} line {}: {}", e.line, e.message));
    let (headers, rows) = records(reader, csv, delimiter, &options.columns, &name)?;
    let written: Option<Vec<String>> = csv.then(|| {
        let added = output::CSV_COLUMNS.iter().map(|c| c.to_string());
        headers.iter().cloned().chain(added).collect()
    });
    let done: HashSet<String> = output::resume(output, written.as_deref(), &options.columns.id)?;
    let fresh = std::fs::metadata(output).map_or(true, |m| m.len() == 0);
    let sink = Sink::open(output, csv.then_some(headers.as_slice()), fresh)?;
    let mut run = Run {
        analyzer,
        sink,
        output,
        index,
        headers: &headers,
        options,
        report: ScoreReport {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            encoding: opened.encoding.name().to_string(),
            delimiter: csv.then(|| decode::delimiter_name(delimiter)),
            ..ScoreReport::default()
        },
    };
    let (mut already, mut malformed) = (0u64, 0u64);
    let skip_malformed = options.skip_malformed;
    let rows = rows.filter_map(|row| match row {
        Ok(row) if done.contains(&row.id) => {
            already += 1;
            None
        }
        Ok(row) => Some(Ok(row)),
        Err(RowError {
            failure: Some(failure),
            ..
        }) => Some(Err(Error::Decode(failure))),
        Err(e) if skip_malformed => {
            on_malformed(&e);
            malformed += 1;
            None
        }
        Err(e) => Some(Err(at(&e))),
    });
    for_each_batch(rows, options.batch, |batch| run.write(&batch))?;
    let mut report = run.report;
    report.already_scored = already;
    report.malformed = malformed;
    report.seconds = (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(report)
}

/// The records of a file.
type Records = Box<dyn Iterator<Item = std::result::Result<Row, RowError>> + Send>;

/// The header (CSV) and the records of a decoded file.
fn records(
    reader: Box<dyn Read + Send>,
    csv: bool,
    delimiter: u8,
    columns: &Columns,
    name: &str,
) -> Result<(Vec<String>, Records)> {
    if !csv {
        return Ok((Vec::new(), Box::new(input::jsonl(reader, columns.clone()))));
    }
    let (headers, rows) = input::csv(reader, columns.clone(), delimiter).map_err(|e| match e {
        Error::Decode(_) => e,
        e => Error::User(format!("{name} {e}")),
    })?;
    Ok((headers, Box::new(rows)))
}

/// Whether `path` names a Parquet file (by its extension).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// Whether both files are Parquet (false when neither is; an error for a mix).
fn parquet_pair(input: &Path, output: &Path) -> Result<bool> {
    match (is_parquet(input), is_parquet(output)) {
        (false, false) => Ok(false),
        (true, true) => Ok(true),
        (i, _) => Err(Error::User(format!(
            "--output {}: the output format must match the input's ({})",
            output.display(),
            if i {
                "Parquet: name it .parquet"
            } else {
                "CSV or JSONL, not .parquet"
            }
        ))),
    }
}

#[cfg(feature = "parquet")]
fn score_parquet(
    analyzer: &Analyzer,
    (input, output): (&Path, &Path),
    index: Option<&CommentWriter>,
    options: &ScoreOptions,
    on_malformed: impl FnMut(&RowError),
) -> Result<ScoreReport> {
    parquet::score(analyzer, input, output, index, options, on_malformed)
}

#[cfg(not(feature = "parquet"))]
fn score_parquet(
    _: &Analyzer,
    (input, _): (&Path, &Path),
    _: Option<&CommentWriter>,
    _: &ScoreOptions,
    _: impl FnMut(&RowError),
) -> Result<ScoreReport> {
    Err(Error::User(format!(
        "--input {}: this build has no Parquet support; build with `--features parquet` \
         (`make build FEATURES=\"--features parquet\"`)",
        input.display()
    )))
}

/// Where a run writes, and what it has done.
struct Run<'a> {
    analyzer: &'a Analyzer,
    sink: Sink,
    output: &'a Path,
    index: Option<&'a CommentWriter>,
    headers: &'a [String],
    options: &'a ScoreOptions,
    report: ScoreReport,
}

impl Run<'_> {
    /// Analyse a batch and write it (index first, committed, then the output, flushed).
    fn write(&mut self, batch: &[Row]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let (analyzer, index) = (self.analyzer, self.index);
        let analyses = analyze_rows(analyzer, index, batch, self.headers, &self.options.columns)?;
        if index.is_some() {
            self.report.indexed += batch.len() as u64;
        }
        for (row, analysis) in batch.iter().zip(&analyses) {
            self.sink.write(row, analysis, self.output)?;
        }
        self.sink.flush(self.output)?;
        self.report.scored += batch.len() as u64;
        Ok(())
    }
}

/// Analyse a batch of rows; with an index, store them there first (their PII masked by the
/// writer's redaction) and commit, so whatever an output then holds is also durable in the
/// index and a resumed run that skips it loses nothing.
pub(crate) fn analyze_rows(
    analyzer: &Analyzer,
    index: Option<&CommentWriter>,
    batch: &[Row],
    headers: &[String],
    columns: &Columns,
) -> Result<Vec<Analysis>> {
    let Some(writer) = index else {
        let inputs: Vec<Input> = batch
            .iter()
            .map(|r| Input {
                id: Some(r.id.clone()),
                text: r.text.clone(),
            })
            .collect();
        return analyzer.analyze(&inputs);
    };
    let comments = batch
        .iter()
        .map(|row| {
            row.comment(headers, columns)
                .map_err(|e| Error::User(format!("line {}: {e}", row.line)))
        })
        .collect::<Result<Vec<_>>>()?;
    let masked = writer.mask(comments);
    let analyses = analyzer.analyze(&masked.inputs())?;
    let (analyses, _) = writer.store(masked, analyses, None)?;
    writer.commit()?;
    Ok(analyses)
}
