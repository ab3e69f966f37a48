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
    /// `/ready`: the file storage, `reachable` or `unreachable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<&'static str>,
    /// `/ready`: the SMTP server, `reachable`, `unreachable` or
    /// `not_configured`. Mail does not decide readiness (a node without it
    /// still serves); it is reported so that monitoring can alert on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<&'static str>,
}

/// The process is up (no dependency checks).
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Probe)))]
pub async fn health(State(state): State<AppState>) -> Json<Probe> {
    Json(Probe {
        status: "healthy",
        service: "SnackBase",
        version: Some(state.config.app_version.clone()),
        database: None,
        storage: None,
        mail: None,
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
        storage: None,
        mail: None,
    })
}

/// The database and the file storage answer (503 when either does not);
/// the SMTP server's reachability is reported beside them. The three are
/// checked at once, each within two seconds.
#[utoipa::path(get, path = "/ready", tag = "health",
    responses((status = 200, body = Probe), (status = 503, body = Probe)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Probe>) {
    let mail = async {
        match crate::mail::server_for(&state, None).await {
            Ok(None) => "not_configured",
            Ok(Some(smtp)) if crate::mail::reachable(&smtp).await => "reachable",
            Ok(Some(_)) | Err(_) => "unreachable",
        }
    };
    let (database, storage, mail) = tokio::join!(state.db.ping(), state.storage.reachable(), mail);
    let ok = database && storage;
    let body = Probe {
        status: if ok { "ready" } else { "not_ready" },
        service: "SnackBase",
        version: ok.then(|| state.config.app_version.clone()),
        database: Some(if database {
            "connected"
        } else {
            "disconnected"
        }),
        storage: Some(if storage { "reachable" } else { "unreachable" }),
        mail: Some(mail),
    };
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
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
