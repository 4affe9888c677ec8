//! CSV exports (issue 18): every report as `--format csv` / `format=csv`, and the comment list
//! as `GET /v1/search?format=csv` (every matching comment, not a page). Each export starts
//! with a UTF-8 byte-order mark and a `# filters: …` line recording its request; formula-like
//! text cells get a leading `'`. Over real indexes (the planted demo-derived one, and a small
//! one of hostile texts analysed by the real model), through a separate `verbatim serve`.

use std::collections::HashSet;

use reqwest::blocking::Client;
use serde_json::Value;
use verbatim::comment::Comment;
use verbatim::index::CommentIndex;
use verbatim::report::export::guard;
use verbatim::report::{self, ReportRequest, Table};

use crate::common::{ServeProcess, analyzer, verbatim};
use crate::report_compare::planted;

const BOM: &str = "\u{feff}";

/// (filters line, header, rows) of a CSV export; panics unless it starts with the BOM.
fn parse(body: &str) -> (String, Vec<String>, Vec<Vec<String>>) {
    let rest = body.strip_prefix(BOM).expect("a byte-order mark first");
    let (line, table) = rest.split_once("\r\n").expect("a filters line");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(table.as_bytes());
    let mut records = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
    let header = records.next().expect("a header row");
    (line.to_string(), header, records.collect())
}

fn get_text(client: &Client, base: &str, path: &str) -> (u16, String, String) {
    let r = client.get(format!("{base}{path}")).send().unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.text().unwrap())
}

/// A copy of the planted index, for a server of its own (one writer per index).
pub fn planted_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("idx");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&planted().path).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_file() && !name.to_string_lossy().ends_with(".lock") {
            std::fs::copy(entry.path(), copy.join(name)).unwrap();
        }
    }
    (dir, copy)
}

fn guarded(table: &Table) -> Vec<Vec<String>> {
    let row = |r: &Vec<String>| r.iter().map(|c| guard(c).into_owned()).collect();
    table.rows.iter().map(row).collect()
}

