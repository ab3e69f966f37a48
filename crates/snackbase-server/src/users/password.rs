//! An administrator's password change for a user: a new password (every
//! session ends, a login lockout is lifted), or a reset link mailed instead.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::handlers::{user_not_found, visible};
use crate::app::AppState;
use crate::auth::links::Purpose;
use crate::auth::{password, sessions, AnyAdmin, AuthUser, MessageResponse};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub new_password: Option<String>,
    /// The SDK's name for `new_password`.
    pub password: Option<String>,
    /// Mail the user a reset link instead of setting a password.
    #[serde(default)]
    pub send_reset_link: bool,
}

async fn change_password(
    state: &AppState,
    admin: &AuthUser,
    user_id: &str,
    req: PasswordRequest,
) -> ApiResult<Json<MessageResponse>> {
    let user = {
        let mut tx = state.db.begin_read().await?;
        visible(&mut tx, admin, user_id).await?
    };
    if req.send_reset_link && req.new_password.is_none() && req.password.is_none() {
        return super::verification::mail_link(state, admin, &user, Purpose::ResetPassword).await;
    }
    let (field, new_password) = match (req.new_password, req.password) {
        (Some(p), _) => ("new_password", p),
        (None, Some(p)) => ("password", p),
        (None, None) => {
            return Err(ApiError::invalid(
                "new_password",
                "required",
                "new_password is required",
            ))
        }
    };
    password::enforce_policy(&new_password, field)?;
    let hash = password::hash(&new_password).await?;
    let mut tx = state.db.begin().await?;
    let now = crate::http::time::now();
    let changed: Option<(String, String)> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 RETURNING account_id, email"
    )
    .bind(user_id)
    .bind(&hash)
    .bind(now)
    .fetch_optional(c)
    .await
    })?;
    let Some((account_id, email)) = changed else {
        return Err(user_not_found());
    };
    sessions::revoke_user_sessions(&mut tx, user_id).await?;
    // A new password set by an administrator lifts a login lockout.
    crate::auth::lockout::clear(&mut tx, &crate::auth::lockout::key(&account_id, &email)).await?;
    super::trail::password_set(state, &mut tx, admin, &account_id, user_id).await?;
    tx.commit().await?;
    let event = crate::hooks::HookEvent::about_user(
        crate::hooks::Event::AuthPasswordReset,
        (&admin.account_id, admin.id()),
        (user_id, &email, &account_id),
        "admin",
    );
    state.hooks.after(state, event).await;
    Ok(Json(MessageResponse::new("Password reset successfully")))
}

/// Sets a user's password and ends all their sessions.
#[utoipa::path(put, path = "/users/{user_id}/password", tag = "users", request_body = PasswordRequest,
    params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MessageResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> ApiResult<Json<MessageResponse>> {
    change_password(&state, &admin, &user_id, req).await
}

/// Same as `PUT` (the JavaScript SDK sends `POST` with `password`).
#[utoipa::path(post, path = "/users/{user_id}/password", tag = "users", request_body = PasswordRequest,
    params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MessageResponse), (status = 404, body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> ApiResult<Json<MessageResponse>> {
    change_password(&state, &admin, &user_id, req).await
}
