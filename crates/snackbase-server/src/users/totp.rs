//! An administrator's reset of a user's TOTP (a lost authenticator and no
//! recovery code left): the seed, recovery codes and open login challenges
//! are removed, and the user signs in with their password alone again (or
//! enrols anew where their account requires it).

use axum::extract::State;
use axum::http::StatusCode;

use super::handlers::visible;
use crate::app::AppState;
use crate::auth::totp::store;
use crate::auth::AnyAdmin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiPath;

/// Resets a user's TOTP: the superadmin for anyone, an account admin for the
/// users of their account (others are a 404). 404 when it was not set up.
#[utoipa::path(delete, path = "/users/{user_id}/totp", tag = "users", params(("user_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_totp(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    if admin.is_api_key() || admin.impersonator.is_some() {
        return Err(ApiError::forbidden(
            "Resetting a second factor is restricted to a signed-in administrator",
        ));
    }
    let mut tx = state.db.begin().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    if !store::remove(&mut tx, &user.id).await? {
        return Err(ApiError::not_found("The user has no TOTP set up"));
    }
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
    tx.commit().await?;
    tracing::warn!(user_id = %user.id, admin_id = %admin.id(), "TOTP reset by an administrator");
    Ok(StatusCode::NO_CONTENT)
}
