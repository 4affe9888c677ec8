//! The encoder on libtorch through rust-bert (the `rust-bert` feature): the same weights
//! as the ONNX path, run by rust-bert's `BertModel`.
//!
//! In: the model folder's `torch.npz` and `torch-config.json`, written from its
//! `model.fp32.onnx` by `scripts/export_torch.py` (`make setup-rust-bert`), and its
//! `tokenizer.json`. Out: the same sentence vectors (mean of the last token states over the
//! mask, L2-normalized) and span vectors as [`super::OnnxEncoder`] at fp32, on a CUDA GPU
//! when libtorch sees one, else on the CPU. Texts are tokenized, cut and pooled by the same
//! code as the ONNX path; only the transformer differs.

use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rust_bert::Config;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{Device, Kind, Tensor, nn};

use super::encoder::{Embeddings, Encoder, wanted_spans};
use super::onnx::{DIM, PAD_ID, Tokenized, pool_spans, tokenize};
use super::paths::ModelPaths;
use super::tokenizer::EncoderTokenizer;
use crate::{Error, Result};

/// The weights and the configuration `scripts/export_torch.py` writes.
pub const WEIGHTS: &str = "torch.npz";
pub const CONFIG: &str = "torch-config.json";

/// The e5 encoder on libtorch.
pub struct TorchEncoder {
    model: Mutex<BertModel<BertEmbeddings>>,
    /// Holds the weights the model's layers point into.
    _store: nn::VarStore,
    tokenizer: Arc<EncoderTokenizer>,
    device: Device,
    batch_size: usize,
}

impl TorchEncoder {
    /// Load the converted weights from the encoder's folder; `threads` libtorch threads on
    /// the CPU (0: libtorch's default).
    pub fn load(paths: &ModelPaths, threads: usize, batch_size: usize) -> Result<TorchEncoder> {
        let dir = &paths.encoder;
        let (weights, config) = (dir.join(WEIGHTS), dir.join(CONFIG));
        if !weights.is_file() || !config.is_file() {
            return Err(Error::resource(
                weights.display().to_string(),
                "not found: run `make setup-rust-bert` (it converts model.fp32.onnx)",
            ));
        }
        if threads > 0 {
            tch::set_num_threads(threads as i32);
        }
        let device = Device::cuda_if_available();
        let config = BertConfig::from_file(&config);
        let mut store = nn::VarStore::new(device);
        let model = BertModel::new_with_optional_pooler(store.root(), &config, false);
        fill(&mut store, &weights)?;
        let tokenizer = super::tokenizer::load(&dir.join("tokenizer.json"))?;
        Ok(TorchEncoder {
            model: Mutex::new(model),
            _store: store,
            tokenizer,
            device,
            batch_size: batch_size.max(1),
        })
    }

    /// Where the model runs (`Cpu` or `Cuda(n)`).
    pub fn device(&self) -> Device {
        self.device
    }

    fn encode(
        &self,
        texts: &[&str],
        spans: Option<&[Vec<Range<usize>>]>,
    ) -> Result<(Embeddings, Vec<Embeddings>)> {
        let tokenized = tokenize(&self.tokenizer, texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokenized[i].ids.len());
        let mut data = vec![0f32; texts.len() * DIM];
        let empty = Embeddings {
            dim: DIM,
            data: Vec::new(),
            truncated: Vec::new(),
        };
        let mut pooled = vec![empty; texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<&Tokenized> = chunk.iter().map(|&i| &tokenized[i]).collect();
            let (sentences, states, width) = self.run_batch(&batch, spans.is_some())?;
            for (row, &i) in chunk.iter().enumerate() {
                let sentence = &sentences[row * DIM..(row + 1) * DIM];
                data[i * DIM..(i + 1) * DIM].copy_from_slice(sentence);
                if let (Some(spans), Some(states)) = (spans, &states) {
                    let rows = &states[row * width * DIM..(row + 1) * width * DIM];
                    pooled[i] = pool_spans(rows, &tokenized[i].offsets, &spans[i], sentence);
                }
            }
        }
        let truncated = tokenized.into_iter().map(|t| t.truncated).collect();
        let embeddings = Embeddings {
            dim: DIM,
            data,
            truncated,
        };
        Ok((embeddings, pooled))
    }

    /// One padded batch: its sentence vectors, and with `states` its token states and width.
    fn run_batch(
        &self,
        batch: &[&Tokenized],
        states: bool,
    ) -> Result<(Vec<f32>, Option<Vec<f32>>, usize)> {
        let width = batch.iter().map(|t| t.ids.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![PAD_ID; batch.len() * width];
        let mut mask = vec![0i64; batch.len() * width];
        for (row, t) in batch.iter().enumerate() {
            for (k, &id) in t.ids.iter().enumerate() {
                ids[row * width + k] = i64::from(id);
                mask[row * width + k] = 1;
            }
        }
        let shape = [batch.len() as i64, width as i64];
        let ids = Tensor::from_slice(&ids).view(shape).to(self.device);
        let mask = Tensor::from_slice(&mask).view(shape).to(self.device);
        let model = self
            .model
            .lock()
            .map_err(|_| Error::Internal("libtorch model lock poisoned".into()))?;
        let hidden = tch::no_grad(|| {
            model.forward_t(Some(&ids), Some(&mask), None, None, None, None, None, false)
        })
        .map_err(|e| Error::Internal(format!("rust-bert: {e}")))?
        .hidden_state;
        let weights = mask.unsqueeze(-1).to_kind(Kind::Float);
        let summed = (&hidden * &weights).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
        let counts = weights
            .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
            .clamp_min(1e-9);
        let mean = summed / counts;
        let norm = mean
            .norm_scalaropt_dim(2, [1i64].as_slice(), true)
            .clamp_min(1e-12);
        let sentences = floats(&(mean / norm))?;
        let states = match states {
            true => Some(floats(&hidden)?),
            false => None,
        };
        Ok((sentences, states, width))
    }
}

/// A tensor's values, on the CPU, as `f32`s.
fn floats(t: &Tensor) -> Result<Vec<f32>> {
    let t = t.to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
    Vec::<f32>::try_from(t.view([-1])).map_err(|e| Error::Internal(format!("libtorch: {e}")))
}

/// Copy the converted weights into every variable of the model; a variable the file lacks
/// (or one of another shape) is an error naming it.
fn fill(store: &mut nn::VarStore, weights: &Path) -> Result<()> {
    let what = weights.display().to_string();
    let named = Tensor::read_npz(weights).map_err(|e| Error::resource(&what, e))?;
    let named: std::collections::HashMap<String, Tensor> = named.into_iter().collect();
    tch::no_grad(|| {
        for (name, mut var) in store.variables() {
            let Some(value) = named.get(&name) else {
                return Err(Error::resource(&what, format!("no tensor `{name}`")));
            };
            if value.size() != var.size() {
                let shapes = format!("{:?} where the model has {:?}", value.size(), var.size());
                return Err(Error::resource(&what, format!("`{name}`: {shapes}")));
            }
            var.copy_(&value.to_device(var.device()));
        }
        Ok(())
    })
}

impl Encoder for TorchEncoder {
    fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        Ok(self.encode(texts, None)?.0)
    }

    fn embed_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<Range<usize>>],
    ) -> Result<(Embeddings, Vec<Embeddings>)> {
        self.encode(texts, wanted_spans(texts, spans)?)
    }

    fn dim(&self) -> usize {
        DIM
    }
}
