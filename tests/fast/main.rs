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
