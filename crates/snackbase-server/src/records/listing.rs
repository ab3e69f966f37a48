//! `GET /records/{collection}`: the list route, on the pooled path (a
//! read transaction) or, on PostgreSQL with everything cached, in one
//! statement; and the read predicate it shares with the aggregation.

use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::access::{self, Access};
use super::handlers::load_collection;
use super::list::{self, Shape};
use super::{expand, sql};
use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::engine;
use crate::authz::model::Operation;
use crate::cache::statement_key;
use crate::collections::compiled::Compiled;
use crate::collections::view::View;
use crate::db::statement::Statement;
use crate::db::{Backend, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::ApiPath;

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Map<String, Value>>,
    /// Records matching the query (absent with `count=false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    pub skip: i64,
    pub limit: i64,
    /// Pass as `cursor` to get the next page; null on the last page (and with a ranked `search`).
    pub next_cursor: Option<String>,
    /// Pass as `cursor_before` to get the previous page; null on the first
    /// page (and with a ranked `search`).
    pub prev_cursor: Option<String>,
    /// More records lie in the direction of paging: after this page (offset
    /// paging and `cursor`), before it (`cursor_before`).
    pub has_more: bool,
}

/// What a read of many records (the list, the aggregation) adds to its
/// `WHERE`: the caller's read rules OR-ed and a `filter=` compiled over the
/// fields they may read, as one predicate on `t`; `None` when neither applies.
pub(super) fn read_predicate(
    read: &Access,
    caller: &Principal,
    c: &Compiled,
    visible: &View<'_>,
    filter: Option<&str>,
    backend: crate::db::Backend,
) -> ApiResult<Option<Statement>> {
    let mut extra = Statement::default();
    if let (Some(grants), Some(env)) = (&read.grants, &read.env) {
        let rules = engine::predicate(grants, env, c, caller, backend)?;
        extra.push("(").append(&rules).push(")");
    }
    if let Some(source) = filter {
        let filter = crate::collections::filter::compile(visible, source, backend)?;
        if !extra.is_empty() {
            extra.push(" AND ");
        }
        extra.push("(").append(&filter).push(")");
    }
    Ok((!extra.is_empty()).then_some(extra))
}

/// SQL macros keep their time limit when inlined into a read's statement:
/// the statements run while the returned guard lives get it.
pub(super) async fn rule_time_limit(
    tx: &mut Tx,
    read: &Access,
) -> ApiResult<Option<crate::db::limit::TimeLimit>> {
    Ok(match (&read.grants, &read.env) {
        (Some(grants), Some(env)) if engine::uses_sql_macros(grants, &env.macros) => {
            Some(crate::db::limit::limit(tx, crate::macros::run::TIMEOUT).await?)
        }
        _ => None,
    })
}

/// Lists the records of the caller's account that their read rule allows:
/// `skip`/`limit`, or `cursor` (the page after it) or `cursor_before` (the
/// page before it) with `limit`, `sort` (`-f`, `+f`, `f`; several keys),
/// `fields`, `field=value`, `filter`, `count=false`, `expand`, and `search`
/// (full-text over the searchable fields, ranked unless sorted; docs/search.md).
#[utoipa::path(get, path = "/records/{collection}", tag = "records", params(("collection" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = RecordList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_records(
    State(state): State<AppState>,
    ApiPath(collection): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    mut parts: Parts,
) -> ApiResult<Json<RecordList>> {
    // PostgreSQL: one statement when the caches can answer (see `list_pg`).
    if state.db.one_statement_reads() {
        if let Some((user, generation)) = super::scope::cached(&parts, &state) {
            if let Some(list) = list_pg(&state, &user, &collection, uri.query(), generation).await {
                crate::auth::extract::note(&mut parts, &user);
                return Ok(Json(list));
            }
        }
    }
    let caller = Principal::from_request_parts(&mut parts, &state).await?;
    // Before the read transaction: see `cache::ResultCache::generation`.
    let generation = state.searches.generation();
    let mut tx = state.db.begin_read_as(caller.tenant()).await?;
    let c = load_collection(&state, &mut tx, &collection).await?;
    let read = access::require(&state, &mut tx, &caller, &c, Operation::Read).await?;
    let visible = read.visible(&c);
    let q = list::parse(&visible, uri.query(), state.config.max_page_size)?;
    let extra = read_predicate(
        &read,
        &caller,
        &c,
        &visible,
        q.filter.as_deref(),
        tx.backend(),
    )?;
    let paths = match &q.expand {
        Some(raw) => expand::parse(&*state.catalog.catalog(&mut tx).await?, &visible, raw)?,
        None => Vec::new(),
    };
    let ruled = read.grants.is_some();
    let limit = rule_time_limit(&mut tx, &read).await?;
    // Searches cost what their matches cost: their pages are kept, unless SQL
    // macros (which may read the clock) are part of the rules.
    let cache = (q.search.is_some() && limit.is_none()).then_some((&state.searches, generation));
    let listed = list::run(&mut tx, &visible, &caller.account_id, &q, extra, cache).await;
    drop(limit);
    let mut page = match listed {
        Ok(page) => page,
        // A rule (e.g. a SQL macro) that fails at run time (its time limit, a
        // value it cannot compute) denies; any other database error is a 500,
        // never an empty page.
        Err(ApiError::Internal(cause)) if ruled && crate::db::is_rule_failure(&cause) => {
            tracing::warn!(collection = %c.name, error = %cause, "the read rule failed at run time; nothing is listed");
            list::Page {
                items: Vec::new(),
                total: q.count.then_some(0),
                next_cursor: None,
                prev_cursor: None,
                has_more: false,
            }
        }
        Err(e) => return Err(e),
    };
    expand::apply(&state, &mut tx, &caller, &mut page.items, &paths).await?;
    Ok(Json(record_list(&q, page)))
}

