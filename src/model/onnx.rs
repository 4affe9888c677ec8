//! multilingual-e5-small on ONNX Runtime (`ort`, the library loaded from `models/`).
//!
//! In: normalized texts. Out: [`Embeddings`]. Texts get the `query: ` prefix e5 expects, are
//! tokenized with the model's own `tokenizer.json`, cut to 512 tokens (flagged), sorted by
//! length and run in padded batches (length bucketing), so a short comment costs what it is.
//! The ONNX Runtime environment and the sessions are created once and shared: a batch command
//! runs a call's batches side by side on one single-threaded session per core, a server one
//! session with every thread plus a spare one, so that a short request need not wait behind a
//! long encoder run ([`super::lanes`]). All run on one copy of the weights: the repacked
//! matrices and the int8 word-embedding table, which setup stores beside the model as
//! `model.int8.embeddings` ([`super::session`]). With spans ([`Encoder::embed_spans`]), the
//! same call also pools each span's token states: a clause read in its comment's context, for
//! the price of the comment alone.

use std::ops::Range;
use std::sync::Arc;

use ort::session::Session;
use ort::value::Tensor;

use super::encoder::{Embeddings, Encoder, wanted_spans};
use super::lanes::Sessions;
use super::paths::{ModelPaths, Variant};
use super::session::{DISABLED_OPTIMIZERS, Shared, environment, open_session};
use super::tokenizer::EncoderTokenizer;
use crate::{Error, Result};

/// The window of the model, special tokens included.
pub const MAX_TOKENS: usize = 512;
pub(crate) const PAD_ID: i64 = 1;
const EOS_ID: u32 = 2;
pub(crate) const DIM: usize = 384;

/// Which weights to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// Dynamic int8 (per-channel) weights: about twice as fast, cosine ≥ 0.995 to fp32.
    #[default]
    Int8,
    Fp32,
}

impl Precision {
    fn file(self) -> &'static str {
        match self {
            Precision::Int8 => "model.int8.onnx",
            Precision::Fp32 => "model.fp32.onnx",
        }
    }
}

/// What runs the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// ONNX Runtime (the default; int8 or fp32 weights).
    #[default]
    Ort,
    /// libtorch through rust-bert (fp32; on a CUDA GPU when libtorch sees one). Only in a
    /// build with the `rust-bert` feature.
    RustBert,
}

/// Options of the encoder.
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    /// Which installed encoder (the default student or the teacher).
    pub variant: Variant,
    pub backend: Backend,
    /// The weights ONNX Runtime runs (the rust-bert backend runs fp32).
    pub precision: Precision,
    /// Threads inside ONNX Runtime; 0 means one per available core.
    pub threads: usize,
    /// Run a call's batches side by side, one single-threaded session per thread (batch
    /// work: about 1.13× the encoder's throughput on 2 cores), instead of one after another
    /// on one session with every thread (a server, whose requests already run side by side).
    /// See [`super::lanes`].
    pub split_batches: bool,
    /// Most texts per model call; with [`EncoderOptions::split_batches`], most texts in
    /// flight at once (each lane's batches hold their share), so that lanes side by side
    /// hold no more activations than one batch did: 2 lanes of 32 each peaked 100 MB
    /// higher than one session (2,000 comments), 2 of 16 about 28 MB, at the same speed.
    pub batch_size: usize,
    /// Sort texts by length before batching, so each batch pads only to its own longest
    /// text. Off, batches keep input order (the usual way, kept as the bench's baseline).
    pub bucket_by_length: bool,
    /// Pad every batch to at least this many tokens (0: to its longest text).
    pub min_padding: usize,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            variant: Variant::Default,
            backend: Backend::Ort,
            precision: Precision::Int8,
            threads: 0,
            split_batches: true,
            batch_size: 32,
            bucket_by_length: true,
            min_padding: 0,
        }
    }
}

/// The e5 encoder on ONNX Runtime.
pub struct OnnxEncoder {
    sessions: Sessions,
    tokenizer: Arc<EncoderTokenizer>,
    batch_size: usize,
    bucket_by_length: bool,
    min_padding: usize,
    /// The weights' file, size and modification time (see [`Encoder::identity`]).
    identity: Option<String>,
}

