//! Settings changed at run time (the `settings` key/value table). A stored
//! value wins over the environment's default; clearing it goes back to that.

use crate::db::{Db, Tx};
use crate::{on_pool, on_tx};

/// The request-log retention in days, as set from the admin UI.
pub const RETENTION_KEY: &str = "request_logs.retention_days";

/// The most days a retention may be.
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// The stored value of `key`, if any.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await
    })
}

/// Stores `value` under `key`, or removes the key when `value` is `None`.
pub async fn set(db: &Db, key: &str, value: Option<&str>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    set_in(&mut tx, key, value).await?;
    tx.commit().await
}

/// [`set`] in `tx`.
pub async fn set_in(tx: &mut Tx, key: &str, value: Option<&str>) -> Result<(), sqlx::Error> {
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        match value {
            Some(v) => sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3",
            )
            .bind(key)
            .bind(v)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()),
            None => sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(&mut *c)
                .await
                .map(|_| ()),
        }
    })
}

/// The retention stored from the UI, if a valid one is stored.
pub async fn stored_retention(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    Ok(get(db, RETENTION_KEY)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|d| (0..=MAX_RETENTION_DAYS).contains(d)))
}
