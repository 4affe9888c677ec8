//! Reports over the demo corpus (analysed by the real model into a real index): they must
//! recover what `scripts/make_demo.py` planted (`corpora/demo/truth.json`): the drivers in
//! order with intervals covering the planted effects, the frequent no-effect topic not
//! significant, the emerging topic flagged at its week; and summary figures that match the
//! raw file.

use std::collections::HashMap;

use verbatim::index::search::Filters;
use verbatim::report::{self, DriverBy, Interval, ReportRequest, ScoreKind};

use crate::common::{corpus_lines, demo_index, demo_truth, verbatim};
use verbatim::report::ItemKind;

fn topic_drivers(request: &ReportRequest) -> HashMap<String, report::Driver> {
    let r = report::drivers(demo_index(), request).unwrap();
    r.drivers
        .into_iter()
        .filter(|d| d.kind == ItemKind::Topic && d.sentiment.is_none())
        .map(|d| (d.id.clone(), d))
        .collect()
}

#[test]
fn drivers_recover_the_planted_effects_in_order() {
    let truth = demo_truth();
    let drivers = topic_drivers(&ReportRequest {
        limit: 1000,
        ..ReportRequest::default()
    });
    let planted = ["delivery", "response_time", "billing"];
    for id in planted {
        let d = &drivers[id];
        let effect = truth["effects"][id].as_f64().unwrap();
        assert!(d.significant, "{id}: {d:?}");
        assert!(
            d.effect_ci95[0] <= effect && effect <= d.effect_ci95[1],
            "{id}: planted {effect}, interval {:?}",
            d.effect_ci95
        );
        assert!(d.ci95[0] <= d.impact && d.impact <= d.ci95[1] && d.ci95[1] < 0.0);
        assert!(d.nps_impact.unwrap() < 0.0, "{id}: {d:?}");
    }
    // Ranked by impact: delivery (−3 × 17%) before response_time (−2 × 14%) before billing.
    let impacts: Vec<f64> = planted.iter().map(|id| drivers[*id].impact).collect();
    assert!(
        impacts[0] < impacts[1] && impacts[1] < impacts[2],
        "{impacts:?}"
    );
    let no_effect = truth["no_effect"].as_str().unwrap();
    let d = &drivers[no_effect];
    assert!(!d.significant, "{no_effect} has no planted effect: {d:?}");
    assert!(
        d.n > drivers["delivery"].n,
        "{no_effect} is the most frequent topic"
    );
}

#[test]
fn drivers_by_topic_sentiment_and_keyword_and_on_csat() {
    let index = demo_index();
    let r = report::drivers(index, &ReportRequest::default()).unwrap();
    assert_eq!(r.n, demo_truth()["n"].as_u64().unwrap());
    let pair = r
        .drivers
        .iter()
        .find(|d| d.id == "delivery" && d.sentiment.as_deref() == Some("negative"))
        .expect("delivery/negative is a driver of its own");
    assert!(pair.significant && pair.impact < 0.0);
    let keywords = report::drivers(
        index,
        &ReportRequest {
            by: DriverBy::Keyword,
            ..ReportRequest::default()
        },
    )
    .unwrap();
    let top: Vec<&str> = keywords
        .drivers
        .iter()
        .take(10)
        .map(|d| d.id.as_str())
        .collect();
    assert!(
        keywords
            .drivers
            .iter()
            .all(|d| d.kind == ItemKind::Keyword && d.n >= 30)
    );
    assert!(
        top.iter()
            .any(|k| ["配送", "物流", "快递", "delivery", "courier", "包裹"].contains(k)),
        "delivery words lead the keyword drivers: {top:?}"
    );
    let csat = report::drivers(
        index,
        &ReportRequest {
            score: ScoreKind::Csat,
            ..ReportRequest::default()
        },
    )
    .unwrap();
    assert_eq!(csat.drivers[0].id, "delivery");
    assert!(csat.nps.is_none() && csat.drivers[0].nps_impact.is_none());
}

