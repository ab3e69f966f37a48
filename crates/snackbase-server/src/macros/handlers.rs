//! Macro routes. The superadmin manages and tests macros; other users may list
//! their names, descriptions and parameters (to write rules), not their SQL.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use snackbase_rules as rules;
use utoipa::{IntoParams, ToSchema};

use super::{run, template, MacroDef, ParamList, SELECT};
use crate::app::AppState;
use crate::auth::{AuthUser, Superadmin};
use crate::db::{violated_constraint, ConstraintKind, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct MacroResponse {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// Shown to the superadmin only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_query: Option<String>,
    pub parameters: Vec<String>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

fn response(d: MacroDef, with_sql: bool) -> MacroResponse {
    MacroResponse {
        id: d.id,
        name: d.name,
        description: d.description,
        sql_query: with_sql.then_some(d.sql_query),
        parameters: d.parameters.0,
        created_at: d.created_at,
        updated_at: d.updated_at,
        created_by: d.created_by,
    }
}

/// Records `operation` by `caller` on a macro (global: the system chain).
async fn audit(
    state: &AppState,
    tx: &mut Tx,
    caller: &AuthUser,
    operation: &str,
    before: Option<&MacroDef>,
    after: Option<&MacroDef>,
) -> ApiResult<()> {
    let Some(id) = after.or(before).map(|d| d.id.to_string()) else {
        return Ok(());
    };
    let shown = |d: &MacroDef| response(d.clone(), true);
    let (before, after) = (before.map(shown), after.map(shown));
    crate::audit::objects::record(
        &state.audit,
        tx,
        caller,
        None,
        operation,
        "macros",
        &id,
        before.as_ref(),
        after.as_ref(),
        &[],
    )
    .await?;
    Ok(())
}

async fn find(tx: &mut Tx, id: i64) -> ApiResult<MacroDef> {
    let sql = format!("{SELECT} WHERE id = $1");
    on_tx!(tx, |c| sqlx::query_as::<_, MacroDef>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or_else(|| ApiError::not_found("Macro not found"))
}

/// Validates a definition: name, parameters, the template, and that it compiles.
async fn check(state: &AppState, tx: &mut Tx, def: &MacroDef) -> ApiResult<()> {
    let name = &def.name;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(ApiError::invalid(
            "name",
            "macro_name_invalid",
            "Macro name must be a valid identifier (alphanumeric and underscore)",
        ));
    }
    if template::BUILT_IN_NAMES.contains(&name.as_str()) {
        return Err(ApiError::invalid(
            "name",
            "macro_name_reserved",
            format!("'{name}' is a built-in macro"),
        ));
    }
    let collections: Vec<String> = crate::collections::store::all(tx)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    template::validate(
        &def.sql_query,
        &def.parameters,
        &collections,
        state.db.backend(),
    )
    .map_err(|m| ApiError::invalid("sql_query", "macro_query_invalid", m))?;
    run::check_compiles(&state.db, def).await.map_err(|m| {
        ApiError::invalid(
            "sql_query",
            "macro_query_invalid",
            format!("The query does not compile: {m}"),
        )
    })
}

fn clash(e: sqlx::Error, name: &str) -> ApiError {
    match violated_constraint(&e) {
        Some(v) if v.kind == ConstraintKind::Unique => ApiError::conflict(
            format!("Macro with name '{name}' already exists"),
            Some("name"),
        ),
        _ => e.into(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub sql_query: Option<String>,
    pub parameters: Option<Vec<String>>,
}

/// Creates a macro.
#[utoipa::path(post, path = "/macros", tag = "macros", request_body = MacroRequest, security(("bearer" = [])),
    responses((status = 201, body = MacroResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_macro(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<MacroRequest>,
) -> ApiResult<(StatusCode, Json<MacroResponse>)> {
    let now = crate::http::time::now();
    let def = MacroDef {
        id: 0,
        name: req.name.unwrap_or_default().trim().to_string(),
        description: req.description,
        sql_query: req
            .sql_query
            .ok_or_else(|| ApiError::invalid("sql_query", "required", "sql_query is required"))?
            .trim()
            .to_string(),
        parameters: ParamList(req.parameters.unwrap_or_default()),
        created_at: now,
        updated_at: now,
        created_by: Some(admin.id().to_string()),
    };
    let mut tx = state.db.begin().await?;
    check(&state, &mut tx, &def).await?;
    let params = serde_json::to_string(&def.parameters.0).map_err(ApiError::internal)?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO macros (name, description, sql_query, parameters, created_at, updated_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id"
    )
    .bind(&def.name)
    .bind(&def.description)
    .bind(&def.sql_query)
    .bind(&params)
    .bind(now)
    .bind(&def.created_by)
    .fetch_one(c)
    .await)
    .map_err(|e| clash(e, &def.name))?;
    let def = MacroDef { id, ..def };
    audit(&state, &mut tx, &admin, "CREATE", None, Some(&def)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(response(def, true))))
}

/// The most macros one page of `GET /macros` holds.
pub const MAX_LIMIT: i64 = 100;
/// A page's size when only `skip` is given.
pub const DEFAULT_LIMIT: i64 = 30;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListMacrosQuery {
    /// Macros to pass over (by name), from 0.
    pub skip: Option<i64>,
    /// 1 to 100; 30 when only `skip` is given.
    pub limit: Option<i64>,
}

/// One page of macros, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct MacroPage {
    pub items: Vec<MacroResponse>,
    /// Every macro, on all pages.
    pub total: usize,
    pub skip: i64,
    pub limit: i64,
}

/// Every macro (no `skip` or `limit`: a bare array, as the admin console
/// reads it), or one page of them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MacroList {
    All(Vec<MacroResponse>),
    Page(MacroPage),
}

/// The `(skip, limit)` of a paged list, `None` for all of them.
fn macro_paging(q: &ListMacrosQuery) -> ApiResult<Option<(i64, i64)>> {
    if q.skip.is_none() && q.limit.is_none() {
        return Ok(None);
    }
    let skip = q.skip.unwrap_or(0);
    if skip < 0 {
        return Err(ApiError::invalid(
            "skip",
            "out_of_range",
            "skip must be at least 0",
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(Some((skip, limit)))
}

/// The macros by name (the SQL only for the superadmin): all of them as an
/// array, or with `skip`/`limit` one page as `{items, total, skip, limit}`.
#[utoipa::path(get, path = "/macros", tag = "macros", params(ListMacrosQuery), security(("bearer" = [])),
    responses((status = 200, body = MacroList), (status = 422, body = ErrorBody)))]
pub async fn list_macros(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ListMacrosQuery>,
) -> ApiResult<Json<MacroList>> {
    let paging = macro_paging(&q)?;
    let mut tx = state.db.begin_read().await?;
    let all = super::load_all(&mut tx).await?;
    let mut defs: Vec<MacroDef> = all.values().cloned().collect();
    defs.sort_by(|a, b| a.name.cmp(&b.name));
    let total = defs.len();
    let shown = |defs: Vec<MacroDef>| -> Vec<MacroResponse> {
        defs.into_iter()
            .map(|d| response(d, user.is_superadmin()))
            .collect()
    };
    Ok(Json(match paging {
        None => MacroList::All(shown(defs)),
        Some((skip, limit)) => {
            let page = defs
                .into_iter()
                .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect();
            MacroList::Page(MacroPage {
                items: shown(page),
                total,
                skip,
                limit,
            })
        }
    }))
}

/// One macro (the SQL only for the superadmin).
#[utoipa::path(get, path = "/macros/{macro_id}", tag = "macros", params(("macro_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = MacroResponse), (status = 404, body = ErrorBody)))]
pub async fn get_macro(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MacroResponse>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(response(
        find(&mut tx, id).await?,
        user.is_superadmin(),
    )))
}

async fn update(
    state: &AppState,
    caller: &AuthUser,
    id: i64,
    req: MacroRequest,
) -> ApiResult<Json<MacroResponse>> {
    let mut tx = state.db.begin().await?;
    let current = find(&mut tx, id).await?;
    let def = MacroDef {
        name: req
            .name
            .map(|n| n.trim().to_string())
            .unwrap_or(current.name.clone()),
        description: req.description.or(current.description.clone()),
        sql_query: req
            .sql_query
            .map(|s| s.trim().to_string())
            .unwrap_or(current.sql_query.clone()),
        parameters: req
            .parameters
            .map(ParamList)
            .unwrap_or(current.parameters.clone()),
        updated_at: crate::http::time::now(),
        ..current.clone()
    };
    check(state, &mut tx, &def).await?;
    if def.name != current.name && used_by(&mut tx, &current.name).await? > 0 {
        return Err(ApiError::conflict(
            format!(
                "Macro '{}' is used in permission rules; it cannot be renamed",
                current.name
            ),
            Some("name"),
        ));
    }
    let params = serde_json::to_string(&def.parameters.0).map_err(ApiError::internal)?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE macros SET name = $2, description = $3, sql_query = $4, parameters = $5, updated_at = $6 WHERE id = $1"
    )
    .bind(id)
    .bind(&def.name)
    .bind(&def.description)
    .bind(&def.sql_query)
    .bind(&params)
    .bind(def.updated_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| clash(e, &def.name))?;
    audit(state, &mut tx, caller, "UPDATE", Some(&current), Some(&def)).await?;
    tx.commit().await?;
    Ok(Json(response(def, true)))
}

/// Changes a macro (fields left out are kept).
#[utoipa::path(put, path = "/macros/{macro_id}", tag = "macros", params(("macro_id" = i64, Path)), request_body = MacroRequest,
    security(("bearer" = [])), responses((status = 200, body = MacroResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_macro(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MacroRequest>,
) -> ApiResult<Json<MacroResponse>> {
    update(&state, &admin, id, req).await
}

/// Same as `PUT` (the SDK's verb).
#[utoipa::path(patch, path = "/macros/{macro_id}", tag = "macros", params(("macro_id" = i64, Path)), request_body = MacroRequest,
    security(("bearer" = [])), responses((status = 200, body = MacroResponse), (status = 404, body = ErrorBody)))]
pub async fn patch_macro(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MacroRequest>,
) -> ApiResult<Json<MacroResponse>> {
    update(&state, &admin, id, req).await
}

/// How many permission rows mention `@name`.
async fn used_by(tx: &mut Tx, name: &str) -> ApiResult<i64> {
    let pattern = format!("%@{}%", crate::http::listing::escape_like(name));
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM permissions WHERE rules LIKE $1 ESCAPE '\\'"
    )
    .bind(&pattern)
    .fetch_one(c)
    .await)?)
}

