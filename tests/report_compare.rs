//! Compare, segments and multiple testing on planted data (issue 18).
//!
//! The generator draws comments from the demo corpus, analysed by the real model into the
//! shared demo index, and writes them with new dates, scores and regions into a fresh real
//! index on disk (the stored analyses are reused, so no second model pass is needed). It
//! plants: topic X's volume triples from September to October (X always scores badly);
//! topic Y's score falls in October at the same volume; topic Z scores badly only in region
//! 华南. A second index keeps the whole demo corpus with scores drawn independently of the
//! topics: no driver there is real.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use verbatim::analyze::Analysis;
use verbatim::comment::Comment;
use verbatim::index::CommentIndex;
use verbatim::report::rows::{Need, Rows};
use verbatim::report::{self, CompareRequest, Interval, ReportRequest, SegmentsRequest};

use crate::common::{corpus_lines, demo_index, verbatim};
use verbatim::report::ItemKind;

/// splitmix64: a small seeded generator, so the planted data are the same on every run.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Shares of promoters and detractors: NPS +30 and −60.
const NORMAL: (f64, f64) = (0.5, 0.2);
const BAD: (f64, f64) = (0.1, 0.7);
const REGIONS: [&str; 4] = ["华南", "华北", "华东", "西南"];

/// An NPS drawn with the given shares of promoters and detractors.
fn draw_nps(rng: &mut Rng, (promoters, detractors): (f64, f64)) -> u8 {
    let u = rng.unit();
    if u < promoters {
        9 + rng.below(2) as u8
    } else if u < promoters + detractors {
        rng.below(7) as u8
    } else {
        7 + rng.below(2) as u8
    }
}

/// The demo corpus's comments with the analyses the real model gave them.
fn demo_pool() -> Vec<(Comment, Analysis)> {
    let index = demo_index();
    corpus_lines("corpora/demo/comments.jsonl")
        .iter()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let stored = index.get(v["id"].as_str().unwrap()).unwrap().unwrap();
            (stored.comment, stored.analysis)
        })
        .collect()
}

fn topics(a: &Analysis) -> Vec<&str> {
    let mut t: Vec<&str> = a.topics.iter().map(|t| t.id.as_str()).collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// A generated index.
pub struct Planted {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub index: CommentIndex,
    /// The topics whose volume moves, whose score moves, and that is bad in 华南.
    pub x: String,
    pub y: String,
    pub z: String,
}

fn write(comments: &[(Comment, &Analysis)]) -> (tempfile::TempDir, PathBuf, CommentIndex) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let index = CommentIndex::open_or_create(&path).unwrap();
    let writer = index.writer().unwrap();
    for (c, a) in comments {
        writer.add(c, a).unwrap();
    }
    writer.commit().unwrap();
    writer.finish().unwrap();
    index.reload().unwrap();
    (dir, path, index)
}

