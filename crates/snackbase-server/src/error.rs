//! The one error type at the HTTP edge and its JSON envelope:
//! `{"error": "<kind>", "message": "<sentence>", "details": [{"field","code","message"}]?}`.
//!
//! A 5xx never carries internal text: the cause is logged with the request's
//! correlation id and the client sees a generic sentence.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field of a request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
    /// For expressions (filters, rules): the 0-based character offset of the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            position: None,
        }
    }

    /// The same error, located at a character offset of an expression.
    pub fn at(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }
}

/// The error envelope, as documented in `docs/API-DESIGN.md`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A short, stable kind such as `not_found` or `validation_error`.
    pub error: &'static str,
    /// A human sentence.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be parsed (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// The request parsed but its values are invalid.
    #[error("{message}")]
    Validation {
        message: String,
        details: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<String>,
    },
    #[error("Request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// The client took too long to send its request body.
    #[error("The request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    #[error("The request target is longer than the limit of {0} bytes")]
    UriTooLong(usize),
    /// A rate limit or lockout; `retry_after` is in seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A `Range` outside a file of this many bytes.
    #[error("The requested range is outside the file of {0} bytes")]
    RangeNotSatisfiable(u64),
    #[error("Service unavailable")]
    Unavailable,
    /// A server we called on the client's behalf (an identity provider)
    /// failed or answered wrongly.
    #[error("{0}")]
    BadGateway(String),
    /// An unexpected failure; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>, field: Option<&str>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: field.map(str::to_string),
        }
    }

    /// A validation error about one field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            message: message.clone(),
            details: vec![FieldError::new(field, code, message)],
        }
    }

    /// A validation error about several fields; `None` when the list is empty.
    pub fn from_field_errors(details: Vec<FieldError>) -> Option<Self> {
        let first = details.first()?;
        let message = if details.len() == 1 {
            first.message.clone()
        } else {
            format!(
                "{} (and {} more problems)",
                first.message,
                details.len() - 1
            )
        };
        Some(Self::Validation { message, details })
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Validation { .. } => "validation_error",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict { .. } => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::RequestTimeout(_) => "request_timeout",
            Self::UriTooLong(_) => "uri_too_long",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RangeNotSatisfiable(_) => "range_not_satisfiable",
            Self::Unavailable => "service_unavailable",
            Self::BadGateway(_) => "bad_gateway",
            Self::Internal(_) => "internal_error",
        }
    }

    fn body(&self) -> ErrorBody {
        let (message, details) = match self {
            Self::Validation { message, details } => (message.clone(), Some(details.clone())),
            Self::Conflict {
                message,
                field: Some(field),
            } => (
                message.clone(),
                Some(vec![FieldError::new(
                    field.clone(),
                    "already_exists",
                    message.clone(),
                )]),
            ),
            Self::Internal(_) => ("An unexpected error occurred".to_string(), None),
            other => (other.to_string(), None),
        };
        ErrorBody {
            error: self.kind(),
            message,
            details,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Self::Unavailable,
            other => Self::Internal(other.into()),
        }
    }
}

/// Marks a response as carrying an internal error, so the logging middleware can
/// log the cause next to the correlation id.
#[derive(Clone, Debug)]
pub struct InternalErrorCause(pub String);

/// The envelope's message of an error response, for the request log.
#[derive(Clone, Debug)]
pub struct ErrorSummary(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = self.body();
        let summary = ErrorSummary(body.message.clone());
        let mut response = (status, axum::Json(body)).into_response();
        response.extensions_mut().insert(summary);
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::TooManyRequests { retry_after, .. } = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after.max(&1)));
        }
        if let Self::RangeNotSatisfiable(size) = &self {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        if matches!(self, Self::RequestTimeout(_) | Self::PayloadTooLarge(_)) {
            // The rest of the body is not read: the connection cannot be reused.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Self::Internal(cause) = &self {
            response
                .extensions_mut()
                .insert(InternalErrorCause(format!("{cause:#}")));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("secret table name"));
        let body = serde_json::to_string(&err.body()).unwrap();
        assert!(!body.contains("secret"));
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn conflicts_name_their_field() {
        let body = serde_json::to_value(ApiError::conflict("taken", Some("slug")).body()).unwrap();
        assert_eq!(body["details"][0]["field"], "slug");
        assert_eq!(body["error"], "conflict");
    }
}
