//! The superadmin's request-log routes: list with filters, one entry, counts
//! per status class, and the retention setting.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::settings::{self, MAX_RETENTION_DAYS, RETENTION_KEY};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::listing::{paging, search_pattern, sort_direction, total_pages};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_pool;

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RequestLog {
    pub id: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub method: String,
    /// Path and query string; secret-looking query values read `[redacted]`.
    pub path: String,
    pub status: i64,
    pub duration_ms: f64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    /// Who acted as `user_id` (an impersonation session).
    pub impersonator_id: Option<String>,
    pub correlation_id: String,
    /// The error envelope's message of a 4xx or 5xx answer.
    pub error: Option<String>,
}

const SELECT: &str = "SELECT id, created_at, method, path, status, duration_ms, ip, user_agent, \
                      account_id, user_id, impersonator_id, correlation_id, error FROM request_logs";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListLogsQuery {
    pub page: Option<i64>,
    /// 1 to 100, default 50.
    pub page_size: Option<i64>,
    /// `created_at` (default), `status` or `duration_ms`.
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    pub sort_order: Option<String>,
    /// An exact status, 100 to 599.
    pub status: Option<i64>,
    /// A status class: `2xx`, `3xx`, `4xx` or `5xx` (or `2`…`5`).
    pub status_class: Option<String>,
    /// An HTTP method, e.g. `GET`.
    pub method: Option<String>,
    /// Case-insensitive substring of the path and query.
    pub path: Option<String>,
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    /// RFC 3339; entries at or after it.
    pub since: Option<String>,
    /// RFC 3339; entries before it.
    pub until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestLogList {
    pub items: Vec<RequestLog>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub total_pages: i64,
}

fn time(field: &str, raw: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    raw.filter(|s| !s.trim().is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(
                        field,
                        "invalid_datetime",
                        format!("{field} must be an RFC 3339 date-time"),
                    )
                })
        })
        .transpose()
}

fn status_class(raw: Option<&str>) -> ApiResult<Option<(i64, i64)>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let digit = raw.to_ascii_lowercase();
    let digit = digit.strip_suffix("xx").unwrap_or(&digit);
    match digit.parse::<i64>() {
        Ok(c @ 1..=5) => Ok(Some((c * 100, c * 100 + 100))),
        _ => Err(ApiError::invalid(
            "status_class",
            "invalid_status_class",
            "status_class must be one of 1xx, 2xx, 3xx, 4xx, 5xx",
        )),
    }
}

fn method(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if raw.len() > 16 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(
            "method",
            "invalid_method",
            "method must be an HTTP method such as GET",
        ));
    }
    Ok(Some(raw.to_ascii_uppercase()))
}

