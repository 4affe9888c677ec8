//! The index through the `verbatim` binary, as separate processes: ingest and search on the
//! command line, errors naming file, line and field, the writer lock across processes, and
//! durability across `kill -9`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use verbatim::Error;
use verbatim::index::{CommentIndex, SearchRequest};

use super::{fixture, q, search, set};
use crate::common::verbatim;

#[test]
fn a_second_writer_gets_a_lock_error() {
    let (dir, index) = fixture();
    let _writer = index.writer().unwrap();
    let again = CommentIndex::open(&dir.path().join("idx")).unwrap();
    let err = again.writer().err().unwrap();
    assert!(matches!(err, Error::Locked { .. }), "{err}");

    // Another process: exit code 2 and a one-line message naming the lock.
    let input = dir.path().join("more.jsonl");
    std::fs::write(&input, "{\"id\": \"x\", \"text\": \"发票\"}\n").unwrap();
    let idx = dir.path().join("idx");
    let out = verbatim(
        &[
            "ingest",
            "--index",
            idx.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is locked by another writer") && err.contains(".tantivy-writer.lock"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Searching while another process writes is fine.
    let out = verbatim(&["search", "--index", idx.to_str().unwrap(), "发票"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cli_ingest_then_search() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("comments.csv");
    std::fs::write(
        &csv,
        "id,text,created_at,nps,channel,region\n\
         c1,\"發票一直沒開,客服也不回\",2025-05-20,2,app,华东\n\
         c2,The refund was refunded quickly,2025-05-21,9,email,EU\n\
         c3,测试工具箱很好用,,10,app,华南\n",
    )
    .unwrap();
    let idx = dir.path().join("idx");
    let idx = idx.to_str().unwrap();
    let out = verbatim(
        &[
            "ingest",
            "--index",
            idx,
            "--input",
            csv.to_str().unwrap(),
            "--format",
            "json",
        ],
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.trim(), "verbatim ingest: committed 3 last_id=c3");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["ingested"], 3);
    assert_eq!(summary["total"], 3);

    let out = verbatim(&["search", "--index", idx, "发票", "--format", "json"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["total"], 1);
    let hit = &r["hits"][0];
    assert_eq!(hit["id"], "c1");
    assert_eq!(hit["snippet"], "<mark>發票</mark>一直沒開,客服也不回");
    assert_eq!(hit["analysis"]["lang"], "zh-Hant");
    assert_eq!(hit["nps"], 2);
    assert_eq!(hit["attrs"]["region"], "华东");
    for key in [
        "text",
        "created_at",
        "csat",
        "channel",
        "customer_id",
        "score",
    ] {
        assert!(hit.get(key).is_some(), "hit has {key}");
    }
    for key in ["sentiment", "topic", "lang", "channel"] {
        assert!(r["facets"].get(key).is_some(), "facets has {key}");
    }

    let out = verbatim(
        &[
            "search",
            "--index",
            idx,
            "refund",
            "--attr",
            "region=EU",
            "--format",
            "table",
        ],
        "",
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        table.starts_with("1 comment matches, showing 1–1"),
        "{table}"
    );
    assert!(
        table.contains("The [refund] was [refunded] quickly"),
        "{table}"
    );
    assert!(table.contains("channel: email 1"), "{table}");

    let out = verbatim(&["search", "--index", idx, "--lang", "klingon"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("filter `lang`"));
}

#[test]
fn cli_ingest_errors_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"text\": \"好评\"}\n{\"id\": \"b\", \"text\": \"差评\", \"nps\": 11}\n",
    )
    .unwrap();
    let idx = dir.path().join("idx");
    let out = verbatim(
        &[
            "ingest",
            "--index",
            idx.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--batch-size",
            "1",
            "--commit-every",
            "1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("committed 1 last_id=a"), "{err}");
    assert!(
        err.contains("bad.jsonl line 2: field `nps`: 11 is not in 0–10"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // What came before the bad line is committed.
    assert!(
        CommentIndex::open(&idx)
            .unwrap()
            .get("a")
            .unwrap()
            .is_some()
    );
    assert!(
        err.contains("ingest stopped after 1 committed comments"),
        "{err}"
    );

    let out = verbatim(
        &[
            "ingest",
            "--index",
            idx.to_str().unwrap(),
            "--input",
            "/nonexistent/in.jsonl",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    assert!(err.contains("cannot open /nonexistent/in.jsonl"), "{err}");
}

/// `kill -9` in the middle of an ingest: every comment acknowledged on stderr is in the
/// index afterwards, and the index opens, validates and takes new writes.
#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let phrases = [
        "發票一直沒開",
        "配送太慢了",
        "The refund took three weeks",
        "客服态度很好",
        "APP老是闪退",
    ];
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..200_000 {
        writeln!(
            w,
            "{{\"id\": \"k{i}\", \"text\": \"{} #{i}\", \"nps\": {}}}",
            phrases[i % phrases.len()],
            i % 11
        )
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let idx = dir.path().join("idx");
    let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args([
            "ingest",
            "--index",
            idx.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ])
        .args(["--batch-size", "250", "--commit-every", "500", "--no-model"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut acknowledged = 0u64;
    let mut lines = Vec::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        lines.push(line.trim().to_string());
        if let Some(n) = line
            .strip_prefix("verbatim ingest: committed ")
            .and_then(|r| r.split(' ').next())
        {
            acknowledged = n.parse().unwrap();
        }
        line.clear();
        if lines.len() == 4 {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    // Lines printed before the kill landed are acknowledgements too.
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    for l in rest.lines() {
        if let Some(n) = l
            .strip_prefix("verbatim ingest: committed ")
            .and_then(|r| r.split(' ').next())
        {
            acknowledged = n.parse().unwrap();
        }
    }
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "the ingest finished before the kill: {lines:?}"
    );
    assert!(acknowledged >= 2000, "{lines:?}");

    let index = CommentIndex::open(&idx).unwrap();
    assert!(
        index.tantivy().validate_checksum().unwrap().is_empty(),
        "corrupt files"
    );
    assert!(index.num_comments() >= acknowledged);
    for i in 0..acknowledged {
        assert!(
            index.get(&format!("k{i}")).unwrap().is_some(),
            "acknowledged k{i} is missing"
        );
    }
    assert!(search(&index, SearchRequest::query("发票")).total > 0);

    // The lock died with the process: a new ingest resumes (replacing by id).
    let more = dir.path().join("more.jsonl");
    std::fs::write(
        &more,
        "{\"id\": \"k0\", \"text\": \"replaced\"}\n{\"id\": \"new\", \"text\": \"新的评论\"}\n",
    )
    .unwrap();
    let out = verbatim(
        &[
            "ingest",
            "--index",
            idx.to_str().unwrap(),
            "--input",
            more.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    index.reload().unwrap();
    assert_eq!(index.get("k0").unwrap().unwrap().comment.text, "replaced");
    assert!(index.get("new").unwrap().is_some());
}

#[test]
fn cli_ingest_reads_jsonl_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let idx = idx.to_str().unwrap();
    let input = "{\"id\": 1, \"text\": \"客服有回覆了\", \"csat\": \"4\", \"plan\": \"pro\"}\n";
    let out = verbatim(&["ingest", "--index", idx, "--input", "-"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = CommentIndex::open(Path::new(idx)).unwrap();
    let stored = index.get("1").unwrap().unwrap();
    assert_eq!(stored.comment.csat, Some(4));
    assert_eq!(stored.comment.attrs["plan"], "pro");
    assert_eq!(q(&index, "回复"), set(&["1"]));
}
