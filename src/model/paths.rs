//! Where the model files are: `--models DIR` / `VERBATIM_MODELS`, else the first `models/`
//! found in the working directory, beside the executable (and its ancestors, which covers
//! `target/release/verbatim`), or in the source tree the binary was built from.
//!
//! Setup installs two encoders there: the default one in `e5-small/` (the distilled 6-layer
//! student, `make setup`) and the 12-layer fine-tuned teacher it learned from in
//! `e5-small-teacher/`, for users who want its last point of accuracy at about half the speed
//! ([`Variant`]; `--encoder teacher`, `VERBATIM_ENCODER`, or `encoder = "teacher"` in the config),
//! and the registry encoder they both started from in `e5-small-frozen/` (`--encoder frozen`,
//! the old model, for comparisons). `e5-small-fast/` holds a 4-layer student distilled from
//! the default one (`--encoder fast`): about 1.4× its speed, a point or two less accurate.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Which of the installed encoders to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Variant {
    /// The one setup composed into `e5-small/` (the student unless `make setup MODEL=...`
    /// chose another).
    #[default]
    Default,
    /// The fine-tuned 12-layer teacher in `e5-small-teacher/`.
    Teacher,
    /// The registry's multilingual-e5-small, unchanged, with the project's first heads, in
    /// `e5-small-frozen/`: the old model, kept for comparisons.
    Frozen,
    /// The 4-layer student distilled from the default one, in `e5-small-fast/`.
    Fast,
}

impl Variant {
    /// Its folder under `models/`.
    pub fn folder(self) -> &'static str {
        match self {
            Variant::Default => "e5-small",
            Variant::Teacher => "e5-small-teacher",
            Variant::Frozen => "e5-small-frozen",
            Variant::Fast => "e5-small-fast",
        }
    }
}

/// The files the encoder needs.
#[derive(Debug, Clone)]
pub struct ModelPaths {
    /// The `models/` directory.
    pub root: PathBuf,
    /// The encoder's folder under it (see [`Variant`]).
    pub encoder: PathBuf,
    /// ONNX Runtime's shared library (`ORT_DYLIB_PATH` overrides).
    pub ort_dylib: PathBuf,
}

impl ModelPaths {
    /// Resolve the model directory: `explicit`, then `VERBATIM_MODELS`, then discovery; and
    /// in it the folder of `variant`.
    pub fn resolve(explicit: Option<&Path>, variant: Variant) -> Result<ModelPaths> {
        let root = match explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("VERBATIM_MODELS").map(PathBuf::from))
        {
            Some(dir) => dir,
            None => discover().ok_or_else(|| {
                Error::resource(
                    "models",
                    "no models/ directory found: run `make setup`, or pass --models DIR \
                     (or set VERBATIM_MODELS)",
                )
            })?,
        };
        let encoder = root.join(variant.folder());
        if !encoder.join("tokenizer.json").exists() {
            return Err(Error::resource(
                "models",
                format!(
                    "{} has no {}/ encoder (run `make setup`)",
                    root.display(),
                    variant.folder()
                ),
            ));
        }
        let ort_dylib = std::env::var_os("ORT_DYLIB_PATH")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("onnxruntime").join("libonnxruntime.so"));
        Ok(ModelPaths {
            root,
            encoder,
            ort_dylib,
        })
    }

    /// A file in the encoder's folder.
    pub fn encoder_file(&self, name: &str) -> PathBuf {
        self.encoder.join(name)
    }

    /// A file that belongs with the encoder: `NAME` in its folder when setup put one there
    /// (a fine-tuned encoder brings its own sentiment head and topic calibration), else
    /// `DEFAULT` under `models/` (the frozen encoder's).
    pub fn paired_file(&self, name: &str, default: &str) -> PathBuf {
        let paired = self.encoder_file(name);
        if paired.exists() {
            paired
        } else {
            self.root.join(default)
        }
    }
}

fn discover() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("models")];
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|dir| dir.join("models")));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    candidates
        .into_iter()
        .find(|dir| dir.join("e5-small").join("tokenizer.json").exists())
}
