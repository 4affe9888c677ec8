//! The Analysis as Arrow columns (cargo feature `parquet`), shared by the two Parquet
//! writers: `verbatim export --format parquet` and `verbatim score` on a Parquet file.
//!
//! In: one [`Analysis`] at a time. Out: the flat columns of [`fields`], in that order: `lang`,
//! the sentiment (`label`, `score`, `negative`, `neutral`, `positive`; null when the model
//! gave none), `topics` and `keywords` as lists of structs, and the whole Analysis as JSON
//! (`analysis`) for any field not flattened.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{Float32Builder, ListBuilder, StringBuilder, StructBuilder};
use arrow_schema::{DataType, Field, Fields};

use crate::analysis::Analysis;
use crate::{Error, Result};

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

/// The columns an Analysis adds, in order.
pub fn fields() -> Vec<Field> {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    let float = |name: &str| Field::new(name, DataType::Float32, true);
    let list =
        |name: &str, fields| Field::new(name, DataType::List(Arc::new(list_item(fields))), false);
    vec![
        text("lang", false),
        text("label", true),
        float("score"),
        float("negative"),
        float("neutral"),
        float("positive"),
        list("topics", topic_fields()),
        list("keywords", keyword_fields()),
        text("analysis", false),
    ]
}

/// The builders of the analysis columns of one batch of rows.
pub struct AnalysisColumns {
    lang: StringBuilder,
    label: StringBuilder,
    floats: [Float32Builder; 4],
    topics: ListBuilder<StructBuilder>,
    keywords: ListBuilder<StructBuilder>,
    analysis: StringBuilder,
}

fn struct_list(fields: Fields) -> ListBuilder<StructBuilder> {
    ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0)).with_field(list_item(fields))
}

fn missing_builder() -> Error {
    Error::Internal("parquet: a struct column without its builder".into())
}

fn string_at(s: &mut StructBuilder, i: usize, value: &str) -> Result<()> {
    s.field_builder::<StringBuilder>(i)
        .ok_or_else(missing_builder)?
        .append_value(value);
    Ok(())
}

fn float_at(s: &mut StructBuilder, i: usize, value: f32) -> Result<()> {
    s.field_builder::<Float32Builder>(i)
        .ok_or_else(missing_builder)?
        .append_value(value);
    Ok(())
}

impl Default for AnalysisColumns {
    fn default() -> Self {
        AnalysisColumns {
            lang: StringBuilder::new(),
            label: StringBuilder::new(),
            floats: std::array::from_fn(|_| Float32Builder::new()),
            topics: struct_list(topic_fields()),
            keywords: struct_list(keyword_fields()),
            analysis: StringBuilder::new(),
        }
    }
}

impl AnalysisColumns {
    /// Add one row.
    pub fn push(&mut self, a: &Analysis) -> Result<()> {
        self.lang.append_value(a.lang.code());
        let s = a.sentiment.as_ref();
        self.label.append_option(s.map(|s| s.label.as_str()));
        let values = s.map(|s| [s.score, s.probs.negative, s.probs.neutral, s.probs.positive]);
        for (i, builder) in self.floats.iter_mut().enumerate() {
            builder.append_option(values.map(|v| v[i]));
        }
        let topics = self.topics.values();
        for t in &a.topics {
            string_at(topics, 0, &t.id)?;
            string_at(topics, 1, &t.name)?;
            float_at(topics, 2, t.confidence)?;
            string_at(topics, 3, t.sentiment.as_str())?;
            topics.append(true);
        }
        self.topics.append(true);
        let keywords = self.keywords.values();
        for k in &a.keywords {
            string_at(keywords, 0, &k.term)?;
            float_at(keywords, 1, k.weight)?;
            keywords.append(true);
        }
        self.keywords.append(true);
        let json =
            serde_json::to_string(a).map_err(|e| Error::Internal(format!("parquet: {e}")))?;
        self.analysis.append_value(json);
        Ok(())
    }

    /// The rows so far as arrays in the order of [`fields`]; the builders start over.
    pub fn finish(&mut self) -> Vec<ArrayRef> {
        let [score, negative, neutral, positive] = &mut self.floats;
        vec![
            Arc::new(self.lang.finish()),
            Arc::new(self.label.finish()),
            Arc::new(score.finish()),
            Arc::new(negative.finish()),
            Arc::new(neutral.finish()),
            Arc::new(positive.finish()),
            Arc::new(self.topics.finish()),
            Arc::new(self.keywords.finish()),
            Arc::new(self.analysis.finish()),
        ]
    }
}
