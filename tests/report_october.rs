//! "Why did NPS drop in October?" on the demo corpus (issue 18): `scripts/make_demo.py`
//! plants an October change (`corpora/demo/truth.json`, `october`): one topic's volume
//! doubles (October comments mentioning it are added) and another topic's score falls at
//! equal volume (its October comments are rescored). October against September, through the
//! library, the CLI and the HTTP API, must find a significant NPS drop, name those two
//! topics as the two largest contributors (one by volume, one by score) and add the
//! contributions up to the change. Trends carry 95% intervals per period.

use serde_json::Value;

use verbatim::report::{self, CompareReport, Interval, ReportRequest};

use crate::common::{
    ServeProcess, corpus_lines, demo_index, demo_index_copy, demo_truth, verbatim,
};
use crate::report_compare::october_vs_september;
use verbatim::report::ItemKind;

/// The planted October change and this draw's realized figures.
fn october() -> Value {
    demo_truth()["october"].clone()
}

/// NPS in points of the demo comments dated in `month` (`2026-10`), from the file.
fn file_nps(month: &str) -> (u64, f64) {
    let scores: Vec<i64> = corpus_lines("corpora/demo/comments.jsonl")
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["created_at"].as_str().unwrap().starts_with(month))
        .map(|r| r["nps"].as_i64().unwrap())
        .collect();
    let points: i64 = scores
        .iter()
        .map(|&v| i64::from(v >= 9) - i64::from(v <= 6))
        .sum();
    (
        scores.len() as u64,
        100.0 * points as f64 / scores.len() as f64,
    )
}

/// The checks of one compare report (from the library, the CLI or the API).
fn assert_recovers_the_october_change(r: &CompareReport) {
    let truth = october();
    let (n_a, nps_a) = file_nps("2026-10");
    let (n_b, nps_b) = file_nps("2026-09");
    assert_eq!((r.a.n, r.b.n), (n_a, n_b));
    // The NPS drop: the file's figure, with an interval below zero.
    let nps = &r.nps;
    let change = nps.change.unwrap();
    assert!((change - (nps_a - nps_b)).abs() < 0.01, "{nps:?}");
    assert!((change - truth["realized_nps_change"].as_f64().unwrap()).abs() < 0.01);
    let [lo, hi] = nps.ci95.unwrap();
    assert!(lo <= change && change <= hi && hi < 0.0, "{nps:?}");
    assert!(nps.significant && nps.p.unwrap() < 0.001, "{nps:?}");

    // The decomposition adds up and leads with the two planted topics.
    let d = r.decomposition.as_ref().expect("both sides have NPS");
    let sum: f64 = d.rows.iter().map(|c| c.total).sum();
    let rounding = 0.005 * d.rows.len() as f64 + 1e-9;
    assert!((sum - d.change).abs() <= rounding, "{sum} vs {}", d.change);
    assert!(
        (d.volume + d.score - d.change).abs() <= 0.01 + 1e-9,
        "{d:?}"
    );
    assert!((d.change - change).abs() < 0.01, "{} vs {change}", d.change);
    let (volume_topic, score_topic) = (
        truth["volume_topic"].as_str().unwrap(),
        truth["score_topic"].as_str().unwrap(),
    );
    let top: Vec<&str> = d.rows.iter().take(2).map(|c| c.topic.as_str()).collect();
    assert!(
        top.contains(&volume_topic) && top.contains(&score_topic),
        "the two largest contributors: {:#?}",
        &d.rows[..4]
    );
    let row = |t: &str| d.rows.iter().find(|c| c.topic == t).unwrap();
    let v = row(volume_topic);
    assert!(v.total < 0.0 && v.volume_effect < 0.0, "{v:?}");
    assert!(v.volume_effect.abs() > 3.0 * v.score_effect.abs(), "{v:?}");
    assert!(v.share_a > 1.5 * v.share_b && v.impact < 0.0, "{v:?}");
    let s = row(score_topic);
    assert!(s.total < 0.0 && s.score_effect < 0.0, "{s:?}");
    assert!(s.score_effect.abs() > 3.0 * s.volume_effect.abs(), "{s:?}");
    assert!(s.mean_a.unwrap() < s.mean_b.unwrap() - 30.0, "{s:?}");
    // Each is the largest of its kind.
    let largest = |f: fn(&report::Contribution) -> f64| {
        d.rows
            .iter()
            .max_by(|x, y| f(x).abs().total_cmp(&f(y).abs()))
            .unwrap()
            .topic
            .clone()
    };
    assert_eq!(largest(|c| c.volume_effect), volume_topic);
    assert_eq!(largest(|c| c.score_effect), score_topic);
    // The volume topic rises among the moved topics.
    assert!(
        r.rising
            .iter()
            .any(|m| m.kind == ItemKind::Topic && m.id == volume_topic),
        "{:?}",
        r.rising
    );
}

