//! Where the model files are: `--models DIR` / `VERBATIM_MODELS`, else the first `models/`
//! found in the working directory, beside the executable (and its ancestors, which covers
//! `target/release/verbatim`), or in the source tree the binary was built from.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The files the encoder needs.
#[derive(Debug, Clone)]
pub struct ModelPaths {
    /// The `models/` directory.
    pub root: PathBuf,
    /// ONNX Runtime's shared library (`ORT_DYLIB_PATH` overrides).
    pub ort_dylib: PathBuf,
}

impl ModelPaths {
    /// Resolve the model directory: `explicit`, then `VERBATIM_MODELS`, then discovery.
    pub fn resolve(explicit: Option<&Path>) -> Result<ModelPaths> {
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
        if !root.join("e5-small").is_dir() {
            return Err(Error::resource(
                "models",
                format!("{} has no e5-small/ (run `make setup`)", root.display()),
            ));
        }
        let ort_dylib = std::env::var_os("ORT_DYLIB_PATH")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("onnxruntime").join("libonnxruntime.so"));
        Ok(ModelPaths { root, ort_dylib })
    }

    /// A file under `e5-small/`.
    pub fn encoder_file(&self, name: &str) -> PathBuf {
        self.root.join("e5-small").join(name)
    }

    /// A file that belongs with the encoder setup installed: `e5-small/NAME` when setup put
    /// one there (the fine-tuned encoder brings its own sentiment head and topic calibration,
    /// `make setup MODEL=v3`), else `DEFAULT` under `models/` (the frozen encoder's).
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
