//! Re-analysis after a taxonomy change (issue 21), on the real model and real indexes on
//! disk: `verbatim reanalyze` brings every comment to the new version in committed batches
//! and resumes after an interrupted run; a running `verbatim serve` does the same in the
//! background (`POST /v1/admin/reanalyze`) while it keeps answering; an index made before
//! versions were recorded still opens, reports them as `unknown`, and is brought forward
//! by `reindex` then `reanalyze`. Reports list the versions they cover. The server's
//! background run is in `reanalyze_serve.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{ServeProcess, ingest, root, stdout_json_lines, verbatim};

/// The default taxonomy with one topic added (parking).
pub fn taxonomy_with_parking(dir: &Path) -> PathBuf {
    let mut toml = std::fs::read_to_string(root().join("models/taxonomy.toml")).unwrap();
    toml.push_str(
        r#"
[[topic]]
id = "parking"
name_zh = "停车"
name_en = "Parking"
description_zh = "停车场、车位与停车收费。"
description_en = "Parking lots, parking spaces and parking fees."
seeds_zh = ["停车", "车位", "停车场", "停车费"]
seeds_en = ["parking", "parking lot", "parking space", "car park"]
examples = [
  "停车场太小了，找车位找了半小时",
  "停车费太贵，一小时二十块",
  "附近没有地方停车",
  "Parking was impossible, no spaces left.",
  "The car park charges too much.",
  "停車位很難找，繞了好幾圈",
]
"#,
    );
    let path = dir.join("taxonomy-parking.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

const TEXTS: [&str; 20] = [
    "停车场太小了，找车位找了半小时",
    "配送太慢了，等了三天",
    "客服态度很好，耐心解答",
    "Parking was a nightmare, no spaces anywhere.",
    "发票一直没开",
    "The app keeps crashing after the update.",
    "价格有点贵但是质量不错",
    "停車費太貴了，一小時就要一百元",
    "物流很快，包装也很好",
    "Refund took three weeks, terrible after-sales service.",
    "商场停车很方便，车位充足",
    "手机电池续航很差",
    "Delivery was fast and the driver was polite.",
    "账号被盗了，客服也不管",
    "味道很好，下次还会再来",
    "The hotel parking lot was full and they charged $40.",
    "退款流程太复杂",
    "界面很清爽，操作简单",
    "信号太差了，打电话总是断",
    "The staff knew nothing about the product.",
];

/// The parking comments among [`TEXTS`] that the new topic must find.
pub const PARKING: [&str; 3] = ["c00", "c03", "c15"];

/// `copies` × 20 comments with dates, scores, channels, customers and an attribute.
pub fn corpus(dir: &Path, copies: usize) -> PathBuf {
    let mut lines = String::new();
    for copy in 0..copies {
        for (i, text) in TEXTS.iter().enumerate() {
            let id = if copy == 0 {
                format!("c{i:02}")
            } else {
                format!("c{i:02}-{copy}")
            };
            let (channel, region) = [("app", "north"), ("web", "south")][i % 2];
            let line = json!({
                "id": id, "text": text,
                "created_at": format!("2026-0{}-1{}T08:00:00Z", 1 + i % 9, i % 10),
                "nps": i % 11, "channel": channel,
                "customer_id": format!("cust{}", i % 4), "region": region,
            });
            lines.push_str(&format!("{line}\n"));
        }
    }
    let path = dir.join("comments.jsonl");
    std::fs::write(&path, lines).unwrap();
    path
}

fn run_ok(args: &[&str]) -> Vec<Value> {
    let out = verbatim(args, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json_lines(&out)
}

/// Every stored comment (without its analysis), by id.
fn comments(index: &str) -> BTreeMap<String, Value> {
    run_ok(&["export", "--index", index])
        .into_iter()
        .map(|mut line| {
            line.as_object_mut().unwrap().remove("analysis");
            (line["id"].as_str().unwrap().to_string(), line)
        })
        .collect()
}

fn parking_ids(index: &str) -> Vec<String> {
    let out = run_ok(&[
        "search", "--index", index, "--topic", "parking", "--limit", "100", "--mode", "keyword",
    ]);
    out[0]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

fn versions(index: &str) -> Value {
    run_ok(&["report", "summary", "--index", index])[0]["analysis_versions"].clone()
}

#[test]
fn reanalyze_brings_every_comment_to_a_new_taxonomy_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    ingest(&index, &corpus(dir.path(), 1), &[]);
    let idx = index.to_str().unwrap();
    // An erased customer stays erased.
    run_ok(&["erase", "--index", idx, "--customer-id", "cust1"]);
    let before = comments(idx);
    assert_eq!(before.len(), 15);
    let old = versions(idx);
    assert_eq!(old.as_array().unwrap().len(), 1, "{old}");
    assert_eq!(old[0]["n"], 15);
    assert!(parking_ids(idx).is_empty());

    let taxonomy = taxonomy_with_parking(dir.path());
    let tax = taxonomy.to_str().unwrap();
    let with = |extra: &[&str]| {
        let args = [&["reanalyze", "--index", idx, "--taxonomy", tax][..], extra].concat();
        run_ok(&args)[0].clone()
    };
    let dry = with(&["--dry-run"]);
    assert_eq!(dry["stale"], 15, "{dry}");
    assert_eq!(dry["versions"][0]["version"], old[0]["version"]);
    assert_eq!(dry["versions"][0]["current"], false);
    let new = dry["version"].as_str().unwrap().to_string();
    assert_ne!(new, old[0]["version"].as_str().unwrap());
    // Same encoder, other taxonomy: only the topic part of the version differs.
    assert_eq!(
        new.split(".t").next(),
        old[0]["version"].as_str().unwrap().split(".t").next()
    );

    // Interrupted after one batch: what was committed stays, the rest is still stale.
    let first = with(&["--batch", "5", "--limit", "5"]);
    assert_eq!(
        (first["reanalyzed"].clone(), first["remaining"].clone()),
        (json!(5), json!(10))
    );
    assert_eq!(with(&["--dry-run"])["stale"], 10);
    let mixed = versions(idx);
    assert_eq!(
        mixed,
        json!([{"version": old[0]["version"], "n": 10}, {"version": new, "n": 5}])
    );

    let rest = with(&["--batch", "4"]);
    assert_eq!(rest["reanalyzed"], 10, "{rest}");
    assert_eq!(rest["batches"], 3);
    assert_eq!(rest["remaining"], 0);
    let again = with(&[]);
    assert_eq!(
        (again["stale"].clone(), again["reanalyzed"].clone()),
        (json!(0), json!(0))
    );

    assert_eq!(versions(idx), json!([{"version": new, "n": 15}]));
    // Every report says which versions it covers.
    for report in [
        &["report", "drivers"][..],
        &["report", "pain-points"],
        &["report", "trends"],
        &["report", "segments", "--by", "channel"],
        &["discover", "--format", "json", "--min-size", "2"],
    ] {
        let args = [report, &["--index", idx]].concat();
        let got = &run_ok(&args)[0]["analysis_versions"];
        assert_eq!(got, &json!([{"version": new, "n": 15}]), "{report:?}");
    }
    let found = parking_ids(idx);
    for id in PARKING {
        assert!(found.contains(&id.to_string()), "{id} not in {found:?}");
    }
    // Ids, texts, dates, scores, channels, customers and attributes unchanged; erased gone.
    assert_eq!(comments(idx), before);
    // The CLI refuses a locked index naming the server route.
    let served = ServeProcess::start(&index, &[]);
    let out = verbatim(&["reanalyze", "--index", idx, "--taxonomy", tax], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("POST /v1/admin/reanalyze"));
    drop(served);
}

/// The comments per version, read from the index on disk (as another process sees it).
fn counts_on_disk(index: &Path) -> BTreeMap<String, u64> {
    let opened = verbatim::index::CommentIndex::open(index).unwrap();
    verbatim::index::reanalyze::version_counts(&opened)
        .unwrap()
        .into_iter()
        .map(|c| (c.version, c.n))
        .collect()
}

#[test]
fn a_killed_reanalyze_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    ingest(&index, &corpus(dir.path(), 10), &[]);
    let (idx, taxonomy) = (index.to_str().unwrap(), taxonomy_with_parking(dir.path()));
    let tax = taxonomy.to_str().unwrap();
    let before = comments(idx);
    let new = run_ok(&["reanalyze", "--index", idx, "--taxonomy", tax, "--dry-run"])[0]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args([
            "reanalyze",
            "--index",
            idx,
            "--taxonomy",
            tax,
            "--batch",
            "1",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let at_kill = loop {
        let counts = counts_on_disk(&index);
        if counts.get(&new).copied().unwrap_or(0) > 0 {
            child.kill().unwrap();
            break counts;
        }
        assert!(Instant::now() < deadline, "no batch committed");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.wait().unwrap();
    assert!(at_kill[&new] < 200, "finished before the kill: {at_kill:?}");
    let after_kill = counts_on_disk(&index);
    assert_eq!(after_kill.values().sum::<u64>(), 200, "{after_kill:?}");
    let done = run_ok(&["reanalyze", "--index", idx, "--taxonomy", tax])[0].clone();
    assert_eq!(done["stale"], 200 - after_kill[&new], "{done}");
    assert_eq!(done["remaining"], 0);
    assert_eq!(counts_on_disk(&index), BTreeMap::from([(new, 200)]));
    assert_eq!(comments(idx), before);
}

#[test]
fn an_index_without_versions_opens_reports_unknown_and_is_brought_forward() {
    use verbatim::analyze::{Analyzer, Options};
    use verbatim::comment::Comment;
    use verbatim::index::schema::schema_without_versions;
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    std::fs::create_dir(&index).unwrap();
    tantivy::Index::create_in_dir(&index, schema_without_versions()).unwrap();
    {
        let opened = verbatim::index::CommentIndex::open(&index).unwrap();
        let writer = opened.writer().unwrap();
        let texts = ["停车场太小了", "配送太慢了", "客服态度很好"];
        let items: Vec<Comment> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Comment::new(format!("o{i}"), *t))
            .collect();
        writer
            .write(&Analyzer::text_only(Options::default()), &items)
            .unwrap();
        writer.finish().unwrap();
    }
    let idx = index.to_str().unwrap();
    assert_eq!(versions(idx), json!([{"version": "unknown", "n": 3}]));
    let out = run_ok(&["search", "--index", idx, "配送"]);
    assert_eq!(out[0]["hits"][0]["id"], "o1");
    let refused = verbatim(&["reanalyze", "--index", idx], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("verbatim reindex"));
    run_ok(&["reindex", "--index", idx]);
    assert_eq!(versions(idx), json!([{"version": "unknown", "n": 3}]));
    let done = run_ok(&["reanalyze", "--index", idx])[0].clone();
    assert_eq!(
        (done["stale"].clone(), done["reanalyzed"].clone()),
        (json!(3), json!(3))
    );
    let now = versions(idx);
    assert_eq!(now[0]["n"], 3, "{now}");
    assert!(
        now[0]["version"]
            .as_str()
            .unwrap()
            .starts_with("e5-small.int8.m"),
        "{now}"
    );
}
