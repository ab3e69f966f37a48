//! The single-record routes and the list route. Every route resolves the
//! caller's access first: lists are filtered by the read rule in SQL, single
//! records are checked in memory, a record the caller may not read is a 404,
//! and fields outside the allowed ones are hidden on read and refused on write.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::access::{self, Access};
use super::{expand, list, pipeline, sql, write};
use crate::app::AppState;
use crate::auth::{AccountId, Principal};
use crate::authz::model::Operation;
use crate::collections::compiled::{self, Compiled};
use crate::collections::values::Mode;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::files::form::{RecordInput, Uploaded};
use crate::hooks::HookEvent;
use crate::http::ApiPath;

/// A collection by name, compiled, from the cache while no definition changed.
pub async fn load_collection(
    state: &AppState,
    tx: &mut Tx,
    name: &str,
) -> ApiResult<Arc<Compiled>> {
    compiled::get(&state.catalog, tx, name).await
}

/// A record's fields as a JSON object.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
#[serde(transparent)]
pub struct RecordBody(
    #[expect(
        dead_code,
        reason = "the OpenAPI shape of a record write; RecordInput reads bodies"
    )]
    pub Value,
);

/// Creates a record in the caller's account, if the create rule allows the data.
#[utoipa::path(post, path = "/records/{collection}", tag = "records", params(("collection" = String, Path)), request_body = RecordBody,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_record(
    State(state): State<AppState>,
    mut parts: Parts,
    ApiPath(collection): ApiPath<String>,
    input: RecordInput,
) -> ApiResult<(StatusCode, Json<Map<String, Value>>)> {
    let (body, uploads) = body_of(&state, &mut parts, &collection, None, input).await?;
    let written = confirmed_or_full(&state, &mut parts, |caller, confirm| {
        create_as(&state, caller, &collection, &body, confirm)
    })
    .await;
    let (record, after) = discard_on_error(&state, written, uploads).await?;
    state.hooks.after(&state, after).await;
    Ok((StatusCode::CREATED, Json(record)))
}

/// A write's body as the pipeline takes it: the JSON object, or the
/// multipart form read into one (its files uploaded; see `files::form`),
/// with what was uploaded.
async fn body_of(
    state: &AppState,
    parts: &mut Parts,
    collection: &str,
    record_id: Option<&str>,
    input: RecordInput,
) -> ApiResult<(Map<String, Value>, Option<(AccountId, Vec<Uploaded>)>)> {
    let (form, info) = match input {
        RecordInput::Json(v) => return Ok((write::as_object(v)?, None)),
        RecordInput::Form(form, info) => (form, info),
    };
    let caller = Principal::from_request_parts(parts, state).await?;
    let c = {
        let mut tx = state.db.begin_read_as(caller.tenant()).await?;
        let c = load_collection(state, &mut tx, collection).await?;
        // Nothing is uploaded for a record the caller may not change.
        if let Some(id) = record_id {
            pipeline::load_for(state, &mut tx, &caller, &c, id, Operation::Update).await?;
        }
        c
    };
    let (body, uploaded) =
        crate::files::form::read(state, &caller, &c, form, info.as_ref()).await?;
    Ok((body, Some((caller.account_id.clone(), uploaded))))
}

/// A failed write leaves none of the files its form uploaded.
async fn discard_on_error<T>(
    state: &AppState,
    written: ApiResult<T>,
    uploads: Option<(AccountId, Vec<Uploaded>)>,
) -> ApiResult<T> {
    if let (Err(_), Some((account, uploaded))) = (&written, &uploads) {
        crate::files::form::discard(state, account, uploaded).await;
    }
    written
}

async fn create_as(
    state: &AppState,
    caller: Principal,
    collection: &str,
    body: &Map<String, Value>,
    confirm: Option<i64>,
) -> ApiResult<(Map<String, Value>, HookEvent)> {
    let st = state.clone();
    let (collection, body) = (collection.to_string(), body.clone());
    let tenant = caller.tenant().map(str::to_owned);
    state
        .db
        .write_as(tenant.as_deref(), move |tx| {
            Box::pin(async move {
                let c = load_collection(&st, tx, &collection).await;
                let c = unconfirmed(c, confirm)?;
                pipeline::create(&st, tx, &caller, &c, &body, confirm).await
            })
        })
        .await
}

/// A result taken from the caches before the write confirmed them: a
/// failure may come from an out-of-date cache (a collection just created on
/// this node), so it sends the write down the full path.
fn unconfirmed<T>(result: ApiResult<T>, confirm: Option<i64>) -> ApiResult<T> {
    match result {
        Err(_) if confirm.is_some() => Err(pipeline::stale()),
        other => other,
    }
}

