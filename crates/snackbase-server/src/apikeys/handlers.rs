//! `/admin/api-keys`: list, create (the key shown once), get, revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, ApiKey, KeyRow, SELECT_KEY};
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::{AnyAdmin, AuthUser, RoleId};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery, NoStore};
use crate::on_tx;

fn not_found() -> ApiError {
    ApiError::not_found("API key not found")
}

/// The account whose keys the admin works with: an account admin's own
/// (naming another is a 403); for the superadmin the one named, if any.
fn scope(admin: &AuthUser, named: Option<&str>) -> ApiResult<Option<String>> {
    let named = named.map(|a| a.trim().to_ascii_uppercase());
    if admin.is_superadmin() {
        return Ok(named);
    }
    match named {
        Some(a) if a != admin.account_id => Err(ApiError::forbidden(
            "Account admins manage the keys of their own account only",
        )),
        _ => Ok(Some(admin.account_id.to_string())),
    }
}

async fn find(tx: &mut Tx, admin: &AuthUser, id: &str) -> ApiResult<KeyRow> {
    let sql = format!("{SELECT_KEY} WHERE k.id = $1");
    let row = on_tx!(tx, |c| sqlx::query_as::<_, KeyRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or_else(not_found)?;
    if !admin.is_superadmin() && row.account_id != admin.account_id {
        return Err(not_found());
    }
    Ok(row)
}

/// Records `operation` by `caller` on a key, as the API shows it masked (its
/// account's chain). The key itself is never written.
async fn audit(
    state: &AppState,
    tx: &mut Tx,
    caller: &AuthUser,
    operation: &str,
    before: Option<ApiKey>,
    after: Option<ApiKey>,
) -> ApiResult<()> {
    let Some((id, account)) = after
        .as_ref()
        .or(before.as_ref())
        .map(|k| (k.id.clone(), k.account_id.clone()))
    else {
        return Ok(());
    };
    crate::audit::objects::record(
        &state.audit,
        tx,
        caller,
        Some(&account),
        operation,
        "api_keys",
        &id,
        before.as_ref(),
        after.as_ref(),
        &["key"],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListKeysQuery {
    /// 1 to 100, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The superadmin's filter (account admins see their own account's).
    pub account_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
    pub total: i64,
}

/// The keys of the caller's account (the superadmin: of every account, or
/// of `account_id`), newest first. Keys are masked.
#[utoipa::path(get, path = "/admin/api-keys", tag = "api-keys", params(ListKeysQuery), security(("bearer" = [])),
    responses((status = 200, body = ApiKeyList), (status = 403, body = ErrorBody)))]
pub async fn list_keys(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiQuery(q): ApiQuery<ListKeysQuery>,
) -> ApiResult<Json<ApiKeyList>> {
    let account = scope(&admin, q.account_id.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "limit must be 1 to 100 and offset at least 0",
        ));
    }
    let filter = "($1 IS NULL OR k.account_id = $1)";
    let list_sql = format!(
        "{SELECT_KEY} WHERE {filter} ORDER BY k.created_at DESC, k.id DESC LIMIT $2 OFFSET $3"
    );
    let count_sql = format!("SELECT COUNT(*) FROM api_keys k WHERE {filter}");
    let mut tx = state.db.begin_read().await?;
    let (rows, total) = on_tx!(&mut tx, |c| {
        let rows = sqlx::query_as::<_, KeyRow>(&list_sql)
            .bind(&account)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&account)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((rows, total))
    })?;
    Ok(Json(ApiKeyList {
        items: rows.into_iter().map(ApiKey::masked).collect(),
        total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    pub name: String,
    /// RFC 3339, in the future; none: the key does not expire.
    pub expires_at: Option<String>,
    /// The key's role by name (default `admin`); `public` is refused.
    pub role: Option<String>,
    pub role_id: Option<i64>,
    /// The key's account: required for the superadmin; an account admin's own.
    pub account_id: Option<String>,
    /// The collections the key may reach, by name (1 to 100); absent or
    /// `null`: every collection. Each must exist (400 otherwise).
    pub collections: Option<Vec<String>>,
}

/// The most collections a key's scope names.
const MAX_SCOPE: usize = 100;

/// A requested scope as the existing collections' own names, without
/// repeats; a 400 naming the unknown ones, or for an empty list.
async fn checked_scope(tx: &mut Tx, names: Option<&[String]>) -> ApiResult<Option<Vec<String>>> {
    let Some(names) = names else { return Ok(None) };
    if names.is_empty() || names.len() > MAX_SCOPE {
        return Err(ApiError::bad_request(format!(
            "collections must name 1 to {MAX_SCOPE} collections, or be null for every collection"
        )));
    }
    let (mut found, mut unknown) = (Vec::<String>::new(), Vec::new());
    for name in names {
        let name = name.trim();
        let known = if name.is_empty() || name.len() > 128 {
            None
        } else {
            crate::collections::store::find_by_name(tx, name).await?
        };
        match known {
            Some(c) if !found.contains(&c.name) => found.push(c.name),
            Some(_) => {}
            None if unknown.len() < 10 => unknown.push(name.chars().take(64).collect::<String>()),
            None => {}
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Unknown collections in the key's scope: {}",
            unknown.join(", ")
        )));
    }
    Ok(Some(found))
}

