//! Search: the request (query, filters, sort, paging) and the response (total, hits with
//! highlighted snippets and their analysis, facet counts), as `verbatim search` prints them
//! and `GET /v1/search` serves them (docs/cli.md, docs/api.md).
//!
//! In: a [`SearchRequest`], deserializable from JSON and from URL query strings (numbers may
//! come as strings). Out: a [`SearchResponse`]. Facet counts are over everything the query
//! and the filters match, not only the returned page. `mode` picks keyword, semantic or
//! hybrid search ([`super::fusion`]); with semantic hits, totals and facets count keyword
//! ∪ semantic matches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::query::Query;
use tantivy::{DateTime, DocAddress, Order, Searcher};

pub use super::filters::Filters;
use super::fusion::{self, Why};
pub use super::fusion::{Match, Mode, SuggestedTopic};
use super::knn::AddressSet;
pub(crate) use super::lenient;
use super::snippet::{Highlighter, Terms, snippet};
use super::topical::Semantic;
use super::vectors::QueryEncoder;
use super::{CommentIndex, filter_query, query};
use crate::analysis::{Analysis, Label};
use crate::{Error, Result};

/// The most hits one request returns.
pub const MAX_LIMIT: usize = 1000;
/// The deepest page one can ask for.
pub const MAX_OFFSET: usize = 100_000;
/// The most channels listed in the facet counts.
const MAX_CHANNELS: usize = 100;

/// What to search for. Every field is optional; a blank `q` matches every comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRequest {
    /// The query: words, `"phrases"`, `AND`/`OR`/`NOT`; Chinese needs no spaces.
    pub q: String,
    #[serde(flatten)]
    #[param(ignore)]
    pub filters: Filters,
    /// `relevance` (newest first when `q` is blank) or `date` (newest first).
    pub sort: Sort,
    /// `keyword`, `semantic` or `hybrid` (both, fused by reciprocal rank).
    pub mode: Mode,
    #[serde(deserialize_with = "lenient::usize")]
    pub limit: usize,
    #[serde(deserialize_with = "lenient::usize")]
    pub offset: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            sort: Sort::Relevance,
            mode: Mode::Hybrid,
            limit: 20,
            offset: 0,
        }
    }
}

impl SearchRequest {
    /// A request for `q` with no filters.
    pub fn query(q: impl Into<String>) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            ..SearchRequest::default()
        }
    }
}

/// The order of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (newest first when there is no query).
    #[default]
    Relevance,
    /// Newest first; comments without a date come last.
    Date,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// How many comments match (all pages).
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// The search that ran: `hybrid` falls back to `keyword` for a blank query, without
    /// the model, or on an index without vectors.
    #[serde(default)]
    pub mode: Mode,
    /// A topic at least half of the top hits share, to offer as a filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_topic: Option<SuggestedTopic>,
}

/// One matching comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hit {
    pub id: String,
    pub text: String,
    /// Part of the text, HTML-escaped, with `<mark>` around the query's words.
    pub snippet: String,
    pub analysis: Analysis,
    pub created_at: Option<String>,
    pub nps: Option<u8>,
    pub csat: Option<u8>,
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    pub attrs: BTreeMap<String, String>,
    /// Relevance: BM25 (keyword), cosine (semantic) or the fused reciprocal-rank score
    /// (hybrid; out of order where a query's few keyword matches are put first,
    /// [`super::fusion::FEW_WORDS`]); null when sorted by date.
    pub score: Option<f32>,
    /// Why it matched (absent for a blank query).
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Match>,
    /// Its cosine to the query, when it is one of the query's semantic neighbours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// Counts of matching comments by sentiment, topic, language and channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facets {
    pub sentiment: BTreeMap<String, u64>,
    pub topic: BTreeMap<String, u64>,
    pub lang: BTreeMap<String, u64>,
    pub channel: BTreeMap<String, u64>,
}

pub(super) const DIMENSIONS: [&str; 4] = ["sentiment", "topic", "lang", "channel"];

