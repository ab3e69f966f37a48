//! The sealer (PostgreSQL): appends the events that committed transactions
//! staged to their chains.
//!
//! Events are staged in two places (`append.rs`):
//!
//! - a record change's event in the row that logs the change
//!   (`record_changes.audit`). The log is read by the transactions that
//!   wrote it: `audit_seal_cursor.done` is a snapshot whose visible changes
//!   are all chained. A round takes the cursor (`FOR UPDATE`), chains the
//!   staged changes visible in a newer snapshot (`target`) but not in
//!   `done`, a page at a time in `(xid, seq)` order, and moves the cursor in
//!   the same transaction. A transaction that was still running when a
//!   snapshot was taken is not visible in it, so however its `seq` compares
//!   with the others, a later round chains its changes; none is chained
//!   twice, none skipped. The rows stay in the log until it is pruned (which
//!   spares rows not yet chained).
//! - other events as a row of `audit_pending`: a round takes the oldest rows
//!   nobody else is sealing (`FOR UPDATE SKIP LOCKED`), chains them and
//!   deletes them in one transaction.
//!
//! Both append with the same code as SQLite's in-transaction append
//! (`append::write_all`: heads, entries, signed heads, checkpoints): each
//! event is chained exactly once, by whichever node gets to it first. Every
//! node runs a sealer; a node's own commits wake it at once, and it also
//! looks every [`TICK`] for what other nodes (or a node that stopped) left.
//!
//! Readers of the trail (the `/audit-logs` routes, the dashboard) call
//! [`settle`] first, so they see every change committed before they asked.

use std::time::Duration;

use super::append::{self, Queued};
use super::Auditor;
use crate::app::AppState;
use crate::db::values;
use crate::db::{Backend, Db};
use crate::on_tx;

/// How often a sealer looks for staged rows nobody woke it for.
pub const TICK: Duration = Duration::from_millis(200);

/// Staged rows one round seals at most.
const BATCH: i64 = 256;

/// Seals until `stop` turns true, then seals what is left (PostgreSQL with
/// the audit trail on; returns at once elsewhere).
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    if state.db.backend() != Backend::Postgres || !state.audit.enabled {
        return;
    }
    let wake = state.audit.sealer.clone();
    loop {
        if let Err(e) = drain(&state.db, &state.audit).await {
            tracing::warn!(error = %e, "sealing staged audit events failed; retrying");
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
    }
    if let Err(e) = drain(&state.db, &state.audit).await {
        tracing::warn!(error = %e, "staged audit events left for the next start");
    }
}

/// Seals rounds until none is left that nobody else holds.
async fn drain(db: &Db, auditor: &Auditor) -> Result<(), sqlx::Error> {
    loop {
        let staged = round(db, auditor, None).await?;
        let logged = match changes_round(db, auditor).await? {
            Round::Page(n) | Round::Caught { sealed: n, .. } => n,
        };
        if staged == 0 && logged == 0 {
            return Ok(());
        }
    }
}

/// Makes every event staged by a transaction committed before this call part
/// of its chain: seals what it can and waits for rows another sealer holds.
/// Nothing to do on SQLite, whose writes append in their own transaction.
pub async fn settle(db: &Db, auditor: &Auditor) -> Result<(), sqlx::Error> {
    if db.backend() != Backend::Postgres || !auditor.enabled {
        return Ok(());
    }
    let mut tx = db.read().await?;
    let last = values::scalar_i64(
        &mut tx,
        "SELECT COALESCE(MAX(seq), 0) FROM audit_pending",
        &[],
    )
    .await?;
    drop(tx);
    if last > 0 {
        while round(db, auditor, Some(last)).await? > 0 {}
    }
    // Caught up with a snapshot taken after this call began: every change
    // committed before it is chained.
    loop {
        if let Round::Caught { fresh: true, .. } = changes_round(db, auditor).await? {
            return Ok(());
        }
    }
}

