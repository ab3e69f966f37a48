//! Password reset by email: forgot (always the same answer), check a link,
//! reset (the link used once, every session ended).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::links::{self, Purpose};
use super::{lockout, password, sessions, MessageResponse};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath, NoStore};
use crate::on_tx;

/// An address in an account, as the public mail routes take it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    pub email: String,
    /// Account code or slug; or the `X-Account-ID` header.
    pub account: Option<String>,
}

/// The account of a public mail request: the body's, else `X-Account-ID`.
fn named_account(headers: &HeaderMap, account: Option<&str>) -> ApiResult<String> {
    account
        .or_else(|| headers.get("x-account-id").and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .filter(|a| !a.is_empty() && a.len() <= 64)
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::invalid(
                "account",
                "required",
                "account (code or slug) is required, in the body or the X-Account-ID header",
            )
        })
}

/// Checks a public mail request and counts it against the address's hourly
/// mail limit; returns the account as named and the normalised address.
pub(super) async fn accept_address(
    state: &AppState,
    headers: &HeaderMap,
    req: &AddressRequest,
    kind: &str,
) -> ApiResult<(String, String)> {
    let email = super::email::normalize(&req.email, "email")?;
    let account = named_account(headers, req.account.as_deref())?;
    state
        .limiter
        .check(
            crate::ratelimit::Bucket::Mail,
            &format!("{kind}:{}", lockout::key(&account, &email)),
        )
        .await?;
    Ok((account, email))
}

/// The active user with `email` in the account named `account`, if any.
pub(super) async fn find_user(
    state: &AppState,
    account: &str,
    email: &str,
) -> ApiResult<Option<crate::users::model::UserRow>> {
    let mut tx = state.db.begin_read().await?;
    let Some(account) = crate::accounts::model::resolve(&mut tx, account).await? else {
        return Ok(None);
    };
    let user = crate::users::model::find_by_email(&mut tx, &account.id, email).await?;
    Ok(user.filter(|u| u.is_active))
}

/// Runs `work` after the reply, so that the reply's timing says nothing about
/// whether the address exists.
pub(super) fn in_background<F>(what: &'static str, work: F)
where
    F: std::future::Future<Output = ApiResult<()>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tracing::error!(error = %e, "{what} failed");
        }
    });
}

/// Mails a password reset link when the address belongs to an active user of
/// the account. The answer is the same 200 either way, and arrives before the
/// lookup, so neither its content nor its timing tells who exists. Limited per
/// address (`SNACKBASE_MAIL_RATE_LIMIT_PER_HOUR`) and per client address.
#[utoipa::path(post, path = "/auth/forgot-password", tag = "auth", request_body = AddressRequest,
    responses((status = 200, body = MessageResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AddressRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let (account, email) = accept_address(&state, &headers, &req, "reset").await?;
    let task = state.clone();
    in_background("a password reset mail", async move {
        if let Some(user) = find_user(&task, &account, &email).await? {
            links::send(&task, Purpose::ResetPassword, &user).await?;
        }
        Ok(())
    });
    Ok(Json(MessageResponse::new(
        "If that address belongs to a user of the account, a reset link is on its way.",
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetTokenStatus {
    pub valid: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The address the link was sent to (only for a valid link).
    pub email: Option<String>,
}

/// Whether a reset link can still be used, without using it.
#[utoipa::path(get, path = "/auth/verify-reset-token/{token}", tag = "auth", params(("token" = String, Path)),
    responses((status = 200, body = ResetTokenStatus), (status = 429, body = ErrorBody)))]
pub async fn verify_reset_token(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<NoStore<Json<ResetTokenStatus>>> {
    let mut tx = state.db.begin_read().await?;
    let status = match links::peek(&mut tx, Purpose::ResetPassword, &token).await? {
        Some((user, expires)) => ResetTokenStatus {
            valid: true,
            expires_at: Some(expires),
            email: Some(user.email),
        },
        None => ResetTokenStatus {
            valid: false,
            expires_at: None,
            email: None,
        },
    };
    Ok(NoStore(Json(status)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub token: String,
    #[serde(alias = "newPassword")]
    pub new_password: String,
}

fn invalid_link() -> ApiError {
    ApiError::BadRequest("This reset link is invalid or has expired".into())
}

/// Sets a new password with a reset link. The link works once; every session
/// of the user ends; the address counts as verified (the mail reached it); a
/// login lockout of the user is lifted.
#[utoipa::path(post, path = "/auth/reset-password", tag = "auth", request_body = ResetPasswordRequest,
    responses((status = 200, body = MessageResponse), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> ApiResult<Json<MessageResponse>> {
    {
        let mut tx = state.db.begin_read().await?;
        if links::peek(&mut tx, Purpose::ResetPassword, &req.token)
            .await?
            .is_none()
        {
            return Err(invalid_link());
        }
    }
    password::enforce_policy(&req.new_password, "new_password")?;
    let hash = password::hash(&req.new_password).await?;
    let mut tx = state.db.begin().await?;
    // Used here: a concurrent reset with the same link finds nothing.
    let user = links::consume(&mut tx, Purpose::ResetPassword, &req.token)
        .await?
        .ok_or_else(invalid_link)?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(&user.id)
    .bind(&hash)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    links::mark_verified(&mut tx, &user.id).await?;
    sessions::revoke_user_sessions(&mut tx, &user.id).await?;
    lockout::clear(&mut tx, &lockout::key(&user.account_id, &user.email)).await?;
    let event = super::trail::about(
        "PASSWORD_RESET",
        &user,
        Some(serde_json::json!({"method": "link"})),
    );
    crate::audit::append(&state.audit, &mut tx, event).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "password reset by email link");
    let who = (user.account_id.as_str(), user.id.as_str());
    let event = crate::hooks::HookEvent::about_user(
        crate::hooks::Event::AuthPasswordReset,
        who,
        (&user.id, &user.email, &user.account_id),
        "link",
    );
    state.hooks.after(&state, event).await;
    Ok(Json(MessageResponse::new("Password reset successfully")))
}
