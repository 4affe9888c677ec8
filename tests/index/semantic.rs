//! Semantic and hybrid search (issue 19) on real indexes on disk with the real model: the
//! demo corpus (cross-lingual hits, why each hit matched, fused facets, filters on
//! semantic hits, the suggested topic), "more like this", an index made before vectors
//! (keyword search still works, semantic is refused naming `mode`), erased comments'
//! vectors gone from the segments, and `verbatim search --mode / --like`.

use std::collections::HashSet;

use tantivy::Index;
use verbatim::comment::Comment;
use verbatim::index::fusion::{FLOOR, SEMANTIC_K};
use verbatim::index::schema::schema_without_vectors;
use verbatim::index::search::Filters;
use verbatim::index::{CommentIndex, Match, Mode, QueryEncoder, SearchRequest, SearchResponse};

use crate::common::{analyzer, demo_index, verbatim};

/// `q` searched in `mode` with `filters`, 50 hits (also used by `semantic_quality`).
pub(super) fn run(index: &CommentIndex, q: &str, mode: Mode, filters: Filters) -> SearchResponse {
    let request = SearchRequest {
        mode,
        filters,
        limit: 50,
        ..SearchRequest::query(q)
    };
    index
        .search_with(&request, Some(analyzer() as &dyn QueryEncoder))
        .unwrap()
}

fn lang(l: &str) -> Filters {
    Filters {
        lang: Some(l.into()),
        ..Filters::default()
    }
}

#[test]
fn hybrid_finds_invoice_comments_for_fapiao_where_keyword_finds_none() {
    let index = demo_index();
    // Keyword search cannot cross languages: no English comment holds 发票.
    assert_eq!(run(index, "发票", Mode::Keyword, lang("en")).total, 0);
    let r = run(index, "发票", Mode::Hybrid, lang("en"));
    assert_eq!(r.mode, Mode::Hybrid);
    assert!(r.hits.iter().all(|h| h.analysis.lang.code() == "en"));
    assert!(
        r.hits
            .iter()
            .any(|h| h.text.to_lowercase().contains("invoice")),
        "{:?}",
        r.hits.iter().map(|h| &h.text).collect::<Vec<_>>()
    );
    assert!(r.hits.iter().all(|h| h.matched == Some(Match::Semantic)));
}

#[test]
fn each_mode_says_why_hits_matched_and_facets_count_the_fused_hits() {
    let index = demo_index();
    let keyword = run(index, "配送太慢", Mode::Keyword, Filters::default());
    assert_eq!(keyword.mode, Mode::Keyword);
    assert!(keyword.total > 0);
    assert!(
        keyword
            .hits
            .iter()
            .all(|h| h.matched == Some(Match::Keyword))
    );

    let semantic = run(index, "配送太慢", Mode::Semantic, Filters::default());
    assert_eq!(semantic.mode, Mode::Semantic);
    assert!(!semantic.hits.is_empty());
    let mut last = f32::INFINITY;
    for h in &semantic.hits {
        assert!(matches!(h.matched, Some(Match::Semantic | Match::Both)));
        let s = h.similarity.unwrap();
        assert!(s >= FLOOR && s <= last, "{s} after {last}");
        last = s;
    }
    assert!(
        semantic
            .hits
            .iter()
            .any(|h| h.matched == Some(Match::Semantic))
    );
    assert!(semantic.hits.iter().any(|h| h.matched == Some(Match::Both)));

    let hybrid = run(index, "配送太慢", Mode::Hybrid, Filters::default());
    assert_eq!(hybrid.mode, Mode::Hybrid);
    // Keyword ∪ semantic (the neighbours, and the nearest comments carrying the query's
    // topic, at most SEMANTIC_K more): at least each alone, counted once.
    assert!(hybrid.total >= keyword.total.max(semantic.total));
    assert!(hybrid.total <= keyword.total + semantic.total + SEMANTIC_K as u64);
    let counted: u64 = hybrid.facets.lang.values().sum();
    assert_eq!(counted, hybrid.total, "facets count every fused hit once");
    assert!(hybrid.hits.iter().any(|h| h.matched == Some(Match::Both)));
    let delivery = hybrid.suggested_topic.as_ref().expect("a dominant topic");
    assert_eq!(delivery.id, "delivery");
    assert_eq!(delivery.count, hybrid.facets.topic["delivery"]);
    // A blank query is every comment, newest first: nothing to embed, no match label.
    let blank = run(index, "", Mode::Hybrid, Filters::default());
    assert_eq!((blank.mode, blank.hits[0].matched), (Mode::Keyword, None));
}

#[test]
fn filters_apply_to_semantic_hits() {
    let index = demo_index();
    let filters = Filters {
        channel: Some("app".into()),
        sentiment: Some("negative".into()),
        ..Filters::default()
    };
    for mode in [Mode::Semantic, Mode::Hybrid] {
        let r = run(index, "package never arrived", mode, filters.clone());
        assert!(!r.hits.is_empty(), "{mode:?}");
        for h in &r.hits {
            assert_eq!(h.channel.as_deref(), Some("app"), "{mode:?} {}", h.id);
            assert_eq!(h.analysis.sentiment.unwrap().label.as_str(), "negative");
        }
        assert_eq!(r.facets.channel.keys().collect::<Vec<_>>(), ["app"]);
    }
}

