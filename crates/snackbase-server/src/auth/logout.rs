use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{sessions, AuthUser};
use crate::app::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::http::extract::parse_json;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// Also revoke the session of this refresh token (when it is the caller's).
    pub refresh_token: Option<String>,
    /// Revoke every session of the caller ("log out everywhere").
    #[serde(default)]
    pub all: bool,
}

/// Ends the caller's login session: its access and refresh tokens stop working
/// at once. The body is optional.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body(content = Option<LogoutRequest>),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
    crate::http::ApiBody(body): crate::http::ApiBody,
) -> ApiResult<StatusCode> {
    let req: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        parse_json(&body)?
    };
    let mut tx = state.db.begin().await?;
    if req.all {
        sessions::revoke_user_sessions(&mut tx, user.id()).await?;
    } else {
        sessions::revoke_session(&mut tx, user.session()).await?;
        if let Some(claims) = req
            .refresh_token
            .as_deref()
            .and_then(|t| state.tokens.decode_refresh(t))
        {
            if claims.user_id == user.id() {
                sessions::revoke_session(&mut tx, &claims.sid).await?;
            }
        }
    }
    let mut event = crate::audit::object_event(
        Some(&user.0),
        None,
        "LOGOUT",
        super::trail::TABLE,
        user.id(),
        None,
        None,
        &[],
    );
    event.account_id = super::trail::chain(&user.account_id);
    if let Some(serde_json::Value::Object(extra)) = event.extra.as_mut() {
        extra.insert("all".into(), req.all.into());
    }
    crate::audit::append(&state.audit, &mut tx, event).await?;
    tx.commit().await?;
    let mut event = crate::hooks::HookEvent::by(
        crate::hooks::Event::AuthLogout,
        Some(&user.account_id),
        Some(user.id()),
    );
    event.data = serde_json::json!({"id": user.user_id, "email": user.email, "account_id": user.account_id, "all": req.all});
    state.hooks.after(&state, event).await;
    Ok(StatusCode::NO_CONTENT)
}
