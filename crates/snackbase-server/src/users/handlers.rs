//! The superadmin's user routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, NewUser, UserRow};
use crate::app::AppState;
use crate::auth::{password, sessions, AnyAdmin, AuthUser};
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub account_id: String,
    pub account_name: String,
    pub role_id: i64,
    pub role_name: String,
    pub is_active: bool,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login: Option<DateTime<Utc>>,
    pub email_verified: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Whether the user signs in with a TOTP code too.
    pub totp_enabled: bool,
}

impl From<UserRow> for UserResponse {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            email: u.email,
            account_id: u.account_id,
            account_name: u.account_name,
            role_id: u.role_id,
            role_name: u.role_name,
            is_active: u.is_active,
            created_at: u.created_at,
            last_login: u.last_login,
            email_verified: u.email_verified,
            email_verified_at: u.email_verified_at,
            totp_enabled: u.totp_enabled,
        }
    }
}

pub(super) fn user_not_found() -> ApiError {
    ApiError::not_found("User not found")
}

/// A user the admin may manage: any for the superadmin, their account's for
/// account admins (others are a 404).
pub(super) async fn visible(tx: &mut Tx, admin: &AuthUser, user_id: &str) -> ApiResult<UserRow> {
    let user = model::find_by_id(tx, user_id)
        .await?
        .ok_or_else(user_not_found)?;
    if !admin.is_superadmin() && user.account_id != admin.account_id {
        return Err(user_not_found());
    }
    Ok(user)
}

fn duplicate_email() -> ApiError {
    ApiError::conflict(
        "A user with this email already exists in the account",
        Some("email"),
    )
}

/// A role given by id (`role_id`) or, as the JavaScript SDK sends it, by name (`role`).
async fn resolve_role(
    tx: &mut Tx,
    role_id: Option<i64>,
    role: Option<&str>,
) -> ApiResult<Option<i64>> {
    match (role_id, role) {
        (Some(id), _) => match model::role_name(tx, id).await? {
            Some(_) => Ok(Some(id)),
            None => Err(ApiError::not_found("Role not found")),
        },
        (None, Some(name)) => match model::role_id(tx, name).await? {
            Some(id) => Ok(Some(id)),
            None => Err(ApiError::not_found("Role not found")),
        },
        (None, None) => Ok(None),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub password: String,
    pub account_id: String,
    pub role_id: Option<i64>,
    /// Role name; an alternative to `role_id`.
    pub role: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

/// Creates a user in any account.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = UserResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserResponse>)> {
    if !admin.is_superadmin() && req.account_id != admin.account_id {
        return Err(ApiError::forbidden(
            "Account admins create users in their own account only",
        ));
    }
    if req.role_id == Some(crate::auth::RoleId::PUBLIC.0) || req.role.as_deref() == Some("public") {
        return Err(ApiError::invalid(
            "role_id",
            "role_not_assignable",
            "The public role cannot be given to a user",
        ));
    }
    let email = crate::auth::email::normalize(&req.email, "email")?;
    password::enforce_policy(&req.password, "password")?;
    if req.role_id.is_none() && req.role.is_none() {
        return Err(ApiError::invalid(
            "role_id",
            "required",
            "role_id is required",
        ));
    }
    let hash = password::hash(&req.password).await?;
    let mut tx = state.db.begin().await?;
    if crate::accounts::model::find_by_id(&mut tx, &req.account_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("Account not found"));
    }
    let role_id = resolve_role(&mut tx, req.role_id, req.role.as_deref())
        .await?
        .unwrap_or(2);
    let user = model::insert(
        &mut tx,
        &NewUser {
            account_id: &req.account_id,
            email: &email,
            password_hash: &hash,
            role_id,
            is_active: req.is_active,
            email_verified: false,
        },
    )
    .await
    .map_err(|e| match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => duplicate_email(),
        _ => e.into(),
    })?;
    super::trail::record(&state, &mut tx, &admin, "CREATE", None, Some(&user)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    pub account_id: Option<String>,
    pub role_id: Option<i64>,
    pub is_active: Option<bool>,
    /// Case-insensitive substring of the email.
    pub search: Option<String>,
    pub skip: Option<i64>,
    /// 1 to 100, default 30.
    pub limit: Option<i64>,
    /// `-created_at` (default), `+email`, …: a leading `-` sorts descending.
    pub sort: Option<String>,
    /// Page-based alternative to skip/limit (the SDK's).
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub total: i64,
    pub items: Vec<UserResponse>,
}

