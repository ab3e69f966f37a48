use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::sessions::{self, Rotation, TokenPair};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn refused() -> ApiError {
    ApiError::Unauthorized("Invalid or expired refresh token".into())
}

/// Exchanges a refresh token for a new pair. The presented token is revoked;
/// presenting it again revokes the whole login session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<crate::http::NoStore<Json<TokenPair>>> {
    if state.tokens.decode_refresh(&req.refresh_token).is_none() {
        return Err(refused());
    }
    let mut tx = state.db.begin().await?;
    let outcome = sessions::rotate(&mut tx, &state.tokens, &req.refresh_token).await?;
    if matches!(outcome, Rotation::ReuseDetected) {
        if let Some(claims) = state.tokens.decode_refresh(&req.refresh_token) {
            let user = crate::users::model::find_by_id(&mut tx, &claims.user_id).await?;
            let event = super::trail::event(
                "REFRESH_REUSE",
                Some(&claims.account_id),
                Some(&claims.user_id),
                user.as_ref().map(|u| u.email.as_str()),
                &claims.user_id,
                Some(serde_json::json!({"session_revoked": claims.sid})),
            );
            crate::audit::append(&state.audit, &mut tx, event).await?;
        }
    }
    tx.commit().await?;
    match outcome {
        Rotation::Rotated(pair) => {
            if let Some(claims) = state.tokens.decode_refresh(&pair.refresh_token) {
                let mut event = crate::hooks::HookEvent::by(
                    crate::hooks::Event::AuthRefresh,
                    Some(&claims.account_id),
                    Some(&claims.user_id),
                );
                event.data =
                    serde_json::json!({"id": claims.user_id, "account_id": claims.account_id});
                state.hooks.after(&state, event).await;
            }
            Ok(crate::http::NoStore(Json(pair)))
        }
        Rotation::Refused => Err(refused()),
        Rotation::ReuseDetected => {
            tracing::warn!("refresh token reuse detected; the login session was revoked");
            Err(refused())
        }
    }
}
