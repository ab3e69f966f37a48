//! Authentication: registration, login, token refresh with rotation and reuse
//! detection, logout, `/auth/me`, and the extractors other features use.

pub mod email;
pub mod extract;
pub mod lockout;
pub mod password;
pub mod principal;
pub mod sessions;
pub mod superadmin;
pub mod tokens;

mod login;
mod logout;
mod me;
mod refresh;
mod register;

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
            account: AuthAccount {
                id: account.id.clone(),
                account_code: account.id.clone(),
                slug: account.slug.clone(),
                name: account.name.clone(),
                created_at: account.created_at,
            },
            user: AuthUserInfo {
                id: user.id.clone(),
                account_id: user.account_id.clone(),
                email: user.email.clone(),
                role: user.role_name.clone(),
                is_active: user.is_active,
                created_at: user.created_at,
            },
        }
    }
}
