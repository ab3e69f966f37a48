//! `GET /dashboard/stats`: the superadmin's overview, with the original's field
//! names, over a chosen range (`7d`, `30d`, `90d`) as the SDK asks for it.

use std::path::Path;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod series;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::db::dialect;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiQuery;
use crate::on_tx;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dashboard_stats))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RecentRegistration {
    pub id: String,
    pub email: String,
    pub account_id: String,
    /// The same as `account_id` (the SDK's name for the `XX####` code).
    #[sqlx(skip)]
    pub account_code: String,
    pub account_name: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SystemHealth {
    pub database_status: &'static str,
    pub storage_usage_mb: f64,
}

/// New accounts and users in the period before the chosen range.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousPeriod {
    pub new_accounts: i64,
    pub new_users: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionCount {
    pub name: String,
    /// Records in every account.
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardStats {
    pub total_accounts: i64,
    pub total_users: i64,
    pub total_collections: i64,
    pub total_records: i64,
    /// New in the chosen `range` (the name is the original's, whatever the range).
    pub new_accounts_7d: i64,
    /// New in the chosen `range`.
    pub new_users_7d: i64,
    /// `7d`, `30d` or `90d`.
    pub range: &'static str,
    pub previous_period: PreviousPeriod,
    /// Every collection with its number of records, by name.
    pub records_by_collection: Vec<CollectionCount>,
    pub recent_registrations: Vec<RecentRegistration>,
    pub system_health: SystemHealth,
    pub active_sessions: i64,
    /// The 10 newest audit entries (every account).
    pub recent_audit_logs: Vec<crate::audit::query::AuditLog>,
    /// Day by day over the range.
    pub time_series: series::TimeSeries,
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The period of the `new_*` counts: `7d` (default), `30d` or `90d`.
    pub range: Option<String>,
}

/// The range's name and its length in days.
fn range_of(raw: Option<&str>) -> ApiResult<(&'static str, i64)> {
    match raw.map(str::trim).unwrap_or("7d") {
        "7d" => Ok(("7d", 7)),
        "30d" => Ok(("30d", 30)),
        "90d" => Ok(("90d", 90)),
        _ => Err(ApiError::invalid(
            "range",
            "invalid_range",
            "range must be 7d, 30d or 90d",
        )),
    }
}

/// Counts of accounts, users, collections, records and sessions.
#[utoipa::path(get, path = "/dashboard/stats", tag = "dashboard", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = DashboardStats), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dashboard_stats(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<DashboardStats>> {
    let (range, days) = range_of(q.range.as_deref())?;
    let now = Utc::now();
    let since = now - Duration::days(days);
    let before = since - Duration::days(days);
    crate::audit::settled(&state).await?;
    let mut tx = state.db.begin_read().await?;
    let (
        total_accounts,
        total_users,
        (new_accounts, previous_accounts),
        (new_users, previous_users),
        active_sessions,
        recent,
    ) = on_tx!(&mut tx, |c| {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        let total_accounts = count("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *c)
            .await?;
        let total_users = count("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *c)
            .await?;
        let new_accounts = count("SELECT COUNT(*) FROM accounts WHERE created_at >= $1")
            .bind(since)
            .fetch_one(&mut *c)
            .await?;
        let previous_accounts =
            count("SELECT COUNT(*) FROM accounts WHERE created_at >= $1 AND created_at < $2")
                .bind(before)
                .bind(since)
                .fetch_one(&mut *c)
                .await?;
        let new_users = count("SELECT COUNT(*) FROM users WHERE created_at >= $1")
            .bind(since)
            .fetch_one(&mut *c)
            .await?;
        let previous_users =
            count("SELECT COUNT(*) FROM users WHERE created_at >= $1 AND created_at < $2")
                .bind(before)
                .bind(since)
                .fetch_one(&mut *c)
                .await?;
        let sessions = count(
            "SELECT COUNT(*) FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id \
                 WHERE t.is_revoked = FALSE AND t.expires_at > $1 AND s.revoked_at IS NULL",
        )
        .bind(now)
        .fetch_one(&mut *c)
        .await?;
        let recent = sqlx::query_as::<_, RecentRegistration>(
                "SELECT u.id, u.email, u.account_id, a.name AS account_name, u.created_at FROM users u \
                 JOIN accounts a ON a.id = u.account_id ORDER BY u.created_at DESC, u.id DESC LIMIT 10",
            )
            .fetch_all(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((
            total_accounts,
            total_users,
            (new_accounts, previous_accounts),
            (new_users, previous_users),
            sessions,
            recent,
        ))
    })?;
    let time_series = series::read(&mut tx, now, days).await?;
    let mut records_by_collection = Vec::new();
    for c in crate::collections::store::all(&mut tx).await? {
        let sql = format!("SELECT COUNT(*) FROM {}", dialect::quote_ident(&c.table));
        let count = on_tx!(&mut tx, |conn| sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(conn)
            .await)?;
        records_by_collection.push(CollectionCount {
            name: c.name,
            count,
        });
    }
    records_by_collection.sort_by(|a, b| a.name.cmp(&b.name));
    let recent = recent
        .into_iter()
        .map(|r| RecentRegistration {
            account_code: r.account_id.clone(),
            ..r
        })
        .collect();
    let storage = state.config.storage_path.clone();
    let bytes = tokio::task::spawn_blocking(move || dir_size(&storage))
        .await
        .unwrap_or(0);
    Ok(Json(DashboardStats {
        total_accounts,
        total_users,
        total_collections: records_by_collection.len() as i64,
        total_records: records_by_collection.iter().map(|c| c.count).sum(),
        new_accounts_7d: new_accounts,
        new_users_7d: new_users,
        range,
        previous_period: PreviousPeriod {
            new_accounts: previous_accounts,
            new_users: previous_users,
        },
        records_by_collection,
        recent_registrations: recent,
        system_health: SystemHealth {
            database_status: if state.db.ping().await {
                "connected"
            } else {
                "disconnected"
            },
            storage_usage_mb: ((bytes as f64 / 1_048_576.0) * 100.0).round() / 100.0,
        },
        active_sessions,
        recent_audit_logs: crate::audit::recent(&state, 10).await?,
        time_series,
    }))
}
