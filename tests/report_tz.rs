//! Time zones (issue 18): report periods are counted and plain dates read in the user's zone
//! (`tz`, `--tz`, `VERBATIM_TZ`, config key `tz`), IANA names with daylight saving; default
//! UTC. Comments are analysed by the real model into a real index on disk; the API is a
//! separate `verbatim serve` process, the CLI the real binary.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use reqwest::blocking::Client;
use serde_json::Value;
use verbatim::comment::Comment;
use verbatim::index::CommentIndex;
use verbatim::index::search::{Filters, SearchRequest};
use verbatim::report::{self, Interval, ReportRequest};

use crate::common::{ServeProcess, analyzer, verbatim};

/// (id, created_at): Shanghai is UTC+8; New York starts daylight saving on 2026-03-08 at
/// 02:00 local (07:00Z), so that day has 23 hours.
const DATED: [(&str, &str); 6] = [
    ("oct", "2026-10-15T12:00:00Z"),
    ("edge", "2026-10-31T17:00:00Z"), // 2026-11-01 01:00 in Shanghai
    ("nov", "2026-11-15T12:00:00Z"),
    ("ny_before", "2026-03-08T04:30:00Z"), // 2026-03-07 23:30 EST
    ("ny_in", "2026-03-08T07:30:00Z"),     // 2026-03-08 03:30 EDT
    ("ny_after", "2026-03-09T04:30:00Z"),  // 2026-03-09 00:30 EDT (23:30 at a fixed −5)
];

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    index: CommentIndex,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idx");
        let index = CommentIndex::open_or_create(&path).unwrap();
        let comments: Vec<Comment> = DATED
            .iter()
            .map(|(id, at)| Comment {
                created_at: Some(at.to_string()),
                nps: Some(9),
                ..Comment::new(*id, "快递很快，包装完好")
            })
            .collect();
        let writer = index.writer().unwrap();
        writer.write(analyzer(), &comments).unwrap();
        writer.finish().unwrap();
        index.reload().unwrap();
        Fixture {
            _dir: dir,
            path,
            index,
        }
    })
}

fn tz(name: Option<&str>) -> Filters {
    Filters {
        tz: name.map(str::to_string),
        ..Filters::default()
    }
}

/// Months (October and November 2026 only) → count, as the trends report counts them.
fn autumn(filters: Filters) -> BTreeMap<String, u64> {
    let request = ReportRequest {
        filters,
        interval: Interval::Month,
        min_support: 1,
        ..ReportRequest::default()
    };
    let r = report::trends(&fixture().index, &request).unwrap();
    r.periods
        .into_iter()
        .filter(|p| p.start.as_str() >= "2026-10")
        .map(|p| (p.start, p.n))
        .collect()
}

fn ids(filters: Filters) -> Vec<String> {
    let r = fixture()
        .index
        .search(&SearchRequest {
            filters,
            limit: 100,
            ..SearchRequest::default()
        })
        .unwrap();
    let mut ids: Vec<String> = r.hits.into_iter().map(|h| h.id).collect();
    ids.sort();
    ids
}

