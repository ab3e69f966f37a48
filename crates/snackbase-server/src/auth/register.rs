use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::links::{self, Purpose};
use super::{password, sessions, AuthAccount, AuthResponse, AuthUserInfo};
use crate::accounts::{model as accounts, slug};
use crate::app::AppState;
use crate::db::{violated_constraint, ConstraintKind};
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, NoStore};
use crate::users::model::{self as users, NewUser};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub account_name: String,
    pub account_slug: Option<String>,
}

/// A registration whose address must be verified before the first login.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRegistration {
    pub message: String,
    pub account: AuthAccount,
    pub user: AuthUserInfo,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Registered {
    /// Logged in at once.
    Tokens(AuthResponse),
    /// `SNACKBASE_AUTH_REQUIRE_EMAIL_VERIFICATION`: no tokens; a verification link is mailed.
    Pending(PendingRegistration),
}

/// Registers a new account and its first user (role `admin`), and logs them
/// in; or, when the server requires verified addresses, mails a verification
/// link and answers without tokens.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Registered), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<NoStore<(StatusCode, Json<Registered>)>> {
    let mut problems: Vec<FieldError> = Vec::new();
    let email = super::email::normalize(&req.email, "email");
    if let Err(ApiError::Validation { details, .. }) = &email {
        problems.extend(details.iter().cloned());
    }
    problems.extend(password::policy_violations(&req.password, "password"));
    let name = req.account_name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        problems.push(FieldError::new(
            "account_name",
            "invalid_length",
            "Account name must be 1 to 255 characters",
        ));
    }
    let slug = match &req.account_slug {
        Some(s) => {
            let s = s.trim().to_lowercase();
            if let Err(ApiError::Validation { details, .. }) =
                slug::validate_register_slug(&s, "account_slug")
            {
                problems.extend(details);
            }
            s
        }
        None => slug::slug_for_registration(name),
    };
    if let Some(err) = ApiError::from_field_errors(problems) {
        return Err(err);
    }
    let email = email?;
    let hash = password::hash(&req.password).await?;

    let mut tx = state.db.begin().await?;
    let taken = || {
        ApiError::conflict(
            "An account with this slug already exists",
            Some("account_slug"),
        )
    };
    if accounts::slug_taken(&mut tx, &slug).await? {
        return Err(taken());
    }
    let account = accounts::insert(&mut tx, &slug, name).await?;
    let user = users::insert(
        &mut tx,
        &NewUser {
            account_id: &account.id,
            email: &email,
            password_hash: &hash,
            role_id: super::RoleId::ADMIN.0,
            is_active: true,
            email_verified: false,
        },
    )
    .await?;
    // The sign-up in the new account's chain, by the new user.
    let signed_up = super::trail::about(
        "REGISTER",
        &user,
        Some(serde_json::json!({"account_name": account.name, "account_slug": account.slug})),
    );
    crate::audit::append(&state.audit, &mut tx, signed_up).await?;
    let pending = state.config.auth_flows.require_email_verification;
    let tokens = if pending {
        None
    } else {
        Some(sessions::start(&mut tx, &state.tokens, &user).await?)
    };
    tx.commit()
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(v) if v.kind == ConstraintKind::Unique => taken(),
            _ => e.into(),
        })?;
    tracing::info!(account_id = %account.id, user_id = %user.id, "account registered");
    let mut event = crate::hooks::HookEvent::by(
        crate::hooks::Event::AuthRegister,
        Some(&account.id),
        Some(&user.id),
    );
    event.data = serde_json::json!({"id": user.id, "email": user.email, "account_id": account.id});
    state.hooks.after(&state, event).await;
    let body = match tokens {
        Some(tokens) => Registered::Tokens(AuthResponse::new(tokens, &account, &user)),
        None => {
            links::send(&state, Purpose::VerifyEmail, &user).await?;
            Registered::Pending(PendingRegistration {
                message: "Account created. Please check your email inbox to verify your address before you sign in.".into(),
                account: AuthAccount::new(&account),
                user: AuthUserInfo::new(&user),
            })
        }
    };
    Ok(NoStore((StatusCode::CREATED, Json(body))))
}
