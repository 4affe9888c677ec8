//! The OpenAPI document against the real server: schemathesis (pinned in
//! tests/openapi/requirements.txt, installed by `make setup-schemathesis`) generates requests
//! from `/openapi.json` for every operation, valid and invalid, and runs all of its checks on
//! the answers: no 5xx, every status, header and body as documented, schema-valid requests
//! accepted and invalid ones rejected, created comments readable and deleted ones gone.
//! A bounded run (a fixed seed and number of examples) against a `verbatim serve` process over
//! a copy of the demo index; afterwards the server must still answer.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{ServeProcess, demo_index_copy};

/// Examples per operation and phase: enough to reach every parameter, bounded for CI.
const MAX_EXAMPLES: &str = "40";

fn schemathesis() -> PathBuf {
    let cache = std::env::var_os("VERBATIM_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/verbatim"));
    let bin = cache.join("schemathesis-venv/bin/schemathesis");
    assert!(
        bin.is_file(),
        "{} is missing: run `make setup-schemathesis` (part of `make test`)",
        bin.display()
    );
    bin
}

#[test]
fn openapi_document_holds_under_schemathesis() {
    let bin = schemathesis();
    let (_dir, index) = demo_index_copy();
    let server = ServeProcess::start(&index, &[]);
    let config = crate::common::root().join("tests/openapi/schemathesis.toml");
    let out = Command::new(&bin)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{}/openapi.json", server.base)])
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES])
        // One worker: CPython 3.11's ast module is not safe when hypothesis describes
        // strategies from several threads at once (a SystemError inside schemathesis).
        .args(["--workers", "1", "--seed", "20261205", "--no-color"])
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    eprintln!("schemathesis: {summary}");
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{stderr}"
    );
    let health = reqwest::blocking::get(format!("{}/healthz", server.base)).unwrap();
    assert_eq!(health.status(), 200, "the server stopped answering");
    assert!(server.terminate().success());
}
