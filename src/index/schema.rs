//! The index schema: which parts of a comment and its analysis are searched, filtered,
//! counted and stored, and how a comment becomes a tantivy document.
//!
//! In: a validated [`Comment`] and its [`Analysis`]. Out: a [`TantivyDocument`].
//!
//! | field | kind | for |
//! |---|---|---|
//! | `id` | raw string, indexed, stored | replace and delete by id, lookups |
//! | `text` | [`super::tokenizer`] with positions | full-text search, phrases, snippets |
//! | `chars` | [`super::chars`]: Han characters and pairs, with positions | words inside jieba's words (慢 in 太慢) |
//! | `facets` | facet `/sentiment/..`, `/topic/..`, `/aspect/topic:label`, `/lang/..`, `/channel/..` | filters, facet counts, report breakdowns (its fast column) |
//! | `keyword` | raw strings, fast | keyword filters and reports |
//! | `score` | f64, indexed, fast | sentiment score range filter |
//! | `created_at` | date, indexed, fast | date range filter, sort by date |
//! | `nps`, `csat` | u64, indexed, fast | reports |
//! | `customer_id` | raw string, indexed | lookups |
//! | `attrs` | JSON, raw strings, fast | `attrs key=value` filters |
//! | `comment`, `analysis` | stored JSON | returned with every hit |
//! | `vector` | bytes, fast | the comment's quantised embedding ([`super::vectors`]), semantic search |
//! | `analysis_version` | raw string, indexed, fast, stored | which model and taxonomy analysed it ([`crate::analyze::version`]): `verbatim reanalyze`, reports' `analysis_versions` |
//!
//! An index made before `vector` existed still opens ([`schema_without_vectors`]): keyword
//! search works on it, semantic search asks for the comments to be ingested again. One made
//! before `analysis_version` existed opens too ([`schema_without_versions`]): its comments
//! read as version `unknown`; `verbatim reindex` adds the field, `verbatim reanalyze` then
//! fills it.
//!
//! Categorical values live in the one facet field only: duplicating them as raw fast
//! fields cost about 8% more indexing CPU for nothing search needs.

use std::collections::BTreeMap;

use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, JsonObjectOptions, OwnedValue,
    STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::time::OffsetDateTime;
use tantivy::{DateTime, TantivyDocument};

use super::chars::CHARS_TOKENIZER;
use super::tokenizer::TOKENIZER;
use crate::analysis::Analysis;
use crate::comment::Comment;
use crate::{Error, Result};

/// The handles of every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub text: Field,
    pub chars: Field,
    pub facets: Field,
    pub keyword: Field,
    pub score: Field,
    pub created_at: Field,
    pub nps: Field,
    pub csat: Field,
    pub customer_id: Field,
    pub attrs: Field,
    pub comment: Field,
    pub analysis: Field,
    /// `None` in an index made before vectors were stored.
    pub vector: Option<Field>,
    /// `None` in an index made before analysis versions were recorded.
    pub version: Option<Field>,
}

/// The field that records each comment's analysis version.
pub const VERSION_FIELD: &str = "analysis_version";

/// The schema of a comment index.
pub fn schema() -> Schema {
    build(true, true)
}

/// The schema of an index made before comment vectors were stored (still opened).
pub fn schema_without_vectors() -> Schema {
    build(false, false)
}

/// The schema of an index made before analysis versions were recorded (still opened).
pub fn schema_without_versions() -> Schema {
    build(true, false)
}

/// Whether an index of `schema` opens with this version of Verbatim.
pub fn is_supported(schema: &Schema) -> bool {
    [
        schema_without_vectors(),
        schema_without_versions(),
        self::schema(),
    ]
    .contains(schema)
}

