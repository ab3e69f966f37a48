//! API keys: shown once and stored hashed, `X-API-Key` acting in one
//! account with the key's role, another account out of reach, revocation and
//! expiry effective at once (on another node too), superadmin routes closed,
//! keys managing keys only with the admin role, failures rate limited, and
//! hostile keys refused.

use serde_json::{json, Value};

use crate::harness::*;
use crate::{both, both_config};

/// A request with `X-API-Key` (and optionally more headers).
async fn with_key(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Response {
    let mut req = app
        .client
        .request(method, format!("{}{}", app.base, path))
        .header("X-API-Key", key);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    TestApp::read(req.send().await.unwrap()).await
}

async fn key_get(app: &TestApp, path: &str, key: &str) -> Response {
    with_key(app, reqwest::Method::GET, path, key, None, &[]).await
}

/// `posts` with a record in Alpha and one in Beta; the admins' tokens.
async fn setup(app: &TestApp) -> (String, String, String) {
    let (sa, a, b) = app.with_posts().await;
    for (t, title) in [(&a, "alpha post"), (&b, "beta post")] {
        app.post("/api/v1/records/posts", Some(t), json!({"title": title}))
            .await
            .expect(201);
    }
    (sa, a, b)
}

async fn create_key(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/v1/admin/api-keys", Some(token), body)
        .await
        .expect(201)
        .clone()
}

both!(a_key_is_shown_once_and_acts_in_its_account, |app| {
    let (_, a, _) = setup(&app).await;
    let created = create_key(&app, &a, json!({"name": "backend"})).await;
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sb_ak."), "{key}");
    assert_eq!(key.len(), "sb_ak.".len() + 16 + 1 + 43);
    let prefix = created["prefix"].as_str().unwrap();
    assert!(key.starts_with(prefix));
    assert_eq!(created["role"], "admin");
    assert_eq!(created["account_id"], "AA0001");
    assert_eq!(created["is_active"], true);
    assert_eq!(created["last_used_at"], Value::Null);

    // Listed and fetched masked; the secret is nowhere.
    let secret = key.rsplit('.').next().unwrap();
    let list = app.get("/api/v1/admin/api-keys", Some(&a)).await;
    assert_eq!(list.expect(200)["total"], 1);
    assert!(!list.text.contains(secret));
    let id = created["id"].as_str().unwrap();
    let one = app
        .get(&format!("/api/v1/admin/api-keys/{id}"), Some(&a))
        .await;
    assert!(!one.text.contains(secret));
    assert!(one.expect(200)["key"].as_str().unwrap().ends_with("••••"));

    // The key reads Alpha's records, and writes as the admin who made it.
    let records = key_get(&app, "/api/v1/records/posts", &key).await;
    let items = records.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "alpha post");
    let made = with_key(
        &app,
        reqwest::Method::POST,
        "/api/v1/records/posts",
        &key,
        Some(json!({"title": "by key"})),
        &[],
    )
    .await;
    let creator = created["created_by"].as_str().unwrap();
    assert_eq!(made.expect(201)["created_by"], creator);
    assert_eq!(made.json["account_id"], "AA0001");

    // Beta stays out of reach, by header or by query.
    let other = with_key(
        &app,
        reqwest::Method::GET,
        "/api/v1/records/posts",
        &key,
        None,
        &[("X-Account-ID", "AA0002")],
    )
    .await;
    other.expect_error(403, "forbidden");
    key_get(&app, "/api/v1/records/posts?account_id=AA0002", &key)
        .await
        .expect(403);

    // last_used_at is recorded (after the request, once a minute at most).
    let mut used = Value::Null;
    for _ in 0..50 {
        used = app
            .get(&format!("/api/v1/admin/api-keys/{id}"), Some(&a))
            .await
            .json["last_used_at"]
            .clone();
        if used.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(used.is_string(), "last_used_at was not recorded");
});

both!(revocation_and_expiry_take_effect_at_once, |app| {
    let (_, a, _) = setup(&app).await;
    let created = create_key(&app, &a, json!({"name": "ci"})).await;
    let key = created["key"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    key_get(&app, "/api/v1/records/posts", &key)
        .await
        .expect(200);
    app.delete(&format!("/api/v1/admin/api-keys/{id}"), Some(&a))
        .await
        .expect(204);
    let refused = key_get(&app, "/api/v1/records/posts", &key).await;
    refused.expect_error(401, "unauthorized");
    assert_eq!(refused.json["message"], "Invalid API key");
    let listed = app
        .get(&format!("/api/v1/admin/api-keys/{id}"), Some(&a))
        .await;
    assert_eq!(listed.expect(200)["is_active"], false);
    assert!(listed.json["revoked_at"].is_string());

    // Expiry: a key past its time stops working though the cache had it.
    let expiring = create_key(
        &app,
        &a,
        json!({"name": "short", "expires_at": "2999-01-01T00:00:00Z"}),
    )
    .await;
    let short = expiring["key"].as_str().unwrap().to_string();
    key_get(&app, "/api/v1/records/posts", &short)
        .await
        .expect(200);
    app.exec_elsewhere(
        "UPDATE api_keys SET expires_at = '2000-01-01T00:00:00Z' WHERE name = 'short'",
    )
    .await;
    // SQLite learns of another connection's change on its poll; wait for it.
    let mut status = 0;
    for _ in 0..30 {
        status = key_get(&app, "/api/v1/records/posts", &short)
            .await
            .status
            .as_u16();
        if status == 401 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 401);
    // Expiry in the past or malformed is refused at creation.
    for (at, code) in [
        ("2001-01-01T00:00:00Z", "in_the_past"),
        ("tomorrow", "invalid_datetime"),
    ] {
        let r = app
            .post(
                "/api/v1/admin/api-keys",
                Some(&a),
                json!({"name": "x", "expires_at": at}),
            )
            .await;
        r.expect_error(422, "validation_error");
        assert_eq!(r.codes(), [code]);
    }
});

both!(a_key_stops_when_its_maker_stops_being_an_admin, |app| {
    let (sa, a, _) = setup(&app).await;
    let created = create_key(&app, &a, json!({"name": "ops"})).await;
    let key = created["key"].as_str().unwrap().to_string();
    key_get(&app, "/api/v1/records/posts", &key)
        .await
        .expect(200);
    let maker = created["created_by"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/users/{maker}"),
        Some(&sa),
        json!({"role": "user"}),
    )
    .await
    .expect(200);
    key_get(&app, "/api/v1/records/posts", &key)
        .await
        .expect_error(401, "unauthorized");
    // Made an admin again, the key works again (it was never revoked).
    app.patch(
        &format!("/api/v1/users/{maker}"),
        Some(&sa),
        json!({"role": "admin"}),
    )
    .await
    .expect(200);
    key_get(&app, "/api/v1/records/posts", &key)
        .await
        .expect(200);
    // A key made by the superadmin for an account keeps working.
    let by_sa = create_key(&app, &sa, json!({"name": "sa", "account_id": "AA0001"})).await;
    key_get(
        &app,
        "/api/v1/records/posts",
        by_sa["key"].as_str().unwrap(),
    )
    .await
    .expect(200);
});

both!(a_revoked_key_fails_on_another_node_too, |app| {
    if app.state.db.backend() != snackbase_server::db::Backend::Postgres {
        return; // one node on SQLite
    }
    let (_, a, _) = setup(&app).await;
    let node_b = app.another_node().await;
    let created = create_key(&app, &a, json!({"name": "shared"})).await;
    let key = created["key"].as_str().unwrap().to_string();
    key_get(&node_b, "/api/v1/records/posts", &key)
        .await
        .expect(200);
    app.delete(
        &format!("/api/v1/admin/api-keys/{}", created["id"].as_str().unwrap()),
        Some(&a),
    )
    .await
    .expect(204);
    key_get(&node_b, "/api/v1/records/posts", &key)
        .await
        .expect_error(401, "unauthorized");
});

both!(keys_are_managed_within_limits, |app| {
    let (sa, a, b) = setup(&app).await;
    // The superadmin names the account; never the system account.
    app.post("/api/v1/admin/api-keys", Some(&sa), json!({"name": "x"}))
        .await
        .expect_error(422, "validation_error");
    app.post(
        "/api/v1/admin/api-keys",
        Some(&sa),
        json!({"name": "x", "account_id": "SY0000"}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post(
        "/api/v1/admin/api-keys",
        Some(&sa),
        json!({"name": "x", "account_id": "ZZ9999"}),
    )
    .await
    .expect_error(404, "not_found");
    let for_beta = create_key(&app, &sa, json!({"name": "ops", "account_id": "AA0002"})).await;
    assert_eq!(for_beta["account_id"], "AA0002");
    // An account admin cannot name another account, nor see its keys.
    app.post(
        "/api/v1/admin/api-keys",
        Some(&a),
        json!({"name": "x", "account_id": "AA0002"}),
    )
    .await
    .expect_error(403, "forbidden");
    let beta_id = for_beta["id"].as_str().unwrap();
    app.get(&format!("/api/v1/admin/api-keys/{beta_id}"), Some(&a))
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("/api/v1/admin/api-keys/{beta_id}"), Some(&a))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        app.get("/api/v1/admin/api-keys", Some(&a))
            .await
            .expect(200)["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/admin/api-keys", Some(&b))
            .await
            .expect(200)["total"],
        1
    );
    assert_eq!(
        app.get("/api/v1/admin/api-keys?account_id=AA0002", Some(&sa))
            .await
            .expect(200)["total"],
        1
    );
    // Bad input.
    for body in [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "x", "role": "public"}),
        json!({"name": "x", "role": "nope"}),
        json!({"name": "x", "scopes": ["all"]}),
    ] {
        app.post("/api/v1/admin/api-keys", Some(&a), body)
            .await
            .expect_error(422, "validation_error");
    }
    app.get("/api/v1/admin/api-keys?limit=0", Some(&a))
        .await
        .expect_error(422, "validation_error");

    // A user-role key reads as a user and cannot manage keys or users.
    let user_key = create_key(&app, &a, json!({"name": "reader", "role": "user"})).await;
    let user_key = user_key["key"].as_str().unwrap();
    key_get(&app, "/api/v1/admin/api-keys", user_key)
        .await
        .expect_error(403, "forbidden");
    with_key(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/api-keys",
        user_key,
        Some(json!({"name": "escalate"})),
        &[],
    )
    .await
    .expect_error(403, "forbidden");
    // An admin-role key may manage its account's keys, not the superadmin's routes.
    let admin_key = create_key(&app, &a, json!({"name": "automation"})).await;
    let admin_key = admin_key["key"].as_str().unwrap();
    key_get(&app, "/api/v1/admin/api-keys", admin_key)
        .await
        .expect(200);
    let closed = key_get(&app, "/api/v1/accounts", admin_key).await;
    closed.expect_error(403, "forbidden");
    assert!(closed.json["message"]
        .as_str()
        .unwrap()
        .contains("restricted"));
});