impl CommentIndex {
    /// Run a search on the last reloaded commit, without a model: `mode=hybrid` searches
    /// by keyword, `mode=semantic` is refused ([`CommentIndex::search_with`]).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        self.search_with(request, None)
    }

    /// Run a search, embedding the query with `encoder` for semantic and hybrid modes.
    pub fn search_with(
        &self,
        request: &SearchRequest,
        encoder: Option<&dyn QueryEncoder>,
    ) -> Result<SearchResponse> {
        check_page(request)?;
        let text = query::text_query(self, &request.q)?;
        let terms = self.text_terms(&*text);
        let filter = filter_query::filter_query(&self.fields, &request.filters)?;
        let searcher = self.reader.searcher();
        let (q, mode) = (request.q.as_str(), request.mode);
        let semantic = fusion::neighbours(self, &searcher, mode, q, filter.as_deref(), encoder)?;
        let semantic_hits = semantic.as_ref().map(|s| s.hits()).unwrap_or_default();
        let why = Why::new(&searcher, &*text, &semantic_hits)?;
        let keyword = query::combine(text.box_clone(), filter.as_ref().map(|f| f.box_clone()));
        let query = match &semantic {
            None => keyword.box_clone(),
            Some(_) => {
                let set = AddressSet::new(&searcher, semantic_hits.iter().map(|&(_, a)| a));
                fusion::union(mode, text, filter, set)
            }
        };
        let queries = (&*query, &*keyword);
        let (page, total, counts) = page_of(&searcher, request, queries, semantic.as_ref())?;
        let hits = self.hits_of(&searcher, request, page, &terms, &why)?;
        let facets = facets_of(&counts);
        let blank = request.q.trim().is_empty();
        Ok(SearchResponse {
            total: total as u64,
            suggested_topic: (!blank)
                .then(|| fusion::suggest(&hits, &facets.topic))
                .flatten(),
            hits,
            facets,
            mode: if semantic.is_some() {
                mode
            } else {
                Mode::Keyword
            },
        })
    }

    /// The hits of a page: stored comment, snippet, and (with a query) why each matched.
    fn hits_of(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        page: Vec<(Option<f32>, DocAddress)>,
        terms: &Terms,
        why: &Why,
    ) -> Result<Vec<Hit>> {
        let mut highlighter = Highlighter::default();
        let mut hits = Vec::with_capacity(page.len());
        let blank = request.q.trim().is_empty();
        for (score, address) in page {
            let (matched, similarity) = match blank {
                true => (None, None),
                false => {
                    let (m, s) = why.of(searcher, address)?;
                    (Some(m), s)
                }
            };
            let mut hit = self.hit(searcher, address, terms, &mut highlighter)?;
            (hit.score, hit.matched, hit.similarity) = (score, matched, similarity);
            hits.push(hit);
        }
        Ok(hits)
    }

    /// The hit of a stored comment (no score, no match), its snippet marking `terms`.
    pub(super) fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        terms: &Terms,
        highlighter: &mut Highlighter,
    ) -> Result<Hit> {
        let stored = self.stored(searcher, address)?;
        let c = stored.comment;
        Ok(Hit {
            snippet: snippet(&c.text, terms, highlighter),
            id: c.id,
            text: c.text,
            analysis: stored.analysis,
            created_at: c.created_at,
            nps: c.nps,
            csat: c.csat,
            channel: c.channel,
            customer_id: c.customer_id,
            attrs: c.attrs,
            score: None,
            matched: None,
            similarity: None,
        })
    }

    /// The query a search runs (text and filters), for callers that collect over the same
    /// matches themselves: reports, exports.
    pub fn query(&self, q: &str, filters: &Filters) -> Result<Box<dyn Query>> {
        let text = query::text_query(self, q)?;
        let filter = filter_query::filter_query(&self.fields, filters)?;
        Ok(query::combine(text, filter))
    }

    /// The terms a query looks for in `text` and `chars` (to highlight them).
    fn text_terms(&self, query: &dyn Query) -> Terms {
        let mut terms = Terms::default();
        query.query_terms(&mut |term, _| {
            let set = if term.field() == self.fields.text {
                &mut terms.words
            } else if term.field() == self.fields.chars {
                &mut terms.chars
            } else {
                return;
            };
            if let Some(s) = term.value().as_str() {
                set.insert(s.to_string());
            }
        });
        terms
    }
}

