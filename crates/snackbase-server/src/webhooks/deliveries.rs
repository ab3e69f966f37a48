//! A webhook's delivery log (paged, newest first), redelivery, and the test
//! delivery, which is made at once and logged like the others.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::handlers::find;
use super::WebhookRow;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiPath, ApiQuery};
use crate::on_tx;

/// A page's size when `limit` is not given, and the largest one.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    webhook_id: String,
    event: String,
    payload: String,
    status: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
}

/// One delivery, in the SDK's shape (plus `error`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    /// `records.create`, `records.update`, `records.delete` or `test`.
    pub event: String,
    /// The body that was (or will be) posted.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// The receiver's HTTP status at the last attempt; `null` before the
    /// first one, or when the receiver was not reached.
    pub response_status: Option<i64>,
    /// Always `null`: receivers' answers are not kept.
    pub response_body: Option<String>,
    /// The attempts made so far.
    pub attempt_number: i64,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the next attempt is due; `null` unless the delivery is pending.
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_retry_at: Option<DateTime<Utc>>,
    /// `pending`, `delivered` or `failed` (no attempt left).
    pub status: String,
    /// Why the last attempt failed; `null` after a success.
    pub error: Option<String>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let pending = r.status == "pending";
        Self {
            payload: serde_json::from_str(&r.payload).unwrap_or(Value::Null),
            response_status: r.last_status,
            response_body: None,
            attempt_number: r.attempts,
            delivered_at: r.delivered_at,
            next_retry_at: pending.then_some(r.next_attempt_at),
            error: r.last_error,
            id: r.id,
            webhook_id: r.webhook_id,
            event: r.event,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Deliveries to pass over, newest first (default 0).
    pub offset: Option<i64>,
}

/// One page of a webhook's deliveries, and how many it has in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub total: i64,
}

/// The delivery log of a webhook, newest first.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/deliveries", tag = "webhooks", params(("webhook_id" = String, Path), DeliveriesQuery),
    security(("bearer" = [])), responses((status = 200, body = DeliveryPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid(
            "offset",
            "out_of_range",
            "offset must be at least 0",
        ));
    }
    let mut tx = state.db.begin_read().await?;
    find(&mut tx, &user, &id).await?;
    let (rows, total) = on_tx!(&mut tx, |c| {
        let rows = sqlx::query_as::<_, DeliveryRow>(
            "SELECT id, webhook_id, event, payload, status, attempts, last_status, last_error, next_attempt_at, created_at, delivered_at \
             FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *c)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(&id)
                .fetch_one(&mut *c)
                .await?;
        Ok::<_, sqlx::Error>((rows, total))
    })?;
    Ok(Json(DeliveryPage {
        items: rows.into_iter().map(Delivery::from).collect(),
        total,
    }))
}

/// The outcome of a test delivery, in the SDK's shape (plus `delivery_id`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// Whether the receiver answered 2xx.
    pub success: bool,
    /// The receiver's HTTP status; `null` when it was not reached.
    pub status_code: Option<u16>,
    /// Why the delivery failed (a refused target, a failed connection,
    /// another status); `null` on success.
    pub error: Option<String>,
    /// The delivery, as `/deliveries` lists it (event `test`).
    pub delivery_id: String,
}

/// Posts a test event (`event: "test"`) to the webhook now, signed as any
/// delivery and under the same address checks, and answers how it went; a
/// failure is `success: false` with its reason, never retried. The delivery
/// is logged.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/test", tag = "webhooks", params(("webhook_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = TestResult), (status = 404, body = ErrorBody)))]
pub async fn test_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TestResult>> {
    // No transaction is held while the receiver answers.
    let hook = {
        let mut tx = state.db.begin_read().await?;
        find(&mut tx, &user, &id).await?
    };
    let started = crate::http::time::now();
    let payload = json!({"event": "test", "collection": hook.collection, "account_id": hook.account_id,
        "record": {}, "timestamp": crate::http::time::rfc3339::format(&started)});
    let delivery_id = uuid::Uuid::new_v4().to_string();
    let allow_private = state.config.webhooks_allow_private_networks;
    let client = super::worker::client(allow_private).map_err(ApiError::internal)?;
    let outcome = super::worker::post(
        &client,
        allow_private,
        &hook,
        &delivery_id,
        "test",
        payload.to_string().into_bytes(),
    )
    .await;
    log_test(&state, &hook, &delivery_id, &payload, started, &outcome).await?;
    Ok(Json(match outcome {
        Ok(status) => TestResult {
            success: true,
            status_code: Some(status),
            error: None,
            delivery_id,
        },
        Err((status, error)) => TestResult {
            success: false,
            status_code: status,
            error: Some(error),
            delivery_id,
        },
    }))
}

/// Logs a test delivery with its outcome: one attempt, `delivered` or
/// `failed` (so the worker never picks it up). Nothing is logged if the
/// webhook was deleted meanwhile.
async fn log_test(
    state: &AppState,
    hook: &WebhookRow,
    delivery_id: &str,
    payload: &Value,
    started: DateTime<Utc>,
    outcome: &Result<u16, (Option<u16>, String)>,
) -> ApiResult<()> {
    let now = crate::http::time::now();
    let (status, last_status, last_error, delivered_at) = match outcome {
        Ok(code) => ("delivered", Some(i64::from(*code)), None, Some(now)),
        Err((code, error)) => ("failed", code.map(i64::from), Some(error.as_str()), None),
    };
    let text = payload.to_string();
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, account_id, event, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at) \
             SELECT $1, id, account_id, 'test', $2, $3, 1, $4, $5, $6, $7, $8 FROM webhooks WHERE id = $9",
        )
        .bind(delivery_id)
        .bind(&text)
        .bind(status)
        .bind(now)
        .bind(last_status)
        .bind(last_error)
        .bind(started)
        .bind(delivered_at)
        .bind(&hook.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    pub delivery_id: String,
}

#[derive(Debug, Deserialize)]
pub struct DeliveryPath {
    pub webhook_id: String,
    pub delivery_id: String,
}

/// Sends a delivery again (from now, with a fresh set of attempts).
#[utoipa::path(post, path = "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("webhook_id" = String, Path), ("delivery_id" = String, Path)), security(("bearer" = [])),
    responses((status = 202, body = Queued), (status = 404, body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(p): ApiPath<DeliveryPath>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let mut tx = state.db.begin().await?;
    find(&mut tx, &user, &p.webhook_id).await?;
    let now = crate::http::time::now();
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3 WHERE id = $1 AND webhook_id = $2"
    )
    .bind(&p.delivery_id)
    .bind(&p.webhook_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(ApiError::not_found("Delivery not found"));
    }
    tx.commit().await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            delivery_id: p.delivery_id,
        }),
    ))
}
