//! The users of one account (the superadmin's view).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::handlers::account_not_found;
use super::model;
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiResult, ErrorBody};
use crate::http::listing::{paging, total_pages};
use crate::http::{ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct AccountUserItem {
    pub id: String,
    pub email: String,
    pub role: String,
    pub is_active: bool,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountUserList {
    pub items: Vec<AccountUserItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub total_pages: i64,
}

/// The users of one account, newest first.
#[utoipa::path(get, path = "/accounts/{account_id}/users", tag = "accounts", params(("account_id" = String, Path), PageQuery),
    security(("bearer" = [])), responses((status = 200, body = AccountUserList), (status = 404, body = ErrorBody)))]
pub async fn list_account_users(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(account_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<AccountUserList>> {
    let (page, page_size, offset) = paging(q.page, q.page_size, 25)?;
    let mut tx = state.db.begin_read().await?;
    if model::find_by_id(&mut tx, &account_id).await?.is_none() {
        return Err(account_not_found(&account_id));
    }
    let (items, total) = on_tx!(&mut tx, |c| {
        let items = sqlx::query_as::<_, AccountUserItem>(
            "SELECT u.id, u.email, r.name AS role, u.is_active, u.created_at FROM users u \
             JOIN roles r ON r.id = u.role_id WHERE u.account_id = $1 \
             ORDER BY u.created_at DESC, u.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&account_id)
        .bind(page_size)
        .bind(offset)
        .fetch_all(&mut *c)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE account_id = $1")
            .bind(&account_id)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((items, total))
    })?;
    Ok(Json(AccountUserList {
        items,
        total,
        page,
        page_size,
        total_pages: total_pages(total, page_size),
    }))
}
