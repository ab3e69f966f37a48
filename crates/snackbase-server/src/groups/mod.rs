//! Groups: named sets of users inside one account, visible to rules as
//! `user.groups` and `@has_group(name)` from the next request on. Members of
//! the account may read its groups; its admins (and the superadmin, in any
//! account) manage them.

mod handlers;
mod trail;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::db::Db;
use crate::on_pool;

/// The names of the groups `user_id` belongs to, sorted (what rules see as `user.groups`).
pub async fn names_of(db: &Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_scalar(
            "SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id \
             WHERE m.user_id = $1 ORDER BY g.name",
        )
        .bind(user_id)
        .fetch_all(p)
        .await
    })
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_groups, handlers::create_group))
        .routes(routes!(
            handlers::get_group,
            handlers::update_group,
            handlers::delete_group
        ))
        .routes(routes!(handlers::list_members, handlers::add_member))
        .routes(routes!(
            handlers::list_members_alias,
            handlers::add_member_alias
        ))
        .routes(routes!(handlers::remove_member))
        .routes(routes!(handlers::remove_member_alias))
}
