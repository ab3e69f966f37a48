//! `/admin/jobs` (superadmin): the background work of the server seen as
//! jobs in the SDK's shape, read from where that work is queued: webhook
//! deliveries (the outbox: `webhooks` queue, claimed with a lease so each
//! runs on one node at a time) and backups (`backups` queue). Nothing is
//! copied: a job's status is its source's state.
//!
//! Webhook deliveries map as: waiting for its first attempt → `pending`;
//! waiting after a failed attempt → `retrying`; delivered → `completed`;
//! every attempt failed → `dead`. Backups: `running`, `completed`, `failed`.
//! Retrying a dead or retrying delivery queues it now with a fresh set of
//! attempts; cancelling removes a delivery that has not been delivered.

mod handlers;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiError;

pub(crate) use handlers::router;

pub const WEBHOOKS: &str = "webhooks";
pub const BACKUPS: &str = "backups";
const WEBHOOK_HANDLER: &str = "webhook.deliver";
const BACKUP_HANDLER: &str = "backup.create";
const WEBHOOK_PREFIX: &str = "webhook-";
const BACKUP_PREFIX: &str = "backup-";

/// A job, in the SDK's shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    /// `webhook-<delivery id>` or `backup-<backup id>`.
    pub id: String,
    pub queue: &'static str,
    pub handler: &'static str,
    #[schema(value_type = Object)]
    pub payload: Value,
    /// `pending`, `running`, `completed`, `failed`, `retrying` or `dead`.
    pub status: &'static str,
    pub priority: i64,
    /// When it runs next (a waiting delivery).
    pub run_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    /// Attempts made so far.
    pub attempt_number: i64,
    pub max_retries: i64,
    pub retry_delay_seconds: f64,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub account_id: Option<String>,
}

/// Counts by status across every queue.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct JobStats {
    pub pending: i64,
    pub running: i64,
    pub completed: i64,
    pub failed: i64,
    pub retrying: i64,
    pub dead: i64,
    /// Mean time from creation to completion of completed jobs (the last
    /// 1,000 delivered webhooks and the recorded backups), seconds.
    pub avg_duration_seconds: Option<f64>,
    /// (failed + dead) / (completed + failed + dead).
    pub failure_rate: Option<f64>,
}

/// What to list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub queue: Option<String>,
    pub handler: Option<String>,
}

const STATUSES: [&str; 6] = [
    "pending",
    "running",
    "completed",
    "failed",
    "retrying",
    "dead",
];

impl Filter {
    pub fn check(&self) -> Result<(), ApiError> {
        if let Some(s) = &self.status {
            if !STATUSES.contains(&s.as_str()) {
                return Err(ApiError::invalid(
                    "status",
                    "invalid",
                    format!("must be one of {}", STATUSES.join(", ")),
                ));
            }
        }
        if let Some(q) = &self.queue {
            if ![WEBHOOKS, BACKUPS].contains(&q.as_str()) {
                return Err(ApiError::invalid(
                    "queue",
                    "invalid",
                    "must be webhooks or backups",
                ));
            }
        }
        if let Some(h) = &self.handler {
            if ![WEBHOOK_HANDLER, BACKUP_HANDLER].contains(&h.as_str()) {
                return Err(ApiError::invalid(
                    "handler",
                    "invalid",
                    "must be webhook.deliver or backup.create",
                ));
            }
        }
        Ok(())
    }

    fn wants(&self, queue: &str, handler: &str) -> bool {
        self.queue.as_deref().is_none_or(|q| q == queue)
            && self.handler.as_deref().is_none_or(|h| h == handler)
    }
}

/// The `WHERE` condition of webhook deliveries in `status` (fixed SQL; `None`:
/// no delivery is ever in that status).
fn webhook_condition(status: Option<&str>) -> Option<&'static str> {
    Some(match status {
        None => "TRUE",
        Some("pending") => "status = 'pending' AND attempts = 0",
        Some("retrying") => "status = 'pending' AND attempts > 0",
        Some("completed") => "status = 'delivered'",
        Some("dead") => "status = 'failed'",
        Some(_) => return None,
    })
}

type DeliveryRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    DateTime<Utc>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

const DELIVERY_COLUMNS: &str = "id, webhook_id, account_id, event, status, attempts, next_attempt_at, last_error, created_at, delivered_at";

