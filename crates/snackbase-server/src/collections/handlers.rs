//! The superadmin's collection routes (create, list, names, get, delete, history).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::ddl;
use super::schema::{self, Field, FieldInput};
use super::store::{self, Collection, IndexDef};
use crate::app::AppState;
use crate::auth::{AnyAdmin, Superadmin};
use crate::authz::collection_rules::{self, RulesUpdate};
use crate::db::{dialect::quote_ident, Tx};
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::hooks::{Event, HookEvent};
use crate::http::listing::{paging, search_pattern, sort_direction, total_pages};
use crate::http::{ApiJson, ApiPath, ApiQuery};
use crate::on_tx;

/// A collection event on behalf of the superadmin.
pub fn collection_event(event: Event, admin: &crate::auth::AuthUser, name: &str) -> HookEvent {
    let mut e = HookEvent::by(event, Some(&admin.account_id), Some(admin.id()));
    e.collection = Some(name.to_string());
    e
}

/// A collection as the API shows it. `fields` repeats `schema` for the JavaScript SDK.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionResponse {
    pub id: String,
    pub name: String,
    pub table_name: String,
    pub schema: Vec<Field>,
    pub fields: Vec<Field>,
    pub indexes: Vec<IndexDef>,
    pub version: i64,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<Collection> for CollectionResponse {
    fn from(c: Collection) -> Self {
        Self {
            id: c.id,
            name: c.name,
            table_name: c.table,
            schema: c.fields.clone(),
            fields: c.fields,
            indexes: c.indexes,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Collection with ID '{id}' not found"))
}

/// Checks that reference targets exist (or are the collection itself).
pub async fn check_references(tx: &mut Tx, own_name: &str, fields: &[Field]) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if let Some(target) = &f.collection {
            let is_self = target.eq_ignore_ascii_case(own_name);
            if !is_self && store::find_by_name(tx, target).await?.is_none() {
                errors.push(FieldError::new(
                    format!("schema[{i}].collection"),
                    "reference_collection_not_found",
                    format!("Referenced collection '{target}' does not exist"),
                ));
            }
        }
    }
    ApiError::from_field_errors(errors).map_or(Ok(()), Err)
}

