//! `/v1/reports/compare` and `/v1/reports/segments` on a separate `verbatim serve` process
//! over the planted index (`report_compare::planted`): the same answers as the library,
//! bad sides refused with a 422 naming the parameter, and the server still well after.

use reqwest::blocking::Client;
use serde_json::Value;

use crate::common::ServeProcess;
use crate::report_compare::{october_vs_september, planted};

fn get(client: &Client, base: &str, path: &str) -> (u16, Value) {
    let r = client.get(format!("{base}{path}")).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

#[test]
fn compare_and_segments_over_http_and_bad_sides_named() {
    let p = planted();
    let server = ServeProcess::start(&p.path, &[]);
    let (client, base) = (Client::new(), server.base.clone());
    let library = verbatim::report::compare(&p.index, &october_vs_september()).unwrap();
    let (status, body) = get(
        &client,
        &base,
        "/v1/reports/compare?from=2026-10-01&to=2026-10-31&vs_from=2026-09-01&vs_to=2026-09-30",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nps"]["change"].as_f64(), library.nps.change);
    assert_eq!(body["a"]["n"], 1200);
    let (status, body) = get(&client, &base, "/v1/reports/compare?interval=month");
    assert_eq!(
        (status, body["a"]["from"].as_str()),
        (200, Some("2026-10-01"))
    );
    let (status, body) = get(&client, &base, "/v1/reports/segments?by=region");
    assert_eq!(
        (status, body["segments"][0]["value"].as_str()),
        (200, Some("华南"))
    );

    // A range alone is compared with the span as long just before it; a reversed one is
    // an empty side, as in the filters.
    let (status, body) = get(
        &client,
        &base,
        "/v1/reports/compare?from=2026-10-01&to=2026-10-31",
    );
    assert_eq!(
        (status, body["b"]["from"].as_str()),
        (200, Some("2026-08-31")),
        "{body}"
    );
    assert_eq!(
        (body["b"]["to"].as_str(), body["b"]["n"].as_u64()),
        (Some("2026-09-30"), Some(1200))
    );
    let (status, body) = get(
        &client,
        &base,
        "/v1/reports/compare?vs_from=2026-10-02&vs_to=2026-10-01",
    );
    assert_eq!((status, body["b"]["n"].as_u64()), (200, Some(0)), "{body}");
    assert!(body["nps"]["change"].is_null() && body["decomposition"].is_null());
    for (path, name) in [
        ("/v1/reports/compare?segment=region", "`segment`"),
        (
            "/v1/reports/compare?segment=region%3D&vs_segment=region%3D华北",
            "`segment`",
        ),
        ("/v1/reports/compare?vs_segment=%3Dx", "`vs_segment`"),
        ("/v1/reports/compare?vs_from=soon", "`vs_from`"),
        ("/v1/reports/compare?vs_to=2026-13-01", "`vs_to`"),
        ("/v1/reports/compare?from=2026-10-01&to=soon", "`to`"),
        ("/v1/reports/compare?vs_to=2026-09-30&limit=5000", "limit"),
        ("/v1/reports/segments", "`by`"),
        ("/v1/reports/segments?by=region&limit=3", "limit"),
    ] {
        let (status, body) = get(&client, &base, path);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!((400..500).contains(&status), "{path}: {status} {body}");
        assert!(message.contains(name), "{path}: {message}");
    }
    assert_eq!(get(&client, &base, "/healthz").0, 200);
    let (status, body) = get(&client, &base, "/v1/search?limit=0");
    assert_eq!((status, body["total"].as_u64()), (200, Some(2400)));
    let (status, body) = get(&client, &base, "/v1/reports/segments?by=region");
    assert_eq!((status, body["n"].as_u64()), (200, Some(2400)));
}

/// The OpenAPI document covers discover and `/metrics` (issues 22, 24) and the export and
/// time-zone parameters, with the bounds the server enforces.
#[test]
fn openapi_documents_discover_metrics_tz_and_format() {
    let (_dir, copy) = crate::report_export::planted_copy();
    let server = ServeProcess::start(&copy, &[]);
    let (client, base) = (Client::new(), server.base.clone());
    let (status, doc) = get(&client, &base, "/openapi.json");
    assert_eq!(status, 200);
    let params = |path: &str| -> Vec<Value> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("openapi.json lacks {path}"))
            .clone()
    };
    let schema = |path: &str, name: &str| -> Value {
        params(path)
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} lacks `{name}`"))["schema"]
            .clone()
    };
    let discover = "/v1/reports/discover";
    assert_eq!(schema(discover, "limit")["maximum"], 200);
    assert_eq!(schema(discover, "min_size")["maximum"], 50_000);
    assert_eq!(schema(discover, "sample")["minimum"], 100);
    assert_eq!(schema(discover, "max_confidence")["maximum"], 1.0);
    assert!(doc["paths"][discover]["get"]["responses"]["200"].is_object());
    let metrics = &doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"];
    assert!(
        metrics
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("text/plain"))
    );
    for path in [
        "/v1/search",
        "/v1/reports/drivers",
        "/v1/reports/compare",
        discover,
    ] {
        assert_eq!(schema(path, "tz")["$ref"], "#/components/schemas/TimeZone");
        assert_eq!(
            schema(path, "format")["enum"],
            serde_json::json!(["json", "csv"])
        );
    }
    let zones = doc["components"]["schemas"]["TimeZone"]["enum"]
        .as_array()
        .unwrap();
    assert!(zones.contains(&Value::from("Asia/Shanghai")) && zones.contains(&Value::from("UTC")));
    // What the document allows, the server takes: a min_size above sample, the bounds.
    let r = client.get(format!("{base}/metrics")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let (status, body) = get(
        &client,
        &base,
        "/v1/reports/discover?sample=100&min_size=500",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clusters"].as_array().map(Vec::len), Some(0));
    let (status, _) = get(&client, &base, "/v1/reports/discover?limit=201");
    assert_eq!(status, 422);
    assert_eq!(get(&client, &base, "/healthz").0, 200);
}
