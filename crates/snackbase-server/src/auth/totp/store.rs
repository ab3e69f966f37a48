//! The TOTP rows: a user's sealed seed and enrolment (`user_totp`) and their
//! recovery codes (`totp_recovery_codes`).

use chrono::{DateTime, Utc};

use super::otp;
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

const PURPOSE: &str = "totp";

/// A user's enrolment, with the seed opened.
#[derive(Debug)]
pub struct Enrolment {
    pub secret: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_step: Option<u64>,
}

impl Enrolment {
    pub fn enabled(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// The user's enrolment, pending or confirmed.
pub async fn find(state: &AppState, tx: &mut Tx, user_id: &str) -> ApiResult<Option<Enrolment>> {
    let row: Option<(String, Option<DateTime<Utc>>, Option<i64>)> =
        on_tx!(tx, |c| sqlx::query_as(
            "SELECT secret_sealed, confirmed_at, last_step FROM user_totp WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(c)
        .await)?;
    let Some((sealed, confirmed_at, last_step)) = row else {
        return Ok(None);
    };
    let secret = state
        .sealer
        .open(PURPOSE, &sealed)
        .map_err(ApiError::internal)?;
    Ok(Some(Enrolment {
        secret,
        confirmed_at,
        last_step: last_step.and_then(|s| u64::try_from(s).ok()),
    }))
}

/// Starts a pending enrolment with `secret`, replacing a pending one.
pub async fn begin(state: &AppState, tx: &mut Tx, user_id: &str, secret: &str) -> ApiResult<()> {
    let sealed = state.sealer.seal(PURPOSE, secret);
    let now = crate::http::time::now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO user_totp (user_id, secret_sealed, confirmed_at, last_step, created_at) \
         VALUES ($1, $2, NULL, NULL, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = $2, last_step = NULL, created_at = $3 \
         WHERE user_totp.confirmed_at IS NULL"
    )
    .bind(user_id)
    .bind(&sealed)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records `step` as used, only if it is later than any step used before:
/// false when another request used it (or a later one) first.
pub async fn use_step(tx: &mut Tx, user_id: &str, step: u64) -> ApiResult<bool> {
    let step = i64::try_from(step).map_err(ApiError::internal)?;
    let changed = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)"
    )
    .bind(user_id)
    .bind(step)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(changed == 1)
}

/// Confirms a pending enrolment; false when there was none.
pub async fn confirm(tx: &mut Tx, user_id: &str) -> ApiResult<bool> {
    let now = crate::http::time::now();
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE user_totp SET confirmed_at = $2 WHERE user_id = $1 AND confirmed_at IS NULL"
    )
    .bind(user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Removes the user's TOTP: seed, recovery codes and open challenges.
/// Returns whether there was an enrolment.
pub async fn remove(tx: &mut Tx, user_id: &str) -> ApiResult<bool> {
    let removed = on_tx!(tx, |c| {
        sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM mfa_challenges WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(removed > 0)
}

/// Replaces the user's recovery codes with a new set; returns it (never stored).
pub async fn new_recovery_codes(tx: &mut Tx, user_id: &str) -> ApiResult<Vec<String>> {
    let codes = otp::new_recovery_codes();
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        for code in &codes {
            sqlx::query(
                "INSERT INTO totp_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(otp::recovery_hash(code))
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(codes)
}

/// Uses a recovery code: true when it was the user's and unused (it is gone now).
pub async fn use_recovery_code(tx: &mut Tx, user_id: &str, code: &str) -> ApiResult<bool> {
    let used = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM totp_recovery_codes WHERE user_id = $1 AND code_hash = $2"
    )
    .bind(user_id)
    .bind(otp::recovery_hash(code))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(used == 1)
}

/// How many unused recovery codes the user has.
pub async fn recovery_codes_left(tx: &mut Tx, user_id: &str) -> ApiResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(c)
    .await)?)
}

/// Checks a code (TOTP or recovery) against a confirmed enrolment and uses
/// it: the TOTP step is recorded (so the code cannot be used again), the
/// recovery code deleted. False for a wrong or already used code.
pub async fn redeem(
    tx: &mut Tx,
    user_id: &str,
    enrolment: &Enrolment,
    code: &otp::Code,
) -> ApiResult<bool> {
    match code {
        otp::Code::Totp(digits) => redeem_totp(tx, user_id, enrolment, digits).await,
        otp::Code::Recovery(code) => use_recovery_code(tx, user_id, code).await,
    }
}

/// Checks and uses a code from the authenticator app.
pub async fn redeem_totp(
    tx: &mut Tx,
    user_id: &str,
    enrolment: &Enrolment,
    digits: &str,
) -> ApiResult<bool> {
    let step = otp::matching_step(
        &enrolment.secret,
        digits,
        otp::current_step(),
        enrolment.last_step,
    );
    match step {
        Some(step) => use_step(tx, user_id, step).await,
        None => Ok(false),
    }
}
