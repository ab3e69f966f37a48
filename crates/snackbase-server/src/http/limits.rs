//! Limits every request meets before a handler runs: the rate limits (429),
//! the length of the request target (414), the declared body length (413 at
//! once, before any of the body is read), and a deadline for the whole body
//! (408).

use std::future::Future as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};

use crate::error::ApiError;

/// The limits, as configured.
#[derive(Clone)]
pub struct RequestLimits {
    pub limiter: Arc<crate::ratelimit::Limiter>,
    pub max_body_size: usize,
    /// The declared length allowed on the upload route and on multipart
    /// record writes, whose handlers enforce the file size limits
    /// themselves while the body streams.
    pub max_upload_size: u64,
    pub upload_path: String,
    /// `{api_prefix}/records/`.
    pub records_prefix: String,
    pub max_uri_length: usize,
    pub body_timeout: Duration,
}

/// What a body extractor needs to explain a failed read: the limit, and
/// whether the deadline passed.
#[derive(Clone, Debug)]
pub struct BodyInfo {
    pub max_body_size: usize,
    pub timeout: Duration,
    expired: Arc<AtomicBool>,
}

impl BodyInfo {
    /// The error for a body that could not be read: a 408 when the deadline
    /// passed, a 413 when it was too large, else a 400.
    pub fn error(info: Option<&Self>, too_large: bool, text: &str) -> ApiError {
        match info {
            Some(i) if i.expired.load(Ordering::Relaxed) => {
                ApiError::RequestTimeout(i.timeout.as_secs())
            }
            Some(i) if too_large => ApiError::PayloadTooLarge(i.max_body_size),
            None if too_large => ApiError::PayloadTooLarge(0),
            _ => ApiError::bad_request(format!("Could not read the request body: {text}")),
        }
    }
}

fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Applies [`RequestLimits`] to a request.
pub async fn guard(
    State(limits): State<Arc<RequestLimits>>,
    mut req: Request,
    next: Next,
) -> Response {
    match limits.limiter.check_request(&req) {
        Err(limited) => return limited.into_response(),
        Ok(Some(ip)) => {
            if let Err(limited) = limits.limiter.check_auth_route(ip).await {
                return limited.into_response();
            }
        }
        Ok(None) => {}
    }
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > limits.max_uri_length {
        return ApiError::UriTooLong(limits.max_uri_length).into_response();
    }
    let declared = declared_length(&req);
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let path = req.uri().path();
    let upload =
        path == limits.upload_path || (multipart && path.starts_with(&limits.records_prefix));
    let max_declared = if upload {
        limits.max_upload_size
    } else {
        limits.max_body_size as u64
    };
    if declared.is_some_and(|n| n > max_declared) {
        return ApiError::PayloadTooLarge(usize::try_from(max_declared).unwrap_or(usize::MAX))
            .into_response();
    }
    let has_body = declared.is_some_and(|n| n > 0) || req.headers().contains_key(TRANSFER_ENCODING);
    if has_body {
        let expired = Arc::new(AtomicBool::new(false));
        req.extensions_mut().insert(BodyInfo {
            max_body_size: limits.max_body_size,
            timeout: limits.body_timeout,
            expired: expired.clone(),
        });
        let (parts, body) = req.into_parts();
        let body = Body::new(DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(limits.body_timeout)),
            expired,
        });
        req = Request::from_parts(parts, body);
    }
    next.run(req).await
}

/// A body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
