//! The native module `verbatim._verbatim` behind the Python package (python/verbatim/).
//!
//! In: Python calls: `Analyzer(models=None, taxonomy=None, threads=None, topics=True,
//! keywords=5)`, then `analyze(texts)` with a sequence of `str`. Out: one `dict` per text
//! in the JSON Analysis shape (docs/analysis.md): the CLI's JSON text, parsed by Python's
//! `json` (same field order, same numbers).
//!
//! The model loads and the analysis runs with the GIL released (`Python::detach`), so
//! other Python threads go on meanwhile and several threads may share one `Analyzer`.
//! Texts are analysed in batches of [`BATCH`], as `verbatim score` does. A bad text
//! raises `TypeError`/`ValueError` naming `texts[i]`; the library's user errors raise
//! `ValueError` and its other errors `verbatim.VerbatimError`, with the library's message.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use verbatim::analyze::{Analysis, Analyzer as Engine, Input, Options};
use verbatim::model::onnx::EncoderOptions;

/// Texts analysed per call into the library: the batch size of `verbatim score`.
pub const BATCH: usize = 1000;

create_exception!(
    _verbatim,
    VerbatimError,
    PyException,
    "A failure inside Verbatim (missing or broken model files, an internal error). Bad \
     input raises ValueError or TypeError instead."
);

/// The library's error as a Python exception with the same message.
fn py_error(err: verbatim::Error) -> PyErr {
    if err.is_user_error() {
        PyValueError::new_err(err.to_string())
    } else {
        VerbatimError::new_err(err.to_string())
    }
}

/// The analysis engine, loaded once (model, sentiment head, topics); share it across
/// threads rather than loading one per thread.
#[pyclass(frozen, subclass, module = "verbatim._verbatim")]
struct Analyzer {
    engine: Arc<Engine>,
}

#[pymethods]
impl Analyzer {
    /// Load the model. `models`: the models/ directory (default: `VERBATIM_MODELS`, then
    /// ./models, then the repository the package was built from); `taxonomy`: a TOML
    /// taxonomy replacing models/taxonomy.toml; `threads`: encoder threads (default: one
    /// per core; a call's batches run side by side, one per thread); `topics=False`:
    /// sentiment only, faster; `keywords`: kept per text.
    #[new]
    #[pyo3(signature = (models=None, taxonomy=None, threads=None, topics=true, keywords=5))]
    fn new(
        py: Python<'_>,
        models: Option<PathBuf>,
        taxonomy: Option<PathBuf>,
        threads: Option<usize>,
        topics: bool,
        keywords: usize,
    ) -> PyResult<Self> {
        let options = Options {
            keywords,
            models,
            taxonomy,
            encoder: EncoderOptions {
                threads: threads.unwrap_or(0),
                ..EncoderOptions::default()
            },
            topics,
            ..Options::default()
        };
        let engine = py.detach(|| Engine::load(options)).map_err(py_error)?;
        Ok(Analyzer {
            engine: Arc::new(engine),
        })
    }

    /// Analyse `texts` (a list or other sequence of str); one dict per text, in order, in
    /// the JSON Analysis shape: lang, sentiment {label, score, probs}, topics, keywords.
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inputs = inputs(texts)?;
        let engine = Arc::clone(&self.engine);
        let json = py
            .detach(move || analyze_to_json(&engine, &inputs))
            .map_err(|(first, e)| match py_error(e) {
                err if first == 0 => err,
                err => PyErr::from_type(
                    err.get_type(py),
                    format!("texts[{first}..]: {}", err.value(py)),
                ),
            })?;
        py.import("json")?.call_method1("loads", (json,))
    }

    fn __repr__(&self) -> String {
        let precision = self
            .engine
            .precision()
            .map_or("none".to_string(), |p| format!("{p:?}").to_lowercase());
        format!("verbatim.Analyzer(precision={precision})")
    }
}

/// The texts of `texts` as inputs; a str (not a list), a non-str item or an empty text is
/// refused by position.
fn inputs(texts: &Bound<'_, PyAny>) -> PyResult<Vec<Input>> {
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "texts: expected a list of str, got one str (wrap it in a list)",
        ));
    }
    let items = texts.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "texts: expected a list of str, got {}",
            type_name(texts)
        ))
    })?;
    let mut inputs = Vec::new();
    for (i, item) in items.enumerate() {
        let item = item?;
        if !item.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "texts[{i}]: expected str, got {}",
                type_name(&item)
            )));
        }
        let text: String = item
            .extract()
            .map_err(|e| PyValueError::new_err(format!("texts[{i}]: not valid text: {e}")))?;
        if text.trim().is_empty() {
            return Err(PyValueError::new_err(format!("texts[{i}]: empty text")));
        }
        inputs.push(Input::new(text));
    }
    Ok(inputs)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Analyse in batches of [`BATCH`] into one JSON array (the CLI's JSON, parsed by
/// Python's `json` into dicts: field order and f32 numbers as `verbatim analyze` prints
/// them). An error comes with the position of its batch.
fn analyze_to_json(engine: &Engine, inputs: &[Input]) -> Result<String, (usize, verbatim::Error)> {
    let mut out: Vec<Analysis> = Vec::with_capacity(inputs.len());
    for (n, batch) in inputs.chunks(BATCH).enumerate() {
        out.extend(engine.analyze(batch).map_err(|e| (n * BATCH, e))?);
    }
    serde_json::to_string(&out).map_err(|e| (0, verbatim::Error::Internal(e.to_string())))
}

/// The native module.
#[pymodule]
fn _verbatim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyzer>()?;
    m.add("VerbatimError", m.py().get_type::<VerbatimError>())?;
    m.add("BATCH", BATCH)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
