//! Three-class sentiment (negative / neutral / positive) from a sentence embedding.
//!
//! In: an e5 embedding. Out: a [`Sentiment`] with the three probabilities and
//! `score` = p_pos − p_neg. The classifier is a small dense head trained by
//! `scripts/train_sentiment.py` on frozen embeddings and committed as
//! `models/sentiment/head.json` (layers, activations, a calibrated per-class logit bias).

use std::path::Path;

use serde::Deserialize;

use crate::analysis::{Label, Probs, Sentiment};
use crate::{Error, Result};

#[derive(Debug, Deserialize)]
struct HeadFile {
    version: u32,
    classes: Vec<String>,
    layers: Vec<LayerFile>,
    class_bias: Vec<f32>,
    #[serde(default)]
    prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LayerFile {
    weight: Vec<Vec<f32>>,
    bias: Vec<f32>,
    activation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    None,
    Relu,
}

#[derive(Debug, Clone)]
struct Layer {
    inputs: usize,
    outputs: usize,
    /// Row-major [outputs][inputs].
    weight: Vec<f32>,
    bias: Vec<f32>,
    activation: Activation,
}

impl Layer {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut y = self.bias.clone();
        for (o, out) in y.iter_mut().enumerate() {
            let row = &self.weight[o * self.inputs..(o + 1) * self.inputs];
            *out += row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>();
            if self.activation == Activation::Relu && *out < 0.0 {
                *out = 0.0;
            }
        }
        y
    }
}

/// The sentiment head.
#[derive(Debug, Clone)]
pub struct SentimentHead {
    layers: Vec<Layer>,
    /// Maps the file's class order to negative, neutral, positive.
    order: [usize; 3],
    class_bias: [f32; 3],
}

impl SentimentHead {
    /// Load `head.json`, checking shapes so a broken file is a clear error, not a panic.
    pub fn load(path: &Path) -> Result<SentimentHead> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text).map_err(|msg| Error::resource(path.display().to_string(), msg))
    }

    fn parse(text: &str) -> std::result::Result<SentimentHead, String> {
        let file: HeadFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.version != 1 {
            return Err(format!("unsupported head version {}", file.version));
        }
        if file.prefix.as_deref().is_some_and(|p| p != "query: ") {
            return Err("the head was trained with another prefix than `query: `".into());
        }
        let position = |name: &str| {
            file.classes
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| format!("class `{name}` missing"))
        };
        let order = [
            position("negative")?,
            position("neutral")?,
            position("positive")?,
        ];
        let mut layers = Vec::new();
        let mut width = None;
        for (i, l) in file.layers.into_iter().enumerate() {
            let outputs = l.weight.len();
            let inputs = l.weight.first().map_or(0, Vec::len);
            if outputs == 0 || l.bias.len() != outputs || l.weight.iter().any(|r| r.len() != inputs)
            {
                return Err(format!("layer {i}: inconsistent weight/bias shapes"));
            }
            if width.is_some_and(|w| w != inputs) {
                return Err(format!(
                    "layer {i}: expects {inputs} inputs, gets {width:?}"
                ));
            }
            width = Some(outputs);
            let activation = match l.activation.as_str() {
                "relu" => Activation::Relu,
                "none" => Activation::None,
                other => return Err(format!("layer {i}: unknown activation `{other}`")),
            };
            layers.push(Layer {
                inputs,
                outputs,
                weight: l.weight.into_iter().flatten().collect(),
                bias: l.bias,
                activation,
            });
        }
        if width != Some(3) || file.class_bias.len() != 3 {
            return Err("the head must end in 3 classes with 3 class biases".into());
        }
        let class_bias = [file.class_bias[0], file.class_bias[1], file.class_bias[2]];
        Ok(SentimentHead {
            layers,
            order,
            class_bias,
        })
    }

    /// The embedding width the head expects.
    pub fn input_dim(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Classify one embedding.
    pub fn predict(&self, embedding: &[f32]) -> Sentiment {
        let mut x = embedding.to_vec();
        for layer in &self.layers {
            x = layer.forward(&x);
        }
        debug_assert_eq!(self.layers.last().map(|l| l.outputs), Some(3));
        let logits: Vec<f32> = (0..3).map(|i| x[i] + self.class_bias[i]).collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        // Four decimals: more is noise (int8 batches move the fourth digit already).
        let p = |class: usize| (exp[self.order[class]] / sum * 1e4).round() / 1e4;
        let probs = Probs {
            negative: p(0),
            neutral: p(1),
            positive: p(2),
        };
        let label = [
            (Label::Negative, probs.negative),
            (Label::Neutral, probs.neutral),
            (Label::Positive, probs.positive),
        ]
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Label::Neutral, |(l, _)| l);
        Sentiment {
            label,
            score: ((probs.positive - probs.negative) * 1e4).round() / 1e4,
            probs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"{"version": 1, "classes": ["negative", "neutral", "positive"],
        "layers": [{"weight": [[1, 0], [0, 0], [0, 1]], "bias": [0, 0.5, 0], "activation": "none"}],
        "class_bias": [0, 0, 0]}"#;

    #[test]
    fn softmax_over_a_tiny_head() {
        let head = SentimentHead::parse(TINY).unwrap();
        let s = head.predict(&[3.0, 0.0]);
        assert_eq!(s.label, Label::Negative);
        let total = s.probs.negative + s.probs.neutral + s.probs.positive;
        assert!((total - 1.0).abs() < 1e-6);
        assert!((s.score - (s.probs.positive - s.probs.negative)).abs() < 1e-6);
        assert_eq!(head.predict(&[0.0, 0.0]).label, Label::Neutral);
    }

    #[test]
    fn broken_heads_are_errors() {
        let wrong_width = TINY.replace("[[1, 0], [0, 0], [0, 1]]", "[[1, 0], [0], [0, 1]]");
        assert!(
            SentimentHead::parse(&wrong_width)
                .unwrap_err()
                .contains("inconsistent")
        );
        let two_classes = TINY.replace(r#""neutral", "#, "");
        assert!(
            SentimentHead::parse(&two_classes)
                .unwrap_err()
                .contains("neutral")
        );
        assert!(SentimentHead::parse("{}").is_err());
    }
}
