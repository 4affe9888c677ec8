//! Integration tests: one binary, modules per area, fixtures in `common`.

mod api;
mod cli;
mod common;
mod custom_taxonomy;
mod discover;
mod dist;
mod encodings;
mod export;
mod index;
mod model;
mod near_misses;
mod pii;
mod quantization;
mod reanalyze;
mod reanalyze_serve;
mod report;
mod report_compare;
mod report_export;
mod report_october;
mod report_tz;
#[cfg(feature = "rust-bert")]
mod rust_bert;
mod score;
#[cfg(feature = "parquet")]
mod score_parquet;
mod sentiment;
mod text;
mod topics;
mod vocab;
mod web;
