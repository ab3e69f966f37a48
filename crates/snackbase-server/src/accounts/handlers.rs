//! The superadmin's account routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, AccountRow};
use super::slug;
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::Superadmin;
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::listing::{paging, search_pattern, sort_direction, total_pages};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAccountsQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
    /// 1 to 100, default 25.
    pub page_size: Option<i64>,
    /// `id`, `slug`, `name` or `created_at` (default).
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    pub sort_order: Option<String>,
    /// Case-insensitive substring of the id, slug or name.
    pub search: Option<String>,
    /// The SDK's filter. Accounts cannot be deactivated, so `true` lists every
    /// account and `false` none.
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct AccountListItem {
    pub id: String,
    /// The same as `id` (the SDK's name for the `XX####` code).
    #[sqlx(skip)]
    pub account_code: String,
    pub slug: String,
    pub name: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub user_count: i64,
    #[sqlx(skip)]
    pub status: &'static str,
    /// Whether login needs a verified email; `null` follows the server default.
    pub require_email_verification: Option<bool>,
    /// The setting in force (the server default where the account has none).
    #[sqlx(skip)]
    pub email_verification_required: bool,
    /// Whether its admins must sign in with TOTP (`null`: no).
    pub require_admin_mfa: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountListItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub total_pages: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    pub id: String,
    /// The same as `id` (the SDK's name for the `XX####` code).
    pub account_code: String,
    pub slug: String,
    pub name: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    pub user_count: i64,
    pub collections_used: Vec<String>,
    /// Whether login needs a verified email; `null` follows the server default.
    pub require_email_verification: Option<bool>,
    /// The setting in force (the server default where the account has none).
    pub email_verification_required: bool,
    /// Whether its admins must sign in with TOTP (`null`: no).
    pub require_admin_mfa: Option<bool>,
}

/// Lists accounts with paging, search and sort.
#[utoipa::path(get, path = "/accounts", tag = "accounts", params(ListAccountsQuery), security(("bearer" = [])),
    responses((status = 200, body = AccountList), (status = 403, body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<ListAccountsQuery>,
) -> ApiResult<Json<AccountList>> {
    let (page, page_size, offset) = paging(q.page, q.page_size, 25)?;
    let column = match q.sort_by.as_deref().unwrap_or("created_at") {
        c @ ("id" | "slug" | "name" | "created_at") => c,
        _ => {
            return Err(ApiError::invalid(
                "sort_by",
                "invalid_sort",
                "sort_by must be one of: id, slug, name, created_at",
            ))
        }
    };
    let direction = sort_direction(q.sort_order.as_deref())?;
    let pattern = search_pattern(q.search.as_deref());
    // Every account is active: `is_active=false` matches none.
    let active = if q.is_active == Some(false) {
        "1 = 0"
    } else {
        "1 = 1"
    };
    let filter = format!(
        "{active} AND ($1 IS NULL OR LOWER(a.name) LIKE $1 ESCAPE '\\' OR LOWER(a.slug) LIKE $1 ESCAPE '\\' \
                  OR LOWER(a.id) LIKE $1 ESCAPE '\\')"
    );
    let list_sql = format!(
        "SELECT a.id, a.slug, a.name, a.created_at, a.require_email_verification, a.require_admin_mfa, \
         (SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) AS user_count \
         FROM accounts a WHERE {filter} ORDER BY a.{column} {direction}, a.id {direction} LIMIT $2 OFFSET $3"
    );
    let count_sql = format!("SELECT COUNT(*) FROM accounts a WHERE {filter}");
    let mut tx = state.db.begin_read().await?;
    let (mut items, total) = on_tx!(&mut tx, |c| {
        let items = sqlx::query_as::<_, AccountListItem>(&list_sql)
            .bind(&pattern)
            .bind(page_size)
            .bind(offset)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&pattern)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((items, total))
    })?;
    let server_default = state.config.auth_flows.require_email_verification;
    for item in &mut items {
        item.status = "active";
        item.account_code = item.id.clone();
        item.email_verification_required =
            item.require_email_verification.unwrap_or(server_default);
    }
    Ok(Json(AccountList {
        items,
        total,
        page,
        page_size,
        total_pages: total_pages(total, page_size),
    }))
}