/// Creates a key. The reply is the only time the whole key is shown.
#[utoipa::path(post, path = "/admin/api-keys", tag = "api-keys", request_body = CreateKeyRequest, security(("bearer" = [])),
    responses((status = 201, body = ApiKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiJson(req): ApiJson<CreateKeyRequest>,
) -> ApiResult<NoStore<(StatusCode, Json<ApiKey>)>> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "invalid_length",
            "name must be 1 to 100 characters",
        ));
    }
    let now = crate::http::time::now();
    let expires_at = match req.expires_at.as_deref() {
        None => None,
        Some(raw) => match crate::formats::datetime(raw) {
            Some(at) if at > now => Some(at),
            Some(_) => {
                return Err(ApiError::invalid(
                    "expires_at",
                    "in_the_past",
                    "expires_at must be in the future",
                ))
            }
            None => {
                return Err(ApiError::invalid(
                    "expires_at",
                    "invalid_datetime",
                    "expires_at must be an RFC 3339 date-time",
                ))
            }
        },
    };
    let Some(account_id) = scope(&admin, req.account_id.as_deref())? else {
        return Err(ApiError::invalid(
            "account_id",
            "required",
            "account_id is required: keys belong to one account",
        ));
    };
    if account_id == SYSTEM_ACCOUNT {
        return Err(ApiError::invalid(
            "account_id",
            "system_account",
            "API keys cannot act as the superadmin",
        ));
    }
    let mut tx = state.db.begin().await?;
    if crate::accounts::model::find_by_id(&mut tx, &account_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found(format!(
            "Account '{account_id}' not found"
        )));
    }
    let role_id = match (req.role_id, req.role.as_deref()) {
        (Some(id), _) => crate::users::model::role_name(&mut tx, id)
            .await?
            .map(|_| id),
        (None, role) => crate::users::model::role_id(&mut tx, role.unwrap_or("admin")).await?,
    }
    .ok_or_else(|| ApiError::invalid("role", "unknown_role", "No such role"))?;
    if role_id == RoleId::PUBLIC.0 {
        return Err(ApiError::invalid(
            "role",
            "role_not_assignable",
            "An API key cannot have the public role",
        ));
    }
    let collections = checked_scope(&mut tx, req.collections.as_deref())
        .await?
        .map(|names| serde_json::to_string(&names).unwrap_or_default());
    let key = model::generate();
    let id = uuid::Uuid::new_v4().to_string();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO api_keys (id, account_id, name, key_id, secret_hash, role_id, created_by, \
         created_at, updated_at, expires_at, collections) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)"
    )
    .bind(&id)
    .bind(&account_id)
    .bind(name)
    .bind(&key.key_id)
    .bind(&key.secret_hash)
    .bind(role_id)
    .bind(admin.id())
    .bind(now)
    .bind(expires_at)
    .bind(&collections)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let row = find(&mut tx, &admin, &id).await?;
    let shown = ApiKey::masked(find(&mut tx, &admin, &id).await?);
    audit(&state, &mut tx, &admin, "CREATE", None, Some(shown)).await?;
    tx.commit().await?;
    tracing::info!(key = %id, account_id = %account_id, by = %admin.id(), "API key created");
    let mut body = ApiKey::masked(row);
    body.key = key.plaintext;
    Ok(NoStore((StatusCode::CREATED, Json(body))))
}

/// One key (masked).
#[utoipa::path(get, path = "/admin/api-keys/{key_id}", tag = "api-keys", params(("key_id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = ApiKey), (status = 404, body = ErrorBody)))]
pub async fn get_key(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ApiKey>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(ApiKey::masked(find(&mut tx, &admin, &id).await?)))
}

/// Revokes a key: refused from the next request on, on every node. The key
/// stays listed, inactive.
#[utoipa::path(delete, path = "/admin/api-keys/{key_id}", tag = "api-keys", params(("key_id" = String, Path)),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let before = ApiKey::masked(find(&mut tx, &admin, &id).await?);
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2), updated_at = $2 WHERE id = $1"
    )
    .bind(&id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let after = ApiKey::masked(find(&mut tx, &admin, &id).await?);
    audit(&state, &mut tx, &admin, "DELETE", Some(before), Some(after)).await?;
    tx.commit().await?;
    tracing::info!(key = %id, by = %admin.id(), "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}
