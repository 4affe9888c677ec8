//! API keys: write keys may do everything, read-only keys may search, report and read
//! comments (GET under `/v1/`). Keys come as `Authorization: Bearer <key>`. With no key
//! configured the server answers loopback clients only (`serve` warns when it is bound
//! elsewhere). Operations routes and the web page are open; the page itself asks for a key.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::error::ApiError;
use super::AppState;

/// The keys in force.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub write: Vec<String>,
    pub read: Vec<String>,
}

impl Keys {
    /// Whether any key is configured.
    pub fn any(&self) -> bool {
        !self.write.is_empty() || !self.read.is_empty()
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Open,
    Read,
    Write,
}

fn access(method: &Method, path: &str) -> Access {
    if !path.starts_with("/v1/") {
        Access::Open
    } else if method == Method::GET || method == Method::HEAD {
        Access::Read
    } else {
        Access::Write
    }
}

/// The middleware.
pub async fn check(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let need = access(request.method(), request.uri().path());
    if need == Access::Open {
        return Ok(next.run(request).await);
    }
    let keys = &state.keys;
    if !keys.any() {
        let loopback = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none_or(|ConnectInfo(peer)| peer.ip().is_loopback());
        return if loopback {
            Ok(next.run(request).await)
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "no API keys are configured, so only loopback clients are served",
            ))
        };
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an API key is required: send `Authorization: Bearer <key>`",
        ));
    };
    let known = |list: &[String]| list.iter().any(|k| same(k.as_bytes(), token.as_bytes()));
    if known(&keys.write) || (need == Access::Read && known(&keys.read)) {
        Ok(next.run(request).await)
    } else if known(&keys.read) {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this key is read-only: it may search, report and read comments, not write",
        ))
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown API key",
        ))
    }
}

/// Compare without an early exit on the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_need_what_they_change() {
        assert_eq!(access(&Method::GET, "/v1/search"), Access::Read);
        assert_eq!(access(&Method::POST, "/v1/analyze"), Access::Write);
        assert_eq!(access(&Method::DELETE, "/v1/comments/x"), Access::Write);
        assert_eq!(access(&Method::GET, "/healthz"), Access::Open);
        assert_eq!(access(&Method::GET, "/"), Access::Open);
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