/// September (B) and October (A), 1,200 comments each.
pub fn planted() -> &'static Planted {
    static PLANTED: OnceLock<Planted> = OnceLock::new();
    PLANTED.get_or_init(|| {
        let pool = demo_pool();
        let mut singles: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, (_, a)) in pool.iter().enumerate() {
            if let [t] = topics(a)[..] {
                singles.entry(t).or_default().push(k);
            }
        }
        let mut by_count: Vec<(&str, usize)> = singles.iter().map(|(t, v)| (*t, v.len())).collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let [x, y, z] = [by_count[0].0, by_count[1].0, by_count[2].0];
        let others: Vec<usize> = (0..pool.len())
            .filter(|&k| !topics(&pool[k].1).iter().any(|t| [x, y, z].contains(t)))
            .collect();
        let mut rng = Rng(18);
        let mut out = Vec::new();
        for (side, month, nx) in [("b", 9, 120), ("a", 10, 360)] {
            let plan = [(x, nx), (y, 180), (z, 180), ("", 1200 - nx - 360)];
            for (topic, count) in plan {
                let group = if topic.is_empty() {
                    &others
                } else {
                    &singles[topic]
                };
                for j in 0..count {
                    let (c, a) = &pool[group[rng.below(group.len())]];
                    let region = REGIONS[rng.below(REGIONS.len())];
                    let shares = match topic {
                        t if t == x => BAD,
                        t if t == y && side == "a" => BAD,
                        t if t == z && region == "华南" => (0.02, 0.9),
                        _ => NORMAL,
                    };
                    let nps = draw_nps(&mut rng, shares);
                    let comment = Comment {
                        id: format!("{side}-{}-{j}", if topic.is_empty() { "o" } else { topic }),
                        text: c.text.clone(),
                        created_at: Some(format!("2026-{month:02}-{:02}", 1 + rng.below(30))),
                        nps: Some(nps),
                        csat: Some(match nps {
                            9..=10 => 5,
                            7..=8 => 4,
                            _ => 2,
                        }),
                        channel: Some(["app", "web"][rng.below(2)].to_string()),
                        customer_id: None,
                        attrs: [("region".to_string(), region.to_string())].into(),
                    };
                    out.push((comment, a));
                }
            }
        }
        let (dir, path, index) = write(&out);
        Planted {
            _dir: dir,
            path,
            index,
            x: x.into(),
            y: y.into(),
            z: z.into(),
        }
    })
}

/// October against September, given explicitly.
pub fn october_vs_september() -> CompareRequest {
    let mut report = ReportRequest::default();
    report.filters.from = Some("2026-10-01".into());
    report.filters.to = Some("2026-10-31".into());
    CompareRequest {
        report,
        vs_from: Some("2026-09-01".into()),
        vs_to: Some("2026-09-30".into()),
        ..CompareRequest::default()
    }
}

