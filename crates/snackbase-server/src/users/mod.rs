//! Users: the superadmin's user management across accounts.

pub mod model;

mod handlers;
mod identities;
pub(crate) mod impersonate;
mod password;
mod totp;
pub mod trail;
mod verification;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_users, handlers::create_user))
        .routes(routes!(
            handlers::get_user,
            handlers::update_user,
            handlers::put_user,
            handlers::delete_user
        ))
        .routes(routes!(password::reset_password, password::set_password))
        .routes(routes!(verification::verify_user))
        .routes(routes!(verification::resend_user_verification))
        .routes(routes!(impersonate::impersonate))
        .routes(routes!(identities::list_identities))
        .routes(routes!(identities::unlink_identity))
        .routes(routes!(totp::reset_totp))
}
