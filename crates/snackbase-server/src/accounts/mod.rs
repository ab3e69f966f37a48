//! Accounts (tenants): superadmin CRUD, their users, code and slug allocation.

pub mod codes;
pub mod model;
pub mod slug;

mod handlers;
mod trail;
mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_accounts, handlers::create_account))
        .routes(routes!(
            handlers::get_account,
            handlers::update_account,
            handlers::patch_account,
            handlers::delete_account
        ))
        .routes(routes!(users::list_account_users))
}
