//! Impersonation: the superadmin acts as a user for a while with a token
//! whose `act` claim and session name who acts; every request is logged with
//! both; no refresh; never as the superadmin; account admins only when the
//! server allows it, and never as another admin.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::*;
use crate::{both, both_config};

/// Alpha with its admin `a@` and a user `u@`; the superadmin's token.
async fn setup(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    let a = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let u = app
        .post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    (sa, a, u)
}

both!(the_superadmin_acts_as_a_user_and_is_named, |app| {
    let (sa, _, u) = setup(&app).await;
    let sa_id = claims_of(&sa)["user_id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/users/{u}/impersonate"),
            Some(&sa),
            json!({"duration_seconds": 120}),
        )
        .await;
    let body = r.expect(200).clone();
    assert_eq!(body["user"]["email"], "u@example.com");
    assert_eq!(body["impersonated_by"]["id"], sa_id.as_str());
    assert_eq!(body["expires_in"], 120);
    assert!(body.get("refresh_token").is_none(), "not renewable");
    let token = body["token"].as_str().unwrap().to_string();
    let claims = claims_of(&token);
    assert_eq!(claims["user_id"], u.as_str());
    assert_eq!(claims["act"]["sub"], sa_id.as_str());
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 120);

    // The token is the user: their account, their role, and /auth/me says who acts.
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(me.expect(200)["user_id"], u.as_str());
    assert_eq!(me.json["role"], "user");
    assert_eq!(me.json["impersonated_by"], sa_id.as_str());
    app.get("/api/v1/accounts", Some(&token))
        .await
        .expect_error(403, "forbidden");
    // A plain login of the user does not say so.
    let own = app.login("AA0001", "u@example.com", PASSWORD).await;
    let own = own.expect(200)["token"].as_str().unwrap().to_string();
    assert!(app
        .get("/api/v1/auth/me", Some(&own))
        .await
        .json
        .get("impersonated_by")
        .is_none());

    // Every request made with it is logged with both.
    let marker = "/api/v1/auth/me?impersonation-check=1";
    app.get(marker, Some(&token)).await.expect(200);
    let mut found = Value::Null;
    for _ in 0..50 {
        let logs = app
            .get(&format!("/api/v1/admin/logs?user_id={u}"), Some(&sa))
            .await
            .expect(200)
            .clone();
        let entry = logs["items"].as_array().and_then(|a| {
            a.iter().find(|e| {
                e["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("impersonation-check"))
            })
        });
        if let Some(entry) = entry {
            found = entry.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found["user_id"], u.as_str(), "{found}");
    assert_eq!(found["impersonator_id"], sa_id.as_str(), "{found}");

    // It cannot impersonate further, and logout ends it at once.
    app.post(
        &format!("/api/v1/users/{u}/impersonate"),
        Some(&token),
        json!({}),
    )
    .await
    .expect(403);
    app.post("/api/v1/auth/logout", Some(&token), json!({}))
        .await
        .expect(204);
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .expect_error(401, "unauthorized");
    // The user's own session is untouched.
    app.get("/api/v1/auth/me", Some(&own)).await.expect(200);
});

/// What `GET /auth/me` says of the caller's right to impersonate.
async fn can_impersonate(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/auth/me", Some(token)).await.expect(200)["can_impersonate"].clone()
}

