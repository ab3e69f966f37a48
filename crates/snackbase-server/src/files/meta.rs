//! The `files` table: one row per stored object. Every query takes the
//! account from an [`AccountId`], which only a `Principal` makes.

use chrono::{DateTime, Utc};

use super::key::Key;
use crate::auth::AccountId;
use crate::db::Db;
use crate::error::ApiResult;
use crate::{on_pool, on_tx};

/// A stored object as the table describes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: String,
    pub account_id: String,
    pub key: String,
    pub original_name: String,
    pub size: i64,
    pub mime_type: String,
    pub sha256: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Set once a record claimed the file (see `files::record`).
    pub collection: Option<String>,
}

/// What is recorded about a freshly stored object.
pub struct NewFile<'a> {
    pub key: &'a Key,
    pub original_name: &'a str,
    pub size: u64,
    pub mime_type: &'a str,
    pub sha256: &'a str,
    pub created_by: Option<&'a str>,
    /// The file field a record write uploads this file for: set until the
    /// write claims it, so that an upload whose write never committed
    /// (a crash) is recognised and swept (`files::sweep`).
    pub for_field: Option<&'a str>,
}

const COLUMNS: &str = "id, account_id, key, original_name, size, mime_type, sha256, created_by, \
     created_at, collection";

/// Records a stored object of `account`.
pub async fn insert(db: &Db, account: &AccountId, file: &NewFile<'_>) -> ApiResult<FileRow> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::http::time::now();
    let size = i64::try_from(file.size).unwrap_or(i64::MAX);
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO files (id, account_id, key, original_name, size, mime_type, sha256, created_by, created_at, field) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(&id)
    .bind(account.as_str())
    .bind(file.key.as_str())
    .bind(file.original_name)
    .bind(size)
    .bind(file.mime_type)
    .bind(file.sha256)
    .bind(file.created_by)
    .bind(now)
    .bind(file.for_field)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(FileRow {
        id,
        account_id: account.to_string(),
        key: file.key.to_string(),
        original_name: file.original_name.to_string(),
        size,
        mime_type: file.mime_type.to_string(),
        sha256: file.sha256.to_string(),
        created_by: file.created_by.map(str::to_string),
        created_at: now,
        collection: None,
    })
}

/// The object `key` of `account`, if it is recorded (and not dropped).
pub async fn find(db: &Db, account: &AccountId, key: &Key) -> ApiResult<Option<FileRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE account_id = $1 AND key = $2 AND dropped_at IS NULL"
    );
    Ok(on_pool!(db, |p| sqlx::query_as::<_, FileRow>(&sql)
        .bind(account.as_str())
        .bind(key.as_str())
        .fetch_optional(p)
        .await)?)
}

/// Forgets the object `key` of `account`, unless a record holds it;
/// whether a row was removed.
pub async fn remove(db: &Db, account: &AccountId, key: &Key) -> ApiResult<bool> {
    let mut tx = db.begin().await?;
    let removed = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM files WHERE account_id = $1 AND key = $2 AND collection IS NULL \
         AND dropped_at IS NULL"
    )
    .bind(account.as_str())
    .bind(key.as_str())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(removed > 0)
}

/// Removes the marked row of a dropped file whose object is deleted (keys
/// are unique across accounts); whether a row went.
pub async fn forget_dropped(db: &Db, key: &str) -> ApiResult<bool> {
    let mut tx = db.begin().await?;
    let removed = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM files WHERE key = $1 AND dropped_at IS NOT NULL"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(removed > 0)
}