fn months(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn periods_and_plain_dates_follow_the_zone() {
    assert_eq!(
        autumn(tz(None)),
        months(&[("2026-10-01", 2), ("2026-11-01", 1)])
    );
    assert_eq!(
        autumn(tz(Some("Asia/Shanghai"))),
        months(&[("2026-10-01", 1), ("2026-11-01", 2)])
    );
    let november = |zone| Filters {
        from: Some("2026-11-01".into()),
        to: Some("2026-11-30".into()),
        ..tz(zone)
    };
    assert_eq!(ids(november(None)), ["nov"]);
    assert_eq!(ids(november(Some("Asia/Shanghai"))), ["edge", "nov"]);
    // The 23-hour day of New York's spring change: its own comments only.
    let march_8 = |zone| Filters {
        from: Some("2026-03-08".into()),
        to: Some("2026-03-08".into()),
        ..tz(zone)
    };
    assert_eq!(ids(march_8(Some("America/New_York"))), ["ny_in"]);
    assert_eq!(ids(march_8(None)), ["ny_before", "ny_in"]);
    let request = ReportRequest {
        filters: tz(Some("America/New_York")),
        interval: Interval::Day,
        min_support: 1,
        ..ReportRequest::default()
    };
    let days: Vec<(String, u64)> = report::trends(&fixture().index, &request)
        .unwrap()
        .periods
        .into_iter()
        .filter(|p| p.start.starts_with("2026-03") && p.n > 0)
        .map(|p| (p.start, p.n))
        .collect();
    let expected = [("2026-03-07", 1), ("2026-03-08", 1), ("2026-03-09", 1)];
    assert_eq!(days, expected.map(|(d, n)| (d.to_string(), n)));
    let err = report::trends(
        &fixture().index,
        &ReportRequest {
            filters: tz(Some("Mars/Olympus")),
            ..ReportRequest::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`tz`") && err.contains("Mars/Olympus"),
        "{err}"
    );
}

fn get(client: &Client, base: &str, path: &str) -> (u16, Value) {
    let r = client.get(format!("{base}{path}")).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

#[test]
fn api_takes_tz_on_reports_and_search_and_refuses_unknown_zones_by_name() {
    let f = fixture();
    let server = ServeProcess::start(&f.path, &[]);
    let (client, base) = (Client::new(), server.base.clone());
    let (status, body) = get(
        &client,
        &base,
        "/v1/reports/trends?interval=month&min_support=1&tz=Asia/Shanghai",
    );
    assert_eq!(status, 200, "{body}");
    let nov = body["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["start"] == "2026-11-01")
        .cloned();
    assert_eq!(nov.map(|p| p["n"].clone()), Some(Value::from(2)), "{body}");
    let (status, body) = get(
        &client,
        &base,
        "/v1/search?from=2026-11-01&to=2026-11-30&tz=Asia/Shanghai",
    );
    assert_eq!((status, body["total"].as_u64()), (200, Some(2)), "{body}");
    for path in [
        "/v1/search?tz=Mars/Olympus",
        "/v1/reports/trends?tz=Mars%2FOlympus",
        "/v1/reports/compare?tz=Nowhere&from=2026-10-01&to=2026-10-31",
        "/v1/reports/segments?by=channel&tz=",
        "/v1/reports/summary?tz=%E5%8C%97%E4%BA%AC",
    ] {
        let (status, body) = get(&client, &base, path);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            (400..500).contains(&status) && message.contains("`tz`"),
            "{path}: {status} {body}"
        );
    }
    // Still answering, with its data.
    assert_eq!(get(&client, &base, "/healthz").0, 200);
    let (status, body) = get(&client, &base, "/v1/search");
    assert_eq!((status, body["total"].as_u64()), (200, Some(6)));
}

#[test]
fn cli_reads_tz_from_flag_environment_and_config_and_refuses_unknown_zones() {
    let f = fixture();
    let index = f.path.to_str().unwrap();
    let november = |extra: &[&str], env: Option<&str>| -> Value {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"));
        cmd.args(["report", "summary", "--index", index])
            .args(["--from", "2026-11-01", "--to", "2026-11-30"])
            .args(extra)
            .env_remove("VERBATIM_TZ")
            .env_remove("VERBATIM_CONFIG");
        if let Some(zone) = env {
            cmd.env("VERBATIM_TZ", zone);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(november(&[], None)["n"], 1);
    assert_eq!(november(&["--tz", "Asia/Shanghai"], None)["n"], 2);
    assert_eq!(november(&[], Some("Asia/Shanghai"))["n"], 2);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("verbatim.toml");
    std::fs::write(&config, "tz = \"Asia/Shanghai\"\n").unwrap();
    let config = config.to_str().unwrap();
    assert_eq!(november(&["--config", config], None)["n"], 2);
    // The flag wins over the file.
    assert_eq!(november(&["--config", config, "--tz", "UTC"], None)["n"], 1);

    let out = verbatim(
        &["report", "trends", "--index", index, "--tz", "Mars/Olympus"],
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`tz`") && stderr.contains("Mars/Olympus"),
        "{stderr}"
    );
}