#[test]
fn report_exports_over_http_match_the_json_reports_and_record_their_filters() {
    let p = planted();
    let (_dir, copy) = planted_copy();
    let server = ServeProcess::start(&copy, &[]);
    let (client, base) = (Client::new(), server.base.clone());
    let mut request = ReportRequest::default();
    request.filters.from = Some("2026-10-01".into());
    request.filters.attrs = vec!["region=华南".into()];
    request.filters.tz = Some("Asia/Shanghai".into());
    let filters = "from=2026-10-01&attrs=region%3D华南&tz=Asia/Shanghai";
    let library = report::drivers(&p.index, &request).unwrap();

    let (status, kind, body) = get_text(
        &client,
        &base,
        &format!("/v1/reports/drivers?{filters}&format=csv"),
    );
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/csv; charset=utf-8"),
        "{body}"
    );
    let (line, header, rows) = parse(&body);
    assert!(line.starts_with("# filters: "), "{line}");
    for recorded in ["attrs=region%3D华南", "from=2026-10-01", "tz=Asia/Shanghai"] {
        assert!(line.contains(recorded), "{recorded} in {line}");
    }
    let table = library.table();
    assert_eq!(header, table.header);
    assert_eq!(rows, guarded(&table));
    // The same rows as the JSON answer, in order.
    let json: Value = client
        .get(format!("{base}/v1/reports/drivers?{filters}"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let ids: Vec<&str> = json["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let id_col = header.iter().position(|h| h == "id").unwrap();
    let csv_ids: Vec<&str> = rows.iter().map(|r| r[id_col].as_str()).collect();
    assert_eq!(csv_ids, ids);

    for path in [
        "/v1/reports/pain-points?format=csv",
        "/v1/reports/trends?format=csv&interval=month",
        "/v1/reports/summary?format=csv",
        "/v1/reports/compare?format=csv&from=2026-10-01&to=2026-10-31&vs_from=2026-09-01&vs_to=2026-09-30",
        "/v1/reports/segments?format=csv&by=region",
    ] {
        let (status, kind, body) = get_text(&client, &base, path);
        assert_eq!(
            (status, kind.as_str()),
            (200, "text/csv; charset=utf-8"),
            "{path}: {body}"
        );
        let (line, header, rows) = parse(&body);
        assert!(
            line.starts_with("# filters: ") && !header.is_empty(),
            "{path}: {line}"
        );
        assert!(!rows.is_empty(), "{path}");
        assert!(rows.iter().all(|r| r.len() == header.len()), "{path}");
    }
    let (_, _, body) = get_text(&client, &base, "/v1/reports/segments?format=csv&by=region");
    let library = report::segments(
        &p.index,
        &report::SegmentsRequest {
            by: "region".into(),
            ..report::SegmentsRequest::default()
        },
    )
    .unwrap();
    assert_eq!(parse(&body).2, guarded(&library.table()));

    for path in [
        "/v1/reports/drivers?format=xml",
        "/v1/search?format=",
        "/v1/search?format=CSV",
        "/v1/search?format=csv&tz=Mars/Olympus",
        "/v1/search?format=csv&sentiment=happy",
    ] {
        let r = client.get(format!("{base}{path}")).send().unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or(Value::Null);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        let named = ["`format`", "`tz`", "`sentiment`"]
            .iter()
            .any(|n| message.contains(n));
        assert!(status == 422 && named, "{path}: {status} {body}");
    }
    assert_eq!(get_text(&client, &base, "/healthz").0, 200);
}

#[test]
fn comment_list_export_holds_every_match_not_a_page() {
    let (_dir, copy) = planted_copy();
    let server = ServeProcess::start(&copy, &[]);
    let (client, base) = (Client::new(), server.base.clone());
    let query = "from=2026-10-01&to=2026-10-31&attrs=region%3D华南";
    let page: Value = client
        .get(format!("{base}/v1/search?{query}&limit=1000"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let total = page["total"].as_u64().unwrap() as usize;
    assert!(total > 100, "{total}");
    let (status, kind, body) = get_text(&client, &base, &format!("/v1/search?{query}&format=csv"));
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let (line, header, rows) = parse(&body);
    assert_eq!(
        line,
        "# filters: attrs=region%3D华南&from=2026-10-01&to=2026-10-31"
    );
    assert_eq!(header[..3], ["id", "created_at", "text"]);
    assert_eq!(rows.len(), total);
    let ids: HashSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), total, "each comment once");
    for hit in page["hits"].as_array().unwrap() {
        assert!(ids.contains(hit["id"].as_str().unwrap()));
    }
    let attrs_col = header.iter().position(|h| h == "attrs").unwrap();
    assert!(rows.iter().all(|r| r[attrs_col] == "region=华南"));
    // The whole index: more than one page of the API, still every comment.
    let (_, _, body) = get_text(&client, &base, "/v1/search?format=csv");
    assert_eq!(parse(&body).2.len(), 2400);
    assert_eq!(get_text(&client, &base, "/healthz").0, 200);
}

#[test]
fn formula_cells_are_guarded_in_api_and_cli_exports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let index = CommentIndex::open_or_create(&path).unwrap();
    let texts = [
        ("f1", "=HYPERLINK(\"http://x\",\"快递太慢\")"),
        ("f2", "@SUM(1+1) 包装破损"),
        ("f3", "+1 客服态度很好"),
        ("f4", "-差评，退款太慢"),
        ("f5", "\t发票一直没开"),
    ];
    let comments: Vec<Comment> = texts
        .iter()
        .map(|(id, text)| Comment {
            created_at: Some("2026-10-05T08:00:00Z".into()),
            nps: Some(3),
            channel: Some("=cmd|' /C calc'!A0".into()),
            ..Comment::new(*id, *text)
        })
        .collect();
    let writer = index.writer().unwrap();
    writer.write(analyzer(), &comments).unwrap();
    writer.finish().unwrap();
    drop(index);

    let server = ServeProcess::start(&path, &[]);
    let client = Client::new();
    let (status, _, body) = get_text(&client, &server.base, "/v1/search?format=csv");
    assert_eq!(status, 200);
    let (_, header, rows) = parse(&body);
    let (text, channel) = (2, header.iter().position(|h| h == "channel").unwrap());
    assert_eq!(rows.len(), texts.len());
    for row in &rows {
        let original = texts.iter().find(|(id, _)| *id == row[0]).unwrap().1;
        assert!(row[text].starts_with('\''), "{row:?}");
        assert!(row[channel].starts_with("'="), "{row:?}");
        assert!(
            row[text].ends_with(original.trim_start_matches('\t')),
            "{row:?}"
        );
    }
    assert_eq!(get_text(&client, &server.base, "/healthz").0, 200);
    drop(server);

    // The CLI's CSV: BOM, filters line, guard (a channel segment named like a formula).
    let index = path.to_str().unwrap();
    let out = verbatim(
        &[
            "report",
            "segments",
            "--index",
            index,
            "--by",
            "channel",
            "--min-support",
            "1",
        ],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let args = ["report", "segments", "--index", index, "--by", "channel"];
    let out = verbatim(
        &[
            &args[..],
            &[
                "--min-support",
                "1",
                "--format",
                "csv",
                "--tz",
                "Asia/Shanghai",
            ],
        ]
        .concat(),
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let (line, header, rows) = parse(&String::from_utf8(out.stdout).unwrap());
    assert!(
        line.contains("by=channel") && line.contains("tz=Asia/Shanghai"),
        "{line}"
    );
    let value = header.iter().position(|h| h == "value").unwrap();
    assert_eq!(rows[0][value], "'=cmd|' /C calc'!A0");
}
