//! Record writes shared by the single and batch routes: validation, reference
//! checks, unique violations named by field, and `on_delete` enforcement.

use crate::auth::AccountId;
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::sql::{self, Param};
use crate::auth::Principal;
use crate::collections::compiled::{Catalog, Compiled};
use crate::collections::schema::{FieldKind, OnDelete};
use crate::collections::values::{self, Mode, Stored};
use crate::db::dialect::quote_ident;
use crate::db::statement::Statement;
use crate::db::{violated_constraint, ConstraintKind, Operation, Tx};
use crate::error::{ApiError, ApiResult, FieldError};

/// Maps a unique violation to a 409 naming the field (the compiled
/// collection knows which index is on which columns).
pub fn map_write_error(c: &Compiled, err: sqlx::Error) -> ApiError {
    match violated_constraint(&err) {
        Some(v) if v.kind == ConstraintKind::Unique => {
            // PostgreSQL names the index; SQLite lists `table.column`s.
            let listed: Vec<&str> = v
                .message
                .split_once("failed: ")
                .map(|(_, cols)| {
                    cols.split(", ")
                        .filter_map(|tc| tc.rsplit_once('.').map(|(_, col)| col))
                        .filter(|col| *col != "account_id")
                        .collect()
                })
                .unwrap_or_default();
            let index = c.uniques.iter().find(|i| {
                v.constraint.as_deref() == Some(i.name.as_str())
                    || (!listed.is_empty()
                        && i.columns
                            .iter()
                            .map(String::as_str)
                            .eq(listed.iter().copied()))
            });
            match index.map(|i| i.columns.as_slice()) {
                Some([f]) => {
                    ApiError::conflict(format!("A record with this {f} already exists"), Some(f))
                }
                _ => ApiError::conflict("A record with these values already exists", None),
            }
        }
        _ => ApiError::from(err),
    }
}

/// Checks that every non-null reference points at a record of the same account.
async fn check_references(
    tx: &mut Tx,
    catalog: &Catalog,
    c: &Compiled,
    account_id: &AccountId,
    values: &[(usize, Stored)],
) -> ApiResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, v) in values {
        let field = &c.fields[*i];
        let (FieldKind::Reference, Stored::Text(Some(id))) = (field.kind, v) else {
            continue;
        };
        let target_name = field.collection.clone().unwrap_or_default();
        let exists = match catalog.get(&target_name) {
            Some(t) => {
                let sql = format!(
                    "SELECT COUNT(*) FROM {} WHERE \"account_id\" = $1 AND \"id\" = $2",
                    quote_ident(&t.table)
                );
                sql::scalar_i64(
                    tx,
                    &sql,
                    &[Param::Text(account_id.into()), Param::Text(id.clone())],
                )
                .await?
                    > 0
            }
            None => false,
        };
        if !exists {
            errors.push(FieldError::new(
                &field.name,
                "invalid_reference",
                format!("Referenced record '{id}' not found in collection '{target_name}'"),
            ));
        }
    }
    Ok(errors)
}

/// The validation error for a body's problems (never empty when validation fails).
fn rejected(errors: Vec<FieldError>) -> ApiError {
    ApiError::from_field_errors(errors).unwrap_or_else(|| {
        ApiError::internal(anyhow::anyhow!("validation failed without a reason"))
    })
}

/// A JSON body must be an object.
pub fn as_object(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::invalid(
            "body",
            "invalid_body",
            "The request body must be a JSON object",
        )),
    }
}

