//! `verbatim score`: CSV with quoting, multi-line fields and a byte-order mark; JSONL with
//! extra fields; malformed rows (fatal or skipped, named by line); `--index`; and resuming
//! after `kill -9` with every row scored exactly once.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{corpus_lines, root, verbatim};

/// `verbatim score --models M -i INPUT -o OUTPUT EXTRA...` as arguments.
pub(crate) fn score_args(input: &Path, output: &Path, extra: &[&str]) -> Vec<String> {
    let models = root().join("models");
    let mut args: Vec<String> = ["score", "--models", models.to_str().unwrap(), "-i"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(input.to_string_lossy().into_owned());
    args.push("-o".into());
    args.push(output.to_string_lossy().into_owned());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Start `verbatim score` in the background (output discarded), to be killed mid-run.
pub(crate) fn spawn_score(input: &Path, output: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args(score_args(input, output, extra))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Run `verbatim score` to the end.
pub(crate) fn score(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let args = score_args(input, output, extra);
    verbatim(&args.iter().map(String::as_str).collect::<Vec<_>>(), "")
}

#[test]
fn csv_with_quotes_newlines_and_bom_keeps_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(
        &input,
        "\u{feff}id,text,region,plan\n\
         a1,\"配送太慢了,等了五天\",华东,pro\n\
         a2,\"Support was great.\nThey fixed it in minutes, thanks!\",US,free\n\
         a3,\"客服说\"\"马上处理\"\"，结果一周都没人回复\",华北,\n",
    )
    .unwrap();
    let out = score(&input, &output, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["scored"], 3);
    let mut reader = csv::Reader::from_path(&output).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(&headers[..4], ["id", "text", "region", "plan"]);
    assert!(headers.contains(&"sentiment".to_string()) && headers.contains(&"topics".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(
        &rows[1][col("text")],
        "Support was great.\nThey fixed it in minutes, thanks!"
    );
    assert_eq!(
        &rows[2][col("text")],
        "客服说\"马上处理\"，结果一周都没人回复"
    );
    assert_eq!(&rows[0][col("region")], "华东");
    assert_eq!(&rows[0][col("sentiment")], "negative");
    assert!(
        rows[0][col("topics")].contains("delivery:negative"),
        "{:?}",
        rows[0]
    );
    assert_eq!(&rows[1][col("sentiment")], "positive");
    assert_eq!(&rows[1][col("lang")], "en");
}

#[test]
fn jsonl_malformed_rows_fail_or_are_skipped_and_index_is_filled() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    let index = dir.path().join("idx");
    std::fs::write(
        &input,
        "{\"id\": \"j1\", \"text\": \"發票開錯了兩次\", \"nps\": 2, \"store\": \"S9\"}\n\
         {\"id\": \"j2\", \"text\": \"\"}\n\
         not json\n\
         {\"id\": 4, \"text\": \"The app keeps crashing on login\", \"channel\": \"app\"}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| score(&input, &output, extra);
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in.jsonl line 2: field `text`: empty"),
        "{err}"
    );
    // Rows before the bad one were written.
    assert_eq!(std::fs::read_to_string(&output).unwrap().lines().count(), 1);

    let out = run(&["--on-error", "skip", "--index", index.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("line 3: not valid JSON"),
        "{err}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            summary["scored"].as_u64(),
            summary["already_scored"].as_u64(),
            summary["malformed"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // Numbers read as `verbatim analyze` prints them (f32, not widened to f64 digits).
    let text = std::fs::read_to_string(&output).unwrap();
    let score = lines[0]["analysis"]["sentiment"]["score"].as_f64().unwrap();
    assert!(
        text.contains(&format!("\"score\":{}", score as f32)),
        "{text}"
    );
    assert_eq!(lines[0]["store"], "S9");
    assert_eq!(lines[0]["analysis"]["lang"], "zh-Hant");
    assert_eq!(lines[1]["id"], 4);
    assert!(
        lines[1]["analysis"]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "reliability"),
        "{}",
        lines[1]
    );
    let stored = verbatim::index::CommentIndex::open(&index).unwrap();
    let c = stored
        .get("4")
        .unwrap()
        .expect("scored rows are indexed too");
    assert_eq!(c.comment.channel.as_deref(), Some("app"));
}

#[test]
fn resumes_after_kill_scoring_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    let lines: Vec<String> = corpus_lines("corpora/demo/comments.jsonl")
        .into_iter()
        .take(1200)
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let mut child = spawn_score(&input, &output, &["--batch-size", "32"]);
    let start = Instant::now();
    loop {
        let written = std::fs::read_to_string(&output)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if written >= 200 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = std::fs::read_to_string(&output).unwrap().lines().count();
    assert!(
        partial < 1200,
        "killed too late to test resuming ({partial})"
    );

    let out = score(&input, &output, &["--batch-size", "32"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (scored, skipped) = (
        summary["scored"].as_u64().unwrap(),
        summary["already_scored"].as_u64().unwrap(),
    );
    assert_eq!(scored + skipped, 1200, "{summary}");
    assert!(skipped >= 200, "{summary}");
    let text = std::fs::read_to_string(&output).unwrap();
    let mut ids = HashSet::new();
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["analysis"]["sentiment"].is_object());
        assert!(
            ids.insert(v["id"].as_str().unwrap().to_string()),
            "scored twice: {}",
            v["id"]
        );
    }
    assert_eq!(ids.len(), 1200);
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.parquet");
    std::fs::write(&input, "PAR1").unwrap();
    let out = score(&input, &dir.path().join("out.parquet"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no Parquet support") && err.contains("--features parquet"),
        "{err}"
    );
    assert!(!dir.path().join("out.parquet").exists());
}

/// `ingest` reads files with the scorer's reader: the same malformed rows are named with the
/// same messages, stop it (what came before is committed) or are skipped and counted.
#[test]
fn ingest_names_the_rows_score_names_and_skips_them_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let index = dir.path().join("idx");
    std::fs::write(
        &input,
        "{\"id\": \"j1\", \"text\": \"發票開錯了兩次\", \"store\": \"S9\"}\n\
         {\"id\": \"j2\", \"text\": \"\"}\n\
         not json\n\
         {\"text\": \"no id here\"}\n\
         {\"id\": 5, \"text\": \"The app keeps crashing on login\"}\n",
    )
    .unwrap();
    let (idx, inp) = (index.to_str().unwrap(), input.to_str().unwrap());
    let args = [
        "ingest",
        "--index",
        idx,
        "--input",
        inp,
        "--commit-every",
        "1",
    ];
    let out = verbatim(&[&args[..], &["--batch-size", "1"]].concat(), "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in.jsonl line 2: field `text`: empty")
            && err.contains("after 1 committed comments"),
        "{err}"
    );
    let out = verbatim(&[&args[..], &["--on-error", "skip"]].concat(), "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("line 3: not valid JSON") && err.contains("line 4: field `id`: missing"),
        "{err}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["ingested"].as_u64(), summary["skipped"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(summary["total"].as_u64(), Some(2), "{summary}");
}

/// `score -i -` reads standard input (JSONL told by its content) and names it `stdin`.
#[test]
fn score_reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.jsonl");
    let out_path = output.to_str().unwrap();
    let lines =
        "{\"id\":\"a\",\"text\":\"配送太慢了，等了两个小时\"}\n{\"id\":\"b\",\"text\":\"\"}\n";
    let out = verbatim(&["score", "-i", "-", "-o", out_path], lines);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin line 2: field `text`: empty"), "{err}");
    let scored = std::fs::read_to_string(&output).unwrap();
    let row: serde_json::Value = serde_json::from_str(scored.lines().next().unwrap()).unwrap();
    assert_eq!(row["id"], "a");
    assert_eq!(row["analysis"]["sentiment"]["label"], "negative", "{row}");
}

#[test]
fn an_output_that_is_the_input_spelt_another_way_is_refused_and_the_input_kept() {
    // Scoring into the file being read would append to it while reading it (a 1.8 MB input
    // grew to 10 GB) or cut it down as a broken earlier output; every spelling of the same
    // file is refused before anything is written.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let rows = "{\"id\":\"1\",\"text\":\"物流太慢\"}\n{\"id\":\"2\",\"text\":\"fast delivery\"}\n";
    std::fs::write(&input, rows).unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    let dotted = dir.path().join("sub/../in.jsonl");
    for output in [&dotted, &link, &hard] {
        let out = score(&input, output, &["--no-model"]);
        assert_eq!(out.status.code(), Some(2), "{}", output.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is the --input file"), "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), rows);
    }
    // A different file is still fine.
    let out = score(&input, &dir.path().join("out.jsonl"), &["--no-model"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_existing_output_that_is_not_an_earlier_run_is_refused_and_kept() {
    // Resuming reads the output's scored ids and cuts off a record an interruption left
    // incomplete; a file that is not such an output was cut down to nothing (JSONL) or got
    // rows under another header (CSV). Both are refused and left as they were.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"1\",\"text\":\"物流太慢\"}\n").unwrap();
    let notes = dir.path().join("notes.jsonl");
    let mine = "{\"id\":\"x\",\"text\":\"someone's own data\"}\n";
    std::fs::write(&notes, mine).unwrap();
    let out = score(&input, &notes, &["--no-model"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not an earlier output") && err.contains("line 1"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), mine);

    let first = dir.path().join("a.csv");
    std::fs::write(&first, "id,comment,nps\n1,物流太慢,3\n").unwrap();
    let scored = dir.path().join("scored.csv");
    let out = score(&first, &scored, &["--no-model", "--text-column", "comment"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read_to_string(&scored).unwrap();
    let second = dir.path().join("b.csv");
    std::fs::write(&second, "id,text\n2,fast delivery\n").unwrap();
    let out = score(&second, &scored, &["--no-model"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("its columns are id,comment,nps"), "{err}");
    assert_eq!(std::fs::read_to_string(&scored).unwrap(), before);
    // The same input again resumes: nothing new to score, the file unchanged.
    let out = score(&first, &scored, &["--no-model", "--text-column", "comment"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&scored).unwrap(), before);
}