/// Runs `write` as the cached caller with the generation to confirm (see
/// [`confirmable`]); when that is not possible or the write finds the caches
/// stale, as the caller the full extractor finds, with nothing to confirm.
async fn confirmed_or_full<T, F, Fut>(state: &AppState, parts: &mut Parts, write: F) -> ApiResult<T>
where
    F: Fn(Principal, Option<i64>) -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    if let Some((user, confirm)) = confirmable(parts, state) {
        match write(user.0.clone(), Some(confirm)).await {
            Err(e) if pipeline::is_stale(&e) => {}
            done => {
                // Noted for the request log only once the write stood: a
                // stale one must not leave the cached caller to the full path.
                crate::auth::extract::note(parts, &user);
                return done;
            }
        }
    }
    let caller = Principal::from_request_parts(parts, state).await?;
    write(caller, None).await
}

/// PostgreSQL's one-statement writes: the caller from the identity cache
/// (see [`super::scope::cached`]) and the change generation row's value the
/// caches stand for, which the write's own statement then confirms (else
/// the write is [`pipeline::Stale`] and takes the full path).
fn confirmable(parts: &Parts, state: &AppState) -> Option<(crate::auth::AuthUser, i64)> {
    if state.db.backend() != crate::db::Backend::Postgres {
        return None;
    }
    let (user, generation) = super::scope::cached(parts, state)?;
    let row = state.db.changes().row_for(generation)?;
    Some((user, row))
}

/// A read of one record by id entirely from the caches and the direct SQLite
/// path, with no pooled connection; `None` when anything is not at hand.
fn read_direct(
    state: &AppState,
    caller: &Principal,
    collection: &str,
    id: &str,
) -> Option<ApiResult<(Map<String, Value>, Access)>> {
    let fast = state.db.fast()?;
    let c = state.catalog.cached()?.get(collection)?.clone();
    let read = access::optional_cached(state, caller, &c, Operation::Read)?;
    let record = sql::fetch_direct_one(fast, &c, &caller.account_id, id)?;
    Some(match record {
        None => Err(write::record_not_found()),
        Some(record) => pipeline::readable(&c, caller, record, read),
    })
}

#[derive(Debug, Deserialize)]
pub struct RecordPath {
    pub collection: String,
    pub record_id: String,
}

/// One record of the caller's account (`expand` and `fields` as in the list).
#[utoipa::path(get, path = "/records/{collection}/{record_id}", tag = "records",
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_record(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<RecordPath>,
    OriginalUri(uri): OriginalUri,
    mut parts: Parts,
) -> ApiResult<Json<Map<String, Value>>> {
    let query = single_query(uri.query());
    // PostgreSQL: one statement when the caches can answer (see `read_pg`).
    let mut direct = None;
    if state.db.one_statement_reads() && matches!(query, Ok((None, _))) {
        if let Some((user, generation)) = super::scope::cached(&parts, &state) {
            if let Some(found) = read_pg(&state, &user, &p, generation).await {
                crate::auth::extract::note(&mut parts, &user);
                direct = Some(found?);
            }
        }
    }
    let ((mut record, read), fields) = match direct {
        Some(found) => (found, query?.1),
        None => {
            let caller = Principal::from_request_parts(&mut parts, &state).await?;
            let (expand_raw, fields) = query?;
            let direct = match expand_raw {
                None => read_direct(&state, &caller, &p.collection, &p.record_id).transpose()?,
                Some(_) => None,
            };
            let found = match direct {
                Some(found) => found,
                None => read_pooled(&state, &caller, &p, expand_raw.as_deref()).await?,
            };
            (found, fields)
        }
    };
    read.project(&mut record);
    // As in lists: a name the caller cannot read (unknown or hidden) is a 422.
    if let Some(names) = fields.as_deref().and_then(list::field_names) {
        if let Some(n) = names
            .iter()
            .find(|n| !record.contains_key(n.as_str()) && *n != "account_id")
        {
            return Err(list::unknown_field(n));
        }
        list::project(&mut record, &names);
    }
    Ok(Json(record))
}

/// `expand` and `fields` of a single-record read; other parameters are refused.
fn single_query(query: Option<&str>) -> ApiResult<(Option<String>, Option<String>)> {
    let (mut expand_raw, mut fields) = (None, None);
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "expand" => expand_raw = Some(v.into_owned()),
            "fields" => fields = Some(v.into_owned()),
            "account_id" | "account" => {}
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown_parameter",
                    format!("Unknown query parameter '{other}'"),
                ))
            }
        }
    }
    Ok((expand_raw, fields))
}

