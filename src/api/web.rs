//! The analysts' web page (`assets/web/`), embedded in the binary: it works offline, with
//! no CDN and no external fonts, and talks to the API with the same keys. In: `GET /`,
//! `/app.js`, `/app.css` and `/web/{file}` (the views in their own files). Out: the embedded
//! file with a strict CSP, or a 404 JSON error for a name not in the list.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

const INDEX_HTML: &str = include_str!("../../assets/web/index.html");
const APP_JS: &str = include_str!("../../assets/web/app.js");
const APP_CSS: &str = include_str!("../../assets/web/app.css");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One embedded file of `assets/web/`: (name, content type, text).
macro_rules! web_file {
    ($name:literal, $type:expr) => {
        (
            $name,
            $type,
            include_str!(concat!("../../assets/web/", $name)),
        )
    };
}

/// The files under `/web/`: the views and helpers `index.html` loads before `app.js`.
const FILES: &[(&str, &str, &str)] = &[
    web_file!("charts.js", JS),
    web_file!("overview.js", JS),
    web_file!("compare.js", JS),
    web_file!("segments.js", JS),
    web_file!("discover.js", JS),
    web_file!("sidebar.js", JS),
    web_file!("hant.js", JS),
    web_file!("views.css", CSS),
];

/// Strict enough that an injected script could not run, and nothing loads from elsewhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

pub async fn app_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub async fn app_css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", APP_CSS)
}

/// `GET /web/{file}`: one of [`FILES`], or 404.
pub async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some(&(_, content_type, body)) => asset(content_type, body).into_response(),
        None => ApiError::not_found("no such file of the web page").into_response(),
    }
}
