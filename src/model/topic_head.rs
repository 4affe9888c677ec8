//! The fine-tuned encoder's own topic head: one logistic output per topic it was trained on.
//!
//! In: an L2-normalized clause or comment vector. Out: per topic of the taxonomy in force,
//! the head's probability, or nothing for a topic the head does not know (a user's own
//! topic). It is one feature of the topic calibration ([`super::calibrate::Features::head`]);
//! the frozen encoder has no head and the feature stays 0. The file (`topic-head.json`
//! beside a fine-tuned encoder) is written by `scripts/train/export.py`:
//! `p = sigmoid(W · (scale · v) + b)`.

use std::path::Path;

use serde::Deserialize;

use crate::{Error, Result};

#[derive(Debug, Deserialize)]
struct HeadFile {
    version: u32,
    topics: Vec<String>,
    scale: f32,
    weight: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

/// The topic head, its columns put in taxonomy order.
#[derive(Debug, Clone)]
pub struct TopicHead {
    dim: usize,
    scale: f32,
    /// Per taxonomy topic, the head's row (weights, bias), if it knows the topic.
    rows: Vec<Option<(Vec<f32>, f32)>>,
}

impl TopicHead {
    /// Load `path` if it exists (a frozen encoder has none), for the taxonomy's topic ids.
    pub fn load_optional(
        path: &Path,
        topic_ids: &[String],
        dim: usize,
    ) -> Result<Option<TopicHead>> {
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, topic_ids, dim)
            .map(Some)
            .map_err(|msg| Error::resource(path.display().to_string(), msg))
    }

    fn parse(
        text: &str,
        topic_ids: &[String],
        dim: usize,
    ) -> std::result::Result<TopicHead, String> {
        let file: HeadFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.version != 1 {
            return Err(format!("version {} (expected 1)", file.version));
        }
        let n = file.topics.len();
        if file.weight.len() != n || file.bias.len() != n {
            return Err(format!(
                "{n} topics but {} weight rows and {} biases",
                file.weight.len(),
                file.bias.len()
            ));
        }
        if let Some(row) = file.weight.iter().find(|r| r.len() != dim) {
            return Err(format!(
                "a weight row has {} inputs, the encoder gives {dim}",
                row.len()
            ));
        }
        let rows = topic_ids
            .iter()
            .map(|id| {
                let j = file.topics.iter().position(|t| t == id)?;
                Some((file.weight[j].clone(), file.bias[j]))
            })
            .collect();
        Ok(TopicHead {
            dim,
            scale: file.scale,
            rows,
        })
    }

    /// Per taxonomy topic, the head's probability for `vector` (0 where it has no row).
    pub fn probs(&self, vector: &[f32]) -> Vec<f32> {
        debug_assert_eq!(vector.len(), self.dim);
        self.rows
            .iter()
            .map(|row| {
                row.as_ref().map_or(0.0, |(w, b)| {
                    let z = self.scale * w.iter().zip(vector).map(|(w, v)| w * v).sum::<f32>() + b;
                    1.0 / (1.0 + (-z).exp())
                })
            })
            .collect()
    }

    /// Whether the head knows topic `k` of the taxonomy.
    pub fn knows(&self, k: usize) -> bool {
        self.rows.get(k).is_some_and(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_taxonomy_and_unknown_topics_read_zero() {
        let file =
            r#"{"version":1,"topics":["a","b"],"scale":10,"weight":[[1,0],[0,1]],"bias":[0,-5]}"#;
        let ids = ["b".to_string(), "mine".to_string(), "a".to_string()];
        let head = TopicHead::parse(file, &ids, 2).unwrap();
        let p = head.probs(&[0.5, 0.5]);
        assert!((p[0] - 0.5).abs() < 1e-6, "b: sigmoid(5 - 5)");
        assert_eq!(p[1], 0.0);
        assert!(p[2] > 0.99, "a: sigmoid(5)");
        assert!(head.knows(0) && !head.knows(1));
        let bad = TopicHead::parse(file, &ids, 3).unwrap_err();
        assert!(bad.contains("3"), "{bad}");
    }
}