#[test]
fn october_against_september_names_the_planted_change() {
    let r = report::compare(demo_index(), &october_vs_september()).unwrap();
    assert_recovers_the_october_change(&r);

    // The CLI gives the same report.
    let index = demo_index().path().to_str().unwrap().to_string();
    let out = verbatim(
        &[
            "report",
            "compare",
            "--index",
            &index,
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--vs-from",
            "2026-09-01",
            "--vs-to",
            "2026-09-30",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: CompareReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_recovers_the_october_change(&cli);
    assert_eq!(cli.decomposition, r.decomposition);

    // So does the HTTP API (a separate `verbatim serve` over a copy of the demo index),
    // and the default compare of a month interval is October against September.
    let (_dir, copy) = demo_index_copy();
    let server = ServeProcess::start(&copy, &[]);
    let client = reqwest::blocking::Client::new();
    for query in [
        "from=2026-10-01&to=2026-10-31&vs_from=2026-09-01&vs_to=2026-09-30",
        "interval=month",
    ] {
        let url = format!("{}/v1/reports/compare?{query}", server.base);
        let response = client.get(&url).send().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let api: CompareReport = response.json().unwrap();
        assert_recovers_the_october_change(&api);
        assert_eq!(api.decomposition, r.decomposition, "{query}");
    }
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

/// Trends give each period's NPS, CSAT and mean sentiment a 95% interval that contains
/// the point estimate; October's NPS interval lies below September's.
#[test]
fn trends_carry_intervals_per_period() {
    let r = report::trends(
        demo_index(),
        &ReportRequest {
            interval: Interval::Month,
            ..ReportRequest::default()
        },
    )
    .unwrap();
    assert_eq!(r.periods.len(), 6);
    for p in &r.periods {
        for (name, value, ci) in [
            ("nps", p.nps, p.nps_ci95),
            ("csat", p.csat, p.csat_ci95),
            ("mean_score", p.mean_score, p.mean_score_ci95),
        ] {
            let (v, [lo, hi]) = (value.unwrap(), ci.unwrap());
            assert!(
                lo <= v && v <= hi && lo < hi,
                "{} {name}: {v} {:?}",
                p.start,
                ci
            );
        }
        let [lo, hi] = p.nps_ci95.unwrap();
        assert!(
            -100.0 <= lo && hi <= 100.0 && hi - lo < 30.0,
            "{}: {lo} {hi}",
            p.start
        );
    }
    let (sep, oct) = (&r.periods[4], &r.periods[5]);
    assert_eq!(
        (sep.start.as_str(), oct.start.as_str()),
        ("2026-09-01", "2026-10-01")
    );
    assert!(
        oct.nps_ci95.unwrap()[1] < sep.nps.unwrap(),
        "{oct:?} vs {sep:?}"
    );
    // A week of a few comments still has intervals; the table shows NPS's.
    let weeks = report::trends(demo_index(), &ReportRequest::default()).unwrap();
    assert!(weeks.periods.iter().all(|p| p.nps_ci95.is_some()));
    let table = weeks.table();
    assert!(
        table.header.iter().any(|h| h == "nps_lo") && table.header.iter().any(|h| h == "nps_hi")
    );
}
