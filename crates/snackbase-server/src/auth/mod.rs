//! Authentication: registration, login, token refresh with rotation and reuse
//! detection, logout, `/auth/me`, TOTP as a second factor (totp/, mfa.rs), and
//! the extractors other features use.

pub mod email;
pub mod extract;
pub mod links;
pub mod lockout;
pub mod mfa;
pub mod oauth;
pub mod password;
pub mod principal;
pub mod sessions;
pub mod superadmin;
pub mod tokens;
pub mod totp;
pub mod trail;

mod login;
mod logout;
mod me;
mod recovery;
mod refresh;
mod register;
mod verification;

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use extract::{AnyAdmin, AuthUser, Superadmin};
pub use principal::{AccountId, Principal, RoleId, UserId};

use crate::accounts::model::AccountRow;
use crate::app::AppState;
use crate::users::model::UserRow;
use sessions::TokenPair;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register::register))
        .routes(routes!(login::login))
        .routes(routes!(refresh::refresh))
        .routes(routes!(logout::logout))
        .routes(routes!(me::me))
        .routes(routes!(recovery::forgot_password))
        .routes(routes!(recovery::verify_reset_token))
        .routes(routes!(recovery::reset_password))
        .routes(routes!(verification::send_verification))
        .routes(routes!(verification::resend_verification))
        .routes(routes!(verification::verify_email))
        .routes(routes!(oauth::providers))
        .routes(routes!(oauth::authorize))
        .routes(routes!(oauth::callback))
        .routes(routes!(mfa::verify))
        .routes(routes!(totp::status))
        .routes(routes!(totp::setup))
        .routes(routes!(totp::confirm))
        .routes(routes!(totp::disable))
        .routes(routes!(totp::recovery_codes))
}

/// A sentence for the client; `link` only where the superadmin asked for a
/// mail that could not be sent (no SMTP server), so they can pass it on.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl MessageResponse {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            link: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthAccount {
    pub id: String,
    /// The same as `id` (the SDK's name for the `XX####` code).
    pub account_code: String,
    pub slug: String,
    pub name: String,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthUserInfo {
    pub id: String,
    /// The user's account (the SDK's `User.account_id`).
    pub account_id: String,
    pub email: String,
    pub role: String,
    pub is_active: bool,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub email_verified: bool,
    #[serde(with = "crate::http::time::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_verified_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuthUserInfo {
    pub fn new(user: &UserRow) -> Self {
        Self {
            id: user.id.clone(),
            account_id: user.account_id.clone(),
            email: user.email.clone(),
            role: user.role_name.clone(),
            is_active: user.is_active,
            created_at: user.created_at,
            email_verified: user.email_verified,
            email_verified_at: user.email_verified_at,
        }
    }
}

impl AuthAccount {
    pub fn new(account: &AccountRow) -> Self {
        Self {
            id: account.id.clone(),
            account_code: account.id.clone(),
            slug: account.slug.clone(),
            name: account.name.clone(),
            created_at: account.created_at,
        }
    }
}

/// Tokens plus who they belong to (register, login, invitation accept).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    pub token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub account: AuthAccount,
    pub user: AuthUserInfo,
}

impl AuthResponse {
    pub fn new(tokens: TokenPair, account: &AccountRow, user: &UserRow) -> Self {
        Self {
            token: tokens.token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            account: AuthAccount::new(account),
            user: AuthUserInfo::new(user),
        }
    }
}
