//! Issue 19's recall table, on a real index on disk: Chinese words inside longer words
//! (慢 in 太慢 and 很慢, 处理 in 待处理, 发票 in 开发票), English word forms (delivery,
//! delivered, "late deliveries"), the ranking (whole word above sub-word, adjacent above
//! scattered), Taiwan's words (網路 is 网络) and marks on the original text in either
//! script. A planted corpus pins each case; the demo corpus checks the table's counts
//! against the text itself.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use verbatim::analyze::{Analyzer, Options};
use verbatim::comment::Comment;
use verbatim::index::source::{self, SourceOptions};
use verbatim::index::{CommentIndex, SearchRequest, SearchResponse};
use verbatim::text::variants::to_simplified;

use super::{ids, search, set};
use crate::common::root;

const PLANTED: &[(&str, &str)] = &[
    ("too-slow", "配送太慢了，等了整整三天"),
    ("very-slow", "客服回复很慢，问题也没解决"),
    ("slow-word", "慢"),
    ("hant-slow", "客服回覆太慢，發票也沒開"),
    ("pending", "订单一直待处理，没人管"),
    ("handled", "问题已经处理好了"),
    ("open-invoice", "想开发票但是找不到入口"),
    ("hant-invoice", "發票開錯了"),
    ("adjacent", "这次配送慢得离谱"),
    ("scattered", "配送的司机态度好，就是速度太慢"),
    ("fast", "配送很快，服务好"),
    ("delivered-late", "The parcel was delivered two days late"),
    (
        "late-deliveries",
        "Late deliveries every week, very annoying",
    ),
    ("delivery", "Delivery was fine"),
    ("deliver", "They deliver on time"),
    ("other", "The app keeps crashing"),
    ("hant-network", "家裡網路一直斷線"),
    ("network", "网络太卡了"),
    ("formulaic", "回复太程式化了"),
];

/// The planted comments in a real index on disk (text analysis only: keyword search does
/// not read the model's output).
fn planted() -> &'static (tempfile::TempDir, CommentIndex) {
    static INDEX: OnceLock<(tempfile::TempDir, CommentIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(&dir.path().join("idx")).unwrap();
        let comments: Vec<Comment> = PLANTED
            .iter()
            .map(|(id, text)| Comment::new(*id, *text))
            .collect();
        let writer = index.writer().unwrap();
        writer
            .write(&Analyzer::text_only(Options::default()), &comments)
            .unwrap();
        (dir, index)
    })
}

fn all(index: &CommentIndex, q: &str) -> SearchResponse {
    let r = search(
        index,
        SearchRequest {
            limit: 1000,
            ..SearchRequest::query(q)
        },
    );
    assert_eq!(r.total as usize, r.hits.len(), "{q}");
    r
}

fn found(q: &str) -> BTreeSet<String> {
    ids(&all(&planted().1, q))
}

fn order(q: &str) -> Vec<String> {
    all(&planted().1, q)
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn snippet_of(q: &str, id: &str) -> String {
    let r = all(&planted().1, q);
    let hit = r.hits.iter().find(|h| h.id == id);
    hit.unwrap_or_else(|| panic!("{q} misses {id}"))
        .snippet
        .clone()
}

fn rank(list: &[String], id: &str) -> usize {
    list.iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("{id} not in {list:?}"))
}

#[test]
fn a_chinese_word_is_found_inside_longer_words() {
    assert_eq!(
        found("慢"),
        set(&[
            "too-slow",
            "very-slow",
            "slow-word",
            "hant-slow",
            "adjacent",
            "scattered"
        ])
    );
    assert_eq!(found("处理"), set(&["pending", "handled"]));
    assert_eq!(
        found("发票"),
        set(&["open-invoice", "hant-invoice", "hant-slow"])
    );
    assert_eq!(found("發票"), found("发票"), "either script");
    // Sub-words do not make unrelated matches: no comment says 配送很慢.
    assert_eq!(found("配送很慢"), set(&[]));
    assert_eq!(found("\"配送慢\""), set(&["adjacent"]));
}

#[test]
fn taiwan_words_find_the_mainland_words() {
    // 網路 is Taiwan's 网络: either finds both comments, and the mark falls on 網路.
    assert_eq!(found("网络"), set(&["network", "hant-network"]));
    assert_eq!(found("網路"), found("网络"));
    assert_eq!(
        snippet_of("网络", "hant-network"),
        "家裡<mark>網路</mark>一直斷線"
    );
    // Only Traditional text is read as Taiwan's: 程式化 in Simplified text stays 程式.
    assert_eq!(found("程式化"), set(&["formulaic"]));
    assert_eq!(found("程序"), set(&[]));
}

