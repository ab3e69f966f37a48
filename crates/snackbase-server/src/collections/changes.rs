//! Schema changes (`PUT`/`PATCH /collections/{id}`): add, rename and remove
//! fields, change types and options, add and remove indexes, all applied in one
//! transaction and recorded in the migration history. Data is never lost
//! silently: removing a field, or changing its type, while it holds values
//! needs `confirm_data_loss: true`.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::ddl;
use super::handlers::{check_references, execute_ddl, pick_schema, resolve, CollectionResponse};
use super::schema::{self, Field, FieldInput};
use super::store::{self, Collection, IndexDef};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::authz::collection_rules::{self, RulesUpdate};
use crate::db::dialect::quote_ident;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::hooks::Event;
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

/// What a schema change asks for, as collection hooks see it.
fn req_summary(req: &UpdateCollectionRequest) -> Value {
    let fields: Vec<Value> = req
        .schema
        .as_ref()
        .or(req.fields.as_ref())
        .map(|f| {
            f.iter()
                .map(|i| json!({"name": i.name, "type": i.kind, "renamed_from": i.renamed_from}))
                .collect()
        })
        .unwrap_or_default();
    json!({"fields": fields, "confirm_data_loss": req.confirm_data_loss})
}
use super::values::column_kind;
use crate::db::values::{Param, Stored};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollectionRequest {
    /// The full new schema. A field with `renamed_from` renames an existing one.
    pub schema: Option<Vec<FieldInput>>,
    /// Alias of `schema`.
    pub fields: Option<Vec<FieldInput>>,
    /// The full new list of chosen indexes (unchanged when absent).
    pub indexes: Option<Vec<IndexDef>>,
    /// Allows removing fields, or changing their type, while they hold data.
    #[serde(default)]
    pub confirm_data_loss: bool,
    /// Only report what would happen; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The SDK's collection rules (`null` locked, `""` public, else a rule;
    /// see `/collections/{name}/rules`).
    #[serde(default, deserialize_with = "crate::authz::collection_rules::present")]
    #[schema(value_type = Option<String>)]
    pub list_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::authz::collection_rules::present")]
    #[schema(value_type = Option<String>)]
    pub view_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::authz::collection_rules::present")]
    #[schema(value_type = Option<String>)]
    pub create_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::authz::collection_rules::present")]
    #[schema(value_type = Option<String>)]
    pub update_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::authz::collection_rules::present")]
    #[schema(value_type = Option<String>)]
    pub delete_rule: Option<Option<String>>,
}

/// One step of a schema change, as recorded in the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    AddField {
        field: String,
    },
    RenameField {
        from: String,
        to: String,
    },
    RemoveField {
        field: String,
        values_lost: i64,
    },
    #[serde(rename = "change_type")]
    Retype {
        field: String,
        from: String,
        to: String,
        values_lost: i64,
    },
    #[serde(rename = "change_options")]
    Reconfigure {
        field: String,
    },
    BackfillDefault {
        field: String,
        rows: i64,
    },
    AddIndex {
        fields: Vec<String>,
        unique: bool,
    },
    RemoveIndex {
        fields: Vec<String>,
        unique: bool,
    },
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateCollectionResponse {
    #[serde(flatten)]
    pub collection: CollectionResponse,
    pub changes: Vec<Change>,
    pub dry_run: bool,
}

async fn non_null_count(tx: &mut Tx, table: &str, column: &str) -> ApiResult<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE {} IS NOT NULL",
        quote_ident(table),
        quote_ident(column)
    );
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(c)
        .await)?)
}

