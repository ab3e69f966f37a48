//! Scheduled backups. The schedule's ticks fall on multiples of the
//! interval since the Unix epoch, so every node of a cluster sees the same
//! instants; the node whose insert of a tick's `backup_slots` row succeeds
//! makes that backup and the others skip it. One backup per tick however
//! many nodes run.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{list, run, Quiet, Sources, Status, Trigger};
use crate::app::AppState;
use crate::db::Db;

/// Makes a backup at every tick of the interval while the server runs.
pub async fn schedule(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let interval = state.config.backup.interval.as_secs();
    if interval == 0 {
        return;
    }
    let sources = Sources::of(&state);
    // A backup is made at once when the last completed one is more than an
    // interval old (restarts do not postpone it); otherwise, and with none
    // yet, at the next tick.
    let last = list(&state.config.backup.dir)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|b| b.status == Status::Completed))
        .map(|b| b.started_at);
    let now = crate::http::time::now();
    let mut due = match last {
        Some(t) if (now - t).num_seconds() >= interval_i64(interval) => {
            tick_at_or_before(now, interval)
        }
        _ => tick_at_or_before(now, interval) + interval_i64(interval),
    };
    loop {
        let wait = (due - crate::http::time::now().timestamp()).max(0);
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(Duration::from_secs(wait.unsigned_abs())) => {}
        }
        let slot = due;
        due += interval_i64(interval);
        match claim(&state.db, slot, interval).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(slot, "another node makes this scheduled backup");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the scheduled backup was skipped: its slot could not be claimed");
                continue;
            }
        }
        match state.backups.begin(Trigger::Scheduled) {
            Ok(b) => {
                run(
                    &state.backups,
                    &state.config.backup,
                    &sources,
                    b,
                    Arc::new(Quiet),
                )
                .await;
            }
            Err(e) => tracing::info!(error = %e, "the scheduled backup was skipped"),
        }
    }
}

fn interval_i64(interval: u64) -> i64 {
    i64::try_from(interval).unwrap_or(i64::MAX)
}

/// The last tick (a multiple of `interval` seconds since the epoch) at or
/// before `now`, in seconds since the epoch.
fn tick_at_or_before(now: DateTime<Utc>, interval: u64) -> i64 {
    let t = now.timestamp();
    t - t.rem_euclid(interval_i64(interval))
}

/// Claims the tick `slot` for this node: `true` when no node had; forgets
/// slots older than a hundred intervals.
pub async fn claim(db: &Db, slot: i64, interval: u64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let claimed = crate::on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO backup_slots (slot, claimed_at) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING"
    )
    .bind(slot)
    .bind(crate::http::time::now().to_rfc3339())
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let horizon = slot - interval_i64(interval).saturating_mul(100);
    crate::on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM backup_slots WHERE slot < $1"
    )
    .bind(horizon)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(claimed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_multiples_of_the_interval() {
        let at = |s: i64| DateTime::from_timestamp(s, 0).expect("a time");
        assert_eq!(tick_at_or_before(at(7_200), 3_600), 7_200);
        assert_eq!(tick_at_or_before(at(7_199), 3_600), 3_600);
        assert_eq!(tick_at_or_before(at(1_000_000_123), 60), 1_000_000_080);
    }
}
