//! Orphaned files: what no record and no upload holds any more goes, even
//! when the process died half-way.
//!
//! Three kinds of leftovers, each found from durable state:
//! - **dropped rows**: a committed write that drops a file marks its `files`
//!   row (`dropped_at`) in its own transaction; the object is deleted after
//!   the commit (`files::record::delete_dropped`), then the row. A crash in
//!   between leaves the mark, and [`purge`] finishes the job. Cascaded
//!   deletes (`on_delete`) leave marks that [`Sweeper::wake`] purges at once.
//! - **rows nobody holds**: a claimed row whose collection, field or record
//!   is gone (a dropped collection, a removed field), and an upload of a
//!   record write whose write never committed (older than the grace period)
//!   are marked, then purged.
//! - **objects without a row**: an object written whose row was never
//!   inserted (a crash between the two), the objects of deleted accounts
//!   (their rows went with the account), and thumbnails of files that are
//!   gone; deleted once older than the grace period, so that an upload in
//!   flight is never taken for an orphan.
//!
//! Every node sweeps on a schedule ([`run`]); each step is idempotent, so
//! nodes sweeping at once only repeat each other's work.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde::Serialize;
use utoipa::ToSchema;

use super::key::Key;
use crate::app::AppState;
use crate::collections::schema::FieldKind;
use crate::error::{ApiError, ApiResult};
use crate::{on_pool, on_tx};

/// Keys checked against the `files` table per statement.
const BATCH: usize = 500;
/// The first scheduled sweep after start: soon enough to clean up after a
/// crash, late enough not to compete with start-up.
const FIRST_SWEEP: Duration = Duration::from_secs(60);

/// What one sweep did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SweepReport {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `files` rows removed (their objects deleted first).
    pub rows_forgotten: u64,
    /// Objects deleted: files, their thumbnails and row-less objects.
    pub objects_deleted: u64,
    /// The first failure, if a step failed (the other steps still ran).
    pub error: Option<String>,
}

/// This node's sweeper: wakes for purges, remembers its last run.
#[derive(Default)]
pub struct Sweeper {
    wake: tokio::sync::Notify,
    schema_changed: tokio::sync::Notify,
    /// One sweep or purge at a time on this node.
    running: tokio::sync::Mutex<()>,
    last: Mutex<Option<SweepReport>>,
}

impl Sweeper {
    /// Asks for a purge of dropped files soon (after a cascade, a dropped
    /// collection or field); wakes coalesce.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Asks for the files of dropped collections and removed fields to be
    /// found and purged soon (after a schema change).
    pub fn schema_changed(&self) {
        self.schema_changed.notify_one();
    }