#[test]
fn whole_words_and_adjacent_words_rank_first() {
    // 慢 alone is a whole word; in 太慢 it is inside one.
    let slow = order("慢");
    assert_eq!(slow[0], "slow-word", "{slow:?}");
    // 配送慢: 配送 and 慢 next to each other above the same words apart.
    let run = order("配送慢");
    assert_eq!(run.len(), 3, "{run:?}");
    assert!(rank(&run, "adjacent") < rank(&run, "scattered"), "{run:?}");
    assert!(rank(&run, "adjacent") < rank(&run, "too-slow"), "{run:?}");
}

#[test]
fn marks_fall_on_the_original_characters() {
    assert_eq!(
        snippet_of("慢", "too-slow"),
        "配送太<mark>慢</mark>了，等了整整三天"
    );
    assert_eq!(
        snippet_of("慢", "hant-slow"),
        "客服回覆太<mark>慢</mark>，發票也沒開"
    );
    assert_eq!(
        snippet_of("发票", "open-invoice"),
        "想开<mark>发票</mark>但是找不到入口"
    );
    assert_eq!(
        snippet_of("发票", "hant-invoice"),
        "<mark>發票</mark>開錯了"
    );
    assert_eq!(
        snippet_of("處理", "pending"),
        "订单一直待<mark>处理</mark>，没人管"
    );
}

#[test]
fn english_word_forms_find_each_other() {
    let forms = set(&["delivered-late", "late-deliveries", "delivery", "deliver"]);
    for q in [
        "delivery",
        "delivered",
        "deliver",
        "deliveries",
        "Delivering",
    ] {
        assert_eq!(found(q), forms, "{q}");
    }
    assert_eq!(
        found("late delivery"),
        set(&["delivered-late", "late-deliveries"])
    );
    assert_eq!(found("\"late delivery\""), set(&["late-deliveries"]));
    assert_eq!(
        snippet_of("\"late delivery\"", "late-deliveries"),
        "<mark>Late</mark> <mark>deliveries</mark> every week, very annoying"
    );
    // `very` and `every` are not read as -ery nouns (they would become v and ev).
    assert_eq!(found("every"), set(&["late-deliveries"]));
    assert_eq!(found("very"), set(&["late-deliveries"]));
    assert_eq!(found("ev"), set(&[]));
}

/// The demo corpus (text analysis only) in a real index on disk, and its comments.
fn demo() -> &'static (tempfile::TempDir, CommentIndex, Vec<Comment>) {
    static DEMO: OnceLock<(tempfile::TempDir, CommentIndex, Vec<Comment>)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let comments: Vec<Comment> = source::open(
            &root().join("corpora/demo/comments.jsonl"),
            None,
            SourceOptions::default(),
        )
        .expect("corpora/demo/comments.jsonl")
        .map(|c| c.expect("a valid demo record").comment)
        .collect();
        let dir = tempfile::tempdir().unwrap();
        let index = CommentIndex::open_or_create(&dir.path().join("idx")).unwrap();
        let writer = index.writer().unwrap();
        writer
            .write(&Analyzer::text_only(Options::default()), &comments)
            .unwrap();
        (dir, index, comments)
    })
}

/// The demo comments whose text satisfies `judge`.
fn demo_where(judge: impl Fn(&str) -> bool) -> BTreeSet<String> {
    demo()
        .2
        .iter()
        .filter(|c| judge(&c.text))
        .map(|c| c.id.clone())
        .collect()
}

#[test]
fn the_issue_table_on_the_demo_corpus() {
    let index = &demo().1;
    let han = |parts: &'static [&'static str]| {
        demo_where(move |t| {
            let folded = to_simplified(t);
            parts.iter().all(|p| folded.contains(p))
        })
    };
    // Before: 慢 found 34 and missed every 太慢 (54) and 很慢 (32).
    let slow = ids(&all(index, "慢"));
    assert_eq!(slow, han(&["慢"]));
    assert!(han(&["太慢"]).is_subset(&slow) && han(&["很慢"]).is_subset(&slow));
    assert!(han(&["太慢"]).len() >= 50 && han(&["很慢"]).len() >= 30);
    // Before: 配送慢 found 1.
    assert_eq!(ids(&all(index, "配送慢")), han(&["配送", "慢"]));
    assert_eq!(ids(&all(index, "发票")), han(&["发票"]));
    // Before: delivery found 7 and missed the 38 with "delivered".
    let forms = [
        "deliver",
        "delivers",
        "delivered",
        "delivering",
        "delivery",
        "deliveries",
    ];
    let english = demo_where(|t| {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| forms.contains(&w))
    });
    assert!(english.len() >= 45, "{}", english.len());
    assert_eq!(ids(&all(index, "delivery")), english);
    assert_eq!(ids(&all(index, "delivered")), english);
}
