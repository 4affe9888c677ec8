//! Request ids and the access log.
//!
//! In: every request. The client's `x-request-id` is kept when it is 1–64 visible ASCII
//! characters; otherwise (absent, too long, control characters) the server makes one
//! (`<8 hex of the process>-<sequence>`). Out: the request id in the answer's `x-request-id`
//! header and in the body of every JSON error
//! (`error.request_id`, through [`current`]); one log line per request, target
//! `verbatim::access`, with method, route (the matched pattern, never the raw path with its
//! ids), status, latency, body bytes (before compression) and the request id. Headers are
//! never logged, so `Authorization` and API keys cannot reach a log.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The request-id header, read and written.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client request id kept as is.
pub const MAX_REQUEST_ID: usize = 64;

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request this task is serving, if any (for error bodies).
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Middleware: give the request its id, serve it within that id, log one access line and
/// count and time it in the metrics (`http_requests_total`, `http_request_duration_seconds`,
/// by route and status).
pub async fn layer(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid(v))
        .map_or_else(new_id, str::to_string);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().clone();
    let start = Instant::now();
    let mut response = CURRENT.scope(id.clone(), next.run(request)).await;
    let (elapsed, status) = (start.elapsed().as_secs_f64(), response.status().as_u16());
    let bytes = response.body().size_hint().exact();
    tracing::info!(
        target: "verbatim::access",
        method = %method,
        route = %route,
        status,
        ms = (elapsed * 1000.0 * 10.0).round() / 10.0,
        bytes,
        request_id = %id,
    );
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.to_string(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route).record(elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

/// A client's id is kept when it is 1–64 visible ASCII characters (no spaces, so it stays
/// one token of a log line).
fn valid(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A fresh id: this process's tag and a sequence number.
fn new_id() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    static TAG: OnceLock<u32> = OnceLock::new();
    let tag = TAG.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        nanos ^ std::process::id().rotate_left(16)
    });
    format!("{tag:08x}-{}", SEQ.fetch_add(1, Ordering::Relaxed) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_printable_and_short() {
        assert!(valid("req-42"));
        assert!(valid(&"a".repeat(64)));
        for bad in ["", "a b", "a\tb", &"a".repeat(65), "中文"] {
            assert!(!valid(bad), "{bad:?}");
        }
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert!(valid(&a), "{a}");
    }
}
