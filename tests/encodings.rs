//! Files from Chinese and Taiwanese Excel and systems through the real `verbatim score` and
//! `verbatim ingest`: GBK, Big5, UTF-16 LE "Unicode Text" (tabs), UTF-8 with a byte-order
//! mark (semicolons) and gzip-compressed GB18030, all with quoted, multi-line fields; the
//! detected encoding and delimiter, forcing them by flag and by config file, and the errors
//! (exit 2 naming the file and the line) for bytes invalid in the encoding and a cut gzip.
//! Fixtures: `tests/data/encodings/`, written by `scripts/make_encoding_fixtures.py`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{root, verbatim};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/data/encodings").join(name)
}

/// `expected.json`: per fixture, its encoding, delimiter and rows as UTF-8.
fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn models() -> String {
    root().join("models").to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> Output {
    verbatim(args, "")
}

fn score(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let models = models();
    let (input, output) = (input.to_str().unwrap(), output.to_str().unwrap());
    let mut args = vec!["score", "--models", &models, "-i", input, "-o", output];
    args.extend_from_slice(extra);
    run(&args)
}

fn ingest(index: &Path, input: &Path, extra: &[&str]) -> Output {
    let models = models();
    let (index, input) = (index.to_str().unwrap(), input.to_str().unwrap());
    let mut args = vec![
        "ingest", "--models", &models, "--index", index, "--input", input,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The (id, text, region) of each row of a scored CSV output (always UTF-8, commas; the
/// region empty where there is no such column).
fn scored_rows(output: &Path) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(output).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&headers[..2], ["id", "text"], "{headers:?}");
    assert!(headers.contains(&"sentiment".to_string()), "{headers:?}");
    let region = headers.iter().position(|h| h == "region");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let region = region.map_or("", |k| &r[k]).to_string();
            (r[0].to_string(), r[1].to_string(), region)
        })
        .collect()
}

