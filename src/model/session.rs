//! ONNX Runtime sessions for the encoder: the process's environment, the options every
//! session runs with, and the weights the sessions of one encoder share.
//!
//! In: the model's path and thread count. Out: a [`Session`]. The int8 model's word-embedding
//! table lives beside the graph (`model.int8.embeddings`, written by
//! scripts/prepare_model.py); [`Shared`] reads it once and every session (a server has two)
//! runs on that one buffer, as on one set of repacked matrix weights.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::{GraphOptimizationLevel, PrepackedWeights};
use ort::value::{DynValue, Tensor};

use super::onnx::DIM;
use super::paths::ModelPaths;
use crate::{Error, Result};

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

pub(super) fn environment(paths: &ModelPaths) -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let dylib = &paths.ort_dylib;
        if !dylib.exists() {
            return Err(format!(
                "{} not found (run `make setup`, or set ORT_DYLIB_PATH)",
                dylib.display()
            ));
        }
        ort::init_from(dylib)
            .map_err(|e| format!("{}: {e}", dylib.display()))?
            .with_name("verbatim")
            .with_telemetry(false)
            .build()
            .map_err(|e| e.to_string())
    });
    env.as_ref()
        .map_err(|message| Error::resource("onnxruntime", message))
}

/// The graph optimization every session leaves out: residual adds are not fused into their
/// layer norms. ONNX Runtime's CPU `SkipLayerNormalization` took as long as all the int8
/// matrix products together (a quarter of the encoder's time, profiled on one thread),
/// while `Add` + `LayerNormalization` take a third of that (encoder ~1.3-1.4x faster, same
/// vectors within int8 noise).
pub(super) const DISABLED_OPTIMIZERS: (&str, &str) = (
    "optimization.disable_specified_optimizers",
    "SkipLayerNormFusion",
);

/// ONNX Runtime's intra-op threads spin-wait for work between and after runs by default.
/// On a server whose two sessions, HTTP workers and clients share a few cores, the spinning
/// threads take the cores the other session needs: `POST /v1/analyze` at 16 clients on 2
/// cores ran at 348–411 requests/s (p99 86–98 ms) spinning against 660–699 (p99 49–53 ms)
/// without, back to back (`scripts/load_test.sh`); batch `analyze` is the same either way.
const NO_SPINNING: (&str, &str) = ("session.intra_op.allow_spinning", "0");

/// The initializer `model.int8.embeddings` replaces (scripts/prepare_model.py).
const EMBEDDINGS: &str = "word_embeddings_quantized";

/// Weights that every session of one encoder shares instead of loading its own copy.
pub(super) struct Shared {
    /// The weights ONNX Runtime repacks for its matrix kernels.
    packed: PrepackedWeights,
    /// The int8 word-embedding table, when setup stored it beside the model.
    embeddings: Option<Arc<DynValue>>,
}

impl Shared {
    /// Read `model`'s shared table, if it has one (the int8 model; fp32 keeps its table
    /// inside the graph): [vocabulary, DIM] bytes, row-major.
    pub(super) fn load(model: &Path) -> Result<Shared> {
        let path = model.with_extension("embeddings");
        let embeddings = match std::fs::read(&path) {
            Ok(bytes) => Some(Arc::new(embedding_table(&path, bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::resource(path.display().to_string(), e)),
        };
        Ok(Shared {
            packed: PrepackedWeights::new(),
            embeddings,
        })
    }
}

fn embedding_table(path: &Path, bytes: Vec<u8>) -> Result<DynValue> {
    let what = path.display().to_string();
    if bytes.is_empty() || !bytes.len().is_multiple_of(DIM) {
        return Err(Error::resource(
            what,
            format!(
                "{} bytes are not rows of {DIM} (run `make setup` again)",
                bytes.len()
            ),
        ));
    }
    let rows = bytes.len() / DIM;
    let tensor = Tensor::from_array(([rows, DIM], bytes.into_boxed_slice()))
        .map_err(|e| Error::resource(&what, e))?;
    Ok(tensor.into_dyn())
}

/// A session on `model` with `threads` intra-op threads and the options above, on the
/// weights of `shared`. Without a memory pattern (planned for one input shape; ours change
/// with every batch) a 512-token text leaves about 40 MB less behind in the session's
/// arena, at the same speed.
pub(super) fn open_session(
    env: &Environment,
    model: &Path,
    threads: usize,
    shared: &Shared,
) -> Result<Session> {
    let what = model.display().to_string();
    let err = |e: ort::Error<_>| Error::resource(&what, e);
    let builder = Session::builder(env).map_err(|e| Error::resource(&what, e))?;
    let builder = match &shared.embeddings {
        Some(table) => builder
            .with_initializer(EMBEDDINGS, Arc::clone(table))
            .map_err(err)?,
        None => builder,
    };
    builder
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(err)?
        .with_intra_threads(threads)
        .map_err(err)?
        .with_inter_threads(1)
        .map_err(err)?
        .with_memory_pattern(false)
        .map_err(err)?
        .with_config_entry(DISABLED_OPTIMIZERS.0, DISABLED_OPTIMIZERS.1)
        .map_err(err)?
        .with_config_entry(NO_SPINNING.0, NO_SPINNING.1)
        .map_err(err)?
        .with_prepacked_weights(&shared.packed)
        .map_err(err)?
        .commit_from_file(model)
        .map_err(|e| Error::resource(&what, e))
}
