//! Typed values of record columns, shared by every feature: what is bound
//! (`Stored`, `Param`, per column kind so that NULLs bind on PostgreSQL too)
//! and how a row is read back as JSON, on both backends and on the direct
//! rusqlite path.

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Postgres, Row as _, Sqlite};

use super::dialect::quote_ident;
use super::{is_read, Tx};

/// A value ready to bind, typed by its column (so that NULLs are typed too).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Text(Option<String>),
    Number(Option<f64>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    Json(Option<Value>),
}

impl Stored {
    /// A NULL of a column kind.
    pub fn null(kind: ColumnKind) -> Self {
        match kind {
            ColumnKind::Text => Self::Text(None),
            ColumnKind::Number => Self::Number(None),
            ColumnKind::Bool => Self::Bool(None),
            ColumnKind::Time => Self::Time(None),
            ColumnKind::Json => Self::Json(None),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Self::Text(None)
                | Self::Number(None)
                | Self::Bool(None)
                | Self::Time(None)
                | Self::Json(None)
        )
    }

    /// The value as JSON, as responses show it.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Text(Some(s)) => Value::String(s.clone()),
            Self::Number(Some(n)) => number_json(*n),
            Self::Bool(Some(b)) => Value::Bool(*b),
            Self::Time(Some(t)) => Value::String(format_time(t)),
            Self::Json(Some(v)) => v.clone(),
            _ => Value::Null,
        }
    }
}

/// How a field is stored physically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Number,
    Bool,
    Time,
    Json,
}

/// Integral numbers read back as JSON integers, others as floats.
pub fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// The one timestamp format: RFC 3339, UTC, microseconds, `Z` (sorts as text).
pub fn format_time(t: &DateTime<Utc>) -> String {
    crate::http::time::rfc3339::format(t)
}

/// Parses a date or date-time exactly as filters and rules do (see
/// [`crate::formats::datetime`]).
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    crate::formats::datetime(raw)
}

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

