//! `format=csv` on the report routes and `/v1/search`: the same selection as CSV.
//!
//! In: the request's URI (for `format`) and the report or the search's query and filters.
//! Out: `text/csv; charset=utf-8` answers with a download name ([`crate::report::export`]:
//! a byte-order mark, a `# filters: …` line, a header row). The comment list is every
//! matching comment (up to [`crate::report::export::MAX_EXPORT_COMMENTS`]), streamed in chunks from the blocking
//! pool; a client that leaves stops the export.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::AppState;
use super::error::ApiError;
use crate::index::search::Filters;
use crate::report::export::comments_csv;

/// The `format` query parameter: `json` (the default) or `csv`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `json` (default) or `csv` (docs/formats.md, "CSV exports").
    pub format: Option<String>,
}

/// Whether the request asks for CSV; a `format` other than `json` or `csv` is a 422 naming it.
pub fn wants_csv(uri: &Uri) -> Result<bool, ApiError> {
    let mut csv = false;
    for pair in uri.query().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "format" {
            continue;
        }
        csv = match value {
            "json" => false,
            "csv" => true,
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(ApiError::field(
                    "format",
                    format!("`{shown}` is not json or csv"),
                ));
            }
        };
    }
    Ok(csv)
}

/// A CSV answer, offered as the download `verbatim-NAME.csv`.
pub fn csv_response(name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"verbatim-{name}.csv\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Every comment matching `q` and `filters` as a streamed CSV answer. Errors found before the
/// first byte (a bad filter, too many matches) are ordinary error answers.
pub async fn comments(state: &AppState, q: String, filters: Filters) -> Result<Response, ApiError> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(4);
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let index = state.index.clone();
    let work = move || {
        let mut started_tx = Some(started_tx);
        let mut sink = |chunk: Vec<u8>| {
            if let Some(s) = started_tx.take() {
                let _ = s.send(());
            }
            tx.blocking_send(chunk).is_ok()
        };
        comments_csv(&index, &q, &filters, &mut sink)
    };
    // On the blocking pool, bounded like every index read; the first chunk (or the error
    // that came before it) decides the answer's status.
    let state = state.clone();
    let runner = tokio::spawn(async move { state.blocking(work).await });
    if started.await.is_err() {
        return Err(match runner.await {
            Ok(Err(e)) => e,
            _ => ApiError::from(crate::Error::Internal("the export stopped".into())),
        });
    }
    // Fused: the compression layer (`super::cors`) polls its body once more after the end,
    // which a bare `unfold` answers with a panic (the connection then closed unanswered).
    let stream =
        futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
            let chunk = rx.recv().await?;
            Some((Ok::<_, Infallible>(Bytes::from(chunk)), rx))
        }));
    Ok(csv_response("comments", Body::from_stream(stream)))
}
