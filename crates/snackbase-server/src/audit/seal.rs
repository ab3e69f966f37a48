//! The sealer (PostgreSQL): appends the events that committed transactions
//! staged in `audit_pending` to their chains.
//!
//! A sealing round takes the oldest staged rows nobody else is sealing
//! (`FOR UPDATE SKIP LOCKED`), appends their events with the same code as
//! SQLite's in-transaction append (`append::write_all`: heads, entries,
//! signed heads, checkpoints) and deletes the rows, all in one transaction:
//! each event is chained exactly once, by whichever node gets to it first.
//! Every node runs one; a node's own commits wake it at once, and it also
//! looks every [`TICK`] for rows that other nodes (or a node that stopped)
//! left behind.
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
    while round(db, auditor, None).await? > 0 {}
    Ok(())
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
    if last == 0 {
        return Ok(());
    }
    while round(db, auditor, Some(last)).await? > 0 {}
    Ok(())
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
            Err(e) => events.push(unreadable(seq, &text, &e)),
        }
    }
    append::write_all(auditor, &mut tx, events).await?;
    tx.commit().await?;
    Ok(sealed)
}

/// A system entry for a staged row that does not parse.
fn unreadable(seq: i64, text: &str, error: &serde_json::Error) -> Queued {
    tracing::error!(seq, %error, "a staged audit row does not parse; recorded as it is");
    Queued {
        event: super::Event {
            account_id: None,
            operation: "STAGED_UNREADABLE".into(),
            table_name: "audit_pending".into(),
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
        "SELECT COUNT(*), EXTRACT(EPOCH FROM now() - MIN(created_at))::float8 FROM audit_pending"
    )
    .fetch_one(c)
    .await
    })?;
    Ok(row)
}
