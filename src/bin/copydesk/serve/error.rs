//! The one error shape every 4xx and 5xx answer has, `{"error": {"code", "message"}}`, and the
//! codes. Messages name what the client sent wrong; what went wrong inside (SQLite's errors,
//! a panic) goes to the log under an incident number, never into a body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// An error answer: a status, a stable machine-readable code and a message for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A failure inside the service: logged in full with an incident number; the client gets
    /// the number and `public`, which says what happened to its request.
    pub fn internal(status: StatusCode, code: &'static str, public: &str, detail: &str) -> Self {
        let incident = next_incident();
        tracing::error!(incident, code, detail, "{public}");
        ApiError::new(status, code, format!("{public} (incident {incident})"))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        error_body(self.code, &self.message)
    }
}

/// `{"error": {"code", "message"}}`.
pub fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

/// The code of a status answered without a handler's error (by the framework or a layer).
pub fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

fn next_incident() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
