//! PostgreSQL's row-level security on collection tables (issue 19): a
//! tenant's statements see and write one account's rows even when a query
//! forgets its account filter; the superadmin's and the system's work passes
//! by ownership (the explicit bypass).

use serde_json::{json, Value};
use snackbase_server::db::{Db, RowSecurity, Tx};
use snackbase_server::on_tx;

use crate::harness::*;

/// Posts in Alpha (AA0001: two) and Beta (AA0002: one), written through the
/// API by each account's admin (so through the wall); returns the tokens
/// (superadmin, Alpha, Beta) and the ids.
async fn posts(app: &TestApp) -> ([String; 3], Vec<String>) {
    let (sa, a, b) = app.with_posts().await;
    let mut ids = Vec::new();
    for (token, title) in [(&a, "a1"), (&a, "a2"), (&b, "b1")] {
        let made = app
            .post(
                "/api/v1/records/posts",
                Some(token),
                json!({"title": title}),
            )
            .await
            .expect(201)
            .clone();
        ids.push(made["id"].as_str().expect("id").to_string());
    }
    ([sa, a, b], ids)
}

/// The account of every row `sql` returns, run in `tx`.
async fn accounts(tx: &mut Tx, sql: &str) -> Vec<String> {
    let mut out: Vec<String> =
        on_tx!(tx, |c| sqlx::query_scalar(sql).fetch_all(c).await).expect("the query runs");
    out.sort();
    out
}

async fn exec(tx: &mut Tx, sql: &str) -> Result<u64, String> {
    on_tx!(tx, |c| sqlx::query(sql)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| e.to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_without_its_account_filter_still_sees_one_account() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let _ = posts(&app).await;
    let db: &Db = &app.state.db;
    assert!(db.row_security(), "on by default where the role is usable");
    let broken = "SELECT account_id FROM col_posts";

    // Reads: Alpha's transaction sees Alpha's rows only, Beta's Beta's.
    let mut tx = db.begin_read_as(Some("AA0001")).await.expect("begin");
    assert_eq!(accounts(&mut tx, broken).await, ["AA0001", "AA0001"]);
    drop(tx);
    let mut tx = db.read_as(Some("AA0002")).await.expect("begin");
    assert_eq!(accounts(&mut tx, broken).await, ["AA0002"]);
    drop(tx);
    // An account that does not exist sees nothing; so does a blank one.
    for nobody in ["ZZ9999", "", "' OR '1'='1"] {
        let mut tx = db.begin_read_as(Some(nobody)).await.expect("begin");
        assert!(accounts(&mut tx, broken).await.is_empty(), "{nobody:?}");
    }
    // The bypass: the superadmin's and the system's work sees every row.
    let mut tx = db.begin_read_as(None).await.expect("begin");
    assert_eq!(
        accounts(&mut tx, broken).await,
        ["AA0001", "AA0001", "AA0002"]
    );
    drop(tx);

    // Writes: an unfiltered UPDATE or DELETE reaches Alpha's rows only, and
    // Alpha cannot write a row into Beta or move one there.
    let mut tx = db.begin_as(Some("AA0001")).await.expect("begin");
    assert_eq!(
        exec(&mut tx, "UPDATE col_posts SET title = 'x'").await,
        Ok(2)
    );
    assert_eq!(exec(&mut tx, "DELETE FROM col_posts").await, Ok(2));
    drop(tx); // rolled back
    for sql in [
        "INSERT INTO col_posts (id, account_id, created_at, updated_at, title) \
         VALUES ('forged', 'AA0002', now(), now(), 'in B')",
        "UPDATE col_posts SET account_id = 'AA0002'",
    ] {
        let mut tx = db.begin_as(Some("AA0001")).await.expect("begin");
        let refused = exec(&mut tx, sql).await.expect_err(sql);
        assert!(refused.contains("row-level security"), "{refused}");
    }
    let mut tx = db.begin_read_as(None).await.expect("begin");
    assert_eq!(
        accounts(&mut tx, broken).await,
        ["AA0001", "AA0001", "AA0002"],
        "the rolled-back and refused writes changed nothing"
    );
    drop(tx);

    // The settings end with the transaction: the pooled connection that ran
    // Alpha's statements answers the system's next query as the owner.
    for _ in 0..8 {
        let mut tx = db.read().await.expect("read");
        let (role, account): (String, Option<String>) = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT current_user::text, current_setting('snackbase.account_id', true)"
        )
        .fetch_one(c)
        .await)
        .expect("settings");
        assert_ne!(role, "snackbase_tenant");
        assert!(account.unwrap_or_default().is_empty());
    }
}

