//! Shared fixtures: paths to the corpora that `make setup` fetched, and the binary.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lines of a corpus file fetched by setup; a missing file is a setup failure, said plainly.
pub fn corpus_lines(relative: &str) -> Vec<String> {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make setup` first)", path.display()));
    text.lines().map(str::to_string).collect()
}

/// Run the `verbatim` binary with `args`, feeding `stdin`.
pub fn verbatim(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn verbatim");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("wait for verbatim")
}

/// `verbatim ingest --index INDEX --input INPUT EXTRA...`, which must succeed.
pub fn ingest(index: &std::path::Path, input: &std::path::Path, extra: &[&str]) {
    let (index, input) = (index.to_str().unwrap(), input.to_str().unwrap());
    let args = [&["ingest", "--index", index, "--input", input][..], extra].concat();
    let out = verbatim(&args, "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn stdout_json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The full analyzer (model, sentiment, topics), loaded once for the whole test binary.
pub fn analyzer() -> &'static verbatim::analyze::Analyzer {
    shared_analyzer()
}

/// The same analyzer, shared (for a server's state).
pub fn shared_analyzer() -> &'static std::sync::Arc<verbatim::analyze::Analyzer> {
    static ANALYZER: std::sync::OnceLock<std::sync::Arc<verbatim::analyze::Analyzer>> =
        std::sync::OnceLock::new();
    ANALYZER.get_or_init(|| {
        std::sync::Arc::new(
            verbatim::analyze::Analyzer::load(verbatim::analyze::Options::default())
                .expect("load the model (run `make setup`)"),
        )
    })
}

/// Gold records of one split of the hand-labelled set.
pub fn gold(split: &str) -> Vec<verbatim::eval::GoldRecord> {
    let mut records = verbatim::eval::read_gold(&root().join("corpora/gold/feedback.jsonl"))
        .expect("corpora/gold/feedback.jsonl");
    records.retain(|g| g.split.as_deref() == Some(split));
    records
}

/// The demo corpus (`corpora/demo/comments.jsonl`) analysed by the real model into a real
/// index in a temp dir, built once for the whole test binary (about 30 s).
pub fn demo_index() -> &'static verbatim::index::CommentIndex {
    use verbatim::index::source::{self, SourceOptions};
    static DEMO: std::sync::OnceLock<(tempfile::TempDir, verbatim::index::CommentIndex)> =
        std::sync::OnceLock::new();
    &DEMO
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let index = verbatim::index::CommentIndex::open_or_create(dir.path()).unwrap();
            let comments: Vec<_> = source::open(
                &root().join("corpora/demo/comments.jsonl"),
                None,
                SourceOptions::default(),
            )
            .expect("corpora/demo/comments.jsonl")
            .map(|c| c.expect("a valid demo record").comment)
            .collect();
            let writer = index.writer().unwrap();
            for chunk in comments.chunks(512) {
                writer
                    .write(analyzer(), chunk)
                    .expect("ingest the demo corpus");
            }
            writer.finish().unwrap();
            index.reload().unwrap();
            (dir, index)
        })
        .1
}

/// A copy of the demo index in a temp dir (the dir, the index folder inside it), for a test
/// that writes to it or serves it from another process.
pub fn demo_index_copy() -> (tempfile::TempDir, PathBuf) {
    let source = demo_index().path().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    std::fs::create_dir_all(&index).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file()
            && !entry.file_name().to_string_lossy().ends_with(".lock")
        {
            std::fs::copy(entry.path(), index.join(entry.file_name())).unwrap();
        }
    }
    (dir, index)
}

/// The demo corpus's planted truth (`corpora/demo/truth.json`).
pub fn demo_truth() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("corpora/demo/truth.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A `verbatim serve` process on a free loopback port; killed when dropped.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl ServeProcess {
    /// Start `verbatim serve --index DIR --addr 127.0.0.1:0 EXTRA...` and wait until it listens
    /// (an `--addr` in `EXTRA` replaces the default one).
    pub fn start(index: &std::path::Path, extra: &[&str]) -> ServeProcess {
        use std::io::BufRead;
        let addr = ["--addr", "127.0.0.1:0"];
        let addr = if extra.contains(&"--addr") {
            &[][..]
        } else {
            &addr[..]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
            .args(["serve", "--index", index.to_str().unwrap()])
            .args(addr)
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn verbatim serve");
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let mut log = String::new();
        let base = loop {
            line.clear();
            let read = stderr.read_line(&mut line).unwrap();
            log.push_str(&line);
            assert!(read > 0, "serve exited early: {log}");
            if let Some(url) = line.trim().strip_prefix("verbatim serve: listening on ") {
                break url.to_string();
            }
        };
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        ServeProcess { child, base }
    }

    /// Send SIGTERM and wait for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().unwrap()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
