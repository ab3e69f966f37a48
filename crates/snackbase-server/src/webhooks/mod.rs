//! Webhooks: signed HTTP deliveries of record events, for users who do not
//! write Rust. A change writes its deliveries to a durable outbox in the same
//! transaction; a background worker posts them, retries with exponential
//! backoff, and logs every attempt. Deliveries survive restarts.

mod deliveries;
mod handlers;
pub mod outbox;
pub mod ssrf;
pub mod worker;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_webhooks, handlers::create_webhook))
        .routes(routes!(
            handlers::get_webhook,
            handlers::update_webhook,
            handlers::put_webhook,
            handlers::delete_webhook
        ))
        .routes(routes!(deliveries::list_deliveries))
        .routes(routes!(deliveries::test_webhook))
        .routes(routes!(deliveries::redeliver))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub account_id: String,
    pub url: String,
    pub collection: String,
    pub events: String,
    pub secret: String,
    pub filter: Option<String>,
    pub enabled: bool,
    pub headers: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const SELECT: &str = "SELECT id, account_id, url, collection, events, secret, filter, enabled, headers, created_by, created_at, updated_at FROM webhooks";

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: String,
    pub account_id: String,
    pub url: String,
    pub collection: String,
    pub events: Vec<String>,
    pub filter: Option<String>,
    pub enabled: bool,
    #[schema(value_type = Object)]
    pub headers: serde_json::Map<String, serde_json::Value>,
    /// Only in the response that created the webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for WebhookResponse {
    fn from(r: WebhookRow) -> Self {
        Self {
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            headers: serde_json::from_str(&r.headers).unwrap_or_default(),
            id: r.id,
            account_id: r.account_id,
            url: r.url,
            collection: r.collection,
            filter: r.filter,
            enabled: r.enabled,
            secret: None,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