fn build(vectors: bool, versions: bool) -> Schema {
    let mut b = Schema::builder();
    let raw_fast = STRING | FAST;
    b.add_text_field("id", STRING | STORED);
    for (name, tokenizer) in [("text", TOKENIZER), ("chars", CHARS_TOKENIZER)] {
        b.add_text_field(
            name,
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
    }
    b.add_facet_field("facets", FacetOptions::default());
    b.add_text_field("keyword", raw_fast);
    b.add_f64_field("score", INDEXED | FAST);
    b.add_date_field("created_at", INDEXED | FAST);
    b.add_u64_field("nps", INDEXED | FAST);
    b.add_u64_field("csat", INDEXED | FAST);
    b.add_text_field("customer_id", STRING);
    b.add_json_field(
        "attrs",
        JsonObjectOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_fast("raw"),
    );
    b.add_text_field("comment", STORED);
    b.add_text_field("analysis", STORED);
    if vectors {
        b.add_bytes_field(super::vectors::FIELD, FAST);
    }
    if versions {
        b.add_text_field(VERSION_FIELD, STRING | FAST | STORED);
    }
    b.build()
}

impl Fields {
    /// Look up the fields in `schema` (one built by [`schema`]).
    pub fn new(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::Internal(format!("index schema has no field `{name}`")))
        };
        Ok(Fields {
            id: f("id")?,
            text: f("text")?,
            chars: f("chars")?,
            facets: f("facets")?,
            keyword: f("keyword")?,
            score: f("score")?,
            created_at: f("created_at")?,
            nps: f("nps")?,
            csat: f("csat")?,
            customer_id: f("customer_id")?,
            attrs: f("attrs")?,
            comment: f("comment")?,
            analysis: f("analysis")?,
            vector: schema.get_field(super::vectors::FIELD).ok(),
            version: schema.get_field(VERSION_FIELD).ok(),
        })
    }

    /// The tantivy document of a validated comment, its parsed timestamp, its analysis and
    /// the version that made it (`None`: not recorded, read as `unknown`).
    pub fn document(
        &self,
        comment: &Comment,
        created_at: Option<OffsetDateTime>,
        analysis: &Analysis,
        version: Option<&str>,
    ) -> Result<TantivyDocument> {
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, &comment.id);
        doc.add_text(self.text, &comment.text);
        doc.add_text(self.chars, &comment.text);
        let lang = analysis.lang.code();
        doc.add_facet(self.facets, facet("lang", lang));
        if let Some(s) = &analysis.sentiment {
            let label = s.label.as_str();
            doc.add_facet(self.facets, facet("sentiment", label));
            doc.add_f64(self.score, f64::from(s.score));
        }
        for topic in &analysis.topics {
            let aspect = format!("{}:{}", topic.id, topic.sentiment.as_str());
            doc.add_facet(self.facets, facet("topic", &topic.id));
            doc.add_facet(self.facets, facet("aspect", &aspect));
        }
        for k in &analysis.keywords {
            doc.add_text(self.keyword, &k.term);
        }
        if let Some(channel) = &comment.channel {
            doc.add_facet(self.facets, facet("channel", channel));
        }
        if let Some(t) = created_at {
            doc.add_date(self.created_at, DateTime::from_utc(t));
        }
        if let Some(nps) = comment.nps {
            doc.add_u64(self.nps, u64::from(nps));
        }
        if let Some(csat) = comment.csat {
            doc.add_u64(self.csat, u64::from(csat));
        }
        if let Some(customer) = &comment.customer_id {
            doc.add_text(self.customer_id, customer);
        }
        if !comment.attrs.is_empty() {
            let attrs: BTreeMap<String, OwnedValue> = comment
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), OwnedValue::Str(v.clone())))
                .collect();
            doc.add_object(self.attrs, attrs);
        }
        doc.add_text(self.comment, to_json(comment)?);
        doc.add_text(self.analysis, to_json(analysis)?);
        if let (Some(field), Some(v)) = (self.vector, &analysis.embedding) {
            doc.add_bytes(field, &super::vectors::Quantized::new(v).to_bytes());
        }
        if let (Some(field), Some(v)) = (self.version, version) {
            doc.add_text(field, v);
        }
        Ok(doc)
    }

    /// The analysis version stored in `doc`, if any.
    pub fn version_of(&self, doc: &TantivyDocument) -> Option<String> {
        use tantivy::schema::Value;
        let field = self.version?;
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }
}

/// The facet `/<dimension>/<value>`.
pub fn facet(dimension: &str, value: &str) -> Facet {
    Facet::from_path([dimension, value])
}

/// The JSON path of an attribute key, with its dots escaped so that `a.b` stays one key.
pub fn attr_path(key: &str) -> String {
    key.replace('\\', "\\\\").replace('.', "\\.")
}

/// Serialize to a JSON string; a failure would be a bug (our types always serialize).
fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("serialize: {e}")))
}
