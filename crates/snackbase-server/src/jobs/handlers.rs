//! The routes of `/admin/jobs` (the SDK's `client.jobs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Filter, Job, JobStats};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiPath, ApiQuery};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stats))
        .routes(routes!(get, cancel))
        .routes(routes!(retry))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// `pending`, `running`, `completed`, `failed`, `retrying` or `dead`.
    pub status: Option<String>,
    /// `webhooks` or `backups`.
    pub queue: Option<String>,
    /// `webhook.deliver` or `backup.create`.
    pub handler: Option<String>,
    /// 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// Jobs to pass over, newest first (default 0, at most 100000).
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<Job>,
    pub total: i64,
}

#[derive(Debug, Deserialize)]
pub struct JobPath {
    pub id: String,
}

/// Jobs of every queue, newest first.
#[utoipa::path(get, path = "/admin/jobs", tag = "jobs", params(JobsQuery), security(("bearer" = [])),
    responses((status = 200, body = JobPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> ApiResult<Json<JobPage>> {
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || !(0..=100_000).contains(&offset) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "limit must be 1 to 100 and offset 0 to 100000",
        ));
    }
    let filter = Filter {
        status: q.status,
        queue: q.queue,
        handler: q.handler,
    };
    filter.check()?;
    let (items, total) = super::list(&state, &filter, limit, offset).await?;
    Ok(Json(JobPage { items, total }))
}

/// Counts by status, mean duration and failure rate.
#[utoipa::path(get, path = "/admin/jobs/stats", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobStats), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn stats(State(state): State<AppState>, _admin: Superadmin) -> ApiResult<Json<JobStats>> {
    Ok(Json(super::stats(&state).await?))
}

#[utoipa::path(get, path = "/admin/jobs/{id}", tag = "jobs", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(p): ApiPath<JobPath>,
) -> ApiResult<Json<Job>> {
    Ok(Json(super::get(&state, &p.id).await?))
}

/// Runs a dead or retrying job again now, with a fresh set of attempts.
#[utoipa::path(post, path = "/admin/jobs/{id}/retry", tag = "jobs", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(p): ApiPath<JobPath>,
) -> ApiResult<Json<Job>> {
    Ok(Json(super::retry(&state, &p.id).await?))
}

/// Cancels a pending job (400 for any other).
#[utoipa::path(delete, path = "/admin/jobs/{id}", tag = "jobs", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(p): ApiPath<JobPath>,
) -> ApiResult<StatusCode> {
    super::cancel(&state, &p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
