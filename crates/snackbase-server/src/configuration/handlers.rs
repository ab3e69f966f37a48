//! `/admin/configuration`: the SDK's configuration routes (sdk-0.9 §2.8).
//!
//! The superadmin manages every configuration; an account admin only their
//! own account's (another account's, or a system one, is a 404). The
//! read-only lists are in `listing.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::catalog::{self, Provider, MASK};
use super::store::{self, Configuration, Row};
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::auth::{AnyAdmin, AuthUser, RoleId};
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, NoStore};
use crate::on_tx;

fn not_found() -> ApiError {
    ApiError::not_found("Configuration not found")
}

/// The row, if the admin may see it.
async fn visible(tx: &mut Tx, admin: &AuthUser, id: &str) -> ApiResult<Row> {
    let row = store::find(tx, id).await?.ok_or_else(not_found)?;
    if !admin.is_superadmin() && row.account_id != admin.account_id {
        return Err(not_found());
    }
    Ok(row)
}

/// The account an admin names: an account admin's own (another is a 403).
pub(super) fn own_account(admin: &AuthUser, named: Option<&str>) -> ApiResult<Option<String>> {
    let named = named
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty());
    if admin.is_superadmin() {
        return Ok(named);
    }
    match named {
        Some(a) if a != admin.account_id => Err(ApiError::forbidden(
            "Account admins manage the configurations of their own account only",
        )),
        _ => Ok(Some(admin.account_id.to_string())),
    }
}

/// Checks the role given to users a first login creates.
async fn check_role(tx: &mut Tx, values: &Map<String, Value>) -> ApiResult<()> {
    let Some(role) = values.get("default_role").and_then(Value::as_str) else {
        return Ok(());
    };
    match crate::users::model::role_id(tx, role).await? {
        Some(id) if id != RoleId::PUBLIC.0 => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "config.default_role",
            "role_not_assignable",
            "Users cannot have the public role",
        )),
        None => Err(ApiError::invalid(
            "config.default_role",
            "unknown_role",
            format!("No role named '{role}'"),
        )),
    }
}

/// Puts the stored secret back where a masked value was sent; a mask with
/// nothing stored behind it is refused.
fn unmask(
    provider: &Provider,
    values: &mut Map<String, Value>,
    stored: &Map<String, Value>,
) -> ApiResult<()> {
    for f in provider.fields().filter(|f| f.secret) {
        if values.get(f.name).and_then(Value::as_str) == Some(MASK) {
            match stored.get(f.name) {
                Some(v) => values.insert(f.name.into(), v.clone()),
                None => {
                    return Err(ApiError::invalid(
                        &format!("config.{}", f.name),
                        "invalid_value",
                        format!("{} is masked but none is stored", f.title),
                    ))
                }
            };
        }
    }
    Ok(())
}

fn check_display_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "display_name",
            "invalid_length",
            "display_name must be 1 to 100 printable characters",
        ));
    }
    Ok(name.to_string())
}

