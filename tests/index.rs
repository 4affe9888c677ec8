//! The comment index on disk (a temp dir), with real Chinese and English comments: queries
//! that must find given comments, filters and facets, replace/delete, durability across
//! `kill -9`, and the writer lock.

mod erase;
mod filter_edges;
mod process;
mod query_fuzz;
mod recall;
mod reindex;
mod semantic;
mod semantic_quality;

use std::collections::BTreeSet;
use std::path::Path;

use verbatim::analyze::{Analysis, Analyzer, Label, Options, Probs, Sentiment, TopicHit};
use verbatim::comment::Comment;
use verbatim::index::search::Filters;
use verbatim::index::{CommentIndex, SearchRequest, SearchResponse, Sort};
use verbatim::text::Lang;

/// An analysis as the model would give it (sentiment and topics), for filter tests.
fn analysis(lang: Lang, sentiment: (Label, f32), topics: &[(&str, Label)]) -> Analysis {
    let (label, score) = sentiment;
    Analysis {
        id: None,
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
        topics: topics
            .iter()
            .map(|(id, l)| TopicHit {
                id: id.to_string(),
                name: id.to_string(),
                confidence: 0.9,
                sentiment: *l,
                evidence: vec![],
            })
            .collect(),
        keywords: vec![],
        truncated: false,
        explain: None,
        near_misses: None,
        tokens: None,
        pii: vec![],
        redacted: None,
        embedding: None,
    }
}

struct Row {
    id: &'static str,
    text: &'static str,
    created_at: Option<&'static str>,
    channel: &'static str,
    region: &'static str,
    lang: Lang,
    sentiment: (Label, f32),
    topics: &'static [(&'static str, Label)],
}

use Label::{Negative as Neg, Neutral as Neu, Positive as Pos};

const ROWS: &[Row] = &[
    Row {
        id: "z1",
        text: "测试工具箱很好用，客服也很耐心",
        created_at: Some("2025-05-01"),
        channel: "app",
        region: "华东",
        lang: Lang::ZhHans,
        sentiment: (Pos, 0.8),
        topics: &[("usability", Pos), ("service_attitude", Pos)],
    },
    Row {
        id: "t1",
        text: "發票一直沒開，打了三次客服電話",
        created_at: Some("2025-05-10T09:30:00+08:00"),
        channel: "phone",
        region: "华南",
        lang: Lang::ZhHant,
        sentiment: (Neg, -0.7),
        topics: &[("billing", Neg), ("response_time", Neg)],
    },
    Row {
        id: "z2",
        text: "请问发票怎么开？",
        created_at: Some("2025-05-20"),
        channel: "web",
        region: "华东",
        lang: Lang::ZhHans,
        sentiment: (Neu, 0.0),
        topics: &[("billing", Neu)],
    },
    Row {
        id: "e1",
        text: "The refund was only refunded after three weeks, too slow",
        created_at: Some("2025-04-15"),
        channel: "email",
        region: "EU",
        lang: Lang::En,
        sentiment: (Neg, -0.6),
        topics: &[("billing", Neg), ("response_time", Neg)],
    },
    Row {
        id: "e2",
        text: "Great app, fast delivery and friendly staff",
        created_at: Some("2025-05-23T10:00:00+08:00"),
        channel: "app",
        region: "EU",
        lang: Lang::En,
        sentiment: (Pos, 0.9),
        topics: &[("delivery", Pos), ("service_attitude", Pos)],
    },
    Row {
        id: "m1",
        text: "APP老是crash，refund到现在还没到账",
        created_at: Some("2025-05-23"),
        channel: "app",
        region: "华东",
        lang: Lang::Mixed,
        sentiment: (Neg, -0.8),
        topics: &[("reliability", Neg), ("billing", Neg)],
    },
    Row {
        id: "z3",
        text: "菜很好吃但是配送太慢",
        created_at: Some("2025-03-01"),
        channel: "web",
        region: "华南",
        lang: Lang::ZhHans,
        sentiment: (Neg, -0.2),
        topics: &[("product_quality", Pos), ("delivery", Neg)],
    },
    Row {
        id: "e3",
        text: "I want a refund for the broken box",
        created_at: None,
        channel: "email",
        region: "EU",
        lang: Lang::En,
        sentiment: (Neg, -0.5),
        topics: &[("after_sales", Neg), ("packaging", Neg)],
    },
];

