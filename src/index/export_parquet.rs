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

use arrow_array::builder::{
    Float32Builder, ListBuilder, StringBuilder, StructBuilder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::export::{for_each, ExportRow};
use super::filters::Filters;
use super::CommentIndex;
use crate::{Error, Result};

/// Comments per row group.
pub const ROW_GROUP: usize = 10_000;

fn topic_fields() -> Fields {
    Fields::from(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("confidence", DataType::Float32, false),
        Field::new("sentiment", DataType::Utf8, false),
    ])
}

fn keyword_fields() -> Fields {
    Fields::from(vec![
        Field::new("term", DataType::Utf8, false),
        Field::new("weight", DataType::Float32, false),
    ])
}

fn list_item(fields: Fields) -> Field {
    Field::new("item", DataType::Struct(fields), false)
}

/// The columns of an exported Parquet file.
pub fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    let float = |name: &str| Field::new(name, DataType::Float32, true);
    let list =
        |name: &str, fields| Field::new(name, DataType::List(Arc::new(list_item(fields))), false);
    Arc::new(Schema::new(vec![
        text("id", false),
        text("text", false),
        text("created_at", true),
        Field::new("nps", DataType::UInt8, true),
        Field::new("csat", DataType::UInt8, true),
        text("channel", true),
        text("customer_id", true),
        text("attrs", false),
        text("lang", false),
        text("label", true),
        float("score"),
        float("negative"),
        float("neutral"),
        float("positive"),
        list("topics", topic_fields()),
        list("keywords", keyword_fields()),
        text("analysis", false),
    ]))
}

/// The builders of one row group.
struct Columns {
    strings: [StringBuilder; 7],
    nps: UInt8Builder,
    csat: UInt8Builder,
    label: StringBuilder,
    floats: [Float32Builder; 4],
    topics: ListBuilder<StructBuilder>,
    keywords: ListBuilder<StructBuilder>,
    analysis: StringBuilder,
    rows: usize,
}

fn struct_list(fields: Fields) -> ListBuilder<StructBuilder> {
    ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0)).with_field(list_item(fields))
}

fn missing_builder() -> Error {
    Error::Internal("parquet export: a struct column without its builder".into())
}

impl Columns {
    fn new() -> Columns {
        Columns {
            strings: std::array::from_fn(|_| StringBuilder::new()),
            nps: UInt8Builder::new(),
            csat: UInt8Builder::new(),
            label: StringBuilder::new(),
            floats: std::array::from_fn(|_| Float32Builder::new()),
            topics: struct_list(topic_fields()),
            keywords: struct_list(keyword_fields()),
            analysis: StringBuilder::new(),
            rows: 0,
        }
    }

    fn push(&mut self, row: &ExportRow) -> Result<()> {
        let (c, a) = (&row.comment, &row.analysis);
        let json = |e: serde_json::Error| Error::Internal(format!("parquet export: {e}"));
        let [id, text, created, channel, customer, attrs, lang] = &mut self.strings;
        id.append_value(&c.id);
        text.append_value(&c.text);
        created.append_option(c.created_at.as_deref());
        self.nps.append_option(c.nps);
        self.csat.append_option(c.csat);
        channel.append_option(c.channel.as_deref());
        customer.append_option(c.customer_id.as_deref());
        attrs.append_value(serde_json::to_string(&c.attrs).map_err(json)?);
        lang.append_value(a.lang.code());
        let s = a.sentiment.as_ref();
        self.label.append_option(s.map(|s| s.label.as_str()));
        let values = s.map(|s| [s.score, s.probs.negative, s.probs.neutral, s.probs.positive]);
        for (i, builder) in self.floats.iter_mut().enumerate() {
            builder.append_option(values.map(|v| v[i]));
        }
        let topics = self.topics.values();
        for t in &a.topics {
            topics
                .field_builder::<StringBuilder>(0)
                .ok_or_else(missing_builder)?
                .append_value(&t.id);
            topics
                .field_builder::<StringBuilder>(1)
                .ok_or_else(missing_builder)?
                .append_value(&t.name);
            topics
                .field_builder::<Float32Builder>(2)
                .ok_or_else(missing_builder)?
                .append_value(t.confidence);
            topics
                .field_builder::<StringBuilder>(3)
                .ok_or_else(missing_builder)?
                .append_value(t.sentiment.as_str());
            topics.append(true);
        }
        self.topics.append(true);
        let keywords = self.keywords.values();
        for k in &a.keywords {
            keywords
                .field_builder::<StringBuilder>(0)
                .ok_or_else(missing_builder)?
                .append_value(&k.term);
            keywords
                .field_builder::<Float32Builder>(1)
                .ok_or_else(missing_builder)?
                .append_value(k.weight);
            keywords.append(true);
        }
        self.keywords.append(true);
        self.analysis
            .append_value(serde_json::to_string(a).map_err(json)?);
        self.rows += 1;
        Ok(())
    }

    /// The row group so far as a batch; the builders start over.
    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let [id, text, created, channel, customer, attrs, lang] = &mut self.strings;
        let [score, negative, neutral, positive] = &mut self.floats;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(text.finish()),
            Arc::new(created.finish()),
            Arc::new(self.nps.finish()),
            Arc::new(self.csat.finish()),
            Arc::new(channel.finish()),
            Arc::new(customer.finish()),
            Arc::new(attrs.finish()),
            Arc::new(lang.finish()),
            Arc::new(self.label.finish()),
            Arc::new(score.finish()),
            Arc::new(negative.finish()),
            Arc::new(neutral.finish()),
            Arc::new(positive.finish()),
            Arc::new(self.topics.finish()),
            Arc::new(self.keywords.finish()),
            Arc::new(self.analysis.finish()),
        ];
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
    let mut columns = Columns::new();
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
