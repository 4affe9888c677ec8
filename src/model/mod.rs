//! The model stage: a transformer encoder (multilingual-e5-small on ONNX Runtime, or on
//! libtorch through rust-bert with the `rust-bert` feature) and the classifiers on top of it.
//!
//! In: normalized texts. Out: plain Rust types (embeddings as `Vec<f32>` rows, sentiment
//! probabilities); tensors never leave this module.

pub mod cache;
pub mod calibrate;
pub mod encoder;
pub mod hashed;
mod lanes;
#[cfg(feature = "rust-bert")]
pub mod libtorch;
pub mod onnx;
pub mod paths;
pub mod probe;
mod probe_cache;
pub mod prototypes;
pub mod sentiment;
mod session;
pub mod taxonomy;
pub mod tokenizer;
pub mod topics;
pub mod unigram;

pub use encoder::{Embeddings, Encoder};
pub use onnx::{Backend, OnnxEncoder, Precision};
pub use paths::{ModelPaths, Variant};
