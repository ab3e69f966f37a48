//! `expand=`: replaces nothing, adds `expand: {field: record}` for reference
//! fields, nested with dots (`author.company`) up to a depth limit. Expanded
//! records come from the same account only.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::access;
use super::sql::{self, Param};
use crate::app::AppState;
use crate::auth::Principal;
use crate::authz::model::Operation;
use crate::collections::compiled::{Catalog, Compiled};
use crate::collections::schema::FieldKind;
use crate::collections::view::View;
use crate::db::dialect::quote_ident;
use crate::db::statement::Statement;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};

pub const MAX_DEPTH: usize = 3;
const MAX_PATHS: usize = 10;

/// One step of an expand path: the reference field and the collection it points at.
pub type Step = (String, Arc<Compiled>);

/// Parses `expand=a,b.c` into paths, refusing unknown, non-reference and
/// too-deep ones. The first step must be a field the caller can see; later
/// steps are checked against the whole target collection (its records are
/// filtered by the caller's access when expanded).
pub fn parse(catalog: &Catalog, c: &View<'_>, raw: &str) -> ApiResult<Vec<Vec<Step>>> {
    let invalid = |message: String| ApiError::invalid("expand", "invalid_expand", message);
    let mut paths = Vec::new();
    for path in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > MAX_DEPTH {
            return Err(ApiError::invalid(
                "expand",
                "expand_too_deep",
                format!("expand paths have at most {MAX_DEPTH} levels"),
            ));
        }
        let mut current: Option<&Arc<Compiled>> = None;
        let mut resolved = Vec::new();
        for seg in segments {
            let (field, from) = match current {
                None => (c.field(seg), c.compiled().name.as_str()),
                Some(cur) => (cur.field(seg), cur.name.as_str()),
            };
            let field = field
                .filter(|f| f.kind == FieldKind::Reference)
                .ok_or_else(|| invalid(format!("'{seg}' is not a reference field of '{from}'")))?;
            let target_name = field.collection.as_deref().unwrap_or_default();
            let target = catalog
                .get(target_name)
                .ok_or_else(|| invalid(format!("Collection '{target_name}' no longer exists")))?;
            resolved.push((seg.to_string(), target.clone()));
            current = Some(target);
        }
        paths.push(resolved);
    }
    if paths.len() > MAX_PATHS {
        return Err(ApiError::invalid(
            "expand",
            "expand_too_many",
            format!("At most {MAX_PATHS} expand paths"),
        ));
    }
    Ok(paths)
}

/// Adds the expansions to `records` (in place). Expanded records are those
/// the caller may read, with the fields they may read; others are left out.
pub async fn apply(
    state: &AppState,
    tx: &mut Tx,
    caller: &Principal,
    records: &mut [Map<String, Value>],
    paths: &[Vec<Step>],
) -> ApiResult<()> {
    for path in paths {
        expand_level(state, tx, caller, records, path).await?;
    }
    Ok(())
}

fn expand_level<'a>(
    state: &'a AppState,
    tx: &'a mut Tx,
    caller: &'a Principal,
    records: &'a mut [Map<String, Value>],
    path: &'a [Step],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 'a>> {
    Box::pin(async move {
        let Some(((field, target), rest)) = path.split_first() else {
            return Ok(());
        };
        let mut ids: Vec<String> = records
            .iter()
            .filter_map(|r| r.get(field).and_then(Value::as_str).map(str::to_string))
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let cols = &target.sql.columns;
        let mut select = Statement::new(&format!(
            "SELECT {} FROM {} t WHERE t.\"account_id\" = ",
            target.sql.select_list,
            quote_ident(&target.table),
        ));
        select
            .bind(Param::Text(caller.account_id.to_string()))
            .push(" AND t.\"id\" IN ")
            .bind_list(ids.iter().map(|id| Param::Text(id.clone())));
        let (query, params) = select.finish();
        let found = sql::fetch_records(tx, &query, &params, cols).await?;
        // Out of an API key's scope, a reference stays unexpanded, as one
        // the caller may not read.
        if !caller.reaches(&target.name) {
            return Ok(());
        }
        let Some(read) = access::optional(state, tx, caller, target, Operation::Read).await? else {
            return Ok(());
        };
        let mut readable = Vec::with_capacity(found.len());
        for mut r in found {
            if read.allows(target, caller, &r)? {
                read.project(&mut r);
                readable.push(r);
            }
        }
        let mut found = readable;
        expand_level(state, tx, caller, &mut found, rest).await?;
        let by_id: HashMap<String, Map<String, Value>> = found
            .into_iter()
            .filter_map(|r| {
                r.get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .map(|id| (id, r))
            })
            .collect();
        for record in records.iter_mut() {
            let Some(target_record) = record
                .get(field)
                .and_then(Value::as_str)
                .and_then(|id| by_id.get(id))
                .cloned()
            else {
                continue;
            };
            let expand = record
                .entry("expand")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = expand {
                match map.get_mut(field) {
                    // A second path through the same field merges its nested expansions.
                    Some(Value::Object(existing)) => {
                        if let Some(Value::Object(nested)) = target_record.get("expand") {
                            let slot = existing
                                .entry("expand")
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let Value::Object(slot) = slot {
                                slot.extend(nested.clone());
                            }
                        }
                    }
                    _ => {
                        map.insert(field.clone(), Value::Object(target_record));
                    }
                }
            }
        }
        Ok(())
    })
}
