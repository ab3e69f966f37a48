use serde_json::json;

use crate::both;
use crate::harness::*;

both!(register_creates_account_and_admin, |app| {
    let body = app.register("Owner@Acme.COM", "Acme Corporation").await;
    assert_eq!(body["expires_in"], 3600);
    let account = &body["account"];
    assert_eq!(account["slug"], "acme-corporation");
    assert_eq!(account["name"], "Acme Corporation");
    let code = account["id"].as_str().unwrap();
    assert_eq!(code, "AA0001");
    assert!(account["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["user"]["email"], "Owner@acme.com");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["is_active"], true);
    let claims = claims_of(body["token"].as_str().unwrap());
    assert_eq!(claims["iss"], "snackbase");
    assert_eq!(claims["type"], "access");
    assert_eq!(claims["account_id"], "AA0001");
    assert_eq!(claims["role"], "admin");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let refresh = claims_of(body["refresh_token"].as_str().unwrap());
    assert_eq!(refresh["type"], "refresh");
    assert_eq!(
        refresh["exp"].as_i64().unwrap() - refresh["iat"].as_i64().unwrap(),
        7 * 86400
    );

    let me = app
        .get("/api/v1/auth/me", body["token"].as_str())
        .await
        .expect(200)
        .clone();
    assert_eq!(me["account_id"], "AA0001");
    assert_eq!(me["email"], "Owner@acme.com");
    assert_eq!(me["role"], "admin");

    // The next account gets the next code; an explicit slug is lowercased.
    let next = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "b@example.com", "password": PASSWORD, "account_name": "Beta", "account_slug": "Beta-Team"}),
        )
        .await;
    let next = next.expect(201);
    assert_eq!(next["account"]["id"], "AA0002");
    assert_eq!(next["account"]["slug"], "beta-team");
});

both!(register_validates_and_stores_nothing_on_error, |app| {
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@example.com", "password": "abc", "account_name": "X"}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(
        res.codes(),
        [
            "password_too_short",
            "password_no_uppercase",
            "password_no_digit",
            "password_no_special"
        ]
    );
    for (slug, code) in [
        ("ab", "slug_too_short"),
        ("1abc", "slug_invalid_start"),
        ("a_b_c", "slug_invalid_chars"),
    ] {
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "a@example.com", "password": PASSWORD, "account_name": "X", "account_slug": slug}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.codes(), [code]);
        assert_eq!(res.json["details"][0]["field"], "account_slug");
    }
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "not-an-email", "password": PASSWORD, "account_name": "X"}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["field"], "email");
    // Missing, unknown and mistyped fields are 422s naming the field.
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@example.com", "password": PASSWORD}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["field"], "account_name");
    assert_eq!(res.codes(), ["required"]);
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@example.com", "password": PASSWORD, "account_name": "X", "is_superadmin": true}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.codes(), ["unknown_field"]);
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": 5, "password": PASSWORD, "account_name": "X"}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["field"], "email");

    // Malformed JSON, the wrong content type and an oversized body.
    let url = format!("{}/api/v1/auth/register", app.base);
    let res = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.expect_error(400, "bad_request");
    let res = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    TestApp::read(res)
        .await
        .expect_error(415, "unsupported_media_type");
    let res = app.client.post(&url).body("{}").send().await.unwrap();
    TestApp::read(res)
        .await
        .expect_error(415, "unsupported_media_type");
    let huge = json!({"email": "a@example.com", "password": PASSWORD, "account_name": "x".repeat(2 * 1024 * 1024)});
    let res = app.client.post(&url).json(&huge).send().await.unwrap();
    TestApp::read(res)
        .await
        .expect_error(413, "payload_too_large");

    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("users").await, 0);
});

both!(register_refuses_a_taken_slug, |app| {
    app.register("a@example.com", "Acme").await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "b@example.com", "password": PASSWORD, "account_name": "Other", "account_slug": "acme"}),
        )
        .await;
    res.expect_error(409, "conflict");
    assert_eq!(res.json["details"][0]["field"], "account_slug");
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "c@example.com", "password": PASSWORD, "account_name": "ACME"}),
        )
        .await;
    res.expect_error(409, "conflict");
    assert_eq!(app.count("accounts").await, 1);
});

