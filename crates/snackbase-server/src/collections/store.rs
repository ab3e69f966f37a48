//! Collection metadata rows: loading, saving and the migration history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::schema::Field;
use crate::db::Tx;
use crate::error::ApiError;
use crate::on_tx;

/// An index on chosen fields (always led by `account_id` physically).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexDef {
    pub fields: Vec<String>,
    #[serde(default)]
    pub unique: bool,
}

/// A collection with its parsed schema.
#[derive(Debug, Clone)]
pub struct Collection {
    pub id: String,
    pub name: String,
    pub table: String,
    pub fields: Vec<Field>,
    pub indexes: Vec<IndexDef>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Collection {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The physical table of a collection name.
pub fn table_name(name: &str) -> String {
    format!("col_{}", name.to_ascii_lowercase())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    table_name: String,
    schema: String,
    indexes: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for Collection {
    type Error = ApiError;
    fn try_from(row: Row) -> Result<Self, ApiError> {
        let fields = serde_json::from_str(&row.schema).map_err(ApiError::internal)?;
        let indexes = serde_json::from_str(&row.indexes).map_err(ApiError::internal)?;
        Ok(Self {
            id: row.id,
            name: row.name,
            table: row.table_name,
            fields,
            indexes,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const SELECT: &str = "SELECT id, name, table_name, schema, indexes, version, created_at, updated_at FROM collections";

/// Finds a collection by name, case-insensitively.
pub async fn find_by_name(tx: &mut Tx, name: &str) -> Result<Option<Collection>, ApiError> {
    if name.len() > 64 {
        return Ok(None);
    }
    let sql = format!("{SELECT} WHERE table_name = $1");
    let table = table_name(name);
    let row = on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(&table)
        .fetch_optional(c)
        .await)?;
    row.map(Collection::try_from).transpose()
}

pub async fn find_by_id(tx: &mut Tx, id: &str) -> Result<Option<Collection>, ApiError> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?;
    row.map(Collection::try_from).transpose()
}

pub async fn all(tx: &mut Tx) -> Result<Vec<Collection>, ApiError> {
    let sql = format!("{SELECT} ORDER BY name");
    let rows = on_tx!(tx, |c| sqlx::query_as::<_, Row>(&sql).fetch_all(c).await)?;
    rows.into_iter().map(Collection::try_from).collect()
}

fn encode(c: &Collection) -> Result<(String, String), ApiError> {
    Ok((
        serde_json::to_string(&c.fields).map_err(ApiError::internal)?,
        serde_json::to_string(&c.indexes).map_err(ApiError::internal)?,
    ))
}

pub async fn insert(tx: &mut Tx, c: &Collection) -> Result<(), ApiError> {
    let (schema, indexes) = encode(c)?;
    on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO collections (id, name, table_name, schema, indexes, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.table)
    .bind(&schema)
    .bind(&indexes)
    .bind(c.version)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn update(tx: &mut Tx, c: &Collection) -> Result<(), ApiError> {
    let (schema, indexes) = encode(c)?;
    on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE collections SET schema = $2, indexes = $3, version = $4, updated_at = $5 WHERE id = $1"
    )
    .bind(&c.id)
    .bind(&schema)
    .bind(&indexes)
    .bind(c.version)
    .bind(c.updated_at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<(), ApiError> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM collections WHERE id = $1"
    )
    .bind(id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Appends an entry to the migration history.
pub async fn record_migration(
    tx: &mut Tx,
    c: &Collection,
    operation: &str,
    changes: &Value,
    user_id: Option<&str>,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let schema = serde_json::json!({"fields": c.fields, "indexes": c.indexes}).to_string();
    let changes = changes.to_string();
    let now = crate::http::time::now();
    on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO collection_migrations (id, collection_id, collection_name, version, operation, changes, schema, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(&id)
    .bind(&c.id)
    .bind(&c.name)
    .bind(c.version)
    .bind(operation)
    .bind(&changes)
    .bind(&schema)
    .bind(now)
    .bind(user_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(id)
}

/// The id of the collection's latest schema migration.
pub async fn last_migration(tx: &mut Tx, collection_id: &str) -> Result<Option<String>, ApiError> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT id FROM collection_migrations WHERE collection_id = $1 ORDER BY version DESC LIMIT 1"
    )
    .bind(collection_id)
    .fetch_optional(c)
    .await
    })?)
}
