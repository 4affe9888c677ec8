//! A user's own taxonomy, used as a user would (the TOML only, no retraining): the telecom
//! operator's 10 topics in `corpora/custom/telecom/`, on the real model, scored on the
//! held-out `test` split of the 392 comments written and labelled for it (issue 16), and a
//! bank's 8 topics in `corpora/custom/bank/` (172 comments, all held out).
//!
//! In: `taxonomy.toml` and `comments.jsonl`. Out: recall, precision, the share of comments
//! with a gold topic that get no topic, and topic-polarity accuracy, each held to a floor a
//! few points below the measured baseline so that noise passes and a regression fails.

use verbatim::analyze::{Analyzer, Input, Options};
use verbatim::eval::{evaluate_topics, read_gold};

use crate::common::{root, verbatim};

fn telecom() -> std::path::PathBuf {
    root().join("corpora/custom/telecom")
}

/// A user's taxonomy's figures on the `test` comments of `dir`.
struct Figures {
    recall: f64,
    precision: f64,
    no_topic: f64,
    polarity: f64,
}

impl Figures {
    /// Each figure at its floor (the no-topic share at its ceiling).
    fn hold(&self, floor: Figures) {
        assert!(self.recall >= floor.recall, "recall {}", self.recall);
        assert!(
            self.precision >= floor.precision,
            "precision {}",
            self.precision
        );
        assert!(
            self.no_topic <= floor.no_topic,
            "no-topic share {}",
            self.no_topic
        );
        assert!(
            self.polarity >= floor.polarity,
            "topic polarity {}",
            self.polarity
        );
    }
}

/// Analyse the `test` comments of `dir` with its taxonomy (of `topics` topics) alone.
fn figures(dir: &std::path::Path, topics: usize, at_least: usize) -> Figures {
    let mut test = read_gold(&dir.join("comments.jsonl")).unwrap();
    test.retain(|g| g.split.as_deref() == Some("test"));
    assert!(test.len() >= at_least, "{}", test.len());
    let analyzer = Analyzer::load(Options {
        taxonomy: Some(dir.join("taxonomy.toml")),
        ..Options::default()
    })
    .unwrap();
    let ids: Vec<String> = analyzer
        .topic_model()
        .unwrap()
        .topics()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(ids.len(), topics);
    let inputs: Vec<Input> = test.iter().map(|g| Input::new(g.text.clone())).collect();
    let analyses = analyzer.analyze(&inputs).unwrap();
    let (scores, polarity) = evaluate_topics(&test, &analyses, &ids);
    let labelled: Vec<_> = test
        .iter()
        .zip(&analyses)
        .filter(|(g, _)| !g.topics.is_empty())
        .collect();
    let missed = labelled.iter().filter(|(_, a)| a.topics.is_empty()).count();
    let no_topic = missed as f64 / labelled.len() as f64;
    eprintln!(
        "{} test ({} comments): recall {:.3} precision {:.3} F1 {:.3}, \
         no topic {:.3}, topic polarity {:.3} on {}",
        dir.display(),
        test.len(),
        scores.micro_recall,
        scores.micro_precision,
        scores.micro_f1,
        no_topic,
        polarity.accuracy,
        polarity.n
    );
    Figures {
        recall: scores.micro_recall,
        precision: scores.micro_precision,
        no_topic,
        polarity: polarity.accuracy,
    }
}

#[test]
fn a_telecom_taxonomy_finds_its_topics_on_held_out_comments() {
    let f = figures(&telecom(), 10, 240);
    // Measured with the default student (see corpora/custom/telecom/README.md): recall
    // 0.735, precision 0.746, no topic 0.092, topic polarity 0.863 on 205 topics found. The
    // teacher: 0.756, 0.784, 0.054, 0.853; the frozen encoder: 0.788, 0.748, 0.029, 0.791
    // (before a user's own topics learnt from their names and every text, and the weak
    // second topic was dropped, student 0.738, 0.741, 0.075; frozen 0.760, 0.739, 0.054).
    f.hold(Figures {
        recall: 0.70,
        precision: 0.71,
        no_topic: 0.12,
        polarity: 0.82,
    });
}

#[test]
fn a_bank_taxonomy_nothing_was_chosen_on_finds_its_topics() {
    // corpora/custom/bank: 8 topics and 172 comments written after every choice of the
    // custom-topic path was made (on telecom's dev split); all of them are test. Measured
    // with the default student (scripts/eval_custom_topics.py, 2026-12-06): recall 0.726,
    // precision 0.751, no topic 0.113, topic polarity 0.866.
    let f = figures(&root().join("corpora/custom/bank"), 8, 170);
    f.hold(Figures {
        recall: 0.68,
        precision: 0.70,
        no_topic: 0.16,
        polarity: 0.81,
    });
}