/// The reply of a list: the page, projected to `fields=`.
fn record_list(q: &list::ListQuery, mut page: list::Page) -> RecordList {
    if let Some(fields) = &q.fields {
        page.items.iter_mut().for_each(|r| list::project(r, fields));
    }
    RecordList {
        items: page.items,
        total: page.total,
        skip: q.skip,
        limit: q.limit,
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
        has_more: page.has_more,
    }
}

/// A list on PostgreSQL in one statement: the caller, the collection and the
/// grants come from the caches without reading the change generation first;
/// the page's statement reads it (and the total) in sub-selects instead, and
/// the answer stands only if it still maps to the generation the caches were
/// valid under. `None` (take the full path, which also gives every error)
/// when anything is not cached, the request is refused or invalid, it
/// expands references or its rules run SQL macros (they need a transaction
/// for their time limit), the page is empty, the generation moved, or the
/// statement failed.
async fn list_pg(
    state: &AppState,
    caller: &Principal,
    collection: &str,
    query: Option<&str>,
    generation: u64,
) -> Option<RecordList> {
    let c = state.catalog.cached()?.get(collection)?.clone();
    let read = access::optional_cached(state, caller, &c, Operation::Read)??;
    if let (Some(grants), Some(env)) = (&read.grants, &read.env) {
        if engine::uses_sql_macros(grants, &env.macros) {
            return None;
        }
    }
    let visible = read.visible(&c);
    let q = list::parse(&visible, query, state.config.max_page_size).ok()?;
    if q.expand.is_some() {
        return None;
    }
    let backend = Backend::Postgres;
    let extra = read_predicate(&read, caller, &c, &visible, q.filter.as_deref(), backend).ok()?;
    let account = &caller.account_id;
    let fresh = Shape::Inline {
        counted_under: None,
    };
    let mut statements = list::build(backend, &visible, account, &q, extra.clone(), fresh).ok()?;
    // A total kept from an earlier list of the same count: the statement
    // counts again only if the change log shows a change since.
    let count_key = q
        .count
        .then(|| statement_key(&statements.count, &statements.count_params));
    let kept = count_key.as_deref().and_then(|key| state.counts.get(key));
    if let Some(kept) = &kept {
        let shape = Shape::Inline {
            counted_under: Some(&kept.snapshot),
        };
        statements = list::build(backend, &visible, account, &q, extra, shape).ok()?;
    }
    let mut tx = state.db.read_as(caller.tenant()).await.ok()?;
    let (select, params) = (&statements.select, &statements.params);
    let rows = sql::fetch_records_with(&mut tx, select, params, &visible.columns(), 2, true)
        .await
        .ok()?;
    drop(tx);
    let tail = &rows.first()?.1;
    let (seen, total) = match tail.ints[..] {
        [Some(seen), total] => (seen, total),
        _ => return None,
    };
    let changes = state.db.changes();
    changes.observe(seen);
    if changes.generation() != generation {
        return None;
    }
    let total = match (total, &kept, count_key, &tail.text) {
        (Some(total), _, Some(key), Some(snapshot)) => {
            state.counts.put(key, total, snapshot.clone(), generation);
            Some(total)
        }
        (None, Some(kept), Some(_), _) => {
            state.counts.confirmed();
            Some(kept.total)
        }
        (total, ..) => total,
    };
    let items = rows.into_iter().map(|(record, _)| record).collect();
    Some(record_list(&q, list::page(&q, items, total)))
}
