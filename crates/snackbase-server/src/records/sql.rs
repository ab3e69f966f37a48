//! The SQL side of records: binding typed values and reading typed rows on
//! either backend, and the statements shared by the record routes.

use serde_json::{Map, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Postgres, Row as _, Sqlite};

use super::values::{column_kind, format_time, number_json, ColumnKind, Stored};
use crate::collections::schema::Field;
use crate::collections::store::Collection;
use crate::db::dialect::quote_ident;
use crate::db::Tx;
use crate::error::ApiError;
use crate::on_tx;

/// A value bound into a record query.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Stored(Stored),
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A NULL of a given column kind.
    Null(ColumnKind),
}

/// Binds [`Param`]s on either backend (so one query body serves both).
pub trait BindParam: Sized {
    fn bind_param(self, p: &Param) -> Self;
}

impl<'q> BindParam for Query<'q, Sqlite, SqliteArguments<'q>> {
    fn bind_param(self, p: &Param) -> Self {
        match p {
            Param::Text(s) => self.bind(s.clone()),
            Param::Int(i) => self.bind(*i),
            Param::Float(f) => self.bind(*f),
            Param::Bool(b) => self.bind(*b),
            Param::Null(_) => self.bind(None::<String>),
            Param::Stored(v) => match v {
                Stored::Text(s) => self.bind(s.clone()),
                Stored::Number(n) => self.bind(*n),
                Stored::Bool(b) => self.bind(*b),
                Stored::Time(t) => self.bind(t.as_ref().map(format_time)),
                Stored::Json(j) => self.bind(j.as_ref().map(Value::to_string)),
            },
        }
    }
}

impl<'q> BindParam for Query<'q, Postgres, PgArguments> {
    fn bind_param(self, p: &Param) -> Self {
        match p {
            Param::Text(s) => self.bind(s.clone()),
            Param::Int(i) => self.bind(*i),
            Param::Float(f) => self.bind(*f),
            Param::Bool(b) => self.bind(*b),
            Param::Null(kind) => match kind {
                ColumnKind::Text => self.bind(None::<String>),
                ColumnKind::Number => self.bind(None::<f64>),
                ColumnKind::Bool => self.bind(None::<bool>),
                ColumnKind::Time => self.bind(None::<chrono::DateTime<chrono::Utc>>),
                ColumnKind::Json => self.bind(None::<sqlx::types::Json<Value>>),
            },
            Param::Stored(v) => match v {
                Stored::Text(s) => self.bind(s.clone()),
                Stored::Number(n) => self.bind(*n),
                Stored::Bool(b) => self.bind(*b),
                Stored::Time(t) => self.bind(*t),
                Stored::Json(j) => self.bind(j.clone().map(sqlx::types::Json)),
            },
        }
    }
}

/// Reads one typed column of a row as JSON on either backend.
pub trait ReadColumn {
    type Error;
    fn read_json(&self, index: usize, kind: ColumnKind) -> Result<Value, Self::Error>;
}

/// The column reads a record needs from a SQLite row, whichever driver
/// fetched it (sqlx, or rusqlite on the direct read path).
pub trait SqliteColumns {
    type Error;
    fn text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    fn real(&self, i: usize) -> Result<Option<f64>, Self::Error>;
    fn flag(&self, i: usize) -> Result<Option<bool>, Self::Error>;
}

impl SqliteColumns for SqliteRow {
    type Error = sqlx::Error;
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        self.try_get(i)
    }
    fn real(&self, i: usize) -> Result<Option<f64>, sqlx::Error> {
        self.try_get(i)
    }
    fn flag(&self, i: usize) -> Result<Option<bool>, sqlx::Error> {
        self.try_get(i)
    }
}

impl SqliteColumns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn real(&self, i: usize) -> rusqlite::Result<Option<f64>> {
        self.get(i)
    }
    fn flag(&self, i: usize) -> rusqlite::Result<Option<bool>> {
        self.get(i)
    }
}

