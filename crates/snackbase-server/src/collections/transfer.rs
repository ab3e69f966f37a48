//! Export and import of collection schemas as JSON documents.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::changes::{apply_change, UpdateCollectionRequest};
use super::ddl;
use super::handlers::{check_references, execute_ddl, CollectionResponse};
use super::schema::{self, Field, FieldInput};
use super::store::{self, Collection, IndexDef};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, ApiQuery};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportedCollection {
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub schema: Vec<serde_json::Value>,
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportDocument {
    pub format_version: u32,
    #[serde(default)]
    pub exported_at: Option<String>,
    pub collections: Vec<ExportedCollection>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Comma-separated collection ids or names; all when absent.
    pub collection_ids: Option<String>,
}

fn exported(c: &Collection) -> ExportedCollection {
    let schema = c
        .fields
        .iter()
        .map(|f: &Field| serde_json::to_value(f).unwrap_or_default())
        .collect();
    ExportedCollection {
        name: c.name.clone(),
        schema,
        indexes: c.indexes.clone(),
    }
}

/// Exports collection schemas, ordered so that referenced collections come first.
pub async fn export(db: &crate::db::Db, selection: Option<&str>) -> ApiResult<ExportDocument> {
    let mut tx = db.begin_read().await?;
    let mut all = store::all(&mut tx).await?;
    if let Some(sel) = selection {
        let wanted: Vec<String> = sel
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        for w in &wanted {
            if !all
                .iter()
                .any(|c| c.id.to_ascii_lowercase() == *w || c.name.to_ascii_lowercase() == *w)
            {
                return Err(ApiError::not_found(format!("Collection '{w}' not found")));
            }
        }
        all.retain(|c| {
            wanted.contains(&c.id.to_ascii_lowercase())
                || wanted.contains(&c.name.to_ascii_lowercase())
        });
    }
    // Dependency order: a collection after the ones it references.
    let mut ordered: Vec<Collection> = Vec::new();
    while !all.is_empty() {
        let ready = all.iter().position(|c| {
            c.fields
                .iter()
                .filter_map(|f| f.collection.as_deref())
                .all(|t| {
                    t.eq_ignore_ascii_case(&c.name)
                        || !all.iter().any(|o| o.name.eq_ignore_ascii_case(t))
                })
        });
        ordered.push(all.remove(ready.unwrap_or(0)));
    }
    Ok(ExportDocument {
        format_version: FORMAT_VERSION,
        exported_at: Some(crate::http::time::rfc3339::format(&crate::http::time::now())),
        collections: ordered.iter().map(exported).collect(),
    })
}

/// Exports collection schemas as one JSON document.
#[utoipa::path(get, path = "/collections/export", tag = "collections", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, body = ExportDocument), (status = 404, body = ErrorBody)))]
pub async fn export_collections(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Json<ExportDocument>> {
    Ok(Json(export(&state.db, q.collection_ids.as_deref()).await?))
}

/// What to do with a collection that already exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Leave it as it is.
    #[default]
    Skip,
    /// Fail the whole import.
    Error,
    /// Change its schema to the imported one (refused where data would be lost).
    Update,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub data: ExportDocument,
    #[serde(default)]
    pub strategy: Strategy,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    pub name: String,
    /// `created`, `updated`, `unchanged` or `skipped`.
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    pub imported: Vec<ImportItem>,
    pub collections: Vec<CollectionResponse>,
}

/// Imports a document, all or nothing, in one transaction.
pub async fn import(
    db: &crate::db::Db,
    req: ImportRequest,
    user_id: Option<&str>,
) -> ApiResult<ImportResponse> {
    if req.data.format_version != FORMAT_VERSION {
        return Err(ApiError::invalid(
            "data.format_version",
            "unsupported_version",
            format!("Only format_version {FORMAT_VERSION} is supported"),
        ));
    }
    let mut tx = db.begin().await?;
    let mut imported = Vec::new();
    let mut collections = Vec::new();
    for (i, item) in req.data.collections.into_iter().enumerate() {
        let inputs: Vec<FieldInput> = item
            .schema
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ApiError::invalid(
                    &format!("data.collections[{i}].schema"),
                    "invalid_schema",
                    e.to_string(),
                )
            })?;
        let prefix = |e: FieldError| {
            FieldError::new(
                format!("data.collections[{i}].{}", e.field),
                e.code,
                e.message,
            )
        };
        match store::find_by_name(&mut tx, &item.name).await? {
            Some(existing) => match req.strategy {
                Strategy::Skip => imported.push(ImportItem {
                    name: existing.name.clone(),
                    status: "skipped",
                }),
                Strategy::Error => {
                    return Err(ApiError::conflict(
                        format!("Collection '{}' already exists", item.name),
                        Some("name"),
                    ))
                }
                Strategy::Update => {
                    let update = UpdateCollectionRequest {
                        schema: Some(inputs),
                        fields: None,
                        indexes: Some(item.indexes),
                        ..UpdateCollectionRequest::default()
                    };
                    let (next, (changes, _)) =
                        apply_change(&mut tx, existing, update, user_id.unwrap_or("import"))
                            .await?;
                    let status = if changes.is_empty() {
                        "unchanged"
                    } else {
                        "updated"
                    };
                    imported.push(ImportItem {
                        name: next.name.clone(),
                        status,
                    });
                    collections.push(next.into());
                }
            },
            None => {
                let mut errors = Vec::new();
                if let Err(e) = schema::validate_collection_name(&item.name) {
                    errors.push(prefix(e));
                }
                let fields = schema::validate_schema(&inputs, &mut errors);
                let errors: Vec<FieldError> = errors
                    .into_iter()
                    .map(|e| {
                        if e.field.starts_with("data.") {
                            e
                        } else {
                            prefix(e)
                        }
                    })
                    .collect();
                if let Some(err) = ApiError::from_field_errors(errors) {
                    return Err(err);
                }
                if let Err(message) = ddl::validate_indexes(&fields, &item.indexes) {
                    return Err(ApiError::invalid(
                        &format!("data.collections[{i}].indexes"),
                        "index_invalid",
                        message,
                    ));
                }
                check_references(&mut tx, &item.name, &fields).await?;
                let now = crate::http::time::now();
                let c = Collection {
                    id: uuid::Uuid::new_v4().to_string(),
                    table: store::table_name(&item.name),
                    name: item.name,
                    fields,
                    indexes: item.indexes,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert(&mut tx, &c).await?;
                let statements = ddl::create_table(tx.backend(), &c);
                execute_ddl(&mut tx, &statements).await?;
                store::record_migration(
                    &mut tx,
                    &c,
                    "import",
                    &json!({"fields": c.fields, "indexes": c.indexes}),
                    user_id,
                )
                .await?;
                imported.push(ImportItem {
                    name: c.name.clone(),
                    status: "created",
                });
                collections.push(c.into());
            }
        }
    }
    tx.commit().await?;
    Ok(ImportResponse {
        imported,
        collections,
    })
}

/// Imports collection schemas exported by `/collections/export`.
#[utoipa::path(post, path = "/collections/import", tag = "collections", request_body = ImportRequest, security(("bearer" = [])),
    responses((status = 200, body = ImportResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_collections(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<ImportRequest>,
) -> ApiResult<Json<ImportResponse>> {
    Ok(Json(import(&state.db, req, Some(admin.id())).await?))
}
