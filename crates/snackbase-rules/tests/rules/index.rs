//! Compiled filters can be served by an index: a list query for one account,
//! filtered on an indexed field and ordered like the server orders pages,
//! searches the index on `(account_id, status, created_at, id)` with `status`
//! in the index condition, on SQLite and (when configured) PostgreSQL.

use std::time::{SystemTime, UNIX_EPOCH};

use snackbase_rules::{
    compile, parse, Dialect, FieldType, Schema, Scope, SqlContext, SqlParam, SqlPredicate, Value,
};
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::agreement::runtime;
use crate::db::postgres_url;

const ROWS: u32 = 20_000;

/// The filter the task is about, and others that must reach the index too.
/// Each comes with the indexed columns its index condition must mention.
const FILTERS: [(&str, &[&str]); 8] = [
    ("status == 's3'", &["account_id", "status"]),
    ("status == 's3' and n > 3", &["account_id", "status"]),
    (
        "status == 's3' and created_at >= '2024-01-05T00:00:00Z'",
        &["account_id", "status", "created_at"],
    ),
    ("status in ['s3', 's7']", &["account_id", "status"]),
    // The same in the SDK's dialect.
    ("status = 's3'", &["account_id", "status"]),
    ("status = 's3' && n > 3", &["account_id", "status"]),
    (
        "status = 's3' && created_at >= Fri Jan 05 2024 01:00:00 GMT+0100 (Central European Standard Time)",
        &["account_id", "status", "created_at"],
    ),
    ("status IN ('s3', 's7')", &["account_id", "status"]),
];

const SQLITE_SETUP: [&str; 3] = [
    r#"CREATE TABLE "t" ("id" TEXT PRIMARY KEY, "account_id" TEXT NOT NULL,
        "created_at" TEXT NOT NULL, "status" TEXT, "n" REAL)"#,
    r#"CREATE INDEX "t_account_status" ON "t" ("account_id", "status", "created_at", "id")"#,
    // Canonical datetimes (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), one a minute;
    // five accounts, ten statuses and some NULLs.
    r#"INSERT INTO "t"
        WITH RECURSIVE "seq"("i") AS (SELECT 0 UNION ALL SELECT "i" + 1 FROM "seq" WHERE "i" < 19999)
        SELECT printf('r%05d', "i"), printf('a%d', "i" % 5),
            strftime('%Y-%m-%dT%H:%M:%S', '2024-01-01', '+' || "i" || ' minutes') || '.000000Z',
            CASE WHEN "i" % 11 = 0 THEN NULL ELSE printf('s%d', ("i" / 5) % 10) END,
            "i" % 7
        FROM "seq""#,
];

const POSTGRES_SETUP: [&str; 3] = [
    r#"CREATE TABLE "t" ("id" TEXT PRIMARY KEY, "account_id" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL, "status" TEXT, "n" DOUBLE PRECISION)"#,
    r#"CREATE INDEX "t_account_status" ON "t" ("account_id", "status", "created_at", "id")"#,
    r#"INSERT INTO "t"
        SELECT 'r' || lpad("i"::text, 5, '0'), 'a' || ("i" % 5),
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + "i" * INTERVAL '1 minute',
            CASE WHEN "i" % 11 = 0 THEN NULL ELSE 's' || (("i" / 5) % 10) END,
            ("i" % 7)::float8
        FROM generate_series(0, 19999) AS "i""#,
];

/// A list filter's context, as the server gives it.
struct Filter;

impl SqlContext for Filter {
    fn resolve(&self, _path: &[&str]) -> Value {
        Value::Null
    }

    fn now_hour_utc(&self) -> u8 {
        0
    }

    fn table_alias(&self) -> Option<&str> {
        Some("t")
    }
}

/// `filter` compiled for `dialect` with parameters from `$2` (`$1` is the
/// account), and the list query around it.
fn list_query(dialect: Dialect, filter: &str) -> (String, SqlPredicate) {
    let schema = Schema::from_fields([
        ("status", FieldType::Select { multiple: false }),
        ("n", FieldType::Number),
    ])
    .expect("valid schema");
    let expr = parse(filter).expect("parses");
    let predicate =
        compile(&expr, &schema, &Scope::filter(), dialect, &Filter, 2).expect("compiles");
    let sql = format!(
        r#"SELECT "t"."id" FROM "t" AS "t" WHERE "t"."account_id" = $1 AND ({}) ORDER BY "t"."created_at" DESC, "t"."id" DESC LIMIT 20"#,
        predicate.sql
    );
    (sql, predicate)
}

macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query.bind("a1");
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

