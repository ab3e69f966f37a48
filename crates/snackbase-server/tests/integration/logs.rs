use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use snackbase_server::db::Db;

use crate::both;
use crate::harness::*;

async fn app_with_logs(backend: Backend) -> TestApp {
    TestApp::start_with(backend, |c| c.request_logs_flush_ms = 50).await
}

/// Polls the log list until `query` matches at least `n` entries (10 s at most).
async fn wait_for(app: &TestApp, token: &str, query: &str, n: i64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let res = app
            .get(&format!("/api/v1/admin/logs?{query}"), Some(token))
            .await;
        let body = res.expect(200).clone();
        if body["total"].as_i64().unwrap() >= n {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "fewer than {n} entries for {query}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().unwrap()
}

async fn insert_old(app: &TestApp, id: &str, created_at: DateTime<Utc>) {
    let sql = "INSERT INTO request_logs (id, created_at, method, path, status, duration_ms, correlation_id) \
               VALUES ($1, $2, 'GET', '/api/v1/old', 200, 1.5, 'cid_old')";
    match &app.state.db {
        Db::Sqlite { write, .. } => sqlx::query(sql)
            .bind(id)
            .bind(created_at)
            .execute(write)
            .await
            .map(|_| ()),
        Db::Postgres(pool, ..) => sqlx::query(sql)
            .bind(id)
            .bind(created_at)
            .execute(pool)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

async fn requests_are_logged_filtered_and_redacted(backend: Backend) {
    let app = app_with_logs(backend).await;
    let sa = app.superadmin().await;
    app.get(
        "/api/v1/nope?password=hunter2&x=1&refresh_token=abc",
        Some(&sa),
    )
    .await
    .expect(404);
    app.login("system", ADMIN_EMAIL, "wrong-password")
        .await
        .expect(401);
    app.get("/health", None).await.expect(200);
    for i in 0..20 {
        app.get(&format!("/api/v1/accounts?page={}", i + 1), Some(&sa))
            .await
            .expect(200);
    }

    // The burst arrives in full, whatever the batches were, with the caller named.
    let burst = wait_for(
        &app,
        &sa,
        "path=/api/v1/accounts%3Fpage%3D&page_size=100",
        20,
    )
    .await;
    assert!(items(&burst).iter().all(|e| e["account_id"] == "SY0000"
        && e["user_id"].as_str().is_some_and(|u| !u.is_empty())
        && e["status"] == 200
        && e["error"].is_null()));
    let nope = wait_for(&app, &sa, "path=/nope", 1).await;
    let entry = &items(&nope)[0];
    let path = entry["path"].as_str().unwrap();
    assert_eq!(
        path,
        "/api/v1/nope?password=[redacted]&x=1&refresh_token=[redacted]"
    );
    assert_eq!(entry["status"], 404);
    assert_eq!(entry["method"], "GET");
    // No route matched, so no extractor named the caller.
    assert!(entry["account_id"].is_null());
    assert!(entry["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(entry["correlation_id"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert_eq!(entry["ip"], "127.0.0.1");
    assert!(entry["duration_ms"].as_f64().unwrap() >= 0.0);

    // One entry by id; an unknown id is a 404.
    let id = entry["id"].as_str().unwrap();
    let one = app
        .get(&format!("/api/v1/admin/logs/{id}"), Some(&sa))
        .await;
    assert_eq!(one.expect(200)["path"], entry["path"]);
    app.get("/api/v1/admin/logs/no-such-entry", Some(&sa))
        .await
        .expect_error(404, "not_found");

    // Filters.
    let login = wait_for(&app, &sa, "status=401", 1).await;
    assert!(items(&login).iter().all(|e| e["status"] == 401));
    assert_eq!(items(&login)[0]["path"], "/api/v1/auth/login");
    assert_eq!(items(&login)[0]["method"], "POST");
    let client_errors = wait_for(&app, &sa, "status_class=4xx&page_size=100", 2).await;
    assert!(items(&client_errors)
        .iter()
        .all(|e| (400..500).contains(&e["status"].as_i64().unwrap())));
    let posts = wait_for(&app, &sa, "method=post&page_size=100", 1).await;
    assert!(items(&posts).iter().all(|e| e["method"] == "POST"));
    let health = app.get("/api/v1/admin/logs?path=/health", Some(&sa)).await;
    assert_eq!(health.expect(200)["total"], 0, "probes are not logged");
    let future = app
        .get("/api/v1/admin/logs?since=2999-01-01T00:00:00Z", Some(&sa))
        .await;
    assert_eq!(future.expect(200)["total"], 0);
    let past = app
        .get("/api/v1/admin/logs?until=2000-01-01T00:00:00Z", Some(&sa))
        .await;
    assert_eq!(past.expect(200)["total"], 0);
    let mine = app
        .get(
            "/api/v1/admin/logs?account_id=SY0000&page_size=100",
            Some(&sa),
        )
        .await;
    assert!(items(mine.expect(200))
        .iter()
        .all(|e| e["account_id"] == "SY0000"));
    let oldest = app
        .get("/api/v1/admin/logs?sort_order=asc&page_size=2", Some(&sa))
        .await;
    let oldest = items(oldest.expect(200)).clone();
    assert!(oldest[0]["created_at"].as_str() <= oldest[1]["created_at"].as_str());

    // Bad filters are 4xx in the envelope.
    for bad in [
        "status_class=9xx",
        "status=42",
        "since=yesterday",
        "until=2024-13-01",
        "method=GE%20T",
        "sort_by=ip",
        "sort_order=up",
        "page=0",
        "page_size=1000",
        "status=abc",
    ] {
        let res = app
            .get(&format!("/api/v1/admin/logs?{bad}"), Some(&sa))
            .await;
        assert!(
            res.status.is_client_error(),
            "{bad}: {} {}",
            res.status,
            res.text
        );
        assert!(res.json["error"].is_string(), "{bad}: {}", res.text);
    }

    let stats = app.get("/api/v1/admin/logs/stats", Some(&sa)).await;
    let stats = stats.expect(200);
    assert!(stats["by_class"]["4xx"].as_i64().unwrap() >= 2, "{stats}");
    assert!(stats["by_class"]["2xx"].as_i64().unwrap() >= 20, "{stats}");
    assert_eq!(stats["dropped"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_sqlite() {
    requests_are_logged_filtered_and_redacted(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_postgres() {
    if postgres_available() {
        requests_are_logged_filtered_and_redacted(Backend::Postgres).await;
    }
}

async fn retention_prunes_and_can_be_changed(backend: Backend) {
    let app = app_with_logs(backend).await;
    let sa = app.superadmin().await;
    let now = Utc::now();
    insert_old(&app, "ten-days", now - chrono::Duration::days(10)).await;
    insert_old(&app, "two-days", now - chrono::Duration::days(2)).await;

    let settings = app.get("/api/v1/admin/logs/settings", Some(&sa)).await;
    let settings = settings.expect(200);
    assert_eq!(settings["enabled"], true);
    assert_eq!(settings["retention_days"], 7);
    assert_eq!(settings["default_retention_days"], 7);
    assert_eq!(settings["overridden"], false);

    // Changing the retention prunes at once.
    let res = app
        .patch(
            "/api/v1/admin/logs/settings",
            Some(&sa),
            json!({"retention_days": 5}),
        )
        .await;
    assert_eq!(res.expect(200)["retention_days"], 5);
    assert_eq!(res.json["overridden"], true);
    app.get("/api/v1/admin/logs/ten-days", Some(&sa))
        .await
        .expect(404);
    app.get("/api/v1/admin/logs/two-days", Some(&sa))
        .await
        .expect(200);
    app.patch(
        "/api/v1/admin/logs/settings",
        Some(&sa),
        json!({"retention_days": 1}),
    )
    .await
    .expect(200);
    app.get("/api/v1/admin/logs/two-days", Some(&sa))
        .await
        .expect(404);

    // With 0 days nothing is kept; a request made then never shows up,
    // while one made after the retention is back does.
    app.patch(
        "/api/v1/admin/logs/settings",
        Some(&sa),
        json!({"retention_days": 0}),
    )
    .await
    .expect(200);
    assert_eq!(app.count("request_logs").await, 0);
    app.get("/api/v1/nope-while-zero", Some(&sa))
        .await
        .expect(404);
    let res = app
        .patch(
            "/api/v1/admin/logs/settings",
            Some(&sa),
            json!({"retention_days": null}),
        )
        .await;
    assert_eq!(res.expect(200)["retention_days"], 7);
    assert_eq!(res.json["overridden"], false);
    app.get("/api/v1/nope-after-zero", Some(&sa))
        .await
        .expect(404);
    wait_for(&app, &sa, "path=nope-after-zero", 1).await;
    let zero = app
        .get("/api/v1/admin/logs?path=nope-while-zero", Some(&sa))
        .await;
    assert_eq!(zero.expect(200)["total"], 0);

    // Bad settings are refused and change nothing.
    for bad in [
        json!({"retention_days": -1}),
        json!({"retention_days": 100000}),
        json!({"retention_days": "7"}),
        json!({"keep": 3}),
    ] {
        let res = app
            .patch("/api/v1/admin/logs/settings", Some(&sa), bad.clone())
            .await;
        assert_eq!(res.status.as_u16(), 422, "{bad}: {}", res.text);
    }
    let settings = app.get("/api/v1/admin/logs/settings", Some(&sa)).await;
    assert_eq!(settings.expect(200)["retention_days"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_sqlite() {
    retention_prunes_and_can_be_changed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_postgres() {
    if postgres_available() {
        retention_prunes_and_can_be_changed(Backend::Postgres).await;
    }
}

both!(logs_are_for_the_superadmin_only, |app| {
    let sa = app.superadmin().await;
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/api/v1/admin/logs",
        "/api/v1/admin/logs/stats",
        "/api/v1/admin/logs/settings",
    ] {
        app.get(path, Some(&owner))
            .await
            .expect_error(403, "forbidden");
        app.get(path, None).await.expect_error(401, "unauthorized");
        app.get(path, Some(&sa)).await.expect(200);
    }
    app.patch(
        "/api/v1/admin/logs/settings",
        Some(&owner),
        json!({"retention_days": 1}),
    )
    .await
    .expect_error(403, "forbidden");
});
