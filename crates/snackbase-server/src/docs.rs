//! `/openapi.json` (generated from the handlers' annotations) and `/docs`, an
//! offline Swagger UI whose assets are embedded in the binary.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;

const INDEX: &str = include_str!("../assets/swagger-ui/index.html");
const INIT: &str = include_str!("../assets/swagger-ui/init.js");
const BUNDLE: &str = include_str!("../assets/swagger-ui/swagger-ui-bundle.js");
const CSS: &str = include_str!("../assets/swagger-ui/swagger-ui.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Completes the generated document: title, version, the bearer and API key schemes.
pub fn finish(mut doc: OpenApi, title: &str, version: &str) -> OpenApi {
    doc.info.title = title.to_string();
    doc.info.version = version.to_string();
    doc.info.description = Some("SnackBase: multi-tenant Backend-as-a-Service".to_string());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    // Any route a bearer token opens also takes an API key (see `apikeys`).
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-API-Key",
            "sb_ak.<key id>.<secret>, from POST /api/v1/admin/api-keys",
        ))),
    );
    doc
}

pub fn router<S: Clone + Send + Sync + 'static>(doc: OpenApi) -> Router<S> {
    let doc = std::sync::Arc::new(doc);
    Router::new()
        .route(
            "/openapi.json",
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .route(
            "/docs",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/docs/init.js",
            get(|| async { asset("text/javascript; charset=utf-8", INIT) }),
        )
        .route(
            "/docs/swagger-ui-bundle.js",
            get(|| async { asset("text/javascript; charset=utf-8", BUNDLE) }),
        )
        .route(
            "/docs/swagger-ui.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
}
