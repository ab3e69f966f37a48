//! Permissions: per (role, collection or `*`), a rule and allowed fields for
//! each operation. Rules are validated against the collection's schema when
//! saved, with the error position; the bulk update is all or nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engine;
use super::model::{Fields, OpRule, Operation, RuleSet};
use super::roles;
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::collections::store::{self, Collection};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionResponse {
    pub id: i64,
    pub role_id: i64,
    pub collection: String,
    pub rules: RuleSet,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    role_id: i64,
    collection: String,
    rules: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for PermissionResponse {
    type Error = ApiError;
    fn try_from(r: Row) -> ApiResult<Self> {
        Ok(Self {
            id: r.id,
            role_id: r.role_id,
            collection: r.collection,
            rules: serde_json::from_str(&r.rules).map_err(ApiError::internal)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const SELECT: &str =
    "SELECT id, role_id, collection, rules, created_at, updated_at FROM permissions";

async fn rows(
    tx: &mut Tx,
    filter: &str,
    role_id: Option<i64>,
) -> ApiResult<Vec<PermissionResponse>> {
    let sql = format!("{SELECT} {filter} ORDER BY id");
    let rows = on_tx!(tx, |c| {
        let q = sqlx::query_as::<_, Row>(&sql);
        let q = match role_id {
            Some(id) => q.bind(id),
            None => q,
        };
        q.fetch_all(c).await
    })?;
    rows.into_iter().map(PermissionResponse::try_from).collect()
}

/// The collection a permission names (`None` for `*`), or 404.
async fn target(tx: &mut Tx, collection: &str) -> ApiResult<Option<Collection>> {
    if collection == "*" {
        return Ok(None);
    }
    store::find_by_name(tx, collection)
        .await?
        .map(Some)
        .ok_or_else(|| ApiError::not_found(format!("Collection '{collection}' not found")))
}

/// Validates one operation's rule and fields; problems are pushed with their path.
pub(super) async fn check_op(
    tx: &mut Tx,
    c: Option<&Collection>,
    op_rule: &OpRule,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    if op_rule.rule.trim().is_empty() {
        errors.push(FieldError::new(
            format!("{path}.rule"),
            "rule_required",
            "A rule is required (use \"true\" to allow always)",
        ));
    } else if let Err((message, position)) = engine::validate_rule(tx, c, &op_rule.rule).await {
        errors.push(FieldError::new(format!("{path}.rule"), "rule_invalid", message).at(position));
    }
    if let (Fields::List(list), Some(c)) = (&op_rule.fields, c) {
        for f in list {
            if c.field(f).is_none() {
                errors.push(FieldError::new(
                    format!("{path}.fields"),
                    "unknown_field",
                    format!("'{}' has no field '{f}'", c.name),
                ));
            }
        }
    }
    Ok(())
}

async fn check_rules(tx: &mut Tx, c: Option<&Collection>, rules: &RuleSet) -> ApiResult<()> {
    let mut errors = Vec::new();
    for op in Operation::ALL {
        if let Some(op_rule) = rules.get(op) {
            check_op(tx, c, op_rule, &format!("rules.{}", op.name()), &mut errors).await?;
        }
    }
    ApiError::from_field_errors(errors).map_or(Ok(()), Err)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePermissionRequest {
    pub role_id: i64,
    /// A collection name, or `*` for every collection.
    pub collection: String,
    pub rules: RuleSet,
}

/// Creates the permission of a role on a collection (one per pair).
#[utoipa::path(post, path = "/permissions", tag = "permissions", request_body = CreatePermissionRequest, security(("bearer" = [])),
    responses((status = 201, body = PermissionResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_permission(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<CreatePermissionRequest>,
) -> ApiResult<(StatusCode, Json<PermissionResponse>)> {
    let mut tx = state.db.begin().await?;
    roles::find(&mut tx, req.role_id).await?;
    let collection = req.collection.trim().to_string();
    let c = target(&mut tx, &collection).await?;
    let name = c.as_ref().map(|c| c.name.clone()).unwrap_or(collection);
    check_rules(&mut tx, c.as_ref(), &req.rules).await?;
    let exists: Option<i64> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
        "SELECT id FROM permissions WHERE role_id = $1 AND LOWER(collection) = LOWER($2)"
    )
    .bind(req.role_id)
    .bind(&name)
    .fetch_optional(conn)
    .await)?;
    if let Some(id) = exists {
        return Err(ApiError::conflict(
            format!("The role already has a permission on '{name}' (id {id}); change it with the bulk update or delete it first"),
            Some("collection"),
        ));
    }
    let before = super::trail::before(&mut tx, req.role_id, &name).await?;
    let now = crate::http::time::now();
    let text = serde_json::to_string(&req.rules).map_err(ApiError::internal)?;
    let id: i64 = on_tx!(&mut tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO permissions (role_id, collection, rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id"
    )
    .bind(req.role_id)
    .bind(&name)
    .bind(&text)
    .bind(now)
    .fetch_one(conn)
    .await
    })?;
    super::trail::changed(&state, &mut tx, &admin, before).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(PermissionResponse {
            id,
            role_id: req.role_id,
            collection: name,
            rules: req.rules,
            created_at: now,
            updated_at: now,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionList {
    pub items: Vec<PermissionResponse>,
    pub total: usize,
}

/// Every permission.
#[utoipa::path(get, path = "/permissions", tag = "permissions", security(("bearer" = [])), responses((status = 200, body = PermissionList)))]
pub async fn list_permissions(
    State(state): State<AppState>,
    _admin: Superadmin,
) -> ApiResult<Json<PermissionList>> {
    let mut tx = state.db.begin_read().await?;
    let items = rows(&mut tx, "", None).await?;
    Ok(Json(PermissionList {
        total: items.len(),
        items,
    }))
}

fn permission_not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("Permission with ID {id} not found"))
}

/// One permission.
#[utoipa::path(get, path = "/permissions/{permission_id}", tag = "permissions", params(("permission_id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = PermissionResponse), (status = 404, body = ErrorBody)))]
pub async fn get_permission(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PermissionResponse>> {
    let mut tx = state.db.begin_read().await?;
    let sql = format!("{SELECT} WHERE id = $1");
    let row = on_tx!(&mut tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?;
    Ok(Json(
        row.ok_or_else(|| permission_not_found(id))?.try_into()?,
    ))
}

/// Deletes a permission.
#[utoipa::path(delete, path = "/permissions/{permission_id}", tag = "permissions", params(("permission_id" = i64, Path)),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_permission(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let before = super::trail::of_id(&mut tx, id).await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM permissions WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    match before {
        Some(before) if n > 0 => super::trail::changed(&state, &mut tx, &admin, before).await?,
        _ => return Err(permission_not_found(id)),
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixEntry {
    pub collection: String,
    pub permission_id: Option<i64>,
    pub create: Option<OpRule>,
    pub read: Option<OpRule>,
    pub update: Option<OpRule>,
    pub delete: Option<OpRule>,
}

impl MatrixEntry {
    fn new(collection: String, p: Option<&PermissionResponse>) -> Self {
        let rules = p.map(|p| p.rules.clone()).unwrap_or_default();
        Self {
            collection,
            permission_id: p.map(|p| p.id),
            create: rules.create,
            read: rules.read,
            update: rules.update,
            delete: rules.delete,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RolePermissions {
    pub role_id: i64,
    pub role_name: String,
    pub permissions: Vec<MatrixEntry>,
}

/// The permissions a role has, one entry per collection it names.
#[utoipa::path(get, path = "/roles/{role_id}/permissions", tag = "roles", params(("role_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RolePermissions), (status = 404, body = ErrorBody)))]
pub async fn role_permissions(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RolePermissions>> {
    let mut tx = state.db.begin_read().await?;
    let role = roles::find(&mut tx, id).await?;
    let perms = rows(&mut tx, "WHERE role_id = $1", Some(id)).await?;
    let permissions = perms
        .iter()
        .map(|p| MatrixEntry::new(p.collection.clone(), Some(p)))
        .collect();
    Ok(Json(RolePermissions {
        role_id: id,
        role_name: role.name,
        permissions,
    }))
}

/// The full matrix of a role: the `*` row, then every collection.
#[utoipa::path(get, path = "/roles/{role_id}/permissions/matrix", tag = "roles", params(("role_id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = RolePermissions), (status = 404, body = ErrorBody)))]
pub async fn permission_matrix(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RolePermissions>> {
    let mut tx = state.db.begin_read().await?;
    let role = roles::find(&mut tx, id).await?;
    let perms = rows(&mut tx, "WHERE role_id = $1", Some(id)).await?;
    let find = |name: &str| {
        perms
            .iter()
            .find(|p| p.collection.eq_ignore_ascii_case(name))
    };
    let mut permissions = vec![MatrixEntry::new("*".into(), find("*"))];
    for c in store::all(&mut tx).await? {
        permissions.push(MatrixEntry::new(c.name.clone(), find(&c.name)));
    }
    Ok(Json(RolePermissions {
        role_id: id,
        role_name: role.name,
        permissions,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    pub collection: String,
    pub operation: String,
    /// The rule; `null` removes the operation from the permission.
    pub rule: Option<String>,
    /// `"*"` or a list of field names.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Fields,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub updates: Vec<BulkItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub success_count: usize,
    pub failure_count: usize,
    pub errors: Vec<String>,
}

/// Sets many (collection, operation) cells of a role at once: every update is
/// validated first, and all are applied in one transaction, or none.
#[utoipa::path(put, path = "/roles/{role_id}/permissions/bulk", tag = "roles", params(("role_id" = i64, Path)), request_body = BulkRequest,
    security(("bearer" = [])), responses((status = 200, body = BulkResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk_update(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResponse>> {
    if req.updates.is_empty() {
        return Err(ApiError::invalid(
            "updates",
            "required",
            "updates must not be empty",
        ));
    }
    let mut tx = state.db.begin().await?;
    roles::find(&mut tx, id).await?;
    let mut errors = Vec::new();
    let mut planned: Vec<(String, Operation, Option<OpRule>)> = Vec::new();
    for (i, item) in req.updates.iter().enumerate() {
        let path = format!("updates[{i}]");
        let Some(op) = Operation::parse(&item.operation) else {
            errors.push(FieldError::new(
                format!("{path}.operation"),
                "operation_invalid",
                "operation must be create, read, update or delete",
            ));
            continue;
        };
        let collection = item.collection.trim();
        let c = match target(&mut tx, collection).await {
            Ok(c) => c,
            Err(_) => {
                errors.push(FieldError::new(
                    format!("{path}.collection"),
                    "collection_not_found",
                    format!("Collection '{collection}' not found"),
                ));
                continue;
            }
        };
        let name = c
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "*".into());
        let op_rule = item.rule.as_ref().map(|rule| OpRule {
            rule: rule.clone(),
            fields: item.fields.clone(),
        });
        if let Some(r) = &op_rule {
            check_op(&mut tx, c.as_ref(), r, &path, &mut errors).await?;
        }
        planned.push((name, op, op_rule));
    }
    if let Some(err) = ApiError::from_field_errors(errors) {
        return Err(err);
    }
    let touched = super::trail::before_all(&mut tx, id, planned.iter().map(|p| &p.0)).await?;
    for (collection, op, op_rule) in &planned {
        let (pid, mut rules) = load(&mut tx, id, collection).await?;
        rules.set(*op, op_rule.clone());
        save(&mut tx, id, collection, pid, &rules).await?;
    }
    for before in touched {
        super::trail::changed(&state, &mut tx, &admin, before).await?;
    }
    tx.commit().await?;
    Ok(Json(BulkResponse {
        success_count: planned.len(),
        failure_count: 0,
        errors: Vec::new(),
    }))
}

/// The permission of a role on a collection (or `*`): its id and rules, or no
/// id and no rules.
pub(super) async fn load(
    tx: &mut Tx,
    role_id: i64,
    collection: &str,
) -> ApiResult<(Option<i64>, RuleSet)> {
    let existing: Option<(i64, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT id, rules FROM permissions WHERE role_id = $1 AND LOWER(collection) = LOWER($2)",
        )
        .bind(role_id)
        .bind(collection)
        .fetch_optional(c)
        .await
    })?;
    Ok(match existing {
        Some((pid, text)) => (
            Some(pid),
            serde_json::from_str::<RuleSet>(&text).unwrap_or_default(),
        ),
        None => (None, RuleSet::default()),
    })
}

/// Stores what [`load`] gave back, changed: an empty rule set deletes the row.
pub(super) async fn save(
    tx: &mut Tx,
    role_id: i64,
    collection: &str,
    pid: Option<i64>,
    rules: &RuleSet,
) -> ApiResult<()> {
    let now = crate::http::time::now();
    let text = serde_json::to_string(rules).map_err(ApiError::internal)?;
    on_tx!(tx, |c| {
        match pid {
            Some(pid) if rules.is_empty() => sqlx::query("DELETE FROM permissions WHERE id = $1").bind(pid).execute(c).await.map(|r| r.rows_affected()),
            Some(pid) => sqlx::query("UPDATE permissions SET rules = $2, updated_at = $3 WHERE id = $1")
                .bind(pid)
                .bind(&text)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()),
            None if rules.is_empty() => Ok(0),
            None => sqlx::query("INSERT INTO permissions (role_id, collection, rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(role_id)
                .bind(collection)
                .bind(&text)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()),
        }
    })?;
    Ok(())
}
