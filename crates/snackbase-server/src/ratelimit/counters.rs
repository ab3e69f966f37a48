//! Fixed-window counters in PostgreSQL, shared by every node: one row per
//! key, whose window opens at the key's first attempt (by the database's
//! clock, so nodes whose clocks differ still agree) and lasts the bucket's
//! window; each attempt is one atomic upsert that returns the count so far
//! and the time left. Rows whose window has ended are swept by every node
//! once a minute. Keys are hashed: no address or email is stored.

use std::time::Duration;

use sha2::{Digest as _, Sha256};
use sqlx::PgPool;

/// The counters of one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct Counters {
    pool: PgPool,
}

/// What the database keeps for `key` in `bucket` (a hash of both).
pub fn stored_key(bucket: &str, key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(bucket.as_bytes());
    hash.update([0]);
    hash.update(key.as_bytes());
    hex::encode(hash.finalize())
}

const HIT: &str =
    "WITH now AS (SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT AS ms), \
     hit AS ( \
       INSERT INTO rate_counters AS r (key, window_end, count) \
       SELECT $1, now.ms + $2, 1 FROM now \
       ON CONFLICT (key) DO UPDATE SET \
         count = CASE WHEN r.window_end <= EXCLUDED.window_end - $2 THEN 1 ELSE r.count + 1 END, \
         window_end = CASE WHEN r.window_end <= EXCLUDED.window_end - $2 \
                           THEN EXCLUDED.window_end ELSE r.window_end END \
       RETURNING count, window_end) \
     SELECT hit.count, hit.window_end - now.ms FROM hit, now";

impl Counters {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Counts one attempt for `key` in a window of `window`; `None` while the
    /// count is within `limit`, else the seconds until the window ends (at
    /// least 1).
    pub async fn hit(
        &self,
        key: &str,
        window: Duration,
        limit: u32,
    ) -> Result<Option<u64>, sqlx::Error> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let (count, left_ms): (i64, i64) = sqlx::query_as(HIT)
            .bind(key)
            .bind(window_ms)
            .fetch_one(&self.pool)
            .await?;
        if count <= i64::from(limit) {
            return Ok(None);
        }
        Ok(Some(
            u64::try_from((left_ms + 999) / 1000).unwrap_or(0).max(1),
        ))
    }

    /// Deletes the rows whose window has ended.
    pub async fn sweep(&self) -> Result<u64, sqlx::Error> {
        sqlx::query(
            "DELETE FROM rate_counters \
             WHERE window_end < (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
        )
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_keys_are_hashes_that_keep_buckets_apart() {
        let key = stored_key("mail", "reset:ada@example.com");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("ada"));
        assert_ne!(key, stored_key("login", "reset:ada@example.com"));
        assert_eq!(key, stored_key("mail", "reset:ada@example.com"));
    }
}