#[test]
fn emerging_topic_is_flagged_at_its_week() {
    let truth = demo_truth();
    let topic = truth["emerging"]["topic"].as_str().unwrap();
    let since = truth["emerging"]["since"].as_str().unwrap();
    let r = report::trends(demo_index(), &ReportRequest::default()).unwrap();
    assert_eq!(r.interval, Interval::Week);
    assert_eq!(r.periods.len(), 27, "2026-04-27 … 2026-10-26, Mondays");
    assert_eq!(
        r.periods.iter().map(|p| p.n).sum::<u64>(),
        truth["n"].as_u64().unwrap()
    );
    let topics: Vec<&report::trends::Emerging> = r
        .emerging
        .iter()
        .filter(|e| e.kind == ItemKind::Topic)
        .collect();
    assert_eq!(topics.len(), 1, "only {topic} emerges: {topics:?}");
    let e = topics[0];
    assert_eq!(e.id, topic);
    let week = |d: &str| {
        let p: Vec<i64> = d.split('-').map(|x| x.parse().unwrap()).collect();
        (p[1] * 31 + p[2]) / 7
    };
    assert!(
        (week(&e.since) - week(since)).abs() <= 1,
        "{} vs {since}",
        e.since
    );
    assert!(e.share_after > 5.0 * e.share_before && e.z > 5.0, "{e:?}");
    let months = report::trends(
        demo_index(),
        &ReportRequest {
            interval: Interval::Month,
            ..ReportRequest::default()
        },
    )
    .unwrap();
    let starts: Vec<&str> = months.periods.iter().map(|p| p.start.as_str()).collect();
    assert_eq!(starts.first(), Some(&"2026-05-01"));
    assert_eq!(starts.len(), 6);
}

#[test]
fn pain_points_lead_with_the_planted_topics_and_show_examples() {
    let index = demo_index();
    let r = report::pain_points(index, &ReportRequest::default()).unwrap();
    let topics: Vec<&str> = r
        .pain_points
        .iter()
        .filter(|p| p.kind == ItemKind::Topic)
        .take(4)
        .map(|p| p.id.as_str())
        .collect();
    // The planted topics, and service_attitude, which costs 4 points in October
    // (truth.json `october`: the planted October change).
    assert_eq!(topics[..2], ["delivery", "response_time"]);
    let mut rest = topics[2..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["billing", "service_attitude"], "{topics:?}");
    for p in r.pain_points.iter().take(3) {
        assert_eq!(p.examples.len(), 3, "{p:?}");
        for e in &p.examples {
            let stored = index
                .get(&e.id)
                .unwrap()
                .expect("an example is a stored comment");
            assert_eq!(stored.comment.text, e.text);
            assert!(stored.analysis.topics.iter().any(|t| t.id == p.id), "{e:?}");
        }
    }
    let keywords: Vec<&report::PainPoint> = r
        .pain_points
        .iter()
        .filter(|p| p.kind == ItemKind::Keyword)
        .collect();
    assert!(!keywords.is_empty());
    assert!(
        keywords.iter().all(|k| k.z.unwrap() >= 1.96),
        "{keywords:?}"
    );
    assert!(keywords[0].negative_share > 0.5, "{:?}", keywords[0]);
}