/// Validates one record to insert; `guard` sees the record as it would be
/// stored (system fields included) and may refuse it. Returns the record and
/// its `INSERT`, which the caller runs (with the change log's, see
/// `db::feed::record`) and maps errors of with [`map_write_error`].
pub async fn prepare_insert(
    tx: &mut Tx,
    catalog: &Catalog,
    c: &Compiled,
    caller: &Principal,
    body: &Map<String, Value>,
    confirm: Option<i64>,
    guard: impl FnOnce(&Map<String, Value>) -> ApiResult<()>,
) -> ApiResult<(Map<String, Value>, Statement)> {
    let values = values::validate_body(&c.fields, body, Mode::Full).map_err(rejected)?;
    if let Some(err) = ApiError::from_field_errors(
        check_references(tx, catalog, c, &caller.account_id, &values).await?,
    ) {
        return Err(err);
    }
    // Time-ordered (UUIDv7): new rows land at the end of the primary-key
    // index instead of splitting pages all over it.
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::http::time::now();
    let creator = caller
        .user_id
        .as_deref()
        .map(|u| Value::String(u.to_string()))
        .unwrap_or(Value::Null);
    let mut record = Map::new();
    record.insert("id".into(), Value::String(id.clone()));
    record.insert(
        "account_id".into(),
        Value::String(caller.account_id.to_string()),
    );
    record.insert(
        "created_at".into(),
        Value::String(values::format_time(&now)),
    );
    record.insert("created_by".into(), creator.clone());
    record.insert(
        "updated_at".into(),
        Value::String(values::format_time(&now)),
    );
    record.insert("updated_by".into(), creator);
    for field in &c.fields {
        let stored = values.iter().find(|(i, _)| c.fields[*i].name == field.name);
        record.insert(
            field.name.clone(),
            stored.map(|(_, v)| v.to_json()).unwrap_or(Value::Null),
        );
    }
    guard(&record)?;
    let mut columns = vec![
        "id",
        "account_id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    .into_iter()
    .map(quote_ident)
    .collect::<Vec<_>>();
    let mut params = vec![
        Param::Text(id),
        Param::Text(caller.account_id.to_string()),
        Param::Stored(Stored::Time(Some(now))),
        Param::Stored(Stored::Text(caller.user_id.as_deref().map(str::to_string))),
        Param::Stored(Stored::Time(Some(now))),
        Param::Stored(Stored::Text(caller.user_id.as_deref().map(str::to_string))),
    ];
    for (i, v) in &values {
        columns.push(quote_ident(&c.fields[*i].name));
        params.push(Param::Stored(v.clone()));
    }
    let mut insert = Statement::new(&format!(
        "INSERT INTO {} ({}) ",
        quote_ident(&c.table),
        columns.join(", "),
    ));
    match confirm {
        None => insert.push("VALUES ").bind_list(params),
        // Inserts nothing unless the change generation row still holds it.
        Some(generation) => insert
            .push("SELECT ")
            .bind_all(params)
            .push(&format!(" WHERE {} = ", crate::db::changes::SELECT))
            .bind(Param::Int(generation)),
    };
    Ok((record, insert))
}

pub fn record_not_found() -> ApiError {
    ApiError::not_found("Record not found")
}

/// Validates an update (PUT replaces, PATCH merges) of `previous`, the
/// stored record. Returns the record as it will be and its `UPDATE`, which
/// the caller runs (with the change log's, see `db::feed::record`) and maps
/// errors of with [`map_write_error`]. With a `version` (see
/// `sql::fetch_versioned`) the `UPDATE` changes the row only if no other
/// update came in between, so the record computed here is the one stored.
#[allow(clippy::too_many_arguments)]
pub async fn prepare_update(
    tx: &mut Tx,
    catalog: &Catalog,
    c: &Compiled,
    caller: &Principal,
    previous: &Map<String, Value>,
    version: Option<&str>,
    body: &Map<String, Value>,
    mode: Mode,
) -> ApiResult<(Map<String, Value>, Statement)> {
    let values = values::validate_body(&c.fields, body, mode).map_err(rejected)?;
    if let Some(err) = ApiError::from_field_errors(
        check_references(tx, catalog, c, &caller.account_id, &values).await?,
    ) {
        return Err(err);
    }
    let id = id_of(previous);
    let now = crate::http::time::now();
    let mut record = previous.clone();
    record.insert(
        "updated_at".into(),
        Value::String(values::format_time(&now)),
    );
    record.insert(
        "updated_by".into(),
        caller
            .user_id
            .as_deref()
            .map(|u| Value::String(u.to_string()))
            .unwrap_or(Value::Null),
    );
    let mut update = Statement::new(&format!(
        "UPDATE {} SET \"updated_at\" = ",
        quote_ident(&c.table)
    ));
    update
        .bind(Param::Stored(Stored::Time(Some(now))))
        .push(", \"updated_by\" = ")
        .bind(Param::Stored(Stored::Text(
            caller.user_id.as_deref().map(str::to_string),
        )));
    for (i, v) in &values {
        let name = &c.fields[*i].name;
        record.insert(name.clone(), v.to_json());
        update
            .push(&format!(", {} = ", quote_ident(name)))
            .bind(Param::Stored(v.clone()));
    }
    update
        .push(" WHERE \"account_id\" = ")
        .bind(Param::Text(caller.account_id.to_string()))
        .push(" AND \"id\" = ")
        .bind(Param::Text(id));
    if let Some(version) = version {
        update
            .push(" AND xmin = ")
            .bind(Param::Text(version.to_string()))
            .push("::xid");
    }
    Ok((record, update))
}

/// A record removed or changed by a delete (the records named, and those
/// `on_delete` cascaded to or cleared).
#[derive(Debug)]
pub struct Removed {
    pub collection: String,
    /// `Delete`, or `Update` for a reference set to null.
    pub operation: Operation,
    pub id: String,
    pub before: Map<String, Value>,
    pub after: Option<Map<String, Value>>,
}

/// Deletes records of one account, applying every reference's `on_delete`
/// (restrict: 409; set_null: cleared; cascade: deleted in turn); returns
/// every record removed or changed, children before their parents.
pub async fn delete(
    tx: &mut Tx,
    catalog: &Catalog,
    c: &Compiled,
    account_id: &AccountId,
    ids: &[String],
) -> ApiResult<Vec<Removed>> {
    let mut seen = HashSet::new();
    let mut removed = Vec::new();
    delete_inner(tx, catalog, c, account_id, ids, &mut seen, &mut removed, 0).await?;
    Ok(removed)
}

fn texts(ids: &[String]) -> impl Iterator<Item = Param> + '_ {
    ids.iter().map(|id| Param::Text(id.clone()))
}

