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
        let share = |k: usize| conf[k] / self.entries[k].threshold.max(f32::EPSILON);
        let mut near: Vec<usize> = (0..conf.len())
            .filter(|k| !reported.contains(k) && conf[*k] >= FLOOR)
            .collect();
        near.sort_by(|&a, &b| share(b).total_cmp(&share(a)));
        near.truncate(MAX_MISSES);
        near.into_iter()
            .map(|k| {
                let threshold = self.entries[k].threshold;
                NearMiss {
                    topic: self.entries[k].topic.id.clone(),
                    // Rounded down, so that this value as the topic's `threshold` in the
                    // taxonomy gives the comment the topic.
                    confidence: (conf[k] * 1000.0).floor() / 1000.0,
                    threshold: super::round3(threshold),
                    reason: if conf[k] >= threshold {
                        MissReason::WeakBesideStrongest
                    } else {
                        MissReason::UnderThreshold
                    },
                }
            })
            .collect()
    }
}
