//! Email verification: ask for a link (by address, or as the signed-in
//! user), and use it.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::links::{self, Purpose};
use super::recovery::{accept_address, find_user, in_background, AddressRequest};
use super::{lockout, AuthUser, MessageResponse};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiJson;

/// Mails a verification link when the address belongs to an active,
/// unverified user of the account. Same answer, same timing, either way.
#[utoipa::path(post, path = "/auth/send-verification", tag = "auth", request_body = AddressRequest,
    responses((status = 200, body = MessageResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_verification(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AddressRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let (account, email) = accept_address(&state, &headers, &req, "verify").await?;
    let task = state.clone();
    in_background("a verification mail", async move {
        if let Some(user) = find_user(&task, &account, &email).await? {
            if !user.email_verified {
                links::send(&task, Purpose::VerifyEmail, &user).await?;
            }
        }
        Ok(())
    });
    Ok(Json(MessageResponse::new(
        "If that address belongs to an unverified user of the account, a verification link is on its way.",
    )))
}

/// Mails the signed-in user a verification link (the SDK sends `{}`).
#[utoipa::path(post, path = "/auth/resend-verification", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MessageResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    caller: AuthUser,
) -> ApiResult<Json<MessageResponse>> {
    let user = {
        let mut tx = state.db.begin_read().await?;
        crate::users::model::find_by_id(&mut tx, caller.id())
            .await?
            .ok_or_else(|| ApiError::Unauthorized("User not found".into()))?
    };
    if user.email_verified {
        return Ok(Json(MessageResponse::new(
            "Your email address is already verified",
        )));
    }
    state
        .limiter
        .check(
            crate::ratelimit::Bucket::Mail,
            &format!("verify:{}", lockout::key(&user.account_id, &user.email)),
        )
        .await?;
    links::send(&state, Purpose::VerifyEmail, &user).await?;
    Ok(Json(MessageResponse::new(format!(
        "A verification link was sent to {}",
        user.email
    ))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedResponse {
    pub message: String,
    /// The address now verified.
    pub email: String,
}

/// Uses a verification link: the user's address counts as verified.
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body = VerifyEmailRequest,
    responses((status = 200, body = VerifiedResponse), (status = 400, body = ErrorBody)))]
pub async fn verify_email(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<VerifyEmailRequest>,
) -> ApiResult<Json<VerifiedResponse>> {
    let mut tx = state.db.begin().await?;
    let user = links::consume(&mut tx, Purpose::VerifyEmail, &req.token)
        .await?
        .ok_or_else(|| {
            ApiError::BadRequest("This verification link is invalid or has expired".into())
        })?;
    links::mark_verified(&mut tx, &user.id).await?;
    let event = super::trail::about(
        "EMAIL_VERIFIED",
        &user,
        Some(serde_json::json!({"method": "link"})),
    );
    crate::audit::append(&state.audit, &mut tx, event).await?;
    tx.commit().await?;
    let event = crate::hooks::HookEvent::about_user(
        crate::hooks::Event::AuthEmailVerified,
        (&user.account_id, &user.id),
        (&user.id, &user.email, &user.account_id),
        "link",
    );
    state.hooks.after(&state, event).await;
    Ok(Json(VerifiedResponse {
        message: "Email verified".into(),
        email: user.email,
    }))
}
