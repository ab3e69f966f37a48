//! The `/metrics` route: on the API's port behind a token (or a superadmin's
//! token), or alone on an address of its own.

use axum::extract::{FromRequestParts as _, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq as _;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::ApiError;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `/metrics` on the API's port; none when metrics are off or served on
/// their own address.
pub fn router(state: &AppState) -> Router<AppState> {
    let m = &state.config.metrics;
    if !m.enabled || m.addr.is_some() {
        return Router::new();
    }
    Router::new().route("/metrics", get(guarded))
}

async fn guarded(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (mut parts, _) = req.into_parts();
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let by_token = match (&state.config.metrics.token, presented) {
        (Some(want), Some(got)) => bool::from(want.expose().as_bytes().ct_eq(got.as_bytes())),
        _ => false,
    };
    if !by_token {
        Superadmin::from_request_parts(&mut parts, &state).await?;
    }
    Ok(render(&state).await)
}

/// The text of every series now.
pub async fn render(state: &AppState) -> Response {
    let scraped = super::scrape::registry(state).await;
    let mut text = String::with_capacity(64 * 1024);
    let encoded =
        prometheus_client::encoding::text::encode_registry(&mut text, &state.metrics.registry)
            .and_then(|()| prometheus_client::encoding::text::encode_registry(&mut text, &scraped))
            .and_then(|()| prometheus_client::encoding::text::encode_eof(&mut text));
    if let Err(e) = encoded {
        return ApiError::internal(anyhow::anyhow!("encoding metrics: {e}")).into_response();
    }
    let mut response = (StatusCode::OK, text).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Serves `/metrics` (and nothing else) on `listener` until `stop` says so.
pub async fn serve_separately(
    state: AppState,
    listener: tokio::net::TcpListener,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render(&state).await }),
        )
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await
}
