//! Export and import of collection schemas as JSON documents.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::changes::{apply_change, UpdateCollectionRequest};
use super::ddl;
use super::handlers::{check_references, execute_ddl};
use super::schema::{self, Field, FieldInput};
use super::store::{self, Collection, IndexDef};
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::authz::collection_rules::{self, CollectionRules, RulesUpdate};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, ApiQuery};

/// Our format's version (`format_version`).
pub const FORMAT_VERSION: u32 = 1;
/// The `version` written for the JavaScript SDK's type (a string there).
pub const SDK_VERSION: &str = "1.0";

/// One collection of an export: its schema and indexes (ours) and its rules
/// (the SDK's `rules`, as `GET /collections/{name}/rules` shows them).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCollection {
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub schema: Vec<Value>,
    pub indexes: Vec<IndexDef>,
    pub rules: CollectionRules,
}

/// An export: our keys (`format_version`, `exported_at`, per collection
/// `indexes`) and the SDK's (`version`, `exported_by`, per collection `rules`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    pub format_version: u32,
    pub version: String,
    pub exported_at: String,
    /// The superadmin's email (`cli` from the command line).
    pub exported_by: String,
    pub collections: Vec<ExportedCollection>,
}

/// A document to import: ours (`format_version: 1`) or the SDK's (`version`,
/// any value, and no `format_version`). See docs/collections.md.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportDocument {
    pub format_version: Option<u32>,
    /// The SDK's format version (read only to recognise its documents).
    #[schema(value_type = Option<String>)]
    pub version: Option<Value>,
    #[serde(default)]
    pub exported_at: Option<String>,
    #[serde(default)]
    pub exported_by: Option<String>,
    pub collections: Vec<ImportedCollection>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedCollection {
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub schema: Vec<Value>,
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
    /// The collection's rules, as `PUT /collections/{name}/rules` takes them
    /// (`*_fields` may also be comma-separated text). Absent: permissions are
    /// left as they are.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub rules: Option<Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Comma-separated collection ids or names; all when absent.
    pub collection_ids: Option<String>,
}

async fn exported(tx: &mut Tx, c: &Collection) -> ApiResult<ExportedCollection> {
    let schema = c
        .fields
        .iter()
        .map(|f: &Field| serde_json::to_value(f).unwrap_or_default())
        .collect();
    Ok(ExportedCollection {
        name: c.name.clone(),
        schema,
        indexes: c.indexes.clone(),
        rules: collection_rules::rules_of(tx, c).await?,
    })
}

/// Exports collection schemas and rules, ordered so that referenced
/// collections come first.
pub async fn export(
    db: &crate::db::Db,
    selection: Option<&str>,
    exported_by: &str,
) -> ApiResult<ExportDocument> {
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
    let mut collections = Vec::with_capacity(ordered.len());
    for c in &ordered {
        collections.push(exported(&mut tx, c).await?);
    }
    Ok(ExportDocument {
        format_version: FORMAT_VERSION,
        version: SDK_VERSION.to_string(),
        exported_at: crate::http::time::rfc3339::format(&crate::http::time::now()),
        exported_by: exported_by.to_string(),
        collections,
    })
}

/// Exports collection schemas as one JSON document.
#[utoipa::path(get, path = "/collections/export", tag = "collections", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, body = ExportDocument), (status = 404, body = ErrorBody)))]
pub async fn export_collections(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Json<ExportDocument>> {
    let by = admin.email.as_deref().unwrap_or(admin.id());
    Ok(Json(
        export(&state.db, q.collection_ids.as_deref(), by).await?,
    ))
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
    pub data: ImportDocument,
    #[serde(default)]
    pub strategy: Strategy,
}

/// What happened to one collection, in our words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Skipped,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::Skipped => "skipped",
        })
    }
}

impl Outcome {
    /// The SDK's word: an unchanged collection counts as skipped.
    fn sdk_status(self) -> &'static str {
        match self {
            Self::Created => "imported",
            Self::Updated => "updated",
            Self::Unchanged | Self::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItem {
    pub name: String,
    pub status: Outcome,
}

/// One collection in the SDK's terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedItem {
    pub name: String,
    /// `imported`, `updated` or `skipped` (`error` never: an import that
    /// fails is refused as a whole, with a 4xx).
    pub status: &'static str,
    pub message: String,
}

/// The outcome of an import: the SDK's counts and items, and ours
/// (`imported`). An import is all or nothing, so `success` is always true
/// and `failed_count` 0 in a 200.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    pub success: bool,
    pub imported_count: usize,
    pub skipped_count: usize,
    pub updated_count: usize,
    pub failed_count: usize,
    pub collections: Vec<ImportedItem>,
    /// The schema migrations recorded (ids, as `/migrations` lists them).
    pub migrations_created: Vec<String>,
    pub imported: Vec<ImportItem>,
}

