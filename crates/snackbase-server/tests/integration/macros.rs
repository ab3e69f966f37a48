use serde_json::json;

use crate::both;
use crate::harness::*;

async fn setup(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    app.post("/api/v1/collections", Some(&sa), json!({"name": "posts", "schema": [{"name": "title", "type": "text"}, {"name": "status", "type": "text"}]}))
        .await
        .expect(201);
    let (a, b) = app.alpha_and_beta().await;
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
        ("SELECT password_hash FROM 'users'", json!([])),
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

/// Reads the old deny-list let through (issue 11, defect 4), and their
/// variants: each is refused when saved, and nothing is stored.
const OUTSIDE_READS: &[&str] = &[
    "SELECT password_hash FROM 'users'",
    "SELECT password_hash FROM \"users\"",
    "SELECT password_hash FROM [users]",
    "SELECT password_hash FROM `users`",
    "SELECT password_hash FROM main.users",
    "SELECT password_hash FROM/**/users",
    "SELECT COUNT(*) FROM 'col_notes'",
    "SELECT COUNT(*) FROM \"col_notes\"",
    "SELECT secret FROM webhooks",
    "SELECT token FROM invitations",
    "SELECT COUNT(*) FROM request_logs",
    "SELECT COUNT(*) FROM webhook_deliveries",
    "SELECT COUNT(*) FROM settings",
    "SELECT COUNT(*) FROM email_templates",
    "SELECT name FROM pragma_table_info('users') LIMIT 1",
    "PRAGMA table_info(users)",
    "ATTACH DATABASE 'x.db' AS x",
    "SELECT usename FROM pg_catalog.pg_user",
    "SELECT E'\\'' || (SELECT email FROM users LIMIT 1) || E'\\''",
    "SELECT COUNT(*) FROM {notes} UNION SELECT COUNT(*) FROM users",
    "SELECT COUNT(*) FROM {notes} WHERE EXISTS (SELECT 1 FROM users)",
    "SELECT (SELECT password_hash FROM users LIMIT 1)",
    "WITH users AS (SELECT * FROM users) SELECT password_hash FROM users",
    "WITH col_notes AS (SELECT 'AA0001' AS account_id) SELECT COUNT(*) FROM {notes}",
    "SELECT 1; SELECT password_hash FROM users",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT current_setting('data_directory')",
];

both!(macros_cannot_read_outside_their_placeholders, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    let (a, b) = app.alpha_and_beta().await;
    for (token, n) in [(&a, 3), (&b, 1)] {
        for i in 0..n {
            app.post(
                "/api/v1/records/notes",
                Some(token),
                json!({"title": format!("n{i}")}),
            )
            .await
            .expect(201);
        }
    }
    for sql in OUTSIDE_READS {
        let res = app
            .post(
                "/api/v1/macros",
                t,
                json!({"name": "peek", "sql_query": sql}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.codes(), ["macro_query_invalid"], "{sql}: {}", res.text);
    }
    assert_eq!(app.count("macros").await, 0, "nothing was stored");

    // A plain macro (comments are fine) is stored as written and sees only
    // the caller's account; changing it into an outside read is refused.
    let sql = "SELECT COUNT(*) /* per account */ FROM {notes} n WHERE n.title <> 'x' -- all";
    let id = app
        .post(
            "/api/v1/macros",
            t,
            json!({"name": "notes_count", "sql_query": sql}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let res = app
        .post(
            &format!("/api/v1/macros/{id}/test"),
            t,
            json!({"account_id": "AA0002"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(res["result"], 1);
    for sql in OUTSIDE_READS {
        app.put(
            &format!("/api/v1/macros/{id}"),
            t,
            json!({"sql_query": sql}),
        )
        .await
        .expect_error(422, "validation_error");
    }
    assert_eq!(
        app.get(&format!("/api/v1/macros/{id}"), t)
            .await
            .expect(200)["sql_query"],
        sql
    );
});

both!(a_stored_macro_that_reads_outside_denies, |app| {
    let (sa, a, _) = setup(&app).await;
    let t = Some(sa.as_str());
    app.post("/api/v1/users", t, json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201);
    let u = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Saved before the check existed (straight into the table).
    app.exec_elsewhere(
        "INSERT INTO macros (name, sql_query, parameters, created_at, updated_at) VALUES \
         ('sneaky', 'SELECT COUNT(*) FROM users', '[]', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .await;
    app.post(
        "/api/v1/permissions",
        t,
        json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "@sneaky() > 0"}}}),
    )
    .await
    .expect(201);
    // The rule denies, in the list (inlined) and for one record (run alone).
    let listed = app.get("/api/v1/records/posts", Some(&u)).await;
    assert_eq!(listed.expect(200)["total"], 0);
    let one = app
        .get("/api/v1/records/posts?limit=1", Some(&a))
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/records/posts/{one}"), Some(&u))
        .await
        .expect(404);
    // Testing it says why.
    let id = app.get("/api/v1/macros", t).await.json[0]["id"]
        .as_i64()
        .unwrap();
    let res = app
        .post(&format!("/api/v1/macros/{id}/test"), t, json!({}))
        .await;
    res.expect_error(422, "validation_error");
    assert!(res.text.contains("cannot be read"), "{}", res.text);
});

both!(plain_macros_run_as_checked, |app| {
    // What runs is the query printed back from its checked syntax tree: it
    // must mean on each database what was written.
    let (sa, _, _) = setup(&app).await;
    let t = Some(sa.as_str());
    let mut cases = vec![
        ("WITH mine AS (SELECT * FROM {posts} WHERE status = :status) SELECT COUNT(*) FROM mine", json!(3)),
        ("SELECT COUNT(*) FROM {posts} p JOIN {posts} q USING (id)", json!(3)),
        ("SELECT COALESCE(MAX(LENGTH(title)), 0) FROM {posts}", json!(2)),
        ("SELECT COUNT(*) FROM (SELECT title FROM {posts} UNION SELECT 'zz') AS t", json!(4)),
        ("SELECT CASE WHEN COUNT(*) > 2 THEN 'many' ELSE 'few' END FROM {posts}", json!("many")),
        ("SELECT COUNT(*) FROM {posts} WHERE title LIKE 'p%' /* c */ AND title IN (SELECT title FROM {posts}) -- c", json!(3)),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT SUM(n) FROM r", json!(15)),
        ("SELECT rank() OVER (ORDER BY title) FROM {posts} ORDER BY 1 DESC LIMIT 1", json!(3)),
        ("SELECT COUNT(*) FROM {posts} WHERE title <> 'it''s' AND :status = 'live'", json!(3)),
    ];
    if app.state.db.backend() == snackbase_server::db::Backend::Postgres {
        cases.push((
            "SELECT COUNT(*) FROM {posts} WHERE created_at::timestamptz > now() - INTERVAL '1 day'",
            json!(3),
        ));
    } else {
        cases.push((
            "SELECT COUNT(*) FROM {posts} WHERE title GLOB 'p*'",
            json!(3),
        ));
    }
    for (i, (sql, want)) in cases.into_iter().enumerate() {
        let id = app
            .post(
                "/api/v1/macros",
                t,
                json!({"name": format!("m{i}"), "sql_query": sql, "parameters": ["status"]}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let res = app
            .post(
                &format!("/api/v1/macros/{id}/test"),
                t,
                json!({"parameters": ["live"], "account_id": "AA0001"}),
            )
            .await;
        assert_eq!(res.expect(200)["result"], want, "{sql}");
    }
});

both!(macro_lists_page_with_skip_and_limit, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    for name in ["m_c", "m_a", "m_e", "m_b", "m_d"] {
        app.post(
            "/api/v1/macros",
            t,
            json!({"name": name, "sql_query": "SELECT 1"}),
        )
        .await
        .expect(201);
    }
    let names = |items: &serde_json::Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Unpaged: every macro, as a bare array (the admin console reads it so).
    let all = app.get("/api/v1/macros", t).await.expect(200).clone();
    assert_eq!(names(&all), ["m_a", "m_b", "m_c", "m_d", "m_e"]);
    let page = app
        .get("/api/v1/macros?skip=1&limit=2", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page["items"]), ["m_b", "m_c"]);
    assert_eq!(page["total"], 5);
    assert_eq!(page["skip"], 1);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["items"][0]["sql_query"], "SELECT 1");
    let page = app
        .get("/api/v1/macros?limit=3", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page["items"]), ["m_a", "m_b", "m_c"]);
    let page = app
        .get("/api/v1/macros?skip=4", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page["items"]), ["m_e"]);
    assert_eq!(page["limit"], 30);
    let page = app
        .get("/api/v1/macros?skip=50&limit=100", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["total"], 5);
    // A tenant pages too, without the SQL.
    let a = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app
        .get("/api/v1/macros?skip=0&limit=1", Some(&a))
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page["items"]), ["m_a"]);
    assert!(page["items"][0].get("sql_query").is_none());
    for bad in [
        "skip=-1",
        "limit=0",
        "limit=-5",
        "limit=101",
        "limit=100000000000000000000",
        "skip=x",
        "limit=1.5",
        "skip=",
    ] {
        let res = app.get(&format!("/api/v1/macros?{bad}"), t).await;
        res.expect_error(422, "validation_error");
    }
});
