//! Webhook routes: account admins manage their account's webhooks (the
//! superadmin any account's).

use crate::collections::view::View;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{WebhookResponse, WebhookRow, SELECT};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

fn not_found() -> ApiError {
    ApiError::not_found("Webhook not found")
}

/// The webhook `id`, if the caller administers its account; else 404.
pub(super) async fn find(tx: &mut Tx, user: &AuthUser, id: &str) -> ApiResult<WebhookRow> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = on_tx!(tx, |c| sqlx::query_as::<_, WebhookRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or_else(not_found)?;
    if !user.administers(&row.account_id) {
        return Err(not_found());
    }
    Ok(row)
}

/// Records `operation` by `caller` on a webhook (its account's chain); the
/// secret reads `***`.
async fn audit(
    state: &AppState,
    tx: &mut Tx,
    caller: &AuthUser,
    operation: &str,
    before: Option<WebhookResponse>,
    after: Option<WebhookResponse>,
) -> ApiResult<()> {
    let Some((id, account)) = after
        .as_ref()
        .or(before.as_ref())
        .map(|w| (w.id.clone(), w.account_id.clone()))
    else {
        return Ok(());
    };
    crate::audit::objects::record(
        &state.audit,
        tx,
        caller,
        Some(&account),
        operation,
        "webhooks",
        &id,
        before.as_ref(),
        after.as_ref(),
        &["secret"],
    )
    .await?;
    Ok(())
}

const EVENTS: [&str; 3] = ["create", "update", "delete"];

struct Checked {
    url: String,
    events: Vec<String>,
    filter: Option<String>,
    headers: Map<String, Value>,
}

