//! An index built by the previous version (schema 1: the `verbatim` tokenizer, no `chars`
//! field) on disk: refused with a pointer to `verbatim reindex`, then rebuilt by the binary
//! from what it stores, with every comment and analysis intact and the old index kept.

use std::path::Path;

use tantivy::schema::{
    FAST, FacetOptions, INDEXED, IndexRecordOption, JsonObjectOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyDocument};
use verbatim::Error;
use verbatim::analyze::{Analyzer, Input, Options};
use verbatim::comment::Comment;
use verbatim::index::reindex::reindex;
use verbatim::index::{CommentIndex, StoredComment};

use super::{q, set};
use crate::common::{stdout_json_lines, verbatim};

/// The schema Verbatim 0.1 wrote before issue 19.
fn schema_v1() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("verbatim")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    b.add_facet_field("facets", FacetOptions::default());
    b.add_text_field("keyword", STRING | FAST);
    b.add_f64_field("score", INDEXED | FAST);
    b.add_date_field("created_at", INDEXED | FAST);
    b.add_u64_field("nps", INDEXED | FAST);
    b.add_u64_field("csat", INDEXED | FAST);
    b.add_text_field("customer_id", STRING);
    b.add_json_field(
        "attrs",
        JsonObjectOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_fast("raw"),
    );
    b.add_text_field("comment", STORED);
    b.add_text_field("analysis", STORED);
    b.build()
}

fn comments() -> Vec<Comment> {
    let mut a = Comment::new("a", "物流太慢了");
    a.channel = Some("app".into());
    a.nps = Some(2);
    a.attrs.insert("region".into(), "华东".into());
    let mut b = Comment::new("b", "發票開錯了");
    b.created_at = Some("2025-05-01".into());
    vec![a, b, Comment::new("c", "Late deliveries again")]
}

/// A schema-1 index at `dir` holding `comments` with their (text-only) analyses; returns
/// what it stores.
fn build_v1(dir: &Path, comments: &[Comment]) -> Vec<StoredComment> {
    std::fs::create_dir_all(dir).unwrap();
    let schema = schema_v1();
    let index = Index::create_in_dir(dir, schema.clone()).unwrap();
    index
        .tokenizers()
        .register("verbatim", verbatim::index::tokenizer::text_analyzer());
    let field = |name| schema.get_field(name).unwrap();
    let analyzer = Analyzer::text_only(Options::default());
    let mut writer: tantivy::IndexWriter = index.writer(20 << 20).unwrap();
    let mut stored = Vec::new();
    for c in comments {
        let analysis = analyzer.analyze_one(&Input::new(c.text.clone())).unwrap();
        let mut doc = TantivyDocument::new();
        doc.add_text(field("id"), &c.id);
        doc.add_text(field("text"), &c.text);
        doc.add_text(field("comment"), serde_json::to_string(c).unwrap());
        doc.add_text(field("analysis"), serde_json::to_string(&analysis).unwrap());
        writer.add_document(doc).unwrap();
        stored.push(StoredComment {
            comment: c.clone(),
            analysis,
        });
    }
    writer.commit().unwrap();
    stored
}

#[test]
fn an_old_index_is_refused_then_rebuilt_from_what_it_stores() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let stored = build_v1(&idx, &comments());
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&idx)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();

    let err = CommentIndex::open(&idx).err().unwrap();
    assert!(err.is_user_error());
    let message = err.to_string();
    let hint = format!("run `verbatim reindex --index {}`", idx.display());
    assert!(message.contains(&hint), "{message}");
    let err = CommentIndex::open_or_create(&idx).err().unwrap();
    assert!(err.to_string().contains(&hint), "{err}");

    let path = idx.to_str().unwrap();
    let out = verbatim(&["reindex", "--index", path], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = &stdout_json_lines(&out)[0];
    assert_eq!(report["comments"], 3);
    assert_eq!(report["reindexed"], true);
    let backup = dir.path().join("idx.pre-reindex");
    assert_eq!(report["backup"], backup.to_str().unwrap());

    // Every comment and analysis as it was, now searchable the new way.
    let index = CommentIndex::open(&idx).unwrap();
    assert_eq!(index.num_comments(), 3);
    for s in &stored {
        assert_eq!(index.get(&s.comment.id).unwrap().as_ref(), Some(s));
    }
    assert_eq!(q(&index, "慢"), set(&["a"]), "慢 inside 太慢");
    assert_eq!(q(&index, "delivery"), set(&["c"]));
    assert_eq!(q(&index, "发票"), set(&["b"]));

    // The old index is kept, byte for byte.
    for (name, bytes) in &before {
        if !name.ends_with(".lock") {
            assert_eq!(&std::fs::read(backup.join(name)).unwrap(), bytes, "{name}");
        }
    }

    // A current index is left alone with --if-outdated; otherwise the backup is in the way.
    let out = verbatim(&["reindex", "--index", path, "--if-outdated"], "");
    assert!(out.status.success());
    assert_eq!(stdout_json_lines(&out)[0]["reindexed"], false);
    let out = verbatim(&["reindex", "--index", path], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("idx.pre-reindex is in the way"), "{stderr}");
    assert_eq!(CommentIndex::open(&idx).unwrap().num_comments(), 3);
}

#[test]
fn a_locked_index_is_not_reindexed() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let index = CommentIndex::open_or_create(&idx).unwrap();
    let writer = index.writer().unwrap();
    writer
        .write(&Analyzer::text_only(Options::default()), &comments())
        .unwrap();
    let err = reindex(&idx).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    assert!(!dir.path().join("idx.reindex").exists());
    drop(writer);
    assert_eq!(reindex(&idx).unwrap().comments, 3);
    assert_eq!(CommentIndex::open(&idx).unwrap().num_comments(), 3);
}