async fn user_count(tx: &mut Tx, account_id: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_one(c)
    .await)
}

async fn detail(
    state: &AppState,
    tx: &mut Tx,
    account: AccountRow,
) -> Result<AccountDetail, sqlx::Error> {
    let user_count = user_count(tx, &account.id).await?;
    let required =
        account.requires_verification(state.config.auth_flows.require_email_verification);
    Ok(AccountDetail {
        require_email_verification: account.require_email_verification,
        email_verification_required: required,
        require_admin_mfa: account.require_admin_mfa,
        account_code: account.id.clone(),
        id: account.id,
        slug: account.slug,
        name: account.name,
        created_at: account.created_at,
        updated_at: account.updated_at,
        user_count,
        collections_used: Vec::new(),
    })
}

pub(super) fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Account '{id}' not found"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    pub name: String,
    pub slug: Option<String>,
}

fn validate_name(name: &str) -> ApiResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ApiError::invalid(
            "name",
            "invalid_length",
            "Name must be 1 to 255 characters",
        ));
    }
    Ok(name)
}

/// Creates an account. Without a slug, one is derived from the name and made
/// unique with a numeric suffix.
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = CreateAccountRequest, security(("bearer" = [])),
    responses((status = 201, body = AccountDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> ApiResult<(StatusCode, Json<AccountDetail>)> {
    let name = validate_name(&req.name)?;
    let explicit = req.slug.as_deref().map(|s| s.trim().to_string());
    if let Some(s) = &explicit {
        slug::validate_admin_slug(s, "slug")?;
    }
    let mut tx = state.db.begin().await?;
    let slug = match explicit {
        Some(s) => {
            if model::slug_taken(&mut tx, &s).await? {
                return Err(ApiError::conflict(
                    format!("Slug '{s}' already exists"),
                    Some("slug"),
                ));
            }
            s
        }
        None => {
            let base = slug::slug_for_account(name);
            let mut n = 0;
            loop {
                let candidate = slug::with_suffix(&base, n);
                if !model::slug_taken(&mut tx, &candidate).await? {
                    break candidate;
                }
                n += 1;
            }
        }
    };
    let account = model::insert(&mut tx, &slug, name).await?;
    let body = detail(&state, &mut tx, account).await?;
    let id = body.id.clone();
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        Some(&id),
        "CREATE",
        &id,
        None,
        Some(&body),
    )
    .await?;
    tx.commit()
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(v) if v.kind == ConstraintKind::Unique => {
                ApiError::conflict("Slug already exists", Some("slug"))
            }
            _ => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// One account with its user count.
#[utoipa::path(get, path = "/accounts/{account_id}", tag = "accounts", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account code")),
    responses((status = 200, body = AccountDetail), (status = 404, body = ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(account_id): ApiPath<String>,
) -> ApiResult<Json<AccountDetail>> {
    let mut tx = state.db.begin_read().await?;
    let account = model::find_by_id(&mut tx, &account_id)
        .await?
        .ok_or_else(|| account_not_found(&account_id))?;
    Ok(Json(detail(&state, &mut tx, account).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub name: Option<String>,
    /// `true` or `false`, or `null` to follow the server default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub require_email_verification: Option<Option<bool>>,
    /// `true` to make its admins sign in with TOTP (enrolling at their next
    /// login if they have none), `false` or `null` not to.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub require_admin_mfa: Option<Option<bool>>,
}

/// A field that may be given as `null`: `Some(None)`; absent: `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<bool>>, D::Error> {
    Option::<bool>::deserialize(d).map(Some)
}

/// Renames an account, changes whether its users must verify their email or
/// whether its admins must use TOTP (its code and slug cannot change).
#[utoipa::path(put, path = "/accounts/{account_id}", tag = "accounts", request_body = UpdateAccountRequest,
    security(("bearer" = [])), params(("account_id" = String, Path, description = "Account code")),
    responses((status = 200, body = AccountDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_account(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateAccountRequest>,
) -> ApiResult<Json<AccountDetail>> {
    let name = req.name.as_deref().map(validate_name).transpose()?;
    let mut tx = state.db.begin().await?;
    let before = match model::find_by_id(&mut tx, &account_id).await? {
        Some(account) => detail(&state, &mut tx, account).await?,
        None => return Err(account_not_found(&account_id)),
    };
    let now = crate::http::time::now();
    let verification = req.require_email_verification;
    let updated = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE accounts SET name = COALESCE($2, name), updated_at = $3, \
         require_email_verification = CASE WHEN $4 THEN $5 ELSE require_email_verification END, \
         require_admin_mfa = CASE WHEN $6 THEN $7 ELSE require_admin_mfa END \
         WHERE id = $1"
    )
    .bind(&account_id)
    .bind(name)
    .bind(now)
    .bind(verification.is_some())
    .bind(verification.flatten())
    .bind(req.require_admin_mfa.is_some())
    .bind(req.require_admin_mfa.flatten())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Err(account_not_found(&account_id));
    }
    let account = model::find_by_id(&mut tx, &account_id)
        .await?
        .ok_or_else(|| account_not_found(&account_id))?;
    let body = detail(&state, &mut tx, account).await?;
    let chain = crate::auth::trail::chain(&account_id);
    let (old, new) = (Some(&before), Some(&body));
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        chain.as_deref(),
        "UPDATE",
        &account_id,
        old,
        new,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Same as `PUT` (the JavaScript SDK sends `PATCH`).
#[utoipa::path(patch, path = "/accounts/{account_id}", tag = "accounts", request_body = UpdateAccountRequest,
    security(("bearer" = [])), params(("account_id" = String, Path, description = "Account code")),
    responses((status = 200, body = AccountDetail), (status = 404, body = ErrorBody)))]
pub async fn patch_account(
    state: State<AppState>,
    admin: Superadmin,
    path: ApiPath<String>,
    body: ApiJson<UpdateAccountRequest>,
) -> ApiResult<Json<AccountDetail>> {
    update_account(state, admin, path, body).await
}

/// Deletes an account with its users and everything they own.
#[utoipa::path(delete, path = "/accounts/{account_id}", tag = "accounts", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account code")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_account(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(account_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    if account_id == SYSTEM_ACCOUNT {
        return Err(ApiError::invalid(
            "account_id",
            "system_account",
            "Cannot delete system account",
        ));
    }
    let mut tx = state.db.begin().await?;
    let before = match model::find_by_id(&mut tx, &account_id).await? {
        Some(account) => detail(&state, &mut tx, account).await?,
        None => return Err(account_not_found(&account_id)),
    };
    // The change log has no foreign key (see migration 0010): its rows go
    // here, but for those whose audit events are still to be chained (then
    // pruned in time).
    let sql = format!(
        "DELETE FROM record_changes WHERE account_id = $1{}",
        crate::db::feed::deletable(state.db.backend())
    );
    on_tx!(&mut tx, |c| sqlx::query(&sql)
        .bind(&account_id)
        .execute(c)
        .await
        .map(|_| ()))?;
    let deleted = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM accounts WHERE id = $1"
    )
    .bind(&account_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if deleted == 0 {
        return Err(account_not_found(&account_id));
    }
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        None,
        "DELETE",
        &account_id,
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account_id = %account_id, "account deleted");
    // Its files' rows went with it; their objects go now, in the background
    // (a crash leaves them to the sweeper).
    let app = state.clone();
    tokio::spawn(async move {
        match crate::files::sweep::delete_account(&app, &account_id).await {
            Ok(n) if n > 0 => {
                tracing::info!(account_id = %account_id, objects = n, "deleted the account's files")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(account_id = %account_id, error = %e, "the account's files were not deleted; the sweeper retries")
            }
        }
    });
    Ok(StatusCode::NO_CONTENT)
}
