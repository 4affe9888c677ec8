//! `verbatim export --format parquet` (cargo feature `parquet`): the exported comments as
//! one Parquet file, Snappy-compressed, for a warehouse or another engine.
//!
//! In: the rows of [`super::export::for_each`] (live comments matching a query and filters,
//! one at a time) and a writer. Out: a Parquet file with one row per comment and the flat
//! columns of [`schema`]: the comment's fields, the sentiment as columns, topics and
//! keywords as lists of structs, and the whole Analysis as JSON (`analysis`) for any field
//! not flattened. Rows are written in row groups of [`ROW_GROUP`], so memory holds one
//! group whatever the index size.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt8Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::CommentIndex;
use super::export::{ExportRow, for_each};
use super::filters::Filters;
use crate::columnar::{self, AnalysisColumns};
use crate::{Error, Result};

/// Comments per row group.
pub const ROW_GROUP: usize = 10_000;

/// The columns of an exported Parquet file: the comment's, then the analysis's
/// ([`columnar::fields`]).
pub fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    let mut fields = vec![
        text("id", false),
        text("text", false),
        text("created_at", true),
        Field::new("nps", DataType::UInt8, true),
        Field::new("csat", DataType::UInt8, true),
        text("channel", true),
        text("customer_id", true),
        text("attrs", false),
    ];
    fields.extend(columnar::fields());
    Arc::new(Schema::new(fields))
}

/// The builders of one row group.
#[derive(Default)]
struct Columns {
    strings: [StringBuilder; 6],
    nps: UInt8Builder,
    csat: UInt8Builder,
    analysis: AnalysisColumns,
    rows: usize,
}

impl Columns {
    fn push(&mut self, row: &ExportRow) -> Result<()> {
        let c = &row.comment;
        let json = |e: serde_json::Error| Error::Internal(format!("parquet export: {e}"));
        let [id, text, created, channel, customer, attrs] = &mut self.strings;
        id.append_value(&c.id);
        text.append_value(&c.text);
        created.append_option(c.created_at.as_deref());
        self.nps.append_option(c.nps);
        self.csat.append_option(c.csat);
        channel.append_option(c.channel.as_deref());
        customer.append_option(c.customer_id.as_deref());
        attrs.append_value(serde_json::to_string(&c.attrs).map_err(json)?);
        self.analysis.push(&row.analysis)?;
        self.rows += 1;
        Ok(())
    }

    /// The row group so far as a batch; the builders start over.
    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let [id, text, created, channel, customer, attrs] = &mut self.strings;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(text.finish()),
            Arc::new(created.finish()),
            Arc::new(self.nps.finish()),
            Arc::new(self.csat.finish()),
            Arc::new(channel.finish()),
            Arc::new(customer.finish()),
            Arc::new(attrs.finish()),
        ];
        columns.extend(self.analysis.finish());
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| Error::Internal(format!("parquet export: {e}")))
    }
}

/// Write every matching comment into one Parquet file on `out`; returns how many. Errors
/// name `target` (the file).
pub fn export_parquet<W: Write + Send>(
    index: &CommentIndex,
    q: &str,
    filters: &Filters,
    out: W,
    target: &str,
) -> Result<u64> {
    let schema = schema();
    let failed =
        |e: parquet::errors::ParquetError| Error::io(target, std::io::Error::other(e.to_string()));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(failed)?;
    let mut columns = Columns::default();
    let written = for_each(index, q, filters, |row| {
        columns.push(&row)?;
        if columns.rows == ROW_GROUP {
            writer.write(&columns.finish(&schema)?).map_err(failed)?;
        }
        Ok(())
    })?;
    if columns.rows > 0 {
        writer.write(&columns.finish(&schema)?).map_err(failed)?;
    }
    writer.close().map_err(failed)?;
    Ok(written)
}
