//! The statements shared by the record routes (the typed values they bind
//! and read are in `db::values`).

use crate::auth::AccountId;
use serde_json::{Map, Value};
use sqlx::Row as _;

use crate::collections::compiled::Compiled;
pub use crate::collections::record_sql::Columns;
pub use crate::db::values::{
    execute, fetch_records, fetch_records_counted, fetch_records_with, returning_list, scalar_i64,
    select_list, to_record, BindParam, ColumnKind, Param, ReadColumn, Stored,
};
use crate::db::Tx;

/// One record of an account, or `None`.
pub async fn fetch_one(
    tx: &mut Tx,
    c: &Compiled,
    account_id: &AccountId,
    id: &str,
) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let mut rows = fetch_records(
        tx,
        &c.sql.one,
        &[Param::Text(account_id.into()), Param::Text(id.into())],
        &c.sql.columns,
    )
    .await?;
    Ok(rows.pop())
}

/// A record with its row version and, when asked for, the change
/// generation row read by the same statement.
pub type Versioned = (Option<(Map<String, Value>, Option<String>)>, Option<i64>);

/// One record of an account and its row version, for an update guarded
/// against a concurrent one: PostgreSQL's `xmin`, which every update of the
/// row changes; `None` on SQLite, whose one writer reads and writes in the
/// same transaction. `lock` reads it `FOR UPDATE` (in a begun transaction);
/// `generation` also reads the change generation row (PostgreSQL).
pub async fn fetch_versioned(
    tx: &mut Tx,
    c: &Compiled,
    account_id: &AccountId,
    id: &str,
    lock: bool,
    generation: bool,
) -> Result<Versioned, sqlx::Error> {
    if tx.backend() == crate::db::Backend::Sqlite {
        let found = fetch_one(tx, c, account_id, id).await?;
        return Ok((found.map(|r| (r, None)), None));
    }
    let cols = &c.sql.columns;
    let sql = match (generation, lock) {
        (true, _) => &c.sql.versioned_with_generation,
        (false, true) => &c.sql.versioned_locked,
        (false, false) => &c.sql.versioned,
    };
    tx.count_statement(sql);
    if lock {
        tx.before_write().await?;
    }
    let Tx::Postgres(conn) = tx else {
        return Err(sqlx::Error::Protocol("PostgreSQL only".into()));
    };
    let row = sqlx::query(sql)
        .bind(account_id.as_str())
        .bind(id)
        .fetch_optional(conn.conn())
        .await?;
    let Some(row) = row else {
        return Ok((None, None));
    };
    let seen: Option<i64> = if generation {
        Some(row.try_get(cols.len() + 1)?)
    } else {
        None
    };
    let version: Option<String> = row.try_get(cols.len())?;
    let Some(version) = version else {
        return Ok((None, seen));
    };
    Ok((Some((to_record(&row, cols)?, Some(version))), seen))
}

/// One record of an account (PostgreSQL) and, in the same statement, the
/// change generation row (see `records::handlers::read_pg`).
pub async fn fetch_one_with_generation(
    db: &crate::db::Db,
    c: &Compiled,
    caller: &crate::auth::Principal,
    id: &str,
) -> Result<(Option<Map<String, Value>>, i64), sqlx::Error> {
    // Autocommit, one round trip; a transaction under row-level security.
    let mut tx = db.read_as(caller.tenant()).await?;
    let crate::db::Tx::Postgres(conn) = &mut tx else {
        return Err(sqlx::Error::Protocol("PostgreSQL only".into()));
    };
    let cols = &c.sql.columns;
    db.statements().count("SELECT");
    let row = sqlx::query(&c.sql.one_with_generation)
        .bind(&caller.account_id)
        .bind(id)
        .fetch_one(conn.conn())
        .await?;
    tx.commit().await?;
    let generation: i64 = row.try_get(cols.len())?;
    let present = row.try_get::<Option<String>, _>(0)?.is_some();
    let record = present.then(|| to_record(&row, cols)).transpose()?;
    Ok((record, generation))
}

/// [`fetch_one`] on the direct SQLite path alone; `None` when that path is
/// not available (no free connection, busy): use [`fetch_one`] then.
pub fn fetch_direct_one(
    fast: &crate::db::fast::FastReads,
    c: &Compiled,
    account_id: &AccountId,
    id: &str,
) -> Option<Option<Map<String, Value>>> {
    fast.read(|conn| fetch_direct(conn, &c.sql.one, account_id, id, &c.sql.columns))
}

/// [`fetch_one`] on a direct SQLite connection.
fn fetch_direct(
    conn: &rusqlite::Connection,
    sql: &str,
    account_id: &AccountId,
    id: &str,
    cols: &[(String, ColumnKind)],
) -> rusqlite::Result<Option<Map<String, Value>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([account_id, id])?;
    rows.next()?.map(|row| to_record(row, cols)).transpose()
}