both!(impersonation_has_limits, |app| {
    let (sa, a, u) = setup(&app).await;
    let sa_id = claims_of(&sa)["user_id"].as_str().unwrap().to_string();
    // /auth/me tells the console who may impersonate: here only the superadmin.
    assert_eq!(can_impersonate(&app, &sa).await, true);
    assert_eq!(can_impersonate(&app, &a).await, false);
    // Never the superadmin, never oneself, never an inactive user.
    app.post(
        &format!("/api/v1/users/{sa_id}/impersonate"),
        Some(&sa),
        json!({}),
    )
    .await
    .expect_error(422, "validation_error");
    for bad in [
        json!({"duration_seconds": 59}),
        json!({"duration_seconds": 3601}),
        json!({"minutes": 5}),
    ] {
        app.post(&format!("/api/v1/users/{u}/impersonate"), Some(&sa), bad)
            .await
            .expect_error(422, "validation_error");
    }
    app.post("/api/v1/users/nope/impersonate", Some(&sa), json!({}))
        .await
        .expect_error(404, "not_found");
    // An account admin may not by default.
    app.post(
        &format!("/api/v1/users/{u}/impersonate"),
        Some(&a),
        json!({}),
    )
    .await
    .expect_error(403, "forbidden");
    // A deactivated user cannot be acted as, and deactivation ends a running impersonation.
    let token = app
        .post(
            &format!("/api/v1/users/{u}/impersonate"),
            Some(&sa),
            json!({}),
        )
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.delete(&format!("/api/v1/users/{u}"), Some(&sa))
        .await
        .expect(204);
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .expect_error(401, "unauthorized");
    app.post(
        &format!("/api/v1/users/{u}/impersonate"),
        Some(&sa),
        json!({}),
    )
    .await
    .expect_error(409, "conflict");
    // No body at all is fine (the default duration).
    let admin_id = app.user_by_email(&sa, "a@example.com").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .post(format!("{}/api/v1/users/{admin_id}/impersonate", app.base))
        .bearer_auth(&sa)
        .send()
        .await
        .unwrap();
    let r = TestApp::read(r).await;
    assert_eq!(r.expect(200)["expires_in"], 900);
    // An `act` claim is only informative: the session says who acts.
    let mut claims = claims_of(&a);
    claims["act"] = json!({"sub": sa_id, "email": ADMIN_EMAIL});
    let with_act = sign(&claims, TEST_SECRET);
    let me = app.get("/api/v1/auth/me", Some(&with_act)).await;
    assert_eq!(me.expect(200)["email"], "a@example.com");
    assert!(me.json.get("impersonated_by").is_none(), "{}", me.text);
});

both_config!(
    account_admins_impersonate_their_users_when_allowed,
    |c| c.auth_flows.admin_impersonation = true,
    |app| {
        let (sa, a, u) = setup(&app).await;
        let (_, b) = {
            let b = app.register("b@example.com", "Beta").await["token"]
                .as_str()
                .unwrap()
                .to_string();
            ((), b)
        };
        let r = app
            .post(
                &format!("/api/v1/users/{u}/impersonate"),
                Some(&a),
                json!({}),
            )
            .await;
        assert_eq!(r.expect(200)["user"]["email"], "u@example.com");
        // /auth/me says so to the admin, not to the user, nor to the
        // impersonation session itself.
        assert_eq!(can_impersonate(&app, &a).await, true);
        assert_eq!(can_impersonate(&app, &b).await, true);
        let user = app.login("alpha", "u@example.com", PASSWORD).await;
        let user = user.expect(200)["token"].as_str().unwrap().to_string();
        assert_eq!(can_impersonate(&app, &user).await, false);
        assert_eq!(
            can_impersonate(&app, r.json["token"].as_str().unwrap()).await,
            false
        );
        // Not another account's user, not an admin.
        app.post(
            &format!("/api/v1/users/{u}/impersonate"),
            Some(&b),
            json!({}),
        )
        .await
        .expect_error(404, "not_found");
        let admin_id = app.user_by_email(&sa, "a@example.com").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let other_admin = app
            .post(
                "/api/v1/users",
                Some(&sa),
                json!({"email": "a2@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "admin"}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(admin_id, other_admin);
        app.post(
            &format!("/api/v1/users/{other_admin}/impersonate"),
            Some(&a),
            json!({}),
        )
        .await
        .expect_error(403, "forbidden");
        // Nor with an API key, even an admin one.
        let key = app
            .post("/api/v1/admin/api-keys", Some(&a), json!({"name": "k"}))
            .await
            .expect(201)["key"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .client
            .post(format!("{}/api/v1/users/{u}/impersonate", app.base))
            .header("X-API-Key", key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
);
