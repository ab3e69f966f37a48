//! Who a caller is and what they may do, decided the same on every node: the
//! start of nodes together, sessions, schema, rules, API keys and the auth
//! limits.

use serde_json::json;
use sqlx::Row as _;

use crate::cluster::{token, Cluster, PASSWORD};

const WRONG: &str = "Wrong-Password-1!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_started_together_on_an_empty_database_share_one_bootstrap() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    // Three processes migrated and bootstrapped the same empty schema at
    // once: one superadmin, every migration once, every node ready.
    let supers = c
        .sql("SELECT count(*) AS n FROM users WHERE account_id = 'SY0000'")
        .await;
    assert_eq!(supers[0].get::<i64, _>("n"), 1);
    let migrations = c
        .sql("SELECT count(*) AS n, count(DISTINCT version) AS d FROM _sqlx_migrations")
        .await;
    assert_eq!(
        migrations[0].get::<i64, _>("n"),
        migrations[0].get::<i64, _>("d")
    );
    for node in 0..3 {
        let ready = c.get(node, "/ready", None).await;
        assert_eq!(ready.status, 200, "node {node}: {}", ready.json);
        c.root(node).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_begun_on_one_node_is_honoured_and_ended_on_every_node() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    c.register(0, "ada@example.com", "Acme").await;
    let login = c.login(0, "acme", "ada@example.com").await;
    let access = token(&login);
    for node in 0..3 {
        let me = c.get(node, "/api/v1/auth/me", Some(&access)).await;
        assert_eq!(me.expect(200)["email"], "ada@example.com");
    }
    // Refreshed on B; the used refresh token replayed on C revokes the whole
    // session, and A sees that on the next request.
    let refreshed = c
        .post(
            1,
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": login["refresh_token"]}),
        )
        .await;
    let fresh = token(refreshed.expect(200));
    c.get(0, "/api/v1/auth/me", Some(&fresh)).await.expect(200);
    c.post(
        2,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": login["refresh_token"]}),
    )
    .await
    .expect(401);
    c.get(0, "/api/v1/auth/me", Some(&fresh)).await.expect(401);

    // Another login, ended on B: A and C refuse its token at once.
    let second = token(&c.login(2, "acme", "ada@example.com").await);
    c.get(0, "/api/v1/auth/me", Some(&second)).await.expect(200);
    let out = c
        .post(1, "/api/v1/auth/logout", Some(&second), json!({}))
        .await;
    assert_eq!(out.status, 204);
    for node in [0, 2] {
        c.get(node, "/api/v1/auth/me", Some(&second))
            .await
            .expect(401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_rules_and_keys_changed_on_one_node_hold_on_the_others_at_once() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    let root = c.root(0).await;
    let admin = c.register(1, "ada@example.com", "Acme").await;
    let made = c
        .post(
            0,
            "/api/v1/collections",
            Some(&root),
            json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
        )
        .await;
    let id = made.expect(201)["id"].as_str().unwrap().to_string();
    // Made on A, written through B and C at once.
    for node in [1, 2] {
        c.post(
            node,
            "/api/v1/records/notes",
            Some(&admin),
            json!({"title": "t"}),
        )
        .await
        .expect(201);
    }
    // A field added on A is accepted by C at once; one never added is not.
    c.put(
        0,
        &format!("/api/v1/collections/{id}"),
        Some(&root),
        json!({"schema": [{"name": "title", "type": "text"}, {"name": "score", "type": "number"}]}),
    )
    .await
    .expect(200);
    let rec = c
        .post(
            2,
            "/api/v1/records/notes",
            Some(&admin),
            json!({"title": "s", "score": 7}),
        )
        .await;
    assert_eq!(rec.expect(201)["score"], 7);

    // Rules: opened to the public on A, read anonymously on B; locked on C,
    // refused on A and B at once.
    let rules = "/api/v1/collections/notes/rules";
    c.put(0, rules, Some(&root), json!({"list_rule": ""}))
        .await
        .expect(200);
    let public = c.get(1, "/api/v1/records/notes?account=acme", None).await;
    assert_eq!(public.expect(200)["total"], 3);
    c.put(2, rules, Some(&root), json!({"list_rule": null}))
        .await
        .expect(200);
    for node in [0, 1] {
        c.get(node, "/api/v1/records/notes?account=acme", None)
            .await
            .expect(401);
    }

    // A SQL macro changed on A changes what a rule using it allows on C.
    c.post(
        0,
        "/api/v1/users",
        Some(&root),
        json!({"email": "bob@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
    )
    .await
    .expect(201);
    let bob = token(&c.login(1, "acme", "bob@example.com").await);
    let m = c
        .post(
            1,
            "/api/v1/macros",
            Some(&root),
            json!({"name": "notes_count", "description": "notes", "sql_query": "SELECT COUNT(*) FROM {notes}", "parameters": []}),
        )
        .await;
    let macro_id = m.expect(201)["id"].as_i64().unwrap();
    c.put(
        0,
        rules,
        Some(&root),
        json!({"list_rule": "@notes_count() >= 1"}),
    )
    .await
    .expect(200);
    let seen = c.get(2, "/api/v1/records/notes", Some(&bob)).await;
    assert_eq!(seen.expect(200)["total"], 3);
    c.patch(
        0,
        &format!("/api/v1/macros/{macro_id}"),
        Some(&root),
        json!({"sql_query": "SELECT COUNT(*) - 100 FROM {notes}"}),
    )
    .await
    .expect(200);
    let seen = c.get(2, "/api/v1/records/notes", Some(&bob)).await;
    assert_eq!(seen.expect(200)["total"], 0);

    // An API key made on A works on B and C; revoked on B, refused by all.
    let key = c
        .post(
            0,
            "/api/v1/admin/api-keys",
            Some(&admin),
            json!({"name": "backend"}),
        )
        .await;
    let key = key.expect(201).clone();
    let secret = key["key"].as_str().unwrap();
    let with_key = |node: usize| {
        c.client
            .get(format!("{}/api/v1/records/notes", c.base(node)))
            .header("X-API-Key", secret)
            .send()
    };
    for node in [1, 2] {
        assert_eq!(with_key(node).await.unwrap().status(), 200);
    }
    c.delete(
        1,
        &format!("/api/v1/admin/api-keys/{}", key["id"].as_str().unwrap()),
        Some(&admin),
    )
    .await;
    for node in 0..3 {
        assert_eq!(with_key(node).await.unwrap().status(), 401, "node {node}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_limits_and_lockouts_are_shared_by_the_nodes() {
    let Some(c) = Cluster::start_with(
        3,
        &[
            ("SNACKBASE_RATE_LIMIT_ENABLED", "true"),
            ("SNACKBASE_RATE_LIMIT_PER_MINUTE", "100000"),
            ("SNACKBASE_RATE_LIMIT_PER_HOUR", "1000000"),
            ("SNACKBASE_AUTH_RATE_LIMIT_PER_MINUTE", "100000"),
            ("SNACKBASE_LOGIN_RATE_LIMIT_PER_MINUTE", "100000"),
            ("SNACKBASE_AUTH_LOCKOUT_THRESHOLD", "4"),
        ],
    )
    .await
    else {
        return;
    };
    c.register(0, "ada@example.com", "Acme").await;
    let login = |node: usize, password: &'static str| {
        c.post(
            node,
            "/api/v1/auth/login",
            None,
            json!({"account": "acme", "email": "ada@example.com", "password": password}),
        )
    };
    // Four failures spread over three nodes lock the pair on all of them,
    // the right password included.
    let mut statuses = Vec::new();
    for i in 0..9 {
        statuses.push(login(i % 3, WRONG).await.status.as_u16());
    }
    assert_eq!(statuses[..4], [401; 4], "{statuses:?}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
    for node in 0..3 {
        login(node, PASSWORD).await.expect(429);
    }
}