fn webhook_job(state: &AppState, r: DeliveryRow) -> Job {
    let (
        id,
        webhook_id,
        account_id,
        event,
        status,
        attempts,
        next,
        error,
        created_at,
        delivered_at,
    ) = r;
    let status = match (status.as_str(), attempts) {
        ("delivered", _) => "completed",
        ("failed", _) => "dead",
        (_, 0) => "pending",
        _ => "retrying",
    };
    Job {
        id: format!("{WEBHOOK_PREFIX}{id}"),
        queue: WEBHOOKS,
        handler: WEBHOOK_HANDLER,
        payload: json!({"delivery_id": id, "webhook_id": webhook_id, "event": event}),
        status,
        priority: 0,
        run_at: matches!(status, "pending" | "retrying").then_some(next),
        started_at: None,
        completed_at: delivered_at,
        // The outbox keeps no failure time: the last attempt's due time.
        failed_at: (status == "dead").then_some(next),
        error_message: error,
        attempt_number: attempts,
        max_retries: state.config.webhook_max_attempts,
        retry_delay_seconds: state.config.webhook_retry_base_ms as f64 / 1000.0,
        created_at,
        created_by: None,
        account_id: Some(account_id),
    }
}

fn backup_job(b: crate::backup::Backup) -> Job {
    use crate::backup::{Status, Trigger};
    let status = match b.status {
        Status::Running => "running",
        Status::Completed => "completed",
        Status::Failed => "failed",
    };
    Job {
        id: format!("{BACKUP_PREFIX}{}", b.id),
        queue: BACKUPS,
        handler: BACKUP_HANDLER,
        payload: json!({
            "backup_id": b.id,
            "file_name": b.file_name,
            "trigger": match b.trigger { Trigger::Manual => "manual", Trigger::Scheduled => "scheduled", Trigger::Cli => "cli" },
        }),
        status,
        priority: 0,
        run_at: None,
        started_at: Some(b.started_at),
        completed_at: b.finished_at.filter(|_| status == "completed"),
        failed_at: b.finished_at.filter(|_| status == "failed"),
        error_message: b.error,
        attempt_number: 1,
        max_retries: 0,
        retry_delay_seconds: 0.0,
        created_at: b.started_at,
        created_by: None,
        account_id: None,
    }
}

async fn backups(state: &AppState, filter: &Filter) -> Result<Vec<Job>, ApiError> {
    if !filter.wants(BACKUPS, BACKUP_HANDLER) {
        return Ok(Vec::new());
    }
    let mut all = crate::backup::list(&state.config.backup.dir)
        .await
        .map_err(ApiError::internal)?;
    if let Some(running) = state.backups.running() {
        all.insert(0, running);
    }
    Ok(all
        .into_iter()
        .map(backup_job)
        .filter(|j| filter.status.as_deref().is_none_or(|s| s == j.status))
        .collect())
}

async fn webhook_page(
    state: &AppState,
    condition: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Job>, i64), ApiError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {condition} \
         ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    );
    let count = format!("SELECT COUNT(*) FROM webhook_deliveries WHERE {condition}");
    let (rows, total): (Vec<DeliveryRow>, i64) = crate::on_pool!(&state.db, |p| {
        let rows = sqlx::query_as(&sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total = sqlx::query_scalar(&count).fetch_one(p).await?;
        Ok::<_, sqlx::Error>((rows, total))
    })?;
    Ok((
        rows.into_iter().map(|r| webhook_job(state, r)).collect(),
        total,
    ))
}

/// A page of jobs, newest first, and how many match.
pub async fn list(
    state: &AppState,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Job>, i64), ApiError> {
    let backups = backups(state, filter).await?;
    let condition = filter
        .wants(WEBHOOKS, WEBHOOK_HANDLER)
        .then(|| webhook_condition(filter.status.as_deref()))
        .flatten();
    let Some(condition) = condition else {
        let total = backups.len() as i64;
        let page = backups
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        return Ok((page, total));
    };
    if backups.is_empty() {
        return webhook_page(state, condition, limit, offset).await;
    }
    // Both queues: the newest offset + limit of each, merged.
    let (mut jobs, total) = webhook_page(state, condition, limit + offset, 0).await?;
    let total = total + backups.len() as i64;
    jobs.extend(backups);
    jobs.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.id.cmp(&a.id))
    });
    Ok((
        jobs.into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect(),
        total,
    ))
}

