//! The HTTP API (docs/api.md) and the analysts' web page, served by `verbatim serve`.
//!
//! In: HTTP requests. Out: the library's types as JSON, errors as `{"error": {code,
//! message}}`. Handlers extract, call one library function and map the error; inference
//! runs on the worker pool of [`batch`] (bounded queue, cross-request batching, 503 with
//! Retry-After when full), index work on tokio's blocking pool. Writes are answered only
//! once committed. One file per resource; [`app`] builds the router.

/// The query parameters of every filtered route (the search's query and filters, see
/// [`crate::index::search::Filters`]), then the route's own: a [`error::KnownParams::PARAMS`].
macro_rules! filtered_params {
    ($($own:literal),* $(,)?) => {
        &[
            "q", "sentiment", "topic", "lang", "channel", "from", "to", "score_min", "score_max",
            "customer_id", "attrs", "tz", $($own),*
        ]
    };
}

pub mod access;
pub mod analyze;
pub mod auth;
pub mod batch;
pub mod comments;
pub mod cors;
pub mod erase;
pub mod error;
pub mod export;
pub mod guard;
pub mod listen;
pub mod openapi;
pub mod ops;
pub mod queries;
pub mod reanalyze;
pub mod reports;
pub mod search;
pub mod web;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::analyze::Analyzer;
use crate::index::{CommentIndex, CommentWriter};
pub use auth::Keys;
pub use batch::{Pool, PoolOptions};
use error::ApiError;

/// The largest request body accepted (bytes); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 8 << 20;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub analyzer: Arc<Analyzer>,
    pub pool: Pool,
    pub index: CommentIndex,
    pub writer: Arc<CommentWriter>,
    pub keys: Arc<Keys>,
    pub metrics: PrometheusHandle,
    /// The background re-analysis ([`reanalyze`]).
    pub reanalyze: Arc<reanalyze::Job>,
    /// Recent search queries' analyses ([`queries`]).
    pub queries: Arc<queries::QueryCache>,
    /// Index work (search, reports, reads, writes) in flight at once; beyond it, 503.
    index_slots: Arc<tokio::sync::Semaphore>,
    /// How long one request may take.
    timeout: std::time::Duration,
    /// Host names served besides localhost and the server's addresses ([`guard`]).
    allowed_hosts: Arc<Vec<String>>,
    /// Browser origins allowed by CORS ([`cors`]); empty: no CORS headers.
    cors_origins: Arc<Vec<HeaderValue>>,
    /// Bounds on connections ([`listen`]).
    conn_limits: listen::ConnLimits,
}

/// Index requests that may run at once (each holds a blocking thread).
pub const INDEX_SLOTS: usize = 32;

impl AppState {
    /// The state over an analyzer and an open index (taking its write lock).
    pub fn new(
        analyzer: Arc<Analyzer>,
        index: CommentIndex,
        keys: Keys,
        pool: PoolOptions,
    ) -> crate::Result<AppState> {
        // One indexing thread: API commits are small and frequent.
        let writer = Arc::new(index.writer_with_threads(1)?);
        writer.set_analysis_version(analyzer.version_handle());
        Ok(AppState {
            index_slots: Arc::new(tokio::sync::Semaphore::new(INDEX_SLOTS)),
            timeout: pool.timeout,
            pool: Pool::start(analyzer.clone(), pool),
            analyzer,
            index,
            writer,
            keys: Arc::new(keys),
            metrics: prometheus(),
            reanalyze: Arc::default(),
            queries: Arc::default(),
            allowed_hosts: Arc::default(),
            cors_origins: Arc::default(),
            conn_limits: listen::ConnLimits::default(),
        })
    }

    /// Bound connections (`--read-timeout`, `--max-connections`): see [`listen`].
    pub fn with_conn_limits(mut self, limits: listen::ConnLimits) -> AppState {
        self.conn_limits = limits;
        self
    }

    /// Serve these host names too (`--allowed-hosts`): the `Host` header is then checked
    /// even when keys are configured ([`guard`]).
    pub fn with_allowed_hosts(mut self, hosts: Vec<String>) -> AppState {
        self.allowed_hosts = Arc::new(hosts);
        self
    }

    /// Let these browser origins call the API (`--cors-origins`, checked by
    /// [`cors::parse_origins`]).
    pub fn with_cors_origins(mut self, origins: Vec<HeaderValue>) -> AppState {
        self.cors_origins = Arc::new(origins);
        self
    }

    /// The origins configured with [`AppState::with_cors_origins`].
    pub fn cors_origins(&self) -> &[HeaderValue] {
        &self.cors_origins
    }

    /// The host names configured with [`AppState::with_allowed_hosts`].
    pub fn allowed_hosts(&self) -> &[String] {
        &self.allowed_hosts
    }
}

impl AppState {
    /// Run index work on tokio's blocking pool, bounded: 503 + Retry-After when
    /// [`INDEX_SLOTS`] are busy or the work outlasts the timeout (a write that finishes after
    /// that is still durable; re-posting the same ids replaces them).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> crate::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(permit) = self.index_slots.clone().try_acquire_owned() else {
            metrics::counter!("verbatim_rejected_overload_total").increment(1);
            return Err(ApiError::busy(
                "too many index requests in flight; retry shortly",
            ));
        };
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result.map_err(ApiError::from),
            Ok(Err(e)) => Err(ApiError::internal(format!("blocking task failed: {e}"))),
            Err(_) => Err(ApiError::busy(format!(
                "no answer within {} s; retry shortly",
                self.timeout.as_secs()
            ))),
        }
    }
}

/// The process-wide metrics recorder (installed once; every server in the process shares it).
fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program's): then ours
            // only renders what it records itself.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The router: every route of docs/api.md and the web page, inside the request-id and
/// access-log layer ([`access`]) and the outer HTTP layers ([`cors`]).
pub fn app(state: AppState) -> Router {
    let origins = state.cors_origins.clone();
    let routes = Router::new()
        .route("/v1/analyze", post(analyze::analyze))
        .route("/v1/comments", post(comments::ingest))
        .route(
            "/v1/comments/{id}",
            get(comments::get).delete(comments::delete),
        )
        .route("/v1/comments/{id}/similar", get(search::similar))
        .route(
            "/v1/customers/{customer_id}/comments",
            axum::routing::delete(erase::erase),
        )
        .route("/v1/search", get(search::search))
        .route("/v1/reports/drivers", get(reports::drivers))
        .route("/v1/reports/pain-points", get(reports::pain_points))
        .route("/v1/reports/trends", get(reports::trends))
        .route("/v1/reports/summary", get(reports::summary))
        .route("/v1/reports/compare", get(reports::compare))
        .route("/v1/reports/segments", get(reports::segments))
        .route("/v1/reports/discover", get(reports::discover))
        .route("/v1/taxonomy", get(ops::taxonomy))
        .route(
            "/v1/admin/reanalyze",
            get(reanalyze::status).post(reanalyze::start),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route("/", get(web::index))
        .route("/app.js", get(web::app_js))
        .route("/app.css", get(web::app_css))
        .route("/web/{file}", get(web::file))
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), auth::check))
        .layer(middleware::from_fn_with_state(state.clone(), guard::check))
        .layer(middleware::from_fn(access::layer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    cors::outer_layers(routes, &origins)
}

/// Serve until Ctrl-C or SIGTERM; in-flight requests (and their acknowledged writes) finish
/// first. `on_listen` gets the bound address (port 0 picks a free one).
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    on_listen: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_listen(listener.local_addr()?);
    let limits = state.conn_limits;
    listen::accept_loop(listener, app(state), limits, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}
