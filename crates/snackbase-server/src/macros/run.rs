//! Running a macro: read-only, with a time limit, inside the caller's account.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use snackbase_rules as rules;
use sqlx::{Column as _, Row as _, TypeInfo as _};

use super::MacroDef;
use crate::db::dialect::Backend;
use crate::db::values::{BindParam as _, Param};
use crate::db::Db;

/// How long one macro may run.
pub const TIMEOUT: Duration = Duration::from_millis(1000);

fn param(v: &rules::Value) -> Param {
    match v {
        rules::Value::Null => Param::Null(crate::collections::values::ColumnKind::Text),
        rules::Value::Bool(b) => Param::Bool(*b),
        rules::Value::Int(i) => Param::Int(*i),
        rules::Value::Float(f) => Param::Float(*f),
        rules::Value::Text(s) => Param::Text(s.clone()),
        other => Param::Text(other.to_json().to_string()),
    }
}

/// The macro's SQL with `$1` = account, `$2` = user, `$3…` = its parameters.
pub fn statement(def: &MacroDef, backend: Backend) -> Result<String, String> {
    let mut values = HashMap::new();
    values.insert("account_id".to_string(), "$1".to_string());
    values.insert("user_id".to_string(), "$2".to_string());
    for (i, p) in def.parameters.iter().enumerate() {
        values.insert(p.clone(), format!("${}", i + 3));
    }
    def.template(backend)?.expand("$1", &values)
}

fn params(
    def: &MacroDef,
    account_id: &str,
    user_id: Option<&str>,
    args: &[rules::Value],
) -> Result<Vec<Param>, String> {
    if args.len() != def.parameters.len() {
        return Err(format!(
            "Expected {} parameters, got {}",
            def.parameters.len(),
            args.len()
        ));
    }
    let mut out = vec![
        Param::Text(account_id.to_string()),
        user_id
            .map(|u| Param::Text(u.to_string()))
            .unwrap_or(Param::Null(crate::collections::values::ColumnKind::Text)),
    ];
    out.extend(args.iter().map(param));
    Ok(out)
}

fn sqlite_value(row: &sqlx::sqlite::SqliteRow) -> rules::Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(0) {
        return v.map(rules::Value::Int).unwrap_or(rules::Value::Null);
    }
    if let Ok(Some(v)) = row.try_get::<Option<f64>, _>(0) {
        return rules::Value::Float(v);
    }
    if let Ok(Some(v)) = row.try_get::<Option<String>, _>(0) {
        return rules::Value::Text(v);
    }
    rules::Value::Null
}

fn pg_value(row: &sqlx::postgres::PgRow) -> Result<rules::Value, String> {
    let kind = row
        .columns()
        .first()
        .map(|c| c.type_info().name().to_string())
        .unwrap_or_default();
    let value = match kind.as_str() {
        "INT2" => row
            .try_get::<Option<i16>, _>(0)
            .map(|v| v.map(|v| rules::Value::Int(v.into()))),
        "INT4" => row
            .try_get::<Option<i32>, _>(0)
            .map(|v| v.map(|v| rules::Value::Int(v.into()))),
        "INT8" => row
            .try_get::<Option<i64>, _>(0)
            .map(|v| v.map(rules::Value::Int)),
        "FLOAT4" | "FLOAT8" => row
            .try_get::<Option<f64>, _>(0)
            .map(|v| v.map(rules::Value::Float)),
        "BOOL" => row
            .try_get::<Option<bool>, _>(0)
            .map(|v| v.map(rules::Value::Bool)),
        "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => row
            .try_get::<Option<String>, _>(0)
            .map(|v| v.map(rules::Value::Text)),
        other => {
            return Err(format!(
                "The macro returns {other}; cast it to a number, text or boolean"
            ))
        }
    };
    value
        .map(|v| v.unwrap_or(rules::Value::Null))
        .map_err(|e| e.to_string())
}

/// Runs a macro: the first column of its first row (NULL without rows).
pub async fn run(
    db: &Db,
    def: &MacroDef,
    account_id: &str,
    user_id: Option<&str>,
    args: &[rules::Value],
) -> Result<rules::Value, String> {
    let sql = statement(def, db.backend())?;
    let params = params(def, account_id, user_id, args)?;
    match db {
        Db::Sqlite { read, .. } => {
            // Read-only connections; an interrupt stops a query past its deadline.
            let mut conn = read.acquire().await.map_err(|e| e.to_string())?;
            let deadline = Instant::now() + TIMEOUT;
            conn.lock_handle()
                .await
                .map_err(|e| e.to_string())?
                .set_progress_handler(1000, move || Instant::now() < deadline);
            let mut q = sqlx::query(&sql);
            for p in &params {
                q = q.bind_param(p);
            }
            let result = q.fetch_optional(&mut *conn).await;
            if let Ok(mut handle) = conn.lock_handle().await {
                handle.remove_progress_handler();
            }
            match result {
                Ok(row) => Ok(row.map(|r| sqlite_value(&r)).unwrap_or(rules::Value::Null)),
                Err(e) if Instant::now() >= deadline => Err(format!(
                    "The macro ran past its {} ms limit ({e})",
                    TIMEOUT.as_millis()
                )),
                Err(e) => Err(e.to_string()),
            }
        }
        Db::Postgres(pool, ..) => {
            let mut tx = crate::db::begin_in(pool).await.map_err(|e| e.to_string())?;
            sqlx::query("SET TRANSACTION READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query(&format!(
                "SET LOCAL statement_timeout = {}",
                TIMEOUT.as_millis()
            ))
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
            let mut q = sqlx::query(&sql);
            for p in &params {
                q = q.bind_param(p);
            }
            let row = q
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            let _ = tx.rollback().await;
            match row {
                Some(r) => pg_value(&r),
                None => Ok(rules::Value::Null),
            }
        }
    }
}

/// Checks that the expanded statement compiles (and returns one column), without running it.
pub async fn check_compiles(db: &Db, def: &MacroDef) -> Result<(), String> {
    let sql = format!("SELECT ({})", statement(def, db.backend())?);
    let params = params(
        def,
        "AA0000",
        None,
        &vec![rules::Value::Null; def.parameters.len()],
    )?;
    let explain = match db {
        Db::Sqlite { .. } => format!("EXPLAIN QUERY PLAN {sql}"),
        Db::Postgres(..) => format!("EXPLAIN {sql}"),
    };
    let result = crate::on_pool!(db, |p| {
        let mut q = sqlx::query(&explain);
        for param in &params {
            q = q.bind_param(param);
        }
        q.fetch_all(p).await.map(|_| ())
    });
    result.map_err(|e| match e.as_database_error() {
        Some(d) => d.message().to_string(),
        None => e.to_string(),
    })
}