both!(concurrent_registrations_get_distinct_codes, |app| {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/auth/register", app.base);
        tasks.push(tokio::spawn(async move {
            let body = json!({"email": format!("u{i}@example.com"), "password": PASSWORD, "account_name": format!("Team {i}")});
            let res = client.post(url).json(&body).send().await.unwrap();
            assert_eq!(res.status(), 201);
            res.json::<serde_json::Value>().await.unwrap()["account"]["id"].as_str().unwrap().to_string()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 8);
    assert_eq!(codes.first().unwrap(), "AA0001");
    assert_eq!(codes.last().unwrap(), "AA0008");
});

both!(login_by_code_or_slug_and_uniform_failures, |app| {
    let reg = app.register("owner@example.com", "Acme").await;
    let code = reg["account"]["id"].as_str().unwrap().to_string();
    for account in [code.as_str(), &code.to_lowercase(), "acme", "ACME"] {
        let res = app.login(account, "owner@example.com", PASSWORD).await;
        assert_eq!(res.expect(200)["account"]["id"], code, "account {account}");
    }
    let failures = [
        app.login("acme", "owner@example.com", "Wrong-Password-1!")
            .await,
        app.login("nobody", "owner@example.com", PASSWORD).await,
        app.login("ZZ9999", "owner@example.com", PASSWORD).await,
        app.login("acme", "stranger@example.com", PASSWORD).await,
        app.login("acme", "not-an-email", PASSWORD).await,
    ];
    for f in &failures {
        f.expect_error(401, "unauthorized");
        assert_eq!(f.json, failures[0].json);
        assert_eq!(f.headers["www-authenticate"], "Bearer");
    }
});

both!(same_email_in_two_accounts_has_separate_passwords, |app| {
    app.register("shared@example.com", "First").await;
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "shared@example.com", "password": "Another-Secret-9?", "account_name": "Second"}),
    )
    .await
    .expect(201);
    app.login("first", "shared@example.com", PASSWORD)
        .await
        .expect(200);
    app.login("second", "shared@example.com", "Another-Secret-9?")
        .await
        .expect(200);
    app.login("second", "shared@example.com", PASSWORD)
        .await
        .expect(401);
    app.login("first", "shared@example.com", "Another-Secret-9?")
        .await
        .expect(401);
});

both!(refresh_rotates_and_reuse_revokes_the_family, |app| {
    let reg = app.register("owner@example.com", "Acme").await;
    let first_refresh = reg["refresh_token"].as_str().unwrap().to_string();
    let rotated = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first_refresh}),
        )
        .await
        .expect(200)
        .clone();
    let second_refresh = rotated["refresh_token"].as_str().unwrap().to_string();
    let second_access = rotated["token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(rotated["expires_in"], 3600);
    app.get("/api/v1/auth/me", Some(&second_access))
        .await
        .expect(200);

    // Replaying the rotated token is reuse: 401, and the whole family dies.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": first_refresh}),
    )
    .await
    .expect_error(401, "unauthorized");
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": second_refresh}),
    )
    .await
    .expect(401);
    app.get("/api/v1/auth/me", Some(&second_access))
        .await
        .expect(401);
    app.get("/api/v1/auth/me", reg["token"].as_str())
        .await
        .expect(401);

    // Another login is a separate family and still works.
    let other = app
        .login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(200)
        .clone();
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": other["refresh_token"]}),
    )
    .await
    .expect(200);

    // Garbage and access tokens are not refresh tokens.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": "garbage"}),
    )
    .await
    .expect(401);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": other["token"]}),
    )
    .await
    .expect(401);
});

both!(logout_ends_the_session_at_once, |app| {
    let reg = app.register("owner@example.com", "Acme").await;
    let token = reg["token"].as_str().unwrap();
    let other = app
        .login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(200)
        .clone();
    let res = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(
        !res.headers().contains_key("content-type"),
        "a 204 has no content type"
    );
    assert!(res.text().await.unwrap().is_empty());
    app.get("/api/v1/auth/me", Some(token)).await.expect(401);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": reg["refresh_token"]}),
    )
    .await
    .expect(401);
    // The other login is untouched, until "log out everywhere".
    let other_token = other["token"].as_str().unwrap();
    app.get("/api/v1/auth/me", Some(other_token))
        .await
        .expect(200);
    let third = app
        .login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(200)
        .clone();
    app.post(
        "/api/v1/auth/logout",
        Some(other_token),
        json!({"all": true}),
    )
    .await
    .expect(204);
    app.get("/api/v1/auth/me", third["token"].as_str())
        .await
        .expect(401);
    app.post("/api/v1/auth/logout", None, json!({}))
        .await
        .expect(401);
});
