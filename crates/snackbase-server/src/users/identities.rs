//! A user's external identities (OAuth / OpenID Connect logins linked to
//! them): listed for their admins, and unlinked one at a time.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::handlers::visible;
use crate::app::AppState;
use crate::auth::oauth::identities::{self, LinkedIdentity};
use crate::auth::AnyAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiPath;
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityList {
    pub items: Vec<LinkedIdentity>,
}

/// The identity providers' logins linked to a user.
#[utoipa::path(get, path = "/users/{user_id}/identities", tag = "users",
    params(("user_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = IdentityList), (status = 404, body = ErrorBody)))]
pub async fn list_identities(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<Json<IdentityList>> {
    let mut tx = state.db.begin_read().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    let items = identities::of_user(&mut tx, &user.id).await?;
    Ok(Json(IdentityList { items }))
}

/// Unlinks one identity from a user: that provider login no longer signs
/// them in (a next login with it is a first login again).
#[utoipa::path(delete, path = "/users/{user_id}/identities/{identity_id}", tag = "users",
    params(("user_id" = String, Path), ("identity_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn unlink_identity(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath((user_id, identity_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    let gone = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM user_identities WHERE id = $1 AND user_id = $2"
    )
    .bind(&identity_id)
    .bind(&user.id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if gone == 0 {
        return Err(ApiError::not_found("Identity not found"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
