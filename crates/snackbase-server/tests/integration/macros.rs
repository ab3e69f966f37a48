use serde_json::json;

use crate::both;
use crate::harness::*;

async fn setup(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    app.post("/api/v1/collections", Some(&sa), json!({"name": "posts", "schema": [{"name": "title", "type": "text"}, {"name": "status", "type": "text"}]}))
        .await
        .expect(201);
    let a = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let b = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (t, n) in [(&a, 3), (&b, 2)] {
        for i in 0..n {
            app.post(
                "/api/v1/records/posts",
                Some(t),
                json!({"title": format!("p{i}"), "status": "live"}),
            )
            .await
            .expect(201);
        }
    }
    (sa, a, b)
}

both!(macros_are_validated_scoped_and_read_only, |app| {
    let (sa, a, _) = setup(&app).await;
    let t = Some(sa.as_str());
    let m = app
        .post("/api/v1/macros", t, json!({"name": "count_status", "description": "Posts with a status",
            "sql_query": "SELECT COUNT(*) FROM {posts} WHERE status = :status", "parameters": ["status"]}))
        .await
        .expect(201)
        .clone();
    let id = m["id"].as_i64().unwrap();
    // The test runs inside one account and sees only its rows.
    let res = app
        .post(
            &format!("/api/v1/macros/{id}/test"),
            t,
            json!({"parameters": ["live"], "account_id": "AA0001"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(res["result"], 3);
    let res = app
        .post(
            &format!("/api/v1/macros/{id}/test"),
            t,
            json!({"params": ["live"], "account_id": "AA0002"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(res["result"], 2);
    app.post(
        &format!("/api/v1/macros/{id}/test"),
        t,
        json!({"parameters": []}),
    )
    .await
    .expect(422);

    // What a macro may not be.
    for (sql, params) in [
        ("DELETE FROM {posts}", json!([])),
        ("SELECT 1; DELETE FROM {posts}", json!([])),
        ("SELECT COUNT(*) FROM users", json!([])),
        ("SELECT COUNT(*) FROM col_posts", json!([])),
        ("SELECT COUNT(*) FROM {ghosts}", json!([])),
        ("SELECT :nope", json!([])),
        ("SELECT COUNT(* FROM {posts}", json!([])),
        ("SELECT id, title FROM {posts}", json!([])),
        ("SELECT 1 -- comment", json!([])),
        ("SELECT * FROM sqlite_master", json!([])),
        ("SELECT :account_id", json!(["account_id"])),
    ] {
        let res = app
            .post(
                "/api/v1/macros",
                t,
                json!({"name": "bad", "sql_query": sql, "parameters": params}),
            )
            .await;
        res.expect_error(422, "validation_error");
    }
    app.post(
        "/api/v1/macros",
        t,
        json!({"name": "has_role", "sql_query": "SELECT 1"}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/macros",
        t,
        json!({"name": "count_status", "sql_query": "SELECT 1"}),
    )
    .await
    .expect_error(409, "conflict");

    // A macro that would run forever is stopped at its time limit.
    let slow = app
        .post("/api/v1/macros", t, json!({"name": "forever",
            "sql_query": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let started = std::time::Instant::now();
    app.post(&format!("/api/v1/macros/{slow}/test"), t, json!({}))
        .await
        .expect_error(422, "validation_error");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Other users see names and parameters, never the SQL; only the superadmin changes macros.
    let listed = app
        .get("/api/v1/macros", Some(&a))
        .await
        .expect(200)
        .clone();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed[0].get("sql_query").is_none());
    assert!(app
        .get(&format!("/api/v1/macros/{id}"), t)
        .await
        .expect(200)["sql_query"]
        .is_string());
    app.post(
        "/api/v1/macros",
        Some(&a),
        json!({"name": "x", "sql_query": "SELECT 1"}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/macros/{id}/test"),
        Some(&a),
        json!({"parameters": ["live"]}),
    )
    .await
    .expect(403);
    let updated = app
        .patch(
            &format!("/api/v1/macros/{id}"),
            t,
            json!({"description": "Counted"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(updated["description"], "Counted");
    assert_eq!(updated["parameters"], json!(["status"]));
    app.delete(&format!("/api/v1/macros/{slow}"), t)
        .await
        .expect(204);
    app.get(&format!("/api/v1/macros/{slow}"), t)
        .await
        .expect(404);
});

both!(macros_work_inside_rules, |app| {
    let (sa, a, _) = setup(&app).await;
    let t = Some(sa.as_str());
    app.post("/api/v1/macros", t, json!({"name": "my_posts", "sql_query": "SELECT COUNT(*) FROM {posts} WHERE created_by = :user_id"}))
        .await
        .expect(201);
    app.post("/api/v1/users", t, json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201);
    let tu = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bad = app.post("/api/v1/permissions", t, json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "@my_posts(1) > 0"}}})).await;
    bad.expect_error(422, "validation_error");
    app.post(
        "/api/v1/permissions",
        t,
        json!({"role_id": 2, "collection": "posts", "rules": {
        "create": {"rule": "true"}, "read": {"rule": "@my_posts() >= 1"}}}),
    )
    .await
    .expect(201);
    // No post of their own yet: nothing is readable (in SQL for the list, in memory for one record).
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&tu))
            .await
            .expect(200)["total"],
        0
    );
    let other = app
        .get("/api/v1/records/posts?limit=1", Some(&a))
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/records/posts/{other}"), Some(&tu))
        .await
        .expect(404);
    app.post("/api/v1/records/posts", Some(&tu), json!({"title": "mine"}))
        .await
        .expect(201);
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&tu))
            .await
            .expect(200)["total"],
        4,
        "the account's rows only"
    );
    app.get(&format!("/api/v1/records/posts/{other}"), Some(&tu))
        .await
        .expect(200);
    // A macro in use cannot be deleted.
    let id = app.get("/api/v1/macros", t).await.json[0]["id"]
        .as_i64()
        .unwrap();
    app.delete(&format!("/api/v1/macros/{id}"), t)
        .await
        .expect_error(409, "conflict");
});

both!(a_slow_macro_in_a_list_rule_is_stopped_at_its_limit, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post("/api/v1/records/posts", Some(&admin), json!({"title": "x"}))
        .await
        .expect(201);
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post("/api/v1/macros", Some(&sa), json!({"name": "forever",
        "sql_query": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"}))
        .await
        .expect(201);
    app.put(
        "/api/v1/roles/2/permissions/bulk",
        Some(&sa),
        json!({"updates": [{"collection": "posts", "operation": "read", "rule": "@forever() > 0"}]}),
    )
    .await
    .expect(200);
    // Inlined in the list statement, the macro keeps its 1 s limit: the rule
    // fails, so it denies (nothing listed) instead of running forever.
    let started = std::time::Instant::now();
    let listed = app.get("/api/v1/records/posts", Some(&u)).await;
    assert_eq!(listed.expect(200)["total"], 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The limit ends with the request: the pooled connections serve others normally.
    for _ in 0..12 {
        assert_eq!(
            app.get("/api/v1/records/posts", Some(&admin))
                .await
                .expect(200)["total"],
            1
        );
    }
});
