//! Reading the change log (`record_changes`, written by `db::feed` in each
//! change's own transaction): the tail that realtime delivers, in `seq`
//! order and without gaps, and the replay of what a reconnecting client
//! missed.
//!
//! On PostgreSQL a `seq` is taken when the change is written, not when it
//! commits, so a reader can see `seq` 11 committed while 10 is still being
//! written. The tailer never steps over a missing `seq` while a transaction
//! that was running when it first saw the gap may still fill it: it takes a
//! fresh transaction id then, and waits until a snapshot's `xmin` is past it
//! (every transaction that could fill the gap has ended: the gap was a
//! rollback). SQLite has one writer, so a gap there is always a rollback.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::db::feed::{Actor, RecordChange};
use crate::db::values::{fetch_rows_on_pool, ColumnKind, Param, Stored};
use crate::db::{Backend, Db, Operation};

/// Changes read by one poll at most.
pub const BATCH: i64 = 500;

/// `seq` is read as text; the queries order by `record_changes.seq`, the
/// number: a bare `ORDER BY seq` names this text column (both databases
/// resolve an output name first) and would put 10 before 9.
const COLUMNS: &str = "CAST(seq AS TEXT) AS seq, account_id, collection, operation, record_id, \
     actor_user_id, actor_role, before, after, created_at";

fn columns(extra: &[&str]) -> Vec<(String, ColumnKind)> {
    let mut cols: Vec<(String, ColumnKind)> = [
        ("seq", ColumnKind::Text),
        ("account_id", ColumnKind::Text),
        ("collection", ColumnKind::Text),
        ("operation", ColumnKind::Text),
        ("record_id", ColumnKind::Text),
        ("actor_user_id", ColumnKind::Text),
        ("actor_role", ColumnKind::Text),
        ("before", ColumnKind::Text),
        ("after", ColumnKind::Text),
        ("created_at", ColumnKind::Time),
    ]
    .iter()
    .map(|(n, k)| (n.to_string(), *k))
    .collect();
    cols.extend(extra.iter().map(|n| (n.to_string(), ColumnKind::Text)));
    cols
}

fn text<'a>(row: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    row.get(key).and_then(Value::as_str)
}

fn number(row: &Map<String, Value>, key: &str) -> Option<i64> {
    text(row, key)?.parse().ok()
}

