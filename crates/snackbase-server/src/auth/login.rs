use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{lockout, password, sessions, AuthResponse};
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

fn failed() -> ApiError {
    ApiError::Unauthorized("Invalid credentials".into())
}

/// Logs in with account (code or slug), email and password. Every failure is
/// the same 401, and takes as long whether or not the account and user exist.
/// Attempts are limited per account and email (429), and consecutive failures
/// lock the pair for a growing time, even against the right password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<NoStore<Json<AuthResponse>>> {
    let email = super::email::normalize(&req.email, "email").ok();
    let limits = &state.config.rate_limits;
    let (found, key, standing) = {
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
        let standing = if limits.enabled {
            lockout::check(&mut tx, &key, limits).await?
        } else {
            lockout::Standing::default()
        };
        let found = match (account, &email) {
            (Some(account), Some(email)) => users::find_by_email(&mut tx, &account.id, email)
                .await?
                .map(|u| (account, u)),
            _ => None,
        };
        (found, key, standing)
    };
    let Some((account, user)) = found else {
        state.dummy_hash.burn(&req.password).await;
        if limits.enabled {
            lockout::record_failure(&state.db, &key, limits).await?;
        }
        return Err(failed());
    };
    if !password::verify(&user.password_hash, &req.password).await || !user.is_active {
        if limits.enabled {
            lockout::record_failure(&state.db, &key, limits).await?;
        }
        return Err(failed());
    }
    // Told only to whoever knows the password, so it reveals nothing more.
    if !user.email_verified
        && account.id != super::superadmin::SYSTEM_ACCOUNT
        && account.requires_verification(state.config.auth_flows.require_email_verification)
    {
        return Err(ApiError::Unauthorized(
            "Email not verified. Please check your email inbox.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET last_login = $2 WHERE id = $1"
    )
    .bind(&user.id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if standing.failures > 0 {
        lockout::clear(&mut tx, &key).await?;
    }
    let tokens = sessions::start(&mut tx, &state.tokens, &user).await?;
    tx.commit().await?;
    let mut event = crate::hooks::HookEvent::by(
        crate::hooks::Event::AuthLogin,
        Some(&account.id),
        Some(&user.id),
    );
    event.data = serde_json::json!({"id": user.id, "email": user.email, "account_id": account.id});
    state.hooks.after(&state, event).await;
    Ok(NoStore(Json(AuthResponse::new(tokens, &account, &user))))
}
