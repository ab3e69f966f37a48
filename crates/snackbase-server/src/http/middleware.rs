//! Request middleware: correlation ids, the access log, security headers and
//! panic recovery.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorSummary, InternalErrorCause};
use crate::logs::{Outcome, Recorder};

pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// The request's correlation id (echoed from the client or generated).
#[derive(Clone, Debug)]
pub struct CorrelationId(pub String);

#[derive(Default, Debug)]
struct Identity {
    account_id: Option<String>,
    user_id: Option<String>,
    /// Who acts as `user_id` (an impersonation session).
    impersonator_id: Option<String>,
}

/// Filled by the auth extractor so the access log can name the caller.
#[derive(Clone, Default, Debug)]
pub struct IdentitySlot(Arc<Mutex<Identity>>);

impl IdentitySlot {
    pub fn set(&self, account_id: &str, user_id: &str, impersonator_id: Option<&str>) {
        if let Ok(mut id) = self.0.lock() {
            id.account_id = Some(account_id.to_string());
            id.user_id = Some(user_id.to_string());
            id.impersonator_id = impersonator_id.map(str::to_string);
        }
    }

    fn take(&self) -> Identity {
        self.0
            .lock()
            .map(|mut id| std::mem::take(&mut *id))
            .unwrap_or_default()
    }
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn generate() -> String {
    format!("cid_{}", hex::encode(rand::random::<[u8; 6]>()))
}

/// What [`observe`] needs: the request log, and the limiter that knows the
/// trusted proxies (for the client's address).
#[derive(Clone)]
pub struct Observer {
    pub logs: Recorder,
    pub limiter: Arc<crate::ratelimit::Limiter>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Finds the client's address, assigns the correlation id, runs the request,
/// writes one access-log line and hands an entry to the request log (a
/// non-blocking `try_send`).
pub async fn observe(
    State(Observer {
        logs,
        limiter,
        metrics,
    }): State<Observer>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let _in_flight = metrics.begin();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string());
    limiter.identify(&mut req);
    let correlation_id = req
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(generate);
    let slot = IdentitySlot::default();
    req.extensions_mut()
        .insert(CorrelationId(correlation_id.clone()));
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let path = crate::logs::redact::path(req.uri().path()).into_owned();
    let pending = logs.begin(&req);
    let origin = std::sync::Arc::new(crate::db::origin::Origin {
        request_id: Some(correlation_id.clone()),
        ip: req
            .extensions()
            .get::<crate::ratelimit::ClientIp>()
            .map(|c| c.0.to_string())
            .or_else(|| {
                req.extensions()
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            }),
        user_agent: req
            .headers()
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect()),
    });

    let mut response = crate::db::origin::scope(origin, next.run(req)).await;

    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(CORRELATION_HEADER), value);
    }
    let status = response.status().as_u16();
    metrics.observe(&method, route.as_deref(), status, started.elapsed());
    let identity = slot.take();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(InternalErrorCause(cause)) = response.extensions().get::<InternalErrorCause>() {
        tracing::error!(correlation_id = %correlation_id, cause = %cause, "request failed");
    }
    tracing::info!(
        target: "snackbase::access",
        method = %method,
        path = %path,
        status,
        duration_ms = (duration_ms * 1000.0).round() / 1000.0,
        correlation_id = %correlation_id,
        account_id = identity.account_id.as_deref().unwrap_or(""),
        user_id = identity.user_id.as_deref().unwrap_or(""),
        impersonator_id = identity.impersonator_id.as_deref().unwrap_or(""),
        "request"
    );
    if let Some(pending) = pending {
        let error = (status >= 400)
            .then(|| response.extensions().get::<ErrorSummary>())
            .flatten()
            .map(|e| e.0.clone());
        logs.finish(
            pending,
            Outcome {
                status,
                duration_ms: (duration_ms * 1000.0).round() / 1000.0,
                correlation_id,
                account_id: identity.account_id,
                user_id: identity.user_id,
                impersonator_id: identity.impersonator_id,
                error,
            },
        );
    }
    response
}

/// Headers added to every response that does not set them itself.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
];

/// Turns a panic in a handler into a 500 in the envelope.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}