fn record(row: &Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text(row, key)?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A change of the log as the feed described it when it was written.
fn change_of(row: &Map<String, Value>) -> Option<Arc<RecordChange>> {
    let at = text(row, "created_at")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    Some(Arc::new(RecordChange {
        seq: number(row, "seq")?,
        account_id: text(row, "account_id")?.to_string(),
        collection: text(row, "collection")?.to_string(),
        operation: Operation::parse_write(text(row, "operation")?)?,
        record_id: text(row, "record_id")?.to_string(),
        before: record(row, "before"),
        after: record(row, "after"),
        actor: Actor {
            user_id: text(row, "actor_user_id").map(str::to_string),
            role: text(row, "actor_role").unwrap_or_default().to_string(),
        },
        at,
    }))
}

/// The highest `seq` in the log (0 when it is empty).
pub async fn last_seq(db: &Db) -> Result<i64, sqlx::Error> {
    let rows = fetch_rows_on_pool(
        db,
        "SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) AS seq FROM record_changes",
        &[],
        &[("seq".into(), ColumnKind::Text)],
    )
    .await?;
    Ok(rows.first().and_then(|r| number(r, "seq")).unwrap_or(0))
}

/// A transaction id newer than every one assigned so far (PostgreSQL): one
/// taken, in a transaction of its own, for each gap the tailer waits on.
///
/// A snapshot's `xmax` cannot serve: it is the newest *completed* id plus
/// one, so a transaction that took its id (and then a `seq`) before the gap
/// was seen, but whose id is above every completed one, is neither below it
/// nor in the snapshot's running list, and a later snapshot's `xmin` may equal
/// its id while it still runs (a change lost when it commits).
async fn fresh_xid(db: &Db) -> Result<u64, sqlx::Error> {
    let rows = fetch_rows_on_pool(
        db,
        "SELECT pg_current_xact_id()::text AS xid",
        &[],
        &[("xid".into(), ColumnKind::Text)],
    )
    .await?;
    Ok(rows.first().and_then(|r| number(r, "xid")).unwrap_or(0) as u64)
}

/// The position of a tailer in the log.
#[derive(Debug)]
pub struct Tail {
    /// The smallest `seq` not yet delivered or skipped.
    next: i64,
    /// A missing `seq`, and a transaction id taken when it was first seen
    /// missing ([`fresh_xid`]): every transaction that may still fill the gap
    /// is older, so once a snapshot's `xmin` is past it, the gap was a rollback.
    gap: Option<(i64, u64)>,
}

impl Tail {
    /// A tail that starts after `seq`.
    pub fn after(seq: i64) -> Self {
        Self {
            next: seq + 1,
            gap: None,
        }
    }

    /// The next changes in order, without gaps a running transaction may
    /// still fill. An empty answer means nothing new (or a gap to wait on).
    pub async fn poll(&mut self, db: &Db) -> Result<Vec<Arc<RecordChange>>, sqlx::Error> {
        let postgres = db.backend() == Backend::Postgres;
        let (sql, cols) = if postgres {
            (
                format!(
                    "SELECT {COLUMNS}, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, \
                     (SELECT value FROM cache_generation WHERE id = 1)::text AS generation \
                     FROM record_changes WHERE seq >= $1 ORDER BY record_changes.seq LIMIT {BATCH}"
                ),
                columns(&["xmin", "generation"]),
            )
        } else {
            (
                format!(
                    "SELECT {COLUMNS} FROM record_changes WHERE seq >= $1 ORDER BY record_changes.seq LIMIT {BATCH}"
                ),
                columns(&[]),
            )
        };
        let rows = fetch_rows_on_pool(db, &sql, &[Param::Int(self.next)], &cols).await?;
        // The change generation as of these changes: a rule or grant changed
        // on another node before them applies to them (the caches follow it).
        if let Some(generation) = rows.first().and_then(|r| number(r, "generation")) {
            db.changes().observe(generation);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(seq) = number(row, "seq") else {
                continue;
            };
            if seq > self.next {
                if postgres {
                    let xmin: u64 = text(row, "xmin").and_then(|v| v.parse().ok()).unwrap_or(0);
                    match self.gap {
                        Some((seq, wait)) if seq == self.next && xmin > wait => {}
                        Some((seq, _)) if seq == self.next => break,
                        _ => {
                            self.gap = Some((self.next, fresh_xid(db).await?));
                            break;
                        }
                    }
                }
                // Every transaction that could have filled the gap has ended.
                self.gap = None;
            }
            self.next = seq + 1;
            out.extend(change_of(row));
        }
        Ok(out)
    }
}

/// What a replay found.
pub enum Replay {
    /// The changes after the client's position, in order (possibly none).
    Changes(Vec<Arc<RecordChange>>),
    /// The log cannot cover the gap (pruned, older than the window, or too
    /// many changes): the client must reload.
    Resync(&'static str),
}

/// The changes of `account` to `collection` after `since` up to `upto` (the
/// last change the hub dispatched), if the window still covers them all.
pub async fn replay(
    db: &Db,
    who: &Principal,
    collection: &str,
    since: i64,
    upto: i64,
    window: std::time::Duration,
    max: usize,
) -> Result<Replay, sqlx::Error> {
    if since >= upto {
        return Ok(if since > upto {
            Replay::Resync("the position is ahead of this server's change log")
        } else {
            Replay::Changes(Vec::new())
        });
    }
    let cutoff = Utc::now() - chrono::Duration::from_std(window).unwrap_or_default();
    let bounds = fetch_rows_on_pool(
        db,
        "SELECT CAST(COALESCE((SELECT MIN(seq) FROM record_changes), 0) AS TEXT) AS first, \
         CASE WHEN EXISTS (SELECT 1 FROM record_changes WHERE seq > $1 AND created_at < $2) \
         THEN 'old' ELSE 'recent' END AS age",
        &[Param::Int(since), Param::Stored(Stored::Time(Some(cutoff)))],
        &[
            ("first".into(), ColumnKind::Text),
            ("age".into(), ColumnKind::Text),
        ],
    )
    .await?;
    let bounds = bounds.first();
    let first = bounds.and_then(|r| number(r, "first")).unwrap_or(0);
    if first > since + 1 {
        return Ok(Replay::Resync(
            "changes after this position were pruned from the change log",
        ));
    }
    if bounds.and_then(|r| text(r, "age")) == Some("old") {
        return Ok(Replay::Resync(
            "the position is older than the replay window",
        ));
    }
    let rows = fetch_rows_on_pool(
        db,
        &format!(
            "SELECT {COLUMNS} FROM record_changes WHERE seq > $1 AND seq <= $2 \
             AND account_id = $3 AND collection = $4 ORDER BY record_changes.seq LIMIT $5"
        ),
        &[
            Param::Int(since),
            Param::Int(upto),
            Param::Text(who.account_id.to_string()),
            Param::Text(collection.to_string()),
            Param::Int(max as i64 + 1),
        ],
        &columns(&[]),
    )
    .await?;
    if rows.len() > max {
        return Ok(Replay::Resync(
            "more changes were missed than a replay sends",
        ));
    }
    Ok(Replay::Changes(rows.iter().filter_map(change_of).collect()))
}
