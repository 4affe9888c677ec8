//! `POST /v1/admin/reanalyze` on a real `verbatim serve` process started with a taxonomy
//! that adds a topic: the run goes on in the background while the server answers searches,
//! erases a customer and stores a new comment; hostile parameters are 422 naming them; at the
//! end every comment carries the server's version, erased ones stay erased, and the reports
//! say so (issue 21).

use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::{ServeProcess, ingest};
use crate::reanalyze::{PARKING, corpus, taxonomy_with_parking};

fn status(client: &Client, base: &str) -> Value {
    let r = client
        .get(format!("{base}/v1/admin/reanalyze"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

#[test]
fn a_server_reanalyzes_in_the_background_and_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    ingest(&index, &corpus(dir.path(), 3), &[]);
    let taxonomy = taxonomy_with_parking(dir.path());
    let server = ServeProcess::start(&index, &["--taxonomy", taxonomy.to_str().unwrap()]);
    let base = server.base.clone();
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(status(&client, &base)["state"], "idle");
    for (query, named) in [
        ("batch=0", "`batch`"),
        ("batch=10001", "`batch`"),
        ("batch=abc", "batch"),
        ("limit=-1", "limit"),
        ("bogus=1", "bogus"),
    ] {
        let bad = client
            .post(format!("{base}/v1/admin/reanalyze?{query}"))
            .send()
            .unwrap();
        assert_eq!(bad.status(), 422, "{query}");
        let text = bad.text().unwrap();
        assert!(text.contains(named), "{query}: {text}");
    }
    assert_eq!(status(&client, &base)["state"], "idle");

    let started = client
        .post(format!("{base}/v1/admin/reanalyze?batch=1"))
        .send()
        .unwrap();
    assert_eq!(started.status(), 202);
    let again = client
        .post(format!("{base}/v1/admin/reanalyze"))
        .send()
        .unwrap();
    assert_eq!(again.status(), 409);
    // Writes go on: an erasure and a new comment while it runs.
    let erased: Value = client
        .delete(format!("{base}/v1/customers/cust1/comments"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(erased["deleted"], 15);
    let posted = client
        .post(format!("{base}/v1/comments"))
        .json(&json!({"items": [{"id": "new", "text": "附近找不到停车的地方，车位太少了", "customer_id": "cust9"}]}))
        .send()
        .unwrap();
    assert_eq!(posted.status(), 200);
    // Searches are answered all along.
    let (mut searches, deadline) = (0, Instant::now() + Duration::from_secs(300));
    let last = loop {
        let s = status(&client, &base);
        if s["state"] != "running" {
            break s;
        }
        assert!(Instant::now() < deadline, "still running: {s}");
        let r = client
            .get(format!(
                "{base}/v1/search?q=%E5%81%9C%E8%BD%A6&mode=keyword"
            ))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        searches += 1;
    };
    assert!(searches > 0, "the run ended before any search: {last}");
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["remaining"], 0, "{last}");
    let version = last["version"].as_str().unwrap();

    let summary: Value = client
        .get(format!("{base}/v1/reports/summary"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(summary["n"], 46);
    assert_eq!(
        summary["analysis_versions"],
        json!([{"version": version, "n": 46}])
    );
    let erased_left: Value = client
        .get(format!("{base}/v1/search?customer_id=cust1&mode=keyword"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(erased_left["total"], 0, "{erased_left}");
    let parking: Value = client
        .get(format!(
            "{base}/v1/search?topic=parking&mode=keyword&limit=100"
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let ids: Vec<&str> = parking["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    for id in PARKING.iter().chain(&["new"]) {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("verbatim_reanalyzed_total"), "{metrics}");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
}
