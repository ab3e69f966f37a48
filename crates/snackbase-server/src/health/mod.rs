//! Health probes (`/health`, `/live`, `/ready`, outside the API prefix) and the
//! API root (`GET /api/v1`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn probes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(live))
        .routes(routes!(ready))
}

/// `GET <prefix>`, registered at the prefix itself so that its path has no
/// trailing slash whatever the configured prefix.
pub(crate) fn api_root(prefix: &str) -> OpenApiRouter<AppState> {
    let (schemas, paths, method_router) = routes!(api_info);
    let mut rekeyed = utoipa::openapi::path::Paths::new();
    if let Some(item) = paths.paths.into_values().next() {
        rekeyed.paths.insert(prefix.to_string(), item);
    }
    OpenApiRouter::new().routes((schemas, rekeyed, method_router))
}

#[derive(Serialize, ToSchema)]
pub struct Probe {
    pub status: &'static str,
    pub service: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up (no dependency checks).
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Probe)))]
pub async fn health(State(state): State<AppState>) -> Json<Probe> {
    Json(Probe {
        status: "healthy",
        service: "SnackBase",
        version: Some(state.config.app_version.clone()),
        database: None,
    })
}

/// The process answers requests.
#[utoipa::path(get, path = "/live", tag = "health", responses((status = 200, body = Probe)))]
pub async fn live(State(state): State<AppState>) -> Json<Probe> {
    Json(Probe {
        status: "alive",
        service: "SnackBase",
        version: Some(state.config.app_version.clone()),
        database: None,
    })
}

/// The database answers; 503 when it does not.
#[utoipa::path(get, path = "/ready", tag = "health",
    responses((status = 200, body = Probe), (status = 503, body = Probe)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Probe>) {
    if state.db.ping().await {
        let body = Probe {
            status: "ready",
            service: "SnackBase",
            version: Some(state.config.app_version.clone()),
            database: Some("connected"),
        };
        (StatusCode::OK, Json(body))
    } else {
        let body = Probe {
            status: "not_ready",
            service: "SnackBase",
            version: None,
            database: Some("disconnected"),
        };
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiInfo {
    pub name: String,
    pub version: String,
    pub api_version: &'static str,
}

/// API name and version.
#[utoipa::path(get, path = "/api/v1", tag = "health", responses((status = 200, body = ApiInfo)))]
pub async fn api_info(State(state): State<AppState>) -> Json<ApiInfo> {
    Json(ApiInfo {
        name: state.config.app_name.clone(),
        version: state.config.app_version.clone(),
        api_version: "v1",
    })
}