fn expected_rows(file: &Value) -> Vec<(String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    file["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(&r["id"]), s(&r["text"]), s(&r["region"])))
        .collect()
}

#[test]
fn score_detects_each_encoding_and_delimiter() {
    let expected = expected();
    let dir = tempfile::tempdir().unwrap();
    for (name, file) in expected.as_object().unwrap() {
        let output = dir.path().join(format!("{name}.scored.csv"));
        let out = score(&fixture(name), &output, &[]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["encoding"], file["encoding"], "{name}: {summary}");
        assert_eq!(summary["delimiter"], file["delimiter"], "{name}: {summary}");
        let rows = expected_rows(file);
        assert_eq!(summary["scored"], rows.len(), "{name}: {summary}");
        assert_eq!(scored_rows(&output), rows, "{name}");
    }
}

#[test]
fn forced_encoding_and_delimiter_by_flag_and_config() {
    let expected = expected();
    let dir = tempfile::tempdir().unwrap();
    // By flag: GBK named as such (read as GB18030, its superset), the delimiter by name.
    let output = dir.path().join("gbk.scored.csv");
    let args = ["--encoding", "gbk", "--delimiter", "comma"];
    let out = score(&fixture("gbk.csv"), &output, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["encoding"], "gbk");
    assert_eq!(scored_rows(&output), expected_rows(&expected["gbk.csv"]));

    // By config file: ingest reads Excel's "Unicode Text" as told, and a search finds it.
    let config = dir.path().join("verbatim.toml");
    std::fs::write(&config, "encoding = \"utf-16le\"\ndelimiter = \"tab\"\n").unwrap();
    let index = dir.path().join("idx");
    let config = config.to_str().unwrap();
    let out = ingest(&index, &fixture("unicode_text.txt"), &["--config", config]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hit = search_hit(&index, "马上处理", "u3");
    assert_eq!(hit["text"], expected["unicode_text.txt"]["rows"][2]["text"]);
    assert_eq!(hit["attrs"]["region"], "台北");

    // A wrong delimiter forced by flag is obeyed: one column, so no `text` column.
    let out = score(
        &fixture("big5.csv"),
        &dir.path().join("x.csv"),
        &["--delimiter", ";"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no column `text`"),
        "{}",
        stderr(&out)
    );
}

/// The hit with id `id` among the hits of `query` in `index` (`verbatim search`, JSON).
fn search_hit(index: &Path, query: &str, id: &str) -> Value {
    let index = index.to_str().unwrap();
    let out = run(&["search", "--index", index, query, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = response["hits"].as_array().unwrap();
    let hit = hits.iter().find(|h| h["id"] == id);
    hit.unwrap_or_else(|| panic!("{query}: no {id} in {response}"))
        .clone()
}

#[test]
fn ingest_detects_big5_gb18030_gzip_and_search_finds_them() {
    let expected = expected();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    for name in ["big5.csv", "gb18030_tab.csv.gz", "gbk.csv"] {
        let out = ingest(&index, &fixture(name), &["--format", "json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    let out = run(&[
        "search",
        "--index",
        index.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all["total"], 11, "{all}");
    // A Traditional comment from the Big5 file, found by its Traditional and Simplified words
    // (the GBK file's Simplified 发票 comment matches 發票 too).
    let hit = search_hit(&index, "發票", "b2");
    assert_eq!(hit["text"], expected["big5.csv"]["rows"][1]["text"]);
    assert_eq!(hit["attrs"]["region"], "台中");
    search_hit(&index, "發票", "g3");
    let hit = search_hit(&index, "刮痕", "b3");
    assert_eq!(
        hit["text"],
        "包裝破損，\"全新\"商品有刮痕。\n申請退貨後三天才收到回覆"
    );
    // The four-byte GB18030 character came through the gzip stream intact.
    let hit = search_hit(&index, "口味", "x1");
    assert_eq!(hit["text"], "店名叫𠀾记，菜的口味很好，服务也周到");
    let hit = search_hit(&index, "凉了", "x2");
    assert_eq!(hit["text"], "外卖送到时已经凉了\t汤也洒了");
}

#[test]
fn invalid_bytes_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = fixture("big5_bad_line4.csv");
    let offset = std::fs::read(&bad)
        .unwrap()
        .iter()
        .position(|&b| b == 0x80)
        .unwrap();
    let message = format!("big5_bad_line4.csv line 4: not valid big5 text (byte {offset})");
    // Forced Big5: the rows before line 4 are written, then exit 2, even with skip.
    for on_error in ["fail", "skip"] {
        let output = dir.path().join(format!("{on_error}.csv"));
        let args = ["--encoding", "big5", "--on-error", on_error];
        let out = score(&bad, &output, &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&message), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let ids: Vec<String> = scored_rows(&output).into_iter().map(|r| r.0).collect();
        assert_eq!(ids, ["b1", "b2"]);
    }
    // Detected (Big5 all the same) by ingest: the same error.
    let index = dir.path().join("idx");
    let out = ingest(&index, &bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&message), "{}", stderr(&out));
    // GBK forced as UTF-8: the first Chinese byte is on line 2.
    let out = ingest(&index, &fixture("gbk.csv"), &["--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("gbk.csv line 2: not valid utf-8"),
        "{}",
        stderr(&out)
    );
    // A gzip stream cut short: the line where the text stops.
    let out = score(&fixture("truncated.csv.gz"), &dir.path().join("t.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("truncated.csv.gz line ") && err.contains("cannot read"),
        "{err}"
    );
    // An unknown encoding name is refused before anything is read.
    let out = score(&bad, &dir.path().join("u.csv"), &["--encoding", "latin9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("latin9"), "{}", stderr(&out));
}

/// Detection reads the first 256 KiB: a UTF-8-looking head with GBK after it fails on the
/// line of the first GBK byte, and `--encoding gbk` reads it.
#[test]
fn gbk_after_an_ascii_head_names_the_line_and_is_read_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("late.csv");
    let pad = "x".repeat(100_000);
    let mut bytes = b"id,text,pad\r\n".to_vec();
    for i in 1..=3 {
        bytes.extend(format!("a{i},fine,{pad}\r\n").into_bytes());
    }
    let (gbk, _, _) = encoding_rs::GBK.encode("a4,物流太慢,x\r\n");
    bytes.extend_from_slice(&gbk);
    std::fs::write(&input, &bytes).unwrap();
    let out = score(&input, &dir.path().join("o1.csv"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("late.csv line 5: not valid utf-8"),
        "{}",
        stderr(&out)
    );
    let output = dir.path().join("o2.csv");
    let out = score(&input, &output, &["--encoding", "gbk"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = scored_rows(&output);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].1, "物流太慢");
}