/// `<head> WHERE "account_id" = … AND <column> IN (…)` over `ids`.
fn among(head: &str, account_id: &AccountId, column: &str, ids: &[String]) -> Statement {
    let mut s = Statement::new(head);
    s.push(" WHERE \"account_id\" = ")
        .bind(Param::Text(account_id.to_string()))
        .push(&format!(" AND {} IN ", quote_ident(column)))
        .bind_list(texts(ids));
    s
}

fn id_of(record: &Map<String, Value>) -> String {
    record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[allow(clippy::too_many_arguments)]
fn delete_inner<'a>(
    tx: &'a mut Tx,
    catalog: &'a Catalog,
    c: &'a Compiled,
    account_id: &'a AccountId,
    ids: &'a [String],
    seen: &'a mut HashSet<(String, String)>,
    removed: &'a mut Vec<Removed>,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 'a>> {
    Box::pin(async move {
        if depth > 32 {
            return Err(ApiError::conflict(
                "Cascading deletes are nested too deeply",
                None,
            ));
        }
        let ids: Vec<String> = ids
            .iter()
            .filter(|id| seen.insert((c.table.clone(), (*id).clone())))
            .cloned()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        for back in &c.back_refs {
            let Some(other) = catalog.get(&back.collection) else {
                continue;
            };
            let table = quote_ident(&other.table);
            match back.on_delete {
                OnDelete::Restrict => {
                    let head = format!("SELECT COUNT(*) FROM {table}");
                    let mut count = among(&head, account_id, &back.field, &ids);
                    if other.table == c.table {
                        count.push(" AND \"id\" NOT IN ").bind_list(texts(&ids));
                    }
                    let (sql, params) = count.finish();
                    if sql::scalar_i64(tx, &sql, &params).await? > 0 {
                        return Err(ApiError::conflict(
                            format!(
                                "Cannot delete record: it is referenced by records of '{}' ({})",
                                other.name, back.field
                            ),
                            None,
                        ));
                    }
                }
                OnDelete::SetNull => {
                    let cols = &other.sql.columns;
                    let head = format!("SELECT {} FROM {table}", sql::returning_list(cols));
                    let (sql, params) = among(&head, account_id, &back.field, &ids).finish();
                    let befores = sql::fetch_records(tx, &sql, &params, cols).await?;
                    if befores.is_empty() {
                        continue;
                    }
                    let head = format!("UPDATE {table} SET {} = NULL", quote_ident(&back.field));
                    let (sql, params) = among(&head, account_id, &back.field, &ids).finish();
                    sql::execute(tx, &sql, &params).await?;
                    for before in befores {
                        let mut after = before.clone();
                        after.insert(back.field.clone(), Value::Null);
                        removed.push(Removed {
                            collection: other.name.clone(),
                            operation: Operation::Update,
                            id: id_of(&before),
                            before,
                            after: Some(after),
                        });
                    }
                }
                OnDelete::Cascade => {
                    let head = format!("SELECT \"id\" FROM {table}");
                    let (sql, params) = among(&head, account_id, &back.field, &ids).finish();
                    let children: Vec<String> = sql::fetch_records(
                        tx,
                        &sql,
                        &params,
                        &[("id".into(), values::ColumnKind::Text)],
                    )
                    .await?
                    .iter()
                    .map(id_of)
                    .collect();
                    if !children.is_empty() {
                        delete_inner(
                            tx,
                            catalog,
                            other,
                            account_id,
                            &children,
                            seen,
                            removed,
                            depth + 1,
                        )
                        .await?;
                    }
                }
            }
        }
        let cols = &c.sql.columns;
        let head = format!("DELETE FROM {}", quote_ident(&c.table));
        let mut delete = among(&head, account_id, "id", &ids);
        delete.push(&format!(" RETURNING {}", sql::returning_list(cols)));
        let (sql, params) = delete.finish();
        for before in sql::fetch_records(tx, &sql, &params, cols).await? {
            removed.push(Removed {
                collection: c.name.clone(),
                operation: Operation::Delete,
                id: id_of(&before),
                before,
                after: None,
            });
        }
        Ok(())
    })
}
