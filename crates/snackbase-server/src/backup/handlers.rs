//! `/admin/backups` (superadmin): list, start, inspect, download, delete.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt as _;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Backup, BackupError, Quiet, Sources, Status, Trigger, STORAGE_PREFIX};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::files::key::Key;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, start))
        .routes(routes!(get, delete))
        .routes(routes!(download))
}

impl From<BackupError> for ApiError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Busy => ApiError::conflict("A backup is already running", None),
            BackupError::NotFound(_) => ApiError::not_found("Backup not found"),
            BackupError::Io(e) => ApiError::internal(e),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupList {
    pub items: Vec<Backup>,
    pub total: usize,
    pub config: BackupConfigView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupConfigView {
    /// The backup directory, absolute.
    pub directory: String,
    /// `local` or `storage`.
    pub destination: &'static str,
    /// Seconds between scheduled backups (0: none).
    pub interval_seconds: u64,
    pub keep: usize,
    /// False on PostgreSQL: only stored files are archived (use `pg_dump`).
    pub database_included: bool,
}

/// Recorded backups, newest first, with the one running (if any) on top.
#[utoipa::path(get, path = "/admin/backups", tag = "backups", security(("bearer" = [])),
    responses((status = 200, body = BackupList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<BackupList>> {
    let settings = &state.config.backup;
    let mut items = super::list(&settings.dir)
        .await
        .map_err(ApiError::internal)?;
    if let Some(running) = state.backups.running() {
        items.insert(0, running);
    }
    let directory = std::path::absolute(&settings.dir).unwrap_or_else(|_| settings.dir.clone());
    Ok(Json(BackupList {
        total: items.len(),
        items,
        config: BackupConfigView {
            directory: directory.display().to_string(),
            destination: settings.destination.as_str(),
            interval_seconds: settings.interval.as_secs(),
            keep: settings.keep,
            database_included: state.db.backend() == crate::db::Backend::Sqlite,
        },
    }))
}

/// Starts a backup in the background; poll the list or the backup for its end.
#[utoipa::path(post, path = "/admin/backups", tag = "backups", security(("bearer" = [])),
    responses((status = 202, body = Backup), (status = 409, body = ErrorBody, description = "one is already running"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<(StatusCode, Json<Backup>)> {
    let sources = Sources::of(&state);
    let backup = state.backups.begin(Trigger::Manual)?;
    let task_state = state.clone();
    let begun = backup.clone();
    tokio::spawn(async move {
        super::run(
            &task_state.backups,
            &task_state.config.backup,
            &sources,
            begun,
            Arc::new(Quiet),
        )
        .await;
    });
    Ok((StatusCode::ACCEPTED, Json(backup)))
}

async fn lookup(state: &AppState, id: &str) -> Result<Backup, ApiError> {
    if let Some(running) = state.backups.running().filter(|b| b.id == id) {
        return Ok(running);
    }
    Ok(super::find(&state.config.backup.dir, id).await?)
}

#[utoipa::path(get, path = "/admin/backups/{id}", tag = "backups", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Backup), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _admin: Superadmin,
    Path(id): Path<String>,
) -> ApiResult<Json<Backup>> {
    Ok(Json(lookup(&state, &id).await?))
}

/// Deletes a finished backup (its archive and record).
#[utoipa::path(delete, path = "/admin/backups/{id}", tag = "backups", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "it is running"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: Superadmin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let backup = lookup(&state, &id).await?;
    if backup.status == Status::Running {
        return Err(ApiError::conflict("The backup is still running", None));
    }
    super::delete(&state.config.backup.dir, &state.storage, &backup).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The archive (`application/zstd`), streamed.
#[utoipa::path(get, path = "/admin/backups/{id}/download", tag = "backups", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/zstd", description = "the archive"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    _admin: Superadmin,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let backup = lookup(&state, &id).await?;
    if backup.status != Status::Completed {
        return Err(ApiError::conflict(
            "Only a completed backup can be downloaded",
            None,
        ));
    }
    let body = if backup.location == "storage" {
        let (key, _) = Key::parse(&format!("{STORAGE_PREFIX}{}", backup.file_name))
            .map_err(|_| ApiError::not_found("Backup not found"))?;
        let stream = state.storage.read(&key, None).await?;
        Body::from_stream(stream.map(|r| r.map_err(|e| std::io::Error::other(e.to_string()))))
    } else {
        let file =
            match tokio::fs::File::open(state.config.backup.dir.join(&backup.file_name)).await {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ApiError::not_found("Backup not found"))
                }
                Err(e) => return Err(ApiError::internal(e)),
            };
        Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
            file,
            256 * 1024,
        ))
    };
    let disposition = format!("attachment; filename=\"{}\"", backup.file_name);
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zstd"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(size) = backup.size_bytes {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    Ok(response)
}
