//! Compiled collections: everything the record path derives from the
//! collection definitions, built once per change generation and shared.
//!
//! The [`Catalog`] holds every collection with its rule schema, the
//! references that point at it (for `on_delete`), the map from unique index
//! to field, and the enabled webhook subscriptions with their parsed filters.
//! It is rebuilt, in one pass over `collections` and `webhooks`, when the
//! change generation moves (a collection, a webhook or anything else cached
//! changed) and only then; [`get`] serves it from the cache otherwise.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use snackbase_rules as rules;

use super::ddl;
use super::record_sql::RecordSql;
use super::schema::{FieldKind, OnDelete};
use super::store::{self, Collection};
use crate::cache::GenCache;
use crate::db::{Changes, Operation, Tx};
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

/// A reference field of some collection that points at this one.
#[derive(Debug, Clone)]
pub struct BackRef {
    /// The referencing collection (lower-case name, the catalog's key).
    pub collection: String,
    pub table: String,
    pub field: String,
    pub on_delete: OnDelete,
}

/// An enabled webhook listening to a collection.
#[derive(Debug)]
pub struct Subscription {
    pub webhook_id: String,
    pub operations: Vec<Operation>,
    /// The parsed filter; `Some(None)` when it does not parse (it never passes).
    pub filter: Option<Option<rules::Expr>>,
}

/// A collection and what is derived from it.
#[derive(Debug)]
pub struct Compiled {
    collection: Collection,
    /// The rule language's view of the fields; `None` if it cannot be built.
    pub rule_schema: Option<rules::Schema>,
    pub back_refs: Vec<BackRef>,
    /// Unique indexes: name, columns (without `account_id`), and the field
    /// when the index is on one field.
    pub uniques: Vec<UniqueIndex>,
    /// Enabled webhooks by account id.
    pub webhooks: HashMap<String, Vec<Subscription>>,
    /// The statements reading its records.
    pub sql: RecordSql,
    /// What the audit trail records of its changes.
    pub audit: crate::audit::settings::Policy,
    /// Its fields as the audit trail sees them (PII masked).
    pub audited_fields: Vec<crate::audit::record::AuditedField>,
}

#[derive(Debug, Clone)]
pub struct UniqueIndex {
    pub name: String,
    pub columns: Vec<String>,
}

impl Deref for Compiled {
    type Target = Collection;
    fn deref(&self) -> &Collection {
        &self.collection
    }
}

impl Compiled {
    /// The webhooks of `account_id` that listen to `op`.
    pub fn subscriptions(
        &self,
        account_id: &str,
        op: Operation,
    ) -> impl Iterator<Item = &Subscription> {
        self.webhooks
            .get(account_id)
            .into_iter()
            .flatten()
            .filter(move |s| s.operations.contains(&op))
    }
}

/// Every collection, compiled, by lower-case name.
#[derive(Debug, Default)]
pub struct Catalog {
    by_name: HashMap<String, Arc<Compiled>>,
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<&Arc<Compiled>> {
        self.by_name.get(&name.to_ascii_lowercase())
    }
}

/// The rule-language view of a collection's fields.
pub fn rule_schema(c: &Collection) -> ApiResult<rules::Schema> {
    rule_schema_of(&c.fields)
}

/// The rule-language view of some fields of a collection.
pub fn rule_schema_of<'a>(
    fields: impl IntoIterator<Item = &'a super::schema::Field>,
) -> ApiResult<rules::Schema> {
    use rules::FieldType;
    let fields = fields.into_iter().map(|f| {
        let ty = match f.kind {
            FieldKind::Text | FieldKind::Email | FieldKind::Url => FieldType::Text,
            FieldKind::Number => FieldType::Number,
            FieldKind::Boolean => FieldType::Boolean,
            FieldKind::Datetime => FieldType::Datetime,
            FieldKind::Json => FieldType::Json,
            FieldKind::Select => FieldType::Select {
                multiple: f.is_multiple_select(),
            },
            FieldKind::Reference => FieldType::Reference,
            // Rules see a file field as its stored name(s).
            FieldKind::File if f.is_multiple_file() => FieldType::Select { multiple: true },
            FieldKind::File => FieldType::Text,
        };
        (f.name.as_str(), ty)
    });
    rules::Schema::from_fields(fields).map_err(ApiError::internal)
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: String,
    account_id: String,
    collection: String,
    events: String,
    filter: Option<String>,
}