impl OnnxEncoder {
    /// Load the tokenizer and the ONNX model once (the tokenizer on a second thread while
    /// ONNX Runtime builds the session: both are a single core's work).
    pub fn load(paths: &ModelPaths, options: &EncoderOptions) -> Result<OnnxEncoder> {
        let env = environment(paths)?;
        let tokenizer_path = paths.encoder_file("tokenizer.json");
        let model_path = paths.encoder_file(options.precision.file());
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let (lanes, threads) = match options.split_batches {
            true => (threads, 1),
            false => (1, threads),
        };
        let batch_size = options.batch_size.max(1).div_ceil(lanes);
        let (tokenizer, session, shared) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| super::tokenizer::load(&tokenizer_path));
            let shared = Shared::load(&model_path)?;
            let session = open_session(env, &model_path, threads, &shared);
            let tokenizer = tokenizer
                .join()
                .map_err(|_| Error::Internal("tokenizer loading panicked".into()))?;
            Ok::<_, Error>((tokenizer?, session?, shared))
        })?;
        let identity = std::fs::metadata(&model_path).ok().map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            // Batching could change int8 vectors (batch mates, padding), so it is part of the
            // name: the texts in flight, not each lane's share (lanes and one session agree to
            // rounding, so a server and a batch command share the cache).
            format!(
                "{}|{}|{modified}|{PREFIX}|{}|{}|{}|{}",
                model_path.display(),
                m.len(),
                options.batch_size,
                options.bucket_by_length,
                options.min_padding,
                // How the session runs the graph moves int8 vectors too: cached vectors
                // from another session setting are not this one's.
                DISABLED_OPTIMIZERS.1
            )
        });
        Ok(OnnxEncoder {
            sessions: Sessions::new(session, (env, model_path), threads, shared, lanes),
            identity,
            tokenizer,
            batch_size,
            bucket_by_length: options.bucket_by_length,
            min_padding: options.min_padding.min(MAX_TOKENS),
        })
    }

    /// Token ids of each text with the `query: ` prefix, cut to the window (flagged).
    pub fn token_ids(&self, texts: &[&str]) -> Result<Vec<(Vec<u32>, bool)>> {
        Ok(self
            .tokenize(texts)?
            .into_iter()
            .map(|t| (t.ids, t.truncated))
            .collect())
    }

    /// Each text with the `query: ` prefix, tokenized and cut to the window.
    fn tokenize(&self, texts: &[&str]) -> Result<Vec<Tokenized>> {
        tokenize(&self.tokenizer, texts)
    }

    /// Embed `texts`; with `spans`, also pool each text's token states over its spans.
    fn encode(
        &self,
        texts: &[&str],
        spans: Option<&[Vec<Range<usize>>]>,
    ) -> Result<(Embeddings, Vec<Embeddings>)> {
        let tokenized = self.tokenize(texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        if self.bucket_by_length {
            order.sort_by_key(|&i| tokenized[i].ids.len());
        }
        let chunks: Vec<&[usize]> = order.chunks(self.batch_size).collect();
        let outs = self.sessions.run(chunks.len(), |session, job| {
            self.encode_chunk(session, chunks[job], &tokenized, spans)
        })?;
        let mut data = vec![0f32; texts.len() * DIM];
        let empty = Embeddings {
            dim: DIM,
            data: Vec::new(),
            truncated: Vec::new(),
        };
        let mut pooled = vec![empty; texts.len()];
        for (chunk, out) in chunks.iter().zip(outs) {
            for (row, &i) in chunk.iter().enumerate() {
                data[i * DIM..(i + 1) * DIM]
                    .copy_from_slice(&out.sentences[row * DIM..(row + 1) * DIM]);
            }
            for (&i, spans) in chunk.iter().zip(out.pooled) {
                pooled[i] = spans;
            }
        }
        let embeddings = Embeddings {
            dim: DIM,
            data,
            truncated: tokenized.into_iter().map(|t| t.truncated).collect(),
        };
        Ok((embeddings, pooled))
    }

    /// One batch (`chunk`: positions in `tokenized`) on `session`: each text's vector and,
    /// with `spans`, its spans' vectors read in context (none without).
    fn encode_chunk(
        &self,
        session: &mut Session,
        chunk: &[usize],
        tokenized: &[Tokenized],
        spans: Option<&[Vec<Range<usize>>]>,
    ) -> Result<ChunkOut> {
        let batch: Vec<&[u32]> = chunk.iter().map(|&i| tokenized[i].ids.as_slice()).collect();
        let mut sentences = vec![0f32; chunk.len() * DIM];
        let states = self.run_batch(session, &batch, &mut sentences, spans.is_some())?;
        let pooled = match (spans, states) {
            (Some(spans), Some((width, states))) => chunk
                .iter()
                .enumerate()
                .map(|(row, &i)| {
                    let rows = &states[row * width * DIM..(row + 1) * width * DIM];
                    let sentence = &sentences[row * DIM..(row + 1) * DIM];
                    pool_spans(rows, &tokenized[i].offsets, &spans[i], sentence)
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(ChunkOut { sentences, pooled })
    }

    /// Run one padded batch into `out` (`batch.len() * DIM` floats); with `states`, also
    /// return the padded width and the last hidden states (`batch.len() * width * DIM`).
    fn run_batch(
        &self,
        session: &mut Session,
        batch: &[&[u32]],
        out: &mut [f32],
        states: bool,
    ) -> Result<Option<(usize, Vec<f32>)>> {
        let longest = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        let width = longest.max(self.min_padding);
        let mut ids = vec![PAD_ID; batch.len() * width];
        let mut mask = vec![0i64; batch.len() * width];
        for (row, tokens) in batch.iter().enumerate() {
            for (col, &id) in tokens.iter().enumerate() {
                ids[row * width + col] = i64::from(id);
                mask[row * width + col] = 1;
            }
        }
        let shape = [batch.len(), width];
        let ort_err = |e: ort::Error| Error::Internal(format!("onnxruntime: {e}"));
        let ids = Tensor::from_array((shape, ids)).map_err(ort_err)?;
        let mask = Tensor::from_array((shape, mask)).map_err(ort_err)?;
        let outputs = session
            .run(ort::inputs!["input_ids" => ids, "attention_mask" => mask])
            .map_err(ort_err)?;
        let (_, sentences) = outputs["sentence_embedding"]
            .try_extract_tensor::<f32>()
            .map_err(ort_err)?;
        if sentences.len() != out.len() {
            return Err(Error::Internal(format!(
                "encoder returned {} floats for {} texts",
                sentences.len(),
                batch.len()
            )));
        }
        out.copy_from_slice(sentences);
        if !states {
            return Ok(None);
        }
        let (_, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .map_err(ort_err)?;
        if hidden.len() != batch.len() * width * DIM {
            return Err(Error::Internal(format!(
                "encoder returned {} hidden floats for {} x {width} tokens",
                hidden.len(),
                batch.len()
            )));
        }
        Ok(Some((width, hidden.to_vec())))
    }
}

/// One batch's results: its texts' vectors (`DIM` floats each, in batch order) and, when
/// spans were asked for, each text's spans read in context.
struct ChunkOut {
    sentences: Vec<f32>,
    pooled: Vec<Embeddings>,
}

/// One text's tokens: ids, byte offsets into the prefixed text ((0, 0) for special tokens)
/// and whether it was cut to the window.
pub(crate) struct Tokenized {
    pub ids: Vec<u32>,
    pub offsets: Vec<(usize, usize)>,
    pub truncated: bool,
}

/// Each text with the `query: ` prefix, tokenized and cut to the window (any backend's
/// tokens: the ONNX one and, with the `rust-bert` feature, libtorch's).
pub(crate) fn tokenize(tokenizer: &EncoderTokenizer, texts: &[&str]) -> Result<Vec<Tokenized>> {
    let inputs: Vec<String> = texts.iter().map(|t| format!("{PREFIX}{t}")).collect();
    let encodings = tokenizer
        .encode_batch(inputs, true)
        .map_err(|e| Error::Internal(format!("tokenizer: {e}")))?;
    Ok(encodings
        .into_iter()
        .map(|enc| {
            let mut ids = enc.get_ids().to_vec();
            let mut offsets = enc.get_offsets().to_vec();
            let truncated = ids.len() > MAX_TOKENS;
            if truncated {
                ids.truncate(MAX_TOKENS - 1);
                ids.push(EOS_ID);
                offsets.truncate(MAX_TOKENS - 1);
                offsets.push((0, 0));
            }
            Tokenized {
                ids,
                offsets,
                truncated,
            }
        })
        .collect())
}

/// Mean of the token states (`states`: one row of `DIM` per token) of the tokens that
/// overlap each span (byte ranges of the text without its prefix), L2-normalized; a span
/// with no token (cut off by the window) gets the whole text's vector.
pub(crate) fn pool_spans(
    states: &[f32],
    offsets: &[(usize, usize)],
    spans: &[Range<usize>],
    whole: &[f32],
) -> Embeddings {
    let shift = PREFIX.len();
    let mut data = Vec::with_capacity(spans.len() * DIM);
    for span in spans {
        let (start, end) = (span.start + shift, span.end + shift);
        let mut sum = [0f32; DIM];
        let mut n = 0;
        for (t, &(a, b)) in offsets.iter().enumerate() {
            if a < end && b > start && b > a {
                for (acc, v) in sum.iter_mut().zip(&states[t * DIM..(t + 1) * DIM]) {
                    *acc += v;
                }
                n += 1;
            }
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n == 0 || norm <= 1e-12 {
            data.extend_from_slice(whole);
        } else {
            data.extend(sum.iter().map(|x| x / norm));
        }
    }
    Embeddings {
        dim: DIM,
        data,
        truncated: vec![false; spans.len()],
    }
}

const PREFIX: &str = "query: ";

impl Encoder for OnnxEncoder {
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

    fn add_session(&self) -> Result<()> {
        self.sessions.add_spare()
    }

    fn identity(&self) -> Option<String> {
        self.identity.clone()
    }
}