/// One job by id.
pub async fn get(state: &AppState, id: &str) -> Result<Job, ApiError> {
    if let Some(delivery) = id.strip_prefix(WEBHOOK_PREFIX) {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1");
        let row: Option<DeliveryRow> = crate::on_pool!(&state.db, |p| {
            sqlx::query_as(&sql).bind(delivery).fetch_optional(p).await
        })?;
        return row
            .map(|r| webhook_job(state, r))
            .ok_or_else(|| ApiError::not_found("Job not found"));
    }
    if let Some(backup) = id.strip_prefix(BACKUP_PREFIX) {
        if let Some(running) = state.backups.running().filter(|b| b.id == backup) {
            return Ok(backup_job(running));
        }
        return match crate::backup::find(&state.config.backup.dir, backup).await {
            Ok(b) => Ok(backup_job(b)),
            Err(_) => Err(ApiError::not_found("Job not found")),
        };
    }
    Err(ApiError::not_found("Job not found"))
}

/// Counts by status.
pub async fn stats(state: &AppState) -> Result<JobStats, ApiError> {
    let rows: Vec<(String, i64, i64)> = crate::on_pool!(&state.db, |p| {
        sqlx::query_as(
            "SELECT status, CAST(CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS BIGINT), COUNT(*) \
             FROM webhook_deliveries GROUP BY 1, 2",
        )
        .fetch_all(p)
        .await
    })?;
    let mut s = JobStats::default();
    for (status, tried, n) in rows {
        match (status.as_str(), tried) {
            ("delivered", _) => s.completed += n,
            ("failed", _) => s.dead += n,
            (_, 0) => s.pending += n,
            _ => s.retrying += n,
        }
    }
    let delivered: Vec<f64> = crate::on_pool!(&state.db, |p| {
        sqlx::query_as::<_, (DateTime<Utc>, DateTime<Utc>)>(
            "SELECT created_at, delivered_at FROM webhook_deliveries \
             WHERE status = 'delivered' AND delivered_at IS NOT NULL \
             ORDER BY created_at DESC LIMIT 1000",
        )
        .fetch_all(p)
        .await
        .map(|rows| {
            rows.iter()
                .map(|(c, d)| (*d - *c).num_milliseconds() as f64 / 1000.0)
                .collect()
        })
    })?;
    let mut durations = delivered;
    for job in backups(state, &Filter::default()).await? {
        match job.status {
            "running" => s.running += 1,
            "completed" => {
                s.completed += 1;
                if let (Some(start), Some(end)) = (job.started_at, job.completed_at) {
                    durations.push((end - start).num_milliseconds() as f64 / 1000.0);
                }
            }
            _ => s.failed += 1,
        }
    }
    s.avg_duration_seconds =
        (!durations.is_empty()).then(|| durations.iter().sum::<f64>() / durations.len() as f64);
    let finished = s.completed + s.failed + s.dead;
    s.failure_rate = (finished > 0).then(|| (s.failed + s.dead) as f64 / finished as f64);
    Ok(s)
}

/// Queues a dead or retrying delivery now, with a fresh set of attempts.
pub async fn retry(state: &AppState, id: &str) -> Result<Job, ApiError> {
    let job = get(state, id).await?;
    if job.queue != WEBHOOKS {
        return Err(ApiError::bad_request(
            "A backup is not retried: start a new one (POST /admin/backups)",
        ));
    }
    if !matches!(job.status, "dead" | "retrying") {
        return Err(ApiError::bad_request(format!(
            "Only a dead or retrying job can be retried (this one is {})",
            job.status
        )));
    }
    let delivery = &id[WEBHOOK_PREFIX.len()..];
    let now = crate::http::time::now();
    let mut tx = state.db.begin().await?;
    crate::on_tx!(&mut tx, |c| {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = $2 \
             WHERE id = $1 AND status <> 'delivered'",
        )
        .bind(delivery)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    get(state, id).await
}

/// Removes a delivery that has not been delivered (pending or retrying).
pub async fn cancel(state: &AppState, id: &str) -> Result<(), ApiError> {
    let job = get(state, id).await?;
    if job.queue != WEBHOOKS || !matches!(job.status, "pending" | "retrying") {
        return Err(ApiError::bad_request(format!(
            "Only a pending or retrying job can be cancelled (this one is {})",
            job.status
        )));
    }
    let delivery = &id[WEBHOOK_PREFIX.len()..];
    let mut tx = state.db.begin().await?;
    let n = crate::on_tx!(&mut tx, |c| {
        sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1 AND status = 'pending'")
            .bind(delivery)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    if n == 0 {
        return Err(ApiError::bad_request("The job is no longer pending"));
    }
    Ok(())
}
