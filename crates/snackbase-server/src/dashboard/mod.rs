//! `GET /dashboard/stats`: the superadmin's overview, with the original's field names.

use std::path::Path;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::db::dialect;
use crate::error::{ApiResult, ErrorBody};
use crate::on_tx;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dashboard_stats))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RecentRegistration {
    pub id: String,
    pub email: String,
    pub account_id: String,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogItem {
    pub id: String,
    pub operation: String,
    pub table_name: String,
    pub user_email: String,
    pub occurred_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardStats {
    pub total_accounts: i64,
    pub total_users: i64,
    pub total_collections: i64,
    pub total_records: i64,
    pub new_accounts_7d: i64,
    pub new_users_7d: i64,
    pub recent_registrations: Vec<RecentRegistration>,
    pub system_health: SystemHealth,
    pub active_sessions: i64,
    /// Filled once the audit trail exists.
    pub recent_audit_logs: Vec<AuditLogItem>,
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

/// Counts of accounts, users, collections, records and sessions.
#[utoipa::path(get, path = "/dashboard/stats", tag = "dashboard", security(("bearer" = [])),
    responses((status = 200, body = DashboardStats), (status = 403, body = ErrorBody)))]
pub async fn dashboard_stats(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<DashboardStats>> {
    let week_ago = Utc::now() - Duration::days(7);
    let now = Utc::now();
    let mut tx = state.db.begin_read().await?;
    let tables_sql = dialect::collection_tables_sql(tx.backend());
    let (
        total_accounts,
        total_users,
        new_accounts_7d,
        new_users_7d,
        active_sessions,
        recent,
        tables,
    ) = on_tx!(&mut tx, |c| {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        let total_accounts = count("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *c)
            .await?;
        let total_users = count("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *c)
            .await?;
        let new_accounts = count("SELECT COUNT(*) FROM accounts WHERE created_at >= $1")
            .bind(week_ago)
            .fetch_one(&mut *c)
            .await?;
        let new_users = count("SELECT COUNT(*) FROM users WHERE created_at >= $1")
            .bind(week_ago)
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
        let tables: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(&mut *c).await?;
        Ok::<_, sqlx::Error>((
            total_accounts,
            total_users,
            new_accounts,
            new_users,
            sessions,
            recent,
            tables,
        ))
    })?;
    let mut total_records = 0;
    for table in &tables {
        let sql = format!("SELECT COUNT(*) FROM {}", dialect::quote_ident(table));
        total_records += on_tx!(&mut tx, |c| sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(c)
            .await)?;
    }
    let storage = state.config.storage_path.clone();
    let bytes = tokio::task::spawn_blocking(move || dir_size(&storage))
        .await
        .unwrap_or(0);
    Ok(Json(DashboardStats {
        total_accounts,
        total_users,
        total_collections: tables.len() as i64,
        total_records,
        new_accounts_7d,
        new_users_7d,
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
        recent_audit_logs: Vec::new(),
    }))
}
