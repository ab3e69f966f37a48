//! Single-use links sent by mail: email verification and password reset.
//!
//! A link carries a random 256-bit token; only its SHA-256 is stored
//! (`auth_links`), with the address it was sent to. Asking again replaces the
//! user's older link of the same kind; using a link deletes it in the same
//! statement that reads it, so two concurrent uses cannot both succeed; a
//! link whose address is no longer the user's (the email changed) or whose
//! user is inactive is worthless.

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::on_tx;
use crate::users::model::{self as users, UserRow};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    /// The email template that carries it.
    fn template(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verification",
            Self::ResetPassword => "reset_password",
        }
    }

    /// The template's placeholder for the link.
    fn url_placeholder(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_url",
            Self::ResetPassword => "reset_url",
        }
    }

    /// The admin UI's page that takes the token.
    fn page(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify-email",
            Self::ResetPassword => "reset-password",
        }
    }

    fn ttl(self, state: &AppState) -> chrono::Duration {
        let flows = &state.config.auth_flows;
        let ttl = match self {
            Self::VerifyEmail => flows.verification_token_ttl,
            Self::ResetPassword => flows.reset_token_ttl,
        };
        chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1))
    }
}

/// Tokens are 64 lowercase hex digits; anything else is refused unread.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Creates a link for `user`, replacing their older unused one of the same
/// kind. Returns the token (never stored) and when it expires.
pub async fn issue(
    tx: &mut Tx,
    state: &AppState,
    purpose: Purpose,
    user: &UserRow,
) -> Result<(String, DateTime<Utc>), sqlx::Error> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hash = super::tokens::token_hash(&token);
    let now = crate::http::time::now();
    let expires = now + purpose.ttl(state);
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM auth_links WHERE user_id = $1 AND purpose = $2")
            .bind(&user.id)
            .bind(purpose.as_str())
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO auth_links (token_hash, purpose, user_id, email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&hash)
        .bind(purpose.as_str())
        .bind(&user.id)
        .bind(&user.email)
        .bind(now)
        .bind(expires)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok((token, expires))
}

/// The user a live link belongs to, and when it expires, without using it.
pub async fn peek(
    tx: &mut Tx,
    purpose: Purpose,
    token: &str,
) -> Result<Option<(UserRow, DateTime<Utc>)>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    let hash = super::tokens::token_hash(token);
    let found: Option<(String, String, DateTime<Utc>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT user_id, email, expires_at FROM auth_links \
         WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3"
    )
    .bind(&hash)
    .bind(purpose.as_str())
    .bind(crate::http::time::now())
    .fetch_optional(c)
    .await)?;
    let Some((user_id, email, expires)) = found else {
        return Ok(None);
    };
    Ok(holder(tx, &user_id, &email).await?.map(|u| (u, expires)))
}

/// Uses a link: deletes it and returns its user when it was live and still
/// names the user's address.
pub async fn consume(
    tx: &mut Tx,
    purpose: Purpose,
    token: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    let hash = super::tokens::token_hash(token);
    let found: Option<(String, String, DateTime<Utc>)> = on_tx!(tx, |c| sqlx::query_as(
        "DELETE FROM auth_links WHERE token_hash = $1 AND purpose = $2 \
         RETURNING user_id, email, expires_at"
    )
    .bind(&hash)
    .bind(purpose.as_str())
    .fetch_optional(c)
    .await)?;
    match found {
        Some((user_id, email, expires)) if expires > crate::http::time::now() => {
            holder(tx, &user_id, &email).await
        }
        _ => Ok(None),
    }
}

/// The active user `user_id` while their address is still `email`.
async fn holder(tx: &mut Tx, user_id: &str, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    Ok(users::find_by_id(tx, user_id)
        .await?
        .filter(|u| u.is_active && u.email == email))
}

/// A link issued by [`send`].
#[derive(Debug)]
pub struct Sent {
    pub link: String,
    /// Whether an SMTP server was there to mail it (a failed send is in the
    /// email log).
    pub mailed: bool,
}

/// Issues a link for `user` and mails it from its template. Without an SMTP
/// server it is only logged (a warning with the link, as for invitations),
/// and the superadmin's routes hand it back. A failed send is in the email
/// log.
pub async fn send(state: &AppState, purpose: Purpose, user: &UserRow) -> ApiResult<Sent> {
    let mut tx = state.db.begin().await?;
    let (token, expires) = issue(&mut tx, state, purpose, user).await?;
    let template = crate::mail::template(&mut tx, purpose.template()).await?;
    tx.commit().await?;
    let base = state.public_base();
    let url = format!("{base}/admin/{}?token={token}", purpose.page());
    let smtp = crate::mail::server_for(state, Some(&user.account_id)).await?;
    let Some(smtp) = &smtp else {
        tracing::warn!(user_id = %user.id, email = %user.email, link = %url, purpose = purpose.as_str(),
            "no SMTP server is configured; the link was not mailed");
        return Ok(Sent {
            link: url,
            mailed: false,
        });
    };
    let expires_text = crate::http::time::rfc3339::format(&expires);
    let values = [
        ("app_name", state.config.app_name.as_str()),
        ("account_name", user.account_name.as_str()),
        ("email", user.email.as_str()),
        (purpose.url_placeholder(), url.as_str()),
        ("token", token.as_str()),
        ("expires_at", expires_text.as_str()),
    ];
    let subject = crate::mail::render(&template.subject, &values);
    let body = crate::mail::render(&template.body, &values);
    let mail = crate::mail::Outgoing {
        account_id: Some(&user.account_id),
        template_type: purpose.template(),
        to: &user.email,
        subject: &subject,
        body: &body,
        variables: &values,
    };
    if let Err(e) = crate::mail::deliver(&state.db, smtp, mail).await {
        tracing::error!(user_id = %user.id, error = %e, purpose = purpose.as_str(), "the email could not be sent");
    }
    Ok(Sent {
        link: url,
        mailed: true,
    })
}

/// Marks the user's address verified (idempotent).
pub async fn mark_verified(tx: &mut Tx, user_id: &str) -> Result<(), sqlx::Error> {
    let now = crate::http::time::now();
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE users SET email_verified = TRUE, email_verified_at = COALESCE(email_verified_at, $2), \
         updated_at = $2 WHERE id = $1 AND email_verified = FALSE"
    )
    .bind(user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_hex_digits_are_tokens() {
        assert!(well_formed(&"ab".repeat(32)));
        assert!(!well_formed(""));
        assert!(!well_formed(&"ab".repeat(33)));
        assert!(!well_formed(&"zz".repeat(32)));
        assert!(!well_formed(&format!("{}'", "a".repeat(63))));
    }
}
