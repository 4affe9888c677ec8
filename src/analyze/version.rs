//! The analysis version: a short fingerprint of the model and taxonomy that analysed a
//! comment, stored with it in the index (`analysis_version`), so that `verbatim reanalyze`
//! knows which comments are stale after a model or taxonomy change and reports can say which
//! versions they cover.
//!
//! In: the files an [`super::Analyzer`] loaded (encoder weights and tokenizer, sentiment head;
//! taxonomy TOML and topic calibration). Out: `<encoder>.<precision>.m<8 hex>.t<8 hex>`, e.g.
//! `e5-small.int8.m1a2b3c4d.t5e6f7a8b`: `m` hashes the encoder weights, tokenizer and
//! sentiment head (SHA-256 of their bytes), `t` the taxonomy and calibration files, or reads
//! `notopics` when topics are off (`--no-topics`). Any byte changed in any of these files
//! changes it (a comment edited in the TOML too). Without a model it is [`TEXT_ONLY`];
//! a comment stored before versions were recorded reads [`UNKNOWN`].
//!
//! The hash is computed the first time it is asked for (about 0.15 s for the 53 MB int8
//! weights), not at load: `verbatim analyze` never needs it.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::Options;
use crate::model::{Backend, ModelPaths, Precision};

/// The version of analyses made without a model (language, keywords only).
pub const TEXT_ONLY: &str = "text-only";
/// What a comment stored before versions were recorded reads as.
pub const UNKNOWN: &str = "unknown";

/// Hex digits of each part's hash.
const HEX: usize = 8;

/// An analyzer's version, computed once on first use.
#[derive(Debug, Default)]
pub struct AnalysisVersion {
    source: Option<Source>,
    value: OnceLock<String>,
}

#[derive(Debug)]
struct Source {
    /// `<encoder folder>.<precision>`.
    encoder: String,
    /// The encoder weights, its tokenizer and the sentiment head.
    model: Vec<PathBuf>,
    /// The taxonomy and the calibration; `None` when topics are off.
    topics: Option<Vec<PathBuf>>,
}

impl AnalysisVersion {
    /// The version of the text pipeline alone ([`TEXT_ONLY`]).
    pub fn text_only() -> AnalysisVersion {
        AnalysisVersion::default()
    }

    /// The version of a model analyzer: `encoder` names the encoder and precision, `model`
    /// its files, `topics` the taxonomy and calibration files (`None`: topics off).
    pub fn model(
        encoder: String,
        model: Vec<PathBuf>,
        topics: Option<Vec<PathBuf>>,
    ) -> AnalysisVersion {
        AnalysisVersion {
            source: Some(Source {
                encoder,
                model,
                topics,
            }),
            value: OnceLock::new(),
        }
    }

    /// The fingerprint (hashing the files the first time).
    pub fn get(&self) -> &str {
        self.value.get_or_init(|| match &self.source {
            None => TEXT_ONLY.to_string(),
            Some(s) => {
                let start = std::time::Instant::now();
                let topics = match &s.topics {
                    Some(files) => format!("t{}", digest(files)),
                    None => "notopics".to_string(),
                };
                let version = format!("{}.m{}.{topics}", s.encoder, digest(&s.model));
                tracing::debug!(
                    %version,
                    seconds = start.elapsed().as_secs_f64(),
                    "analysis version computed"
                );
                version
            }
        })
    }
}

/// The first [`HEX`] hex digits of the SHA-256 over each file's name, length and bytes
/// (a missing or unreadable file counts as a marker, so the version still differs).
fn digest(files: &[PathBuf]) -> String {
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    for path in files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        hash.update(name.as_bytes());
        hash.update([0]);
        match std::fs::File::open(path) {
            Ok(mut file) => loop {
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => hash.update(&buf[..n]),
                    Err(_) => {
                        hash.update(b"\xffunreadable");
                        break;
                    }
                }
            },
            Err(_) => hash.update(b"\xffabsent"),
        }
        hash.update([0xff]);
    }
    hash.finalize()
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(HEX)
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0'))
        .collect()
}

/// The version of a model analyzer loaded from `paths`: the encoder's weights,
/// tokenizer and sentiment head, and (with topics) the taxonomy and calibration.
pub(super) fn for_model(
    options: &Options,
    paths: &ModelPaths,
    taxonomy: PathBuf,
) -> AnalysisVersion {
    let (precision, weights) = match (options.encoder.backend, options.encoder.precision) {
        (Backend::RustBert, _) => ("rust-bert", "torch.npz"),
        (Backend::Ort, Precision::Int8) => ("int8", "model.int8.onnx"),
        (Backend::Ort, Precision::Fp32) => ("fp32", "model.fp32.onnx"),
    };
    AnalysisVersion::model(
        format!("{}.{precision}", options.encoder.variant.folder()),
        vec![
            paths.encoder_file(weights),
            paths.encoder_file("tokenizer.json"),
            paths.paired_file("sentiment-head.json", "sentiment/head.json"),
        ],
        options.topics.then(|| {
            vec![
                taxonomy,
                paths.paired_file("calibration.json", "topics/calibration.json"),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_taxonomy_changes_only_the_topic_part() {
        let dir = tempfile::tempdir().unwrap();
        let (weights, taxonomy) = (dir.path().join("w.onnx"), dir.path().join("t.toml"));
        std::fs::write(&weights, b"weights").unwrap();
        std::fs::write(&taxonomy, b"[[topic]]").unwrap();
        let version = || {
            AnalysisVersion::model(
                "e5-small.int8".into(),
                vec![weights.clone()],
                Some(vec![taxonomy.clone()]),
            )
            .get()
            .to_string()
        };
        let before = version();
        assert!(before.starts_with("e5-small.int8.m"), "{before}");
        std::fs::write(&taxonomy, b"[[topic]]\n").unwrap();
        let after = version();
        assert_ne!(before, after);
        assert_eq!(before[..24], after[..24], "{before} {after}");
        let none = AnalysisVersion::model("e".into(), vec![weights.clone()], None);
        assert!(none.get().ends_with(".notopics"));
        assert_eq!(AnalysisVersion::text_only().get(), TEXT_ONLY);
    }
}
