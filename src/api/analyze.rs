//! `POST /v1/analyze`: stateless analysis of up to [`MAX_TEXTS`] texts.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson, ErrorBody};
use crate::analysis::{Analysis, Input};
use crate::analyze::is_blank;
use crate::comment::MAX_TEXT_BYTES;
use crate::text::pii::{self, Redaction};

/// The most texts one call may analyse.
pub const MAX_TEXTS: usize = 256;

/// Either plain texts or items with ids (echoed back in each analysis).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    #[serde(default)]
    pub texts: Option<Vec<String>>,
    #[serde(default)]
    pub items: Option<Vec<Input>>,
    /// Mask PII before analysing (default false); each analysis then gives the masked text
    /// (`redacted`) and what was masked (`pii`).
    #[serde(default)]
    pub redact: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnalyzeResponse {
    /// One analysis per text, in order.
    pub analyses: Vec<Analysis>,
}

/// Analyse texts without storing them.
#[utoipa::path(post, path = "/v1/analyze", request_body = AnalyzeRequest,
    responses((status = 200, body = AnalyzeResponse), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn analyze(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AnalyzeRequest>,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    let (field, inputs) = match (request.texts, request.items) {
        (Some(texts), None) => ("texts", texts.into_iter().map(Input::new).collect()),
        (None, Some(items)) => ("items", items),
        _ => {
            return Err(ApiError::field(
                "texts",
                "give either `texts` (strings) or `items` ({id, text}), not both or neither",
            ));
        }
    };
    let mut inputs: Vec<Input> = inputs;
    check_inputs(field, &inputs, MAX_TEXTS)?;
    let masked = request
        .redact
        .then(|| pii::redact_inputs(&mut inputs, Redaction::ALL));
    let kept = masked.as_ref().map(|_| inputs.clone());
    let mut analyses = state.pool.analyze(inputs).await?;
    if let (Some(masked), Some(kept)) = (masked, kept) {
        pii::record(&mut analyses, &kept, masked);
    }
    Ok(Json(AnalyzeResponse { analyses }))
}

/// Count, size and emptiness of the texts, each error naming its item.
pub fn check_inputs(field: &str, inputs: &[Input], max: usize) -> Result<(), ApiError> {
    if inputs.is_empty() {
        return Err(ApiError::field(field, "the list is empty"));
    }
    if inputs.len() > max {
        return Err(ApiError::too_large(format!(
            "field `{field}`: {} items, more than the {max} allowed in one call",
            inputs.len()
        )));
    }
    for (i, input) in inputs.iter().enumerate() {
        let name = format!("{field}[{i}]");
        if input.text.len() > MAX_TEXT_BYTES {
            return Err(ApiError::too_large(format!(
                "field `{name}`: {} bytes, more than the {MAX_TEXT_BYTES} allowed",
                input.text.len()
            )));
        }
        if is_blank(&input.text) {
            return Err(ApiError::field(
                &name,
                "empty text (only whitespace or invisible characters)",
            ));
        }
    }
    Ok(())
}
