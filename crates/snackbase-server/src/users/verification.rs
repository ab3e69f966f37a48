//! An administrator's part in email verification and password reset: mark a
//! user's address verified, mail them a verification or reset link.

use axum::extract::State;
use axum::Json;

use super::handlers::visible;
use super::model::UserRow;
use crate::app::AppState;
use crate::auth::links::{self, Purpose};
use crate::auth::{AnyAdmin, AuthUser, MessageResponse};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiPath;

/// Mails `user` a link. The link comes back only to the superadmin and only
/// when no SMTP server is configured (so they can pass it on themselves).
pub(super) async fn mail_link(
    state: &AppState,
    admin: &AuthUser,
    user: &UserRow,
    purpose: Purpose,
) -> ApiResult<Json<MessageResponse>> {
    if !user.is_active {
        return Err(ApiError::conflict("The user is deactivated", None));
    }
    let links::Sent { link, mailed } = links::send(state, purpose, user).await?;
    let what = match purpose {
        Purpose::VerifyEmail => "verification",
        Purpose::ResetPassword => "reset",
    };
    let mut reply = match mailed {
        true => MessageResponse::new(format!("A {what} link was sent to {}", user.email)),
        false => MessageResponse::new(format!(
            "No SMTP server is configured: the {what} link was not mailed"
        )),
    };
    if !mailed && admin.is_superadmin() {
        reply.link = Some(link);
    }
    Ok(Json(reply))
}

/// Marks a user's email address as verified.
#[utoipa::path(post, path = "/users/{user_id}/verify", tag = "users", params(("user_id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = MessageResponse), (status = 404, body = ErrorBody)))]
pub async fn verify_user(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<Json<MessageResponse>> {
    let mut tx = state.db.begin().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    links::mark_verified(&mut tx, &user.id).await?;
    if !user.email_verified {
        let after = super::model::find_by_id(&mut tx, &user.id).await?;
        super::trail::record(
            &state,
            &mut tx,
            &admin,
            "UPDATE",
            Some(&user),
            after.as_ref(),
        )
        .await?;
    }
    tx.commit().await?;
    if user.email_verified {
        return Ok(Json(MessageResponse::new("Email marked as verified")));
    }
    let event = crate::hooks::HookEvent::about_user(
        crate::hooks::Event::AuthEmailVerified,
        (&admin.account_id, admin.id()),
        (&user.id, &user.email, &user.account_id),
        "admin",
    );
    state.hooks.after(&state, event).await;
    Ok(Json(MessageResponse::new("Email marked as verified")))
}

/// Mails a user a new verification link (409 when already verified).
#[utoipa::path(post, path = "/users/{user_id}/resend-verification", tag = "users", params(("user_id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = MessageResponse), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody)))]
pub async fn resend_user_verification(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<Json<MessageResponse>> {
    let user = {
        let mut tx = state.db.begin_read().await?;
        visible(&mut tx, &admin, &user_id).await?
    };
    if user.email_verified {
        return Err(ApiError::conflict(
            "The email address is already verified",
            None,
        ));
    }
    mail_link(&state, &admin, &user, Purpose::VerifyEmail).await
}
