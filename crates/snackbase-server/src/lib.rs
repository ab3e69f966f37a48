//! The SnackBase service library: configuration, storage, the HTTP API and
//! its features, organised by feature (see `ARCHITECTURE.md`).
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = snackbase_server::config::Config::from_env()?;
//! let state = snackbase_server::AppState::build(config).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! snackbase_server::serve(state, listener, axum::Router::new(), std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod apikeys;
mod app;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod cache;
pub mod collections;
pub mod config;
pub mod configuration;
mod dashboard;
pub mod db;
mod docs;
pub mod error;
pub mod files;
pub mod formats;
pub mod groups;
mod health;
pub mod hooks;
pub mod http;
pub mod invitations;
pub mod jobs;
pub mod logs;
pub mod macros;
pub mod mail;
pub mod metrics;
mod migrations;
pub mod ratelimit;
pub mod realtime;
pub mod records;
pub mod sealed;
mod setup;
pub mod users;
pub mod webhooks;

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::Router;
use tower::Layer as _;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;

pub use app::{secret_key, App, AppState};

/// The whole HTTP application. `ui` holds extra routes (the embedded admin UI)
/// that are tried before the JSON 404 fallback.
pub fn router(state: AppState, ui: Router) -> NormalizePath<Router> {
    let config = &state.config;
    let api = OpenApiRouter::new()
        .merge(auth::router())
        .merge(accounts::router())
        .merge(users::router())
        .merge(apikeys::router())
        .merge(configuration::router())
        .merge(collections::router())
        .merge(records::router())
        .merge(authz::router())
        .merge(groups::router())
        .merge(macros::router())
        .merge(invitations::router())
        .merge(mail::router())
        .merge(migrations::router())
        .merge(webhooks::router())
        .merge(dashboard::router())
        .merge(logs::router())
        .merge(audit::router())
        .merge(backup::router())
        .merge(jobs::router())
        .merge(realtime::router())
        .merge(files::router())
        .merge(setup::router());
    let (api, doc) = OpenApiRouter::new()
        .nest(&config.api_prefix, api)
        .merge(health::probes())
        .merge(health::api_root(&config.api_prefix))
        .split_for_parts();
    let doc = docs::finish(doc, &config.app_name, &config.app_version);

    let limits = std::sync::Arc::new(http::limits::RequestLimits {
        limiter: state.limiter.clone(),
        max_body_size: config.max_body_size,
        // A multipart envelope around the largest file.
        max_upload_size: config.max_file_size.saturating_add(1 << 20),
        upload_path: format!("{}/files/upload", config.api_prefix),
        records_prefix: format!("{}/records/", config.api_prefix),
        max_uri_length: config.server_limits.max_uri_length,
        body_timeout: config.server_limits.body_timeout,
    });
    let mut app = api
        .with_state(state.clone())
        .merge(docs::router(doc))
        .merge(metrics::router(&state).with_state(state.clone()))
        .merge(ui)
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.max_body_size))
        .layer(CatchPanicLayer::custom(http::middleware::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            limits,
            http::limits::guard,
        ));

    for (name, value) in http::middleware::SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    let app = app
        .layer(cors(config))
        .layer(axum::middleware::from_fn_with_state(
            http::middleware::Observer {
                logs: state.request_logs.clone(),
                limiter: state.limiter.clone(),
                metrics: state.metrics.clone(),
            },
            http::middleware::observe,
        ));
    NormalizePathLayer::trim_trailing_slash().layer(app)
}

fn cors(config: &config::Config) -> CorsLayer {
    let any_origin = config.cors_origins.iter().any(|o| o == "*");
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter(|o| *o != "*")
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let methods = if config.cors_allow_methods.iter().any(|m| m == "*") {
        AllowMethods::mirror_request()
    } else {
        AllowMethods::list(
            config
                .cors_allow_methods
                .iter()
                .filter_map(|m| m.parse::<Method>().ok()),
        )
    };
    let headers = if config.cors_allow_headers.iter().any(|h| h == "*") {
        AllowHeaders::mirror_request()
    } else {
        AllowHeaders::list(
            config
                .cors_allow_headers
                .iter()
                .filter_map(|h| h.parse::<HeaderName>().ok()),
        )
    };
    let layer = CorsLayer::new()
        .allow_methods(methods)
        .allow_headers(headers)
        .expose_headers([HeaderName::from_static(
            http::middleware::CORRELATION_HEADER,
        )]);
    if any_origin {
        // A wildcard origin cannot be combined with credentials.
        layer.allow_origin(AllowOrigin::any())
    } else {
        layer
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(config.cors_allow_credentials)
    }
}

/// Serves the application on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    ui: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        state
            .bound_port
            .store(addr.port(), std::sync::atomic::Ordering::Relaxed);
    }
    let app = router(state.clone(), ui);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopped_sweep = stopped.clone();
    let stopped_realtime = stopped.clone();
    let worker = tokio::spawn(webhooks::worker::run(state.clone(), stopped.clone()));
    let log_writer = tokio::spawn(logs::writer::run(
        state.db.clone(),
        state.request_logs.clone(),
        state.config.request_logs_retention_days,
        std::time::Duration::from_millis(state.config.request_logs_flush_ms),
        stopped,
    ));
    state
        .hooks
        .after(&state, hooks::HookEvent::new(hooks::Event::AppServe))
        .await;
    let sweeper = tokio::spawn(state.limiter.clone().sweep_until(stopped_sweep.clone()));
    let pruner = tokio::spawn(db::feed::prune_until(
        state.db.clone(),
        state.config.change_log_retention,
        stopped_sweep,
    ));
    let files_sweeper = tokio::spawn(files::sweep::run(state.clone(), stopped_realtime.clone()));
    let backups = tokio::spawn(backup::schedule(state.clone(), stopped_realtime.clone()));
    let sealer = tokio::spawn(audit::seal::run(state.clone(), stopped_realtime.clone()));
    let storage_follower = tokio::spawn(configuration::active::follow(
        state.clone(),
        stopped_realtime.clone(),
    ));
    let metrics_listener = match state.config.metrics.addr {
        Some(addr) if state.config.metrics.enabled => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(%addr, "metrics served on their own address");
            Some(tokio::spawn(metrics::serve_separately(
                state.clone(),
                listener,
                stopped_realtime.clone(),
            )))
        }
        _ => None,
    };
    let realtime = tokio::spawn(realtime::run(state.clone(), stopped_realtime));
    // Realtime connections last until the server stops: tell their clients
    // to reconnect, so that the graceful shutdown does not wait on them.
    let hub = state.clone();
    let shutdown = async move {
        shutdown.await;
        hub.realtime.shutdown();
    };
    let result = http::server::run(listener, app, &state.config.server_limits, shutdown).await;
    let _ = stop.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(15), worker).await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(15), log_writer).await;
    let _ = sweeper.await;
    let _ = pruner.await;
    let _ = realtime.await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(15), files_sweeper).await;
    // After the requests and the workers: what they staged is chained now.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(15), sealer).await;
    backups.abort();
    storage_follower.abort();
    if let Some(m) = metrics_listener {
        let _ = m.await;
    }
    state
        .hooks
        .after(&state, hooks::HookEvent::new(hooks::Event::AppTerminate))
        .await;
    state.db.close().await;
    result
}

/// The first-run setup link, while no superadmin exists. `port` is the port
/// the server is bound to (not always the configured one: port 0 lets the
/// kernel pick).
pub fn setup_url(state: &AppState, port: u16) -> Option<String> {
    let token = state.setup.peek()?;
    let base = state.config.public_base(port);
    Some(format!("{base}/admin/setup?token={token}"))
}