/// Implements [`BindParam`] for a query type of SQLite, whose driver keeps
/// times and JSON as text.
macro_rules! bind_sqlite {
    ($([$($generics:tt)*] $ty:ty),+ $(,)?) => {$(
        impl<$($generics)*> BindParam for $ty {
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
    )+};
}

/// Implements [`BindParam`] for a query type of PostgreSQL, whose NULLs are
/// typed.
macro_rules! bind_postgres {
    ($([$($generics:tt)*] $ty:ty),+ $(,)?) => {$(
        impl<$($generics)*> BindParam for $ty {
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
    )+};
}

bind_sqlite!(
    ['q] Query<'q, Sqlite, SqliteArguments<'q>>,
    ['q, O] QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
);
bind_postgres!(
    ['q] Query<'q, Postgres, PgArguments>,
    ['q, O] QueryAs<'q, Postgres, O, PgArguments>,
);

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

/// Binds `params` in order (one body for both backends).
fn bound<Q: BindParam>(q: Q, params: &[Param]) -> Q {
    params.iter().fold(q, |q, p| q.bind_param(p))
}

/// Before a statement of the record path: counts it (unless it is the change
/// log's own) and, for a write, lets a deferred transaction begin.
async fn prepare(tx: &mut Tx, sql: &str, counted: bool) -> Result<(), sqlx::Error> {
    if counted {
        tx.count_statement(sql);
    }
    if !is_read(sql) {
        tx.before_write().await?;
    }
    Ok(())
}

/// Runs a SELECT of record columns and converts each row.
pub async fn fetch_records(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
    cols: &[(String, ColumnKind)],
) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
    prepare(tx, sql, true).await?;
    crate::on_tx!(tx, |c| {
        let rows = bound(sqlx::query(sql), params).fetch_all(c).await?;
        rows.iter().map(|r| to_record(r, cols)).collect()
    })
}

/// What follows a record's columns in a row of [`fetch_records_with`].
#[derive(Debug, Default)]
pub struct Tail {
    /// The integer (or NULL) columns, in order.
    pub ints: Vec<Option<i64>>,
    /// A text column after them, if one was asked for.
    pub text: Option<String>,
}

/// [`fetch_records`], and the `ints` integer (or NULL) columns that follow
/// the record's in each row, then one text column when `text`.
pub async fn fetch_records_with(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
    cols: &[(String, ColumnKind)],
    ints: usize,
    text: bool,
) -> Result<Vec<(Map<String, Value>, Tail)>, sqlx::Error> {
    prepare(tx, sql, true).await?;
    crate::on_tx!(tx, |c| {
        let rows = bound(sqlx::query(sql), params).fetch_all(c).await?;
        rows.iter()
            .map(|r| {
                let end = cols.len() + ints;
                let tail = Tail {
                    ints: (cols.len()..end)
                        .map(|i| r.try_get::<Option<i64>, _>(i))
                        .collect::<Result<Vec<_>, _>>()?,
                    text: match text {
                        true => r.try_get::<Option<String>, _>(end)?,
                        false => None,
                    },
                };
                Ok((to_record(r, cols)?, tail))
            })
            .collect()
    })
}

/// Like [`fetch_records`], for a statement with one more column after the
/// record's: an integer that is the same on every row (a `COUNT(*) OVER ()`),
/// returned from the first row (`None` without rows).
pub async fn fetch_records_counted(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
    cols: &[(String, ColumnKind)],
) -> Result<(Vec<Map<String, Value>>, Option<i64>), sqlx::Error> {
    let rows = fetch_records_with(tx, sql, params, cols, 1, false).await?;
    let count = rows.first().and_then(|(_, tail)| tail.ints[0]);
    Ok((rows.into_iter().map(|(r, _)| r).collect(), count))
}

/// A SELECT of typed columns on the pool, outside the record path's
/// statement counts (for background readers such as the realtime tailer).
pub async fn fetch_rows_on_pool(
    db: &super::Db,
    sql: &str,
    params: &[Param],
    cols: &[(String, ColumnKind)],
) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
    crate::on_pool!(db, |p| {
        let rows = bound(sqlx::query(sql), params).fetch_all(p).await?;
        rows.iter().map(|r| to_record(r, cols)).collect()
    })
}

/// Runs a statement with parameters; returns the rows affected.
pub async fn execute(tx: &mut Tx, sql: &str, params: &[Param]) -> Result<u64, sqlx::Error> {
    prepare(tx, sql, true).await?;
    crate::on_tx!(tx, |c| bound(sqlx::query(sql), params)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// [`execute`] without counting the statement among the record path's
/// (the audit trail's own writes, which follow a record write).
pub(crate) async fn execute_uncounted(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
) -> Result<u64, sqlx::Error> {
    prepare(tx, sql, false).await?;
    crate::on_tx!(tx, |c| bound(sqlx::query(sql), params)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Runs a query whose first column of its one row is an integer (a count).
pub async fn scalar_i64(tx: &mut Tx, sql: &str, params: &[Param]) -> Result<i64, sqlx::Error> {
    prepare(tx, sql, true).await?;
    scalar(tx, sql, params).await
}

/// The integer in the first column of the one row a statement may return,
/// without counting the statement (the change log's own).
pub(crate) async fn scalar_optional_uncounted(
    tx: &mut Tx,
    sql: &str,
    params: &[Param],
) -> Result<Option<i64>, sqlx::Error> {
    prepare(tx, sql, false).await?;
    crate::on_tx!(
        tx,
        |c| match bound(sqlx::query(sql), params).fetch_optional(c).await? {
            Some(row) => row.try_get::<i64, _>(0).map(Some),
            None => Ok(None),
        }
    )
}

async fn scalar(tx: &mut Tx, sql: &str, params: &[Param]) -> Result<i64, sqlx::Error> {
    crate::on_tx!(tx, |c| bound(sqlx::query(sql), params)
        .fetch_one(c)
        .await
        .and_then(|row| row.try_get::<i64, _>(0)))
}