both!(hostile_keys_are_refused, |app| {
    let (_, a, _) = setup(&app).await;
    let real = create_key(&app, &a, json!({"name": "real"})).await;
    let real = real["key"].as_str().unwrap().to_string();
    let (head, secret) = real.rsplit_once('.').unwrap();
    let wrong_secret = format!("{head}.{}", "A".repeat(secret.len()));
    let long = "sb_ak.".to_string() + &"a".repeat(4000);
    for key in [
        wrong_secret.as_str(),
        "sb_ak.' OR 1=1 --",
        "sb_ak.aaaaaaaaaaaaaaaa.' UNION SELECT secret_hash FROM api_keys --",
        long.as_str(),
        "Bearer x",
    ] {
        let r = key_get(&app, "/api/v1/records/posts", key).await;
        r.expect_error(401, "unauthorized");
    }
    // The real key still works: failures changed nothing.
    key_get(&app, "/api/v1/records/posts", &real)
        .await
        .expect(200);
    // /auth/me tells a key's session from a login's.
    let me = key_get(&app, "/api/v1/auth/me", &real).await;
    assert_eq!(me.expect(200)["user"]["token_type"], "api_key");
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&a)).await.json["user"]["token_type"],
        "jwt"
    );
    // A bearer token wins over a key (the SDK may send both).
    let both_sent = app
        .client
        .get(format!("{}/api/v1/auth/me", app.base))
        .bearer_auth(&a)
        .header("X-API-Key", "sb_ak.nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(both_sent.status(), 200);
});

