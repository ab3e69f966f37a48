//! `/admin/configuration`: the read-only routes: statistics, recent
//! changes, the lists (system-wide, per account), the provider catalogue and
//! its schemas.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::catalog;
use super::handlers::own_account;
use super::store::{self, Configuration, Row};
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::{AnyAdmin, Superadmin};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Counts {
    pub total: i64,
    pub by_category: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub system_configs: Counts,
    pub account_configs: Counts,
}

/// How many configurations there are, system-wide and in accounts, by category.
#[utoipa::path(get, path = "/admin/configuration/stats", tag = "configuration", security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = 403, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    _superadmin: Superadmin,
) -> ApiResult<Json<Stats>> {
    let mut tx = state.db.begin_read().await?;
    let mut counts = Vec::new();
    for op in ["=", "<>"] {
        let sql = format!(
            "SELECT category, COUNT(*) FROM configurations WHERE account_id {op} $1 GROUP BY category"
        );
        let rows: Vec<(String, i64)> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(SYSTEM_ACCOUNT)
            .fetch_all(c)
            .await)?;
        counts.push(Counts {
            total: rows.iter().map(|r| r.1).sum(),
            by_category: rows.into_iter().collect(),
        });
    }
    let account_configs = counts.pop().unwrap_or_default();
    let system_configs = counts.pop().unwrap_or_default();
    Ok(Json(Stats {
        system_configs,
        account_configs,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// 1 to 100, default 10.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Modifier {
    pub id: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecentConfiguration {
    #[serde(flatten)]
    pub configuration: Configuration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<Modifier>,
}

/// The configurations changed last, newest first, with who changed them.
#[utoipa::path(get, path = "/admin/configuration/recent", tag = "configuration", params(RecentQuery),
    security(("bearer" = [])), responses((status = 200, body = [RecentConfiguration]), (status = 403, body = ErrorBody)))]
pub async fn recent(
    State(state): State<AppState>,
    _superadmin: Superadmin,
    ApiQuery(q): ApiQuery<RecentQuery>,
) -> ApiResult<Json<Vec<RecentConfiguration>>> {
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "limit must be 1 to 100",
        ));
    }
    let sql = format!(
        "{} ORDER BY updated_at DESC, id DESC LIMIT $1",
        store::SELECT
    );
    let mut tx = state.db.begin_read().await?;
    let rows = on_tx!(&mut tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let last_modified_by = match &row.updated_by {
            Some(uid) => on_tx!(&mut tx, |c| sqlx::query_scalar::<_, String>(
                "SELECT email FROM users WHERE id = $1"
            )
            .bind(uid)
            .fetch_optional(c)
            .await)?
            .map(|email| Modifier {
                id: uid.clone(),
                email,
            }),
            None => None,
        };
        out.push(RecentConfiguration {
            configuration: row.view(),
            last_modified_by,
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub category: Option<String>,
    /// `/account`: the account (an account admin's own by default).
    pub account_id: Option<String>,
}

fn views(rows: Vec<Row>) -> Json<Vec<Configuration>> {
    Json(rows.iter().map(Row::view).collect())
}

/// The system-wide configurations.
#[utoipa::path(get, path = "/admin/configuration/system", tag = "configuration", params(ListQuery),
    security(("bearer" = [])), responses((status = 200, body = [Configuration]), (status = 403, body = ErrorBody)))]
pub async fn list_system(
    State(state): State<AppState>,
    _superadmin: Superadmin,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Configuration>>> {
    let mut tx = state.db.begin_read().await?;
    let rows = store::list(&mut tx, SYSTEM_ACCOUNT, q.category.as_deref()).await?;
    Ok(views(rows))
}

/// An account's configurations (an account admin: their own).
#[utoipa::path(get, path = "/admin/configuration/account", tag = "configuration", params(ListQuery),
    security(("bearer" = [])), responses((status = 200, body = [Configuration]), (status = 403, body = ErrorBody),
    (status = 422, body = ErrorBody)))]
pub async fn list_account(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Configuration>>> {
    let account = own_account(&admin, q.account_id.as_deref())?
        .ok_or_else(|| ApiError::invalid("account_id", "required", "account_id is required"))?;
    let mut tx = state.db.begin_read().await?;
    let rows = store::list(&mut tx, &account, q.category.as_deref()).await?;
    Ok(views(rows))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderInfo {
    pub provider_name: &'static str,
    pub display_name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub is_builtin: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProvidersQuery {
    pub category: Option<String>,
}

/// The provider catalogue (optionally of one category).
#[utoipa::path(get, path = "/admin/configuration/providers", tag = "configuration", params(ProvidersQuery),
    security(("bearer" = [])), responses((status = 200, body = [ProviderInfo])))]
pub async fn providers(
    _admin: AnyAdmin,
    ApiQuery(q): ApiQuery<ProvidersQuery>,
) -> Json<Vec<ProviderInfo>> {
    Json(
        catalog::PROVIDERS
            .iter()
            .filter(|p| q.category.as_deref().is_none_or(|c| c == p.category))
            .map(|p| ProviderInfo {
                provider_name: p.name,
                display_name: p.display_name,
                category: p.category,
                description: p.description,
                is_builtin: true,
            })
            .collect(),
    )
}

/// A provider's values as a JSON schema; secret fields carry `secret: true`.
#[utoipa::path(get, path = "/admin/configuration/schema/{category}/{provider_name}", tag = "configuration",
    params(("category" = String, Path), ("provider_name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn schema(
    _admin: AnyAdmin,
    ApiPath((category, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<Value>> {
    let provider = catalog::provider(&category, &name)
        .ok_or_else(|| ApiError::not_found(format!("No provider '{name}' in '{category}'")))?;
    Ok(Json(provider.schema()))
}