impl ImportResponse {
    fn new(done: Vec<(ImportItem, String)>, migrations_created: Vec<String>) -> Self {
        let count = |wanted: &str| {
            done.iter()
                .filter(|(i, _)| i.status.sdk_status() == wanted)
                .count()
        };
        Self {
            success: true,
            imported_count: count("imported"),
            skipped_count: count("skipped"),
            updated_count: count("updated"),
            failed_count: 0,
            collections: done
                .iter()
                .map(|(i, message)| ImportedItem {
                    name: i.name.clone(),
                    status: i.status.sdk_status(),
                    message: message.clone(),
                })
                .collect(),
            migrations_created,
            imported: done.into_iter().map(|(i, _)| i).collect(),
        }
    }
}

/// Prefixes the fields of a validation error (`data.collections[2].…`).
fn prefixed(prefix: &str, err: ApiError) -> ApiError {
    match err {
        ApiError::Validation { message, details } => ApiError::Validation {
            message,
            details: details
                .into_iter()
                .map(|e| FieldError::new(format!("{prefix}.{}", e.field), e.code, e.message))
                .collect(),
        },
        other => other,
    }
}

/// A document's rules as a `RulesUpdate`: `*_fields` given as text other
/// than `"*"` are comma-separated names.
fn rules_update(i: usize, raw: Value) -> ApiResult<RulesUpdate> {
    let invalid = |message: String| {
        ApiError::invalid(
            &format!("data.collections[{i}].rules"),
            "invalid_rules",
            message,
        )
    };
    let Value::Object(mut map) = raw else {
        return Err(invalid("rules is an object".to_string()));
    };
    for key in [
        "list_fields",
        "view_fields",
        "create_fields",
        "update_fields",
    ] {
        if let Some(Value::String(text)) = map.get(key) {
            if text.trim() != "*" {
                let names: Vec<Value> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| Value::String(n.to_string()))
                    .collect();
                if names.is_empty() {
                    return Err(invalid(format!(
                        "{key} is \"*\" or field names, not {text:?}"
                    )));
                }
                map.insert(key.to_string(), Value::Array(names));
            }
        }
    }
    serde_json::from_value(Value::Object(map)).map_err(|e| invalid(e.to_string()))
}

