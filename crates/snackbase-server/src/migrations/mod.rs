//! `/migrations`: what shaped the database, for the superadmin and the SDK's
//! `migrations.*` calls. Two kinds of revision: the static ones are the SQL
//! migrations embedded in the binary (applied at start, recorded by sqlx in
//! `_sqlx_migrations`); the dynamic ones are the collection schema changes
//! (`collection_migrations`, one per change, applied in its transaction).
//! The reply keys are camelCase because the SDK types them so.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::on_tx;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_migrations))
        .routes(routes!(current_migration))
        .routes(routes!(migration_history))
}

/// One revision, applied or not.
struct Revision {
    revision: String,
    description: String,
    applied_at: Option<DateTime<Utc>>,
    dynamic: bool,
}

/// Every revision: the embedded ones in version order, then the collection
/// changes oldest first.
async fn revisions(state: &AppState) -> ApiResult<Vec<Revision>> {
    let mut tx = state.db.begin_read().await?;
    let applied: Vec<(i64, DateTime<Utc>)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT version, installed_on FROM _sqlx_migrations WHERE success ORDER BY version"
    )
    .fetch_all(c)
    .await)?;
    let mut out: Vec<Revision> = state
        .db
        .embedded_migrations()
        .iter()
        .map(|m| Revision {
            revision: format!("{:04}_{}", m.version, m.description.replace(' ', "_")),
            description: m.description.to_string(),
            applied_at: applied
                .iter()
                .find(|(v, _)| *v == m.version)
                .map(|(_, at)| *at),
            dynamic: false,
        })
        .collect();
    let changes: Vec<(String, String, i64, String, DateTime<Utc>)> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
            "SELECT id, collection_name, version, operation, created_at FROM collection_migrations \
             ORDER BY created_at, version",
        )
        .fetch_all(c)
        .await
    })?;
    out.extend(
        changes
            .into_iter()
            .map(|(id, name, version, operation, at)| Revision {
                revision: id,
                description: format!("{operation} collection '{name}' (version {version})"),
                applied_at: Some(at),
                dynamic: true,
            }),
    );
    Ok(out)
}

/// The revision applied last (by time; the later one on a tie).
fn current(revisions: &[Revision]) -> Option<&Revision> {
    revisions
        .iter()
        .filter(|r| r.applied_at.is_some())
        .max_by_key(|r| r.applied_at)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionItem {
    /// `0001_foundation` for an embedded migration; the change's id for a
    /// collection schema change.
    pub revision: String,
    pub description: String,
    pub is_applied: bool,
    /// True for collection schema changes.
    pub is_dynamic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionList {
    pub revisions: Vec<RevisionItem>,
    pub total: usize,
    pub current_revision: Option<String>,
}

/// Every revision, embedded migrations first, then collection schema changes.
#[utoipa::path(get, path = "/migrations", tag = "migrations", security(("bearer" = [])),
    responses((status = 200, body = RevisionList), (status = 403, body = ErrorBody)))]
pub async fn list_migrations(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<RevisionList>> {
    let all = revisions(&state).await?;
    let current_revision = current(&all).map(|r| r.revision.clone());
    let revisions: Vec<RevisionItem> = all
        .into_iter()
        .map(|r| RevisionItem {
            is_applied: r.applied_at.is_some(),
            revision: r.revision,
            description: r.description,
            is_dynamic: r.dynamic,
        })
        .collect();
    Ok(Json(RevisionList {
        total: revisions.len(),
        revisions,
        current_revision,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrentRevision {
    pub revision: String,
    pub description: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub applied_at: DateTime<Utc>,
    pub is_dynamic: bool,
}

/// The revision applied last.
#[utoipa::path(get, path = "/migrations/current", tag = "migrations", security(("bearer" = [])),
    responses((status = 200, body = CurrentRevision), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn current_migration(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<CurrentRevision>> {
    let all = revisions(&state).await?;
    let r = current(&all).ok_or_else(|| ApiError::not_found("No migration is applied"))?;
    Ok(Json(CurrentRevision {
        revision: r.revision.clone(),
        description: r.description.clone(),
        applied_at: r.applied_at.unwrap_or_default(),
        is_dynamic: r.dynamic,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub revision: String,
    pub description: String,
    pub is_dynamic: bool,
    /// When it was applied.
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub history: Vec<HistoryItem>,
    pub total: usize,
}

/// The applied revisions, oldest first.
#[utoipa::path(get, path = "/migrations/history", tag = "migrations", security(("bearer" = [])),
    responses((status = 200, body = History), (status = 403, body = ErrorBody)))]
pub async fn migration_history(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<History>> {
    let mut history: Vec<HistoryItem> = revisions(&state)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(HistoryItem {
                created_at: r.applied_at?,
                revision: r.revision,
                description: r.description,
                is_dynamic: r.dynamic,
            })
        })
        .collect();
    // Stable: embedded migrations applied in one start keep their order.
    history.sort_by_key(|h| h.created_at);
    Ok(Json(History {
        total: history.len(),
        history,
    }))
}
