//! Operations and metadata: `/healthz`, `/readyz`, `/metrics` (Prometheus text),
//! `/openapi.json` (generated from the Rust types by utoipa) and `GET /v1/taxonomy`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::AppState;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    /// Comments in the index (readyz).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<u64>,
    /// Requests waiting for analysis (readyz).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<usize>,
}

/// A topic in force.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopicView {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub seeds_zh: Vec<String>,
    pub seeds_en: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxonomyResponse {
    pub topics: Vec<TopicView>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        comments: None,
        queue: None,
    })
}

/// The model and the index are loaded (the server only listens once they are).
#[utoipa::path(get, path = "/readyz", responses((status = 200, body = Health)))]
pub async fn readyz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ready".into(),
        comments: Some(state.index.num_comments()),
        queue: Some(state.pool.waiting()),
    })
}

/// Prometheus metrics.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!("verbatim_comments").set(state.index.num_comments() as f64);
    metrics::gauge!("verbatim_queue_waiting").set(state.pool.waiting() as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render()
            + &cache_metrics(state.pool.cache().stats())
            + &query_metrics(state.queries.counts()),
    )
}

/// The server's own result-cache counts (not the process-wide recorder's, which every
/// server in a process shares).
fn cache_metrics(stats: crate::analyze::CacheStats) -> String {
    format!(
        "\n# HELP verbatim_analysis_cache_hits_total Texts analysed without the encoder (a recent or batch-mate text with the same normalized text)\n\
         # TYPE verbatim_analysis_cache_hits_total counter\n\
         verbatim_analysis_cache_hits_total {}\n\
         # HELP verbatim_analysis_cache_misses_total Texts encoded\n\
         # TYPE verbatim_analysis_cache_misses_total counter\n\
         verbatim_analysis_cache_misses_total {}\n\
         # HELP verbatim_analysis_cache_entries Texts whose results the cache holds\n\
         # TYPE verbatim_analysis_cache_entries gauge\n\
         verbatim_analysis_cache_entries {}\n",
        stats.hits, stats.misses, stats.entries
    )
}

/// The server's search-query cache counts ([`super::queries`]).
fn query_metrics((hits, misses): (u64, u64)) -> String {
    format!(
        "# HELP verbatim_query_cache_hits_total Search queries whose vector and topics came from the cache\n\
         # TYPE verbatim_query_cache_hits_total counter\n\
         verbatim_query_cache_hits_total {hits}\n\
         # HELP verbatim_query_cache_misses_total Search queries encoded\n\
         # TYPE verbatim_query_cache_misses_total counter\n\
         verbatim_query_cache_misses_total {misses}\n"
    )
}

/// The topics in force.
#[utoipa::path(get, path = "/v1/taxonomy", responses((status = 200, body = TaxonomyResponse)))]
pub async fn taxonomy(State(state): State<AppState>) -> Json<TaxonomyResponse> {
    let topics = state
        .analyzer
        .topic_model()
        .map(|m| {
            m.topics()
                .map(|t| TopicView {
                    id: t.id.clone(),
                    name_zh: t.name_zh.clone(),
                    name_en: t.name_en.clone(),
                    description_zh: t.description_zh.clone(),
                    description_en: t.description_en.clone(),
                    seeds_zh: t.seeds_zh.clone(),
                    seeds_en: t.seeds_en.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Json(TaxonomyResponse { topics })
}

/// The OpenAPI document of every route, from the handlers' and types' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verbatim",
        description = "Customer-feedback analytics for Chinese and English (docs/api.md)."
    ),
    paths(
        super::analyze::analyze,
        super::comments::ingest,
        super::comments::get,
        super::comments::delete,
        super::erase::erase,
        super::search::search,
        super::search::similar,
        super::reports::drivers,
        super::reports::pain_points,
        super::reports::trends,
        super::reports::summary,
        super::reports::compare,
        super::reports::segments,
        taxonomy,
        healthz,
        readyz,
    ),
    components(schemas(super::error::ErrorBody))
)]
pub struct ApiDoc;

/// `GET /openapi.json`: the generated document completed by [`super::openapi`].
pub async fn openapi() -> impl IntoResponse {
    Json(super::openapi::document().clone())
}
