//! # Verbatim
//!
//! Verbatim turns open-ended customer feedback in Chinese (Simplified and Traditional) and
//! English into answers: language, sentiment, topics with their own sentiment, keywords,
//! searchable comments and reports (drivers, pain points, trends, summary, compare,
//! segments, discover). The user-facing reference is `docs/` in the repository;
//! `ARCHITECTURE.md` maps the modules.
//!
//! The modules follow the pipeline:
//! - [`text`]: normalize, detect language, fold Traditional to Simplified, segment,
//!   keywords, clauses, PII masking, input decoding;
//! - [`model`]: the encoder (ONNX Runtime), sentiment head, taxonomy and topic model;
//! - [`analysis`]: the [`analysis::Analysis`] types; [`analyze`]: the one function every
//!   entry point calls (texts → analyses);
//! - [`comment`]: a comment with its metadata and validation; [`index`]: the tantivy
//!   index (schema, tokenizer, writer, search);
//! - [`report`]: the reports over the index; [`score`]: batch scoring of CSV/JSONL files;
//!   [`batches`]: the one batching loop of ingest and score;
//!   [`eval`]: quality against gold labels;
//! - [`api`]: the HTTP API and web page; [`error`]: the typed [`Error`].
//!
//! ```
//! use verbatim::analyze::{Analyzer, Input, Options};
//!
//! // The text pipeline alone; `Analyzer::load` adds the model (sentiment) from `models/`.
//! let analyzer = Analyzer::text_only(Options::default());
//! let out = analyzer.analyze(&[Input::new("客服有回覆了，但發票還沒開")]).unwrap();
//! assert_eq!(out[0].lang.code(), "zh-Hant");
//! assert!(out[0].keywords.iter().any(|k| k.term == "发票"));
//! ```

/// Golden tests: `golden! { |input| f(input); name: INPUT => EXPECTED; ... }` makes one test
/// per line asserting `f(INPUT) == EXPECTED`.
#[cfg(test)]
macro_rules! golden {
    (|$arg:ident| $call:expr; $($name:ident: $input:expr => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            let $arg = $input;
            assert_eq!($call, $expected, "{}", $input);
        }
    )*};
}

pub mod analysis;
pub mod analyze;
pub mod api;
pub mod batches;
#[cfg(feature = "parquet")]
pub mod columnar;
pub mod comment;
pub mod error;
pub mod eval;
pub mod index;
pub mod model;
pub mod report;
pub mod score;
pub mod text;

pub use error::Error;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
