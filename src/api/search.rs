//! `GET /v1/search`: query parameters in, the library's search response out (the same JSON
//! as `verbatim search --format json`).

use axum::extract::State;
use axum::Json;

use super::error::{ApiError, ApiQuery, ErrorBody, KnownParams};
use super::AppState;
use crate::index::search::Filters;
use crate::index::{SearchRequest, SearchResponse};

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
    const PARAMS: &'static [&'static str] = filtered_params!["sort", "limit", "offset"];
    const EMPTY_PASSED_ON: &'static [&'static str] = CHECKED_WHEN_EMPTY;
}

/// Full-text search with filters and facet counts.
#[utoipa::path(get, path = "/v1/search", params(SearchRequest, Filters),
    responses((status = 200, body = SearchResponse), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<SearchRequest>,
) -> Result<Json<SearchResponse>, ApiError> {
    let index = state.index.clone();
    Ok(Json(state.blocking(move || index.search(&request)).await?))
}
