//! `make dist`'s tarball (scripts/dist.sh), packed from the binary under test, extracted into
//! a temp dir and run from another directory with a scrubbed environment (no `VERBATIM_*`, no
//! cargo variables, `HOME` a fresh dir, `PATH` only /usr/bin:/bin): `analyze`, `ingest`,
//! `search` and `serve` must work with nothing but what the tarball holds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::root;

/// Pack the tarball from the test binary and extract it; (temp dir, the extracted root).
fn extracted() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let packed = Command::new("bash")
        .arg(root().join("scripts/dist.sh"))
        .env("BIN", env!("CARGO_BIN_EXE_verbatim"))
        .env("OUT", &out)
        .output()
        .unwrap();
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let report = String::from_utf8_lossy(&packed.stdout).to_string();
    println!("{report}");
    let tarball = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-linux-x86_64.tar.gz"))
        .unwrap_or_else(|| panic!("no tarball: {report}"));
    let unpack = dir.path().join("unpacked");
    std::fs::create_dir_all(&unpack).unwrap();
    let status = Command::new("tar")
        .args([
            "-xzf",
            tarball.to_str().unwrap(),
            "-C",
            unpack.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let top = std::fs::read_dir(&unpack)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    (dir, top)
}

/// The extracted binary with a scrubbed environment, run in `cwd`.
fn scrubbed(bin: &Path, cwd: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .current_dir(cwd);
    command
}

fn run(command: &mut Command) -> Output {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_tarball_runs_from_anywhere_without_the_repo_or_the_cache() {
    let (dir, top) = extracted();
    let bin = top.join("verbatim");
    for file in [
        "models/e5-small/model.int8.onnx",
        "models/e5-small/model.int8.embeddings",
        "models/onnxruntime/libonnxruntime.so",
    ] {
        let meta = std::fs::symlink_metadata(top.join(file)).unwrap();
        assert!(
            meta.is_file(),
            "{file} must be a file, not a link into the cache"
        );
    }
    let (cwd, home) = (dir.path().join("elsewhere"), dir.path().join("home"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&home).unwrap();

    let out = run(scrubbed(&bin, &cwd, &home).args(["analyze", "物流太慢了，客服也不回复"]));
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(analysis["sentiment"]["label"], "negative", "{analysis}");

    std::fs::write(
        cwd.join("in.jsonl"),
        "{\"id\": \"d1\", \"text\": \"发票一直开不出来\"}\n{\"id\": \"d2\", \"text\": \"The app keeps crashing\"}\n",
    )
    .unwrap();
    run(scrubbed(&bin, &cwd, &home).args(["ingest", "--index", "idx", "--input", "in.jsonl"]));
    let out = run(scrubbed(&bin, &cwd, &home).args(["search", "--index", "idx", "发票"]));
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits["hits"][0]["id"], "d1", "{hits}");

    let mut child = scrubbed(&bin, &cwd, &home)
        .args(["serve", "--index", "idx", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = listening(&mut child);
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(format!("{base}/v1/analyze"))
        .json(&serde_json::json!({"texts": ["The parcel never arrived"]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().unwrap();
    assert_eq!(
        body["analyses"][0]["sentiment"]["label"], "negative",
        "{body}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Wait for `serve`'s "listening on" line; the base URL.
fn listening(child: &mut std::process::Child) -> String {
    use std::io::BufRead;
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("verbatim serve: listening on ") {
            let url = url.to_string();
            std::thread::spawn(move || for _ in lines {});
            return url;
        }
    }
    panic!("serve exited: {seen}");
}