/// Changes a collection's schema.
#[utoipa::path(put, path = "/collections/{collection_id}", tag = "collections", request_body = UpdateCollectionRequest,
    params(("collection_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UpdateCollectionResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn update_collection(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut req): ApiJson<UpdateCollectionRequest>,
) -> ApiResult<Json<UpdateCollectionResponse>> {
    let rules = RulesUpdate {
        list_rule: req.list_rule.take(),
        view_rule: req.view_rule.take(),
        create_rule: req.create_rule.take(),
        update_rule: req.update_rule.take(),
        delete_rule: req.delete_rule.take(),
        ..RulesUpdate::default()
    };
    let mut tx = state.db.begin().await?;
    let current = resolve(&mut tx, &id).await?;
    let shown_before = super::trail::shown(&mut tx, &current).await?;
    if req.schema.is_none() && req.fields.is_none() && !rules.is_empty() {
        // Only rules (the SDK's `collections.update(id, {list_rule})`).
        collection_rules::apply(&mut tx, &current, &rules).await?;
        if !req.dry_run {
            let after = super::trail::shown(&mut tx, &current).await?;
            let (name, old, new) = (&current.name, Some(&shown_before), Some(&after));
            super::trail::record(&state, &mut tx, &admin, "UPDATE", name, old, new).await?;
            tx.commit().await?;
        }
        return Ok(Json(UpdateCollectionResponse {
            collection: current.into(),
            changes: Vec::new(),
            dry_run: req.dry_run,
        }));
    }
    let dry = req.dry_run;
    let mut before =
        super::handlers::collection_event(Event::CollectionBeforeUpdate, &admin, &current.name);
    before.data = req_summary(&req);
    let before = if dry {
        before
    } else {
        state.hooks.before(&state, before).await?
    };
    let (next, changes) = apply_change(&mut tx, current, req, admin.id()).await?;
    let dry_run = changes.1;
    collection_rules::apply(&mut tx, &next, &rules).await?;
    if !dry_run {
        let after = super::trail::shown(&mut tx, &next).await?;
        let (name, old, new) = (&next.name, Some(&shown_before), Some(&after));
        super::trail::record(&state, &mut tx, &admin, "UPDATE", name, old, new).await?;
        tx.commit().await?;
        let mut after = before;
        after.event = Event::CollectionAfterUpdate;
        after.data = json!({"name": next.name, "fields": next.fields, "indexes": next.indexes, "changes": changes.0});
        state.hooks.after(&state, after).await;
    }
    Ok(Json(UpdateCollectionResponse {
        collection: next.into(),
        changes: changes.0,
        dry_run,
    }))
}

/// Same as `PUT` (the JavaScript SDK sends `PATCH`).
#[utoipa::path(patch, path = "/collections/{collection_id}", tag = "collections", request_body = UpdateCollectionRequest,
    params(("collection_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UpdateCollectionResponse), (status = 404, body = ErrorBody)))]
pub async fn patch_collection(
    state: State<AppState>,
    admin: Superadmin,
    path: ApiPath<String>,
    body: ApiJson<UpdateCollectionRequest>,
) -> ApiResult<Json<UpdateCollectionResponse>> {
    update_collection(state, admin, path, body).await
}

/// Plans and (unless a dry run) applies a change inside `tx`. Returns the new
/// collection and `(changes, dry_run)`.
pub async fn apply_change(
    tx: &mut Tx,
    current: Collection,
    req: UpdateCollectionRequest,
    user_id: &str,
) -> ApiResult<(Collection, (Vec<Change>, bool))> {
    let inputs = pick_schema(req.schema, req.fields)?;
    let mut errors = Vec::new();
    // Validate the new fields as plain fields first.
    let new_fields = schema::validate_schema(&inputs, &mut errors);
    let indexes = req
        .indexes
        .clone()
        .unwrap_or_else(|| current.indexes.clone());
    if errors.is_empty() {
        if let Err(message) = ddl::validate_indexes(&new_fields, &indexes) {
            errors.push(FieldError::new("indexes", "index_invalid", message));
        }
    }
    if let Some(err) = ApiError::from_field_errors(errors) {
        return Err(err);
    }
    check_references(tx, &current.name, &new_fields).await?;

    // Match new fields to old ones: by `renamed_from`, else by name.
    let old: HashMap<&str, &Field> = current
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    let mut matched: HashSet<&str> = HashSet::new();
    let mut pairs: Vec<(Option<&Field>, &Field)> = Vec::new();
    let mut errors = Vec::new();
    for (i, (input, field)) in inputs.iter().zip(&new_fields).enumerate() {
        let source = input.renamed_from.as_deref().unwrap_or(&field.name);
        match old.get(source) {
            Some(prev) => {
                if !matched.insert(prev.name.as_str()) {
                    errors.push(FieldError::new(
                        format!("schema[{i}].renamed_from"),
                        "rename_conflict",
                        format!("Field '{source}' is used twice"),
                    ));
                }
                pairs.push((Some(prev), field));
            }
            None if input.renamed_from.is_some() => errors.push(FieldError::new(
                format!("schema[{i}].renamed_from"),
                "rename_unknown_field",
                format!("There is no field '{source}' to rename"),
            )),
            None => pairs.push((None, field)),
        }
    }
    if let Some(err) = ApiError::from_field_errors(errors) {
        return Err(err);
    }

    let table = current.table.clone();
    let backend = tx.backend();
    let mut changes = Vec::new();
    let mut loss = Vec::new();
    let mut statements_rename = Vec::new();
    let mut statements_drop = Vec::new();
    let mut statements_add = Vec::new();
    let mut backfills: Vec<(String, Value)> = Vec::new();

    for prev in current
        .fields
        .iter()
        .filter(|f| !matched.contains(f.name.as_str()))
    {
        let values_lost = non_null_count(tx, &table, &prev.name).await?;
        if values_lost > 0 {
            loss.push(format!(
                "removing '{}' deletes {values_lost} values",
                prev.name
            ));
        }
        changes.push(Change::RemoveField {
            field: prev.name.clone(),
            values_lost,
        });
        statements_drop.push(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            quote_ident(&table),
            quote_ident(&prev.name)
        ));
    }
    for (prev, field) in &pairs {
        let Some(prev) = prev else {
            changes.push(Change::AddField {
                field: field.name.clone(),
            });
            if field.required {
                backfills.push((
                    field.name.clone(),
                    field.default.clone().unwrap_or(Value::Null),
                ));
            }
            statements_add.push(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                quote_ident(&table),
                ddl::column_sql(backend, field)
            ));
            continue;
        };
        let mut column = prev.name.clone();
        if prev.name != field.name {
            changes.push(Change::RenameField {
                from: prev.name.clone(),
                to: field.name.clone(),
            });
            statements_rename.push(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quote_ident(&table),
                quote_ident(&prev.name),
                quote_ident(&field.name)
            ));
            column = field.name.clone();
        }
        if column_kind(prev) != column_kind(field) {
            let values_lost = non_null_count(tx, &table, &prev.name).await?;
            if values_lost > 0 {
                loss.push(format!(
                    "changing the type of '{}' deletes {values_lost} values",
                    field.name
                ));
            }
            changes.push(Change::Retype {
                field: field.name.clone(),
                from: prev.kind.name().into(),
                to: field.kind.name().into(),
                values_lost,
            });
            statements_add.push(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote_ident(&table),
                quote_ident(&column)
            ));
            statements_add.push(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                quote_ident(&table),
                ddl::column_sql(backend, field)
            ));
        } else if prev.kind != field.kind {
            changes.push(Change::Retype {
                field: field.name.clone(),
                from: prev.kind.name().into(),
                to: field.kind.name().into(),
                values_lost: 0,
            });
        } else if **prev
            != (Field {
                name: prev.name.clone(),
                ..(*field).clone()
            })
        {
            changes.push(Change::Reconfigure {
                field: field.name.clone(),
            });
        }
        if field.required && !prev.required {
            backfills.push((
                field.name.clone(),
                field.default.clone().unwrap_or(Value::Null),
            ));
        }
    }
    if !loss.is_empty() && !req.confirm_data_loss && !req.dry_run {
        return Err(ApiError::Validation {
            message: format!(
                "This change loses data ({}); send confirm_data_loss: true to proceed",
                loss.join("; ")
            ),
            details: loss
                .into_iter()
                .map(|m| FieldError::new("schema", "data_loss_requires_confirmation", m))
                .collect(),
        });
    }

    let next = Collection {
        fields: new_fields.clone(),
        indexes,
        version: current.version + 1,
        updated_at: crate::http::time::now(),
        ..current.clone()
    };
    let old_indexes: HashMap<String, String> = ddl::indexes(&current)
        .into_iter()
        .map(|i| (i.name, i.sql))
        .collect();
    let new_indexes: HashMap<String, String> = ddl::indexes(&next)
        .into_iter()
        .map(|i| (i.name, i.sql))
        .collect();
    for idx in &current.indexes {
        if !next.indexes.contains(idx) {
            changes.push(Change::RemoveIndex {
                fields: idx.fields.clone(),
                unique: idx.unique,
            });
        }
    }
    for idx in &next.indexes {
        if !current.indexes.contains(idx) {
            changes.push(Change::AddIndex {
                fields: idx.fields.clone(),
                unique: idx.unique,
            });
        }
    }
    // A field that becomes required needs a value in every record: a default
    // fills them, otherwise existing records must already have one.
    for (name, default) in &backfills {
        if !default.is_null() {
            continue;
        }
        let existing = current.field(name).is_some()
            || pairs.iter().any(|(p, f)| p.is_some() && &f.name == name);
        let sql = if existing {
            let old_name = pairs
                .iter()
                .find(|(_, f)| &f.name == name)
                .and_then(|(p, _)| p.map(|p| p.name.clone()))
                .unwrap_or(name.clone());
            format!(
                "SELECT COUNT(*) FROM {} WHERE {} IS NULL",
                quote_ident(&table),
                quote_ident(&old_name)
            )
        } else {
            format!("SELECT COUNT(*) FROM {}", quote_ident(&table))
        };
        let missing = on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(c)
            .await)?;
        if missing > 0 {
            return Err(ApiError::invalid(
                "schema",
                "required_has_nulls",
                format!("'{name}' would have {missing} records without a value; give it a default to fill them, or fill them first"),
            ));
        }
    }
    if req.dry_run {
        return Ok((next, (changes, true)));
    }

    // Indexes first (a dropped or renamed column cannot be indexed), then
    // columns; the search index goes before them and comes back after.
    let (search_before, search_after) = super::search::change(backend, &current, &next);
    let mut statements = search_before;
    statements.extend(
        old_indexes
            .keys()
            .filter(|name| !new_indexes.contains_key(*name))
            .map(|name| ddl::drop_index(name)),
    );
    statements.extend(statements_rename);
    statements.extend(statements_drop);
    statements.extend(statements_add);
    statements.extend(search_after);
    execute_ddl(tx, &statements).await?;
    // Stored files follow a renamed field (the sweeper would take the old
    // name's files for orphans).
    for change in &changes {
        if let Change::RenameField { from, to } = change {
            tx.before_write().await?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE files SET field = $1 WHERE collection = $2 AND field = $3"
            )
            .bind(to)
            .bind(&next.name)
            .bind(from)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }

    for (name, default) in backfills {
        let nulls = {
            let sql = format!(
                "SELECT COUNT(*) FROM {} WHERE {} IS NULL",
                quote_ident(&table),
                quote_ident(&name)
            );
            on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(c)
                .await)?
        };
        if nulls == 0 {
            continue;
        }
        let Some(field) = next.field(&name).cloned().filter(|_| !default.is_null()) else {
            return Err(ApiError::invalid(
                "schema",
                "required_has_nulls",
                format!("'{name}' has {nulls} records without a value; give it a default to fill them, or fill them first"),
            ));
        };
        let stored = super::values::convert(&field, &default)
            .map_err(|(code, message)| ApiError::invalid(&name, code, message))?;
        fill_nulls(tx, &table, &field, &stored).await?;
        changes.push(Change::BackfillDefault {
            field: name,
            rows: nulls,
        });
    }

    let mut create_indexes = Vec::new();
    for (name, sql) in &new_indexes {
        if !old_indexes.contains_key(name) {
            create_indexes.push(sql.clone());
        }
    }
    for sql in create_indexes {
        on_tx!(tx, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected())).map_err(|e| {
            match crate::db::violated_constraint(&e) {
                Some(v) if v.kind == crate::db::ConstraintKind::Unique => ApiError::conflict(
                    "Existing records have duplicate values within an account; they must be unique before the field can be",
                    None,
                ),
                _ => ApiError::from(e),
            }
        })?;
    }
    store::update(tx, &next).await?;
    store::record_migration(tx, &next, "update", &json!(changes), Some(user_id)).await?;
    Ok((next, (changes, false)))
}

/// Sets every NULL of a column to a value (filling a field made required).
async fn fill_nulls(tx: &mut Tx, table: &str, field: &Field, value: &Stored) -> ApiResult<()> {
    let sql = format!(
        "UPDATE {} SET {} = $1 WHERE {} IS NULL",
        quote_ident(table),
        quote_ident(&field.name),
        quote_ident(&field.name)
    );
    crate::db::values::execute(tx, &sql, &[Param::Stored(value.clone())]).await?;
    Ok(())
}
