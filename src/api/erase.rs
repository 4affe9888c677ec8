//! `DELETE /v1/customers/{customer_id}/comments`: erasure of every comment of one customer
//! (PIPL / GDPR), behind the write keys like every non-GET `/v1/` route ([`super::auth`]).
//!
//! In: the customer id (one path segment, percent-decoded, matched exactly) and an optional
//! `x-request-id` header. Out: `{"customer_id", "deleted"}` once the deletion is durable and
//! searches no longer see it (0 deleted is a 200 too: erasure is idempotent); a bad id is
//! 422 `invalid_input` naming `customer_id` (blank, over 512 characters, control
//! characters, or dots only, which URLs resolve away). The server's analysis result cache is emptied
//! (it is keyed by comment texts), and one audit line goes to the log (target `verbatim::audit`) with the customer's
//! SHA-256 prefix, the count, the time and the request id ([`crate::index::erase`]).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiPath, ErrorBody};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EraseResponse {
    pub customer_id: String,
    /// Comments deleted (0 when the customer had none).
    pub deleted: u64,
}

/// Delete every comment of a customer; answered once the deletion is durable.
#[utoipa::path(delete, path = "/v1/customers/{customer_id}/comments",
    params(("customer_id" = String, Path, description = "the customer id, exactly as stored")),
    responses((status = 200, body = EraseResponse), (status = 422, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    ApiPath(customer_id): ApiPath<String>,
) -> Result<Json<EraseResponse>, ApiError> {
    crate::index::erase::check("customer_id", &customer_id)?;
    if crate::text::normalize::is_blank(&customer_id.replace('.', "")) {
        // Never reached from a conforming client (`.` and `..` segments are resolved away);
        // refused like the OpenAPI pattern refuses it.
        return Err(crate::comment::field_error(
            "customer_id",
            "dots only: such an id cannot travel in a URL path (use `verbatim erase`)",
        )
        .into());
    }
    let writer = state.writer.clone();
    let erasure = state
        .blocking(move || writer.erase_customer(&customer_id))
        .await?;
    state.pool.cache().clear();
    let request_id = super::access::current();
    let line = erasure.audit_line("api", request_id.as_deref());
    tracing::info!(target: "verbatim::audit", "{line}");
    metrics::counter!("verbatim_comments_erased_total").increment(erasure.deleted);
    Ok(Json(EraseResponse {
        customer_id: erasure.customer_id,
        deleted: erasure.deleted,
    }))
}