#[test]
fn compare_attributes_a_volume_shift_and_a_score_shift() {
    let p = planted();
    let r = report::compare(&p.index, &october_vs_september()).unwrap();
    assert_eq!((r.a.n, r.b.n), (1200, 1200));
    let nps = &r.nps;
    let (change, [lo, hi]) = (nps.change.unwrap(), nps.ci95.unwrap());
    assert!(
        change < -20.0 && lo <= change && change <= hi && hi < 0.0,
        "{nps:?}"
    );
    assert!(nps.significant);

    let d = r.decomposition.as_ref().unwrap();
    let sum: f64 = d.rows.iter().map(|c| c.total).sum();
    let tol = 1e-4 * d.rows.len() as f64;
    assert!(
        (sum - d.change).abs() <= tol,
        "Σ rows {sum} vs {}",
        d.change
    );
    assert!((d.volume + d.score - d.change).abs() <= 2e-4, "{d:?}");
    assert!(
        (d.change - change).abs() <= 0.01,
        "{} vs {change}",
        d.change
    );
    let top: HashSet<&str> = d.rows[..2].iter().map(|c| c.topic.as_str()).collect();
    assert_eq!(
        top,
        HashSet::from([p.x.as_str(), p.y.as_str()]),
        "{:?}",
        d.rows
    );
    eprintln!("X={} Y={} nps {nps:?}", p.x, p.y);
    for c in &d.rows[..4] {
        eprintln!("{c:?}");
    }
    let row = |t: &str| d.rows.iter().find(|c| c.topic == t).unwrap();
    let (x, y) = (row(&p.x), row(&p.y));
    assert!(x.volume_effect < -8.0, "{x:?}");
    assert!(x.score_effect.abs() < x.volume_effect.abs() / 2.0, "{x:?}");
    assert!(y.score_effect < -8.0, "{y:?}");
    assert!(y.volume_effect.abs() < 1.0, "{y:?}");

    let rising_x = r
        .rising
        .iter()
        .find(|m| m.kind == ItemKind::Topic && m.id == p.x)
        .expect("X rises");
    assert!(rising_x.q < 0.05 && rising_x.share_a > 2.5 * rising_x.share_b);
    let example = rising_x.example.as_ref().unwrap();
    assert!(
        example.id.starts_with("a-"),
        "an October comment: {example:?}"
    );
    let stored = p.index.get(&example.id).unwrap().unwrap();
    assert!(stored.analysis.topics.iter().any(|t| t.id == p.x));
    assert!(
        !r.rising.iter().chain(&r.falling).any(|m| m.id == p.y),
        "Y's volume did not move"
    );
    let ids: Vec<&str> = r
        .rising
        .iter()
        .chain(&r.falling)
        .filter_map(|m| m.example.as_ref().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(
        ids.len(),
        ids.iter().collect::<HashSet<_>>().len(),
        "{ids:?}"
    );
}

#[test]
fn compare_defaults_to_the_latest_full_period_against_the_one_before() {
    let p = planted();
    let explicit = report::compare(&p.index, &october_vs_september()).unwrap();
    let mut request = CompareRequest::default();
    request.report.interval = Interval::Month;
    let r = report::compare(&p.index, &request).unwrap();
    assert_eq!(r.a.from.as_deref(), Some("2026-10-01"));
    assert_eq!(r.a.to.as_deref(), Some("2026-10-31"));
    assert_eq!(r.b.from.as_deref(), Some("2026-09-01"));
    assert_eq!(r.nps, explicit.nps);
    assert_eq!(r.decomposition, explicit.decomposition);
    // Segments: 华南 against 华北 over both months.
    let request = CompareRequest {
        segment: Some("region=华南".into()),
        vs_segment: Some("region=华北".into()),
        ..CompareRequest::default()
    };
    let r = report::compare(&p.index, &request).unwrap();
    assert!(
        r.nps.change.unwrap() < 0.0 && r.a.n + r.b.n < 2400,
        "{:?}",
        r.nps
    );
    let d = r.decomposition.unwrap();
    assert_eq!(
        d.rows[0].topic, p.z,
        "Z's score is what differs: {:?}",
        d.rows
    );
    assert!(d.rows[0].score_effect < -8.0, "{:?}", d.rows[0]);
}

#[test]
fn segments_put_the_planted_worst_region_first_with_its_driver() {
    let p = planted();
    let request = SegmentsRequest {
        by: "region".into(),
        ..SegmentsRequest::default()
    };
    let r = report::segments(&p.index, &request).unwrap();
    assert_eq!((r.n, r.unknown, r.segments.len()), (2400, 0, 4));
    assert_eq!(r.segments.iter().map(|s| s.n).sum::<u64>(), 2400);
    let worst = &r.segments[0];
    assert_eq!(worst.value, "华南", "{:?}", r.segments);
    let vs = &worst.nps.vs_rest;
    assert!(vs.significant && vs.change.unwrap() < -8.0, "{vs:?}");
    assert!(vs.q.unwrap() >= vs.p.unwrap());
    let [lo, hi] = worst.nps.estimate.ci95.unwrap();
    assert!(
        lo < worst.nps.estimate.value.unwrap()
            && hi < r.segments[1].nps.estimate.value.unwrap() + 20.0
    );
    let drivers: Vec<&str> = worst.drivers.iter().map(|d| d.id.as_str()).collect();
    eprintln!(
        "Z={} worst {} vs rest {vs:?} drivers {drivers:?}",
        p.z, worst.value
    );
    assert!(
        drivers.len() <= 3 && drivers.contains(&p.z.as_str()),
        "{drivers:?}"
    );
    let by_channel = report::segments(
        &p.index,
        &SegmentsRequest {
            by: "channel".into(),
            ..SegmentsRequest::default()
        },
    )
    .unwrap();
    assert_eq!(by_channel.segments.len(), 2);
}

#[test]
fn report_compare_and_segments_from_the_cli() {
    let p = planted();
    let dir = p.path.to_str().unwrap();
    let out = verbatim(
        &[
            "report", "segments", "--index", dir, "--by", "region", "--format", "csv",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    // After the filters line and the header.
    let first = csv.lines().nth(2).unwrap();
    assert!(first.starts_with("华南,") && first.contains(&p.z), "{csv}");
    let out = verbatim(
        &[
            "report",
            "compare",
            "--index",
            dir,
            "--interval",
            "month",
            "--format",
            "table",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("nps by topic") && table.contains(&p.x),
        "{table}"
    );
    let out = verbatim(
        &["report", "compare", "--index", dir, "--segment", "region"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`segment`"));
}

/// The whole demo corpus with NPS drawn independently of everything.
fn null_index() -> &'static (tempfile::TempDir, PathBuf, CommentIndex) {
    static NULL: OnceLock<(tempfile::TempDir, PathBuf, CommentIndex)> = OnceLock::new();
    NULL.get_or_init(|| {
        let pool = demo_pool();
        let mut rng = Rng(2026);
        let comments: Vec<(Comment, &Analysis)> = pool
            .iter()
            .map(|(c, a)| {
                let mut c = c.clone();
                c.nps = Some(draw_nps(&mut rng, NORMAL));
                (c, a)
            })
            .collect();
        write(&comments)
    })
}

#[test]
fn drivers_of_scores_independent_of_topics_are_rarely_significant() {
    let (_, _, index) = null_index();
    let request = ReportRequest {
        limit: 1000,
        ..ReportRequest::default()
    };
    let r = report::drivers(index, &request).unwrap();
    let significant = r.drivers.iter().filter(|d| d.significant).count();
    assert!(r.drivers.len() >= 20, "{} drivers tested", r.drivers.len());
    assert!(
        significant * 20 <= r.drivers.len(),
        "{significant} of {}",
        r.drivers.len()
    );
    for d in &r.drivers {
        assert!(
            d.q >= d.p && d.q <= 1.0,
            "{}: p {:e} q {:e}",
            d.id,
            d.p,
            d.q
        );
    }

    // The same real rows under 100 fresh independent draws: with q, a report with any
    // significant driver is uncommon; with the raw p-values, most reports show one. Under a
    // complete null BH would keep that share near 5% for independent, exact p-values; these
    // 38 tests overlap (a topic and its topic×sentiment rows) and small groups' Welch
    // p-values run a little low, so it measured 8, 14 of 100 on two builds of the demo index
    // (whose int8 topics vary with batch mates). The bound is on the rows: at most 5%
    // of reported drivers significant (measured 12 and 19 of 3,800).
    let query = tantivy::query::AllQuery;
    let mut rows = Rows::load(index, &query, &Need::default()).unwrap();
    let (mut with_q, mut with_p, mut flagged, mut listed) = (0, 0, 0, 0);
    let mut rng = Rng(7);
    for _ in 0..100 {
        for v in rows.nps.iter_mut() {
            *v = draw_nps(&mut rng, NORMAL);
        }
        let r = report::drivers::from_rows(&rows, &request);
        with_q += usize::from(r.drivers.iter().any(|d| d.significant));
        with_p += usize::from(r.drivers.iter().any(|d| d.p < 0.05));
        flagged += r.drivers.iter().filter(|d| d.significant).count();
        listed += r.drivers.len();
    }
    eprintln!(
        "null: {significant} of {} flagged in the index; 100 draws: any q<.05 in {with_q}, any p<.05 in {with_p}, {flagged} of {listed} rows",
        r.drivers.len()
    );
    assert!(with_q <= 25, "{with_q} of 100 null reports flag a driver");
    assert!(flagged * 20 <= listed, "{flagged} of {listed}");
    assert!(
        with_p >= 30,
        "raw p flags only {with_p} of 100: the check could not fail"
    );
}
