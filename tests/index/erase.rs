//! Erasure by customer id (issue 21) on a real index on disk: the library's
//! `CommentWriter::erase_customer` (exact counts, uncommitted comments included, searches
//! see it at once, other customers untouched) and `verbatim erase` as a separate process
//! (JSON answer, the audit line on stderr without the raw id, 0 deleted said, a missing
//! index or a bad id exit 2), with `search --customer-id`.

use std::path::Path;

use serde_json::Value;
use verbatim::comment::Comment;
use verbatim::index::search::Filters;
use verbatim::index::{CommentIndex, SearchRequest};

use crate::common::{analyzer, verbatim};

fn of_customer(id: &str, text: &str, customer: &str) -> Comment {
    let mut c = Comment::new(id, text);
    c.customer_id = Some(customer.to_string());
    c
}

fn ids_of(index: &CommentIndex, customer: Option<&str>) -> Vec<String> {
    let request = SearchRequest {
        filters: Filters {
            customer_id: customer.map(str::to_string),
            ..Filters::default()
        },
        limit: 100,
        ..SearchRequest::default()
    };
    let mut ids: Vec<String> = index
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn erasing_a_customer_deletes_all_of_theirs_and_none_of_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let index = CommentIndex::open_or_create(dir.path()).unwrap();
    let writer = index.writer().unwrap();
    let comments = [
        of_customer("a1", "配送太慢了", "cust-A"),
        of_customer("a2", "Refund never arrived", "cust-A"),
        of_customer("b1", "客服态度很好", "cust-B"),
        // A prefix of the other's id, and a case variant: ids match exactly.
        of_customer("b2", "物流很快", "cust-"),
        of_customer("b3", "包装很好", "CUST-A"),
        Comment::new("n1", "发票一直没开"),
    ];
    writer.write(analyzer(), &comments).unwrap();
    // Added but not committed yet: the erasure commits it first and counts it.
    let pending = of_customer("a3", "质量太差", "cust-A");
    let a = analyzer().analyze(&[pending.input()]).unwrap();
    writer.add(&pending, &a[0]).unwrap();

    assert_eq!(ids_of(&index, Some("cust-A")), ["a1", "a2"]);
    let erasure = writer.erase_customer("cust-A").unwrap();
    assert_eq!(erasure.deleted, 3);
    // Searchable state right after: none of theirs, all of the others'.
    assert!(ids_of(&index, Some("cust-A")).is_empty());
    assert_eq!(ids_of(&index, None), ["b1", "b2", "b3", "n1"]);
    assert!(index.get("a3").unwrap().is_none());
    assert_eq!(writer.erase_customer("cust-A").unwrap().deleted, 0);

    // Their segments were rewritten: no deleted document is left in a segment file.
    let metas = index.tantivy().searchable_segment_metas().unwrap();
    assert_eq!(metas.iter().map(|m| m.num_deleted_docs()).sum::<u32>(), 0);
    // Durable: a fresh open of the directory sees the same.
    writer.finish().unwrap();
    let again = CommentIndex::open(dir.path()).unwrap();
    assert_eq!(again.num_comments(), 4);
    assert_eq!(ids_of(&again, Some("cust-B")), ["b1"]);

    // Bad ids are refused by name, before anything is deleted.
    let writer = again.writer().unwrap();
    for bad in ["", "   ", "\u{200b}", "a\nb", &"x".repeat(513)] {
        let e = writer.erase_customer(bad).unwrap_err().to_string();
        assert!(e.contains("`customer_id`"), "{bad:?}: {e}");
        let filters = Filters {
            customer_id: Some(bad.to_string()),
            ..Filters::default()
        };
        let request = SearchRequest {
            filters,
            ..SearchRequest::default()
        };
        let e = again.search(&request).unwrap_err().to_string();
        assert!(e.contains("`customer_id`"), "{bad:?}: {e}");
    }
    assert_eq!(again.num_comments(), 4);
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = verbatim(args, "");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn search_total(idx: &Path, customer: &str) -> u64 {
    let (code, stdout, stderr) = run(&[
        "search",
        "--index",
        idx.to_str().unwrap(),
        "--customer-id",
        customer,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    first["total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{stdout}"))
}

#[test]
fn verbatim_erase_deletes_audits_and_refuses_what_it_must() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": \"a1\", \"text\": \"配送太慢了\", \"customer_id\": \"张三-001\"}\n",
            "{\"id\": \"a2\", \"text\": \"退款一直没到\", \"customer_id\": \"张三-001\"}\n",
            "{\"id\": \"b1\", \"text\": \"客服很耐心\", \"customer_id\": \"李四-002\"}\n",
        ),
    )
    .unwrap();
    let idx = dir.path().join("idx");
    let idx_s = idx.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "ingest",
        "--index",
        idx_s,
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(search_total(&idx, "张三-001"), 2);

    let (code, stdout, stderr) = run(&["erase", "--index", idx_s, "--customer-id", "张三-001"]);
    assert_eq!(code, Some(0), "{stderr}");
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(answer["customer_id"], "张三-001");
    assert_eq!(answer["deleted"], 2);
    // One audit line: the id's SHA-256 prefix, the count, the time; never the id itself.
    let digest = verbatim::index::erase::digest("张三-001");
    let audit: Vec<&str> = stderr.lines().filter(|l| l.contains("audit")).collect();
    assert_eq!(audit.len(), 1, "{stderr}");
    assert!(
        audit[0].contains(&format!("customer=sha256:{digest} deleted=2 at=20"))
            && audit[0].contains("via=cli"),
        "{stderr}"
    );
    assert!(!stderr.contains("张三"), "{stderr}");
    assert_eq!(search_total(&idx, "张三-001"), 0);
    assert_eq!(search_total(&idx, "李四-002"), 1);

    // Again: nothing to delete is said, and is not an error.
    let (code, stdout, stderr) = run(&[
        "erase",
        "--index",
        idx_s,
        "--customer-id",
        "张三-001",
        "--format",
        "table",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("nothing deleted"), "{stdout}");
    assert!(stderr.contains("deleted=0"), "{stderr}");

    // A missing index and bad ids: exit 2, one message naming what is wrong.
    let missing = dir.path().join("nope");
    let (code, _, stderr) = run(&[
        "erase",
        "--index",
        missing.to_str().unwrap(),
        "--customer-id",
        "x",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no index at"), "{stderr}");
    assert!(!missing.exists(), "erase must not create an index");
    for bad in ["", " ", "a\tb"] {
        let (code, _, stderr) = run(&["erase", "--index", idx_s, "--customer-id", bad]);
        assert_eq!(code, Some(2), "{bad:?}");
        assert!(stderr.contains("customer_id"), "{bad:?}: {stderr}");
    }
    let (code, _, stderr) = run(&["search", "--index", idx_s, "--customer-id", " "]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("customer_id"), "{stderr}");
    assert_eq!(search_total(&idx, "李四-002"), 1);
}