/// Request logs, newest first, with filters and paging.
#[utoipa::path(get, path = "/admin/logs", tag = "logs", params(ListLogsQuery), security(("bearer" = [])),
    responses((status = 200, body = RequestLogList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_logs(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<ListLogsQuery>,
) -> ApiResult<Json<RequestLogList>> {
    let (page, page_size, offset) = paging(q.page, q.page_size, 50)?;
    let column = match q.sort_by.as_deref().unwrap_or("created_at") {
        c @ ("created_at" | "status" | "duration_ms") => c,
        _ => {
            return Err(ApiError::invalid(
                "sort_by",
                "invalid_sort",
                "sort_by must be one of: created_at, status, duration_ms",
            ))
        }
    };
    let direction = sort_direction(q.sort_order.as_deref())?;
    if let Some(s) = q.status {
        if !(100..=599).contains(&s) {
            return Err(ApiError::invalid(
                "status",
                "out_of_range",
                "status must be between 100 and 599",
            ));
        }
    }
    let class = status_class(q.status_class.as_deref())?;
    let method = method(q.method.as_deref())?;
    let since = time("since", q.since.as_deref())?;
    let until = time("until", q.until.as_deref())?;
    let pattern = search_pattern(q.path.as_deref().filter(|p| !p.is_empty()));
    let (class_lo, class_hi) = (class.map(|c| c.0), class.map(|c| c.1));

    let filter = "($1 IS NULL OR status = $1) AND ($2 IS NULL OR status >= $2) AND ($3 IS NULL OR status < $3) \
         AND ($4 IS NULL OR method = $4) AND ($5 IS NULL OR LOWER(path) LIKE $5 ESCAPE '\\') \
         AND ($6 IS NULL OR account_id = $6) AND ($7 IS NULL OR user_id = $7) \
         AND ($8 IS NULL OR created_at >= $8) AND ($9 IS NULL OR created_at < $9)";
    let list_sql = format!(
        "{SELECT} WHERE {filter} ORDER BY {column} {direction}, id {direction} LIMIT $10 OFFSET $11"
    );
    let count_sql = format!("SELECT COUNT(*) FROM request_logs WHERE {filter}");
    let (items, total) = on_pool!(&state.db, |p| {
        let items = sqlx::query_as::<_, RequestLog>(&list_sql)
            .bind(q.status)
            .bind(class_lo)
            .bind(class_hi)
            .bind(&method)
            .bind(&pattern)
            .bind(&q.account_id)
            .bind(&q.user_id)
            .bind(since)
            .bind(until)
            .bind(page_size)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(q.status)
            .bind(class_lo)
            .bind(class_hi)
            .bind(&method)
            .bind(&pattern)
            .bind(&q.account_id)
            .bind(&q.user_id)
            .bind(since)
            .bind(until)
            .fetch_one(p)
            .await?;
        Ok::<_, sqlx::Error>((items, total))
    })?;
    Ok(Json(RequestLogList {
        items,
        total,
        page,
        page_size,
        total_pages: total_pages(total, page_size),
    }))
}

/// One request-log entry.
#[utoipa::path(get, path = "/admin/logs/{log_id}", tag = "logs", params(("log_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = RequestLog), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_log(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(log_id): ApiPath<String>,
) -> ApiResult<Json<RequestLog>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = on_pool!(&state.db, |p| {
        sqlx::query_as::<_, RequestLog>(&sql)
            .bind(&log_id)
            .fetch_optional(p)
            .await
    })?;
    row.map(Json)
        .ok_or_else(|| ApiError::not_found("Log entry not found"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogStats {
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub since: DateTime<Utc>,
    pub total: i64,
    /// Requests per status class (`2xx`, `4xx`, …) since `since`.
    pub by_class: BTreeMap<String, i64>,
    /// Entries this node dropped since it started because the writer fell behind.
    pub dropped: u64,
}

/// Requests per status class over the last 24 hours.
#[utoipa::path(get, path = "/admin/logs/stats", tag = "logs", security(("bearer" = [])),
    responses((status = 200, body = LogStats), (status = 403, body = ErrorBody)))]
pub async fn log_stats(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<LogStats>> {
    let since = crate::http::time::now() - chrono::Duration::hours(24);
    let rows: Vec<(i64, i64)> = on_pool!(&state.db, |p| {
        sqlx::query_as(
            "SELECT status / 100, COUNT(*) FROM request_logs WHERE created_at >= $1 GROUP BY status / 100",
        )
        .bind(since)
        .fetch_all(p)
        .await
    })?;
    let by_class: BTreeMap<String, i64> = rows
        .into_iter()
        .map(|(class, n)| (format!("{class}xx"), n))
        .collect();
    Ok(Json(LogStats {
        since,
        total: by_class.values().sum(),
        by_class,
        dropped: state.request_logs.dropped(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogSettings {
    /// `SNACKBASE_REQUEST_LOGS_ENABLED`.
    pub enabled: bool,
    /// The retention in force: the stored setting if any, else the configuration's.
    pub retention_days: i64,
    /// `SNACKBASE_REQUEST_LOGS_RETENTION_DAYS`.
    pub default_retention_days: i64,
    /// Whether `retention_days` comes from the stored setting.
    pub overridden: bool,
}

async fn current_settings(state: &AppState) -> ApiResult<LogSettings> {
    let stored = settings::stored_retention(&state.db).await?;
    let default = state.config.request_logs_retention_days;
    let effective = stored.unwrap_or(default);
    state.request_logs.set_retention_days(effective);
    Ok(LogSettings {
        enabled: state.request_logs.enabled(),
        retention_days: effective,
        default_retention_days: default,
        overridden: stored.is_some(),
    })
}

/// The request-log settings.
#[utoipa::path(get, path = "/admin/logs/settings", tag = "logs", security(("bearer" = [])),
    responses((status = 200, body = LogSettings), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<LogSettings>> {
    Ok(Json(current_settings(&state).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLogSettings {
    /// Days to keep entries (0 keeps none); `null` goes back to the configuration's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub retention_days: Option<Option<i64>>,
}

/// A field that is present (`Some`), possibly as `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// Changes the retention; older entries are pruned at once.
#[utoipa::path(patch, path = "/admin/logs/settings", tag = "logs", request_body = UpdateLogSettings,
    security(("bearer" = [])),
    responses((status = 200, body = LogSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_settings(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<UpdateLogSettings>,
) -> ApiResult<Json<LogSettings>> {
    if let Some(days) = req.retention_days {
        if let Some(d) = days {
            if !(0..=MAX_RETENTION_DAYS).contains(&d) {
                return Err(ApiError::invalid(
                    "retention_days",
                    "out_of_range",
                    format!("retention_days must be between 0 and {MAX_RETENTION_DAYS}"),
                ));
            }
        }
        let value = days.map(|d| d.to_string());
        let old = settings::get(&state.db, RETENTION_KEY).await?;
        let mut tx = state.db.begin().await?;
        settings::set_in(&mut tx, RETENTION_KEY, value.as_deref()).await?;
        let shown = |v: &Option<String>| serde_json::json!({ "value": v });
        let (before, after) = (shown(&old), shown(&value));
        let event = crate::audit::object_event(
            Some(&*admin),
            None,
            "UPDATE",
            "settings",
            RETENTION_KEY,
            Some(&before),
            Some(&after),
            &[],
        );
        crate::audit::append(&state.audit, &mut tx, event).await?;
        tx.commit().await?;
    }
    let current = current_settings(&state).await?;
    super::writer::prune(&state.db, current.retention_days).await?;
    Ok(Json(current))
}
