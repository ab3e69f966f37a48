//! Records: CRUD, listing, aggregation and batches over a collection's table,
//! always inside one account (the superadmin's in any account it names), as
//! the caller's role's rules allow; every write goes through `pipeline`.

pub mod access;
pub mod aggregate;
mod batch;
pub mod counts;
mod expand;
mod handlers;
pub mod list;
mod listing;
mod pipeline;
pub mod scope;
pub mod sql;
mod write;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(listing::list_records, handlers::create_record))
        .routes(routes!(
            batch::batch_create,
            batch::batch_update,
            batch::batch_delete
        ))
        .routes(routes!(aggregate::aggregate_records))
        .routes(routes!(
            handlers::get_record,
            handlers::replace_record,
            handlers::patch_record,
            handlers::delete_record
        ))
}
