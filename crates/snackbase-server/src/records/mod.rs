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
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// A record as `caller` may read it now (the read rule on the stored row,
/// unreadable fields removed), with its collection; `None` when the
/// collection or record does not exist or the caller may not read it (the
/// same rule as `GET /records/{collection}/{id}`). For the file routes.
pub(crate) async fn readable(
    state: &AppState,
    caller: &Principal,
    collection: &str,
    id: &str,
) -> ApiResult<
    Option<(
        std::sync::Arc<crate::collections::compiled::Compiled>,
        serde_json::Map<String, serde_json::Value>,
    )>,
> {
    let mut tx = state.db.begin_read_as(caller.tenant()).await?;
    let c = match handlers::load_collection(state, &mut tx, collection).await {
        Ok(c) => c,
        Err(ApiError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let loaded = pipeline::load_for(
        state,
        &mut tx,
        caller,
        &c,
        id,
        crate::authz::model::Operation::Read,
    )
    .await;
    match loaded {
        Ok((mut record, read)) => {
            read.project(&mut record);
            Ok(Some((c, record)))
        }
        Err(ApiError::NotFound(_) | ApiError::Forbidden(_) | ApiError::Unauthorized(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

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