fn clash(e: sqlx::Error) -> ApiError {
    match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => ApiError::conflict(
            "This account already has a configuration of this provider",
            Some("provider_name"),
        ),
        _ => e.into(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub display_name: String,
    /// `auth_providers`, `email_providers` or `storage_providers`.
    pub category: String,
    pub provider_name: String,
    /// The values, secrets included (see the provider's schema).
    #[schema(value_type = Object)]
    pub config: Map<String, Value>,
    /// The account; none: the caller's (the superadmin's: a system configuration).
    pub account_id: Option<String>,
    pub enabled: Option<bool>,
    /// Lower comes first (default 0).
    pub priority: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    pub status: &'static str,
}

/// Creates a configuration. The values are checked against the provider's
/// schema; secret values are sealed.
#[utoipa::path(post, path = "/admin/configuration", tag = "configuration", request_body = CreateRequest,
    security(("bearer" = [])), responses((status = 201, body = Created), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiJson(req): ApiJson<CreateRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    if !catalog::known_category(&req.category) {
        return Err(ApiError::bad_request(format!(
            "Unknown category '{}'",
            req.category
        )));
    }
    let provider = catalog::provider(&req.category, &req.provider_name).ok_or_else(|| {
        ApiError::invalid(
            "provider_name",
            "unknown_provider",
            format!("No provider '{}' in {}", req.provider_name, req.category),
        )
    })?;
    let display_name = check_display_name(&req.display_name)?;
    let priority = req.priority.unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        return Err(ApiError::invalid(
            "priority",
            "out_of_range",
            "priority must be -1000 to 1000",
        ));
    }
    let mut config = req.config;
    unmask(provider, &mut config, &Map::new())?;
    let values = provider.validate(&config)?;
    let account_id = own_account(&admin, req.account_id.as_deref())?
        .unwrap_or_else(|| SYSTEM_ACCOUNT.to_string());
    let mut tx = state.db.begin().await?;
    if account_id != SYSTEM_ACCOUNT
        && crate::accounts::model::find_by_id(&mut tx, &account_id)
            .await?
            .is_none()
    {
        return Err(ApiError::not_found(format!(
            "Account '{account_id}' not found"
        )));
    }
    super::active::check_scope(&admin, provider, &account_id)?;
    super::active::check_usable(&state, provider, &account_id, &values)?;
    check_role(&mut tx, &values).await?;
    let (plain, sealed) = store::seal(&state, provider, values);
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO configurations (id, category, provider_name, display_name, account_id, enabled, \
         is_default, priority, config, secrets, created_at, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)"
    )
    .bind(&id)
    .bind(provider.category)
    .bind(provider.name)
    .bind(&display_name)
    .bind(&account_id)
    .bind(req.enabled.unwrap_or(true))
    .bind(false)
    .bind(priority)
    .bind(&plain)
    .bind(&sealed)
    .bind(now)
    .bind(admin.id())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(clash)?;
    let after = store::find(&mut tx, &id).await?;
    super::trail::record(&state, &mut tx, &admin, "CREATE", None, after.as_ref()).await?;
    tx.commit().await?;
    super::active::changed(&state, provider.category).await;
    tracing::info!(configuration = %id, account_id = %account_id, provider = provider.name, by = %admin.id(),
        "configuration created");
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            status: "success",
        }),
    ))
}

/// The stored values, each secret as `********`.
#[utoipa::path(get, path = "/admin/configuration/{id}/values", tag = "configuration", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_values(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<NoStore<Json<Map<String, Value>>>> {
    let mut tx = state.db.begin_read().await?;
    let row = visible(&mut tx, &admin, &id).await?;
    Ok(NoStore(Json(row.masked()?)))
}

