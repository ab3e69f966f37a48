//! The change feed: every committed record change, once, after its commit.
//!
//! A record write calls [`record`] inside its transaction. That inserts one
//! row into the change log (`record_changes`, migration 0009), whose `seq`
//! orders the changes of the database, and keeps the typed [`RecordChange`]
//! with the transaction. Consumers that must be atomic with the change (the
//! webhook outbox, later the audit trail) use the returned change inside the
//! same transaction. When the transaction commits, its changes are published,
//! in the order they were made, to the in-process subscribers of the [`Feed`]
//! (realtime, tests); a transaction (or a group-commit savepoint) that rolls
//! back publishes nothing of what it undid.
//!
//! On SQLite one writer commits in `seq` order, so subscribers see increasing
//! numbers. On PostgreSQL concurrent transactions may commit out of `seq`
//! order; a reader of the log that must not skip a change uses `xid` to wait
//! for a gap a running transaction may still fill.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio::sync::broadcast;

use super::statement::Statement;
use super::values::{ColumnKind, Param, Stored};
use super::{Operation, Tx};

/// Changes a slow in-process subscriber may fall behind before it misses some
/// (it then learns how many it missed, and can read them from the log).
const CAPACITY: usize = 8192;

/// Who made a change: a snapshot of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The acting user; `None` for the public role.
    pub user_id: Option<String>,
    /// The caller's role name (`superadmin` for the superadmin).
    pub role: String,
}

/// One committed change of one record.
#[derive(Debug, Clone)]
pub struct RecordChange {
    /// The change's position in this database's log; grows with every change.
    pub seq: i64,
    pub account_id: String,
    /// The collection's name as defined.
    pub collection: String,
    /// `Create`, `Update` or `Delete`.
    pub operation: Operation,
    pub record_id: String,
    /// The stored record before the change (update, delete).
    pub before: Option<Map<String, Value>>,
    /// The stored record after the change (create, update).
    pub after: Option<Map<String, Value>>,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

/// A change about to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewChange<'a> {
    pub account_id: &'a str,
    pub collection: &'a str,
    pub operation: Operation,
    pub record_id: &'a str,
    pub before: Option<&'a Map<String, Value>>,
    pub after: Option<&'a Map<String, Value>>,
    pub actor: &'a Actor,
}

/// The in-process side of the feed: subscribers get every committed change.
#[derive(Debug)]
pub struct Feed {
    sender: broadcast::Sender<Arc<RecordChange>>,
    published: AtomicU64,
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            published: AtomicU64::new(0),
        }
    }
}

impl Feed {
    /// Every change committed from now on, in commit order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RecordChange>> {
        self.sender.subscribe()
    }

    /// Changes published since start.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Acquire)
    }

    pub(super) fn publish(&self, changes: Vec<Arc<RecordChange>>) {
        for change in changes {
            self.published.fetch_add(1, Ordering::AcqRel);
            // No subscriber is not an error: the log keeps the change.
            let _ = self.sender.send(change);
        }
    }
}

fn json_text(record: Option<&Map<String, Value>>) -> Option<String> {
    record.map(|r| Value::Object(r.clone()).to_string())
}

/// Writes `change` to the log in `tx` and keeps it for publication at commit,
/// preceded by `write` if given (the record's own `INSERT` or `UPDATE`,
/// without `RETURNING`): on PostgreSQL both go in one statement (`WITH w AS
/// (write RETURNING 1) INSERT INTO record_changes … SELECT … FROM w`), one
/// round trip; on SQLite one after the other. When `write` changes no row (an
/// update whose guard no longer holds), nothing is logged and the answer is
/// `None`. An error of `write` comes back as it is (a unique violation, …).
///
/// See [`record_with`] for a change whose audit event is staged with it.
pub async fn record(
    tx: &mut Tx,
    write: Option<&Statement>,
    change: NewChange<'_>,
) -> Result<Option<Arc<RecordChange>>, sqlx::Error> {
    record_with(tx, write, change, None).await
}

