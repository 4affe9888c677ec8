//! `verbatim score` on a Parquet file (cargo feature `parquet`): every column kept, the
//! analysis's columns added ([`crate::columnar::fields`]), resumable.
//!
//! In: a Parquet file with a text column (string) and optionally an id column (string or
//! integer; without one the 1-based row number is the id). Out: a Parquet file with the
//! input's columns and rows, then the analysis's, Snappy-compressed, written through
//! [`super::parts`] so an interrupted run resumes where it stopped. Rows are read and
//! analysed in batches of `ScoreOptions::batch`; memory holds one batch. A row with a null or
//! blank text, an over-long text or a null id is malformed: reported with its row number, then
//! skipped or the run stops (the rows before it written), as for CSV. With an index, each row
//! is stored with its other columns read as CSV cells ([`super::cells`]).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::input::{Columns, Raw, Row, RowError, checked};
use super::parts::Parts;
use super::{ScoreOptions, ScoreReport, analyze_rows, cells};
use crate::analyze::Analyzer;
use crate::columnar::{self, AnalysisColumns};
use crate::index::CommentWriter;
use crate::{Error, Result};

/// Where the id and text are, and the output's columns.
struct Layout {
    headers: Vec<String>,
    text: usize,
    id: Option<usize>,
    out: SchemaRef,
}

impl Layout {
    fn of(schema: &Schema, columns: &Columns, name: &str) -> Result<Layout> {
        let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let find = |c: &str| headers.iter().position(|h| h == c);
        let text = find(&columns.text).ok_or_else(|| {
            Error::User(format!(
                "{name}: no column `{}` (columns: {headers:?}); pass --text-column",
                columns.text
            ))
        })?;
        let id = find(&columns.id);
        let typed = |at: usize, ok: fn(&arrow_schema::DataType) -> bool, what: &str| {
            let field = &schema.fields()[at];
            match ok(field.data_type()) {
                true => Ok(()),
                false => Err(Error::User(format!(
                    "{name}: column `{}` is {}; it must hold {what}",
                    field.name(),
                    field.data_type()
                ))),
            }
        };
        typed(text, cells::is_text, "strings")?;
        if let Some(id) = id {
            typed(id, cells::is_id, "strings or integers")?;
        }
        let added = columnar::fields();
        let clash: Vec<&String> = headers
            .iter()
            .filter(|h| added.iter().any(|f| f.name() == *h))
            .collect();
        if !clash.is_empty() {
            return Err(Error::User(format!(
                "{name}: column(s) {clash:?} have the names of columns score adds; rename them"
            )));
        }
        let fields = schema.fields().iter().map(|f| f.as_ref().clone());
        let out = Arc::new(Schema::new(fields.chain(added).collect::<Vec<_>>()));
        Ok(Layout {
            headers,
            text,
            id,
            out,
        })
    }

    /// Row `at` of `batch`, which is input row `number` (1-based); every column read as text
    /// only when the rows go into an index (the output keeps the Arrow columns as they are).
    fn row(&self, batch: &RecordBatch, at: usize, number: u64, all_cells: bool) -> Row {
        let cell = |c: usize| cells::cell(batch.column(c), at).unwrap_or_default();
        let cells = match all_cells {
            true => (0..batch.num_columns()).map(cell).collect(),
            false => Vec::new(),
        };
        Row {
            line: number,
            id: self.id.map_or_else(|| number.to_string(), cell),
            text: cell(self.text),
            raw: Raw::Csv(cells),
        }
    }
}

/// Score the Parquet file `input` into `output`; see [`super::score_file`].
pub fn score(
    analyzer: &Analyzer,
    input: &Path,
    output: &Path,
    index: Option<&CommentWriter>,
    options: &ScoreOptions,
    mut on_malformed: impl FnMut(&RowError),
) -> Result<ScoreReport> {
    let start = Instant::now();
    let name = input.display().to_string();
    let file = File::open(input).map_err(|e| Error::io(input, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::User(format!("{name}: not a readable Parquet file: {e}")))?;
    let layout = Layout::of(builder.schema(), &options.columns, &name)?;
    let mut run = Run {
        analyzer,
        index,
        options,
        parts: Parts::open(output, layout.out.clone(), layout.id)?,
        layout,
        report: ScoreReport {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            encoding: "utf-8".into(),
            ..ScoreReport::default()
        },
    };
    let reader = builder.with_batch_size(options.batch.max(1)).build();
    let reader = reader.map_err(|e| Error::User(format!("{name}: {e}")))?;
    let mut number = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| Error::User(format!("{name}: {e}")))?;
        let mut rows = Vec::with_capacity(batch.num_rows());
        for at in 0..batch.num_rows() {
            number += 1;
            let row = run.layout.row(&batch, at, number, index.is_some());
            if run.is_done(&row) {
                run.report.already_scored += 1;
                continue;
            }
            let null = |c: Option<usize>| c.is_some_and(|c| batch.column(c).is_null(at));
            let row = match null(Some(run.layout.text)) || null(run.layout.id) {
                true => Err(RowError::new(number, "a null id or text".into())),
                false => checked(row, &options.columns),
            };
            match row {
                Ok(row) => rows.push((at as u32, row)),
                Err(e) if options.skip_malformed => {
                    on_malformed(&e);
                    run.report.malformed += 1;
                }
                Err(e) => {
                    run.write(&batch, rows, number - 1)?;
                    return Err(Error::User(format!("{name} row {}: {}", e.line, e.message)));
                }
            }
        }
        run.write(&batch, rows, number)?;
    }
    run.parts.finish()?;
    let mut report = run.report;
    report.seconds = (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(report)
}

struct Run<'a> {
    analyzer: &'a Analyzer,
    index: Option<&'a CommentWriter>,
    options: &'a ScoreOptions,
    parts: Parts,
    layout: Layout,
    report: ScoreReport,
}

impl Run<'_> {
    fn is_done(&self, row: &Row) -> bool {
        match self.layout.id {
            Some(_) => self.parts.done.contains(&row.id),
            None => row.line <= self.parts.rows_through,
        }
    }

    /// Analyse the chosen rows of `batch` (index first) and write them as one part.
    fn write(&mut self, batch: &RecordBatch, rows: Vec<(u32, Row)>, through: u64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let (at, rows): (Vec<u32>, Vec<Row>) = rows.into_iter().unzip();
        let columns = &self.options.columns;
        let analyses = analyze_rows(
            self.analyzer,
            self.index,
            &rows,
            &self.layout.headers,
            columns,
        )?;
        let mut added = AnalysisColumns::default();
        for a in &analyses {
            added.push(a)?;
        }
        let internal = |e: arrow_schema::ArrowError| Error::Internal(format!("parquet score: {e}"));
        let kept = arrow_select::take::take_record_batch(batch, &UInt32Array::from(at));
        let mut arrays = kept.map_err(internal)?.columns().to_vec();
        arrays.extend(added.finish());
        let out = RecordBatch::try_new(self.layout.out.clone(), arrays).map_err(internal)?;
        self.parts.write(out, through)?;
        if self.index.is_some() {
            self.report.indexed += rows.len() as u64;
        }
        self.report.scored += rows.len() as u64;
        Ok(())
    }
}