/// Runs DDL statements inside the transaction.
pub async fn execute_ddl(tx: &mut Tx, statements: &[String]) -> ApiResult<()> {
    for sql in statements {
        on_tx!(tx, |c| sqlx::query(sql)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollectionRequest {
    pub name: String,
    pub schema: Option<Vec<FieldInput>>,
    /// Alias of `schema`.
    pub fields: Option<Vec<FieldInput>>,
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
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

/// Picks `schema` or its alias `fields`.
pub fn pick_schema(
    schema: Option<Vec<FieldInput>>,
    fields: Option<Vec<FieldInput>>,
) -> ApiResult<Vec<FieldInput>> {
    match (schema, fields) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "schema",
            "schema_ambiguous",
            "Send schema or fields, not both",
        )),
        (Some(s), None) | (None, Some(s)) => Ok(s),
        (None, None) => Err(ApiError::invalid(
            "schema",
            "required",
            "schema is required",
        )),
    }
}

/// Creates a collection and its table, in one transaction.
#[utoipa::path(post, path = "/collections", tag = "collections", request_body = CreateCollectionRequest, security(("bearer" = [])),
    responses((status = 201, body = CollectionResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_collection(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<CreateCollectionRequest>,
) -> ApiResult<(StatusCode, Json<CollectionResponse>)> {
    let rules = RulesUpdate {
        list_rule: req.list_rule,
        view_rule: req.view_rule,
        create_rule: req.create_rule,
        update_rule: req.update_rule,
        delete_rule: req.delete_rule,
        ..RulesUpdate::default()
    };
    let inputs = pick_schema(req.schema, req.fields)?;
    let mut errors = Vec::new();
    if let Err(e) = schema::validate_collection_name(&req.name) {
        errors.push(e);
    }
    if inputs.iter().any(|f| f.renamed_from.is_some()) {
        errors.push(FieldError::new(
            "schema",
            "rename_on_create",
            "renamed_from only applies to schema changes",
        ));
    }
    let fields = schema::validate_schema(&inputs, &mut errors);
    if let Err(message) = ddl::validate_indexes(&fields, &req.indexes) {
        errors.push(FieldError::new("indexes", "index_invalid", message));
    }
    if let Some(err) = ApiError::from_field_errors(errors) {
        return Err(err);
    }
    let now = crate::http::time::now();
    let collection = Collection {
        id: uuid::Uuid::new_v4().to_string(),
        table: store::table_name(&req.name),
        name: req.name,
        fields,
        indexes: req.indexes,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut before = collection_event(Event::CollectionBeforeCreate, &admin, &collection.name);
    before.data = json!({"name": collection.name, "fields": collection.fields, "indexes": collection.indexes});
    let before = state.hooks.before(&state, before).await?;
    let mut tx = state.db.begin().await?;
    if store::find_by_name(&mut tx, &collection.name)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            format!("Collection '{}' already exists", collection.name),
            Some("name"),
        ));
    }
    check_references(&mut tx, &collection.name, &collection.fields).await?;
    store::insert(&mut tx, &collection).await?;
    collection_rules::apply(&mut tx, &collection, &rules).await?;
    let statements = ddl::create_table(tx.backend(), &collection);
    execute_ddl(&mut tx, &statements).await?;
    store::record_migration(
        &mut tx,
        &collection,
        "create",
        &json!({"fields": collection.fields, "indexes": collection.indexes}),
        Some(admin.id()),
    )
    .await?;
    let after = super::trail::shown(&mut tx, &collection).await?;
    let name = &collection.name;
    super::trail::record(&state, &mut tx, &admin, "CREATE", name, None, Some(&after)).await?;
    tx.commit().await?;
    tracing::info!(collection = %collection.name, "collection created");
    let mut after = before;
    after.event = Event::CollectionAfterCreate;
    state.hooks.after(&state, after).await;
    Ok((StatusCode::CREATED, Json(collection.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCollectionsQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    /// `name`, `created_at` (default) or `updated_at`.
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    pub sort_order: Option<String>,
    /// Case-insensitive substring of the name or id.
    pub search: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionListItem {
    pub id: String,
    pub name: String,
    pub table_name: String,
    pub fields_count: usize,
    /// Rows in the collection: in every account for the superadmin, in the
    /// caller's own account for an account admin.
    pub records_count: i64,
    /// Whether the built-in `public` role has any permission on it (on it or
    /// on `*`): anonymous callers may use it in the account they name.
    pub has_public_access: bool,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionList {
    pub items: Vec<CollectionListItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub total_pages: i64,
}

/// Counts the rows of a collection's table: of one account, or of every
/// account (`None`, for the superadmin only).
pub async fn count_rows(tx: &mut Tx, table: &str, account_id: Option<&str>) -> ApiResult<i64> {
    // Two statements rather than `$1 IS NULL OR ...`, so that an account's
    // count can use the indexes that start with `account_id`.
    let table = quote_ident(table);
    Ok(match account_id {
        Some(account_id) => {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE \"account_id\" = $1");
            on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(&sql)
                .bind(account_id)
                .fetch_one(c)
                .await)?
        }
        None => {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(c)
                .await)?
        }
    })
}

/// Lists collections with paging, search and sort. An account admin's
/// `records_count` counts their own account's rows only.
#[utoipa::path(get, path = "/collections", tag = "collections", params(ListCollectionsQuery), security(("bearer" = [])),
    responses((status = 200, body = CollectionList), (status = 403, body = ErrorBody)))]
pub async fn list_collections(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiQuery(q): ApiQuery<ListCollectionsQuery>,
) -> ApiResult<Json<CollectionList>> {
    let (page, page_size, offset) = paging(q.page, q.page_size, 25)?;
    let column = match q.sort_by.as_deref().unwrap_or("created_at") {
        c @ ("name" | "created_at" | "updated_at" | "id") => c,
        _ => {
            return Err(ApiError::invalid(
                "sort_by",
                "invalid_sort",
                "sort_by must be one of: id, name, created_at, updated_at",
            ))
        }
    };
    let direction = sort_direction(q.sort_order.map(|s| s.to_ascii_lowercase()).as_deref())?;
    let pattern = search_pattern(q.search.as_deref());
    let filter = "($1 IS NULL OR LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(id) LIKE $1 ESCAPE '\\')";
    let sql = format!("SELECT id FROM collections WHERE {filter} ORDER BY {column} {direction}, id {direction} LIMIT $2 OFFSET $3");
    let count_sql = format!("SELECT COUNT(*) FROM collections WHERE {filter}");
    let mut tx = state.db.begin_read().await?;
    let (ids, total) = on_tx!(&mut tx, |c| {
        let ids: Vec<String> = sqlx::query_scalar(&sql)
            .bind(&pattern)
            .bind(page_size)
            .bind(offset)
            .fetch_all(&mut *c)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&pattern)
            .fetch_one(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>((ids, total))
    })?;
    let counted = (!admin.is_superadmin()).then_some(admin.account_id.as_str());
    let public = collection_rules::public_access(&mut tx).await?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(c) = store::find_by_id(&mut tx, &id).await? else {
            continue;
        };
        let records_count = count_rows(&mut tx, &c.table, counted).await?;
        let has_public_access = public.covers(&c.name);
        items.push(CollectionListItem {
            id: c.id,
            name: c.name,
            table_name: c.table,
            fields_count: c.fields.len(),
            records_count,
            has_public_access,
            created_at: c.created_at,
        });
    }
    Ok(Json(CollectionList {
        items,
        total,
        page,
        page_size,
        total_pages: total_pages(total, page_size),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionNames {
    pub names: Vec<String>,
    pub total: usize,
}

/// The names of every collection, sorted.
#[utoipa::path(get, path = "/collections/names", tag = "collections", security(("bearer" = [])),
    responses((status = 200, body = CollectionNames)))]
pub async fn collection_names(
    State(state): State<AppState>,
    _admin: AnyAdmin,
) -> ApiResult<Json<CollectionNames>> {
    let mut tx = state.db.begin_read().await?;
    let names: Vec<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT name FROM collections ORDER BY name"
    )
    .fetch_all(c)
    .await)?;
    Ok(Json(CollectionNames {
        total: names.len(),
        names,
    }))
}