/// [`record`], with `audit` (PostgreSQL only): the change's audit event,
/// staged as JSON in the row that logs the change (column `audit`), where
/// the sealer finds it once the transaction has committed.
pub async fn record_with(
    tx: &mut Tx,
    write: Option<&Statement>,
    change: NewChange<'_>,
    audit: Option<String>,
) -> Result<Option<Arc<RecordChange>>, sqlx::Error> {
    if change.operation == Operation::Read {
        return Err(sqlx::Error::Protocol("a read is not a change".into()));
    }
    if !tx.keeps_changes() {
        return Err(sqlx::Error::Protocol(
            "a record change outside a write transaction".into(),
        ));
    }
    if audit.is_some() && tx.backend() != super::Backend::Postgres {
        return Err(sqlx::Error::Protocol(
            "an audit event staged with its change is PostgreSQL's".into(),
        ));
    }
    let at = crate::http::time::now();
    let text = |v: Option<&str>| match v {
        Some(v) => Param::Text(v.to_string()),
        None => Param::Null(ColumnKind::Text),
    };
    let mut values = vec![
        Param::Text(change.account_id.to_string()),
        Param::Text(change.collection.to_string()),
        Param::Text(change.operation.name().to_string()),
        Param::Text(change.record_id.to_string()),
        text(change.actor.user_id.as_deref()),
        Param::Text(change.actor.role.clone()),
        text(json_text(change.before).as_deref()),
        text(json_text(change.after).as_deref()),
        Param::Stored(Stored::Time(Some(at))),
    ];
    let mut log = Statement::new(
        "INSERT INTO record_changes (account_id, collection, operation, record_id, actor_user_id, actor_role, before, after, created_at",
    );
    if let Some(audit) = audit {
        log.push(", audit");
        values.push(Param::Text(audit));
    }
    log.push(") ");
    let statement = match (write, tx.backend()) {
        (Some(write), super::Backend::Postgres) => {
            tx.count_statement("INSERT");
            log.push("SELECT ")
                .bind_all(values)
                .push(" FROM w RETURNING seq");
            let mut all = Statement::new("WITH w AS (");
            all.append(write).push(" RETURNING 1) ").append(&log);
            all
        }
        (Some(write), super::Backend::Sqlite) => {
            let (sql, params) = write.finish();
            if super::values::execute(tx, &sql, &params).await? == 0 {
                return Ok(None);
            }
            log.push("VALUES ").bind_list(values).push(" RETURNING seq");
            log
        }
        (None, _) => {
            log.push("VALUES ").bind_list(values).push(" RETURNING seq");
            log
        }
    };
    let (sql, params) = statement.finish();
    let Some(seq) = super::values::scalar_optional_uncounted(tx, &sql, &params).await? else {
        return Ok(None);
    };
    let change = Arc::new(RecordChange {
        seq,
        account_id: change.account_id.to_string(),
        collection: change.collection.to_string(),
        operation: change.operation,
        record_id: change.record_id.to_string(),
        before: change.before.cloned(),
        after: change.after.cloned(),
        actor: change.actor.clone(),
        at,
    });
    tx.keep_change(change.clone());
    Ok(Some(change))
}

/// The head of the change log as `tx` sees it, on SQLite: the last `seq`
/// ever handed out (`sqlite_sequence`, which pruning does not lower), 0 before
/// the first change. Every record change moves it in its own transaction, so
/// two reads that see the same head see the same records (see
/// `cache::ResultCache`). `None` on PostgreSQL, whose concurrent writers
/// commit out of `seq` order, so a head says nothing about what is committed.
pub async fn head(tx: &mut Tx) -> Result<Option<i64>, sqlx::Error> {
    match tx {
        Tx::Sqlite(t) => sqlx::query_scalar(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'record_changes'), 0)",
        )
        .fetch_one(t.conn())
        .await
        .map(Some),
        Tx::Postgres(_) => Ok(None),
    }
}

/// The condition (`AND …`) under which a log row may be deleted: on
/// PostgreSQL, unless it stages an audit event the sealer has not chained
/// yet (`audit/seal.rs`); on SQLite, always (events are chained in their
/// change's transaction).
pub fn deletable(backend: super::Backend) -> &'static str {
    match backend {
        super::Backend::Postgres => {
            " AND (audit IS NULL OR pg_visible_in_snapshot(xid, \
             (SELECT done FROM audit_seal_cursor WHERE id = 1)))"
        }
        super::Backend::Sqlite => "",
    }
}

/// Rows deleted by one [`prune`] at most.
pub const PRUNE_BATCH: u64 = 10_000;

/// Deletes log rows older than `retention` (run by every node now and then;
/// deleting twice is harmless).
pub async fn prune(db: &super::Db, retention: Duration) -> Result<u64, sqlx::Error> {
    let cutoff = crate::http::time::now()
        - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let mut tx = db.begin().await?;
    // Oldest first along the primary key (changes are logged in time order),
    // in bounded batches; no index on created_at is needed. On PostgreSQL a
    // change whose audit event the sealer has not chained yet stays.
    let sql = format!(
        "DELETE FROM record_changes WHERE seq IN \
         (SELECT seq FROM record_changes WHERE created_at < $1{} ORDER BY seq LIMIT $2)",
        deletable(db.backend())
    );
    let deleted = crate::on_tx!(&mut tx, |c| sqlx::query(&sql)
        .bind(cutoff)
        .bind(PRUNE_BATCH as i64)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(deleted)
}

/// Prunes the change log every minute until `stop` turns true.
pub async fn prune_until(
    db: super::Db,
    retention: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        // Batch after batch until the log is within its retention.
        loop {
            match prune(&db, retention).await {
                Ok(n) if n < PRUNE_BATCH => break,
                Ok(n) => tracing::debug!(deleted = n, "pruned the change log"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not prune the change log");
                    break;
                }
            }
        }
    }
}