/// The field definitions of a document item. Keys of the SDK's field type
/// that we have no feature for are dropped while they say "not used"
/// (`expression`/`return_type` null, `encrypted` false); otherwise they are
/// refused as unknown fields.
fn field_inputs(i: usize, schema: Vec<Value>) -> ApiResult<Vec<FieldInput>> {
    schema
        .into_iter()
        .map(|mut f| {
            if let Value::Object(map) = &mut f {
                for key in ["expression", "return_type"] {
                    if map.get(key).is_some_and(Value::is_null) {
                        map.remove(key);
                    }
                }
                if map.get("encrypted") == Some(&Value::Bool(false)) {
                    map.remove("encrypted");
                }
            }
            serde_json::from_value(f)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| {
            ApiError::invalid(
                &format!("data.collections[{i}].schema"),
                "invalid_schema",
                e.to_string(),
            )
        })
}

/// Checks the document's format: ours (`format_version` 1) or the SDK's
/// (`version` without `format_version`).
fn check_format(doc: &ImportDocument) -> ApiResult<()> {
    match (doc.format_version, &doc.version) {
        (Some(FORMAT_VERSION), _) | (None, Some(_)) => Ok(()),
        (Some(_), _) => Err(ApiError::invalid(
            "data.format_version",
            "unsupported_version",
            format!("Only format_version {FORMAT_VERSION} is supported"),
        )),
        (None, None) => Err(ApiError::invalid(
            "data.format_version",
            "missing_version",
            "An export names its format: format_version (ours) or version (the SDK's)",
        )),
    }
}

/// Imports a document, all or nothing, in one transaction.
/// Imports `req` in one transaction. Each collection created or updated is
/// recorded in the audit trail (the system chain) by `caller` (`None`: the
/// command line).
pub async fn import(
    db: &crate::db::Db,
    auditor: &crate::audit::Auditor,
    req: ImportRequest,
    caller: Option<&crate::auth::Principal>,
) -> ApiResult<ImportResponse> {
    let user_id = caller.and_then(|c| c.user_id.as_deref());
    check_format(&req.data)?;
    let mut tx = db.begin().await?;
    let mut done = Vec::new();
    let mut migrations = Vec::new();
    for (i, item) in req.data.collections.into_iter().enumerate() {
        let inputs = field_inputs(i, item.schema)?;
        let rules = item.rules.map(|r| rules_update(i, r)).transpose()?;
        let at = format!("data.collections[{i}]");
        let prefix = |e: FieldError| {
            FieldError::new(
                format!("data.collections[{i}].{}", e.field),
                e.code,
                e.message,
            )
        };
        match store::find_by_name(&mut tx, &item.name).await? {
            Some(existing) => match req.strategy {
                Strategy::Skip => done.push((
                    ImportItem {
                        name: existing.name.clone(),
                        status: Outcome::Skipped,
                    },
                    "Exists; left as it is (strategy skip)".to_string(),
                )),
                Strategy::Error => {
                    return Err(ApiError::conflict(
                        format!("Collection '{}' already exists", item.name),
                        Some("name"),
                    ))
                }
                Strategy::Update => {
                    let before = super::trail::shown(&mut tx, &existing).await?;
                    let update = UpdateCollectionRequest {
                        schema: Some(inputs),
                        fields: None,
                        indexes: Some(item.indexes),
                        ..UpdateCollectionRequest::default()
                    };
                    let (next, (changes, _)) =
                        apply_change(&mut tx, existing, update, user_id.unwrap_or("import"))
                            .await
                            .map_err(|e| prefixed(&at, e))?;
                    if let Some(id) = store::last_migration(&mut tx, &next.id).await? {
                        migrations.push(id);
                    }
                    let rules_changed = match &rules {
                        Some(rules) => {
                            let before = collection_rules::rules_of(&mut tx, &next).await?;
                            collection_rules::apply(&mut tx, &next, rules)
                                .await
                                .map_err(|e| prefixed(&format!("{at}.rules"), e))?;
                            before != collection_rules::rules_of(&mut tx, &next).await?
                        }
                        None => false,
                    };
                    let after = super::trail::shown(&mut tx, &next).await?;
                    if before != after {
                        audit(
                            auditor,
                            &mut tx,
                            caller,
                            "UPDATE",
                            &next.name,
                            Some(&before),
                            &after,
                        )
                        .await?;
                    }
                    let (status, message) = match (changes.len(), rules_changed) {
                        (0, false) => (Outcome::Unchanged, "Already as imported".to_string()),
                        (0, true) => (Outcome::Updated, "Rules changed".to_string()),
                        (n, rules) => (
                            Outcome::Updated,
                            format!(
                                "{n} schema change{}{}",
                                if n == 1 { "" } else { "s" },
                                if rules { "; rules changed" } else { "" }
                            ),
                        ),
                    };
                    done.push((
                        ImportItem {
                            name: next.name.clone(),
                            status,
                        },
                        message,
                    ));
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
                if let Some(rules) = &rules {
                    collection_rules::apply(&mut tx, &c, rules)
                        .await
                        .map_err(|e| prefixed(&format!("{at}.rules"), e))?;
                }
                let statements = ddl::create_table(tx.backend(), &c);
                execute_ddl(&mut tx, &statements).await?;
                migrations.push(
                    store::record_migration(
                        &mut tx,
                        &c,
                        "import",
                        &json!({"fields": c.fields, "indexes": c.indexes}),
                        user_id,
                    )
                    .await?,
                );
                let after = super::trail::shown(&mut tx, &c).await?;
                audit(auditor, &mut tx, caller, "CREATE", &c.name, None, &after).await?;
                let n = c.fields.len();
                done.push((
                    ImportItem {
                        name: c.name.clone(),
                        status: Outcome::Created,
                    },
                    format!("Created with {n} field{}", if n == 1 { "" } else { "s" }),
                ));
            }
        }
    }
    tx.commit().await?;
    Ok(ImportResponse::new(done, migrations))
}

/// Records an imported collection's change (`via: import`).
async fn audit(
    auditor: &crate::audit::Auditor,
    tx: &mut crate::db::Tx,
    caller: Option<&crate::auth::Principal>,
    operation: &str,
    name: &str,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> ApiResult<()> {
    let mut event = crate::audit::object_event(
        caller,
        None,
        operation,
        "collections",
        name,
        before,
        Some(after),
        &[],
    );
    let mut extra = match event.extra.take() {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    extra.insert(
        "via".into(),
        if caller.is_some() {
            "import"
        } else {
            "cli_import"
        }
        .into(),
    );
    event.extra = Some(serde_json::Value::Object(extra));
    crate::audit::append(auditor, tx, event).await?;
    Ok(())
}

/// Imports collection schemas exported by `/collections/export`.
#[utoipa::path(post, path = "/collections/import", tag = "collections", request_body = ImportRequest, security(("bearer" = [])),
    responses((status = 200, body = ImportResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_collections(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiJson(req): ApiJson<ImportRequest>,
) -> ApiResult<Json<ImportResponse>> {
    Ok(Json(
        import(&state.db, &state.audit, req, Some(&admin.0)).await?,
    ))
}
