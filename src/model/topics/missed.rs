//! The topics a comment came near without being given them: what `--explain` shows a
//! user tuning a taxonomy's thresholds ("why did this comment get no topic?").

use super::TopicModel;
use crate::analysis::{MissReason, NearMiss};

/// At most this many near misses per comment, nearest first.
const MAX_MISSES: usize = 3;

/// A topic under this confidence is not listed. Kept low on purpose: a comment that gets no
/// topic often has every confidence far under its threshold (on the telecom taxonomy's
/// comments with none, 0.02-0.06 against 0.30), and that is itself the answer a user
/// needs: lowering the threshold would not help; examples or seeds would.
const FLOOR: f32 = 0.01;

impl TopicModel {
    /// The topics of `conf` (confidence per topic) not in `reported` with a confidence of
    /// at least [`FLOOR`], nearest to their threshold (as a share of it) first: under the
    /// threshold, or over it and dropped beside a stronger topic (`drop_weak_own`).
    pub(super) fn near_misses(&self, conf: &[f32], reported: &[usize]) -> Vec<NearMiss> {
        let mut missed: Vec<(f32, NearMiss)> = (0..conf.len())
            .filter(|k| !reported.contains(k))
            .filter_map(|k| {
                let threshold = self.entries[k].threshold;
                let ratio = conf[k] / threshold.max(f32::EPSILON);
                (conf[k] >= FLOOR).then(|| {
                    let reason = if conf[k] >= threshold {
                        MissReason::WeakBesideStrongest
                    } else {
                        MissReason::UnderThreshold
                    };
                    let miss = NearMiss {
                        topic: self.entries[k].topic.id.clone(),
                        // Rounded down, so that this value as the topic's `threshold`
                        // in the taxonomy gives the comment the topic.
                        confidence: (conf[k] * 1000.0).floor() / 1000.0,
                        threshold: super::round3(threshold),
                        reason,
                    };
                    (ratio, miss)
                })
            })
            .collect();
        missed.sort_by(|a, b| b.0.total_cmp(&a.0));
        missed
            .into_iter()
            .take(MAX_MISSES)
            .map(|(_, m)| m)
            .collect()
    }
}