#[test]
fn more_like_this_leaves_the_comment_out_and_applies_filters() {
    let index = demo_index();
    let seed = run(index, "配送太慢", Mode::Keyword, Filters::default()).hits[0].clone();
    let near = index
        .similar(&seed.id, &lang("en"), 10, 0)
        .unwrap()
        .unwrap();
    assert!(!near.hits.is_empty());
    assert!(
        near.hits
            .iter()
            .all(|h| h.id != seed.id && h.analysis.lang.code() == "en")
    );
    assert!(near.hits.iter().all(|h| h.matched == Some(Match::Semantic)));
    let same = index
        .similar(&seed.id, &Filters::default(), 10, 0)
        .unwrap()
        .unwrap();
    assert!(same.hits.iter().all(|h| h.id != seed.id));
    assert!(
        index
            .similar("no-such-id", &Filters::default(), 10, 0)
            .unwrap()
            .is_none()
    );
    let e = index
        .similar(&seed.id, &Filters::default(), 5000, 0)
        .unwrap_err();
    assert!(e.to_string().contains("`limit`"), "{e}");
}

#[test]
fn an_index_made_before_vectors_searches_by_keyword_and_refuses_semantic_by_name() {
    let dir = tempfile::tempdir().unwrap();
    Index::create_in_dir(dir.path(), schema_without_vectors()).unwrap();
    let index = CommentIndex::open(dir.path()).unwrap();
    let writer = index.writer().unwrap();
    let comments = [
        Comment::new("a", "发票一直没开"),
        Comment::new("b", "The invoice was wrong"),
    ];
    writer.write(analyzer(), &comments).unwrap();
    let hybrid = run(&index, "发票", Mode::Hybrid, Filters::default());
    assert_eq!((hybrid.mode, hybrid.total), (Mode::Keyword, 1));
    assert_eq!(hybrid.hits[0].id, "a");
    let request = SearchRequest {
        mode: Mode::Semantic,
        ..SearchRequest::query("发票")
    };
    let e = index
        .search_with(&request, Some(analyzer() as &dyn QueryEncoder))
        .unwrap_err();
    assert!(e.is_user_error(), "{e}");
    let message = e.to_string();
    assert!(
        message.contains("`mode`") && message.contains("ingest"),
        "{message}"
    );
    let e = index.similar("a", &Filters::default(), 5, 0).unwrap_err();
    assert!(e.to_string().contains("`id`"), "{e}");
}

/// The distinct vectors the index's segments hold.
fn stored_vectors(index: &CommentIndex) -> usize {
    let searcher = index.reader().searcher();
    searcher
        .segment_readers()
        .iter()
        .filter_map(|s| s.fast_fields().bytes("vector").unwrap())
        .map(|c| c.num_terms())
        .sum()
}

#[test]
fn erased_comments_take_their_vectors_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let index = CommentIndex::open_or_create(dir.path()).unwrap();
    let writer = index.writer().unwrap();
    let mut comments = vec![
        Comment::new("x1", "快递三天都没到，物流也不更新"),
        Comment::new("x2", "The parcel arrived a week late"),
        Comment::new("k1", "发票开错了，金额不对"),
        Comment::new("k2", "客服电话一直打不通"),
    ];
    for c in &mut comments[..2] {
        c.customer_id = Some("cust-X".into());
    }
    writer.write(analyzer(), &comments).unwrap();
    assert_eq!(stored_vectors(&index), 4);
    let vector = analyzer().embed_query("快递太慢").unwrap().unwrap();
    let before: HashSet<String> = index
        .neighbours(&vector, &Filters::default(), 10, -1.0)
        .unwrap()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert!(before.contains("x1") && before.contains("x2"), "{before:?}");

    assert_eq!(writer.erase_customer("cust-X").unwrap().deleted, 2);
    // The segments that held them were rewritten: their vectors left the disk too.
    assert_eq!(stored_vectors(&index), 2);
    let after: Vec<String> = index
        .neighbours(&vector, &Filters::default(), 10, -1.0)
        .unwrap()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(after.len(), 2);
    assert!(!after.iter().any(|id| id.starts_with('x')), "{after:?}");
    writer.delete("k1").unwrap();
    let left = index
        .neighbours(&vector, &Filters::default(), 10, -1.0)
        .unwrap();
    assert_eq!(
        left.iter().map(|(_, id)| id.as_str()).collect::<Vec<_>>(),
        ["k2"]
    );
}

#[test]
fn verbatim_search_takes_mode_and_like() {
    let (_dir, path) = crate::common::demo_index_copy();
    let index = path.to_str().unwrap();
    let json = |args: &[&str]| {
        let out = verbatim(args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let common = [
        "search", "--index", index, "--format", "json", "--lang", "en",
    ];
    let semantic = json(&[&common[..], &["--mode", "semantic", "发票"]].concat());
    assert_eq!(semantic["mode"], "semantic");
    assert!(!semantic["hits"].as_array().unwrap().is_empty());
    let keyword = json(&[&common[..], &["--mode", "keyword", "发票"]].concat());
    assert_eq!(
        (keyword["mode"].as_str(), keyword["total"].as_u64()),
        (Some("keyword"), Some(0))
    );
    let seed = semantic["hits"][0]["id"].as_str().unwrap();
    let like = json(&[&common[..], &["--like", seed]].concat());
    let hits = like["hits"].as_array().unwrap();
    assert!(
        !hits.is_empty()
            && hits
                .iter()
                .all(|h| h["id"] != seed && h["match"] == "semantic")
    );
    for bad in [&["--mode", "fuzzy", "x"][..], &["--like", "no-such-id"][..]] {
        let out = verbatim(&[&common[..], bad].concat(), "");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let out = verbatim(&[&common[..], &["--like", "no-such-id"]].concat(), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no comment with id `no-such-id`"));
}
