//! A user's own taxonomy, used as a user would (the TOML only, no retraining): the telecom
//! operator's 10 topics in `corpora/custom/telecom/`, on the real model, scored on the
//! held-out `test` split of the 392 comments written and labelled for it (issue 16).
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

#[test]
fn a_telecom_taxonomy_finds_its_topics_on_held_out_comments() {
    let dir = telecom();
    let mut test = read_gold(&dir.join("comments.jsonl")).unwrap();
    test.retain(|g| g.split.as_deref() == Some("test"));
    assert!(test.len() >= 240, "{}", test.len());
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
    assert_eq!(ids.len(), 10);
    let inputs: Vec<Input> = test.iter().map(|g| Input::new(g.text.clone())).collect();
    let analyses = analyzer.analyze(&inputs).unwrap();
    let (topics, polarity) = evaluate_topics(&test, &analyses, &ids);
    let labelled: Vec<_> = test
        .iter()
        .zip(&analyses)
        .filter(|(g, _)| !g.topics.is_empty())
        .collect();
    let missed = labelled.iter().filter(|(_, a)| a.topics.is_empty()).count();
    let no_topic = missed as f64 / labelled.len() as f64;
    eprintln!(
        "telecom test ({} comments): recall {:.3} precision {:.3} F1 {:.3}, \
         no topic {:.3}, topic polarity {:.3} on {}",
        test.len(),
        topics.micro_recall,
        topics.micro_precision,
        topics.micro_f1,
        no_topic,
        polarity.accuracy,
        polarity.n
    );
    // Measured with the default student (see corpora/custom/telecom/README.md): recall
    // 0.738, precision 0.741, no topic 0.075, topic polarity 0.869. The frozen encoder: 0.760,
    // 0.739, 0.054, 0.797 on 212 topics found (before the fallback to a user's own best
    // topic: 0.674, 0.787, 0.218, 0.782).
    assert!(
        topics.micro_recall >= 0.72,
        "recall {}",
        topics.micro_recall
    );
    assert!(
        topics.micro_precision >= 0.70,
        "precision {}",
        topics.micro_precision
    );
    assert!(no_topic <= 0.10, "no-topic share {no_topic}");
    assert!(
        polarity.accuracy >= 0.76,
        "topic polarity {}",
        polarity.accuracy
    );
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
        ("最近行動網路延遲超高，打遊戲一直斷線", "mobile_data"),
        (
            "Moved to the family plan and we're saving about 40 a month.",
            "plan_contract",
        ),
    ];
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
    let strict = load(strict_path);
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
