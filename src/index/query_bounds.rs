//! Bounds on a query string, checked before tantivy's query grammar sees it.
//!
//! In: the query `q` (raw, then normalized). Out: `Ok(())`, or an [`Error::User`] naming
//! `q` when it is too long or nested too deep. tantivy's grammar (and the query it builds)
//! recurses once per `(` and per chained `NOT`; a thousand `(` overflowed the stack and
//! aborted the whole server, so the nesting is measured here with a flat scan.
//!
//! The scan over-approximates: every `(` counts as a group, even inside quotes, and every
//! word `NOT` (also `+NOT`, `-NOT`) counts as one level. Besides the depth (the deepest
//! chain of groups and `NOT`s), the total number of groups and `NOT`s is bounded too, so
//! that the real nesting stays bounded whatever a `)` inside a phrase does to the count.

use crate::{Error, Result};

/// The longest query, in characters (before and after normalization).
pub const MAX_QUERY_CHARS: usize = 1000;
/// The deepest nesting of `(` groups and chained `NOT`s.
pub const MAX_QUERY_DEPTH: usize = 32;
/// The most `(` and `NOT` in one query, wherever they are.
pub const MAX_QUERY_GROUPS: usize = 128;

/// Check the length of a query as the caller sent it (cheap, before any other work).
pub(super) fn check_length(q: &str) -> Result<()> {
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(q_error(format!(
            "longer than 1,000 characters ({chars} characters)"
        )));
    }
    Ok(())
}

/// Check length and nesting of a normalized query (full-width `（` is `(` by then).
pub(super) fn check(q: &str) -> Result<()> {
    check_length(q)?;
    let shape = Shape::of(q);
    if shape.depth > MAX_QUERY_DEPTH {
        return Err(q_error(format!(
            "nested deeper than {MAX_QUERY_DEPTH} levels of `(` and `NOT` ({} levels)",
            shape.depth
        )));
    }
    if shape.groups > MAX_QUERY_GROUPS {
        return Err(q_error(format!(
            "more than {MAX_QUERY_GROUPS} `(` and `NOT` ({})",
            shape.groups
        )));
    }
    Ok(())
}

fn q_error(message: String) -> Error {
    Error::User(format!("`q`: {message}"))
}

/// How deeply a query nests, from one pass over its characters.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    /// The deepest chain of groups and `NOT`s.
    depth: usize,
    /// All groups and `NOT`s.
    groups: usize,
}

#[derive(Default)]
struct Scan {
    shape: Shape,
    /// The depth of the enclosing group of each open group.
    open: Vec<usize>,
    /// The depth of the current group.
    base: usize,
    /// `NOT`s in a row just before this point.
    chain: usize,
    word: String,
}

impl Shape {
    fn of(q: &str) -> Shape {
        let mut scan = Scan::default();
        for c in q.chars() {
            match c {
                '(' => {
                    scan.end_word();
                    scan.open.push(scan.base);
                    scan.base += scan.chain + 1;
                    scan.chain = 0;
                    scan.shape.groups += 1;
                    scan.shape.depth = scan.shape.depth.max(scan.base);
                }
                ')' => {
                    scan.end_word();
                    if let Some(base) = scan.open.pop() {
                        scan.base = base;
                    }
                    scan.chain = 0;
                }
                c if c.is_whitespace() => scan.end_word(),
                c => scan.word.push(c),
            }
        }
        scan.end_word();
        scan.shape
    }
}

impl Scan {
    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        if self.word.trim_start_matches(['+', '-']) == "NOT" {
            self.chain += 1;
            self.shape.groups += 1;
            self.shape.depth = self.shape.depth.max(self.base + self.chain);
        } else {
            self.chain = 0;
        }
        self.word.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(q: &str) -> (usize, usize) {
        let s = Shape::of(q);
        (s.depth, s.groups)
    }

    #[test]
    fn depth_counts_groups_and_chained_nots() {
        assert_eq!(shape("发票 AND 客服"), (0, 0));
        assert_eq!(shape("(a OR b) AND (c OR d)"), (1, 2));
        assert_eq!(shape("((a)) (b)"), (2, 3));
        assert_eq!(shape("NOT NOT NOT a"), (3, 3));
        assert_eq!(shape("a NOT b NOT c"), (1, 2));
        assert_eq!(shape("NOT (NOT (a))"), (4, 4));
        assert_eq!(shape("-NOT +NOT a"), (2, 2));
        assert_eq!(shape("text:(a (b))"), (2, 2));
        assert_eq!(
            shape(")))((("),
            (3, 3),
            "unmatched `)` do not go below zero"
        );
        assert_eq!(shape(&"(".repeat(1000)), (1000, 1000));
        assert_eq!(shape("\"((\""), (2, 2), "quotes do not hide `(`");
    }

    #[test]
    fn bounds_name_q() {
        assert!(check(&format!("{}a{}", "(".repeat(32), ")".repeat(32))).is_ok());
        let deep = check(&"(".repeat(33)).unwrap_err().to_string();
        assert_eq!(
            deep,
            "`q`: nested deeper than 32 levels of `(` and `NOT` (33 levels)"
        );
        let many = "(a) ".repeat(129);
        let err = check(&many).unwrap_err().to_string();
        assert_eq!(err, "`q`: more than 128 `(` and `NOT` (129)");
        // A `)` inside a phrase cannot hide real nesting beyond the total.
        let tricky = format!("{}\"{}\"", "(".repeat(30), ")".repeat(30)).repeat(5);
        assert!(
            check(&tricky)
                .unwrap_err()
                .to_string()
                .contains("more than 128")
        );
        assert!(check(&"好".repeat(1000)).is_ok());
        let long = check_length(&"好".repeat(1001)).unwrap_err().to_string();
        assert_eq!(long, "`q`: longer than 1,000 characters (1001 characters)");
    }
}
