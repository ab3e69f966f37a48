use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{password, sessions, AuthResponse};
use crate::accounts::model as accounts;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiJson;
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
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let email = super::email::normalize(&req.email, "email").ok();
    let found = {
        let mut tx = state.db.begin_read().await?;
        match accounts::resolve(&mut tx, &req.account).await? {
            Some(account) => match &email {
                Some(email) => users::find_by_email(&mut tx, &account.id, email)
                    .await?
                    .map(|u| (account, u)),
                None => None,
            },
            None => None,
        }
    };
    let Some((account, user)) = found else {
        state.dummy_hash.burn(&req.password).await;
        return Err(failed());
    };
    if !password::verify(&user.password_hash, &req.password).await || !user.is_active {
        return Err(failed());
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
    let tokens = sessions::start(&mut tx, &state.tokens, &user).await?;
    tx.commit().await?;
    let mut event = crate::hooks::HookEvent::by(
        crate::hooks::Event::AuthLogin,
        Some(&account.id),
        Some(&user.id),
    );
    event.data = serde_json::json!({"id": user.id, "email": user.email, "account_id": account.id});
    state.hooks.after(&state, event).await;
    Ok(Json(AuthResponse::new(tokens, &account, &user)))
}
