//! The second step of a login: after the right password, a user with TOTP
//! gets a challenge (`mfa_token`) instead of tokens, and trades it with a code
//! at `POST /auth/mfa/verify`. An admin whose account requires a second factor
//! and who has none gets an enrolment challenge instead, good for
//! `/auth/totp/setup` and `/auth/totp/confirm`.
//!
//! Challenges live in the database (any node answers the second step): only
//! the SHA-256 of the token is stored, with the user, the login lockout key
//! and the wrong codes so far. They expire after five minutes; the fifth
//! wrong code ends one, and every wrong code is a failed login for the
//! lockout. A challenge is used once (deleted in the transaction that opens
//! the session).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::totp::{otp, store};
use super::{lockout, AuthResponse};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, NoStore};
use crate::on_tx;
use crate::users::model::{self as users, UserRow};

/// Seconds a challenge lives.
pub const TTL_SECONDS: i64 = 300;
/// Wrong codes that end a challenge.
pub const MAX_ATTEMPTS: i64 = 5;

/// What a challenge is good for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Trade for a session with a code (`/auth/mfa/verify`).
    Verify,
    /// Enrol in TOTP, then get a session (`/auth/totp/setup`, `/confirm`).
    Enroll,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Enroll => "enroll",
        }
    }
}

/// The login's answer when a second factor is due instead of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Present (true) when a code is due: send it to `/auth/mfa/verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_required: Option<bool>,
    /// Present (true) when the account requires its admins to enrol first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enrollment_required: Option<bool>,
    pub mfa_token: String,
    /// `totp`, `recovery_code`.
    pub methods: Vec<&'static str>,
    /// Seconds the `mfa_token` stays valid.
    pub expires_in: i64,
}

impl MfaChallenge {
    pub fn new(purpose: Purpose, mfa_token: String) -> Self {
        let verify = purpose == Purpose::Verify;
        Self {
            mfa_required: verify.then_some(true),
            mfa_enrollment_required: (!verify).then_some(true),
            mfa_token,
            methods: if verify {
                vec!["totp", "recovery_code"]
            } else {
                vec!["totp"]
            },
            expires_in: TTL_SECONDS,
        }
    }
}

/// The second factor due before `user` of `account` gets a session, if any:
/// a code when they have TOTP, an enrolment when the account requires its
/// admins to have one. Every first factor (password, identity provider) asks.
pub fn due(
    user: &crate::users::model::UserRow,
    account: &crate::accounts::model::AccountRow,
) -> Option<Purpose> {
    if user.totp_enabled {
        Some(Purpose::Verify)
    } else if user.role_id == super::RoleId::ADMIN.0 && account.require_admin_mfa == Some(true) {
        Some(Purpose::Enroll)
    } else {
        None
    }
}

/// An open challenge.
#[derive(Debug, sqlx::FromRow)]
pub struct Challenge {
    pub token_hash: String,
    pub user_id: String,
    pub lockout_key: String,
}

/// Opens a challenge for `user_id`; returns its token (never stored).
pub async fn issue(
    tx: &mut Tx,
    purpose: Purpose,
    user_id: &str,
    lockout_key: &str,
) -> ApiResult<String> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hash = super::tokens::token_hash(&token);
    let now = crate::http::time::now();
    let expires = now + chrono::Duration::seconds(TTL_SECONDS);
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM mfa_challenges WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO mfa_challenges (token_hash, purpose, user_id, lockout_key, attempts, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6)",
        )
        .bind(&hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(lockout_key)
        .bind(now)
        .bind(expires)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(token)
}

/// The 401 of a token that is malformed, unknown, expired, used up or of
/// another purpose.
pub fn invalid_token() -> ApiError {
    ApiError::Unauthorized("Invalid or expired mfa_token".into())
}

fn wrong_code() -> ApiError {
    ApiError::Unauthorized("Invalid code".into())
}

/// The live challenge behind `token`, with its active user.
pub async fn open(tx: &mut Tx, purpose: Purpose, token: &str) -> ApiResult<(Challenge, UserRow)> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid_token());
    }
    let hash = super::tokens::token_hash(token);
    let found: Option<Challenge> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT token_hash, user_id, lockout_key FROM mfa_challenges \
         WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 AND attempts < $4"
    )
    .bind(&hash)
    .bind(purpose.as_str())
    .bind(crate::http::time::now())
    .bind(MAX_ATTEMPTS)
    .fetch_optional(c)
    .await)?;
    let challenge = found.ok_or_else(invalid_token)?;
    let user = users::find_by_id(tx, &challenge.user_id)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid_token)?;
    Ok((challenge, user))
}

/// Counts a wrong code: on the challenge (ended at the cap) and as a failed
/// login for the lockout and in the audit trail. Runs in its own transaction:
/// call it with none open.
pub async fn fail(state: &AppState, challenge: &Challenge) -> ApiResult<ApiError> {
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE mfa_challenges SET attempts = attempts + 1 WHERE token_hash = $1")
            .bind(&challenge.token_hash)
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM mfa_challenges WHERE token_hash = $1 AND attempts >= $2")
            .bind(&challenge.token_hash)
            .bind(MAX_ATTEMPTS)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    let limits = &state.config.rate_limits;
    if limits.enabled {
        lockout::count_failure(&mut tx, &challenge.lockout_key, limits).await?;
    }
    if let Some(user) = crate::users::model::find_by_id(&mut tx, &challenge.user_id).await? {
        let reason = serde_json::json!({"reason": "wrong_code"});
        let event = super::trail::about("LOGIN_FAILED", &user, Some(reason));
        crate::audit::append(&state.audit, &mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(wrong_code())
}

/// Uses the challenge up; false when another request did first.
pub async fn consume(tx: &mut Tx, challenge: &Challenge) -> ApiResult<bool> {
    let gone = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM mfa_challenges WHERE token_hash = $1"
    )
    .bind(&challenge.token_hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(gone == 1)
}

/// A 429 while the login behind the challenge is locked out.
pub async fn check_lockout(state: &AppState, tx: &mut Tx, challenge: &Challenge) -> ApiResult<()> {
    let limits = &state.config.rate_limits;
    if limits.enabled {
        lockout::check(tx, &challenge.lockout_key, limits).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    /// From the login's answer.
    pub mfa_token: String,
    /// Six digits from the authenticator app, or an unused recovery code.
    pub code: String,
}

/// The second step of a login: the challenge from `/auth/login` and a code
/// (TOTP or recovery code) give the session the password alone did not.
#[utoipa::path(post, path = "/auth/mfa/verify", tag = "auth", request_body = MfaVerifyRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<MfaVerifyRequest>,
) -> ApiResult<NoStore<Json<AuthResponse>>> {
    let mut tx = state.db.begin().await?;
    let (challenge, user) = open(&mut tx, Purpose::Verify, &req.mfa_token).await?;
    let code = otp::parse(&req.code)?;
    check_lockout(&state, &mut tx, &challenge).await?;
    let enrolment = store::find(&state, &mut tx, &user.id)
        .await?
        .filter(store::Enrolment::enabled)
        .ok_or_else(invalid_token)?;
    if !store::redeem(&mut tx, &user.id, &enrolment, &code).await? {
        drop(tx);
        return Err(fail(&state, &challenge).await?);
    }
    if !consume(&mut tx, &challenge).await? {
        return Err(invalid_token());
    }
    let response = super::login::finish(&state, tx, &user, &challenge.lockout_key).await?;
    Ok(NoStore(Json(response)))
}