#[test]
fn summary_matches_the_file_and_filters_narrow_it() {
    let records: Vec<serde_json::Value> = corpus_lines("corpora/demo/comments.jsonl")
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let nps: Vec<i64> = records.iter().map(|r| r["nps"].as_i64().unwrap()).collect();
    let promoters = nps.iter().filter(|&&v| v >= 9).count() as f64;
    let detractors = nps.iter().filter(|&&v| v <= 6).count() as f64;
    let expected_nps = 100.0 * (promoters - detractors) / nps.len() as f64;
    let csat_ok = records
        .iter()
        .filter(|r| r["csat"].as_i64().unwrap() >= 4)
        .count() as f64;

    let r = report::summary(demo_index(), &ReportRequest::default()).unwrap();
    let total = records.len() as u64;
    assert_eq!(r.all.n, total);
    let n = r.all.nps.as_ref().unwrap();
    assert!(
        (n.nps - expected_nps).abs() < 0.01,
        "{} vs {expected_nps}",
        n.nps
    );
    assert!((r.all.csat.as_ref().unwrap().csat - csat_ok / total as f64).abs() < 1e-4);
    assert_eq!(r.by["channel"].values().map(|g| g.n).sum::<u64>(), total);
    assert_eq!(r.by["lang"].values().map(|g| g.n).sum::<u64>(), total);
    let regions = &r.by["attrs.region"];
    let in_file = records.iter().filter(|r| r["region"] == "华东").count() as u64;
    assert_eq!(regions["华东"].n, in_file);
    assert!(r.topics["product_quality"].n > r.topics["delivery"].n);

    let app = records.iter().filter(|r| r["channel"] == "app").count() as u64;
    let filtered = report::summary(
        demo_index(),
        &ReportRequest {
            filters: Filters {
                channel: Some("app".into()),
                to: Some("2026-10-31".into()),
                ..Filters::default()
            },
            ..ReportRequest::default()
        },
    )
    .unwrap();
    assert_eq!(filtered.all.n, app);
    assert_eq!(filtered.by["channel"].len(), 1);
}

#[test]
fn cli_report_prints_json_table_and_csv() {
    let index = demo_index().path().to_str().unwrap().to_string();
    let out = verbatim(
        &["report", "drivers", "--index", &index, "--format", "csv"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    // The byte-order mark and the request (docs/formats.md, "CSV exports"), then the table.
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("\u{feff}# filters: by=topic&interval=week&limit=50")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("kind,id,sentiment,n,mean_with")
    );
    assert!(
        lines.next().unwrap().starts_with("topic,delivery,,"),
        "{text}"
    );

    let out = verbatim(
        &[
            "report",
            "trends",
            "--index",
            &index,
            "--interval",
            "month",
            "--format",
            "table",
        ],
        "",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2026-09-01") && text.contains("account_security"),
        "{text}"
    );

    let out = verbatim(
        &["report", "summary", "--index", &index, "--channel", "store"],
        "",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["n"].as_u64().unwrap() > 100 && json["by"]["channel"]["store"].is_object());

    let out = verbatim(
        &["report", "drivers", "--index", &index, "--from", "May 1"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("filter `from`"), "{err}");
}

/// Keyword drivers and pain points (issue 18) lead with content words, not filler, merge
/// English inflections, and never show one comment twice in a report.
#[test]
fn keyword_reports_keep_content_words_and_unrepeated_examples() {
    let fillers = ["大概", "家里", "这家", "第一次", "老人"];
    let request = ReportRequest {
        by: DriverBy::Keyword,
        limit: 1000,
        ..ReportRequest::default()
    };
    let drivers = report::drivers(demo_index(), &request).unwrap();
    let keywords: Vec<&str> = drivers
        .drivers
        .iter()
        .filter(|d| d.kind == ItemKind::Keyword)
        .map(|d| d.id.as_str())
        .collect();
    assert!(keywords.len() >= 10, "{keywords:?}");
    let pains = report::pain_points(demo_index(), &request).unwrap();
    let pain_keywords: Vec<&str> = pains
        .pain_points
        .iter()
        .filter(|p| p.kind == ItemKind::Keyword)
        .map(|p| p.id.as_str())
        .collect();
    assert!(!pain_keywords.is_empty());
    for k in keywords.iter().chain(&pain_keywords) {
        assert!(
            !fillers.contains(k),
            "filler `{k}` in {keywords:?} / {pain_keywords:?}"
        );
        assert!(verbatim::text::keywords::is_content_word(k), "{k}");
        // One family per English word: never both a word and its plural.
        assert!(
            !keywords.contains(&format!("{k}s").as_str()),
            "{k} and {k}s"
        );
    }
    let mut seen = std::collections::HashSet::new();
    for p in &pains.pain_points {
        for e in &p.examples {
            assert!(seen.insert(e.id.clone()), "{} shown twice", e.id);
        }
    }
}