/// Every record route of a tenant goes through the wall: with the policy
/// made to show nothing, a tenant's lists are empty and its records 404 on
/// every path (the one-statement reads, the pooled reads, writes, batch,
/// aggregate), while the superadmin still reaches them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_route_of_a_tenant_runs_under_the_policy() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let ([sa, a, _b], ids) = posts(&app).await;
    let one = format!("/api/v1/records/posts/{}", ids[0]);
    // Warm the caches, so the one-statement paths are taken.
    for _ in 0..2 {
        app.get(&one, Some(&a)).await.expect(200);
        app.get("/api/v1/records/posts", Some(&a)).await.expect(200);
    }
    let mut conn = app.pg_connection().await;
    sqlx::query(
        "ALTER POLICY tenant_isolation ON col_posts USING (false) WITH CHECK (account_id = 'AA0001')",
    )
    .execute(&mut conn)
    .await
    .expect("alter policy");

    let listed = |v: &Value| v["items"].as_array().map(Vec::len);
    // Both read paths: PostgreSQL's one-statement reads, then the pooled ones.
    for one_statement in [true, false] {
        app.state.db.set_one_statement_reads(one_statement);
        for path in [
            "/api/v1/records/posts",
            "/api/v1/records/posts?sort=title&limit=1",
        ] {
            let page = app.get(path, Some(&a)).await.expect(200).clone();
            assert_eq!(listed(&page), Some(0), "{path}: {page}");
        }
        app.get(&one, Some(&a)).await.expect(404);
    }
    app.patch(&one, Some(&a), json!({"title": "changed"}))
        .await
        .expect(404);
    app.delete(&one, Some(&a)).await.expect(404);
    let batch = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/records/posts/batch",
            Some(&a),
            Some(json!({"ids": [ids[0]]})),
        )
        .await;
    batch.expect(404);
    let counted = app
        .get(
            "/api/v1/records/posts/aggregate?functions=count()",
            Some(&a),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(counted["results"][0]["count"], 0, "{counted}");

    // The superadmin passes by ownership: every record is still there.
    let page = app
        .get("/api/v1/records/posts?account_id=AA0001", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(listed(&page), Some(2), "{page}");
    let all = app
        .get(&format!("{one}?account_id=AA0001"), Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(all["title"], "a1");
}

/// Collections made after the migration get the policy from their DDL; with
/// SNACKBASE_POSTGRES_RLS=off the wall is down and tenants' transactions are
/// the owner's (what the benchmark compares).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_tables_carry_the_policy_and_off_turns_the_wall_down() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start_with(Backend::Postgres, |c| c.postgres_rls = RowSecurity::Off).await;
    let _ = posts(&app).await;
    let mut conn = app.pg_connection().await;
    let (secured, policies): (bool, i64) = sqlx::query_as(
        "SELECT c.relrowsecurity, \
         (SELECT COUNT(*) FROM pg_policies p WHERE p.tablename = 'col_posts' \
          AND p.schemaname = current_schema() AND p.policyname = 'tenant_isolation') \
         FROM pg_class c WHERE c.oid = 'col_posts'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .expect("catalog");
    assert!(secured);
    assert_eq!(policies, 1);

    let db = &app.state.db;
    assert!(!db.row_security());
    let mut tx = db.begin_read_as(Some("AA0001")).await.expect("begin");
    assert_eq!(
        accounts(&mut tx, "SELECT account_id FROM col_posts").await,
        ["AA0001", "AA0001", "AA0002"],
        "off: only the application's filter stands"
    );
}

/// A request dropped while its transaction's `BEGIN` is on the wire (its
/// client went away) leaves no connection behind in that transaction: the
/// next user of the connection runs as itself, outside any transaction.
/// (sqlx counts a transaction only once its `BEGIN` is answered; before the
/// fix such a connection went back to the pool inside the tenant's
/// transaction, and the superadmin's next read was refused as the tenant.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_dropped_while_it_begins_is_not_left_open() {
    use futures_util::FutureExt as _;
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let _ = posts(&app).await;
    let db: &Db = &app.state.db;
    assert!(db.row_security());
    for round in 0..50 {
        // Polled once (the BEGIN is sent, its answer not read), then dropped.
        for _ in 0..8 {
            drop(db.begin_as(Some("AA0001")).now_or_never());
            drop(db.begin_read().now_or_never());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        // Every connection of the pool at once: none is in a transaction or
        // runs as the tenant.
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(db.read().await.expect("a connection"));
        }
        for tx in &mut held {
            let role: String = on_tx!(tx, |c| sqlx::query_scalar("SELECT current_user::text")
                .fetch_one(c)
                .await)
            .expect("query");
            assert_ne!(role, "snackbase_tenant", "round {round}");
            // A savepoint exists only inside a transaction.
            let savepoint = on_tx!(tx, |c| sqlx::raw_sql("SAVEPOINT probe")
                .execute(c)
                .await
                .map(|_| ()));
            assert!(
                savepoint.is_err(),
                "round {round}: a connection left in a transaction"
            );
        }
    }
}
