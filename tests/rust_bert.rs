//! The rust-bert backend (`--features rust-bert`, `make test-rust-bert`): the same weights
//! on libtorch give the vectors and labels of ONNX Runtime at fp32.
//!
//! Needs the converted weights (`make setup-rust-bert`) and a libtorch 2.4 (PyTorch 2.4 from
//! PyPI with `LIBTORCH_USE_PYTORCH=1`, docs/rust-bert.md). Measured: the parity figures
//! below are the floors; the README gives what was measured.

use std::sync::Arc;

use verbatim::analyze::{Analyzer, Input, Options};
use verbatim::model::libtorch::TorchEncoder;
use verbatim::model::onnx::EncoderOptions;
use verbatim::model::{Backend, Encoder, ModelPaths, OnnxEncoder, Precision, Variant};

use crate::common::gold;

fn paths() -> ModelPaths {
    ModelPaths::resolve(None, Variant::Default).expect("models/ (run `make setup`)")
}

fn fp32() -> EncoderOptions {
    EncoderOptions {
        precision: Precision::Fp32,
        ..EncoderOptions::default()
    }
}

#[test]
fn libtorch_vectors_match_onnx_runtime_at_fp32() {
    let torch = TorchEncoder::load(&paths(), 0, 32).expect("torch.npz (make setup-rust-bert)");
    let ort = OnnxEncoder::load(&paths(), &fp32()).unwrap();
    let texts = [
        "配送太慢了，等了两个小时",
        "客服態度很好，退款也很快",
        "The app keeps crashing on login",
        "delivery was late but the food was great",
        "发票开错了两次，客服 no reply",
        "好评",
    ];
    let (a, b) = (torch.embed(&texts).unwrap(), ort.embed(&texts).unwrap());
    let mut lowest = 1f32;
    for (i, text) in texts.iter().enumerate() {
        let cos = verbatim::model::encoder::cosine(a.row(i), b.row(i));
        assert!(cos >= 0.999, "{text}: cosine {cos}");
        lowest = lowest.min(cos);
    }
    eprintln!("lowest sentence cosine to ONNX Runtime fp32: {lowest:.6}");
    let spans = vec![vec![0..6, 9..15]; texts.len()];
    let (_, pooled_t) = torch.embed_spans(&texts[..1], &spans[..1]).unwrap();
    let (_, pooled_o) = ort.embed_spans(&texts[..1], &spans[..1]).unwrap();
    for k in 0..2 {
        let cos = verbatim::model::encoder::cosine(pooled_t[0].row(k), pooled_o[0].row(k));
        assert!(cos >= 0.999, "span {k}: cosine {cos}");
    }
}

#[test]
fn gold_test_labels_match_onnx_runtime_at_fp32() {
    let load = |backend| {
        let options = Options {
            encoder: EncoderOptions { backend, ..fp32() },
            ..Options::default()
        };
        Arc::new(Analyzer::load(options).unwrap())
    };
    let (torch, ort) = (load(Backend::RustBert), load(Backend::Ort));
    let records = gold("test");
    let inputs: Vec<Input> = records.iter().map(|g| Input::new(g.text.clone())).collect();
    let (a, b) = (
        torch.analyze(&inputs).unwrap(),
        ort.analyze(&inputs).unwrap(),
    );
    let differ = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| {
            x.sentiment.as_ref().map(|s| s.label) != y.sentiment.as_ref().map(|s| s.label)
        })
        .count();
    // At most one label in a hundred may differ (float noise at a decision boundary).
    assert!(
        differ * 100 <= records.len(),
        "{differ} of {} labels differ",
        records.len()
    );
    eprintln!("gold test: {differ} of {} labels differ", records.len());
}