/// `limit` and `offset` within their bounds.
fn check_page(request: &SearchRequest) -> Result<()> {
    if request.limit > MAX_LIMIT {
        return Err(Error::User(format!(
            "`limit`: {} is more than {MAX_LIMIT}",
            request.limit
        )));
    }
    if request.offset > MAX_OFFSET {
        return Err(Error::User(format!(
            "`offset`: {} is more than {MAX_OFFSET}",
            request.offset
        )));
    }
    Ok(())
}

/// A page of hits (score, address), with the total and the facet counts of everything the
/// query matches.
type Page = (Vec<(Option<f32>, DocAddress)>, usize, FacetCounts);

/// The requested page of `query` (keyword ∪ semantic matches when there are semantic hits):
/// by date, by BM25, by the semantic neighbours' similarity, or by their fusion with
/// `keyword`'s ranking.
fn page_of(
    searcher: &Searcher,
    request: &SearchRequest,
    (query, keyword): (&dyn Query, &dyn Query),
    semantic: Option<&Semantic>,
) -> Result<Page> {
    let sort = match request.sort {
        Sort::Relevance if request.q.trim().is_empty() => Sort::Date,
        other => other,
    };
    let mut facets = FacetCollector::for_field("facets");
    for dimension in DIMENSIONS {
        facets.add_facet(format!("/{dimension}").as_str());
    }
    let (offset, limit) = (request.offset, request.limit);
    let top = TopDocs::with_limit(limit.max(1)).and_offset(offset);
    Ok(match (semantic, sort) {
        _ if limit == 0 => {
            let (total, counts) = searcher.search(query, &(Count, facets))?;
            (Vec::new(), total, counts)
        }
        (Some(semantic), Sort::Relevance) => {
            let (total, counts) = searcher.search(query, &(Count, facets))?;
            let ranked = match request.mode {
                Mode::Semantic => semantic.near.clone(),
                _ => fusion::hybrid(searcher, keyword, semantic, offset + limit)?,
            };
            let page = ranked.into_iter().skip(offset).take(limit);
            (page.map(|(s, a)| (Some(s), a)).collect(), total, counts)
        }
        (_, Sort::Relevance) => {
            let (docs, total, counts) =
                searcher.search(query, &(top.order_by_score(), Count, facets))?;
            let docs = docs.into_iter().map(|(s, a)| (Some(s), a)).collect();
            (docs, total, counts)
        }
        (_, Sort::Date) => {
            let by_date = top.order_by_fast_field::<DateTime>("created_at", Order::Desc);
            let (docs, total, counts) = searcher.search(query, &(by_date, Count, facets))?;
            let docs = docs.into_iter().map(|(_, a)| (None, a)).collect();
            (docs, total, counts)
        }
    })
}

pub(super) fn facets_of(counts: &FacetCounts) -> Facets {
    let children = |dimension: &str| -> BTreeMap<String, u64> {
        counts
            .get(format!("/{dimension}").as_str())
            .filter_map(|(facet, n)| Some((facet.to_path().last()?.to_string(), n)))
            .collect()
    };
    let mut sentiment: BTreeMap<String, u64> = Label::ALL
        .iter()
        .map(|l| (l.as_str().to_string(), 0))
        .collect();
    sentiment.extend(children("sentiment"));
    let channel = counts
        .top_k("/channel", MAX_CHANNELS)
        .into_iter()
        .filter_map(|(facet, n)| Some((facet.to_path().last()?.to_string(), n)))
        .collect();
    Facets {
        sentiment,
        topic: children("topic"),
        lang: children("lang"),
        channel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_from_json_with_numbers_as_strings() {
        let r: SearchRequest = serde_json::from_str(
            r#"{"q": "发票", "sentiment": "negative", "score_max": "-0.2",
                "limit": "5", "attrs": "region=华东", "sort": "date"}"#,
        )
        .unwrap();
        assert_eq!(r.limit, 5);
        assert_eq!(r.filters.score_max, Some(-0.2));
        assert_eq!(r.filters.attrs, ["region=华东"]);
        assert_eq!(r.sort, Sort::Date);
        assert_eq!(r.offset, 0);
        let r: SearchRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r, SearchRequest::default());
        let err = serde_json::from_str::<SearchRequest>(r#"{"limit": "-1"}"#).unwrap_err();
        assert!(err.to_string().contains("not a whole number"), "{err}");
        // An empty number is refused, not read as absent.
        let err = serde_json::from_str::<SearchRequest>(r#"{"score_min": " "}"#).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
