//! `GET /v1/reports/drivers|pain-points|trends|summary|compare|segments`: the search's filters plus the
//! report's parameters in, the library's report types out (the same JSON as `verbatim report
//! ... --format json`). `/v1/reports/discover` also runs the encoder (on the blocking pool).

use axum::extract::State;
use axum::Json;

use super::error::{ApiError, ApiQuery, ErrorBody, KnownParams};
use super::AppState;
use crate::index::search::Filters;
use crate::index::CommentIndex;
use crate::report::{
    self, CompareReport, CompareRequest, DiscoverReport, DiscoverRequest, DriversReport,
    PainPointsReport, ReportRequest, SegmentsReport, SegmentsRequest, SummaryReport, TrendsReport,
};

impl KnownParams for ReportRequest {
    const PARAMS: &'static [&'static str] =
        filtered_params!["score", "by", "interval", "min_support", "limit"];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Key drivers of NPS or CSAT.
#[utoipa::path(get, path = "/v1/reports/drivers", params(ReportRequest, Filters),
    responses((status = 200, body = DriversReport), (status = 422, body = ErrorBody)))]
pub async fn drivers(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Json<DriversReport>, ApiError> {
    run(state, request, report::drivers).await
}

/// Pain points with example comments.
#[utoipa::path(get, path = "/v1/reports/pain-points", params(ReportRequest, Filters),
    responses((status = 200, body = PainPointsReport), (status = 422, body = ErrorBody)))]
pub async fn pain_points(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Json<PainPointsReport>, ApiError> {
    run(state, request, report::pain_points).await
}

/// Per-period trends and emerging topics and keywords.
#[utoipa::path(get, path = "/v1/reports/trends", params(ReportRequest, Filters),
    responses((status = 200, body = TrendsReport), (status = 422, body = ErrorBody)))]
pub async fn trends(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Json<TrendsReport>, ApiError> {
    run(state, request, report::trends).await
}

/// Counts, NPS, CSAT, sentiment and topics, with breakdowns.
#[utoipa::path(get, path = "/v1/reports/summary", params(ReportRequest, Filters),
    responses((status = 200, body = SummaryReport), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Json<SummaryReport>, ApiError> {
    run(state, request, report::summary).await
}

impl KnownParams for CompareRequest {
    const PARAMS: &'static [&'static str] = filtered_params![
        "score",
        "by",
        "interval",
        "min_support",
        "limit",
        "vs_from",
        "vs_to",
        "segment",
        "vs_segment"
    ];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

impl KnownParams for SegmentsRequest {
    const PARAMS: &'static [&'static str] = filtered_params!["by", "score", "min_support"];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Period A against period B, or segment A against segment B.
#[utoipa::path(get, path = "/v1/reports/compare", params(CompareRequest, ReportRequest, Filters),
    responses((status = 200, body = CompareReport), (status = 422, body = ErrorBody)))]
pub async fn compare(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<CompareRequest>,
) -> Result<Json<CompareReport>, ApiError> {
    run(state, request, report::compare).await
}

/// One row per channel, language or attribute value, worst first, with its drivers.
#[utoipa::path(get, path = "/v1/reports/segments", params(SegmentsRequest, Filters),
    responses((status = 200, body = SegmentsReport), (status = 422, body = ErrorBody)))]
pub async fn segments(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<SegmentsRequest>,
) -> Result<Json<SegmentsReport>, ApiError> {
    run(state, request, report::segments).await
}

impl KnownParams for DiscoverRequest {
    const PARAMS: &'static [&'static str] =
        filtered_params!["score", "min_size", "limit", "sample", "max_confidence"];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Themes of the uncategorised comments, each with a proposed `[[topic]]` block.
#[utoipa::path(get, path = "/v1/reports/discover", params(DiscoverRequest, Filters),
    responses((status = 200, body = DiscoverReport), (status = 422, body = ErrorBody)))]
pub async fn discover(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<DiscoverRequest>,
) -> Result<Json<DiscoverReport>, ApiError> {
    let (index, analyzer) = (state.index.clone(), state.analyzer.clone());
    let work = move || report::discover(&index, &analyzer, &request);
    Ok(Json(state.blocking(work).await?))
}

/// Build one report on the blocking pool (bounded, timed out: [`AppState::blocking`]).
async fn run<Q: Send + 'static, R: Send + 'static>(
    state: AppState,
    request: Q,
    build: fn(&CommentIndex, &Q) -> crate::Result<R>,
) -> Result<Json<R>, ApiError> {
    let index = state.index.clone();
    Ok(Json(state.blocking(move || build(&index, &request)).await?))
}
