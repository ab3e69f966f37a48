//! Writing deliveries to the outbox, inside the transaction of the change.

use serde_json::{json, Map, Value};
use snackbase_rules as rules;

use super::{WebhookRow, SELECT};
use crate::collections::store::Collection;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::on_tx;

/// The operation a record event stands for.
pub fn operation(event: crate::hooks::Event) -> Option<&'static str> {
    use crate::hooks::Event::*;
    match event {
        RecordAfterCreate => Some("create"),
        RecordAfterUpdate => Some("update"),
        RecordAfterDelete => Some("delete"),
        _ => None,
    }
}

struct RecordOnly<'a>(&'a Map<String, Value>);

impl rules::Context for RecordOnly<'_> {
    fn resolve(&self, path: &[&str]) -> rules::Value {
        match path {
            ["record", field] => self
                .0
                .get(*field)
                .map(rules::Value::from_json)
                .unwrap_or(rules::Value::Null),
            _ => rules::Value::Null,
        }
    }
    fn now_hour_utc(&self) -> u8 {
        chrono::Timelike::hour(&chrono::Utc::now()) as u8
    }
}

/// Queues a delivery for every enabled webhook of the account and collection
/// that listens to `op` and whose filter accepts the record.
pub async fn enqueue(
    tx: &mut Tx,
    c: &Collection,
    account_id: &str,
    op: &str,
    record: &Map<String, Value>,
) -> ApiResult<()> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND LOWER(collection) = LOWER($2) AND enabled = TRUE"
    );
    let hooks = on_tx!(tx, |conn| sqlx::query_as::<_, WebhookRow>(&sql)
        .bind(account_id)
        .bind(&c.name)
        .fetch_all(conn)
        .await)?;
    if hooks.is_empty() {
        return Ok(());
    }
    let now = crate::http::time::now();
    for hook in hooks {
        let events: Vec<String> = serde_json::from_str(&hook.events).unwrap_or_default();
        if !events.iter().any(|e| e == op) {
            continue;
        }
        if let Some(filter) = hook.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            let passes = match (rules::parse(filter), crate::records::filter::schema_of(c)) {
                (Ok(expr), Ok(schema)) => {
                    rules::evaluate(&expr, &schema, &rules::Scope::filter(), &RecordOnly(record))
                        .unwrap_or(false)
                }
                _ => false,
            };
            if !passes {
                continue;
            }
        }
        let payload = json!({
            "event": format!("records.{op}"),
            "collection": c.name,
            "account_id": account_id,
            "record": record,
            "timestamp": crate::http::time::rfc3339::format(&now),
        });
        insert(tx, &hook.id, account_id, &format!("records.{op}"), &payload).await?;
    }
    Ok(())
}

/// Inserts one pending delivery, due now.
pub async fn insert(
    tx: &mut Tx,
    webhook_id: &str,
    account_id: &str,
    event: &str,
    payload: &Value,
) -> ApiResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    let text = payload.to_string();
    on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, account_id, event, payload, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)"
    )
    .bind(&id)
    .bind(webhook_id)
    .bind(account_id)
    .bind(event)
    .bind(&text)
    .bind(now)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(id)
}
