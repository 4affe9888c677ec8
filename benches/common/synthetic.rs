//! The synthetic comments the benches share (never committed): a seeded SplitMix64
//! generator, phrase banks in zh-Hans, zh-Hant and English, the vocabulary of the shipped
//! IDF table, and [`synthetic`], the `i`-th comment with an analysis as the model would give
//! it. Included with `#[path = "synthetic.rs"] mod synthetic;` by `benches/index.rs` and
//! `benches/report.rs`; each uses part of it.
#![allow(dead_code)]

use verbatim::analyze::{Analysis, Label, Probs, Sentiment, TopicHit};
use verbatim::comment::Comment;
use verbatim::text::{Keyword, Lang};

/// A small, seeded generator (SplitMix64): the same comments on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

pub const ZH: &[&str] = &[
    "配送太慢了",
    "快递员态度很差",
    "发票一直没开",
    "客服回复很及时",
    "菜很好吃",
    "包装破损严重",
    "退款到现在还没到账",
    "APP老是闪退",
    "价格有点贵",
    "性价比很高",
    "登录不了账号",
    "售后换货很麻烦",
    "功能很实用",
    "界面不太好用",
    "等了半个小时才有人接电话",
    "质量不错会回购",
    "物流信息一直不更新",
    "客服很专业解答清楚",
    "订单被重复扣款",
    "希望增加夜间模式",
];
pub const ZH_HANT: &[&str] = &[
    "發票一直沒開",
    "客服有回覆了",
    "配送太慢",
    "品質很好",
    "退款還沒到帳",
    "服務態度很差",
    "網站很難用",
];
pub const EN: &[&str] = &[
    "the delivery was late again",
    "refund took three weeks",
    "great product, works well",
    "support never called back",
    "the app keeps crashing",
    "too expensive for what it is",
    "friendly staff and fast service",
    "the box arrived damaged",
    "I was charged twice",
    "please add dark mode",
    "cannot log in to my account",
    "easy to use",
];
pub const TOPICS: &[&str] = &[
    "product_quality",
    "price_value",
    "delivery",
    "service_attitude",
    "response_time",
    "billing",
    "usability",
    "reliability",
    "after_sales",
    "packaging",
    "staff_expertise",
    "account_security",
    "features",
];
pub const CHANNELS: &[&str] = &["app", "web", "phone", "email", "store", "wechat"];
pub const REGIONS: &[&str] = &["华东", "华南", "华北", "西南", "EU", "US"];

/// Vocabulary for variety: the terms of the shipped IDF table.
pub fn vocabulary() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/text/data/idf.tsv");
    let text = std::fs::read_to_string(path).expect("idf table");
    let terms = text.lines().skip(1).filter_map(|l| l.split('\t').next());
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for t in terms {
        if t.chars().all(|c| c.is_ascii_lowercase()) {
            en.push(t.to_string());
        } else if t.chars().all(|c| !c.is_ascii()) {
            zh.push(t.to_string());
        }
    }
    (zh, en)
}

