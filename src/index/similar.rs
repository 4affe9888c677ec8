//! "More like this": the comments whose stored vectors are nearest a given comment's.
//!
//! In: a comment id, the search filters and a page (`limit`, `offset`). Out: a
//! [`SearchResponse`] of its neighbours (cosine ≥ [`FLOOR`], at most [`SEMANTIC_K`], the
//! comment itself left out), best first, every hit `match: semantic`; totals and facets
//! count the neighbours. `None` when no comment has the id; an error naming `id` when the
//! comment has no stored vector (an index made before vectors, or without the model).
//! [`CommentIndex::neighbours`] gives the ids nearest any vector (evaluation, benches).

use tantivy::Term;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::IndexRecordOption;

use super::filters::Filters;
use super::fusion::{FLOOR, Match, Mode, SEMANTIC_K};
use super::knn::{self, AddressSet};
use super::search::{DIMENSIONS, MAX_LIMIT, MAX_OFFSET, facets_of};
use super::snippet::{Highlighter, Terms};
use super::vectors::{FIELD, Quantized};
use super::{CommentIndex, SearchResponse, filter_query};
use crate::{Error, Result};

impl CommentIndex {
    /// The ids of the (at most `k`) comments whose vectors are nearest `vector` with cosine
    /// ≥ `floor`, within `filters`, best first.
    pub fn neighbours(
        &self,
        vector: &[f32],
        filters: &Filters,
        k: usize,
        floor: f32,
    ) -> Result<Vec<(f32, String)>> {
        let searcher = self.reader.searcher();
        let filter = filter_query::filter_query(&self.fields, filters)?;
        let filter = filter.unwrap_or_else(|| Box::new(AllQuery));
        let query = self.semantic_query(&searcher, vector)?;
        let near = knn::nearest(&searcher, &*filter, &query, k, floor)?;
        let mut out = Vec::with_capacity(near.len());
        for (cosine, address) in near {
            out.push((cosine, self.stored(&searcher, address)?.comment.id));
        }
        Ok(out)
    }

    /// The comments nearest in meaning to comment `id`, within `filters`.
    pub fn similar(
        &self,
        id: &str,
        filters: &Filters,
        limit: usize,
        offset: usize,
    ) -> Result<Option<SearchResponse>> {
        if limit > MAX_LIMIT || offset > MAX_OFFSET {
            let (name, n, max) = match limit > MAX_LIMIT {
                true => ("limit", limit, MAX_LIMIT),
                false => ("offset", offset, MAX_OFFSET),
            };
            return Err(Error::User(format!("`{name}`: {n} is more than {max}")));
        }
        let searcher = self.reader.searcher();
        let by_id = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(&by_id, &TopDocs::with_limit(1).order_by_score())?;
        let Some(&(_, own)) = top.first() else {
            return Ok(None);
        };
        let segment = searcher.segment_reader(own.segment_ord);
        let mut bytes = Vec::new();
        let stored = match segment.fast_fields().bytes(FIELD)? {
            Some(column) => match column.term_ords(own.doc_id).next() {
                Some(ord) => column
                    .ord_to_bytes(ord, &mut bytes)
                    .map_err(|e| Error::io(&self.path, e))?,
                None => false,
            },
            None => false,
        };
        let vector = Quantized::from_bytes(&bytes)
            .filter(|_| stored)
            .ok_or_else(|| {
                Error::User(format!(
                    "`id`: comment `{id}` has no stored vector (ingest it again with the model)"
                ))
            })?;
        let filter = filter_query::filter_query(&self.fields, filters)?;
        let filter = filter.unwrap_or_else(|| Box::new(AllQuery));
        let query = self.semantic_query(&searcher, &vector.to_floats())?;
        let mut near = knn::nearest(&searcher, &*filter, &query, SEMANTIC_K + 1, FLOOR)?;
        near.retain(|&(_, a)| a != own);
        near.truncate(SEMANTIC_K);

        let mut facets = FacetCollector::for_field("facets");
        for dimension in DIMENSIONS {
            facets.add_facet(format!("/{dimension}").as_str());
        }
        let set = AddressSet::new(&searcher, near.iter().map(|&(_, a)| a));
        let (total, counts) = searcher.search(&set, &(Count, facets))?;
        let (terms, mut highlighter) = (Terms::default(), Highlighter::default());
        let mut hits = Vec::new();
        for &(cosine, address) in near.iter().skip(offset).take(limit) {
            let mut hit = self.hit(&searcher, address, &terms, &mut highlighter)?;
            (hit.score, hit.matched, hit.similarity) =
                (Some(cosine), Some(Match::Semantic), Some(cosine));
            hits.push(hit);
        }
        Ok(Some(SearchResponse {
            total: total as u64,
            hits,
            facets: facets_of(&counts),
            mode: Mode::Semantic,
            suggested_topic: None,
        }))
    }
}