/// What a round over the change log did.
enum Round {
    /// Chained a full page; more of the same snapshot is left.
    Page(usize),
    /// Chained what was left of its snapshot, which is now `done`;
    /// `fresh`: a snapshot this round took (not one a round left unfinished).
    Caught { sealed: usize, fresh: bool },
}

/// The sealer's position in the change log (`audit_seal_cursor`).
#[derive(sqlx::FromRow)]
struct Cursor {
    /// A snapshot whose visible staged changes are all chained.
    done: String,
    /// A newer one whose changes a round left a page of.
    target: Option<String>,
    /// The last change chained of `target`'s: `(xid, seq)`.
    after_xid: Option<String>,
    after_seq: Option<i64>,
}

/// One round over the change log: chains up to [`BATCH`] staged record
/// changes and moves the cursor, in one transaction. A sealer waits for the
/// cursor while another holds it: that one's snapshot may predate the
/// commit that woke this one.
async fn changes_round(db: &Db, auditor: &Auditor) -> Result<Round, sqlx::Error> {
    let mut tx = db.begin().await?;
    let Cursor {
        done,
        target,
        after_xid,
        after_seq,
    } = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT done::text AS done, target::text AS target, after_xid::text AS after_xid, \
         after_seq FROM audit_seal_cursor WHERE id = 1 FOR UPDATE",
    )
    .fetch_one(c)
    .await)?;
    let (target, fresh) = match target {
        Some(target) => (target, false),
        None => (
            on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT pg_current_snapshot()::text"
            )
            .fetch_one(c)
            .await)?,
            true,
        ),
    };
    // Committed before `target` was taken (visible in it), not before
    // `done` was; the partial index holds only rows with a staged event.
    let rows: Vec<(i64, String, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT seq, xid::text, audit FROM record_changes \
         WHERE audit IS NOT NULL \
         AND xid >= pg_snapshot_xmin($1::pg_snapshot) AND xid < pg_snapshot_xmax($2::pg_snapshot) \
         AND (xid, seq) > ($3::xid8, $4) \
         AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot) \
         AND pg_visible_in_snapshot(xid, $2::pg_snapshot) \
         ORDER BY xid, seq LIMIT $5",
    )
    .bind(&done)
    .bind(&target)
    .bind(after_xid.as_deref().unwrap_or("0"))
    .bind(after_seq.unwrap_or(0))
    .bind(BATCH)
    .fetch_all(c)
    .await)?;
    let sealed = rows.len();
    if sealed == 0 && fresh {
        // Nothing to chain up to a snapshot just taken: the cursor may stay
        // (no write, no commit to flush).
        return Ok(Round::Caught { sealed, fresh });
    }
    let full = sealed as i64 >= BATCH;
    let last = rows.last().map(|(seq, xid, _)| (xid.clone(), *seq));
    let mut events = Vec::with_capacity(sealed);
    for (seq, _, text) in rows {
        match serde_json::from_str::<Vec<Queued>>(&text) {
            Ok(staged) => events.extend(staged.into_iter().map(|mut q| {
                super::record::note_change_seq(&mut q.event, seq);
                q
            })),
            Err(e) => events.push(unreadable("record_changes", seq, &text, &e)),
        }
    }
    append::write_all(auditor, &mut tx, events).await?;
    // A full page: the rest of `target` next; otherwise `target` is done.
    let (page_xid, page_seq) = match (full, last) {
        (true, Some((xid, seq))) => (Some(xid), Some(seq)),
        _ => (None, None),
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE audit_seal_cursor SET \
         done = CASE WHEN $2::xid8 IS NULL THEN $1::pg_snapshot ELSE done END, \
         target = CASE WHEN $2::xid8 IS NULL THEN NULL ELSE $1::pg_snapshot END, \
         after_xid = $2::xid8, after_seq = $3, updated_at = now() WHERE id = 1",
    )
    .bind(&target)
    .bind(&page_xid)
    .bind(page_seq)
    .execute(c)
    .await
    .map(|_| ()))?;
    tx.commit().await?;
    Ok(if full {
        Round::Page(sealed)
    } else {
        Round::Caught { sealed, fresh }
    })
}

