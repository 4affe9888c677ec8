//! The one function every entry point calls: texts → [`Analysis`].
//!
//! In: [`Input`]s (an optional id and the original text). Out: one [`Analysis`] per input, in
//! order, computed in parallel. Later stages (sentiment, topics) add their fields here, so the
//! CLI, the batch scorer and the API all print the same object.
//!
//! The work per text is bounded whatever its length: the encoder reads the first 512 tokens
//! (one pass per comment; its clauses are read in that context) and topics read the first
//! [`MAX_CLAUSES`] clauses; a text cut by either bound is flagged `truncated`. [`cost`] estimates a text's share of a batch.
//!
//! Each distinct normalized text of a batch is encoded once, and a server's
//! [`ResultCache`] keeps the model's results for recent texts ([`cache`]).

mod aspects;
pub mod cache;
pub mod crossfit;
mod encoded;
pub mod lru;
mod query;
pub mod version;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

pub use self::cache::{CacheStats, ResultCache};
use self::cache::{ModelPart, Plan, Source};
pub use self::encoded::EncodedBatch;
use self::encoded::{Encoded, encode};
use self::version::AnalysisVersion;
pub use crate::analysis::{
    Analysis, Input, Label, Probs, Sentiment, Span, TokenView, TopicEvidence, TopicHit,
};
use crate::model::onnx::EncoderOptions;
use crate::model::sentiment::SentimentHead;
use crate::model::taxonomy::Taxonomy;
use crate::model::topics::{Calibration, TopicModel};
use crate::model::{Backend, Encoder, ModelPaths, OnnxEncoder, Precision};
use crate::text::clauses::Clause;
pub use crate::text::clauses::MAX_CLAUSES;
use crate::text::{IdfTable, Mode, Prepared, keywords};
use crate::{Error, Result};

pub use crate::text::normalize::is_blank;

/// An estimate of the work of analysing `text`, in encoder tokens: the model reads at most
/// its 512-token window once, and the text stage (segmentation,
/// keywords) is linear in the text's length. A 100-byte comment costs about 40, a 100 KB
/// text about 1,170. The API's worker fills each encoder call up to a budget of these, so
/// that one long request goes through in slices.
pub fn cost(text: &str) -> usize {
    const OVERHEAD: usize = 8;
    let window = (text.len() / 3).min(crate::model::onnx::MAX_TOKENS + 256);
    OVERHEAD + window + text.len() / 256
}

/// Options of an analysis run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many keywords to keep per comment.
    pub keywords: usize,
    /// Whether to include the tokens.
    pub tokens: bool,
    /// Whether to explain each topic (clause, similarity, seed terms).
    pub explain: bool,
    /// The `models/` directory; discovered when `None` (see [`ModelPaths::resolve`]).
    pub models: Option<PathBuf>,
    /// A taxonomy file replacing `models/taxonomy.toml`.
    pub taxonomy: Option<PathBuf>,
    /// Encoder weights and threads.
    pub encoder: EncoderOptions,
    /// Assign topics (with their own sentiment). Without, only the comment is encoded
    /// (no clauses): sentiment alone, faster.
    pub topics: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keywords: 5,
            tokens: false,
            explain: false,
            models: None,
            taxonomy: None,
            encoder: EncoderOptions::default(),
            topics: true,
        }
    }
}

/// The model part of the engine: the encoder and the heads on top of it.
struct Models {
    encoder: Arc<dyn Encoder>,
    sentiment: SentimentHead,
    topics: TopicModel,
}

/// The analysis engine: the shared, load-once resources of the pipeline.
pub struct Analyzer {
    idf: &'static IdfTable,
    options: Options,
    models: Option<Models>,
    /// What analysed the comments ([`version`]): stored with each in the index.
    version: Arc<version::AnalysisVersion>,
}

/// A comment after the text stage, waiting for the model.
struct Staged {
    analysis: Analysis,
    prepared: Prepared,
    clauses: Vec<Clause>,
    /// Whether it had more than [`MAX_CLAUSES`] clauses (only the first were read).
    clauses_cut: bool,
}

impl Analyzer {
    /// The full analyzer: text pipeline, encoder, sentiment head and topics from `models/`.
    pub fn load(options: Options) -> Result<Analyzer> {
        // jieba's dictionary, the IDF table and the script tables load on their own thread
        // while ONNX Runtime builds its session (about 0.15 s of a 0.4 s start-up otherwise).
        let warm = std::thread::spawn(warm_up_text);
        let loaded = Self::load_models(options);
        let _ = warm.join();
        loaded
    }

