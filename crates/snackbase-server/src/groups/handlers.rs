//! Group routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct GroupResponse {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: Option<String>,
    pub member_count: i64,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT g.id, g.account_id, g.name, g.description, \
     (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS member_count, g.created_at, g.updated_at FROM groups g";

fn not_found() -> ApiError {
    ApiError::not_found("Group not found")
}

/// A group the caller can see (their account's, or any for the superadmin).
async fn visible(tx: &mut Tx, user: &AuthUser, id: &str) -> ApiResult<GroupResponse> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    let group = on_tx!(tx, |c| sqlx::query_as::<_, GroupResponse>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or_else(not_found)?;
    if !user.is_superadmin() && group.account_id != user.account_id {
        return Err(not_found());
    }
    Ok(group)
}

fn name_clash(e: sqlx::Error) -> ApiError {
    match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => ApiError::conflict(
            "Group with this name already exists in the account",
            Some("name"),
        ),
        _ => e.into(),
    }
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "invalid_length",
            "A group name has 1 to 100 characters",
        ));
    }
    Ok(name.to_string())
}

fn check_description(d: &Option<String>) -> ApiResult<()> {
    if d.as_ref().is_some_and(|d| d.chars().count() > 500) {
        return Err(ApiError::invalid(
            "description",
            "too_long",
            "A description has at most 500 characters",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    pub name: String,
    pub description: Option<String>,
    /// The superadmin only: the account to create the group in.
    pub account_id: Option<String>,
}

/// Creates a group in the caller's account (the superadmin: in any account).
#[utoipa::path(post, path = "/groups", tag = "groups", request_body = CreateGroupRequest, security(("bearer" = [])),
    responses((status = 201, body = GroupResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreateGroupRequest>,
) -> ApiResult<(StatusCode, Json<GroupResponse>)> {
    let name = check_name(&req.name)?;
    check_description(&req.description)?;
    let account_id = req
        .account_id
        .clone()
        .unwrap_or_else(|| user.account_id.to_string());
    if !user.administers(&account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its groups",
        ));
    }
    let mut tx = state.db.begin().await?;
    if crate::accounts::model::find_by_id(&mut tx, &account_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("Account not found"));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO groups (id, account_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)"
    )
    .bind(&id)
    .bind(&account_id)
    .bind(&name)
    .bind(&req.description)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(name_clash)?;
    let group = visible(&mut tx, &user, &id).await?;
    super::trail::group(&state, &mut tx, &user, "CREATE", None, Some(&group)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(group)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListGroupsQuery {
    pub skip: Option<i64>,
    /// 1 to 100, default 100.
    pub limit: Option<i64>,
    /// 1-based page of `page_size` groups (the SDK's paging); instead of `skip`/`limit`.
    pub page: Option<i64>,
    /// 1 to 100, default 100 (with `page`).
    pub page_size: Option<i64>,
    /// The superadmin only: one account's groups.
    pub account_id: Option<String>,
    /// Case-insensitive substring of the name.
    pub search: Option<String>,
}

/// The groups of the caller's account (the superadmin: of every account, or one).
#[utoipa::path(get, path = "/groups", tag = "groups", params(ListGroupsQuery), security(("bearer" = [])),
    responses((status = 200, body = [GroupResponse])))]
pub async fn list_groups(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ListGroupsQuery>,
) -> ApiResult<Json<Vec<GroupResponse>>> {
    let (skip, limit) = if q.page.is_some() || q.page_size.is_some() {
        let (_, size, offset) = crate::http::listing::paging(q.page, q.page_size, 100)?;
        (offset, size)
    } else {
        (q.skip.unwrap_or(0), q.limit.unwrap_or(100))
    };
    if skip < 0 || !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            "skip must be ≥ 0 and limit between 1 and 100",
        ));
    }
    let account = if user.is_superadmin() {
        q.account_id.clone()
    } else {
        Some(user.account_id.to_string())
    };
    let pattern = crate::http::listing::search_pattern(q.search.as_deref());
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR g.account_id = $1) AND ($2 IS NULL OR LOWER(g.name) LIKE $2 ESCAPE '\\') \
         ORDER BY g.name, g.id LIMIT $3 OFFSET $4"
    );
    let mut tx = state.db.begin_read().await?;
    let groups = on_tx!(&mut tx, |c| sqlx::query_as::<_, GroupResponse>(&sql)
        .bind(&account)
        .bind(&pattern)
        .bind(limit)
        .bind(skip)
        .fetch_all(c)
        .await)?;
    Ok(Json(groups))
}

/// One group.
#[utoipa::path(get, path = "/groups/{group_id}", tag = "groups", params(("group_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = GroupResponse), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<GroupResponse>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(visible(&mut tx, &user, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupRequest {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Renames a group or changes its description.
#[utoipa::path(patch, path = "/groups/{group_id}", tag = "groups", params(("group_id" = String, Path)), request_body = UpdateGroupRequest,
    security(("bearer" = [])),
    responses((status = 200, body = GroupResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_group(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateGroupRequest>,
) -> ApiResult<Json<GroupResponse>> {
    check_description(&req.description)?;
    let mut tx = state.db.begin().await?;
    let before = visible(&mut tx, &user, &id).await?;
    if !user.administers(&before.account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its groups",
        ));
    }
    let group = &before;
    let name = match &req.name {
        Some(n) => check_name(n)?,
        None => group.name.clone(),
    };
    let description = req.description.clone().or(group.description.clone());
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE groups SET name = $2, description = $3, updated_at = $4 WHERE id = $1"
    )
    .bind(&id)
    .bind(&name)
    .bind(&description)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(name_clash)?;
    let group = visible(&mut tx, &user, &id).await?;
    super::trail::group(
        &state,
        &mut tx,
        &user,
        "UPDATE",
        Some(&before),
        Some(&group),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(group))
}

