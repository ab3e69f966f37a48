//! The single-record routes and the list route.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::scope::Caller;
use super::values::Mode;
use super::{expand, list, sql, write};
use crate::app::AppState;
use crate::collections::store::{self, Collection};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, ApiPath};

pub fn collection_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Collection '{name}' not found"))
}

pub async fn load_collection(tx: &mut Tx, name: &str) -> ApiResult<Collection> {
    store::find_by_name(tx, name)
        .await?
        .ok_or_else(|| collection_not_found(name))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Map<String, Value>>,
    /// Records matching the query (absent with `count=false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    pub skip: i64,
    pub limit: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A record's fields as a JSON object.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
#[serde(transparent)]
pub struct RecordBody(pub Value);

/// Lists records of the caller's account: `skip`/`limit` or `cursor`, `sort`
/// (`-f`, `+f`, `f`; several keys), `fields`, `field=value`, `filter`,
/// `count=false`, `expand`.
#[utoipa::path(get, path = "/records/{collection}", tag = "records", params(("collection" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = RecordList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_records(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(collection): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<RecordList>> {
    let mut tx = state.db.begin_read().await?;
    let c = load_collection(&mut tx, &collection).await?;
    let q = list::parse(&c, uri.query(), state.config.max_page_size)?;
    let paths = match &q.expand {
        Some(raw) => expand::parse(&mut tx, &c, raw).await?,
        None => Vec::new(),
    };
    let extra = match &q.filter {
        Some(source) => Some(super::filter::compile(&c, source, tx.backend(), 2)?),
        None => None,
    };
    let mut page = list::run(&mut tx, &c, &caller.account_id, &q, extra).await?;
    expand::apply(&mut tx, &caller.account_id, &mut page.items, &paths).await?;
    if let Some(fields) = &q.fields {
        page.items.iter_mut().for_each(|r| list::project(r, fields));
    }
    Ok(Json(RecordList {
        items: page.items,
        total: page.total,
        skip: q.skip,
        limit: q.limit,
        next_cursor: page.next_cursor,
    }))
}

/// Creates a record in the caller's account.
#[utoipa::path(post, path = "/records/{collection}", tag = "records", params(("collection" = String, Path)), request_body = RecordBody,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(collection): ApiPath<String>,
    ApiJson(RecordBody(body)): ApiJson<RecordBody>,
) -> ApiResult<(StatusCode, Json<Map<String, Value>>)> {
    let body = write::as_object(body)?;
    let mut tx = state.db.begin().await?;
    let c = load_collection(&mut tx, &collection).await?;
    let record = write::insert(&mut tx, &c, &caller, &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(record)))
}

#[derive(Debug, Deserialize)]
pub struct RecordPath {
    pub collection: String,
    pub record_id: String,
}

#[derive(Debug, Deserialize, Default)]
struct GetQuery {
    expand: Option<String>,
    fields: Option<String>,
}

/// One record of the caller's account (`expand` and `fields` as in the list).
#[utoipa::path(get, path = "/records/{collection}/{record_id}", tag = "records",
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(p): ApiPath<RecordPath>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<Map<String, Value>>> {
    let mut q = GetQuery::default();
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "expand" => q.expand = Some(v.into_owned()),
            "fields" => q.fields = Some(v.into_owned()),
            "account_id" => {}
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown_parameter",
                    format!("Unknown query parameter '{other}'"),
                ))
            }
        }
    }
    let mut tx = state.db.begin_read().await?;
    let c = load_collection(&mut tx, &p.collection).await?;
    let record = sql::fetch_one(&mut tx, &c, &caller.account_id, &p.record_id)
        .await?
        .ok_or_else(write::record_not_found)?;
    let mut records = vec![record];
    if let Some(raw) = &q.expand {
        let paths = expand::parse(&mut tx, &c, raw).await?;
        expand::apply(&mut tx, &caller.account_id, &mut records, &paths).await?;
    }
    let mut record = records.pop().ok_or_else(write::record_not_found)?;
    if let Some(fields) = &q.fields {
        let names: Vec<String> = fields
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "*")
            .collect();
        if !names.is_empty() {
            list::project(&mut record, &names);
        }
    }
    Ok(Json(record))
}

async fn update(
    state: AppState,
    caller: Caller,
    p: RecordPath,
    body: Value,
    mode: Mode,
) -> ApiResult<Json<Map<String, Value>>> {
    let body = write::as_object(body)?;
    let mut tx = state.db.begin().await?;
    let c = load_collection(&mut tx, &p.collection).await?;
    let record = write::update(&mut tx, &c, &caller, &p.record_id, &body, mode).await?;
    tx.commit().await?;
    Ok(Json(record))
}

/// Replaces a record: fields left out become their default or null.
#[utoipa::path(put, path = "/records/{collection}/{record_id}", tag = "records", request_body = RecordBody,
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(p): ApiPath<RecordPath>,
    ApiJson(RecordBody(body)): ApiJson<RecordBody>,
) -> ApiResult<Json<Map<String, Value>>> {
    update(state, caller, p, body, Mode::Full).await
}

/// Changes the given fields of a record.
#[utoipa::path(patch, path = "/records/{collection}/{record_id}", tag = "records", request_body = RecordBody,
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(p): ApiPath<RecordPath>,
    ApiJson(RecordBody(body)): ApiJson<RecordBody>,
) -> ApiResult<Json<Map<String, Value>>> {
    update(state, caller, p, body, Mode::Partial).await
}

/// Deletes a record, applying `on_delete` of the references to it.
#[utoipa::path(delete, path = "/records/{collection}/{record_id}", tag = "records",
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_record(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(p): ApiPath<RecordPath>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let c = load_collection(&mut tx, &p.collection).await?;
    if sql::fetch_one(&mut tx, &c, &caller.account_id, &p.record_id)
        .await?
        .is_none()
    {
        return Err(write::record_not_found());
    }
    write::delete(
        &mut tx,
        &c,
        &caller.account_id,
        std::slice::from_ref(&p.record_id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