/// The columns of `index` named in SQLite's `SEARCH … USING [COVERING]
/// INDEX index (…)`.
fn sqlite_index_columns(plan: &str, index: &str) -> Option<Vec<String>> {
    let line = plan
        .lines()
        .find(|l| l.starts_with("SEARCH") && l.contains(&format!("INDEX {index} (")))?;
    let inside = line.split_once(" (")?.1.strip_suffix(')')?;
    Some(
        inside
            .split(" AND ")
            .map(|c| {
                c.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect(),
    )
}

#[test]
fn sqlite_searches_the_index() {
    let rt = runtime();
    rt.block_on(async {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("sqlite opens");
        for sql in SQLITE_SETUP.iter().chain(&["ANALYZE"]) {
            sqlx::query(sql)
                .execute(&mut conn)
                .await
                .expect("table filled");
        }
        let (n,): (i64,) = sqlx::query_as(r#"SELECT count(*) FROM "t""#)
            .fetch_one(&mut conn)
            .await
            .expect("counts");
        assert_eq!(n, i64::from(ROWS));
        for (filter, columns) in FILTERS {
            let (sql, predicate) = list_query(Dialect::Sqlite, filter);
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let rows: Vec<(i64, i64, i64, String)> =
                bind_all!(sqlx::query_as(&explain), &predicate.params)
                    .fetch_all(&mut conn)
                    .await
                    .expect("explains");
            let plan: Vec<String> = rows.into_iter().map(|(.., detail)| detail).collect();
            let plan = plan.join("\n");
            let used = sqlite_index_columns(&plan, "t_account_status");
            assert_eq!(
                used.as_deref(),
                Some(&columns.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()[..]),
                "{filter}: the index is not searched on {columns:?}\nsql: {sql}\nplan:\n{plan}"
            );
            if !filter.to_ascii_lowercase().contains(" in ") {
                assert!(
                    !plan.contains("TEMP B-TREE"),
                    "{filter}: the index does not serve the order\nsql: {sql}\nplan:\n{plan}"
                );
            }
            // The query runs and finds rows.
            let ids: Vec<(String,)> = bind_all!(sqlx::query_as(&sql), &predicate.params)
                .fetch_all(&mut conn)
                .await
                .expect("runs");
            assert_eq!(ids.len(), 20, "{filter}");
        }
        conn.close().await.expect("closes");
    });
}

/// The `Index Cond` of the (bitmap) index scan of `index` in a PostgreSQL
/// text plan.
fn postgres_index_cond(plan: &str, index: &str) -> Option<String> {
    let scan = [format!(" using {index} on "), format!(" on {index} ")];
    let mut lines = plan
        .lines()
        .skip_while(|l| !scan.iter().any(|s| l.contains(s.as_str())));
    lines.next()?;
    lines
        .take_while(|l| !l.contains("->"))
        .find_map(|l| l.trim().strip_prefix("Index Cond: "))
        .map(str::to_owned)
}

#[test]
fn postgres_searches_the_index() {
    let Some(url) = postgres_url() else {
        return;
    };
    let rt = runtime();
    rt.block_on(async {
        let mut conn = PgConnection::connect(&url)
            .await
            .expect("postgres connects");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let schema = format!("rules_index_{}_{nanos}", std::process::id());
        let setup = [
            format!("CREATE SCHEMA \"{schema}\""),
            format!("SET search_path TO \"{schema}\""),
        ];
        for sql in setup
            .iter()
            .map(String::as_str)
            .chain(POSTGRES_SETUP)
            .chain(["ANALYZE \"t\""])
        {
            sqlx::query(sql)
                .execute(&mut conn)
                .await
                .expect("table filled");
        }
        let mut failures = Vec::new();
        for (filter, columns) in FILTERS {
            let (sql, predicate) = list_query(Dialect::Postgres, filter);
            let explain = format!("EXPLAIN {sql}");
            let rows: Vec<(String,)> = bind_all!(sqlx::query_as(&explain), &predicate.params)
                .fetch_all(&mut conn)
                .await
                .expect("explains");
            let plan: Vec<String> = rows.into_iter().map(|(line,)| line).collect();
            let plan = plan.join("\n");
            let cond = postgres_index_cond(&plan, "t_account_status").unwrap_or_default();
            if columns.iter().any(|c| !cond.contains(c)) {
                failures.push(format!(
                    "{filter}: the index is not searched on {columns:?}\nsql: {sql}\nplan:\n{plan}"
                ));
            }
            let ids: Vec<(String,)> = bind_all!(sqlx::query_as(&sql), &predicate.params)
                .fetch_all(&mut conn)
                .await
                .expect("runs");
            if !filter.to_ascii_lowercase().contains(" in ") && plan.contains("Sort") {
                failures.push(format!(
                    "{filter}: the index does not serve the order\nsql: {sql}\nplan:\n{plan}"
                ));
            }
            if std::env::var("SNACKBASE_SHOW_PLANS").is_ok() {
                eprintln!("{filter}\n{sql}\n{plan}\n");
            }
            if ids.len() != 20 {
                failures.push(format!("{filter}: {} rows", ids.len()));
            }
        }
        sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .execute(&mut conn)
            .await
            .expect("schema dropped");
        conn.close().await.expect("closes");
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    });
}
