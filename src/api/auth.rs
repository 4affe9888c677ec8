//! API keys: write keys may do everything, read-only keys may search, report and read
//! comments (GET under `/v1/`). Keys come as `Authorization: Bearer <key>` (the scheme in
//! any case) and are compared as SHA-256 digests in constant time, so neither a key's bytes
//! nor its length show in the timing. With no key configured the server answers loopback
//! clients only (`serve` warns when it is bound elsewhere; an IPv4-mapped `::ffff:127.0.0.1`
//! counts as loopback). Operations routes and the web page are open; the page itself asks
//! for a key.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use super::guard::Conn;

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
            .get::<ConnectInfo<Conn>>()
            .is_none_or(|ConnectInfo(conn)| conn.peer_is_loopback());
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
        .and_then(bearer);
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an API key is required: send `Authorization: Bearer <key>`",
        ));
    };
    let token = Sha256::digest(token.as_bytes());
    let known = |list: &[String]| list.iter().fold(false, |hit, k| same(k, &token) | hit);
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

/// The credentials of `Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether `key` hashes to `token_digest`, compared in constant time: equal-length
/// digests, so the time says nothing of the key's length either.
fn same(key: &str, token_digest: &[u8]) -> bool {
    Sha256::digest(key.as_bytes())
        .as_slice()
        .ct_eq(token_digest)
        .into()
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
        let digest = |t: &str| Sha256::digest(t.as_bytes());
        assert!(same("abc", &digest("abc")) && !same("abc", &digest("abd")));
        assert!(!same("ab", &digest("abc")));
        assert_eq!(bearer("bearer  k1 "), Some("k1"));
        assert_eq!(bearer("BEARER\tk1"), Some("k1"));
        assert_eq!(bearer("Basic k1"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer   "), None);
    }
}
