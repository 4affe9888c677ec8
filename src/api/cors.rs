//! The HTTP layers around the routes: CORS for configured origins, compression of large
//! answers, and `Authorization` marked sensitive.
//!
//! In: the origins of `--cors-origins` (config `cors_origins`), each `scheme://host[:port]`.
//! Out: a router whose answers carry CORS headers only for those origins (none configured:
//! no CORS headers at all, and browsers on other origins cannot read answers); preflight
//! `OPTIONS` requests answered before authentication; answers over 1 KiB gzip- or
//! brotli-compressed when the client accepts it (`Accept-Encoding`).
//!
//! A browser's write from a listed origin also passes the cross-origin guard
//! ([`super::guard`]): listing an origin is trusting its pages with the keys they hold.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use super::access::X_REQUEST_ID;

/// Answers smaller than this are sent as they are.
pub const COMPRESS_ABOVE_BYTES: u16 = 1024;

/// Check and normalise `--cors-origins`: `http(s)://host[:port]`, no path, no `*`.
pub fn parse_origins(origins: &[String]) -> crate::Result<Vec<HeaderValue>> {
    let bad = |o: &str, why: &str| {
        crate::Error::User(format!(
            "--cors-origins (cors_origins): `{o}` {why}; give origins as scheme://host[:port], \
             e.g. https://crm.example.com"
        ))
    };
    let mut out = Vec::new();
    for origin in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .ok_or_else(|| bad(origin, "is not http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '*', '?', '#', '@']) {
            return Err(bad(
                origin,
                "is not an origin (no path, wildcard or user part)",
            ));
        }
        let value = HeaderValue::from_str(&origin.to_ascii_lowercase())
            .map_err(|_| bad(origin, "has characters a header cannot carry"))?;
        out.push(value);
    }
    Ok(out)
}

/// Whether `origin` (an `Origin` header) is one of the configured CORS origins.
pub fn listed(origin: &str, origins: &[HeaderValue]) -> bool {
    origins
        .iter()
        .any(|o| o.as_bytes().eq_ignore_ascii_case(origin.trim().as_bytes()))
}

/// Wrap the routes in the outer layers (outermost last).
pub fn outer_layers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    origins: &[HeaderValue],
) -> Router<S> {
    let compress = DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE_BYTES));
    let router = router
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(CompressionLayer::new().compress_when(compress));
    if origins.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                X_REQUEST_ID.clone(),
            ])
            .expose_headers([X_REQUEST_ID.clone(), header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        let ok =
            parse_origins(&["https://CRM.example.com".into(), " http://a:8080 ".into()]).unwrap();
        assert_eq!(ok.len(), 2);
        assert!(listed("https://crm.example.com", &ok));
        assert!(!listed("https://evil.example.com", &ok));
        for bad in [
            "*",
            "crm.example.com",
            "https://a/path",
            "ftp://a",
            "https://",
        ] {
            let e = parse_origins(&[bad.to_string()]).unwrap_err().to_string();
            assert!(e.contains("cors_origins") && e.contains(bad), "{e}");
        }
    }
}
