//! The `/audit-logs` routes: the list (the SDK's filters and paging), one
//! entry, the verification of the chains, the public key, and the
//! per-collection settings. The superadmin sees every account; an account
//! admin only their own; nobody else anything.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::query::{self, AuditLog, Filters, Row, COLUMNS};
use super::settings::{self, Policy};
use super::verify::{self, Report};
use crate::app::AppState;
use crate::auth::{AuthUser, Superadmin};
use crate::db::values::{self, BindParam as _, Param};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogList {
    pub items: Vec<AuditLog>,
    pub total: i64,
    pub skip: i64,
    pub limit: i64,
    /// Whether the server records the audit trail (`SNACKBASE_AUDIT_ENABLED`).
    pub audit_logging_enabled: bool,
}

/// Runs a filtered `SELECT` of entries.
pub(super) async fn fetch(
    state: &AppState,
    statement: &crate::db::statement::Statement,
) -> ApiResult<Vec<Row>> {
    let (sql, params) = statement.finish();
    let mut tx = state.db.read().await?;
    let rows = on_tx!(&mut tx, |c| {
        let mut q = sqlx::query_as::<_, Row>(&sql);
        for p in &params {
            q = q.bind_param(p);
        }
        q.fetch_all(c).await
    })?;
    Ok(rows)
}

/// Audit entries, newest first, with the SDK's filters.
#[utoipa::path(get, path = "/audit-logs", tag = "audit", params(Filters), security(("bearer" = [])),
    responses((status = 200, body = AuditLogList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiQuery(filters): ApiQuery<Filters>,
) -> ApiResult<Json<AuditLogList>> {
    let scope = query::scope(&caller, &filters)?;
    let order = query::order(&filters)?;
    let (skip, limit) = query::window(&filters)?;
    super::settled(&state).await?;
    let backend = state.db.backend();
    let mut count = crate::db::statement::Statement::new(query::counted(backend));
    count.append(&scope);
    let (count_sql, count_params) = count.finish();
    let mut tx = state.db.read().await?;
    let total = values::scalar_i64(&mut tx, &count_sql, &count_params).await?;
    drop(tx);
    let mut page = crate::db::statement::Statement::new(&format!(
        "SELECT {COLUMNS} FROM {}",
        query::entries(backend)
    ));
    page.append(&scope)
        .push(&order)
        .push(" LIMIT ")
        .bind(Param::Int(limit))
        .push(" OFFSET ")
        .bind(Param::Int(skip));
    let rows = fetch(&state, &page).await?;
    Ok(Json(AuditLogList {
        items: rows.into_iter().map(AuditLog::from).collect(),
        total,
        skip,
        limit,
        audit_logging_enabled: state.audit.enabled,
    }))
}

/// One audit entry (404 when missing or outside the caller's view).
#[utoipa::path(get, path = "/audit-logs/{id}", tag = "audit", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AuditLog), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AuditLog>> {
    let not_found = || ApiError::not_found(format!("Audit entry '{id}' not found"));
    let id: i64 = id.trim().parse().map_err(|_| not_found())?;
    super::settled(&state).await?;
    let (row_id, ord) = query::locate(id);
    let mut statement = crate::db::statement::Statement::new(&format!(
        "SELECT {COLUMNS} FROM {}",
        query::entries(state.db.backend())
    ));
    statement
        .append(&query::scope(&caller, &Filters::default())?)
        .push(" AND row_id = ")
        .bind(Param::Int(row_id))
        .push(" AND ord = ")
        .bind(Param::Int(ord));
    let row = fetch(&state, &statement)
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The superadmin: one account's chain (`system` for system events); default all.
    pub account_id: Option<String>,
}

