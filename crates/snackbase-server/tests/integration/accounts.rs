use serde_json::json;

use crate::both;
use crate::harness::*;

both!(superadmin_manages_accounts, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let created = app
        .post("/api/v1/accounts", t, json!({"name": "Acme Corp"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(created["slug"], "acme-corp");
    assert_eq!(created["user_count"], 0);
    assert_eq!(created["collections_used"], json!([]));
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id, "AA0001");
    // Generated slugs get suffixes; explicit duplicates conflict.
    let again = app
        .post("/api/v1/accounts", t, json!({"name": "Acme Corp"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(again["slug"], "acme-corp-1");
    app.post(
        "/api/v1/accounts",
        t,
        json!({"name": "X", "slug": "acme-corp"}),
    )
    .await
    .expect_error(409, "conflict");
    app.post("/api/v1/accounts", t, json!({"name": "ab"}))
        .await
        .expect(201);
    let short = app
        .post(
            "/api/v1/accounts",
            t,
            json!({"name": "Q", "slug": "9lives"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(short["slug"], "9lives");
    app.post("/api/v1/accounts", t, json!({"name": ""}))
        .await
        .expect_error(422, "validation_error");
    app.post(
        "/api/v1/accounts",
        t,
        json!({"name": "Y", "slug": "Bad Slug"}),
    )
    .await
    .expect_error(422, "validation_error");

    let got = app
        .get(&format!("/api/v1/accounts/{id}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(got["name"], "Acme Corp");
    app.get("/api/v1/accounts/ZZ0000", t)
        .await
        .expect_error(404, "not_found");

    let renamed = app
        .put(
            &format!("/api/v1/accounts/{id}"),
            t,
            json!({"name": "Acme Inc"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(renamed["name"], "Acme Inc");
    assert_eq!(renamed["slug"], "acme-corp");
    let patched = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            t,
            json!({"name": "Acme Ltd"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(patched["name"], "Acme Ltd");
    app.put(
        &format!("/api/v1/accounts/{id}"),
        t,
        json!({"name": "x", "slug": "nope"}),
    )
    .await
    .expect(422);
    app.put("/api/v1/accounts/ZZ0000", t, json!({"name": "x"}))
        .await
        .expect(404);
});

both!(account_list_pages_searches_and_sorts, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    for name in ["Zeta", "Alpha", "Mid", "Beta"] {
        app.post("/api/v1/accounts", t, json!({"name": name}))
            .await
            .expect(201);
    }
    let all = app.get("/api/v1/accounts", t).await.expect(200).clone();
    assert_eq!(all["total"], 5, "the system account is listed too");
    assert_eq!(all["page"], 1);
    assert_eq!(all["page_size"], 25);
    assert_eq!(all["total_pages"], 1);
    assert_eq!(all["items"][0]["status"], "active");
    let page = app
        .get(
            "/api/v1/accounts?sort_by=name&sort_order=asc&page=2&page_size=2",
            t,
        )
        .await
        .expect(200)
        .clone();
    let names: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Mid", "SnackBase System"]);
    assert_eq!(page["total_pages"], 3);
    let found = app
        .get("/api/v1/accounts?search=ET", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(found["total"], 2);
    // Hostile input is data, not SQL.
    let hostile = app
        .get("/api/v1/accounts?search=%27%20OR%201%3D1%20--", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(hostile["total"], 0);
    let pct = app
        .get("/api/v1/accounts?search=%25", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(pct["total"], 0, "% is a literal character in search");
    app.get("/api/v1/accounts?sort_by=name;DROP%20TABLE%20users", t)
        .await
        .expect_error(422, "validation_error");
    app.get("/api/v1/accounts?sort_order=sideways", t)
        .await
        .expect(422);
    app.get("/api/v1/accounts?page=0", t).await.expect(422);
    app.get("/api/v1/accounts?page_size=101", t)
        .await
        .expect(422);
    app.get("/api/v1/accounts?page=abc", t)
        .await
        .expect_error(422, "validation_error");
    assert_eq!(app.count("users").await, 1);
});

both!(deleting_an_account_removes_its_users, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let reg = app.register("owner@example.com", "Doomed").await;
    let id = reg["account"]["id"].as_str().unwrap().to_string();
    app.post(
        "/api/v1/users",
        t,
        json!({"email": "two@example.com", "password": PASSWORD, "account_id": id, "role_id": 2}),
    )
    .await
    .expect(201);
    let users = app
        .get(&format!("/api/v1/accounts/{id}/users"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(users["total"], 2);
    assert_eq!(
        users["items"][0]["email"], "two@example.com",
        "newest first"
    );
    assert_eq!(users["items"][1]["role"], "admin");
    let before = app.count("users").await;

    app.delete("/api/v1/accounts/SY0000", t)
        .await
        .expect_error(422, "validation_error");
    let res = app.delete(&format!("/api/v1/accounts/{id}"), t).await;
    assert_eq!(res.status, 204);
    assert!(res.text.is_empty());
    assert!(!res.headers.contains_key("content-type"));
    app.get(&format!("/api/v1/accounts/{id}"), t)
        .await
        .expect(404);
    app.get(&format!("/api/v1/accounts/{id}/users"), t)
        .await
        .expect(404);
    app.delete(&format!("/api/v1/accounts/{id}"), t)
        .await
        .expect(404);
    assert_eq!(app.count("users").await, before - 2);
    assert_eq!(
        app.count("refresh_tokens WHERE account_id = 'AA0001'")
            .await,
        0
    );
    // Their tokens stop working with them.
    app.get("/api/v1/auth/me", reg["token"].as_str())
        .await
        .expect(401);
});

both!(accounts_are_superadmin_only, |app| {
    let reg = app.register("owner@example.com", "Acme").await;
    let t = reg["token"].as_str();
    let id = reg["account"]["id"].as_str().unwrap();
    app.get("/api/v1/accounts", t)
        .await
        .expect_error(403, "forbidden");
    app.post("/api/v1/accounts", t, json!({"name": "Mine"}))
        .await
        .expect(403);
    app.get(&format!("/api/v1/accounts/{id}"), t)
        .await
        .expect(403);
    app.put(
        &format!("/api/v1/accounts/{id}"),
        t,
        json!({"name": "Renamed"}),
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/accounts/{id}"), t)
        .await
        .expect(403);
    app.get(&format!("/api/v1/accounts/{id}/users"), t)
        .await
        .expect(403);
    app.get("/api/v1/accounts", None).await.expect(401);
    assert_eq!(app.count("accounts").await, 1);
});

both!(accounts_carry_the_sdks_fields_and_filters, |app| {
    // The SDK's Account has `account_code` (ours is the id) and its list
    // sends `is_active`; its User has `account_id`.
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let created = app
        .post("/api/v1/accounts", t, json!({"name": "Acme Corp"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(created["account_code"], created["id"]);
    let got = app.get("/api/v1/accounts/AA0001", t).await;
    assert_eq!(got.expect(200)["account_code"], "AA0001");
    let active = app
        .get("/api/v1/accounts?is_active=true&search=acme", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(active["total"], 1);
    assert_eq!(active["items"][0]["account_code"], "AA0001");
    let inactive = app
        .get("/api/v1/accounts?is_active=false", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (
            inactive["total"].as_i64(),
            inactive["items"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    app.get("/api/v1/accounts?is_active=maybe", t)
        .await
        .expect_error(422, "validation_error");

    let reg = app.register("ada@example.com", "Beta").await;
    assert_eq!(reg["account"]["account_code"], reg["account"]["id"]);
    assert_eq!(reg["user"]["account_id"], reg["account"]["id"]);
    let login = app.login("beta", "ada@example.com", PASSWORD).await;
    let login = login.expect(200);
    assert_eq!(login["account"]["account_code"], "AA0002");
    assert_eq!(login["user"]["account_id"], "AA0002");
});
