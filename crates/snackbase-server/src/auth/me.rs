use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AuthUser;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    /// The administrator acting as this user, in an impersonation session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_by: Option<String>,
    /// Whether the caller may impersonate users (`POST /users/{id}/impersonate`):
    /// the superadmin, anyone but the superadmin; an account admin, when
    /// `SNACKBASE_AUTH_ADMIN_IMPERSONATION` allows, the non-admin users of
    /// their account. Never from an API key or an impersonation session.
    pub can_impersonate: bool,
    /// The same caller as the SDK's `User` (its `token_type` tells an API
    /// key session from a login).
    pub user: MeUser,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeUser {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    pub groups: Vec<String>,
    pub is_active: bool,
    pub email_verified: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// `jwt` for a login's token, `api_key` for an `X-API-Key`.
    pub token_type: &'static str,
}

/// The caller, as currently stored.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: AuthUser) -> ApiResult<Json<MeResponse>> {
    let row = {
        let mut tx = state.db.begin_read().await?;
        crate::users::model::find_by_id(&mut tx, caller.id())
            .await?
            .ok_or_else(|| ApiError::Unauthorized("Could not validate credentials".into()))?
    };
    let email = caller.email.clone().unwrap_or_default();
    Ok(Json(MeResponse {
        user: MeUser {
            id: caller.id().to_string(),
            account_id: caller.account_id.to_string(),
            email: email.clone(),
            role: caller.role.clone(),
            groups: caller.groups.clone(),
            is_active: row.is_active,
            email_verified: row.email_verified,
            email_verified_at: row.email_verified_at,
            token_type: if caller.is_api_key() {
                "api_key"
            } else {
                "jwt"
            },
        },
        user_id: caller.id().to_string(),
        account_id: caller.account_id.to_string(),
        email,
        role: caller.role.clone(),
        impersonated_by: caller.impersonator.as_ref().map(|u| u.to_string()),
        can_impersonate: crate::users::impersonate::allowed(&state, &caller),
    }))
}
