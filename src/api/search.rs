//! `GET /v1/search`: query parameters in, the library's search response out (the same JSON
//! as `verbatim search --format json`); `mode` picks keyword, semantic or hybrid search, the
//! query embedded by the server's analyzer. `GET /v1/comments/{id}/similar`: the comments
//! nearest in meaning to one ("more like this"), with the same filters.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody, KnownParams};
use super::queries::CachedQueries;
use crate::index::search::{Filters, lenient};
use crate::index::{QueryEncoder, SearchRequest, SearchResponse};

/// The parameters whose empty value the library judges: a blank `q` is every comment; an
/// empty filter is refused naming the values it takes (the same check the CLI gets).
pub(super) const CHECKED_WHEN_EMPTY: &[&str] = &[
    "q",
    "sentiment",
    "topic",
    "lang",
    "channel",
    "from",
    "to",
    "attrs",
];

impl KnownParams for SearchRequest {
    const PARAMS: &'static [&'static str] =
        filtered_params!["sort", "mode", "limit", "offset", "format"];
    const EMPTY_PASSED_ON: &'static [&'static str] = CHECKED_WHEN_EMPTY;
}

/// Search by words, meaning or both, with filters and facet counts.
/// With `format=csv`: every comment the words and filters match, as CSV (`super::export`;
/// `mode` does not apply: an export is the keyword set, never a ranked cut).
#[utoipa::path(get, path = "/v1/search", params(SearchRequest, Filters, super::export::FormatParam),
    responses((status = 200, description = "the page of hits (JSON), or with `format=csv` every matching comment as CSV",
        content((SearchResponse = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    ApiQuery(request): ApiQuery<SearchRequest>,
) -> Result<axum::response::Response, ApiError> {
    if super::export::wants_csv(&uri)? {
        return super::export::comments(&state, request.q, request.filters).await;
    }
    let index = state.index.clone();
    let queries = CachedQueries {
        analyzer: state.analyzer.clone(),
        cache: state.queries.clone(),
    };
    let work = move || index.search_with(&request, Some(&queries as &dyn QueryEncoder));
    let found = state.blocking(work).await?;
    Ok(axum::response::IntoResponse::into_response(Json(found)))
}

/// The page and filters of `GET /v1/comments/{id}/similar`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SimilarRequest {
    #[serde(flatten)]
    #[param(ignore)]
    pub filters: Filters,
    #[serde(deserialize_with = "lenient::usize")]
    pub limit: usize,
    #[serde(deserialize_with = "lenient::usize")]
    pub offset: usize,
}

impl Default for SimilarRequest {
    fn default() -> Self {
        SimilarRequest {
            filters: Filters::default(),
            limit: 20,
            offset: 0,
        }
    }
}

impl KnownParams for SimilarRequest {
    const PARAMS: &'static [&'static str] = &[
        "sentiment",
        "topic",
        "lang",
        "channel",
        "from",
        "to",
        "score_min",
        "score_max",
        "customer_id",
        "attrs",
        "tz",
        "limit",
        "offset",
    ];
    const EMPTY_PASSED_ON: &'static [&'static str] = CHECKED_WHEN_EMPTY;
}

/// The comments nearest in meaning to comment `id` (it left out), within the filters.
#[utoipa::path(get, path = "/v1/comments/{id}/similar",
    params(("id" = String, Path, description = "comment id"), SimilarRequest, Filters),
    responses((status = 200, body = SearchResponse), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(request): ApiQuery<SimilarRequest>,
) -> Result<Json<SearchResponse>, ApiError> {
    let index = state.index.clone();
    let work = move || {
        let found = index.similar(&id, &request.filters, request.limit, request.offset)?;
        Ok(found.ok_or(id))
    };
    match state.blocking(work).await? {
        Ok(response) => Ok(Json(response)),
        Err(id) => Err(ApiError::not_found(format!("no comment with id `{id}`"))),
    }
}