    fn load_models(options: Options) -> Result<Analyzer> {
        let paths = ModelPaths::resolve(options.models.as_deref(), options.encoder.variant)?;
        let encoder = load_encoder(&paths, &options.encoder)?;
        let sentiment =
            SentimentHead::load(&paths.paired_file("sentiment-head.json", "sentiment/head.json"))?;
        let taxonomy_path = options
            .taxonomy
            .clone()
            .unwrap_or_else(|| paths.root.join("taxonomy.toml"));
        let taxonomy = Taxonomy::load(&taxonomy_path)?;
        let calibration = Calibration::load_or_default(
            &paths.paired_file("calibration.json", "topics/calibration.json"),
        )?;
        let version = version::for_model(&options, &paths, taxonomy_path);
        let parts = (encoder, sentiment, version);
        Self::from_parts(options, parts, &taxonomy, calibration)
    }

    /// An analyzer over parts already loaded: any [`Encoder`] (the fast test tier uses
    /// [`crate::model::hashed::HashedEncoder`]), a sentiment head of the encoder's width and
    /// the version recorded with what it analyses; a taxonomy and its calibration. The topic
    /// prototypes are embedded here.
    pub fn from_parts(
        options: Options,
        (encoder, sentiment, version): (Arc<dyn Encoder>, SentimentHead, AnalysisVersion),
        taxonomy: &Taxonomy,
        calibration: Calibration,
    ) -> Result<Analyzer> {
        if sentiment.input_dim() != encoder.dim() {
            return Err(Error::resource(
                "sentiment head",
                format!(
                    "expects {} inputs, the encoder gives {}",
                    sentiment.input_dim(),
                    encoder.dim()
                ),
            ));
        }
        let topics = TopicModel::build(taxonomy, encoder.as_ref(), calibration)?;
        Ok(Analyzer {
            idf: IdfTable::builtin(),
            version: Arc::new(version),
            options,
            models: Some(Models {
                encoder,
                sentiment,
                topics,
            }),
        })
    }

    /// The text pipeline only (language, keywords, tokens): no model files needed.
    pub fn text_only(options: Options) -> Analyzer {
        Analyzer {
            idf: IdfTable::builtin(),
            options,
            models: None,
            version: Arc::new(version::AnalysisVersion::text_only()),
        }
    }

    /// The vector of a search query, read as comments are (normalized, the same encoder
    /// and prefix), so it compares with the stored ones; `None` without a model.
    pub fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>> {
        let Some(models) = &self.models else {
            return Ok(None);
        };
        let prepared = Prepared::new(text)?;
        let embedded = models.encoder.embed(&[prepared.normalized.text.as_str()])?;
        Ok(Some(embedded.row(0).to_vec()))
    }

    /// The fingerprint of the model and taxonomy in use ([`version`]), stored with every
    /// comment this analyzer analyses for the index.
    pub fn analysis_version(&self) -> &str {
        self.version.get()
    }

    /// The same, shared (for a writer that stores what others analyse).
    pub fn version_handle(&self) -> Arc<version::AnalysisVersion> {
        self.version.clone()
    }

    /// Which encoder weights are in use, if a model is loaded.
    pub fn precision(&self) -> Option<Precision> {
        self.models.as_ref().map(|_| self.options.encoder.precision)
    }

    /// The topic model in force, if a model is loaded.
    pub fn topic_model(&self) -> Option<&TopicModel> {
        self.models.as_ref().map(|m| &m.topics)
    }

    /// The encoder, if a model is loaded.
    pub fn encoder(&self) -> Option<&dyn Encoder> {
        self.models.as_ref().map(|m| m.encoder.as_ref())
    }

    /// Inputs through the text stage and the encoder, to be scored by several topic models
    /// (calibration scores the same comments under many; see [`EncodedBatch::topic_features`]).
    pub fn encode_for_topics(&self, inputs: &[Input]) -> Result<EncodedBatch> {
        let models = self
            .models
            .as_ref()
            .ok_or_else(|| Error::User("topic features need the model".into()))?;
        let staged = self.stage(inputs)?;
        let encoded = encode(models, &staged.iter().collect::<Vec<_>>())?;
        Ok(EncodedBatch { staged, encoded })
    }

    /// Analyse one text.
    pub fn analyze_one(&self, input: &Input) -> Result<Analysis> {
        let mut out = self.analyze(std::slice::from_ref(input))?;
        out.pop()
            .ok_or_else(|| Error::Internal("analysis of one text returned nothing".into()))
    }