#[test]
fn the_cli_analyzes_with_the_telecom_taxonomy() {
    // What a user types: the taxonomy's own ids and names come back, none of the default's.
    let taxonomy = telecom().join("taxonomy.toml");
    let out = verbatim(
        &[
            "analyze",
            "--taxonomy",
            taxonomy.to_str().unwrap(),
            "出国旅游回来收到一张好几百的漫游账单",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"roaming"), "{v}");
    let roaming = v["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "roaming")
        .unwrap();
    assert_eq!(roaming["name"], "国际漫游");
    // Its polarity is measured over the test split above; this complaint told only as a fact
    // reads positive with the student (README, known misses), negative with the frozen one.
    let label = roaming["sentiment"].as_str().unwrap();
    assert!(["negative", "neutral", "positive"].contains(&label), "{v}");
}

#[test]
fn a_comment_below_every_threshold_gets_the_users_best_topic_unless_the_toml_sets_one() {
    // Below the unseen topics' threshold but within the fallback's share of it: the user's
    // own best topic is reported. A threshold written in the TOML is the user's word and is
    // kept: the same value set explicitly reports nothing. (Two dev-split comments whose
    // best topic is right and under the threshold with the default encoder.)
    let texts = [
        (
            "約好的裝機時間，工程師遲到三個小時也沒通知",
            "store_technician",
        ),
        (
            "Internet goes down whenever it rains, this has been going on for months.",
            "home_broadband",
        ),
    ];
    let (lenient, strict, threshold, _dir) = lenient_and_strict();
    for (text, id) in texts {
        let a = lenient.analyze_one(&Input::new(text)).unwrap();
        let ids: Vec<&str> = a.topics.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, [id], "{text}: {:?}", a.topics);
        assert!(a.topics[0].confidence < threshold, "{:?}", a.topics);
        assert!(!a.topics[0].evidence.is_empty());
        let a = strict.analyze_one(&Input::new(text)).unwrap();
        assert!(a.topics.is_empty(), "{text}: {:?}", a.topics);
    }
}

/// The telecom taxonomy as written, and the same with every topic's threshold set in the
/// TOML to the value it gets anyway (the unseen topics' threshold), which makes the topics
/// the user's word rather than the model's own guesses; that threshold; the temporary
/// folder holding the second TOML.
fn lenient_and_strict() -> (Analyzer, Analyzer, f32, tempfile::TempDir) {
    let dir = telecom();
    let load = |path| {
        Analyzer::load(Options {
            taxonomy: Some(path),
            ..Options::default()
        })
        .unwrap()
    };
    let lenient = load(dir.join("taxonomy.toml"));
    let threshold = lenient
        .topic_model()
        .unwrap()
        .calibration()
        .unseen_threshold();
    let toml = std::fs::read_to_string(dir.join("taxonomy.toml")).unwrap();
    let strict_dir = tempfile::tempdir().unwrap();
    let strict_path = strict_dir.path().join("taxonomy.toml");
    std::fs::write(
        &strict_path,
        toml.replace(
            "\nname_zh = ",
            &format!("\nthreshold = {threshold}\nname_zh = "),
        ),
    )
    .unwrap();
    (lenient, load(strict_path), threshold, strict_dir)
}

#[test]
fn a_users_own_topic_far_below_the_strongest_is_dropped_unless_the_toml_sets_its_threshold() {
    // A dev-split comment about home broadband: mobile data clears the unseen topics'
    // threshold too (0.37 against 0.30, 2026-12-07), but at 0.4 of the strongest topic's
    // confidence, so it is dropped; with the thresholds written in the TOML it stays (the
    // user's word).
    let text = "网页打得开但是视频一直缓冲，宽带明显有问题";
    let (lenient, strict, threshold, _dir) = lenient_and_strict();
    let ids = |a: &verbatim::analysis::Analysis| {
        let mut ids: Vec<String> = a.topics.iter().map(|t| t.id.clone()).collect();
        ids.sort();
        ids
    };
    let a = lenient.analyze_one(&Input::new(text)).unwrap();
    assert_eq!(ids(&a), ["home_broadband"], "{:?}", a.topics);
    let b = strict.analyze_one(&Input::new(text)).unwrap();
    assert_eq!(ids(&b), ["home_broadband", "mobile_data"], "{:?}", b.topics);
    let weak = b.topics.iter().find(|t| t.id == "mobile_data").unwrap();
    let top = b.topics.iter().map(|t| t.confidence).fold(0.0, f32::max);
    assert!(
        weak.confidence >= threshold && weak.confidence < 0.5 * top,
        "{:?}",
        b.topics
    );
}
