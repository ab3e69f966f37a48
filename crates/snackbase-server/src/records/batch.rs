//! Batches: `POST`, `PATCH` and `DELETE /records/{collection}/batch`, all or
//! nothing in one transaction; errors name the failing item.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::handlers::load_collection;
use super::write;
use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::model::Operation;
use crate::collections::values::Mode;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, ApiPath};

pub const MAX_BATCH: usize = 100;

fn check_size(n: usize) -> ApiResult<()> {
    if n == 0 {
        return Err(ApiError::invalid(
            "records",
            "batch_empty",
            "A batch needs at least one item",
        ));
    }
    if n > MAX_BATCH {
        return Err(ApiError::invalid(
            "records",
            "batch_too_large",
            format!("A batch has at most {MAX_BATCH} items"),
        ));
    }
    Ok(())
}

/// Prefixes an item's error fields with its position (`records[3].title`).
fn at(index: usize, list: &str, err: ApiError) -> ApiError {
    match err {
        ApiError::Validation { details, .. } => {
            let details: Vec<FieldError> = details
                .into_iter()
                .map(|d| FieldError::new(format!("{list}[{index}].{}", d.field), d.code, d.message))
                .collect();
            ApiError::Validation {
                message: format!("Item {index} is invalid: {}", details[0].message),
                details,
            }
        }
        ApiError::NotFound(m) => ApiError::NotFound(format!("Item {index}: {m}")),
        ApiError::Conflict { message, field } => ApiError::Conflict {
            message: format!("Item {index}: {message}"),
            field: field.map(|f| format!("{list}[{index}].{f}")),
        },
        other => other,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchCreate {
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<Value>,
}

/// A batch create's reply (the SDK's `batchCreate`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreated {
    /// The created records, in the order of the request.
    #[schema(value_type = Vec<Object>)]
    pub created: Vec<Map<String, Value>>,
    pub count: usize,
}

/// A batch update's reply (the SDK's `batchUpdate`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchUpdated {
    /// The updated records, in the order of the request.
    #[schema(value_type = Vec<Object>)]
    pub updated: Vec<Map<String, Value>>,
    pub count: usize,
}

/// Creates up to 100 records at once.
#[utoipa::path(post, path = "/records/{collection}/batch", tag = "records", request_body = BatchCreate,
    params(("collection" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = BatchCreated), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_create(
    State(state): State<AppState>,
    caller: Principal,
    ApiPath(collection): ApiPath<String>,
    ApiJson(req): ApiJson<BatchCreate>,
) -> ApiResult<(StatusCode, Json<BatchCreated>)> {
    check_size(req.records.len())?;
    let mut tx = state.db.begin_as(caller.tenant()).await?;
    let c = load_collection(&state, &mut tx, &collection).await?;
    let mut items = Vec::with_capacity(req.records.len());
    let mut afters = Vec::with_capacity(req.records.len());
    for (i, body) in req.records.into_iter().enumerate() {
        let body = write::as_object(body).map_err(|e| at(i, "records", e))?;
        let (item, after) = super::pipeline::create(&state, &mut tx, &caller, &c, &body, None)
            .await
            .map_err(|e| at(i, "records", e))?;
        items.push(item);
        afters.push(after);
    }
    tx.commit().await?;
    for after in afters {
        state.hooks.after(&state, after).await;
    }
    Ok((
        StatusCode::CREATED,
        Json(BatchCreated {
            count: items.len(),
            created: items,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchUpdateItem {
    pub id: String,
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchUpdate {
    pub records: Vec<BatchUpdateItem>,
}

/// Changes up to 100 records at once (each item's `data` is merged, as with PATCH).
#[utoipa::path(patch, path = "/records/{collection}/batch", tag = "records", request_body = BatchUpdate,
    params(("collection" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = BatchUpdated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_update(
    State(state): State<AppState>,
    caller: Principal,
    ApiPath(collection): ApiPath<String>,
    ApiJson(req): ApiJson<BatchUpdate>,
) -> ApiResult<Json<BatchUpdated>> {
    check_size(req.records.len())?;
    let mut tx = state.db.begin_as(caller.tenant()).await?;
    let c = load_collection(&state, &mut tx, &collection).await?;
    let mut items = Vec::with_capacity(req.records.len());
    let mut afters = Vec::with_capacity(req.records.len());
    for (i, item) in req.records.into_iter().enumerate() {
        let body = write::as_object(item.data).map_err(|e| at(i, "records", e))?;
        let (record, after) = super::pipeline::update(
            &state,
            &mut tx,
            &caller,
            &c,
            &item.id,
            &body,
            Mode::Partial,
            None,
        )
        .await
        .map_err(|e| at(i, "records", e))?;
        items.push(record);
        afters.push(after);
    }
    tx.commit().await?;
    for after in afters {
        state.hooks.after(&state, after).await;
    }
    Ok(Json(BatchUpdated {
        count: items.len(),
        updated: items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchDelete {
    pub ids: Vec<String>,
}

/// The SDK's shape: the ids deleted, in the order sent, and how many.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchDeleteResult {
    pub deleted: Vec<String>,
    pub count: usize,
}

/// Deletes up to 100 records at once; any missing id fails the whole batch.
#[utoipa::path(delete, path = "/records/{collection}/batch", tag = "records", request_body = BatchDelete,
    params(("collection" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = BatchDeleteResult), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn batch_delete(
    State(state): State<AppState>,
    caller: Principal,
    ApiPath(collection): ApiPath<String>,
    ApiJson(req): ApiJson<BatchDelete>,
) -> ApiResult<Json<BatchDeleteResult>> {
    check_size(req.ids.len())?;
    let mut tx = state.db.begin_as(caller.tenant()).await?;
    let c = load_collection(&state, &mut tx, &collection).await?;
    for (i, id) in req.ids.iter().enumerate() {
        if req.ids[..i].contains(id) {
            return Err(ApiError::invalid(
                &format!("ids[{i}]"),
                "duplicate_id",
                "The same id appears twice",
            ));
        }
        super::pipeline::load_for(&state, &mut tx, &caller, &c, id, Operation::Delete)
            .await
            .map_err(|e| at(i, "ids", e))?;
    }
    let afters = super::pipeline::delete(&state, &mut tx, &caller, &c, &req.ids).await?;
    tx.commit().await?;
    for after in afters {
        state.hooks.after(&state, after).await;
    }
    Ok(Json(BatchDeleteResult {
        count: req.ids.len(),
        deleted: req.ids,
    }))
}