fn subscription(row: &WebhookRow) -> Subscription {
    let events: Vec<String> = serde_json::from_str(&row.events).unwrap_or_default();
    let filter = row
        .filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(|f| rules::parse(f).ok());
    Subscription {
        webhook_id: row.id.clone(),
        operations: events
            .iter()
            .filter_map(|e| Operation::parse_write(e))
            .collect(),
        filter,
    }
}

/// Builds the catalog from the definitions in `tx`.
async fn build(tx: &mut Tx) -> ApiResult<Catalog> {
    let all = store::all(tx).await?;
    let hooks = on_tx!(tx, |conn| {
        sqlx::query_as::<_, WebhookRow>(
        "SELECT id, account_id, collection, events, filter FROM webhooks WHERE enabled = TRUE ORDER BY created_at, id"
    )
    .fetch_all(conn)
    .await
    })?;
    let mut audit = crate::audit::settings::load_all(tx).await?;
    let mut by_name = HashMap::with_capacity(all.len());
    for c in &all {
        let key = c.name.to_ascii_lowercase();
        let back_refs = all
            .iter()
            .flat_map(|other| {
                other
                    .fields
                    .iter()
                    .filter(|f| f.kind == FieldKind::Reference)
                    .filter(|f| {
                        f.collection
                            .as_deref()
                            .is_some_and(|t| t.eq_ignore_ascii_case(&c.name))
                    })
                    .map(|f| BackRef {
                        collection: other.name.to_ascii_lowercase(),
                        table: other.table.clone(),
                        field: f.name.clone(),
                        on_delete: f.on_delete.unwrap_or(OnDelete::Restrict),
                    })
            })
            .collect();
        let uniques = ddl::indexes(c)
            .into_iter()
            .filter(|i| i.unique)
            .map(|i| UniqueIndex {
                name: i.name,
                columns: i.columns.into_iter().skip(1).collect(),
            })
            .collect();
        let mut webhooks: HashMap<String, Vec<Subscription>> = HashMap::new();
        for row in hooks
            .iter()
            .filter(|h| h.collection.eq_ignore_ascii_case(&c.name))
        {
            webhooks
                .entry(row.account_id.clone())
                .or_default()
                .push(subscription(row));
        }
        let compiled = Compiled {
            rule_schema: rule_schema(c).ok(),
            sql: RecordSql::new(c),
            collection: c.clone(),
            back_refs,
            uniques,
            webhooks,
            audit: audit.remove(&key).unwrap_or_default(),
            audited_fields: c
                .fields
                .iter()
                .map(|f| crate::audit::record::AuditedField {
                    name: f.name.clone(),
                    masked: f.pii,
                })
                .collect(),
        };
        by_name.insert(key, Arc::new(compiled));
    }
    Ok(Catalog { by_name })
}

/// The catalog, cached for one change generation.
pub struct CatalogCache {
    cache: GenCache<(), Arc<Catalog>>,
    builds: AtomicU64,
}

impl CatalogCache {
    /// `(hits, misses)` for `/metrics`.
    pub fn lookups(&self) -> (u64, u64) {
        self.cache.lookups.get()
    }

    pub fn new(changes: Arc<Changes>) -> Self {
        Self {
            cache: GenCache::new(changes, 1),
            builds: AtomicU64::new(0),
        }
    }

    /// How many times the catalog was built (it is rebuilt when the change
    /// generation moves, and only then).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Acquire)
    }

    /// The catalog if it is current, without touching the database.
    pub fn cached(&self) -> Option<Arc<Catalog>> {
        self.cache.get(&())
    }

    /// The current catalog, built from `tx` if the cached one is stale.
    pub async fn catalog(&self, tx: &mut Tx) -> ApiResult<Arc<Catalog>> {
        if let Some(catalog) = self.cached() {
            return Ok(catalog);
        }
        let generation = self.cache.generation();
        let catalog = Arc::new(build(tx).await?);
        self.builds.fetch_add(1, Ordering::AcqRel);
        self.cache.put((), generation, catalog.clone());
        Ok(catalog)
    }
}

pub fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Collection '{name}' not found"))
}

/// The compiled collection named `name` (any case), or a 404.
pub async fn get(cache: &CatalogCache, tx: &mut Tx, name: &str) -> ApiResult<Arc<Compiled>> {
    cache
        .catalog(tx)
        .await?
        .get(name)
        .cloned()
        .ok_or_else(|| not_found(name))
}