impl<R: SqliteColumns> ReadColumn for R {
    type Error = R::Error;
    fn read_json(&self, i: usize, kind: ColumnKind) -> Result<Value, R::Error> {
        Ok(match kind {
            ColumnKind::Text | ColumnKind::Time => {
                self.text(i)?.map(Value::String).unwrap_or(Value::Null)
            }
            ColumnKind::Number => self.real(i)?.map(number_json).unwrap_or(Value::Null),
            ColumnKind::Bool => self.flag(i)?.map(Value::Bool).unwrap_or(Value::Null),
            ColumnKind::Json => match self.text(i)? {
                Some(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                None => Value::Null,
            },
        })
    }
}

impl ReadColumn for PgRow {
    type Error = sqlx::Error;
    fn read_json(&self, i: usize, kind: ColumnKind) -> Result<Value, sqlx::Error> {
        Ok(match kind {
            ColumnKind::Text => self
                .try_get::<Option<String>, _>(i)?
                .map(Value::String)
                .unwrap_or(Value::Null),
            ColumnKind::Time => self
                .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(i)?
                .map(|t| Value::String(format_time(&t)))
                .unwrap_or(Value::Null),
            ColumnKind::Number => self
                .try_get::<Option<f64>, _>(i)?
                .map(number_json)
                .unwrap_or(Value::Null),
            ColumnKind::Bool => self
                .try_get::<Option<bool>, _>(i)?
                .map(Value::Bool)
                .unwrap_or(Value::Null),
            ColumnKind::Json => self
                .try_get::<Option<sqlx::types::Json<Value>>, _>(i)?
                .map(|j| j.0)
                .unwrap_or(Value::Null),
        })
    }
}

/// The columns of a record, in output order: system fields, then the schema's.
pub fn columns(c: &Collection) -> Vec<(String, ColumnKind)> {
    let mut cols = vec![
        ("id".to_string(), ColumnKind::Text),
        ("account_id".to_string(), ColumnKind::Text),
        ("created_at".to_string(), ColumnKind::Time),
        ("created_by".to_string(), ColumnKind::Text),
        ("updated_at".to_string(), ColumnKind::Time),
        ("updated_by".to_string(), ColumnKind::Text),
    ];
    cols.extend(c.fields.iter().map(|f| (f.name.clone(), column_kind(f))));
    cols
}

pub fn select_list(cols: &[(String, ColumnKind)], alias: &str) -> String {
    cols.iter()
        .map(|(name, _)| format!("{alias}.{}", quote_ident(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns unqualified, for `RETURNING` (and selects without an alias).
pub fn returning_list(cols: &[(String, ColumnKind)]) -> String {
    cols.iter()
        .map(|(name, _)| quote_ident(name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Converts a row into a record object.
pub fn to_record<R: ReadColumn>(
    row: &R,
    cols: &[(String, ColumnKind)],
) -> Result<Map<String, Value>, R::Error> {
    let mut map = Map::with_capacity(cols.len());
    for (i, (name, kind)) in cols.iter().enumerate() {
        map.insert(name.clone(), row.read_json(i, *kind)?);
    }
    Ok(map)
}

/// Runs a SELECT of record columns and converts each row.
pub async fn fetch_records(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
    cols: &[(String, ColumnKind)],
) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
    tx.count_statement(sql);
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind_param(p);
        }
        let rows = q.fetch_all(c).await?;
        rows.iter().map(|r| to_record(r, cols)).collect()
    })
}

/// Runs a statement with parameters; returns the rows affected.
pub async fn execute(tx: &mut Tx, sql: &str, params: &[Param]) -> Result<u64, sqlx::Error> {
    tx.count_statement(sql);
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind_param(p);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })
}

/// Runs a query whose first column of its one row is an integer (a count).
pub async fn scalar_i64(tx: &mut Tx, sql: &str, params: &[Param]) -> Result<i64, sqlx::Error> {
    tx.count_statement(sql);
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind_param(p);
        }
        q.fetch_one(c)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
    })
}

/// One record of an account, or `None`.
pub async fn fetch_one(
    tx: &mut Tx,
    c: &Collection,
    account_id: &str,
    id: &str,
) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let (sql, cols) = one_sql(c);
    let mut rows = fetch_records(
        tx,
        &sql,
        &[Param::Text(account_id.into()), Param::Text(id.into())],
        &cols,
    )
    .await?;
    Ok(rows.pop())
}

/// The statement reading one record by account and id, and its columns.
fn one_sql(c: &Collection) -> (String, Vec<(String, ColumnKind)>) {
    let cols = columns(c);
    let sql = format!(
        "SELECT {} FROM {} t WHERE t.\"account_id\" = $1 AND t.\"id\" = $2",
        select_list(&cols, "t"),
        quote_ident(&c.table)
    );
    (sql, cols)
}

/// One record of an account (PostgreSQL) and, in the same statement, the
/// change generation row (see `records::handlers::read_pg`).
pub async fn fetch_one_with_generation(
    db: &crate::db::Db,
    c: &Collection,
    account_id: &str,
    id: &str,
) -> Result<(Option<Map<String, Value>>, i64), sqlx::Error> {
    let crate::db::Db::Postgres(pool, ..) = db else {
        return Err(sqlx::Error::Protocol("PostgreSQL only".into()));
    };
    let cols = columns(c);
    db.statements().count("SELECT");
    let sql = format!(
        "SELECT {}, g.value FROM cache_generation g LEFT JOIN {} t ON t.\"account_id\" = $1 AND t.\"id\" = $2 WHERE g.id = 1",
        select_list(&cols, "t"),
        quote_ident(&c.table)
    );
    let row = sqlx::query(&sql)
        .bind(account_id)
        .bind(id)
        .fetch_one(pool)
        .await?;
    let generation: i64 = row.try_get(cols.len())?;
    let present = row.try_get::<Option<String>, _>(0)?.is_some();
    let record = present.then(|| to_record(&row, &cols)).transpose()?;
    Ok((record, generation))
}

/// [`fetch_one`] on the direct SQLite path alone; `None` when that path is
/// not available (no free connection, busy): use [`fetch_one`] then.
pub fn fetch_direct_one(
    fast: &crate::db::fast::FastReads,
    c: &Collection,
    account_id: &str,
    id: &str,
) -> Option<Option<Map<String, Value>>> {
    let (sql, cols) = one_sql(c);
    fast.read(|conn| fetch_direct(conn, &sql, account_id, id, &cols))
}

/// [`fetch_one`] on a direct SQLite connection.
fn fetch_direct(
    conn: &rusqlite::Connection,
    sql: &str,
    account_id: &str,
    id: &str,
    cols: &[(String, ColumnKind)],
) -> rusqlite::Result<Option<Map<String, Value>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([account_id, id])?;
    rows.next()?.map(|row| to_record(row, cols)).transpose()
}

/// Sets every NULL of a column to a value (filling a field made required).
pub async fn fill_nulls(
    tx: &mut Tx,
    table: &str,
    field: &Field,
    value: &Stored,
) -> Result<(), ApiError> {
    let sql = format!(
        "UPDATE {} SET {} = $1 WHERE {} IS NULL",
        quote_ident(table),
        quote_ident(&field.name),
        quote_ident(&field.name)
    );
    execute(tx, &sql, &[Param::Stored(value.clone())]).await?;
    Ok(())
}