fn comment(row: &Row) -> Comment {
    let mut c = Comment::new(row.id, row.text);
    c.created_at = row.created_at.map(str::to_string);
    c.channel = Some(row.channel.to_string());
    c.attrs.insert("region".into(), row.region.into());
    if row.id == "e1" {
        c.attrs.insert("plan".into(), "pro".into());
        c.nps = Some(3);
    }
    c
}

/// An index in a temp dir holding [`ROWS`], written through the pre-analysed path.
fn fixture() -> (tempfile::TempDir, CommentIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = CommentIndex::open_or_create(&dir.path().join("idx")).unwrap();
    let writer = index.writer().unwrap();
    for row in ROWS {
        writer
            .add(
                &comment(row),
                &analysis(row.lang, row.sentiment, row.topics),
            )
            .unwrap();
    }
    writer.commit().unwrap();
    (dir, index)
}

fn search(index: &CommentIndex, request: SearchRequest) -> SearchResponse {
    index
        .search(&request)
        .unwrap_or_else(|e| panic!("{request:?}: {e}"))
}

fn ids(r: &SearchResponse) -> BTreeSet<String> {
    r.hits.iter().map(|h| h.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn q(index: &CommentIndex, query: &str) -> BTreeSet<String> {
    let r = search(index, SearchRequest::query(query));
    assert_eq!(r.total as usize, r.hits.len(), "{query}");
    ids(&r)
}

fn filtered(index: &CommentIndex, query: &str, filters: Filters) -> SearchResponse {
    search(
        index,
        SearchRequest {
            q: query.into(),
            filters,
            ..SearchRequest::default()
        },
    )
}

#[test]
fn search_mode_finds_words_inside_longer_words() {
    let (_dir, index) = fixture();
    assert_eq!(q(&index, "工具"), set(&["z1"]));
    let hit = &search(&index, SearchRequest::query("工具")).hits[0];
    assert!(
        hit.snippet.starts_with("测试<mark>工具</mark>箱"),
        "{}",
        hit.snippet
    );
}

#[test]
fn simplified_and_traditional_find_each_other() {
    let (_dir, index) = fixture();
    assert_eq!(q(&index, "发票"), set(&["t1", "z2"]));
    assert_eq!(q(&index, "發票"), set(&["t1", "z2"]));
    let r = search(&index, SearchRequest::query("發票"));
    for hit in &r.hits {
        let expected = if hit.id == "t1" {
            "<mark>發票</mark>"
        } else {
            "<mark>发票</mark>"
        };
        assert!(hit.snippet.contains(expected), "{}", hit.snippet);
    }
    // Other folded words too: 電話 (Traditional) from 电话.
    assert_eq!(q(&index, "电话"), set(&["t1"]));
}

#[test]
fn english_is_stemmed_and_case_folded() {
    let (_dir, index) = fixture();
    assert_eq!(q(&index, "refund"), set(&["e1", "m1", "e3"]));
    assert_eq!(q(&index, "Refunded"), set(&["e1", "m1", "e3"]));
    assert_eq!(q(&index, "ＲＥＦＵＮＤ"), set(&["e1", "m1", "e3"]));
    let r = search(&index, SearchRequest::query("refunds"));
    let e1 = r.hits.iter().find(|h| h.id == "e1").unwrap();
    assert_eq!(
        e1.snippet,
        "The <mark>refund</mark> was only <mark>refunded</mark> after three weeks, too slow"
    );
}

#[test]
fn chinese_queries_need_no_spaces() {
    let (_dir, index) = fixture();
    assert_eq!(q(&index, "配送太慢"), set(&["z3"]));
    assert_eq!(q(&index, "發票沒開"), set(&["t1"]));
    assert_eq!(q(&index, "客服电话"), set(&["t1"]));
    assert_eq!(q(&index, "refund到账"), set(&["m1"]));
    assert_eq!(q(&index, "配送很快"), set(&[]));
}

#[test]
fn boolean_operators_and_phrases() {
    let (_dir, index) = fixture();
    assert_eq!(
        q(&index, "发票 客服"),
        set(&["t1"]),
        "words are all required"
    );
    assert_eq!(q(&index, "发票 AND 客服"), set(&["t1"]));
    assert_eq!(
        q(&index, "发票 OR refund"),
        set(&["t1", "z2", "e1", "m1", "e3"])
    );
    assert_eq!(q(&index, "发票 NOT 客服"), set(&["z2"]));
    assert_eq!(q(&index, "refund -crash"), set(&["e1", "e3"]));
    assert_eq!(q(&index, "\"too slow\""), set(&["e1"]));
    assert_eq!(q(&index, "\"slow too\""), set(&[]));
    assert_eq!(q(&index, "\"refunds were only refunded\""), set(&[]));
    assert_eq!(
        q(&index, "\"refunds was only refunded\""),
        set(&["e1"]),
        "phrase after stemming"
    );
    assert_eq!(q(&index, "\"配送太慢\""), set(&["z3"]));
    assert_eq!(q(&index, "“配送太慢”"), set(&["z3"]), "curly quotes");
    assert_eq!(q(&index, "\"太慢配送\""), set(&[]));
    assert_eq!(q(&index, "\"测试工具箱\""), set(&["z1"]));
    assert_eq!(
        q(&index, "客服:态度"),
        set(&[]),
        "a colon in text is not a field"
    );
}

#[test]
fn filters() {
    let (_dir, index) = fixture();
    let f = |filters: Filters| ids(&filtered(&index, "", filters));
    assert_eq!(
        f(Filters {
            sentiment: Some("negative".into()),
            ..Filters::default()
        }),
        set(&["t1", "e1", "m1", "z3", "e3"])
    );
    assert_eq!(
        f(Filters {
            sentiment: Some("negative, neutral".into()),
            ..Filters::default()
        }),
        set(&["t1", "z2", "e1", "m1", "z3", "e3"])
    );
    assert_eq!(
        f(Filters {
            lang: Some("zh-Hant".into()),
            ..Filters::default()
        }),
        set(&["t1"])
    );
    assert_eq!(
        f(Filters {
            topic: Some("billing".into()),
            ..Filters::default()
        }),
        set(&["t1", "z2", "e1", "m1"])
    );
    assert_eq!(
        f(Filters {
            topic: Some("billing:negative".into()),
            ..Filters::default()
        }),
        set(&["t1", "e1", "m1"])
    );
    assert_eq!(
        f(Filters {
            channel: Some("app".into()),
            ..Filters::default()
        }),
        set(&["z1", "e2", "m1"])
    );
    assert_eq!(
        f(Filters {
            from: Some("2025-05-01".into()),
            to: Some("2025-05-20".into()),
            ..Filters::default()
        }),
        set(&["z1", "t1", "z2"])
    );
    // A plain `to` date includes the whole day; e2 is 2025-05-23T02:00Z.
    assert_eq!(
        f(Filters {
            from: Some("2025-05-21".into()),
            to: Some("2025-05-23".into()),
            ..Filters::default()
        }),
        set(&["e2", "m1"])
    );
    assert_eq!(
        f(Filters {
            to: Some("2025-05-23T01:00:00Z".into()),
            from: Some("2025-05-21T00:00:00Z".into()),
            ..Filters::default()
        }),
        set(&["m1"])
    );
    assert_eq!(
        f(Filters {
            score_min: Some(0.5),
            ..Filters::default()
        }),
        set(&["z1", "e2"])
    );
    assert_eq!(
        f(Filters {
            score_max: Some(-0.6),
            ..Filters::default()
        }),
        set(&["t1", "e1", "m1"])
    );
    assert_eq!(
        f(Filters {
            attrs: vec!["region=华东".into()],
            ..Filters::default()
        }),
        set(&["z1", "z2", "m1"])
    );
    assert_eq!(
        f(Filters {
            attrs: vec!["region=EU".into(), "plan=pro".into()],
            ..Filters::default()
        }),
        set(&["e1"])
    );
    // Query and filters together; filters leave the relevance order alone.
    let r = filtered(
        &index,
        "refund",
        Filters {
            lang: Some("en".into()),
            ..Filters::default()
        },
    );
    assert_eq!(ids(&r), set(&["e1", "e3"]));
    assert!(r.hits.iter().all(|h| h.score.unwrap() > 0.0));
}

#[test]
fn facets_count_everything_that_matches() {
    let (_dir, index) = fixture();
    let r = search(
        &index,
        SearchRequest {
            filters: Filters {
                sentiment: Some("negative".into()),
                ..Filters::default()
            },
            limit: 2,
            ..SearchRequest::default()
        },
    );
    assert_eq!(r.total, 5);
    assert_eq!(r.hits.len(), 2);
    let counts = |m: &std::collections::BTreeMap<String, u64>| -> Vec<(String, u64)> {
        m.iter().map(|(k, v)| (k.clone(), *v)).collect()
    };
    let pairs = |p: &[(&str, u64)]| -> Vec<(String, u64)> {
        p.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(
        counts(&r.facets.sentiment),
        pairs(&[("negative", 5), ("neutral", 0), ("positive", 0)])
    );
    assert_eq!(
        counts(&r.facets.topic),
        pairs(&[
            ("after_sales", 1),
            ("billing", 3),
            ("delivery", 1),
            ("packaging", 1),
            ("product_quality", 1),
            ("reliability", 1),
            ("response_time", 2)
        ])
    );
    assert_eq!(
        counts(&r.facets.lang),
        pairs(&[("en", 2), ("mixed", 1), ("zh-Hans", 1), ("zh-Hant", 1)])
    );
    assert_eq!(
        counts(&r.facets.channel),
        pairs(&[("app", 1), ("email", 2), ("phone", 1), ("web", 1)])
    );

    let all = search(
        &index,
        SearchRequest {
            limit: 0,
            ..SearchRequest::default()
        },
    );
    assert_eq!(all.total, ROWS.len() as u64);
    assert!(all.hits.is_empty());
    assert_eq!(
        all.facets.sentiment.values().sum::<u64>(),
        ROWS.len() as u64
    );
}

#[test]
fn sort_by_date_and_paging() {
    let (_dir, index) = fixture();
    let page = |offset| {
        let r = search(
            &index,
            SearchRequest {
                sort: Sort::Date,
                limit: 3,
                offset,
                ..SearchRequest::default()
            },
        );
        r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(page(0), ["e2", "m1", "z2"]);
    assert_eq!(page(3), ["t1", "z1", "e1"]);
    assert_eq!(page(6), ["z3", "e3"], "no date comes last");
    // A blank query under relevance is newest first too.
    let r = search(
        &index,
        SearchRequest {
            limit: 1,
            ..SearchRequest::default()
        },
    );
    assert_eq!(r.hits[0].id, "e2");
    // Hits carry the metadata and the analysis.
    let e1 = &search(&index, SearchRequest::query("\"too slow\"")).hits[0];
    assert_eq!(e1.created_at.as_deref(), Some("2025-04-15"));
    assert_eq!(e1.nps, Some(3));
    assert_eq!(e1.channel.as_deref(), Some("email"));
    assert_eq!(e1.attrs["plan"], "pro");
    assert_eq!(e1.analysis.sentiment.unwrap().label, Label::Negative);
}

#[test]
fn write_analyses_replaces_by_id_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let index = CommentIndex::open_or_create(dir.path()).unwrap();
    let writer = index.writer().unwrap();
    let analyzer = Analyzer::text_only(Options::default());
    writer
        .write(
            &analyzer,
            &[
                Comment::new("a", "發票開錯了"),
                Comment::new("b", "配送太慢"),
            ],
        )
        .unwrap();
    assert_eq!(index.num_comments(), 2);
    let stored = index.get("a").unwrap().unwrap();
    assert_eq!(stored.analysis.lang, Lang::ZhHant);
    assert!(stored.analysis.keywords.iter().any(|k| k.term == "发票"));

    writer
        .write(&analyzer, &[Comment::new("a", "The refund never came")])
        .unwrap();
    assert_eq!(index.num_comments(), 2);
    assert_eq!(q(&index, "发票"), set(&[]));
    assert_eq!(q(&index, "refund"), set(&["a"]));
    assert_eq!(
        index.get("a").unwrap().unwrap().comment.text,
        "The refund never came"
    );

    writer.delete("b").unwrap();
    assert_eq!(index.num_comments(), 1);
    assert!(index.get("b").unwrap().is_none());

    // An invalid comment writes nothing and names the item and the field.
    let mut bad = Comment::new("c", "ok");
    bad.csat = Some(9);
    let err = writer
        .write(&analyzer, &[Comment::new("d", "fine"), bad])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "item 2 (id \"c\"): field `csat`: 9 is not in 1–5"
    );
    assert!(err.is_user_error());
    assert_eq!(index.num_comments(), 1);
    drop(writer);

    // Everything is still there after reopening.
    let reopened = CommentIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.num_comments(), 1);
    assert_eq!(q(&reopened, "refund"), set(&["a"]));
}

#[test]
fn bad_requests_name_what_is_wrong() {
    let (_dir, index) = fixture();
    let err = |filters: Filters| {
        index
            .search(&SearchRequest {
                filters,
                ..SearchRequest::default()
            })
            .unwrap_err()
            .to_string()
    };
    type Set = fn(&mut Filters);
    let cases: [(Set, &str); 6] = [
        (
            |f| f.sentiment = Some("angry".into()),
            "filter `sentiment`: `angry`",
        ),
        (|f| f.lang = Some("fr".into()), "filter `lang`"),
        (|f| f.from = Some("last week".into()), "filter `from`"),
        (|f| f.score_min = Some(2.0), "filter `score_min`"),
        (|f| f.attrs = vec!["region".into()], "filter `attrs`"),
        (|f| f.topic = Some("billing:bad".into()), "filter `topic`"),
    ];
    for (set, named) in cases {
        let mut filters = Filters::default();
        set(&mut filters);
        let message = err(filters);
        assert!(message.starts_with(named), "{message}");
    }
    let e = index
        .search(&SearchRequest {
            limit: 5000,
            ..SearchRequest::default()
        })
        .unwrap_err();
    assert!(e.to_string().starts_with("`limit`"), "{e}");
    // Odd query syntax is forgiven rather than refused.
    for odd in ["配送(三天", "\"发票", "AND", "a:b:c", "^~*"] {
        index
            .search(&SearchRequest::query(odd))
            .unwrap_or_else(|e| panic!("{odd}: {e}"));
    }
    let missing = CommentIndex::open(Path::new("/nonexistent/idx"))
        .err()
        .unwrap();
    assert!(missing.is_user_error());
    assert!(
        missing.to_string().contains("no index at /nonexistent/idx"),
        "{missing}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let err = CommentIndex::open_or_create(dir.path()).err().unwrap();
    assert!(
        err.to_string().contains("is not empty and holds no index"),
        "{err}"
    );
}