/// Deletes a group (its members stay users).
#[utoipa::path(delete, path = "/groups/{group_id}", tag = "groups", params(("group_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_group(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let group = visible(&mut tx, &user, &id).await?;
    if !user.administers(&group.account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its groups",
        ));
    }
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(&id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    super::trail::group(&state, &mut tx, &user, "DELETE", Some(&group), None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: DateTime<Utc>,
}

async fn members(state: &AppState, user: &AuthUser, id: &str) -> ApiResult<Vec<Member>> {
    let mut tx = state.db.begin_read().await?;
    visible(&mut tx, user, id).await?;
    Ok(on_tx!(&mut tx, |c| {
        sqlx::query_as::<_, Member>(
        "SELECT u.id AS user_id, u.email, m.created_at AS added_at FROM group_members m JOIN users u ON u.id = m.user_id \
         WHERE m.group_id = $1 ORDER BY u.email"
    )
    .bind(id)
    .fetch_all(c)
    .await
    })?)
}

/// The members of a group.
#[utoipa::path(get, path = "/groups/{group_id}/users", tag = "groups", params(("group_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Member]), (status = 404, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(members(&state, &user, &id).await?))
}

/// Same as `/groups/{group_id}/users` (the SDK's path).
#[utoipa::path(get, path = "/groups/{group_id}/members", tag = "groups", params(("group_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Member]), (status = 404, body = ErrorBody)))]
pub async fn list_members_alias(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(members(&state, &user, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub user_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

async fn add(
    state: &AppState,
    user: &AuthUser,
    id: &str,
    member: &str,
) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    let mut tx = state.db.begin().await?;
    let group = visible(&mut tx, user, id).await?;
    if !user.administers(&group.account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its groups",
        ));
    }
    // A user of another account is answered as one that does not exist, so
    // that ids cannot be confirmed across accounts.
    let in_account: Option<i32> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT 1 FROM users WHERE id = $1 AND account_id = $2"
    )
    .bind(member)
    .bind(&group.account_id)
    .fetch_optional(c)
    .await)?;
    if in_account.is_none() {
        return Err(ApiError::not_found("User not found in the group's account"));
    }
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO group_members (group_id, user_id, created_at) VALUES ($1, $2, $3)"
    )
    .bind(id)
    .bind(member)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => {
            ApiError::conflict("User already in group", Some("user_id"))
        }
        _ => e.into(),
    })?;
    super::trail::member(state, &mut tx, user, "CREATE", &group, member).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageResponse {
            message: "User added to group".into(),
        }),
    ))
}

/// Adds a user of the same account to a group. A user id of another account
/// is a 404, as an unknown one.
#[utoipa::path(post, path = "/groups/{group_id}/users", tag = "groups", params(("group_id" = String, Path)), request_body = AddMemberRequest,
    security(("bearer" = [])),
    responses((status = 201, body = MessageResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    add(&state, &user, &id, &req.user_id).await
}

/// Same as `/groups/{group_id}/users` (the SDK's path).
#[utoipa::path(post, path = "/groups/{group_id}/members", tag = "groups", params(("group_id" = String, Path)), request_body = AddMemberRequest,
    security(("bearer" = [])), responses((status = 201, body = MessageResponse), (status = 404, body = ErrorBody)))]
pub async fn add_member_alias(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    add(&state, &user, &id, &req.user_id).await
}

#[derive(Debug, Deserialize)]
pub struct MemberPath {
    pub group_id: String,
    pub user_id: String,
}

async fn remove(state: &AppState, user: &AuthUser, p: &MemberPath) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let group = visible(&mut tx, user, &p.group_id).await?;
    if !user.administers(&group.account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its groups",
        ));
    }
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2"
    )
    .bind(&p.group_id)
    .bind(&p.user_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(ApiError::not_found(
            "The user is not a member of this group",
        ));
    }
    super::trail::member(state, &mut tx, user, "DELETE", &group, &p.user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from a group.
#[utoipa::path(delete, path = "/groups/{group_id}/users/{user_id}", tag = "groups",
    params(("group_id" = String, Path), ("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(p): ApiPath<MemberPath>,
) -> ApiResult<StatusCode> {
    remove(&state, &user, &p).await
}

/// Same as `/groups/{group_id}/users/{user_id}` (the SDK's path).
#[utoipa::path(delete, path = "/groups/{group_id}/members/{user_id}", tag = "groups",
    params(("group_id" = String, Path), ("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member_alias(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(p): ApiPath<MemberPath>,
) -> ApiResult<StatusCode> {
    remove(&state, &user, &p).await
}