async fn check(
    state: &AppState,
    tx: &mut Tx,
    collection: &str,
    url: &str,
    events: &[String],
    filter: Option<String>,
    headers: Map<String, Value>,
) -> ApiResult<Checked> {
    let url = super::ssrf::check(url.trim(), state.config.webhooks_allow_private_networks)
        .await
        .map_err(|m| ApiError::invalid("url", "url_not_allowed", m))?
        .to_string();
    if events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        return Err(ApiError::invalid(
            "events",
            "events_invalid",
            "events is a non-empty list of create, update and delete",
        ));
    }
    let catalog = state.catalog.catalog(tx).await?;
    let c = catalog.get(collection).ok_or_else(|| {
        ApiError::invalid(
            "collection",
            "collection_not_found",
            format!("Collection '{collection}' not found"),
        )
    })?;
    let filter = filter.filter(|f| !f.trim().is_empty());
    if let Some(f) = &filter {
        crate::collections::filter::compile(&View::all(c), f, tx.backend())?;
    }
    for (k, v) in &headers {
        let valid_name = axum::http::HeaderName::from_bytes(k.as_bytes()).is_ok();
        let valid_value = v
            .as_str()
            .is_some_and(|v| axum::http::HeaderValue::from_str(v).is_ok());
        let reserved = k.to_ascii_lowercase().starts_with("x-snackbase-")
            || ["host", "content-length", "content-type"]
                .contains(&k.to_ascii_lowercase().as_str());
        if !valid_name || !valid_value || reserved {
            return Err(ApiError::invalid(
                "headers",
                "header_invalid",
                format!("Header '{k}' cannot be set"),
            ));
        }
    }
    Ok(Checked {
        url,
        events: events.to_vec(),
        filter,
        headers,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    pub url: String,
    pub collection: String,
    /// `create`, `update`, `delete`.
    pub events: Vec<String>,
    /// Generated when omitted; shown only in this response.
    pub secret: Option<String>,
    /// A filter in the rule language over the record's fields.
    pub filter: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub headers: Map<String, Value>,
    /// The superadmin only: the account.
    pub account_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// Creates a webhook; its secret is returned this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhookRequest, security(("bearer" = [])),
    responses((status = 201, body = WebhookResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreateWebhookRequest>,
) -> ApiResult<(StatusCode, Json<WebhookResponse>)> {
    let account_id = req
        .account_id
        .clone()
        .unwrap_or_else(|| user.account_id.to_string());
    if !user.administers(&account_id) {
        return Err(ApiError::forbidden(
            "Only the account's admins manage its webhooks",
        ));
    }
    let secret = match req.secret {
        Some(s) if s.len() < 16 => {
            return Err(ApiError::invalid(
                "secret",
                "secret_too_short",
                "A secret has at least 16 characters",
            ))
        }
        Some(s) => s,
        None => hex::encode(rand::random::<[u8; 32]>()),
    };
    let mut tx = state.db.begin().await?;
    let ok = check(
        &state,
        &mut tx,
        &req.collection,
        &req.url,
        &req.events,
        req.filter,
        req.headers,
    )
    .await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    let events = serde_json::to_string(&ok.events).map_err(ApiError::internal)?;
    let headers = Value::Object(ok.headers).to_string();
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO webhooks (id, account_id, url, collection, events, secret, filter, enabled, headers, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
    )
    .bind(&id)
    .bind(&account_id)
    .bind(&ok.url)
    .bind(&req.collection)
    .bind(&events)
    .bind(&secret)
    .bind(&ok.filter)
    .bind(req.enabled)
    .bind(&headers)
    .bind(&user.user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let row = find(&mut tx, &user, &id).await?;
    let mut shown = WebhookResponse::from(row.clone());
    // Masked: the entry only says a secret was set.
    shown.secret = Some("set".into());
    audit(&state, &mut tx, &user, "CREATE", None, Some(shown)).await?;
    tx.commit().await?;
    let mut body = WebhookResponse::from(row);
    body.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The superadmin only: one account's webhooks.
    pub account_id: Option<String>,
}

/// The SDK's list envelope: every webhook asked for, and how many.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
    pub total: usize,
}

/// The webhooks of the caller's account (the superadmin's: of every account,
/// or of the one named), oldest first.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<WebhookList>> {
    let account = match (user.is_superadmin(), q.account_id) {
        (true, named) => named,
        (false, Some(named)) if named != user.account_id => {
            // As for users: naming another account is refused, not ignored.
            return Err(ApiError::forbidden(
                "Account admins see the webhooks of their own account only",
            ));
        }
        (false, _) => Some(user.account_id.to_string()),
    };
    if let Some(a) = &account {
        if !user.administers(a) {
            return Err(ApiError::forbidden(
                "Only the account's admins manage its webhooks",
            ));
        }
    }
    let sql = format!("{SELECT} WHERE ($1 IS NULL OR account_id = $1) ORDER BY created_at, id");
    let mut tx = state.db.begin_read().await?;
    let rows = on_tx!(&mut tx, |c| sqlx::query_as::<_, WebhookRow>(&sql)
        .bind(&account)
        .fetch_all(c)
        .await)?;
    Ok(Json(WebhookList {
        total: rows.len(),
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// One webhook (without its secret).
#[utoipa::path(get, path = "/webhooks/{webhook_id}", tag = "webhooks", params(("webhook_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = WebhookResponse), (status = 404, body = ErrorBody)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookResponse>> {
    let mut tx = state.db.begin_read().await?;
    Ok(Json(find(&mut tx, &user, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    pub url: Option<String>,
    pub collection: Option<String>,
    pub events: Option<Vec<String>>,
    pub filter: Option<String>,
    pub enabled: Option<bool>,
    #[schema(value_type = Object)]
    pub headers: Option<Map<String, Value>>,
}

/// Changes a webhook (fields left out are kept).
#[utoipa::path(patch, path = "/webhooks/{webhook_id}", tag = "webhooks", params(("webhook_id" = String, Path)), request_body = UpdateWebhookRequest,
    security(("bearer" = [])), responses((status = 200, body = WebhookResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateWebhookRequest>,
) -> ApiResult<Json<WebhookResponse>> {
    let mut tx = state.db.begin().await?;
    let row = find(&mut tx, &user, &id).await?;
    let before = WebhookResponse::from(row.clone());
    let collection = req.collection.unwrap_or(row.collection.clone());
    let events = req
        .events
        .unwrap_or_else(|| serde_json::from_str(&row.events).unwrap_or_default());
    let filter = req.filter.or(row.filter.clone());
    let headers = req
        .headers
        .unwrap_or_else(|| serde_json::from_str(&row.headers).unwrap_or_default());
    let url = req.url.unwrap_or(row.url.clone());
    let ok = check(&state, &mut tx, &collection, &url, &events, filter, headers).await?;
    let now = crate::http::time::now();
    let events = serde_json::to_string(&ok.events).map_err(ApiError::internal)?;
    let headers = Value::Object(ok.headers).to_string();
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE webhooks SET url = $2, collection = $3, events = $4, filter = $5, enabled = $6, headers = $7, updated_at = $8 WHERE id = $1"
    )
    .bind(&id)
    .bind(&ok.url)
    .bind(&collection)
    .bind(&events)
    .bind(&ok.filter)
    .bind(req.enabled.unwrap_or(row.enabled))
    .bind(&headers)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let row = find(&mut tx, &user, &id).await?;
    let after = WebhookResponse::from(row.clone());
    audit(&state, &mut tx, &user, "UPDATE", Some(before), Some(after)).await?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// Same as `PATCH` (the JavaScript SDK sends `PUT`, with the fields it changes).
#[utoipa::path(put, path = "/webhooks/{webhook_id}", tag = "webhooks", params(("webhook_id" = String, Path)), request_body = UpdateWebhookRequest,
    security(("bearer" = [])), responses((status = 200, body = WebhookResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_webhook(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<String>,
    body: ApiJson<UpdateWebhookRequest>,
) -> ApiResult<Json<WebhookResponse>> {
    update_webhook(state, user, path, body).await
}

/// Deletes a webhook and its delivery log.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}", tag = "webhooks", params(("webhook_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let row = find(&mut tx, &user, &id).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM webhooks WHERE id = $1"
    )
    .bind(&id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let before = WebhookResponse::from(row);
    audit(&state, &mut tx, &user, "DELETE", Some(before), None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
