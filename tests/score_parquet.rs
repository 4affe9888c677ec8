//! `verbatim score` on Parquet (the `parquet` feature; `make test-parquet`): every input
//! column and row kept with the analysis's columns added, the same labels as the JSONL path,
//! malformed rows named by row, a run killed mid-way resumed with every row once, and a
//! file that is not its output left alone.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::common::corpus_lines;
use crate::score::{score, spawn_score};

/// A demo comment as (id, text, channel, nps).
type DemoRow = (String, Option<String>, Option<String>, Option<i64>);

/// The first `n` demo comments.
fn demo(n: usize) -> Vec<DemoRow> {
    corpus_lines("corpora/demo/comments.jsonl")
        .iter()
        .take(n)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            (s("id").unwrap(), s("text"), s("channel"), v["nps"].as_i64())
        })
        .collect()
}

/// Write rows as Parquet with columns id, text, channel, nps (the text column named `text`).
fn write_input(path: &Path, rows: &[DemoRow], text: &str) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new(text, DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, true),
        Field::new("nps", DataType::Int64, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1.as_deref()))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.2.as_deref()))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.3))),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Every batch of a Parquet file as one.
fn read(path: &Path) -> RecordBatch {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<String> {
    let col = batch.column_by_name(name).unwrap().as_string::<i32>();
    (0..col.len()).map(|i| col.value(i).to_string()).collect()
}

fn ok(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn parquet_keeps_columns_and_rows_and_matches_the_jsonl_labels() {
    let dir = tempfile::tempdir().unwrap();
    let rows = demo(60);
    let (input, output) = (
        dir.path().join("in.parquet"),
        dir.path().join("out.parquet"),
    );
    write_input(&input, &rows, "text");
    let report = ok(&score(&input, &output, &["--batch-size", "25"]));
    assert_eq!(report["scored"], 60, "{report}");
    let out = read(&output);
    let schema = out.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(&names[..4], ["id", "text", "channel", "nps"]);
    assert!(names.contains(&"label") && names.contains(&"topics") && names.contains(&"analysis"));
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(strings(&out, "id"), ids, "rows kept in input order");
    let nps = out
        .column_by_name("nps")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(nps.value(0), rows[0].3.unwrap());
    assert!(!dir.path().join("out.parquet.parts").exists());

    // The same rows as JSONL through the same batches get the same labels.
    let (jin, jout) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    std::fs::write(
        &jin,
        corpus_lines("corpora/demo/comments.jsonl")[..60].join("\n") + "\n",
    )
    .unwrap();
    ok(&score(&jin, &jout, &["--batch-size", "25"]));
    let labels: Vec<String> = std::fs::read_to_string(&jout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            v["analysis"]["sentiment"]["label"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(strings(&out, "label"), labels);
}

#[test]
fn malformed_parquet_rows_are_named_by_row_then_stop_or_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = demo(8);
    rows[4].1 = None;
    let (input, output) = (
        dir.path().join("in.parquet"),
        dir.path().join("out.parquet"),
    );
    write_input(&input, &rows, "text");
    let out = score(&input, &output, &["--batch-size", "3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 5") && err.contains("null"), "{err}");
    let report = ok(&score(
        &input,
        &output,
        &["--batch-size", "3", "--on-error", "skip"],
    ));
    assert_eq!(
        (report["scored"].as_u64(), report["malformed"].as_u64()),
        (Some(3), Some(1)),
        "{report}"
    );
    assert_eq!(
        report["already_scored"], 4,
        "the rows before the bad one were kept: {report}"
    );
    assert_eq!(read(&output).num_rows(), 7);

    // A mixed pair, a clashing column and a missing text column are refused by name.
    let out = score(&input, &dir.path().join("o.csv"), &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("must match"));
    let clash = dir.path().join("clash.parquet");
    write_input(&clash, &rows, "label");
    let out = score(
        &clash,
        &dir.path().join("c.parquet"),
        &["--text-column", "label"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("rename them"));
    let out = score(&clash, &dir.path().join("c.parquet"), &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column `text`"));
}

#[test]
fn a_killed_parquet_run_resumes_with_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let rows = demo(600);
    let (input, output) = (
        dir.path().join("in.parquet"),
        dir.path().join("out.parquet"),
    );
    write_input(&input, &rows, "text");
    let parts = dir.path().join("out.parquet.parts");
    let mut child = spawn_score(&input, &output, &["--batch-size", "8"]);
    let start = Instant::now();
    while std::fs::read_dir(&parts).map_or(0, |d| d.count()) < 5 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!output.exists(), "killed too late to test resuming");

    let report = ok(&score(&input, &output, &["--batch-size", "8"]));
    let (scored, skipped) = (
        report["scored"].as_u64().unwrap(),
        report["already_scored"].as_u64().unwrap(),
    );
    assert_eq!(scored + skipped, 600, "{report}");
    assert!(skipped >= 32, "{report}");
    let ids = strings(&read(&output), "id");
    assert_eq!(ids.len(), 600);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        600,
        "a row scored twice"
    );

    // A rerun on the finished output scores nothing and keeps it; a file that is not a
    // Parquet output of this input is refused and left as it was.
    let report = ok(&score(&input, &output, &[]));
    assert_eq!(
        (report["scored"].as_u64(), report["already_scored"].as_u64()),
        (Some(0), Some(600))
    );
    assert_eq!(read(&output).num_rows(), 600);
    let other = dir.path().join("notes.parquet");
    std::fs::write(&other, "not parquet").unwrap();
    let out = score(&input, &other, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "not parquet");
}
