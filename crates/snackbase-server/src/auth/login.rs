use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::mfa::{self, MfaChallenge};
use super::{lockout, password, sessions, trail, AuthResponse};
use crate::accounts::model as accounts;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, NoStore};
use crate::on_tx;
use crate::users::model as users;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Account code (`XX####`) or slug.
    pub account: String,
    pub email: String,
    pub password: String,
}

/// Tokens, or (with a second factor) a challenge to answer first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    Session(Box<AuthResponse>),
    Challenge(MfaChallenge),
}

fn failed() -> ApiError {
    ApiError::Unauthorized("Invalid credentials".into())
}

/// Logs in with account (code or slug), email and password. Every failure is
/// the same 401, and takes as long whether or not the account and user exist.
/// Attempts are limited per account and email (429), and consecutive failures
/// lock the pair for a growing time, even against the right password.
/// With TOTP (or an account that requires its admins to have it), the right
/// password answers a challenge for `/auth/mfa/verify` instead of tokens.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<NoStore<Json<LoginResponse>>> {
    let email = super::email::normalize(&req.email, "email").ok();
    let limits = &state.config.rate_limits;
    let (account, user, key) = {
        let mut tx = state.db.begin_read().await?;
        let account = accounts::resolve(&mut tx, &req.account).await?;
        let key = lockout::key(
            account
                .as_ref()
                .map_or(req.account.as_str(), |a| a.id.as_str()),
            email.as_deref().unwrap_or(&req.email),
        );
        state
            .limiter
            .check(crate::ratelimit::Bucket::Login, &key)
            .await?;
        if limits.enabled {
            lockout::check(&mut tx, &key, limits).await?;
        }
        let user = match (&account, &email) {
            (Some(account), Some(email)) => {
                users::find_by_email(&mut tx, &account.id, email).await?
            }
            _ => None,
        };
        (account, user, key)
    };
    let (Some(account), Some(user)) = (account.clone(), user) else {
        state.dummy_hash.burn(&req.password).await;
        let typed = email.as_deref().unwrap_or(&req.email);
        let reason = if account.is_some() {
            "unknown_user"
        } else {
            "unknown_account"
        };
        let event = trail::event(
            "LOGIN_FAILED",
            account.as_ref().map(|a| a.id.as_str()),
            None,
            Some(typed),
            typed,
            Some(serde_json::json!({"reason": reason, "account": req.account})),
        );
        trail::login_failed(&state, &key, true, event).await?;
        return Err(failed());
    };
    let password_ok = password::verify(&user.password_hash, &req.password).await;
    if !password_ok || !user.is_active {
        let reason = if password_ok {
            "inactive"
        } else {
            "wrong_password"
        };
        let event = trail::about(
            "LOGIN_FAILED",
            &user,
            Some(serde_json::json!({"reason": reason})),
        );
        trail::login_failed(&state, &key, true, event).await?;
        return Err(failed());
    }
    // Told only to whoever knows the password, so it reveals nothing more.
    if let Err(e) = check_verified(&state, &account, &user) {
        let event = trail::about(
            "LOGIN_FAILED",
            &user,
            Some(serde_json::json!({"reason": "unverified"})),
        );
        trail::login_failed(&state, &key, false, event).await?;
        return Err(e);
    }
    let mut tx = state.db.begin().await?;
    // With a second factor, the password only opens a challenge.
    if let Some(purpose) = mfa::due(&user, &account) {
        let token = mfa::issue(&mut tx, purpose, &user.id, &key).await?;
        tx.commit().await?;
        return Ok(NoStore(Json(LoginResponse::Challenge(MfaChallenge::new(
            purpose, token,
        )))));
    }
    let response = finish(&state, tx, &user, &key).await?;
    Ok(NoStore(Json(LoginResponse::Session(Box::new(response)))))
}

/// The 401 of a user whose account needs a verified address they lack
/// (after a first factor: a password, an identity provider).
pub(super) fn check_verified(
    state: &AppState,
    account: &accounts::AccountRow,
    user: &users::UserRow,
) -> ApiResult<()> {
    if !user.email_verified
        && account.id != super::superadmin::SYSTEM_ACCOUNT
        && account.requires_verification(state.config.auth_flows.require_email_verification)
    {
        return Err(ApiError::Unauthorized(
            "Email not verified. Please check your email inbox.".into(),
        ));
    }
    Ok(())
}

/// Completes a login whose every factor is checked, in `tx`: the last login
/// time, the lockout cleared, a new session, then the `auth.login` hook.
pub(super) async fn finish(
    state: &AppState,
    tx: crate::db::Tx,
    user: &users::UserRow,
    lockout_key: &str,
) -> ApiResult<AuthResponse> {
    finish_with(state, tx, user, lockout_key, serde_json::Map::new()).await
}

/// [`finish`], with `extra` fields in the `auth.login` hook's data.
pub(super) async fn finish_with(
    state: &AppState,
    mut tx: crate::db::Tx,
    user: &users::UserRow,
    lockout_key: &str,
    extra: serde_json::Map<String, serde_json::Value>,
) -> ApiResult<AuthResponse> {
    let account = accounts::find_by_id(&mut tx, &user.account_id)
        .await?
        .ok_or_else(failed)?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET last_login = $2 WHERE id = $1"
    )
    .bind(&user.id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    lockout::clear(&mut tx, lockout_key).await?;
    let tokens = sessions::start(&mut tx, &state.tokens, user).await?;
    let meta = match extra.get("provider") {
        Some(provider) => serde_json::json!({"method": "oauth", "provider": provider}),
        None => serde_json::json!({"method": "password"}),
    };
    let audited = trail::about("LOGIN", user, Some(meta));
    crate::audit::append(&state.audit, &mut tx, audited).await?;
    tx.commit().await?;
    let mut event = crate::hooks::HookEvent::by(
        crate::hooks::Event::AuthLogin,
        Some(&account.id),
        Some(&user.id),
    );
    let mut data =
        serde_json::json!({"id": user.id, "email": user.email, "account_id": account.id});
    if let Some(fields) = data.as_object_mut() {
        fields.extend(extra);
    }
    event.data = data;
    state.hooks.after(state, event).await;
    Ok(AuthResponse::new(tokens, &account, user))
}
