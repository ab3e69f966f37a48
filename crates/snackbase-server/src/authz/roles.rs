//! Roles (global): CRUD. `admin`, `user` and `public` are seeded and cannot be
//! deleted; a role still held by users cannot be deleted either.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{AnyAdmin, Principal, Superadmin};
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

pub const BUILT_IN: [&str; 3] = ["admin", "user", "public"];

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RoleResponse {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RoleListItem {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub collections_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<RoleListItem>,
    pub total: usize,
}

/// Records `operation` by `caller` on a role (global: the system chain).
async fn audit(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    operation: &str,
    before: Option<&RoleResponse>,
    after: Option<&RoleResponse>,
) -> ApiResult<()> {
    let Some(id) = after.or(before).map(|r| r.id.to_string()) else {
        return Ok(());
    };
    let json = |r: &RoleResponse| serde_json::to_value(r).unwrap_or_default();
    let event = crate::audit::object_event(
        Some(caller),
        None,
        operation,
        "roles",
        &id,
        before.map(json).as_ref(),
        after.map(json).as_ref(),
        &[],
    );
    crate::audit::append(&state.audit, tx, event).await?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: i64) -> ApiResult<RoleResponse> {
    on_tx!(tx, |c| sqlx::query_as::<_, RoleResponse>(
        "SELECT id, name, description FROM roles WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?
    .ok_or_else(|| ApiError::not_found(format!("Role with ID {id} not found")))
}

/// Every role with the number of collections it has permissions on (`*` counts).
#[utoipa::path(get, path = "/roles", tag = "roles", security(("bearer" = [])), responses((status = 200, body = RoleList)))]
pub async fn list_roles(
    State(state): State<AppState>,
    _admin: AnyAdmin,
) -> ApiResult<Json<RoleList>> {
    let mut tx = state.db.begin_read().await?;
    let items = on_tx!(&mut tx, |c| {
        sqlx::query_as::<_, RoleListItem>(
        "SELECT r.id, r.name, r.description, (SELECT COUNT(DISTINCT p.collection) FROM permissions p WHERE p.role_id = r.id) AS collections_count \
         FROM roles r ORDER BY r.id"
    )
    .fetch_all(c)
    .await
    })?;
    Ok(Json(RoleList {
        total: items.len(),
        items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub name: Option<String>,
    pub description: Option<String>,
}

fn valid_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name.len() <= 50
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(ApiError::invalid(
            "name",
            "role_name_invalid",
            "A role name has 1 to 50 letters, digits, '_' or '-', starting with a letter",
        ));
    }
    Ok(name.to_string())
}

fn clash(e: sqlx::Error, name: &str) -> ApiError {
    match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => ApiError::conflict(
            format!("Role with name '{name}' already exists"),
            Some("name"),
        ),
        _ => e.into(),
    }
}

/// Creates a role.
#[utoipa::path(post, path = "/roles", tag = "roles", request_body = RoleRequest, security(("bearer" = [])),
    responses((status = 201, body = RoleResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_role(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<RoleRequest>,
) -> ApiResult<(StatusCode, Json<RoleResponse>)> {
    let name = valid_name(req.name.as_deref().unwrap_or_default())?;
    let mut tx = state.db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id"
    )
    .bind(&name)
    .bind(&req.description)
    .fetch_one(c)
    .await)
    .map_err(|e| clash(e, &name))?;
    let role = RoleResponse {
        id,
        name,
        description: req.description,
    };
    audit(&state, &mut tx, &admin, "CREATE", None, Some(&role)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// One role.
#[utoipa::path(get, path = "/roles/{role_id}", tag = "roles", params(("role_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RoleResponse), (status = 404, body = ErrorBody)))]
pub async fn get_role(
    State(state): State<AppState>,
    _admin: AnyAdmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RoleResponse>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(find(&mut tx, id).await?))
}

async fn update(
    state: &AppState,
    caller: &Principal,
    id: i64,
    req: RoleRequest,
    full: bool,
) -> ApiResult<Json<RoleResponse>> {
    let mut tx = state.db.begin().await?;
    let current = find(&mut tx, id).await?;
    let name = match (&req.name, full) {
        (Some(n), _) => valid_name(n)?,
        (None, true) => return Err(ApiError::invalid("name", "required", "name is required")),
        (None, false) => current.name.clone(),
    };
    if name != current.name && BUILT_IN.contains(&current.name.as_str()) {
        return Err(ApiError::invalid(
            "name",
            "role_built_in",
            format!("The built-in role '{}' cannot be renamed", current.name),
        ));
    }
    let description = if full || req.description.is_some() {
        req.description.clone()
    } else {
        current.description.clone()
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE roles SET name = $2, description = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(&name)
    .bind(&description)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| clash(e, &name))?;
    let role = RoleResponse {
        id,
        name,
        description,
    };
    audit(
        state,
        &mut tx,
        caller,
        "UPDATE",
        Some(&current),
        Some(&role),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(role))
}

/// Renames a role or changes its description (`name` required).
#[utoipa::path(put, path = "/roles/{role_id}", tag = "roles", params(("role_id" = i64, Path)), request_body = RoleRequest,
    security(("bearer" = [])), responses((status = 200, body = RoleResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_role(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> ApiResult<Json<RoleResponse>> {
    update(&state, &admin, id, req, true).await
}

/// Changes the given properties of a role (the SDK's form).
#[utoipa::path(patch, path = "/roles/{role_id}", tag = "roles", params(("role_id" = i64, Path)), request_body = RoleRequest,
    security(("bearer" = [])), responses((status = 200, body = RoleResponse), (status = 404, body = ErrorBody)))]
pub async fn patch_role(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> ApiResult<Json<RoleResponse>> {
    update(&state, &admin, id, req, false).await
}

/// Deletes a role and its permissions; refused for built-in roles and roles in use.
#[utoipa::path(delete, path = "/roles/{role_id}", tag = "roles", params(("role_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_role(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let role = find(&mut tx, id).await?;
    if BUILT_IN.contains(&role.name.as_str()) {
        return Err(ApiError::invalid(
            "role_id",
            "role_built_in",
            format!("Cannot delete default role '{}'", role.name),
        ));
    }
    let holders: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role_id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    if holders > 0 {
        return Err(ApiError::conflict(
            format!(
                "Role '{}' is held by {holders} user(s); give them another role first",
                role.name
            ),
            None,
        ));
    }
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM roles WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    audit(&state, &mut tx, &admin, "DELETE", Some(&role), None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
