//! A text's answer over HTTP is the same whether it came alone or with other texts (in one
//! request, or merged with other requests into one encoder call): the int8 encoder's
//! activation ranges are fixed at setup (`scripts/static_quant.py`). A separate `verbatim
//! serve` process with its result cache off, so that every text is really encoded again.

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::{ServeProcess, root};

fn analyses(client: &Client, base: &str, texts: &[&str]) -> Vec<Value> {
    let r = client
        .post(format!("{base}/v1/analyze"))
        .json(&json!({ "texts": texts }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().unwrap();
    body["analyses"].as_array().unwrap().clone()
}

#[test]
fn a_texts_answer_is_the_same_alone_and_among_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(dir.path(), &["--analysis-cache", "0"]);
    let client = Client::new();
    let lines = std::fs::read_to_string(root().join("corpora/demo/comments.jsonl")).unwrap();
    let texts: Vec<String> = lines
        .lines()
        .skip(1000)
        .take(48)
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let together = analyses(&client, &server.base, &texts);
    for (text, with_others) in texts.iter().zip(&together) {
        let alone = &analyses(&client, &server.base, &[text])[0];
        for field in ["sentiment", "topics"] {
            assert_eq!(alone[field], with_others[field], "{text}: {field}");
        }
    }
}
