//! The login lockout: consecutive failures per account and email, kept in the
//! database so that every node sees the same count. From the configured
//! threshold on, each failure locks the pair for a growing time (doubling up
//! to a maximum); at the configured number of consecutive failures (at most
//! 100, NIST SP 800-63B) it stays locked until an administrator sets a new
//! password. While locked, no password is checked, not even the right one.

use sha2::{Digest as _, Sha256};

use crate::config::RateLimits;
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

/// The lockout key of an account (its id, or what the client typed when there
/// is no such account) and an email.
pub fn key(account: &str, email: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(account.trim().to_lowercase().as_bytes());
    hash.update([0]);
    hash.update(email.trim().to_lowercase().as_bytes());
    hex::encode(hash.finalize())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The state of a key: consecutive failures so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Standing {
    pub failures: i64,
}

fn locked(retry_after_ms: i64, permanent: bool) -> ApiError {
    let message = if permanent {
        "This login is locked after too many failed attempts; an administrator must set a new password"
    } else {
        "Too many failed login attempts; try again later"
    };
    ApiError::TooManyRequests {
        message: message.to_string(),
        retry_after: u64::try_from((retry_after_ms + 999) / 1000)
            .unwrap_or(1)
            .max(1),
    }
}

/// Reads the key's standing; a 429 while it is locked.
pub async fn check(tx: &mut Tx, key: &str, limits: &RateLimits) -> ApiResult<Standing> {
    let row: Option<(i64, Option<i64>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT failures, locked_until FROM auth_lockouts WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await)?;
    let Some((failures, locked_until)) = row else {
        return Ok(Standing::default());
    };
    if failures >= i64::from(limits.lockout_max_failures) {
        return Err(locked(limits.lockout_max.as_millis() as i64, true));
    }
    let now = now_ms();
    match locked_until {
        Some(until) if until > now => Err(locked(until - now, false)),
        _ => Ok(Standing { failures }),
    }
}

/// How long the `failures`th consecutive failure locks the key (0: not yet).
pub fn lock_for_ms(failures: i64, limits: &RateLimits) -> i64 {
    let threshold = i64::from(limits.lockout_threshold);
    if failures < threshold {
        return 0;
    }
    let doublings = u32::try_from(failures - threshold)
        .unwrap_or(u32::MAX)
        .min(30);
    let base = limits.lockout_base.as_millis() as i64;
    base.saturating_mul(1i64 << doublings)
        .min(limits.lockout_max.as_millis() as i64)
}

/// Counts a failure for the key and locks it when due.
pub async fn record_failure(db: &Db, key: &str, limits: &RateLimits) -> ApiResult<()> {
    let key = key.to_string();
    let limits = limits.clone();
    db.write(move |tx| Box::pin(async move { count_failure(tx, &key, &limits).await }))
        .await
}

/// [`record_failure`] in `tx`.
pub async fn count_failure(tx: &mut Tx, key: &str, limits: &RateLimits) -> ApiResult<()> {
    let now = now_ms();
    let failures: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO auth_lockouts (key, failures, locked_until, updated_at) \
         VALUES ($1, 1, NULL, $2) \
         ON CONFLICT (key) DO UPDATE SET failures = auth_lockouts.failures + 1, updated_at = $2 \
         RETURNING failures"
    )
    .bind(key)
    .bind(now)
    .fetch_one(c)
    .await)?;
    let lock = lock_for_ms(failures, limits);
    if lock > 0 {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE auth_lockouts SET locked_until = $2 WHERE key = $1"
        )
        .bind(key)
        .bind(now + lock)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    // Keys nobody failed on for a week are forgotten (now and then).
    if rand::random::<u8>() == 0 {
        let week_ago = now - 7 * 24 * 3600 * 1000;
        on_tx!(tx, |c| sqlx::query(
            "DELETE FROM auth_lockouts WHERE updated_at < $1 AND failures < $2"
        )
        .bind(week_ago)
        .bind(i64::from(limits.lockout_max_failures))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Forgets the failures of a key (a successful login, a new password).
pub async fn clear(tx: &mut Tx, key: &str) -> ApiResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM auth_lockouts WHERE key = $1"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_grows_and_is_capped() {
        let limits = crate::config::Config::from_vars(Vec::<(String, String)>::new())
            .unwrap()
            .rate_limits;
        assert_eq!(lock_for_ms(4, &limits), 0);
        assert_eq!(lock_for_ms(5, &limits), 30_000);
        assert_eq!(lock_for_ms(6, &limits), 60_000);
        assert_eq!(lock_for_ms(9, &limits), 480_000);
        assert_eq!(lock_for_ms(10, &limits), 900_000);
        assert_eq!(lock_for_ms(99, &limits), 900_000);
    }

    #[test]
    fn keys_ignore_case_and_spaces() {
        assert_eq!(
            key("AA0001", "Ada@Example.com "),
            key("aa0001", "ada@example.com")
        );
        assert_ne!(
            key("AA0001", "ada@example.com"),
            key("AA0002", "ada@example.com")
        );
    }
}