/// Walks the chains and checkpoints and reports the first broken link of each.
#[utoipa::path(get, path = "/audit-logs/verify", tag = "audit", params(VerifyQuery), security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<Report>> {
    // The same rule as the list: who may read which account's entries.
    query::scope(
        &caller,
        &Filters {
            account_id: q.account_id.clone(),
            ..Default::default()
        },
    )?;
    let named = q
        .account_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let account = if caller.is_superadmin() {
        named.map(|a| a.to_ascii_uppercase())
    } else {
        Some(caller.account_id.to_string())
    };
    super::settled(&state).await?;
    let verifier = state.audit.signer.verifier();
    let chain = account.as_deref().map(|a| match a {
        "SYSTEM" => super::chain::SYSTEM_CHAIN.to_string(),
        a => super::chain::chain_of(Some(a)),
    });
    let report = verify::verify(&state.db, &verifier, chain.as_deref()).await?;
    Ok(Json(report))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKey {
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// Hex; verifies checkpoints, heads and exports offline.
    pub public_key: String,
}

/// The public key that verifies the trail's signatures.
#[utoipa::path(get, path = "/audit-logs/public-key", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = PublicKey), (status = 403, body = ErrorBody)))]
pub async fn public_key(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Json<PublicKey>> {
    query::scope(&caller, &Filters::default())?;
    Ok(Json(PublicKey {
        algorithm: "ed25519",
        public_key: state.audit.signer.public_key_hex(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionSetting {
    pub collection: String,
    #[serde(flatten)]
    pub policy: Policy,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditSettings {
    /// Whether the server records the audit trail at all.
    pub enabled: bool,
    pub collections: Vec<CollectionSetting>,
}

/// What is audited per collection (every collection is listed).
#[utoipa::path(get, path = "/audit-logs/settings", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = AuditSettings), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Json<AuditSettings>> {
    query::scope(&caller, &Filters::default())?;
    let mut tx = state.db.read().await?;
    let catalog = state.catalog.catalog(&mut tx).await?;
    let mut names: Vec<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT name FROM collections ORDER BY name"
    )
    .fetch_all(c)
    .await)?;
    names.sort_by_key(|n| n.to_ascii_lowercase());
    let collections = names
        .into_iter()
        .map(|name| CollectionSetting {
            policy: catalog
                .get(&name)
                .map(|c| c.audit.clone())
                .unwrap_or_default(),
            collection: name,
        })
        .collect();
    Ok(Json(AuditSettings {
        enabled: state.audit.enabled,
        collections,
    }))
}

/// Sets what is audited of a collection (the superadmin).
#[utoipa::path(put, path = "/audit-logs/settings/{collection}", tag = "audit", security(("bearer" = [])),
    params(("collection" = String, Path)), request_body = Policy,
    responses((status = 200, body = CollectionSetting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_setting(
    State(state): State<AppState>,
    Superadmin(AuthUser(caller)): Superadmin,
    ApiPath(collection): ApiPath<String>,
    ApiJson(policy): ApiJson<Policy>,
) -> ApiResult<Json<CollectionSetting>> {
    let mut tx = state.db.begin().await?;
    // The catalog through the state: the collections feature reads these
    // settings, this one does not reach into it.
    let c = state
        .catalog
        .catalog(&mut tx)
        .await?
        .get(&collection)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Collection '{collection}' not found")))?;
    for f in &policy.excluded_fields {
        if c.field(f).is_none() {
            return Err(ApiError::invalid(
                "excluded_fields",
                "unknown_field",
                format!("'{f}' is not a field of '{}'", c.name),
            ));
        }
    }
    let before = serde_json::to_value(&c.audit).unwrap_or_default();
    settings::save(&mut tx, &c.name, &policy).await?;
    let after = serde_json::to_value(&policy).unwrap_or_default();
    let event = super::object_event(
        Some(&caller),
        None,
        "UPDATE",
        "audit_settings",
        &c.name.to_ascii_lowercase(),
        Some(&before),
        Some(&after),
        &[],
    );
    super::append(&state.audit, &mut tx, event).await?;
    tx.commit().await?;
    Ok(Json(CollectionSetting {
        collection: c.name.clone(),
        policy,
    }))
}