/// A read of one record by id on PostgreSQL in one statement: the caller,
/// the collection and the grants come from the caches without reading the
/// change generation first; the record's statement reads it instead, and the
/// answer stands only if it still maps to the generation the caches were
/// valid under. `None` (take the full path) when anything is not cached,
/// the generation moved, or the statement failed.
async fn read_pg(
    state: &AppState,
    caller: &Principal,
    p: &RecordPath,
    generation: u64,
) -> Option<ApiResult<(Map<String, Value>, Access)>> {
    if state.db.backend() != crate::db::Backend::Postgres {
        return None;
    }
    let c = state.catalog.cached()?.get(&p.collection)?.clone();
    let read = access::optional_cached(state, caller, &c, Operation::Read)?;
    let (record, seen) = sql::fetch_one_with_generation(&state.db, &c, caller, &p.record_id)
        .await
        .ok()?;
    let changes = state.db.changes();
    changes.observe(seen);
    if changes.generation() != generation {
        return None;
    }
    Some(match record {
        None => Err(write::record_not_found()),
        Some(record) => pipeline::readable(&c, caller, record, read),
    })
}

/// A read of one record through a pooled connection (with `expand`).
async fn read_pooled(
    state: &AppState,
    caller: &Principal,
    p: &RecordPath,
    expand_raw: Option<&str>,
) -> ApiResult<(Map<String, Value>, Access)> {
    // One statement in the common case: no transaction round trips.
    let mut tx = state.db.read_as(caller.tenant()).await?;
    let c = load_collection(state, &mut tx, &p.collection).await?;
    let (mut record, read) =
        pipeline::load_for(state, &mut tx, caller, &c, &p.record_id, Operation::Read).await?;
    if let Some(raw) = expand_raw {
        // Expand sees the projected record; the projection is idempotent.
        read.project(&mut record);
        let mut records = vec![record];
        let catalog = state.catalog.catalog(&mut tx).await?;
        let paths = expand::parse(&catalog, &read.visible(&c), raw)?;
        expand::apply(state, &mut tx, caller, &mut records, &paths).await?;
        record = records.pop().ok_or_else(write::record_not_found)?;
    }
    Ok((record, read))
}

async fn update(
    state: AppState,
    mut parts: Parts,
    p: RecordPath,
    input: RecordInput,
    mode: Mode,
) -> ApiResult<Json<Map<String, Value>>> {
    let (body, uploads) =
        body_of(&state, &mut parts, &p.collection, Some(&p.record_id), input).await?;
    let written = confirmed_or_full(&state, &mut parts, |caller, confirm| {
        update_as(&state, caller, &p, &body, mode, confirm)
    })
    .await;
    let (record, after) = discard_on_error(&state, written, uploads).await?;
    state.hooks.after(&state, after).await;
    Ok(Json(record))
}

async fn update_as(
    state: &AppState,
    caller: Principal,
    p: &RecordPath,
    body: &Map<String, Value>,
    mode: Mode,
    confirm: Option<i64>,
) -> ApiResult<(Map<String, Value>, HookEvent)> {
    let st = state.clone();
    let (collection, id, body) = (p.collection.clone(), p.record_id.clone(), body.clone());
    let tenant = caller.tenant().map(str::to_owned);
    state
        .db
        .write_as(tenant.as_deref(), move |tx| {
            Box::pin(async move {
                let c = load_collection(&st, tx, &collection).await;
                let c = unconfirmed(c, confirm)?;
                pipeline::update(&st, tx, &caller, &c, &id, &body, mode, confirm).await
            })
        })
        .await
}

/// Replaces a record: fields left out become their default or null.
#[utoipa::path(put, path = "/records/{collection}/{record_id}", tag = "records", request_body = RecordBody,
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_record(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(p): ApiPath<RecordPath>,
    input: RecordInput,
) -> ApiResult<Json<Map<String, Value>>> {
    update(state, parts, p, input, Mode::Full).await
}

/// Changes the given fields of a record.
#[utoipa::path(patch, path = "/records/{collection}/{record_id}", tag = "records", request_body = RecordBody,
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_record(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(p): ApiPath<RecordPath>,
    input: RecordInput,
) -> ApiResult<Json<Map<String, Value>>> {
    update(state, parts, p, input, Mode::Partial).await
}

/// Deletes a record, applying `on_delete` of the references to it.
#[utoipa::path(delete, path = "/records/{collection}/{record_id}", tag = "records",
    params(("collection" = String, Path), ("record_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_record(
    State(state): State<AppState>,
    caller: Principal,
    ApiPath(p): ApiPath<RecordPath>,
) -> ApiResult<StatusCode> {
    let st = state.clone();
    let tenant = caller.tenant().map(str::to_owned);
    let afters = state
        .db
        .write_as(tenant.as_deref(), move |tx| {
            Box::pin(async move {
                let c = load_collection(&st, tx, &p.collection).await?;
                pipeline::delete(&st, tx, &caller, &c, std::slice::from_ref(&p.record_id)).await
            })
        })
        .await?;
    for after in afters {
        state.hooks.after(&state, after).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
