//! Login sessions and refresh tokens.
//!
//! Every login opens a session; each refresh token belongs to one and names it in
//! its `sid` claim, as do access tokens. Rotation revokes the presented refresh
//! token and issues a new one in the same session. Presenting a revoked refresh
//! token again is reuse: the whole session is revoked, which also stops its access
//! tokens at once (the auth extractor checks the session).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::tokens::{token_hash, Subject, TokenKeys};
use crate::db::Tx;
use crate::error::ApiError;
use crate::on_tx;
use crate::users::model::UserRow;

/// The token pair returned by login, register and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub token: String,
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

pub fn subject<'a>(user: &'a UserRow, session_id: &'a str) -> Subject<'a> {
    Subject {
        user_id: &user.id,
        account_id: &user.account_id,
        email: &user.email,
        role: &user.role_name,
        session_id,
    }
}

async fn store_refresh(
    tx: &mut Tx,
    keys: &TokenKeys,
    user: &UserRow,
    session_id: &str,
) -> Result<String, ApiError> {
    let issued = keys.issue_refresh(&subject(user, session_id))?;
    let now = crate::http::time::now();
    let hash = token_hash(&issued.token);
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, account_id, expires_at, is_revoked, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)"
    )
    .bind(&issued.jti)
    .bind(&hash)
    .bind(session_id)
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(issued.expires_at)
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(issued.token)
}

/// Opens a new session for `user` and issues its first token pair.
pub async fn start(tx: &mut Tx, keys: &TokenKeys, user: &UserRow) -> Result<TokenPair, ApiError> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO auth_sessions (id, user_id, account_id, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(&session_id)
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let refresh_token = store_refresh(tx, keys, user, &session_id).await?;
    let token = keys.issue_access(&subject(user, &session_id))?;
    Ok(TokenPair {
        token,
        refresh_token,
        expires_in: keys.access_ttl_secs(),
    })
}

#[derive(sqlx::FromRow)]
struct StoredRefresh {
    session_id: String,
    user_id: String,
    expires_at: DateTime<Utc>,
    is_revoked: bool,
}

/// What happened to a presented refresh token.
pub enum Rotation {
    Rotated(TokenPair),
    /// Unknown, expired, revoked session or inactive user.
    Refused,
    /// A token that had already been rotated: its session is now revoked.
    ReuseDetected,
}

/// Exchanges a valid refresh token for a new pair in the same session.
pub async fn rotate(tx: &mut Tx, keys: &TokenKeys, token: &str) -> Result<Rotation, ApiError> {
    let hash = token_hash(token);
    let stored = on_tx!(tx, |c| {
        sqlx::query_as::<_, StoredRefresh>(
        "SELECT session_id, user_id, expires_at, is_revoked FROM refresh_tokens WHERE token_hash = $1"
    )
    .bind(&hash)
    .fetch_optional(c)
    .await
    })?;
    let Some(stored) = stored else {
        return Ok(Rotation::Refused);
    };
    if stored.is_revoked {
        revoke_session(tx, &stored.session_id).await?;
        return Ok(Rotation::ReuseDetected);
    }
    if stored.expires_at <= Utc::now() {
        return Ok(Rotation::Refused);
    }
    // Claim the token atomically: of two concurrent rotations only one wins; the
    // other is treated as reuse.
    let claimed = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE refresh_tokens SET is_revoked = TRUE WHERE token_hash = $1 AND is_revoked = FALSE"
    )
    .bind(&hash)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    if claimed != 1 {
        revoke_session(tx, &stored.session_id).await?;
        return Ok(Rotation::ReuseDetected);
    }
    let session_open = on_tx!(tx, |c| sqlx::query_scalar::<_, String>(
        "SELECT id FROM auth_sessions WHERE id = $1 AND revoked_at IS NULL"
    )
    .bind(&stored.session_id)
    .fetch_optional(c)
    .await)?
    .is_some();
    let user = crate::users::model::find_by_id(tx, &stored.user_id).await?;
    let Some(user) = user.filter(|u| u.is_active && session_open) else {
        return Ok(Rotation::Refused);
    };
    let refresh_token = store_refresh(tx, keys, &user, &stored.session_id).await?;
    let token = keys.issue_access(&subject(&user, &stored.session_id))?;
    Ok(Rotation::Rotated(TokenPair {
        token,
        refresh_token,
        expires_in: keys.access_ttl_secs(),
    }))
}

/// Revokes one session and every refresh token in it.
pub async fn revoke_session(tx: &mut Tx, session_id: &str) -> Result<(), sqlx::Error> {
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(session_id)
        .bind(now)
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE refresh_tokens SET is_revoked = TRUE WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Revokes every session of a user (password reset, deactivation, "log out everywhere").
pub async fn revoke_user_sessions(tx: &mut Tx, user_id: &str) -> Result<(), sqlx::Error> {
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE refresh_tokens SET is_revoked = TRUE WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}
