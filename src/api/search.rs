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
    const PARAMS: &'static [&'static str] = filtered_params!["sort", "limit", "offset", "format"];
    const EMPTY_PASSED_ON: &'static [&'static str] = CHECKED_WHEN_EMPTY;
}

/// Full-text search with filters and facet counts.
/// With `format=csv`: every matching comment as CSV (`super::export`).
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
    let found = state.blocking(move || index.search(&request)).await?;
    Ok(axum::response::IntoResponse::into_response(Json(found)))
}