/// One collection as `GET /collections/{id}` shows it: the collection, with
/// the counts and the public flag of the SDK's `Collection`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionDetail {
    #[serde(flatten)]
    pub collection: CollectionResponse,
    /// Records: in every account for the superadmin, in the caller's own
    /// account for an account admin (as `records_count` in lists).
    pub record_count: i64,
    pub field_count: usize,
    /// As in lists: the `public` role has a permission on it.
    pub has_public_access: bool,
}

/// One collection with its full schema.
#[utoipa::path(get, path = "/collections/{collection_id}", tag = "collections", params(("collection_id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = CollectionDetail), (status = 404, body = ErrorBody)))]
pub async fn get_collection(
    State(state): State<AppState>,
    AnyAdmin(admin): AnyAdmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CollectionDetail>> {
    let mut tx = state.db.begin_read().await?;
    let c = resolve(&mut tx, &id).await?;
    let counted = (!admin.is_superadmin()).then_some(admin.account_id.as_str());
    let record_count = count_rows(&mut tx, &c.table, counted).await?;
    let has_public_access = collection_rules::public_access(&mut tx)
        .await?
        .covers(&c.name);
    Ok(Json(CollectionDetail {
        record_count,
        field_count: c.fields.len(),
        has_public_access,
        collection: c.into(),
    }))
}

/// Finds a collection by id, or by name as a convenience.
pub async fn resolve(tx: &mut Tx, id_or_name: &str) -> ApiResult<Collection> {
    if let Some(c) = store::find_by_id(tx, id_or_name).await? {
        return Ok(c);
    }
    store::find_by_name(tx, id_or_name)
        .await?
        .ok_or_else(|| not_found(id_or_name))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeleteCollectionResponse {
    pub message: String,
    pub collection_id: String,
    pub collection_name: String,
    pub table_name: String,
    pub records_deleted: i64,
}

/// Drops a collection and its table. Refused while other collections reference it.
#[utoipa::path(delete, path = "/collections/{collection_id}", tag = "collections", params(("collection_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = DeleteCollectionResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_collection(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DeleteCollectionResponse>> {
    let mut tx = state.db.begin().await?;
    let c = resolve(&mut tx, &id).await?;
    let mut before = collection_event(Event::CollectionBeforeDelete, &admin, &c.name);
    before.data = json!({"name": c.name, "fields": c.fields, "indexes": c.indexes});
    let before = state.hooks.before(&state, before).await?;
    let referencing: Vec<String> = store::all(&mut tx)
        .await?
        .into_iter()
        .filter(|other| other.id != c.id)
        .filter(|other| {
            other.fields.iter().any(|f| {
                f.collection
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&c.name))
            })
        })
        .map(|other| other.name)
        .collect();
    if !referencing.is_empty() {
        return Err(ApiError::conflict(
            format!(
                "Collection '{}' is referenced by {}; remove those reference fields first",
                c.name,
                referencing.join(", ")
            ),
            None,
        ));
    }
    let records_deleted = count_rows(&mut tx, &c.table, None).await?;
    let shown = super::trail::shown(&mut tx, &c).await?;
    let mut statements = super::search::drop(tx.backend(), &c);
    statements.push(ddl::drop_table(&c.table));
    execute_ddl(&mut tx, &statements).await?;
    store::delete(&mut tx, &c.id).await?;
    store::record_migration(
        &mut tx,
        &c,
        "delete",
        &json!({"records_deleted": records_deleted}),
        Some(admin.id()),
    )
    .await?;
    super::trail::record(
        &state,
        &mut tx,
        &admin,
        "DELETE",
        &c.name,
        Some(&shown),
        None,
    )
    .await?;
    tx.commit().await?;
    let mut after = before;
    after.event = Event::CollectionAfterDelete;
    state.hooks.after(&state, after).await;
    Ok(Json(DeleteCollectionResponse {
        message: "Collection deleted successfully".into(),
        collection_id: c.id,
        collection_name: c.name,
        table_name: c.table,
        records_deleted,
    }))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct MigrationEntry {
    pub id: String,
    pub version: i64,
    pub operation: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub changes: JsonText,
    #[serde(with = "crate::http::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

/// JSON stored as text, shown as JSON.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct JsonText(pub Value);

impl TryFrom<String> for JsonText {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(JsonText)
    }
}

/// The migration history of one collection, oldest first.
#[utoipa::path(get, path = "/collections/{collection_id}/history", tag = "collections", params(("collection_id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = [MigrationEntry]), (status = 404, body = ErrorBody)))]
pub async fn collection_history(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<MigrationEntry>>> {
    let mut tx = state.db.begin_read().await?;
    let c = resolve(&mut tx, &id).await?;
    let rows = on_tx!(&mut tx, |conn| {
        sqlx::query_as::<_, MigrationEntry>(
        "SELECT id, version, operation, changes, created_at, created_by FROM collection_migrations \
         WHERE collection_id = $1 ORDER BY version, created_at"
    )
    .bind(&c.id)
    .fetch_all(conn)
    .await
    })?;
    Ok(Json(rows))
}