    /// The text stage of one input: everything but the model.
    fn analyze_text(&self, input: &Input) -> Result<Staged> {
        let prepared = Prepared::new(&input.text)?;
        let tokens = prepared.tokens(Mode::Default);
        let keywords = keywords::keywords(&tokens, self.idf, self.options.keywords);
        let views = self.options.tokens.then(|| {
            tokens
                .iter()
                .map(|t| {
                    let span = prepared.original_span(t.start..t.end);
                    TokenView {
                        text: t.text.clone(),
                        start: span.start,
                        end: span.end,
                        kind: t.kind,
                        stop: crate::text::stopwords::is_stop_word(&t.text),
                    }
                })
                .collect()
        });
        let (clauses, clauses_cut) = if self.models.is_some() && self.options.topics {
            Clause::split(&prepared, &tokens)
        } else {
            (Vec::new(), false)
        };
        let analysis = Analysis {
            id: input.id.clone(),
            lang: prepared.lang,
            sentiment: None,
            topics: Vec::new(),
            keywords,
            truncated: false,
            explain: None,
            near_misses: None,
            tokens: views,
            pii: Vec::new(),
            redacted: None,
            embedding: None,
        };
        Ok(Staged {
            analysis,
            prepared,
            clauses,
            clauses_cut,
        })
    }

    /// The text stage of a batch, in parallel.
    fn stage(&self, inputs: &[Input]) -> Result<Vec<Staged>> {
        inputs.par_iter().map(|i| self.analyze_text(i)).collect()
    }

    /// Analyse a batch: the text stage in parallel, then one encoder pass over the batch
    /// (comments and their clauses together), each distinct normalized text once. An empty
    /// text anywhere fails the whole batch with an error naming its position (or id),
    /// before anything is computed.
    pub fn analyze(&self, inputs: &[Input]) -> Result<Vec<Analysis>> {
        self.analyze_with(inputs, None)
    }

    /// [`Analyzer::analyze`] through a cache of recent results: texts whose normalized
    /// text it holds are not encoded again, and the batch's results go into it.
    pub fn analyze_cached(&self, inputs: &[Input], cache: &ResultCache) -> Result<Vec<Analysis>> {
        self.analyze_with(inputs, Some(cache))
    }

    /// Every text encoded, repeats too: what [`Analyzer::analyze`] did before it shared
    /// work between repeats, kept to measure that sharing against.
    pub fn analyze_each(&self, inputs: &[Input]) -> Result<Vec<Analysis>> {
        check_blank(inputs)?;
        let staged = self.stage(inputs)?;
        let Some(models) = &self.models else {
            return Ok(staged.into_iter().map(|s| s.analysis).collect());
        };
        let encoded = encode(models, &staged.iter().collect::<Vec<_>>())?;
        Ok(staged
            .into_par_iter()
            .enumerate()
            .map(|(i, s)| {
                let mut a = s.analysis;
                self.model_part(models, &s.prepared, &s.clauses, s.clauses_cut, &encoded, i)
                    .set(&mut a);
                a
            })
            .collect())
    }

    fn analyze_with(&self, inputs: &[Input], cache: Option<&ResultCache>) -> Result<Vec<Analysis>> {
        check_blank(inputs)?;
        let staged = self.stage(inputs)?;
        let Some(models) = &self.models else {
            return Ok(staged.into_iter().map(|s| s.analysis).collect());
        };
        let keys: Vec<&str> = staged
            .iter()
            .map(|s| s.prepared.normalized.text.as_str())
            .collect();
        let plan = Plan::new(&keys, cache);
        let todo: Vec<&Staged> = plan.compute.iter().map(|&i| &staged[i]).collect();
        let encoded = encode(models, &todo)?;
        // Scoring clauses against every prototype is the largest cost after the encoder:
        // spread it over the cores too.
        let parts: Vec<ModelPart> = todo
            .par_iter()
            .enumerate()
            .map(|(j, s)| {
                self.model_part(models, &s.prepared, &s.clauses, s.clauses_cut, &encoded, j)
            })
            .collect();
        let shared: Vec<Arc<ModelPart>> = parts
            .par_iter()
            .zip(&todo)
            .map(|(part, s)| Arc::new(part.to_normalized(&s.prepared.normalized)))
            .collect();
        if let Some(cache) = cache {
            cache.record(&plan, &keys, &shared);
        }
        Ok(staged
            .into_par_iter()
            .zip(plan.sources)
            .map(|(s, source)| {
                let mut a = s.analysis;
                match source {
                    Source::Compute(j) => parts[j].set(&mut a),
                    Source::Copy(j) => shared[j].apply(&mut a, &s.prepared.normalized),
                    Source::Cached(part) => part.apply(&mut a, &s.prepared.normalized),
                }
                a
            })
            .collect())
    }