/// The `i`-th synthetic comment and an analysis as the model would give it.
pub fn synthetic(i: u64, rng: &mut Rng, vocab: &(Vec<String>, Vec<String>)) -> (Comment, Analysis) {
    let roll = rng.below(100);
    let (lang, mut text) = match roll {
        0..=59 => (Lang::ZhHans, format!("{}，{}", rng.pick(ZH), rng.pick(ZH))),
        60..=74 => (
            Lang::ZhHant,
            format!("{}，{}", rng.pick(ZH_HANT), rng.pick(ZH_HANT)),
        ),
        75..=94 => (Lang::En, format!("{}, {}.", rng.pick(EN), rng.pick(EN))),
        _ => (Lang::Mixed, format!("{} {}", rng.pick(ZH), rng.pick(EN))),
    };
    let words = if lang == Lang::En { &vocab.1 } else { &vocab.0 };
    for _ in 0..1 + rng.below(4) {
        text.push(if lang == Lang::En { ' ' } else { '，' });
        let word: &String = rng.pick(words);
        text.push_str(word);
    }
    let mut c = Comment::new(format!("c{i}"), text);
    let day = rng.below(730) as i64;
    let date = tantivy::time::Date::from_calendar_date(2024, tantivy::time::Month::January, 1)
        .expect("valid date")
        + tantivy::time::Duration::days(day);
    c.created_at = Some(date.to_string());
    c.nps = Some(rng.below(11) as u8);
    c.channel = Some(rng.pick(CHANNELS).to_string());
    c.customer_id = Some(format!("u{}", rng.below(200_000)));
    c.attrs
        .insert("region".into(), rng.pick(REGIONS).to_string());
    c.attrs.insert(
        "plan".into(),
        rng.pick(&["free", "pro", "team"]).to_string(),
    );
    let score = rng.unit() * 2.0 - 1.0;
    let label = match score {
        s if s < -0.3 => Label::Negative,
        s if s > 0.3 => Label::Positive,
        _ => Label::Neutral,
    };
    let topics = (0..rng.below(3))
        .map(|_| TopicHit {
            id: rng.pick(TOPICS).to_string(),
            name: String::new(),
            confidence: 0.5 + rng.unit() / 2.0,
            sentiment: *rng.pick(&Label::ALL),
            evidence: vec![],
        })
        .collect();
    let keywords = (0..3)
        .map(|_| Keyword {
            term: rng.pick(words).clone(),
            weight: rng.unit(),
        })
        .collect();
    let analysis = Analysis {
        id: Some(c.id.clone()),
        lang,
        sentiment: Some(Sentiment {
            label,
            score,
            probs: Probs {
                negative: (-score).max(0.0),
                neutral: 1.0 - score.abs(),
                positive: score.max(0.0),
            },
        }),
        topics,
        keywords,
        truncated: false,
        explain: None,
        near_misses: None,
        tokens: None,
        pii: Vec::new(),
        redacted: None,
        embedding: None,
    };
    (c, analysis)
}

/// How much a topic moves the score, in NPS points (0–10 scale): the planted drivers.
const TOPIC_EFFECTS: &[(&str, f32)] = &[
    ("delivery", -2.0),
    ("billing", -1.5),
    ("response_time", -1.0),
    ("after_sales", -1.0),
    ("reliability", -0.5),
    ("product_quality", 1.0),
    ("staff_expertise", 0.8),
    ("price_value", 0.5),
];

/// Give `c` an NPS (0–10) and a CSAT (1–5) that depend on its analysis: each topic's own
/// effect, the sentiment the topic is mentioned with and the comment's sentiment score, so
/// a drivers report finds real drivers. Replaces the uniform NPS that [`synthetic`] gives.
/// The noise comes from `rng`, a stream of its own: the comments [`synthetic`] makes from
/// its generator stay the same, so `benches/index.rs`, which does not call this, is
/// unchanged.
pub fn add_scores(c: &mut Comment, a: &Analysis, rng: &mut Rng) {
    // Mean 7 and a spread like real NPS answers (3.5–10.5 before the effects).
    let mut nps = 3.5 + 3.5 * (rng.unit() + rng.unit());
    for topic in &a.topics {
        if let Some((_, effect)) = TOPIC_EFFECTS.iter().find(|(id, _)| *id == topic.id) {
            nps += effect;
        }
        nps += match topic.sentiment {
            Label::Negative => -1.0,
            Label::Positive => 0.5,
            Label::Neutral => 0.0,
        };
    }
    if let Some(s) = &a.sentiment {
        nps += 1.5 * s.score;
    }
    let nps = nps.round().clamp(0.0, 10.0);
    let csat = (1.0 + nps * 0.4 + rng.unit() - 0.5).round().clamp(1.0, 5.0);
    c.nps = Some(nps as u8);
    c.csat = Some(csat as u8);
}