/// Deletes a macro that no permission rule uses.
#[utoipa::path(delete, path = "/macros/{macro_id}", tag = "macros", params(("macro_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_macro(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let def = find(&mut tx, id).await?;
    let uses = used_by(&mut tx, &def.name).await?;
    if uses > 0 {
        return Err(ApiError::conflict(
            format!(
                "Cannot delete macro '{}': it is used in {uses} permission rule(s)",
                def.name
            ),
            None,
        ));
    }
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM macros WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    audit(&state, &mut tx, &admin, "DELETE", Some(&def), None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestMacroRequest {
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub parameters: Vec<Value>,
    /// The SDK's name for `parameters`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub params: Vec<Value>,
    /// The account to run in (default: the superadmin's own).
    pub account_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestMacroResponse {
    pub success: bool,
    #[schema(value_type = Object)]
    pub result: Value,
    pub execution_time: f64,
    pub rows_affected: i64,
}

/// Runs a macro (read-only, time-limited) in an account and shows its value.
#[utoipa::path(post, path = "/macros/{macro_id}/test", tag = "macros", params(("macro_id" = i64, Path)), request_body = TestMacroRequest,
    security(("bearer" = [])), responses((status = 200, body = TestMacroResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test_macro(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TestMacroRequest>,
) -> ApiResult<Json<TestMacroResponse>> {
    let mut tx = state.db.begin_read().await?;
    let def = find(&mut tx, id).await?;
    drop(tx);
    let args: Vec<rules::Value> = if req.parameters.is_empty() {
        &req.params
    } else {
        &req.parameters
    }
    .iter()
    .map(rules::Value::from_json)
    .collect();
    let account = req.account_id.unwrap_or(admin.account_id.to_string());
    let started = std::time::Instant::now();
    let value = run::run(&state.db, &def, &account, Some(admin.id()), &args)
        .await
        .map_err(|m| {
            ApiError::invalid(
                "sql_query",
                "macro_failed",
                format!("Macro execution failed: {m}"),
            )
        })?;
    Ok(Json(TestMacroResponse {
        success: true,
        result: value.to_json(),
        execution_time: (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        rows_affected: 0,
    }))
}
