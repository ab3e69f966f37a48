//! A time limit for the statements of one transaction: PostgreSQL's
//! `SET LOCAL statement_timeout`, SQLite's progress handler (which interrupts
//! a statement past the deadline).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Tx;

/// Keeps the limit while alive. On SQLite the handler stays installed on the
/// pooled connection after the guard is gone, but disarmed: it interrupts
/// nothing (the next limit replaces it).
pub struct TimeLimit {
    armed: Option<Arc<AtomicBool>>,
}

impl Drop for TimeLimit {
    fn drop(&mut self) {
        if let Some(armed) = &self.armed {
            armed.store(false, Ordering::Release);
        }
    }
}

/// Limits every later statement of `tx` to `limit` from now (SQLite: in all;
/// PostgreSQL: each).
pub async fn limit(tx: &mut Tx, limit: Duration) -> Result<TimeLimit, sqlx::Error> {
    match tx {
        Tx::Sqlite(c) => {
            let armed = Arc::new(AtomicBool::new(true));
            let flag = armed.clone();
            let deadline = Instant::now() + limit;
            c.conn()
                .lock_handle()
                .await?
                .set_progress_handler(1000, move || {
                    !flag.load(Ordering::Acquire) || Instant::now() < deadline
                });
            Ok(TimeLimit { armed: Some(armed) })
        }
        Tx::Postgres(c) => {
            sqlx::query(&format!(
                "SET LOCAL statement_timeout = {}",
                limit.as_millis().max(1)
            ))
            .execute(c.conn())
            .await?;
            Ok(TimeLimit { armed: None })
        }
    }
}
