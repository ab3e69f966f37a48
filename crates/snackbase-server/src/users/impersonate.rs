//! Impersonation: an administrator obtains a short-lived token acting as a
//! user, to see what they see. The session records who acts; every request
//! made with it is logged with both; there is no refresh token.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::handlers::visible;
use crate::app::AppState;
use crate::auth::tokens::Actor;
use crate::auth::{AnyAdmin, AuthAccount, AuthUserInfo, RoleId};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiPath, NoStore};
use crate::on_tx;

const DEFAULT_SECONDS: i64 = 900;
const MAX_SECONDS: i64 = 3600;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpersonateRequest {
    /// 60 to 3600, default 900.
    pub duration_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Impersonator {
    pub id: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpersonationResponse {
    /// An access token acting as `user`; its `act` claim names the administrator.
    pub token: String,
    pub expires_in: i64,
    pub account: AuthAccount,
    pub user: AuthUserInfo,
    pub impersonated_by: Impersonator,
}

/// Whether `caller` may impersonate anyone at all (which users: see
/// [`impersonate`]); `GET /auth/me` tells the admin console.
pub(crate) fn allowed(state: &AppState, caller: &crate::auth::AuthUser) -> bool {
    let signed_in = !caller.is_api_key() && caller.impersonator.is_none();
    signed_in
        && (caller.is_superadmin()
            || (caller.administers(&caller.account_id)
                && state.config.auth_flows.admin_impersonation))
}

/// Acts as a user for a while: the superadmin for anyone but the superadmin;
/// an account admin, when `SNACKBASE_AUTH_ADMIN_IMPERSONATION` allows, for
/// the non-admin users of their account. Not from an API key or from another
/// impersonation.
#[utoipa::path(post, path = "/users/{user_id}/impersonate", tag = "users", params(("user_id" = String, Path)),
    request_body(content = Option<ImpersonateRequest>), security(("bearer" = [])),
    responses((status = 200, body = ImpersonationResponse), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn impersonate(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(user_id): ApiPath<String>,
    crate::http::ApiBody(body): crate::http::ApiBody,
) -> ApiResult<NoStore<Json<ImpersonationResponse>>> {
    // The body is optional.
    let req: ImpersonateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ImpersonateRequest::default()
    } else {
        crate::http::extract::parse_json(&body)?
    };
    let seconds = req.duration_seconds.unwrap_or(DEFAULT_SECONDS);
    if !(60..=MAX_SECONDS).contains(&seconds) {
        return Err(ApiError::invalid(
            "duration_seconds",
            "out_of_range",
            format!("duration_seconds must be 60 to {MAX_SECONDS}"),
        ));
    }
    if admin.is_api_key() || admin.impersonator.is_some() {
        return Err(ApiError::forbidden(
            "Impersonation is restricted to a signed-in administrator",
        ));
    }
    if !allowed(&state, &admin) {
        return Err(ApiError::forbidden(
            "Only the superadmin may impersonate users here",
        ));
    }
    if admin.id() == user_id {
        return Err(ApiError::invalid(
            "user_id",
            "self",
            "You cannot impersonate yourself",
        ));
    }
    let mut tx = state.db.begin().await?;
    let user = visible(&mut tx, &admin, &user_id).await?;
    if user.account_id == crate::auth::superadmin::SYSTEM_ACCOUNT {
        return Err(ApiError::forbidden("The superadmin cannot be impersonated"));
    }
    if !admin.is_superadmin() && user.role_id == RoleId::ADMIN.0 {
        return Err(ApiError::forbidden(
            "Account admins cannot impersonate other admins",
        ));
    }
    if !user.is_active {
        return Err(ApiError::conflict("The user is deactivated", None));
    }
    let account = crate::accounts::model::find_by_id(&mut tx, &user.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    let session_id = uuid::Uuid::new_v4().to_string();
    let now = crate::http::time::now();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO auth_sessions (id, user_id, account_id, created_at, impersonated_by) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(&session_id)
    .bind(&user.id)
    .bind(&user.account_id)
    .bind(now)
    .bind(admin.id())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let actor = Actor {
        sub: admin.id().to_string(),
        email: admin.email.clone().unwrap_or_default(),
    };
    let token = state.tokens.issue_impersonation(
        &crate::auth::sessions::subject(&user, &session_id),
        actor.clone(),
        chrono::Duration::seconds(seconds),
    )?;
    let mut event = crate::audit::object_event(
        Some(&admin.0),
        None,
        "IMPERSONATE",
        crate::auth::trail::TABLE,
        &user.id,
        None,
        None,
        &[],
    );
    event.account_id = crate::auth::trail::chain(&user.account_id);
    if let Some(serde_json::Value::Object(extra)) = event.extra.as_mut() {
        extra.insert("impersonated".into(), user.id.as_str().into());
        extra.insert("duration_seconds".into(), seconds.into());
    }
    crate::audit::append(&state.audit, &mut tx, event).await?;
    tx.commit().await?;
    tracing::warn!(user_id = %user.id, impersonator_id = %actor.sub, seconds, "impersonation started");
    Ok(NoStore(Json(ImpersonationResponse {
        token,
        expires_in: seconds,
        account: AuthAccount::new(&account),
        user: AuthUserInfo::new(&user),
        impersonated_by: Impersonator {
            id: actor.sub,
            email: actor.email,
        },
    })))
}
