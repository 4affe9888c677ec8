//! The API's one error type and the extractors whose rejections become it.
//!
//! Every error is JSON `{"error": {"code", "message", "request_id"}}` with a fitting status; the message
//! names the field at fault (`items[2].nps`); internal details are logged, never sent.

use axum::body::Bytes;
use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (503 under load).
    pub retry_after: Option<u32>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: `invalid_json`, `invalid_field`, `not_found`, ...
    pub code: String,
    /// What was wrong, naming the field.
    pub message: String,
    /// The request's id (the client's `x-request-id`, or one the server made), to find the
    /// request in the server's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A bad value in a field (422).
    pub fn field(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("field `{field}`: {message}"),
        )
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Too much at once (413).
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// The server is saturated: try again shortly (503 with Retry-After).
    pub fn busy(message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
        }
    }

    /// A failure of ours: logged in full, answered without details.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(
            request_id = %super::access::current().unwrap_or_default(),
            "internal error: {detail}"
        );
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (details are in the server log)",
        )
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> ApiError {
        match err {
            Error::User(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m),
            e @ Error::EmptyText(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "empty_text",
                e.to_string(),
            ),
            e @ Error::Locked { .. } => {
                tracing::warn!("{e}");
                ApiError::busy("the index is busy")
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                request_id: super::access::current(),
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON body whose errors are ours: malformed JSON (or anything but whitespace after the
/// value) is 400 `invalid_json`; a wrong type,
/// a missing or unknown field is 422 `invalid_field` with the field's path; an over-large
/// body is 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(format!("request body: {}", e.body_text()))
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut *de) {
            // Only whitespace may follow the value.
            Ok(value) => match de.end() {
                Ok(()) => Ok(ApiJson(value)),
                Err(inner) => Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("malformed JSON: {inner} after the request body's JSON value"),
                )),
            },
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_json",
                        format!("malformed JSON: {inner}"),
                    ))
                } else if path == "." {
                    Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_field",
                        format!("request body: {inner}"),
                    ))
                } else {
                    Err(ApiError::field(&path, inner))
                }
            }
        }
    }
}

/// Query parameters that a type declares; any other parameter is refused (422), so a typo
/// (`sentimnet=`) is not silently ignored.
pub trait KnownParams {
    const PARAMS: &'static [&'static str];
    /// Parameters whose empty value goes on to the handler (which accepts it, as a blank
    /// `q`, or refuses it naming what it expects); any other empty value is refused here
    /// (422), never read as if the parameter were absent.
    const EMPTY_PASSED_ON: &'static [&'static str] = &[];
}

/// Refuse a query string whose percent-decoded bytes are not UTF-8 (`q=%FF%FE`): the
/// parser would otherwise put U+FFFD in their place and answer a query nobody asked.
fn check_utf8_query(query: &str) -> Result<(), ApiError> {
    for part in query.split('&') {
        let bytes = part.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'%', Some(b)) => {
                    decoded.push(b);
                    i += 3;
                }
                (b, _) => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        if std::str::from_utf8(&decoded).is_err() {
            let name = part.split('=').next().unwrap_or(part);
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("parameter `{name}` is not UTF-8 once percent-decoded"),
            ));
        }
    }
    Ok(())
}

/// A query string parsed into `T`, with our errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + KnownParams, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        check_utf8_query(parts.uri.query().unwrap_or(""))?;
        let pairs: Query<Vec<(String, String)>> = Query::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
        if let Some((key, _)) = pairs
            .0
            .iter()
            .find(|(k, _)| !T::PARAMS.contains(&k.as_str()))
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!(
                    "unknown parameter `{key}` (expected one of: {})",
                    T::PARAMS.join(", ")
                ),
            ));
        }
        if let Some((key, _)) = pairs
            .0
            .iter()
            .find(|(k, v)| v.trim().is_empty() && !T::EMPTY_PASSED_ON.contains(&k.as_str()))
        {
            return Err(ApiError::field(
                key,
                "empty (leave the parameter out, or give a value)",
            ));
        }
        let value: Query<T> = Query::try_from_uri(&parts.uri).map_err(|e| {
            let text = e.body_text();
            let text = text
                .strip_prefix("Failed to deserialize query string: ")
                .unwrap_or(&text);
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                text.to_string(),
            )
        })?;
        Ok(ApiQuery(value.0))
    }
}

/// Path parameters parsed into `T`; a value that does not decode (`/v1/comments/%FF`: not
/// UTF-8) is 400 `invalid_path` naming the parameter.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let rejection = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => return Ok(ApiPath(value)),
            Err(rejection) => rejection,
        };
        let message = match &rejection {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                PathErrorKind::InvalidUtf8InPathParam { key } => {
                    format!("path parameter `{key}`: not valid UTF-8 once percent-decoded")
                }
                PathErrorKind::ParseErrorAtKey { key, .. }
                | PathErrorKind::DeserializeError { key, .. } => {
                    format!("path parameter `{key}`: {}", e.body_text())
                }
                _ => format!("path: {}", e.body_text()),
            },
            other => format!("path: {}", other.body_text()),
        };
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            message,
        ))
    }
}
