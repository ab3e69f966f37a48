//! The one background task of the request log: it drains the channel in
//! batches (up to [`BATCH_SIZE`] entries, or whatever arrived within the flush
//! interval), writes each batch in one transaction, and prunes old entries at
//! start and then hourly.

use std::time::Duration;

use tokio::time::Instant;

use super::{settings, LogEntry, Recorder, BATCH_SIZE};
use crate::db::Db;
use crate::on_tx;

const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Rows per INSERT statement (12 values each; well under both backends' limits).
const ROWS_PER_STATEMENT: usize = 100;

/// Runs until `stop` turns true (then writes what is left) or the channel closes.
pub async fn run(
    db: Db,
    recorder: Recorder,
    default_retention: i64,
    flush: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(mut rx) = recorder.take_receiver() else {
        return;
    };
    refresh_retention(&db, &recorder, default_retention).await;
    prune_logged(&db, &recorder).await;
    let mut next_prune = Instant::now() + PRUNE_EVERY;
    let mut batch: Vec<LogEntry> = Vec::with_capacity(BATCH_SIZE);
    let mut deadline = Instant::now() + flush;
    loop {
        let mut stopping = false;
        let mut closed = false;
        let room = BATCH_SIZE - batch.len();
        tokio::select! {
            n = rx.recv_many(&mut batch, room) => closed = n == 0,
            _ = tokio::time::sleep_until(deadline) => {}
            _ = stop.changed() => stopping = true,
        }
        stopping |= *stop.borrow();
        let due = Instant::now() >= deadline;
        if batch.len() >= BATCH_SIZE || due || stopping || closed {
            if stopping {
                // Whatever is already queued is written before the server stops.
                while let Ok(entry) = rx.try_recv() {
                    batch.push(entry);
                    if batch.len() >= BATCH_SIZE {
                        write_logged(&db, &recorder, &mut batch).await;
                    }
                }
            }
            write_logged(&db, &recorder, &mut batch).await;
            deadline = Instant::now() + flush;
        }
        if stopping || closed {
            break;
        }
        if Instant::now() >= next_prune {
            refresh_retention(&db, &recorder, default_retention).await;
            prune_logged(&db, &recorder).await;
            next_prune = Instant::now() + PRUNE_EVERY;
        }
    }
}

/// Picks up a retention changed from another node.
async fn refresh_retention(db: &Db, recorder: &Recorder, default_retention: i64) {
    match settings::stored_retention(db).await {
        Ok(stored) => recorder.set_retention_days(stored.unwrap_or(default_retention)),
        Err(e) => tracing::warn!(error = %e, "could not read the request-log retention"),
    }
}

async fn write_logged(db: &Db, recorder: &Recorder, batch: &mut Vec<LogEntry>) {
    if batch.is_empty() {
        return;
    }
    // With a retention of 0 days nothing is kept.
    if recorder.retention_days() > 0 {
        if let Err(e) = write(db, batch).await {
            tracing::warn!(error = %e, entries = batch.len(), "could not write request logs");
        }
    }
    batch.clear();
}

async fn prune_logged(db: &Db, recorder: &Recorder) {
    match prune(db, recorder.retention_days()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, "pruned request logs"),
        Err(e) => tracing::warn!(error = %e, "could not prune request logs"),
    }
}

/// Inserts the entries in one transaction.
pub async fn write(db: &Db, entries: &[LogEntry]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO request_logs (id, created_at, method, path, status, duration_ms, ip, \
                 user_agent, account_id, user_id, impersonator_id, correlation_id, error) ",
            );
            q.push_values(chunk, |mut row, e| {
                row.push_bind(&e.id)
                    .push_bind(e.created_at)
                    .push_bind(&e.method)
                    .push_bind(&e.path)
                    .push_bind(i64::from(e.status))
                    .push_bind(e.duration_ms)
                    .push_bind(&e.ip)
                    .push_bind(&e.user_agent)
                    .push_bind(&e.account_id)
                    .push_bind(&e.user_id)
                    .push_bind(&e.impersonator_id)
                    .push_bind(&e.correlation_id)
                    .push_bind(&e.error);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    tx.commit().await
}

/// Deletes entries older than `retention_days` (all of them for 0).
pub async fn prune(db: &Db, retention_days: i64) -> Result<u64, sqlx::Error> {
    let cutoff = crate::http::time::now() - chrono::Duration::days(retention_days.max(0));
    let mut tx = db.begin().await?;
    let deleted = on_tx!(&mut tx, |c| {
        sqlx::query("DELETE FROM request_logs WHERE created_at < $1")
            .bind(cutoff)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(deleted)
}
