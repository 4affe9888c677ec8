//! `GET /v1/reports/drivers|pain-points|trends|summary|compare|segments`: the search's filters plus the
//! report's parameters in, the library's report types out (the same JSON as `verbatim report
//! ... --format json`), or with `format=csv` the report's table as CSV (`super::export`).
//! `/v1/reports/discover` also runs the encoder (on the blocking pool).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::error::{ApiError, ApiQuery, ErrorBody, KnownParams};
use super::export::{FormatParam, csv_response, wants_csv};
use crate::index::CommentIndex;
use crate::index::search::Filters;
use crate::report::export::{filters_line, table_csv};
use crate::report::{
    self, CompareReport, CompareRequest, DiscoverReport, DiscoverRequest, DriversReport,
    PainPointsReport, ReportRequest, SegmentsReport, SegmentsRequest, SummaryReport, Table,
    TrendsReport,
};

impl KnownParams for ReportRequest {
    const PARAMS: &'static [&'static str] =
        filtered_params!["score", "by", "interval", "min_support", "limit", "format"];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Key drivers of NPS or CSAT.
#[utoipa::path(get, path = "/v1/reports/drivers", params(ReportRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((DriversReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn drivers(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "drivers",
        request,
        report::drivers,
        DriversReport::table,
    )
    .await
}

/// Pain points with example comments.
#[utoipa::path(get, path = "/v1/reports/pain-points", params(ReportRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((PainPointsReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn pain_points(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "pain-points",
        request,
        report::pain_points,
        PainPointsReport::table,
    )
    .await
}

/// Per-period trends and emerging topics and keywords.
#[utoipa::path(get, path = "/v1/reports/trends", params(ReportRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((TrendsReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn trends(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "trends",
        request,
        report::trends,
        TrendsReport::table,
    )
    .await
}

/// Counts, NPS, CSAT, sentiment and topics, with breakdowns.
#[utoipa::path(get, path = "/v1/reports/summary", params(ReportRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((SummaryReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<ReportRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "summary",
        request,
        report::summary,
        SummaryReport::table,
    )
    .await
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
        "vs_segment",
        "format"
    ];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

impl KnownParams for SegmentsRequest {
    const PARAMS: &'static [&'static str] =
        filtered_params!["by", "score", "min_support", "format"];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Period A against period B, or segment A against segment B.
#[utoipa::path(get, path = "/v1/reports/compare", params(CompareRequest, ReportRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((CompareReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn compare(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<CompareRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "compare",
        request,
        report::compare,
        CompareReport::table,
    )
    .await
}

/// One row per channel, language or attribute value, worst first, with its drivers.
#[utoipa::path(get, path = "/v1/reports/segments", params(SegmentsRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((SegmentsReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn segments(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<SegmentsRequest>,
) -> Result<Response, ApiError> {
    run(
        state,
        &uri,
        "segments",
        request,
        report::segments,
        SegmentsReport::table,
    )
    .await
}

impl KnownParams for DiscoverRequest {
    const PARAMS: &'static [&'static str] = filtered_params![
        "score",
        "min_size",
        "limit",
        "sample",
        "max_confidence",
        "format"
    ];
    const EMPTY_PASSED_ON: &'static [&'static str] = super::search::CHECKED_WHEN_EMPTY;
}

/// Themes of the uncategorised comments, each with a proposed `[[topic]]` block.
#[utoipa::path(get, path = "/v1/reports/discover", params(DiscoverRequest, Filters, FormatParam),
    responses((status = 200, description = "the report (JSON), or its table as CSV with `format=csv`",
        content((DiscoverReport = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn discover(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(request): ApiQuery<DiscoverRequest>,
) -> Result<Response, ApiError> {
    let csv = wants_csv(&uri)?;
    let (index, analyzer) = (state.index.clone(), state.analyzer.clone());
    let work = move || {
        let r = report::discover(&index, &analyzer, &request)?;
        answer(csv, &filters_line(&request), r, DiscoverReport::table)
    };
    finish(csv, "discover", state.blocking(work).await?)
}

/// Build one report on the blocking pool (bounded, timed out: [`AppState::blocking`]), as
/// JSON or, with `format=csv`, as its table in CSV.
async fn run<Q: Serialize + Send + 'static, R: Serialize + Send + 'static>(
    state: AppState,
    uri: &Uri,
    name: &str,
    request: Q,
    build: fn(&CommentIndex, &Q) -> crate::Result<R>,
    table: fn(&R) -> Table,
) -> Result<Response, ApiError> {
    let csv = wants_csv(uri)?;
    let index = state.index.clone();
    let work = move || {
        answer(
            csv,
            &filters_line(&request),
            build(&index, &request)?,
            table,
        )
    };
    finish(csv, name, state.blocking(work).await?)
}

/// The report as JSON bytes, or as CSV made with the request recorded in `line`.
fn answer<R: Serialize>(
    csv: bool,
    line: &str,
    r: R,
    table: fn(&R) -> Table,
) -> crate::Result<Vec<u8>> {
    if csv {
        table_csv(line, &table(&r))
    } else {
        serde_json::to_vec(&r).map_err(|e| crate::Error::Internal(format!("report JSON: {e}")))
    }
}

fn finish(csv: bool, name: &str, body: Vec<u8>) -> Result<Response, ApiError> {
    if csv {
        return Ok(csv_response(name, Body::from(body)));
    }
    let mut response = Body::from(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
