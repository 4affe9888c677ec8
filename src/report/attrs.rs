//! The attributes a summary breaks down by: the keys most frequent among the matching
//! comments, and each matching comment's value of each chosen key.
//!
//! In: the searcher the rows were read with and the [`Rows`] (their doc addresses). Out:
//! the keys (most frequent first; ties by name), then `rows.attr` / `rows.attr_values`
//! filled for them. Frequencies come from the `attrs` postings of the matching documents
//! only, and the collector never sees a deleted document, so a deleted comment's keys and
//! values leave nothing behind. The work is one pass over the attribute postings (at most
//! [`crate::comment::MAX_ATTRS`] per comment) and one fast-field read per row and key.

use std::collections::HashMap;

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocSet, Searcher, TERMINATED};

use super::rows::{NO_NAME, Names, Rows};
use crate::index::schema::attr_path;
use crate::{Error, Result};

/// The up to `max` attribute keys most frequent among `rows`.
pub fn frequent_keys(
    searcher: &Searcher,
    field: Field,
    rows: &Rows,
    max: usize,
) -> Result<Vec<String>> {
    let matching = matching_docs(searcher, rows);
    let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let Some(docs) = &matching[ord] else {
            continue;
        };
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream().map_err(index_io)?;
        while stream.advance() {
            // `[path][JSON_END_OF_PATH = 0][type][value]`; nested paths are not used.
            let Some(end) = stream.key().iter().position(|&b| b == 0) else {
                continue;
            };
            let mut postings = inverted
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                .map_err(index_io)?;
            let mut n = 0;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                n += u64::from(docs.contains(doc));
                doc = postings.advance();
            }
            if n > 0 {
                *counts.entry(stream.key()[..end].to_vec()).or_default() += n;
            }
        }
    }
    let mut keys: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(k, n)| (String::from_utf8_lossy(&k).into_owned(), n))
        .collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keys.truncate(max);
    Ok(keys.into_iter().map(|(k, _)| k).collect())
}

/// Fill `rows.attr` and `rows.attr_values` with each row's value of each of `keys`.
pub fn read_values(searcher: &Searcher, rows: &mut Rows, keys: &[String]) -> Result<()> {
    rows.attr = Vec::with_capacity(keys.len());
    rows.attr_values = Vec::with_capacity(keys.len());
    let mut text = String::new();
    for key in keys {
        let path = format!("attrs.{}", attr_path(key));
        let mut columns = Vec::new();
        for segment in searcher.segment_readers() {
            columns.push(segment.fast_fields().str(&path)?);
        }
        // Per segment: term ordinal → id in `names`, for the values met.
        let mut seen: Vec<HashMap<u64, u32>> = vec![HashMap::new(); columns.len()];
        let mut names = Names::default();
        let mut column_values = Vec::with_capacity(rows.len());
        for i in 0..rows.len() {
            let address = rows.address(i);
            let segment = address.segment_ord as usize;
            let Some(Some(column)) = columns.get(segment) else {
                column_values.push(NO_NAME);
                continue;
            };
            let Some(ord) = column.term_ords(address.doc_id).next() else {
                column_values.push(NO_NAME);
                continue;
            };
            let id = match seen[segment].get(&ord) {
                Some(&id) => id,
                None => {
                    text.clear();
                    column.ord_to_str(ord, &mut text).map_err(index_io)?;
                    let id = names.id(&text);
                    seen[segment].insert(ord, id);
                    id
                }
            };
            column_values.push(id);
        }
        rows.attr.push(column_values);
        rows.attr_values.push(names);
    }
    Ok(())
}

/// Per segment, the documents among `rows` (`None`: none there).
fn matching_docs(searcher: &Searcher, rows: &Rows) -> Vec<Option<BitSet>> {
    let readers = searcher.segment_readers();
    let mut sets: Vec<Option<BitSet>> = vec![None; readers.len()];
    for i in 0..rows.len() {
        let address = rows.address(i);
        let segment = address.segment_ord as usize;
        if let (Some(slot), Some(reader)) = (sets.get_mut(segment), readers.get(segment)) {
            slot.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()))
                .insert(address.doc_id);
        }
    }
    sets
}

fn index_io(e: std::io::Error) -> Error {
    Error::Index(e.into())
}
