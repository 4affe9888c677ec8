//! `verbatim export` as a separate process against a real index built by `verbatim ingest`
//! with the real model: every live comment once, with its analysis; erased and replaced
//! versions absent; filters; the output file appears only whole.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{stdout_json_lines, verbatim};

fn ingest(index: &Path, input: &Path, lines: &str) {
    std::fs::write(input, lines).unwrap();
    crate::common::ingest(index, input, &[]);
}

fn export(args: &[&str]) -> Vec<Value> {
    let out = verbatim(&[&["export"], args].concat(), "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json_lines(&out)
}

/// How many times each id was exported.
fn id_counts(rows: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts
            .entry(row["id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    counts
}

#[test]
fn export_holds_every_live_comment_once_with_its_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let idx_s = idx.to_str().unwrap();
    // Two ingests (two segments); the second replaces c2 and adds c5.
    ingest(
        &idx,
        &dir.path().join("a.jsonl"),
        concat!(
            "{\"id\": \"c1\", \"text\": \"物流太慢了，等了一个星期\", \"customer_id\": \"u-1\"}\n",
            "{\"id\": \"c2\", \"text\": \"客服很耐心\", \"channel\": \"app\"}\n",
            "{\"id\": \"c3\", \"text\": \"Great product, fast delivery\", \"nps\": 10, \"region\": \"north\"}\n",
            "{\"id\": \"c4\", \"text\": \"退款一直没到账\", \"customer_id\": \"u-1\"}\n",
        ),
    );
    ingest(
        &idx,
        &dir.path().join("b.jsonl"),
        concat!(
            "{\"id\": \"c2\", \"text\": \"客服态度太差了，再也不买了\", \"channel\": \"app\"}\n",
            "{\"id\": \"c5\", \"text\": \"The app crashes every time I pay\"}\n",
        ),
    );
    let erase = verbatim(&["erase", "--index", idx_s, "--customer-id", "u-1"], "");
    assert!(erase.status.success());

    let rows = export(&["--index", idx_s, "--format", "jsonl"]);
    let counts = id_counts(&rows);
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [("c2".into(), 1), ("c3".into(), 1), ("c5".into(), 1)],
        "every live id once; the erased customer's c1 and c4 absent"
    );
    let by_id = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    // The replacement, not the first version, with its own analysis.
    assert_eq!(by_id("c2")["text"], "客服态度太差了，再也不买了");
    assert_eq!(by_id("c2")["analysis"]["sentiment"]["label"], "negative");
    assert_eq!(by_id("c2")["channel"], "app");
    assert_eq!(by_id("c3")["nps"], 10);
    assert_eq!(by_id("c3")["attrs"]["region"], "north");
    assert_eq!(by_id("c3")["analysis"]["lang"], "en");
    assert_eq!(by_id("c3")["analysis"]["sentiment"]["label"], "positive");
    assert!(by_id("c5")["analysis"]["keywords"].is_array());
    assert!(rows.iter().all(|r| r.get("customer_id").is_none()));

    // Filters and queries are the search's.
    let negative = export(&["--index", idx_s, "--sentiment", "negative"]);
    assert_eq!(
        id_counts(&negative).keys().collect::<Vec<_>>(),
        ["c2", "c5"]
    );
    let english = export(&["--index", idx_s, "--lang", "en", "crashes"]);
    assert_eq!(id_counts(&english).keys().collect::<Vec<_>>(), ["c5"]);

    // --output: the same lines in a file, no partial file left beside it.
    let file = dir.path().join("out").with_extension("jsonl");
    let out = verbatim(
        &[
            "export",
            "--index",
            idx_s,
            "--output",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 comment(s)"));
    let written: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(written, rows);
    assert!(!dir.path().join("out.jsonl.partial").exists());
}

#[test]
fn export_refuses_a_missing_index_and_a_bad_filter_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = verbatim(&["export", "--index", missing.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index at"));
    assert!(!missing.exists(), "export must not create an index");

    let idx = dir.path().join("idx");
    ingest(
        &idx,
        &dir.path().join("a.jsonl"),
        "{\"id\": \"c1\", \"text\": \"质量不错\"}\n",
    );
    let file = dir.path().join("out.jsonl");
    let out = verbatim(
        &[
            "export",
            "--index",
            idx.to_str().unwrap(),
            "--sentiment",
            "furious",
            "--output",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sentiment"));
    assert!(!file.exists() && !dir.path().join("out.jsonl.partial").exists());
}

#[cfg(feature = "parquet")]
#[test]
fn export_parquet_holds_every_live_comment_with_flat_columns() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let idx_s = idx.to_str().unwrap();
    ingest(
        &idx,
        &dir.path().join("a.jsonl"),
        concat!(
            "{\"id\": \"p1\", \"text\": \"物流太慢了，等了一个星期\", \"nps\": 2}\n",
            "{\"id\": \"p2\", \"text\": \"Great product, fast delivery\", \"customer_id\": \"gone\"}\n",
            "{\"id\": \"p3\", \"text\": \"客服很耐心，问题解决了\", \"region\": \"north\"}\n",
        ),
    );
    let erase = verbatim(&["erase", "--index", idx_s, "--customer-id", "gone"], "");
    assert!(erase.status.success());
    let file = dir.path().join("out.parquet");
    let out = verbatim(
        &[
            "export",
            "--index",
            idx_s,
            "--format",
            "parquet",
            "--output",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let (mut ids, mut labels, mut topics) = (Vec::new(), Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.unwrap();
        let col = |name: &str| batch.column_by_name(name).unwrap().clone();
        let (id, label) = (col("id"), col("label"));
        let topic_lists = col("topics");
        for i in 0..batch.num_rows() {
            ids.push(id.as_string::<i32>().value(i).to_string());
            labels.push(label.as_string::<i32>().value(i).to_string());
            let list = topic_lists.as_list::<i32>().value(i);
            let first = list.as_struct().column(0).as_string::<i32>();
            topics.push(
                (0..first.len())
                    .map(|j| first.value(j).to_string())
                    .collect::<Vec<_>>(),
            );
        }
    }
    assert_eq!(
        ids,
        ["p1", "p3"],
        "every live comment once; the erased p2 absent"
    );
    assert_eq!(labels, ["negative", "positive"]);
    assert!(topics[0].contains(&"delivery".to_string()), "{topics:?}");

    // Parquet is a file: stdout is refused by name, and nothing is written.
    let out = verbatim(&["export", "--index", idx_s, "--format", "parquet"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output"));
}
