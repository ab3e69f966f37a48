//! The dashboard's daily series over the chosen range: accounts and users
//! created, and audited changes by operation. Every day of the range is
//! listed (UTC dates, oldest first), with zeros where nothing happened.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Backend, Tx};
use crate::on_tx;

#[derive(Debug, Serialize, ToSchema)]
pub struct DayCount {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub count: i64,
}

/// Changes recorded in the audit trail on one day (each change once, however
/// many columns it has).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DayOperations {
    pub date: String,
    pub create: i64,
    pub update: i64,
    pub delete: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeSeries {
    pub accounts_created: Vec<DayCount>,
    pub users_created: Vec<DayCount>,
    pub audit_by_operation: Vec<DayOperations>,
}

/// The dates of the `days` days ending with `now`'s.
fn dates(now: DateTime<Utc>, days: i64) -> Vec<NaiveDate> {
    let today = now.date_naive();
    (0..days)
        .rev()
        .map(|back| today - Duration::days(back))
        .collect()
}

/// The date of a stored creation time, as SQL: text on SQLite (its first ten
/// characters), `timestamptz` on PostgreSQL.
fn day_of(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("substr({column}, 1, 10)"),
        Backend::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    }
}

async fn per_day(
    tx: &mut Tx,
    table: &str,
    since: DateTime<Utc>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let day = day_of(tx.backend(), "created_at");
    let sql =
        format!("SELECT {day} AS day, COUNT(*) FROM {table} WHERE created_at >= $1 GROUP BY {day}");
    let rows: Vec<(String, i64)> =
        on_tx!(tx, |c| sqlx::query_as(&sql).bind(since).fetch_all(c).await)?;
    Ok(rows.into_iter().collect())
}

/// The series of the `days` days ending now.
pub async fn read(tx: &mut Tx, now: DateTime<Utc>, days: i64) -> Result<TimeSeries, sqlx::Error> {
    let dates = dates(now, days);
    let first = dates[0];
    let since = first.and_time(chrono::NaiveTime::MIN).and_utc();
    let accounts = per_day(tx, "accounts", since).await?;
    let users = per_day(tx, "users", since).await?;
    // Entries keep their time as text in one format on both backends; the
    // entries of one change share their table, record and time.
    let audited: Vec<(String, String, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT substr(occurred_at, 1, 10) AS day, operation, \
         COUNT(DISTINCT table_name || '/' || record_id || '/' || occurred_at) \
         FROM audit_log WHERE occurred_at >= $1 AND operation IN ('CREATE', 'UPDATE', 'DELETE') \
         GROUP BY substr(occurred_at, 1, 10), operation"
    )
    .bind(first.format("%Y-%m-%d").to_string())
    .fetch_all(c)
    .await)?;
    let mut operations: HashMap<String, DayOperations> = HashMap::new();
    for (day, operation, count) in audited {
        let d = operations.entry(day).or_default();
        match operation.as_str() {
            "CREATE" => d.create = count,
            "UPDATE" => d.update = count,
            _ => d.delete = count,
        }
    }
    let counts = |by_day: &HashMap<String, i64>| {
        dates
            .iter()
            .map(|d| {
                let date = d.format("%Y-%m-%d").to_string();
                DayCount {
                    count: by_day.get(&date).copied().unwrap_or(0),
                    date,
                }
            })
            .collect()
    };
    Ok(TimeSeries {
        accounts_created: counts(&accounts),
        users_created: counts(&users),
        audit_by_operation: dates
            .iter()
            .map(|d| {
                let date = d.format("%Y-%m-%d").to_string();
                let found = operations.remove(&date).unwrap_or_default();
                DayOperations { date, ..found }
            })
            .collect(),
    })
}
