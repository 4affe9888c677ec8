//! The fast tier (`make check`): the pipeline, a real tantivy index on disk, the reports and
//! the whole HTTP router, driven in-process with `tower::ServiceExt::oneshot`, in seconds and
//! offline. The encoder is the hashed stand-in (`verbatim::model::hashed`), so no `make
//! setup` is needed and these tests say nothing about label quality: the tests in
//! `tests/tests.rs` keep the real model and guard that.

mod api;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use verbatim::analyze::version::AnalysisVersion;
use verbatim::analyze::{Analyzer, Options};
use verbatim::model::Encoder;
use verbatim::model::calibrate::Calibration;
use verbatim::model::hashed::HashedEncoder;
use verbatim::model::sentiment::SentimentHead;
use verbatim::model::taxonomy::Taxonomy;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One analyzer per test process over the committed heads and taxonomy (no setup).
pub fn analyzer() -> &'static Arc<Analyzer> {
    static ANALYZER: OnceLock<Arc<Analyzer>> = OnceLock::new();
    ANALYZER.get_or_init(|| {
        let models = root().join("models");
        let head = SentimentHead::load(&models.join("sentiment/head.json")).unwrap();
        let taxonomy = Taxonomy::load(&models.join("taxonomy.toml")).unwrap();
        let calibration =
            Calibration::load_or_default(&models.join("topics/calibration.json")).unwrap();
        let version = AnalysisVersion::model(
            "hashed".into(),
            vec![models.join("sentiment/head.json")],
            Some(vec![models.join("taxonomy.toml")]),
        );
        let parts = (Arc::new(HashedEncoder) as Arc<dyn Encoder>, head, version);
        Arc::new(Analyzer::from_parts(Options::default(), parts, &taxonomy, calibration).unwrap())
    })
}

#[test]
fn the_pipeline_runs_on_the_stand_in_encoder() {
    use verbatim::analyze::Input;
    use verbatim::text::lang::Lang;
    let texts = [
        "菜很好吃，但是配送太慢了",
        "發票一直沒開",
        "The courier was late again",
    ];
    let inputs: Vec<Input> = texts.iter().map(|t| Input::new(*t)).collect();
    let analyses = analyzer().analyze(&inputs).unwrap();
    let langs: Vec<Lang> = analyses.iter().map(|a| a.lang).collect();
    assert_eq!(langs, [Lang::ZhHans, Lang::ZhHant, Lang::En]);
    for (t, a) in texts.iter().zip(&analyses) {
        let s = a.sentiment.as_ref().expect("a sentiment per comment");
        let sum = s.probs.negative + s.probs.neutral + s.probs.positive;
        assert!((sum - 1.0).abs() < 1e-3, "{t}: {sum}");
        assert!(!a.keywords.is_empty(), "{t}: no keywords");
    }
}

#[test]
fn a_querys_topics_are_its_own_or_one_topic_its_seed_names() {
    // Hybrid search reads a query as a comment; only when that finds no topic may one topic
    // stand in, and only one whose seed term the query holds, with the query's own tone. With
    // every threshold at 0.99 no query reaches one, so what is left is the seeded topic, at
    // half its threshold.
    use verbatim::analyze::Input;
    let models = root().join("models");
    let taxonomy = Taxonomy::load(&models.join("taxonomy.toml")).unwrap();
    let mut calibration =
        Calibration::load_or_default(&models.join("topics/calibration.json")).unwrap();
    calibration.default_threshold = 0.99;
    calibration.thresholds.values_mut().for_each(|t| *t = 0.99);
    let head = SentimentHead::load(&models.join("sentiment/head.json")).unwrap();
    let version = AnalysisVersion::model("hashed".into(), Vec::new(), None);
    let parts = (Arc::new(HashedEncoder) as Arc<dyn Encoder>, head, version);
    let strict = Analyzer::from_parts(Options::default(), parts, &taxonomy, calibration).unwrap();
    let queries = [
        "态度很差",
        "服務態度不好",
        "UI 太乱",
        "一直当机",
        "物流",
        "发票",
        "rude staff",
        "refund",
        "app crashes",
        "hello there",
        "ok",
        "完全无关的一句话",
    ];
    let mut seeded = 0;
    for (analyzer, q) in queries
        .iter()
        .flat_map(|q| [(&**analyzer(), *q), (&strict, *q)])
    {
        let own = analyzer.analyze_one(&Input::new(q)).unwrap();
        let query = analyzer.query_analysis(q).unwrap().expect("a model");
        let own_topics: Vec<_> = own
            .topics
            .iter()
            .map(|t| (t.id.clone(), t.sentiment))
            .collect();
        if !own_topics.is_empty() {
            assert_eq!(query.topics, own_topics, "{q}");
            continue;
        }
        assert!(query.topics.len() <= 1, "{q}: {:?}", query.topics);
        for (id, tone) in &query.topics {
            seeded += 1;
            let topic = taxonomy.topics.iter().find(|t| &t.id == id).unwrap();
            let lower = q.to_lowercase();
            let mut seeds = topic.seeds_zh.iter().chain(&topic.seeds_en);
            assert!(
                seeds.any(|s| lower.contains(s.as_str())),
                "{q}: {id} names no seed of the query"
            );
            assert_eq!(Some(*tone), own.sentiment.map(|s| s.label), "{q}");
        }
    }
    assert!(seeded >= 1, "no query took a seeded topic");
    for q in ["hello there", "完全无关的一句话"] {
        assert_eq!(strict.query_analysis(q).unwrap().unwrap().topics, [], "{q}");
    }
}