    /// The last full sweep's report.
    pub fn last_run(&self) -> Option<SweepReport> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Until `stop`: purges when woken, sweeps every `SNACKBASE_FILES_SWEEP_INTERVAL`
/// seconds (the first a minute after start; 0 turns the schedule off).
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let interval = state.config.files_sweep_interval;
    let mut next = tokio::time::Instant::now() + FIRST_SWEEP;
    loop {
        let scheduled = async {
            if interval.is_zero() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep_until(next).await;
        };
        tokio::select! {
            _ = stop.changed() => return,
            _ = state.file_sweeper.wake.notified() => {
                let mut report = SweepReport::default();
                let _one = state.file_sweeper.running.lock().await;
                let purged = purge(&state, &mut report).await;
                note(&mut report, purged);
                if let Some(e) = report.error {
                    tracing::warn!(error = %e, "purging dropped files failed");
                }
            }
            _ = state.file_sweeper.schema_changed.notified() => {
                let mut report = SweepReport::default();
                let _one = state.file_sweeper.running.lock().await;
                let cutoff = crate::http::time::now()
                    - chrono::Duration::from_std(state.config.files_sweep_grace).unwrap_or_default();
                note(&mut report, mark_unheld(&state, cutoff).await);
                let purged = purge(&state, &mut report).await;
                note(&mut report, purged);
                if let Some(e) = report.error {
                    tracing::warn!(error = %e, "purging the files of a schema change failed");
                }
            }
            () = scheduled => {
                next = tokio::time::Instant::now() + interval;
                let report = sweep(&state, state.config.files_sweep_grace).await;
                if let Some(e) = &report.error {
                    tracing::warn!(error = %e, "the file sweep failed");
                } else if report.rows_forgotten + report.objects_deleted > 0 {
                    tracing::info!(
                        rows = report.rows_forgotten,
                        objects = report.objects_deleted,
                        "swept orphaned files"
                    );
                }
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One full sweep: marks the rows nobody holds, purges every marked row,
/// then deletes the row-less objects older than `grace`.
pub async fn sweep(state: &AppState, grace: Duration) -> SweepReport {
    let _one = state.file_sweeper.running.lock().await;
    let mut report = SweepReport {
        started_at: crate::http::time::now(),
        ..SweepReport::default()
    };
    let cutoff = report.started_at - chrono::Duration::from_std(grace).unwrap_or_default();
    note(&mut report, mark_unheld(state, cutoff).await);
    let purged = purge(state, &mut report).await;
    note(&mut report, purged);
    let deleted = delete_rowless(state, cutoff, &mut report).await;
    note(&mut report, deleted);
    report.finished_at = crate::http::time::now();
    *state
        .file_sweeper
        .last
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(report.clone());
    report
}

fn note(report: &mut SweepReport, result: ApiResult<()>) {
    if let Err(e) = result {
        report.error.get_or_insert_with(|| e.to_string());
    }
}

/// Marks the rows whose holder is gone, and the uploads of record writes
/// that never committed (older than `cutoff`).
async fn mark_unheld(state: &AppState, cutoff: DateTime<Utc>) -> ApiResult<()> {
    let now = crate::http::time::now();
    let (generation, collections, held) = {
        let mut tx = state.db.begin_read().await?;
        let generation: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT value FROM cache_generation WHERE id = 1"
        )
        .fetch_one(c)
        .await)?;
        let collections = crate::collections::store::all(&mut tx).await?;
        let held: Vec<(String, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT DISTINCT collection, field FROM files \
             WHERE collection IS NOT NULL AND field IS NOT NULL AND dropped_at IS NULL"
        )
        .fetch_all(c)
        .await)?;
        (generation, collections, held)
    };
    let mut tx = state.db.begin().await?;
    tx.before_write().await?;
    for (collection, field) in held {
        let table = collections.iter().find(|c| {
            c.name.eq_ignore_ascii_case(&collection)
                && c.fields
                    .iter()
                    .any(|f| f.name == field && f.kind == FieldKind::File)
        });
        match table {
            // The collection or the field is gone: unless the schema moved
            // since it was read (then the next sweep decides).
            None => {
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE files SET dropped_at = $1 WHERE collection = $2 AND field = $3 \
                     AND dropped_at IS NULL \
                     AND (SELECT value FROM cache_generation WHERE id = 1) = $4"
                )
                .bind(now)
                .bind(&collection)
                .bind(&field)
                .bind(generation)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            // The record is gone (a cascade that did not pass through the
            // record hooks, a crash): its files are nobody's.
            Some(c) => {
                let table = &c.table;
                let sql = format!(
                    "UPDATE files SET dropped_at = $1 WHERE collection = $2 AND field = $3 \
                     AND dropped_at IS NULL AND NOT EXISTS (SELECT 1 FROM \"{table}\" r \
                     WHERE r.id = files.record_id AND r.account_id = files.account_id)"
                );
                on_tx!(&mut tx, |conn| sqlx::query(&sql)
                    .bind(now)
                    .bind(&collection)
                    .bind(&field)
                    .execute(conn)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
        }
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE files SET dropped_at = $1 WHERE collection IS NULL AND field IS NOT NULL \
         AND dropped_at IS NULL AND created_at < $2"
    )
    .bind(now)
    .bind(cutoff)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the objects of every marked row (and their thumbnails), then the
/// rows, in batches.
pub async fn purge(state: &AppState, report: &mut SweepReport) -> ApiResult<()> {
    loop {
        let marked: Vec<String> = on_pool!(&state.db, |p| sqlx::query_scalar(
            "SELECT key FROM files WHERE dropped_at IS NOT NULL ORDER BY key LIMIT 500"
        )
        .fetch_all(p)
        .await)?;
        if marked.is_empty() {
            return Ok(());
        }
        for key in &marked {
            match Key::parse(key) {
                Ok((key, _)) => finish_dropped(state, &key, report).await?,
                // Not a key this server writes: only the row goes.
                Err(_) => {
                    super::meta::forget_dropped(&state.db, key).await?;
                }
            }
        }
        if marked.len() < BATCH {
            return Ok(());
        }
    }
}

/// Deletes a dropped file's object and thumbnails, then its marked row: the
/// one way a dropped file goes, after a commit (`files::record`) or in a
/// purge.
pub async fn finish_dropped(
    state: &AppState,
    key: &Key,
    report: &mut SweepReport,
) -> ApiResult<()> {
    state.storage.delete(key).await?;
    report.objects_deleted += 1 + super::record::delete_thumbs(state, key).await;
    if super::meta::forget_dropped(&state.db, key.as_str()).await? {
        report.rows_forgotten += 1;
    }
    Ok(())
}

/// What a stored key is, by its shape: a file (`{account}/uploads/{name}`),
/// a thumbnail of one (`{account}/thumbs/{name}/{size}`), or something the
/// server did not write (left alone).
fn owner_of(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        [account, "uploads", name] => Some(format!("{account}/uploads/{name}")),
        [account, "thumbs", name, _size] => Some(format!("{account}/uploads/{name}")),
        _ => None,
    }
}

/// Deletes the objects older than `cutoff` whose file has no row: written
/// but never recorded, of a deleted account, or thumbnails of a gone file.
async fn delete_rowless(
    state: &AppState,
    cutoff: DateTime<Utc>,
    report: &mut SweepReport,
) -> ApiResult<()> {
    let mut listing = state.storage.objects("");
    let mut batch: Vec<(String, String)> = Vec::with_capacity(BATCH);
    loop {
        let next = listing.next().await;
        let done = next.is_none();
        if let Some(listed) = next {
            let listed = listed?;
            if listed.modified < cutoff {
                if let Some(owner) = owner_of(&listed.key) {
                    batch.push((listed.key, owner));
                }
            }
        }
        if batch.len() >= BATCH || (done && !batch.is_empty()) {
            let owners: Vec<&str> = batch.iter().map(|(_, o)| o.as_str()).collect();
            let known = known_keys(state, &owners).await?;
            for (key, owner) in batch.drain(..) {
                if known.contains(&owner) {
                    continue;
                }
                if let Ok((key, _)) = Key::parse(&key) {
                    state.storage.delete(&key).await?;
                    report.objects_deleted += 1;
                }
            }
        }
        if done {
            return Ok(());
        }
    }
}

/// Which of `keys` have a row (dropped ones included: [`purge`] owns those).
async fn known_keys(state: &AppState, keys: &[&str]) -> ApiResult<HashSet<String>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT key FROM files WHERE key IN ({})", marks.join(", "));
    let found: Vec<String> = on_pool!(&state.db, |p| {
        let mut q = sqlx::query_scalar(&sql);
        for k in keys {
            q = q.bind(*k);
        }
        q.fetch_all(p).await
    })?;
    Ok(found.into_iter().collect())
}

/// Deletes everything stored for `account` (after the account is gone; its
/// rows went with it).
pub async fn delete_account(state: &AppState, account: &str) -> ApiResult<u64> {
    let Ok(segment) = super::key::Segment::parse(account) else {
        return Err(ApiError::bad_request("Invalid account id"));
    };
    let mut listing = state.storage.objects(segment.as_str());
    let mut deleted = 0;
    while let Some(listed) = listing.next().await {
        if let Ok((key, _)) = Key::parse(&listed?.key) {
            state.storage.delete(&key).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::owner_of;

    #[test]
    fn keys_are_owned_by_their_file() {
        assert_eq!(
            owner_of("AA0001/uploads/a_x1.png").as_deref(),
            Some("AA0001/uploads/a_x1.png")
        );
        assert_eq!(
            owner_of("AA0001/thumbs/a_x1.png/50x0").as_deref(),
            Some("AA0001/uploads/a_x1.png")
        );
        for other in [
            "AA0001",
            "AA0001/uploads",
            "notes.txt",
            "AA0001/other/x",
            "a/uploads/b/c",
        ] {
            assert_eq!(owner_of(other), None, "{other}");
        }
    }
}
