//! The analysts' web page end to end: a real `verbatim serve` over the demo corpus (plus one
//! comment carrying `<script>`), driven in headless Chromium by `tests/web/e2e.mjs`
//! (playwright-core with the system chromium, both installed by `make setup-web`): search in
//! Chinese and English, a filter, URL state, a comment's detail, the reports and their
//! charts, the language switch, and the XSS case. Screenshots of each view land in
//! `target/web-e2e/`. Then `tests/web/views.mjs`: the overview, compare, segments, discover
//! (copy as topic), the 390 px layout, axe-style checks and the zh / zh-Hant UIs, with
//! screenshots in `target/web-shots/`.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::common::{ServeProcess, demo_index_copy, root};

#[test]
fn web_page_in_headless_chromium() {
    // A copy of the demo index, so that the comment added here stays out of other tests.
    let (_dir, index) = demo_index_copy();
    let server = ServeProcess::start(&index, &[]);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let xss = json!({"items": [{"id": "xss-1", "channel": "web", "created_at": "2026-10-30", "nps": 3,
        "text": "<script>window.__xss=1</script> 配送很慢 <img src=x onerror=\"window.__xss=2\">"}]});
    let r = client
        .post(format!("{}/v1/comments", server.base))
        .json(&xss)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);

    let out = root().join("target/web-e2e");
    std::fs::create_dir_all(&out).unwrap();
    let script = root().join("tests/web/e2e.mjs");
    let run = Command::new("node")
        .arg(&script)
        .args([
            "--base",
            &server.base,
            "--out",
            out.to_str().unwrap(),
            "--xss-id",
            "xss-1",
        ])
        .output()
        .expect("run node (installed with the machine; `make setup-web` adds playwright-core)");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "e2e failed:\n{stdout}\n{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(summary["ok"], true, "{stdout}");
    for view in ["search", "detail", "reports", "reports-zh", "xss"] {
        assert!(
            out.join(format!("{view}.png")).is_file(),
            "no screenshot of {view}"
        );
    }

    // The analyst views, the phone layout, accessibility and the UI languages, on the same server.
    let shots = root().join("target/web-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let run = Command::new("node")
        .arg(root().join("tests/web/views.mjs"))
        .args(["--base", &server.base, "--out", shots.to_str().unwrap()])
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "views e2e failed:\n{stdout}\n{stderr}"
    );
    for view in [
        "overview",
        "overview-october",
        "compare",
        "segments",
        "discover",
        "mobile-overview",
    ] {
        assert!(
            shots.join(format!("{view}.png")).is_file(),
            "no screenshot of {view}"
        );
    }
    // The server still answers after every view's requests.
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(server.terminate().success());
}

/// Every script and style `index.html` loads is served (with the page's CSP), and a name
/// outside the embedded list, or one reaching out of `/web/`, is a 404 JSON error; the server
/// still answers afterwards.
#[test]
fn web_files_served_with_csp() {
    let s = crate::api::Server::open();
    let page = s.get("/").text().unwrap();
    let files: Vec<&str> = page
        .split('"')
        .filter(|p| p.starts_with("web/") && (p.ends_with(".js") || p.ends_with(".css")))
        .collect();
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        let r = s.get(&format!("/{f}"));
        assert_eq!(r.status(), 200, "{f}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{f}: {csp}");
        let ty = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(
            ty.starts_with(if f.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            }),
            "{f}: {ty}"
        );
        assert!(r.text().unwrap().len() > 500, "{f} is nearly empty");
    }
    for bad in [
        "/web/nope.js",
        "/web/..%2FCargo.toml",
        "/web/%2e%2e%2fsrc%2fmain.rs",
        "/web/",
    ] {
        let r = s.get(bad);
        assert_eq!(r.status(), 404, "{bad}");
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{bad}");
    }
    assert_eq!(s.get("/healthz").status(), 200);
}