/// Changes values: the keys sent replace the stored ones (`null` removes
/// one); a secret sent back as `********` keeps the stored secret. The
/// result is checked against the schema as a whole.
#[utoipa::path(patch, path = "/admin/configuration/{id}/values", tag = "configuration", params(("id" = String, Path)),
    request_body = Object, security(("bearer" = [])), responses((status = 200, body = Configuration),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_values(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(changes): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<Configuration>> {
    let mut tx = state.db.begin().await?;
    let row = visible(&mut tx, &admin, &id).await?;
    let provider = row.provider()?;
    let stored = row.values(&state)?;
    let mut changes = changes;
    unmask(provider, &mut changes, &stored)?;
    let mut merged = stored;
    for (k, v) in changes {
        merged.insert(k, v);
    }
    let values = provider.validate(&merged)?;
    super::active::check_usable(&state, provider, &row.account_id, &values)?;
    check_role(&mut tx, &values).await?;
    let (plain, sealed) = store::seal(&state, provider, values);
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE configurations SET config = $2, secrets = $3, updated_at = $4, updated_by = $5 WHERE id = $1"
    )
    .bind(&id)
    .bind(&plain)
    .bind(&sealed)
    .bind(now)
    .bind(admin.id())
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let before = row;
    let row = store::find(&mut tx, &id).await?.ok_or_else(not_found)?;
    super::trail::record(&state, &mut tx, &admin, "UPDATE", Some(&before), Some(&row)).await?;
    tx.commit().await?;
    super::active::changed(&state, &row.category).await;
    tracing::info!(configuration = %id, by = %admin.id(), "configuration values changed");
    Ok(Json(row.view()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub enabled: bool,
}

/// Enables or disables a configuration.
#[utoipa::path(patch, path = "/admin/configuration/{id}", tag = "configuration", params(("id" = String, Path)),
    request_body = StatusRequest, security(("bearer" = [])), responses((status = 200, body = Object),
    (status = 404, body = ErrorBody)))]
pub async fn update_status(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<StatusRequest>,
) -> ApiResult<Json<Value>> {
    let mut tx = state.db.begin().await?;
    let row = visible(&mut tx, &admin, &id).await?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE configurations SET enabled = $2, updated_at = $3, updated_by = $4 WHERE id = $1"
    )
    .bind(&id)
    .bind(req.enabled)
    .bind(now)
    .bind(admin.id())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let after = store::find(&mut tx, &id).await?;
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        "UPDATE",
        Some(&row),
        after.as_ref(),
    )
    .await?;
    tx.commit().await?;
    super::active::changed(&state, &row.category).await;
    tracing::info!(configuration = %id, enabled = req.enabled, by = %admin.id(), "configuration status changed");
    Ok(Json(
        json!({"status": "success", "enabled": req.enabled, "is_default": row.is_default}),
    ))
}

/// Deletes a configuration.
#[utoipa::path(delete, path = "/admin/configuration/{id}", tag = "configuration", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let mut tx = state.db.begin().await?;
    let before = visible(&mut tx, &admin, &id).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM configurations WHERE id = $1"
    )
    .bind(&id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    super::trail::record(&state, &mut tx, &admin, "DELETE", Some(&before), None).await?;
    tx.commit().await?;
    super::active::changed(&state, &before.category).await;
    tracing::info!(configuration = %id, by = %admin.id(), "configuration deleted");
    Ok(Json(json!({"success": true})))
}

async fn mark_default(state: &AppState, admin: &AuthUser, id: &str, on: bool) -> ApiResult<Row> {
    let mut tx = state.db.begin().await?;
    let row = visible(&mut tx, admin, id).await?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| {
        if on {
            // One default per category and account.
            sqlx::query(
                "UPDATE configurations SET is_default = $4 \
                 WHERE category = $1 AND account_id = $2 AND id <> $3 AND is_default = $5",
            )
            .bind(&row.category)
            .bind(&row.account_id)
            .bind(id)
            .bind(false)
            .bind(true)
            .execute(&mut *c)
            .await?;
        }
        sqlx::query(
            "UPDATE configurations SET is_default = $2, updated_at = $3, updated_by = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(on)
        .bind(now)
        .bind(admin.id())
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    let after = store::find(&mut tx, id).await?;
    super::trail::record(state, &mut tx, admin, "UPDATE", Some(&row), after.as_ref()).await?;
    tx.commit().await?;
    super::active::changed(state, &row.category).await;
    Ok(row)
}

/// Makes a configuration the default of its category in its account.
#[utoipa::path(post, path = "/admin/configuration/{id}/set-default", tag = "configuration",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn set_default(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let row = mark_default(&state, &admin, &id, true).await?;
    Ok(Json(json!({
        "status": "success",
        "is_default": true,
        "provider_name": row.provider_name,
        "display_name": row.display_name,
    })))
}

/// Makes a configuration no longer the default.
#[utoipa::path(delete, path = "/admin/configuration/{id}/set-default", tag = "configuration",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn unset_default(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    mark_default(&state, &admin, &id, false).await?;
    Ok(Json(json!({"status": "success", "is_default": false})))
}
