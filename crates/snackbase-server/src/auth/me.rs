use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AuthUser;
use crate::error::ErrorBody;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user_id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    /// The administrator acting as this user, in an impersonation session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_by: Option<String>,
}

/// The caller, as currently stored.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
pub async fn me(user: AuthUser) -> Json<MeResponse> {
    Json(MeResponse {
        user_id: user.id().to_string(),
        account_id: user.account_id.to_string(),
        email: user.email.clone().unwrap_or_default(),
        role: user.role.clone(),
        impersonated_by: user.impersonator.as_ref().map(|u| u.to_string()),
    })
}
