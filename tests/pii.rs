//! PII redaction measured on the labelled set `corpora/pii/labelled.jsonl` (310 zh/en
//! snippets written for it, with near-misses: order and tracking numbers, Luhn-valid order
//! numbers, IMEIs, bad-checksum IDs, prices, dates, versions). A finding counts when its
//! type and exact character span match a labelled one. Targets per type: precision ≥ 0.98,
//! recall ≥ 0.95, on the development part and on the held-out part alike.

use std::collections::BTreeMap;

use verbatim::text::pii::{detect, PiiSpan, PiiType, Redaction};

use crate::common::corpus_lines;

#[derive(serde::Deserialize)]
struct Labelled {
    text: String,
    spans: Vec<PiiSpan>,
    split: String,
}

#[derive(Default, Debug)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// Per-type counts on one split; prints every miss and false alarm.
fn measure(split: &str) -> BTreeMap<PiiType, Counts> {
    let mut counts: BTreeMap<PiiType, Counts> =
        PiiType::ALL.iter().map(|t| (*t, Counts::default())).collect();
    let rows: Vec<Labelled> = corpus_lines("corpora/pii/labelled.jsonl")
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &Labelled| r.split == split)
        .collect();
    assert!(rows.len() > 70, "{split}: {} snippets", rows.len());
    for row in &rows {
        let found = detect(&row.text, Redaction::ALL);
        for f in &found {
            let c = counts.get_mut(&f.kind).unwrap();
            if row.spans.contains(f) {
                c.tp += 1;
            } else {
                c.fp += 1;
                let s: String = row.text.chars().skip(f.start).take(f.end - f.start).collect();
                eprintln!("{split} false {:?} {s:?} in {:?}", f.kind, row.text);
            }
        }
        for l in row.spans.iter().filter(|l| !found.contains(l)) {
            counts.get_mut(&l.kind).unwrap().fn_ += 1;
            let s: String = row.text.chars().skip(l.start).take(l.end - l.start).collect();
            eprintln!("{split} missed {:?} {s:?} in {:?}", l.kind, row.text);
        }
    }
    for (t, c) in &counts {
        eprintln!(
            "{split} {:<5} labelled {:>3}  precision {:.3}  recall {:.3}  ({:?})",
            t.name(),
            c.tp + c.fn_,
            c.precision(),
            c.recall(),
            c
        );
    }
    counts
}

fn assert_targets(split: &str) {
    for (t, c) in measure(split) {
        assert!(c.tp + c.fn_ >= 4, "{split} {t:?}: too few labelled spans");
        assert!(c.precision() >= 0.98, "{split} {t:?} precision {c:?}");
        assert!(c.recall() >= 0.95, "{split} {t:?} recall {c:?}");
    }
}

#[test]
fn pii_dev_set_meets_the_targets() {
    assert_targets("dev");
}

#[test]
fn pii_holdout_set_meets_the_targets() {
    assert_targets("holdout");
}
