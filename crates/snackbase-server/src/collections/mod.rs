//! Collections: superadmin-defined schemas, one physical table each, shared by
//! all accounts and isolated by `account_id`.

mod changes;
pub mod compiled;
pub mod ddl;
pub mod filter;
mod handlers;
pub mod record_sql;
pub mod schema;
pub mod search;
pub mod store;
mod trail;
pub mod transfer;
pub mod values;
pub mod view;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            handlers::list_collections,
            handlers::create_collection
        ))
        .routes(routes!(handlers::collection_names))
        .routes(routes!(transfer::export_collections))
        .routes(routes!(transfer::import_collections))
        .routes(routes!(handlers::collection_history))
        .routes(routes!(
            handlers::get_collection,
            changes::update_collection,
            changes::patch_collection,
            handlers::delete_collection
        ))
}