/// One round: seals up to [`BATCH`] staged rows, the oldest first. With
/// `upto`, only rows up to that number, waiting for those another sealer
/// holds (which are gone once it commits); without, only rows nobody holds.
/// The rows are taken and deleted in one statement (each row is written
/// once more, not twice); the deletion commits with their entries.
/// Returns how many rows it sealed.
async fn round(db: &Db, auditor: &Auditor, upto: Option<i64>) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Waiting for held rows or skipping them is the only difference.
    let sql = format!(
        "DELETE FROM audit_pending WHERE seq IN (SELECT seq FROM audit_pending \
         WHERE seq <= $1 ORDER BY seq LIMIT $2 FOR UPDATE{}) RETURNING seq, events, change_seq",
        if upto.is_some() { "" } else { " SKIP LOCKED" }
    );
    let mut rows: Vec<(i64, String, Option<i64>)> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(upto.unwrap_or(i64::MAX))
        .bind(BATCH)
        .fetch_all(c)
        .await)?;
    if rows.is_empty() {
        return Ok(0);
    }
    rows.sort_unstable_by_key(|r| r.0);
    let sealed = rows.len();
    let mut events = Vec::new();
    for (seq, text, change_seq) in rows {
        match serde_json::from_str::<Vec<Queued>>(&text) {
            Ok(mut staged) => {
                // Staged with its record change, whose log position the
                // statement knew only as it ran.
                if let Some(change_seq) = change_seq {
                    for q in &mut staged {
                        super::record::note_change_seq(&mut q.event, change_seq);
                    }
                }
                events.append(&mut staged)
            }
            // Never dropped in silence: what could not be read goes to the
            // system chain as it is.
            Err(e) => events.push(unreadable("audit_pending", seq, &text, &e)),
        }
    }
    append::write_all(auditor, &mut tx, events).await?;
    tx.commit().await?;
    Ok(sealed)
}

/// A system entry for a staged event that does not parse (`table`'s row
/// `seq`).
fn unreadable(table: &str, seq: i64, text: &str, error: &serde_json::Error) -> Queued {
    tracing::error!(table, seq, %error, "a staged audit event does not parse; recorded as it is");
    Queued {
        event: super::Event {
            account_id: None,
            operation: "STAGED_UNREADABLE".into(),
            table_name: table.into(),
            record_id: seq.to_string(),
            columns: vec![super::Column {
                name: None,
                old: None,
                new: Some(text.to_string()),
            }],
            ..Default::default()
        },
        origin: None,
        at: append::now_text(),
    }
}

/// Staged rows not sealed yet, and the age in seconds of the oldest (for
/// verification reports and metrics). `(0, None)` on SQLite.
pub async fn backlog(db: &Db) -> Result<(i64, Option<f64>), sqlx::Error> {
    if db.backend() != Backend::Postgres {
        return Ok((0, None));
    }
    let mut tx = db.read().await?;
    let row: (i64, Option<f64>) = on_tx!(&mut tx, |c| {
        sqlx::query_as(
            "SELECT COUNT(*), EXTRACT(EPOCH FROM now() - MIN(created_at))::float8 FROM ( \
         SELECT created_at FROM audit_pending UNION ALL \
         SELECT r.created_at FROM record_changes r, audit_seal_cursor k \
         WHERE k.id = 1 AND r.audit IS NOT NULL AND r.xid >= pg_snapshot_xmin(k.done) \
         AND NOT pg_visible_in_snapshot(r.xid, k.done)) s",
        )
        .fetch_one(c)
        .await
    })?;
    Ok(row)
}
