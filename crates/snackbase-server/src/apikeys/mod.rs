//! API keys: `X-API-Key: sb_ak.<key_id>.<secret>` authenticates as a
//! principal bound to one account with a role, on behalf of the user who made
//! the key. Keys are shown once, stored as a hash of the secret, expire if
//! asked to, and revocation takes effect on the next request on every node
//! (it moves the change generation). Managed at `/admin/api-keys` by the
//! superadmin and by account admins for their own account.

mod authenticate;
mod handlers;
mod model;

pub use authenticate::{authenticate, header_key, KeyCache};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_keys, handlers::create_key))
        .routes(routes!(handlers::get_key, handlers::revoke_key))
}
