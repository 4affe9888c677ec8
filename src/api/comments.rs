//! `POST /v1/comments` (analyse and store, answered once durable), `GET` and `DELETE
//! /v1/comments/{id}`. Stored texts have their PII masked first (the writer's redaction,
//! all types unless `serve --redact` says otherwise); each analysis lists what was masked.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::analyze::check_inputs;
use super::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::analysis::{Analysis, Input};
use crate::comment::Comment;
use crate::index::StoredComment;

/// The most comments one call may store.
pub const MAX_ITEMS: usize = 1000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    pub items: Vec<Comment>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Comments stored, durable when this answer is sent: one per distinct id (a later item
    /// with an id already in the batch replaces the earlier one).
    pub stored: usize,
    pub analyses: Vec<Analysis>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeleteResponse {
    pub deleted: String,
}

/// Analyse and store comments; an id already stored is replaced. Nothing is written when
/// any item is invalid; an id given twice in one call is applied in order (the last wins;
/// `stored` counts distinct ids).
#[utoipa::path(post, path = "/v1/comments", request_body = IngestRequest,
    responses((status = 200, body = IngestResponse), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn ingest(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<IngestRequest>,
) -> Result<Json<IngestResponse>, ApiError> {
    let comments = request.items;
    for (i, c) in comments.iter().enumerate().take(MAX_ITEMS) {
        c.validate_at(&format!("items[{i}].")).map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                e.to_string(),
            )
        })?;
    }
    check_inputs("items", &inputs_of(&comments), MAX_ITEMS)?;
    let stored = distinct_ids(&comments);
    let masked = state.writer.mask(comments);
    let analyses = state.pool.analyze(masked.inputs()).await?;
    let writer = state.writer.clone();
    let analyses = state
        .blocking(move || {
            let (analyses, last) = writer.store(masked, analyses, None)?;
            if let Some(stamp) = last {
                writer.commit_through(stamp)?;
            }
            Ok(analyses)
        })
        .await?;
    metrics::counter!("verbatim_comments_stored_total").increment(stored as u64);
    Ok(Json(IngestResponse { stored, analyses }))
}

fn inputs_of(comments: &[Comment]) -> Vec<Input> {
    comments.iter().map(Comment::input).collect()
}

/// How many comments a batch leaves stored: one per distinct id, since a later item with
/// the same id replaces the earlier one (the batch is applied in order, as an upsert).
fn distinct_ids(comments: &[Comment]) -> usize {
    comments
        .iter()
        .map(|c| c.id.as_str())
        .collect::<HashSet<_>>()
        .len()
}

/// One stored comment with its analysis.
#[utoipa::path(get, path = "/v1/comments/{id}", params(("id" = String, Path, description = "comment id")),
    responses((status = 200, body = StoredComment), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StoredComment>, ApiError> {
    let index = state.index.clone();
    let found = state
        .blocking(move || index.get(&id).map(|c| (id, c)))
        .await?;
    match found {
        (_, Some(c)) => Ok(Json(c)),
        (id, None) => Err(ApiError::not_found(format!("no comment with id `{id}`"))),
    }
}

/// Delete a comment; answered once the deletion is durable.
#[utoipa::path(delete, path = "/v1/comments/{id}", params(("id" = String, Path, description = "comment id")),
    responses((status = 200, body = DeleteResponse), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DeleteResponse>, ApiError> {
    let (index, writer) = (state.index.clone(), state.writer.clone());
    let deleted = state
        .blocking(move || {
            if index.get(&id)?.is_none() {
                return Ok(Err(id));
            }
            writer.delete(&id)?;
            Ok(Ok(id))
        })
        .await?;
    match deleted {
        Ok(id) => Ok(Json(DeleteResponse { deleted: id })),
        Err(id) => Err(ApiError::not_found(format!("no comment with id `{id}`"))),
    }
}
