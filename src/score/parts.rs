//! The output of a Parquet `verbatim score` run while it is under way (cargo feature
//! `parquet`): a folder `OUT.parts/` of numbered part files, one per batch, merged into `OUT`
//! at the end.
//!
//! A Parquet file cannot be appended to, and one cut short by an interruption has no footer
//! and cannot be read. So each batch is written whole to `part-NNNNNN.parquet.tmp`, synced and
//! renamed: a part is either complete or absent. A rerun reads the ids (or, without an id
//! column, the last input row) the parts hold and skips them; an existing complete `OUT` from
//! an earlier run becomes part 0, so new input rows are added after it. [`Parts::finish`]
//! writes every part in order into `OUT.partial`, syncs it, renames it to `OUT` and removes the
//! folder (a single part, already complete, is renamed to `OUT` as it is). Until then `OUT` is untouched, and when the folder exists it is what counts.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::cells;
use crate::{Error, Result};

/// Rows per row group of the merged output.
pub const ROW_GROUP: usize = 10_000;
const ROWS_THROUGH: &str = "verbatim.rows_through";

/// The parts of one output file.
pub struct Parts {
    dir: PathBuf,
    output: PathBuf,
    schema: SchemaRef,
    next: u32,
    /// Ids the parts hold (with an id column).
    pub done: HashSet<String>,
    /// The last input row (1-based) the parts cover.
    pub rows_through: u64,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn failed(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::io(path, std::io::Error::other(e.to_string()))
}

fn props(rows_through: u64) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            ROWS_THROUGH.to_string(),
            rows_through.to_string(),
        )]))
        .build()
}

/// Write `batches` into `path` (synced) with their schema and the rows they cover.
fn write_file(
    path: &Path,
    schema: &SchemaRef,
    rows_through: u64,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props(rows_through)))
        .map_err(failed(path))?;
    for batch in batches {
        writer.write(&batch?).map_err(failed(path))?;
    }
    let file = writer.into_inner().map_err(failed(path))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// What one earlier output file holds: its ids (column `id`, if any) and the rows it covers.
/// Errors when its columns are not `schema`'s.
fn read_done(path: &Path, schema: &SchemaRef, id: Option<usize>) -> Result<(Vec<String>, u64)> {
    let name = path.display();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::User(format!("{name}: not a readable Parquet file: {e}")))?;
    let names = |s: &SchemaRef| -> Vec<String> {
        let fields = s.fields().iter();
        fields
            .map(|f| format!("{}: {}", f.name(), f.data_type()))
            .collect()
    };
    if names(builder.schema()) != names(schema) {
        return Err(Error::User(format!(
            "{name}: written with other columns than this input gives ({:?}); remove it or \
             choose another --output",
            names(builder.schema())
        )));
    }
    let meta = builder.metadata().file_metadata().key_value_metadata();
    let through = meta
        .and_then(|kv| kv.iter().find(|k| k.key == ROWS_THROUGH))
        .and_then(|k| k.value.as_deref()?.parse().ok())
        .unwrap_or(0);
    let Some(id) = id else {
        return Ok((Vec::new(), through));
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [id]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(failed(path))?;
    let mut ids = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| Error::io(path, std::io::Error::other(e)))?;
        let column = batch.column(0);
        ids.extend((0..batch.num_rows()).filter_map(|i| cells::cell(column, i)));
    }
    Ok((ids, through))
}

impl Parts {
    /// The parts of `output` so far (none on a first run), checked against `schema`. `id`
    /// is the id column's position, if the input has one.
    pub fn open(output: &Path, schema: SchemaRef, id: Option<usize>) -> Result<Parts> {
        let dir = with_suffix(output, ".parts");
        if !dir.is_dir() {
            if output.exists() {
                // Checked before it moves (its columns, from the footer; the ids are read
                // once, as part 0): an unrelated file is refused, not taken over.
                read_done(output, &schema, None)?;
            }
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            if output.exists() {
                let first = dir.join(part_name(0));
                std::fs::rename(output, &first).map_err(|e| Error::io(output, e))?;
            }
        }
        let mut parts = Parts {
            dir,
            output: output.to_path_buf(),
            schema,
            next: 0,
            done: HashSet::new(),
            rows_through: 0,
        };
        for (n, path) in parts.list()? {
            let (ids, through) = read_done(&path, &parts.schema, id)?;
            parts.done.extend(ids);
            parts.rows_through = parts.rows_through.max(through);
            parts.next = n + 1;
        }
        Ok(parts)
    }

    /// The complete parts in order (an unfinished `.tmp` is removed).
    fn list(&self) -> Result<Vec<(u32, PathBuf)>> {
        let io = |e| Error::io(&self.dir, e);
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".tmp") {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            } else if let Some(n) = name
                .strip_prefix("part-")
                .and_then(|n| n.strip_suffix(".parquet"))
                .and_then(|n| n.parse().ok())
            {
                found.push((n, path));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Add one batch of scored rows, covering the input through row `rows_through`.
    pub fn write(&mut self, batch: RecordBatch, rows_through: u64) -> Result<()> {
        let path = self.dir.join(part_name(self.next));
        let tmp = with_suffix(&path, ".tmp");
        write_file(&tmp, &self.schema, rows_through, [Ok(batch)])?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        self.next += 1;
        self.rows_through = self.rows_through.max(rows_through);
        Ok(())
    }

    /// Merge the parts into the output file and remove them.
    pub fn finish(self) -> Result<()> {
        let parts = self.list()?;
        if let [(_, only)] = parts.as_slice() {
            // One complete part (a rerun with nothing new, or one batch) already is the file.
            std::fs::rename(only, &self.output).map_err(|e| Error::io(&self.output, e))?;
            return std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e));
        }
        let partial = with_suffix(&self.output, ".partial");
        let batches = parts.iter().flat_map(|(_, path)| match read_all(path) {
            Ok(b) => b.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        });
        write_file(&partial, &self.schema, self.rows_through, batches)?;
        std::fs::rename(&partial, &self.output).map_err(|e| Error::io(&self.output, e))?;
        std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

fn part_name(n: u32) -> String {
    format!("part-{n:06}.parquet")
}

/// Every batch of one part (one scoring batch, so memory holds one part at a time).
fn read_all(path: &Path) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(failed(path))?;
    reader
        .map(|b| b.map_err(|e| Error::io(path, std::io::Error::other(e))))
        .collect()
}
