//! The two real databases the compiled SQL runs on, with the storage layout
//! the compiler assumes (see docs/rules.md).

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use snackbase_rules::{SqlParam, SqlPredicate};
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::gen::{Record, DATETIMES};

/// Where the PostgreSQL half of the tests connects, if anywhere. Panics
/// when PostgreSQL is required (`CI=true` or `SNACKBASE_REQUIRE_POSTGRES=1`)
/// but not configured.
pub fn postgres_url() -> Option<String> {
    match std::env::var("SNACKBASE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var("CI").is_ok_and(|v| v == "true")
                || std::env::var("SNACKBASE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "PostgreSQL is required (CI=true or SNACKBASE_REQUIRE_POSTGRES=1) but SNACKBASE_TEST_POSTGRES_URL is not set"
            );
            eprintln!("note: SNACKBASE_TEST_POSTGRES_URL is not set; skipping the PostgreSQL half");
            None
        }
    }
}

pub enum Db {
    Sqlite(SqliteConnection),
    Postgres { conn: PgConnection, schema: String },
}

const SQLITE_TABLE: &str = r#"CREATE TABLE "t" (
    "id" TEXT PRIMARY KEY, "account_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL, "created_by" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL, "updated_by" TEXT NOT NULL,
    "t1" TEXT, "t2" TEXT, "s1" TEXT, "r1" TEXT, "n1" REAL, "n2" REAL,
    "b1" INTEGER, "d1" TEXT, "j1" TEXT, "m1" TEXT, "value" TEXT)"#;

const POSTGRES_TABLE: &str = r#"CREATE TABLE "t" (
    "id" TEXT PRIMARY KEY, "account_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL, "created_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL, "updated_by" TEXT NOT NULL,
    "t1" TEXT, "t2" TEXT, "s1" TEXT, "r1" TEXT,
    "n1" DOUBLE PRECISION, "n2" DOUBLE PRECISION,
    "b1" BOOLEAN, "d1" TIMESTAMPTZ, "j1" JSONB, "m1" JSONB, "value" JSONB)"#;

const SQLITE_INSERT: &str = r#"INSERT INTO "t" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"#;

const POSTGRES_INSERT: &str = r#"INSERT INTO "t" VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), $4,
    CAST($5 AS TIMESTAMPTZ), $6, $7, $8, $9, $10, $11, $12, $13, CAST($14 AS TIMESTAMPTZ),
    CAST($15 AS JSONB), CAST($16 AS JSONB), CAST($17 AS JSONB))"#;

/// A record's columns in storage form, in table order: datetimes canonical,
/// JSON as text.
struct Row {
    texts: [Option<String>; 10],
    numbers: [Option<f64>; 2],
    b1: Option<bool>,
    json: [Option<String>; 4],
}

fn row(r: &Record) -> Row {
    let canonical = |i: usize| DATETIMES[i].1.to_owned();
    let json_list =
        |l: &Option<Vec<String>>| l.as_ref().map(|items| serde_json::json!(items).to_string());
    let [t1, t2, s1, r1] = r.texts.clone();
    Row {
        texts: [
            Some(r.id.clone()),
            Some("acc".into()),
            Some(canonical(r.created_at)),
            Some(r.created_by.clone()),
            Some(canonical(r.updated_at)),
            Some(r.updated_by.clone()),
            t1,
            t2,
            s1,
            r1,
        ],
        numbers: r.numbers,
        b1: r.b1,
        json: [
            r.d1.map(canonical),
            r.j1.as_ref().map(|j| j.to_string()),
            json_list(&r.lists[0]),
            json_list(&r.lists[1]),
        ],
    }
}

macro_rules! bind_row {
    ($query:expr, $row:expr) => {{
        let Row {
            texts,
            numbers,
            b1,
            json,
        } = $row;
        let mut query = $query;
        for text in texts {
            query = query.bind(text);
        }
        for number in numbers {
            query = query.bind(number);
        }
        query = query.bind(b1);
        for text in json {
            query = query.bind(text);
        }
        query
    }};
}

macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                SqlParam::Null => query.bind(None::<String>),
                SqlParam::Bool(b) => query.bind(*b),
                SqlParam::Int(i) => query.bind(*i),
                SqlParam::Float(f) => query.bind(*f),
                SqlParam::Text(s) => query.bind(s.as_str()),
            };
        }
        query
    }};
}

impl Db {
    pub async fn sqlite() -> Db {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("sqlite opens");
        sqlx::query(SQLITE_TABLE)
            .execute(&mut conn)
            .await
            .expect("table created");
        Db::Sqlite(conn)
    }

    /// Connects and creates a uniquely named schema holding table `t`.
    pub async fn postgres(url: &str) -> Db {
        let mut conn = PgConnection::connect(url).await.expect("postgres connects");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let schema = format!("rules_test_{}_{nanos}", std::process::id());
        for sql in [
            format!("CREATE SCHEMA \"{schema}\""),
            format!("SET search_path TO \"{schema}\""),
        ] {
            sqlx::query(&sql)
                .execute(&mut conn)
                .await
                .expect("schema created");
        }
        sqlx::query(POSTGRES_TABLE)
            .execute(&mut conn)
            .await
            .expect("table created");
        Db::Postgres { conn, schema }
    }

    /// Drops what [`Db::postgres`] created.
    pub async fn close(self) {
        if let Db::Postgres { mut conn, schema } = self {
            let sql = format!("DROP SCHEMA \"{schema}\" CASCADE");
            sqlx::query(&sql)
                .execute(&mut conn)
                .await
                .expect("schema dropped");
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres { .. } => "postgres",
        }
    }

    /// Replaces the table's content with `records`.
    pub async fn load(&mut self, records: &[Record]) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(conn) => {
                sqlx::query("DELETE FROM \"t\"").execute(&mut *conn).await?;
                for r in records {
                    bind_row!(sqlx::query(SQLITE_INSERT), row(r))
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Db::Postgres { conn, .. } => {
                sqlx::query("DELETE FROM \"t\"").execute(&mut *conn).await?;
                for r in records {
                    bind_row!(sqlx::query(POSTGRES_INSERT), row(r))
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The ids of the records `predicate` selects.
    pub async fn select(
        &mut self,
        predicate: &SqlPredicate,
    ) -> Result<BTreeSet<String>, sqlx::Error> {
        let sql = format!("SELECT \"id\" FROM \"t\" WHERE {}", predicate.sql);
        let ids: Vec<(String,)> = match self {
            Db::Sqlite(conn) => {
                bind_params!(sqlx::query_as(&sql), &predicate.params)
                    .fetch_all(&mut *conn)
                    .await?
            }
            Db::Postgres { conn, .. } => {
                bind_params!(sqlx::query_as(&sql), &predicate.params)
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// The number of rows in the table.
    pub async fn count(&mut self) -> Result<i64, sqlx::Error> {
        let sql = "SELECT count(*) FROM \"t\"";
        let (n,): (i64,) = match self {
            Db::Sqlite(conn) => sqlx::query_as(sql).fetch_one(&mut *conn).await?,
            Db::Postgres { conn, .. } => sqlx::query_as(sql).fetch_one(&mut *conn).await?,
        };
        Ok(n)
    }
}
