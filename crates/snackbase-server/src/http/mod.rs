//! HTTP plumbing shared by every feature: extractors whose rejections use the
//! error envelope, the request middleware (correlation id, access log, security
//! headers), fallbacks and timestamp formatting.

pub mod extract;
pub mod limits;
pub mod listing;
pub mod middleware;
mod protocol;
pub mod server;
pub mod time;

pub use extract::{ApiBody, ApiJson, ApiPath, ApiQuery};

use crate::error::ApiError;

/// Fallback for unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::not_found("No route matches this path")
}

/// Fallback for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// A response that must not be stored by any cache (it carries tokens).
pub struct NoStore<T>(pub T);

impl<T: axum::response::IntoResponse> axum::response::IntoResponse for NoStore<T> {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, HeaderValue};
        let mut response = self.0.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}
