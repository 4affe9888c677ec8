//! `POST /v1/admin/reanalyze` (write keys) starts a re-analysis of the served index in the
//! background ([`crate::index::reanalyze`]): every comment whose analysis version is not the
//! server's model and taxonomy is analysed again, in batches, each committed through the
//! server's own writer (which holds the index's write lock for the server's life, so the
//! CLI cannot run beside it). Searches, reports and writes go on meanwhile: a batch holds
//! other writes off only while it is written and committed, never while it is analysed.
//! `GET /v1/admin/reanalyze` tells where the run stands; `/metrics` counts
//! `verbatim_reanalyzed_total` and gauges `verbatim_reanalyze_remaining`.
//!
//! In: `batch` (1–10000, default 64: small, so that the encoder is not held long) and
//! `limit` (0: all) as query parameters. Out: 202 with the status, 409 while a run is going
//! on, 422 naming the parameter, or the way forward on an index too old to record versions.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiQuery, ErrorBody, KnownParams};
use crate::index::reanalyze::{
    MAX_BATCH, ReanalyzeOptions, ReanalyzeReport, check_supported, reanalyze,
};

/// Where a re-analysis stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// None started since the server started.
    #[default]
    Idle,
    Running,
    Done,
    Failed,
}

/// The state of the server's re-analysis and its counts (all committed).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReanalyzeStatus {
    pub state: JobState,
    /// The counts so far (the version comments are brought to: the server's model and
    /// taxonomy).
    #[serde(flatten)]
    pub progress: ReanalyzeReport,
    /// Why the run failed (`failed` only); committed batches are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The server's one re-analysis job.
#[derive(Debug, Default)]
pub struct Job {
    status: Mutex<ReanalyzeStatus>,
}

impl Job {
    fn snapshot(&self) -> ReanalyzeStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut ReanalyzeStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }
}

/// The parameters of `POST /v1/admin/reanalyze`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReanalyzeParams {
    /// Comments analysed and committed together, 1–10000.
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub batch: usize,
    /// Stop after this many comments (0: all; at most 4294967295).
    #[serde(deserialize_with = "crate::index::search::lenient::usize")]
    pub limit: usize,
}

impl Default for ReanalyzeParams {
    fn default() -> Self {
        ReanalyzeParams {
            batch: 64,
            limit: 0,
        }
    }
}

impl KnownParams for ReanalyzeParams {
    const PARAMS: &'static [&'static str] = &["batch", "limit"];
}

/// Start re-analysing the comments of another model or taxonomy, in the background.
#[utoipa::path(post, path = "/v1/admin/reanalyze", operation_id = "reanalyze_start", params(ReanalyzeParams),
    responses((status = 202, body = ReanalyzeStatus, description = "started; poll GET /v1/admin/reanalyze"),
              (status = 409, body = ErrorBody, description = "a re-analysis is already running"),
              (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ReanalyzeParams>,
) -> Result<(StatusCode, Json<ReanalyzeStatus>), ApiError> {
    if !(1..=MAX_BATCH).contains(&params.batch) {
        return Err(ApiError::field(
            "batch",
            format!("{} is not between 1 and {MAX_BATCH}", params.batch),
        ));
    }
    check_supported(&state.index)?;
    let job = state.reanalyze.clone();
    {
        let mut status = job
            .status
            .lock()
            .map_err(|_| ApiError::internal("reanalyze status lock poisoned"))?;
        if status.state == JobState::Running {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "a re-analysis is already running: see GET /v1/admin/reanalyze",
            ));
        }
        *status = ReanalyzeStatus {
            state: JobState::Running,
            ..ReanalyzeStatus::default()
        };
    }
    let options = ReanalyzeOptions {
        batch: params.batch,
        limit: (params.limit > 0).then_some(params.limit as u64),
    };
    let (writer, analyzer) = (state.writer.clone(), state.analyzer.clone());
    let runner = job.clone();
    std::thread::Builder::new()
        .name("reanalyze".into())
        .spawn(move || run(&runner, &writer, &analyzer, options))
        .map_err(|e| ApiError::internal(format!("start the reanalyze thread: {e}")))?;
    Ok((StatusCode::ACCEPTED, Json(job.snapshot())))
}

fn run(
    job: &Arc<Job>,
    writer: &crate::index::CommentWriter,
    analyzer: &crate::analyze::Analyzer,
    options: ReanalyzeOptions,
) {
    let mut counted = 0;
    let result = reanalyze(writer, analyzer, options, |r| {
        metrics::counter!("verbatim_reanalyzed_total").increment(r.reanalyzed - counted);
        metrics::gauge!("verbatim_reanalyze_remaining").set(r.remaining as f64);
        counted = r.reanalyzed;
        job.update(|s| s.progress.clone_from(r));
    });
    job.update(|s| match result {
        Ok(r) => {
            s.progress.clone_from(&r);
            s.state = JobState::Done;
            metrics::gauge!("verbatim_reanalyze_remaining").set(r.remaining as f64);
            tracing::info!(
                reanalyzed = r.reanalyzed,
                remaining = r.remaining,
                version = %r.version,
                "reanalyze finished"
            );
        }
        Err(e) => {
            tracing::error!("reanalyze failed: {e}");
            s.state = JobState::Failed;
            s.error = Some(match e {
                crate::Error::User(m) => m,
                _ => "internal error (details are in the server log)".into(),
            });
        }
    });
}

/// Where the server's re-analysis stands.
#[utoipa::path(get, path = "/v1/admin/reanalyze", operation_id = "reanalyze_status",
    responses((status = 200, body = ReanalyzeStatus)))]
pub async fn status(State(state): State<AppState>) -> Json<ReanalyzeStatus> {
    Json(state.reanalyze.snapshot())
}