/// Lists users of every account with filters, paging and sort.
#[utoipa::path(get, path = "/users", tag = "users", params(ListUsersQuery), security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiQuery(mut q): ApiQuery<ListUsersQuery>,
) -> ApiResult<Json<UserList>> {
    if !admin.is_superadmin() {
        if q.account_id
            .as_deref()
            .is_some_and(|a| a != admin.account_id)
        {
            return Err(ApiError::forbidden(
                "Account admins see the users of their own account only",
            ));
        }
        q.account_id = Some(admin.account_id.to_string());
    }
    let limit = q.page_size.or(q.limit).unwrap_or(30);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "limit must be between 1 and 100",
        ));
    }
    let skip = match q.page {
        Some(page) if page >= 1 => (page - 1).saturating_mul(limit),
        Some(_) => {
            return Err(ApiError::invalid(
                "page",
                "out_of_range",
                "page must be at least 1",
            ))
        }
        None => q.skip.unwrap_or(0),
    };
    if skip < 0 {
        return Err(ApiError::invalid(
            "skip",
            "out_of_range",
            "skip must be at least 0",
        ));
    }
    let (field, descending) = match (&q.sort_by, &q.sort) {
        (Some(by), _) => (by.clone(), q.sort_order.as_deref() != Some("asc")),
        (None, Some(sort)) => (
            sort.trim_start_matches(['+', '-', ' ']).to_string(),
            sort.starts_with('-'),
        ),
        (None, None) => ("created_at".to_string(), true),
    };
    let column = match field.as_str() {
        "email" => "u.email",
        "is_active" => "u.is_active",
        "last_login" => "u.last_login",
        "account_id" => "u.account_id",
        "role_id" => "u.role_id",
        "updated_at" => "u.updated_at",
        "created_at" => "u.created_at",
        _ => {
            return Err(ApiError::invalid(
                "sort",
                "invalid_sort",
                format!("Cannot sort by {field:?}"),
            ))
        }
    };
    let direction = if descending { "DESC" } else { "ASC" };
    let pattern = crate::http::listing::search_pattern(q.search.as_deref());
    let filter = "($1 IS NULL OR u.account_id = $1) AND ($2 IS NULL OR u.role_id = $2) \
                  AND ($3 IS NULL OR u.is_active = $3) AND ($4 IS NULL OR LOWER(u.email) LIKE $4 ESCAPE '\\')";
    let list_sql = format!(
        "{} WHERE {filter} ORDER BY {column} {direction}, u.id {direction} LIMIT $5 OFFSET $6",
        model::SELECT_USER
    );
    let count_sql = format!("SELECT COUNT(*) FROM users u WHERE {filter}");
    let mut tx = state.db.begin_read().await?;
    let (rows, total) = on_tx!(&mut tx, |c| {
        let rows = sqlx::query_as::<_, UserRow>(&list_sql)
            .bind(&q.account_id)
            .bind(q.role_id)
            .bind(q.is_active)
            .bind(&pattern)
            .bind(limit)
            .bind(skip)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&q.account_id)
            .bind(q.role_id)
            .bind(q.is_active)
            .bind(&pattern)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((rows, total))
    })?;
    Ok(Json(UserList {
        total,
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// One user.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users", params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<Json<UserResponse>> {
    let mut tx = state.db.begin_read().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    Ok(Json(user.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub email: Option<String>,
    pub role_id: Option<i64>,
    /// Role name; an alternative to `role_id`.
    pub role: Option<String>,
    pub is_active: Option<bool>,
}

/// Changes a user's email, role or active flag. Deactivation ends their
/// sessions at once. The superadmin cannot modify themself here.
#[utoipa::path(patch, path = "/users/{user_id}", tag = "users", request_body = UpdateUserRequest,
    params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserResponse>> {
    if admin.id() == user_id {
        return Err(ApiError::forbidden(
            "Cannot modify your own account through this endpoint",
        ));
    }
    if req.role_id == Some(crate::auth::RoleId::PUBLIC.0) || req.role.as_deref() == Some("public") {
        return Err(ApiError::invalid(
            "role_id",
            "role_not_assignable",
            "The public role cannot be given to a user",
        ));
    }
    let email = req
        .email
        .as_deref()
        .map(|e| crate::auth::email::normalize(e, "email"))
        .transpose()?;
    let mut tx = state.db.begin().await?;
    let current = visible(&mut tx, &admin, &user_id).await?;
    let role_id = resolve_role(&mut tx, req.role_id, req.role.as_deref())
        .await?
        .unwrap_or(current.role_id);
    let email = email.unwrap_or(current.email.clone());
    let is_active = req.is_active.unwrap_or(current.is_active);
    let now = crate::http::time::now();
    // A new address has not been shown to reach the user.
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET email = $2, role_id = $3, is_active = $4, updated_at = $5, \
         email_verified = CASE WHEN email = $2 THEN email_verified ELSE FALSE END, \
         email_verified_at = CASE WHEN email = $2 THEN email_verified_at ELSE NULL END \
         WHERE id = $1"
    )
    .bind(&user_id)
    .bind(&email)
    .bind(role_id)
    .bind(is_active)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => duplicate_email(),
        _ => ApiError::from(e),
    })?;
    if current.is_active && !is_active {
        sessions::revoke_user_sessions(&mut tx, &user_id).await?;
    }
    let user = model::find_by_id(&mut tx, &user_id)
        .await?
        .ok_or_else(user_not_found)?;
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        "UPDATE",
        Some(&current),
        Some(&user),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// Same as `PATCH`.
#[utoipa::path(put, path = "/users/{user_id}", tag = "users", request_body = UpdateUserRequest,
    params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)))]
pub async fn put_user(
    state: State<AppState>,
    admin: AnyAdmin,
    path: ApiPath<String>,
    body: ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserResponse>> {
    update_user(state, admin, path, body).await
}

/// Deactivates a user (soft delete): their tokens stop working at once.
#[utoipa::path(delete, path = "/users/{user_id}", tag = "users", params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_user(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    if admin.id() == user_id {
        return Err(ApiError::forbidden("Cannot deactivate your own account"));
    }
    let mut tx = state.db.begin().await?;
    let before = visible(&mut tx, &admin, &user_id).await?;
    let now = crate::http::time::now();
    let changed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET is_active = FALSE, updated_at = $2 WHERE id = $1"
    )
    .bind(&user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(user_not_found());
    }
    sessions::revoke_user_sessions(&mut tx, &user_id).await?;
    let after = model::find_by_id(&mut tx, &user_id).await?;
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        "DELETE",
        Some(&before),
        after.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