    /// The model's fields for the `i`th comment of `encoded`, spans on its original text.
    fn model_part(
        &self,
        models: &Models,
        prepared: &Prepared,
        clauses: &[Clause],
        clauses_cut: bool,
        encoded: &Encoded,
        i: usize,
    ) -> ModelPart {
        let sentiment = models.sentiment.predict(encoded.comments.row(i));
        let (topics, explain, near_misses) = if self.options.topics {
            let reading = aspects::Reading {
                prepared,
                clauses,
                vectors: encoded.vectors(i),
                comment: sentiment,
            };
            let explain = self.options.explain;
            let (assigned, missed) =
                models
                    .topics
                    .assign(prepared, clauses, &reading.vectors, explain);
            let (hits, evidence) =
                aspects::topic_hits(&reading, assigned, &models.sentiment, explain);
            (hits, evidence, (!missed.is_empty()).then_some(missed))
        } else {
            (Vec::new(), None, None)
        };
        ModelPart {
            sentiment: Some(sentiment),
            topics,
            explain,
            near_misses,
            truncated: encoded.comments.truncated[i] || clauses_cut,
            embedding: Some(encoded.comments.row(i).to_vec()),
        }
    }
}

/// The encoder `options` name, on its backend.
fn load_encoder(paths: &ModelPaths, options: &EncoderOptions) -> Result<Arc<dyn Encoder>> {
    match options.backend {
        Backend::Ort => Ok(Arc::new(OnnxEncoder::load(paths, options)?)),
        #[cfg(feature = "rust-bert")]
        Backend::RustBert => Ok(Arc::new(crate::model::libtorch::TorchEncoder::load(
            paths,
            options.threads,
            options.batch_size,
        )?)),
        #[cfg(not(feature = "rust-bert"))]
        Backend::RustBert => Err(Error::User(
            "the rust-bert backend is not in this build: build with `--features rust-bert` \
             (docs/rust-bert.md), or use the default backend, ort"
                .into(),
        )),
    }
}

/// Load the text stage's tables (jieba's dictionary, the IDF table, the script tables) by
/// running it once.
fn warm_up_text() {
    IdfTable::builtin();
    if let Ok(prepared) = Prepared::new("预热，warm up") {
        prepared.tokens(Mode::Default);
    }
}

/// An empty text fails its batch, named by its id or its place.
fn check_blank(inputs: &[Input]) -> Result<()> {
    match inputs
        .iter()
        .enumerate()
        .find(|(_, input)| is_blank(&input.text))
    {
        Some((i, input)) => Err(Error::EmptyText(Some(match &input.id {
            Some(id) => format!("id {id}"),
            None => format!("item {}", i + 1),
        }))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    #[test]
    fn batch_keeps_order_and_ids() {
        let analyzer = Analyzer::text_only(Options::default());
        let inputs = vec![
            Input {
                id: Some("a".into()),
                text: "The refund took three weeks".into(),
            },
            Input {
                id: Some("b".into()),
                text: "發票開錯了".into(),
            },
        ];
        let out = analyzer.analyze(&inputs).unwrap();
        assert_eq!(out[0].id.as_deref(), Some("a"));
        assert_eq!(out[0].lang, Lang::En);
        assert_eq!(out[1].lang, Lang::ZhHant);
        assert!(
            out[1].keywords.iter().any(|k| k.term == "发票"),
            "{:?}",
            out[1].keywords
        );
    }

    #[test]
    fn empty_item_names_its_place() {
        let analyzer = Analyzer::text_only(Options::default());
        let err = analyzer
            .analyze(&[Input::new("ok"), Input::new("  ")])
            .unwrap_err();
        assert_eq!(err.to_string(), "empty text (item 2)");
    }

    #[test]
    fn tokens_carry_original_spans() {
        let analyzer = Analyzer::text_only(Options {
            tokens: true,
            ..Options::default()
        });
        let text = "ＡＰＰ老是crash";
        let a = analyzer.analyze_one(&Input::new(text)).unwrap();
        let tokens = a.tokens.unwrap();
        assert_eq!(&text[tokens[0].start..tokens[0].end], "ＡＰＰ");
        assert_eq!(tokens[0].text, "app");
        assert_eq!(a.lang, Lang::Mixed);
    }
}
