//! `--explain`'s near misses on a user's own taxonomy (the telecom operator's, as a user runs
//! it: the TOML only): the topics a comment came nearest without being given them, with the
//! threshold each had to reach. They must say what is true: a topic listed is not given,
//! its reason matches its confidence against its threshold, and writing that confidence as
//! the topic's `threshold` in the TOML gives the comment the topic.

use std::collections::BTreeMap;
use std::path::Path;

use verbatim::analysis::{Analysis, MissReason};
use verbatim::analyze::{Analyzer, Input, Options};
use verbatim::eval::read_gold;

use crate::common::root;

fn explaining(taxonomy: &Path) -> Analyzer {
    Analyzer::load(Options {
        taxonomy: Some(taxonomy.to_path_buf()),
        explain: true,
        ..Options::default()
    })
    .unwrap()
}

/// Each near miss is not given, its reason is its confidence against its threshold, and
/// they come nearest first (confidence as a share of the threshold), at most three.
fn check_consistent(text: &str, a: &Analysis) {
    let misses = a.near_misses.as_deref().unwrap_or_default();
    assert!(misses.len() <= 3, "{text}: {misses:?}");
    for m in misses {
        assert!(a.topics.iter().all(|t| t.id != m.topic), "{text}: {a:?}");
        let over = m.confidence >= m.threshold;
        assert_eq!(
            over,
            m.reason == MissReason::WeakBesideStrongest,
            "{text}: {m:?}"
        );
    }
    let shares: Vec<f32> = misses.iter().map(|m| m.confidence / m.threshold).collect();
    assert!(
        shares.windows(2).all(|w| w[0] >= w[1]),
        "{text}: {misses:?}"
    );
}

#[test]
fn near_misses_name_the_threshold_that_would_give_the_topic() {
    let dir = root().join("corpora/custom/telecom");
    let toml = dir.join("taxonomy.toml");
    let mut dev = read_gold(&dir.join("comments.jsonl")).unwrap();
    dev.retain(|g| g.split.as_deref() == Some("dev"));
    let inputs: Vec<Input> = dev.iter().map(|g| Input::new(g.text.clone())).collect();
    let analyses = explaining(&toml).analyze(&inputs).unwrap();
    // Per topic, the comment whose under-threshold miss of it is nearest: what a user reading
    // the output would lower that topic's threshold to.
    let mut nearest: BTreeMap<String, (f32, usize)> = BTreeMap::new();
    let mut dropped = 0;
    for (i, (g, a)) in dev.iter().zip(&analyses).enumerate() {
        check_consistent(&g.text, a);
        for m in a.near_misses.iter().flatten() {
            match m.reason {
                MissReason::WeakBesideStrongest => dropped += 1,
                MissReason::UnderThreshold if m.confidence >= 0.1 => {
                    let entry = nearest.entry(m.topic.clone()).or_insert((0.0, i));
                    if m.confidence > entry.0 {
                        *entry = (m.confidence, i);
                    }
                }
                MissReason::UnderThreshold => {}
            }
        }
    }
    assert!(dropped >= 1, "no topic dropped beside a stronger one");
    assert!(nearest.len() >= 3, "{nearest:?}");
    // The user's edit: those thresholds written into the TOML.
    let mut edited = std::fs::read_to_string(&toml).unwrap();
    for (id, (confidence, _)) in &nearest {
        let line = format!("id = \"{id}\"\n");
        assert!(edited.contains(&line), "{id}");
        edited = edited.replace(&line, &format!("{line}threshold = {confidence}\n"));
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("taxonomy.toml");
    std::fs::write(&path, edited).unwrap();
    let after = explaining(&path);
    for (id, (confidence, i)) in &nearest {
        let a = after.analyze_one(&inputs[*i]).unwrap();
        check_consistent(&dev[*i].text, &a);
        let hit = a.topics.iter().find(|t| &t.id == id);
        assert!(
            hit.is_some(),
            "{}: {id} at {confidence}: {a:?}",
            dev[*i].text
        );
    }
}