both_config!(
    key_failures_count_against_the_auth_limit,
    |c| {
        c.rate_limits.enabled = true;
        c.rate_limits.per_minute = 100_000;
        c.rate_limits.per_hour = 1_000_000;
        c.rate_limits.auth_per_minute = 3;
        c.rate_limits.login_per_minute = 100_000;
    },
    |app| {
        let bad = format!("sb_ak.{}.{}", "a".repeat(16), "b".repeat(43));
        for _ in 0..3 {
            key_get(&app, "/api/v1/collections", &bad).await.expect(401);
        }
        let limited = key_get(&app, "/api/v1/collections", &bad).await;
        limited.expect_error(429, "too_many_requests");
        assert!(limited.headers.get("retry-after").is_some());
    }
);

/// `setup`, plus a `notes` collection with a record in Alpha; a key of Alpha
/// scoped to `posts`.
async fn scoped_setup(app: &TestApp) -> (String, String, String, String, String) {
    let (sa, a, b) = setup(app).await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "notes", "schema": [{"name": "body", "type": "text"}]}),
    )
    .await
    .expect(201);
    let note = app
        .post("/api/v1/records/notes", Some(&a), json!({"body": "secret"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let created = create_key(
        app,
        &a,
        json!({"name": "posts only", "collections": ["Posts", "posts"]}),
    )
    .await;
    assert_eq!(created["collections"], json!(["posts"]));
    (sa, a, b, created["key"].as_str().unwrap().to_string(), note)
}

#[track_caller]
fn assert_out_of_scope(res: &Response) {
    res.expect(403);
    assert_eq!(
        res.json["message"], "API key is not scoped to this collection",
        "{}",
        res.text
    );
}

both!(a_scoped_key_reaches_only_its_collections, |app| {
    let (_, a, _, key, n1) = scoped_setup(&app).await;
    let note_path = format!("/api/v1/records/notes/{n1}");
    use reqwest::Method;
    // In scope: its account's records, as before.
    let posts = key_get(&app, "/api/v1/records/posts", &key).await;
    assert_eq!(posts.expect(200)["items"].as_array().unwrap().len(), 1);
    let made = with_key(
        &app,
        Method::POST,
        "/api/v1/records/posts",
        &key,
        Some(json!({"title": "by key"})),
        &[],
    )
    .await;
    made.expect(201);
    key_get(
        &app,
        "/api/v1/records/posts/aggregate?functions=count()",
        &key,
    )
    .await
    .expect(200);
    // Out of scope: every path to the records of `notes` is a 403, twice
    // (the second read meets warm caches).
    for _ in 0..2 {
        assert_out_of_scope(&key_get(&app, "/api/v1/records/notes", &key).await);
        assert_out_of_scope(&key_get(&app, &note_path, &key).await);
    }
    assert_out_of_scope(
        &key_get(
            &app,
            "/api/v1/records/notes/aggregate?functions=count()",
            &key,
        )
        .await,
    );
    let body = Some(json!({"body": "x"}));
    assert_out_of_scope(
        &with_key(
            &app,
            Method::POST,
            "/api/v1/records/notes",
            &key,
            body.clone(),
            &[],
        )
        .await,
    );
    assert_out_of_scope(&with_key(&app, Method::PATCH, &note_path, &key, body.clone(), &[]).await);
    assert_out_of_scope(&with_key(&app, Method::PUT, &note_path, &key, body, &[]).await);
    assert_out_of_scope(&with_key(&app, Method::DELETE, &note_path, &key, None, &[]).await);
    assert_out_of_scope(
        &with_key(
            &app,
            Method::POST,
            "/api/v1/records/notes/batch",
            &key,
            Some(json!({"records": [{"body": "x"}]})),
            &[],
        )
        .await,
    );
    assert_out_of_scope(
        &with_key(
            &app,
            Method::DELETE,
            "/api/v1/records/notes/batch",
            &key,
            Some(json!({"ids": [n1]})),
            &[],
        )
        .await,
    );
    // Files of records: a missing file of `posts` is a 404, any of `notes` a 403.
    key_get(&app, "/api/v1/files/posts/p1/a.png", &key)
        .await
        .expect(404);
    assert_out_of_scope(&key_get(&app, &format!("/api/v1/files/notes/{n1}/a.png"), &key).await);
    // Realtime: subscribing to `notes` is refused, `posts` is served.
    assert_out_of_scope(&key_get(&app, "/api/v1/realtime/subscribe?collections=notes", &key).await);
    let stream = app
        .client
        .get(format!(
            "{}/api/v1/realtime/subscribe?collections=posts",
            app.base
        ))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    drop(stream);
    // The note is untouched.
    let note = app.get(&note_path, Some(&a)).await;
    assert_eq!(note.expect(200)["body"], "secret");
    // Administration is closed to a scoped key: collections, keys (it could
    // widen its own scope), users.
    let res = with_key(
        &app,
        Method::POST,
        "/api/v1/collections",
        &key,
        Some(json!({"name": "more", "schema": [{"name": "x", "type": "text"}]})),
        &[],
    )
    .await;
    res.expect(403);
    for path in [
        "/api/v1/collections",
        "/api/v1/admin/api-keys",
        "/api/v1/users",
    ] {
        key_get(&app, path, &key).await.expect(403);
    }
    let res = with_key(
        &app,
        Method::POST,
        "/api/v1/admin/api-keys",
        &key,
        Some(json!({"name": "wider"})),
        &[],
    )
    .await;
    res.expect(403);
    // An unscoped key of the same admin still reaches everything.
    let all = create_key(&app, &a, json!({"name": "all", "collections": null})).await;
    assert_eq!(all["collections"], Value::Null);
    key_get(&app, &note_path, all["key"].as_str().unwrap())
        .await
        .expect(200);
});

both!(a_scope_is_listed_and_checked_at_creation, |app| {
    let (_, a, b, _, _) = scoped_setup(&app).await;
    let list = app.get("/api/v1/admin/api-keys", Some(&a)).await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items[0]["collections"], json!(["posts"]));
    let one = app
        .get(
            &format!(
                "/api/v1/admin/api-keys/{}",
                items[0]["id"].as_str().unwrap()
            ),
            Some(&a),
        )
        .await;
    assert_eq!(one.expect(200)["collections"], json!(["posts"]));
    for bad in [
        json!(["posts", "nope"]),
        json!([]),
        json!([""]),
        json!(["x".repeat(5000)]),
        json!(["'; DROP TABLE api_keys; --"]),
    ] {
        let res = app
            .post(
                "/api/v1/admin/api-keys",
                Some(&a),
                json!({"name": "bad", "collections": bad}),
            )
            .await;
        res.expect(400);
    }
    let res = app
        .post(
            "/api/v1/admin/api-keys",
            Some(&a),
            json!({"name": "bad", "collections": "posts"}),
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.text);
    // Nothing was made by the refusals; another account's records stay out
    // of reach of a scoped key as of any other.
    assert_eq!(
        app.get("/api/v1/admin/api-keys", Some(&a))
            .await
            .expect(200)["total"],
        1
    );
    let beta_key = create_key(&app, &b, json!({"name": "beta", "collections": ["posts"]})).await;
    let beta_key = beta_key["key"].as_str().unwrap();
    let posts = key_get(&app, "/api/v1/records/posts", beta_key).await;
    let items = posts.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "beta post");
    let res = with_key(
        &app,
        reqwest::Method::GET,
        "/api/v1/records/posts",
        beta_key,
        None,
        &[("X-Account-ID", "AA0001")],
    )
    .await;
    res.expect(403);
});
