//! HTTP plumbing shared by every feature: extractors whose rejections use the
//! error envelope, the request middleware (correlation id, access log, security
//! headers), fallbacks and timestamp formatting.

pub mod extract;
pub mod listing;
pub mod middleware;
pub mod time;

pub use extract::{ApiJson, ApiPath, ApiQuery};

use crate::error::ApiError;

/// Fallback for unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::not_found("No route matches this path")
}

/// Fallback for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
