//! Writing deliveries to the outbox, inside the transaction of the change.

use serde_json::{json, Map, Value};
use snackbase_rules as rules;

use crate::collections::compiled::Compiled;
use crate::db::{RecordChange, Tx};
use crate::error::ApiResult;
use crate::on_tx;

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

/// Whether any webhook of the change's account listens to its collection and operation.
pub fn listened(c: &Compiled, change: &RecordChange) -> bool {
    c.subscriptions(&change.account_id, change.operation)
        .next()
        .is_some()
}

/// Queues a delivery for every enabled webhook of the change's account and
/// collection that listens to its operation and whose filter accepts
/// `record` (the record as the payload shows it: after the change, or for a
/// delete, before it).
pub async fn enqueue(
    tx: &mut Tx,
    c: &Compiled,
    change: &RecordChange,
    record: &Map<String, Value>,
) -> ApiResult<()> {
    let event = format!("records.{}", change.operation);
    let mut payload = None;
    for hook in c.subscriptions(&change.account_id, change.operation) {
        let passes = match (&hook.filter, &c.rule_schema) {
            (None, _) => true,
            (Some(Some(expr)), Some(schema)) => {
                rules::evaluate(expr, schema, &rules::Scope::filter(), &RecordOnly(record))
                    .unwrap_or(false)
            }
            _ => false,
        };
        if !passes {
            continue;
        }
        let payload = payload.get_or_insert_with(|| {
            json!({
                "event": event,
                "collection": c.name,
                "account_id": change.account_id,
                "record": record,
                "timestamp": crate::http::time::rfc3339::format(&change.at),
            })
        });
        insert(tx, &hook.webhook_id, &change.account_id, &event, payload).await?;
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
    tx.before_write().await?;
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
