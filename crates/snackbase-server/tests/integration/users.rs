use serde_json::json;

use crate::both;
use crate::harness::*;

both!(superadmin_manages_users, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let reg = app.register("owner@example.com", "Acme").await;
    let account = reg["account"]["id"].as_str().unwrap().to_string();

    let created = app
        .post("/api/v1/users", t, json!({"email": "Member@Example.com", "password": PASSWORD, "account_id": account, "role_id": 2}))
        .await
        .expect(201)
        .clone();
    assert_eq!(created["email"], "Member@example.com");
    assert_eq!(created["account_name"], "Acme");
    assert_eq!(created["role_name"], "user");
    assert_eq!(created["is_active"], true);
    assert!(created["last_login"].is_null());
    let member = created["id"].as_str().unwrap().to_string();
    // The SDK sends a role name.
    let by_name = app
        .post("/api/v1/users", t, json!({"email": "boss@example.com", "password": PASSWORD, "account_id": account, "role": "admin"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(by_name["role_id"], 1);

    let dup = json!({"email": "Member@example.com", "password": PASSWORD, "account_id": account, "role_id": 2});
    app.post("/api/v1/users", t, dup)
        .await
        .expect_error(409, "conflict");
    let weak =
        json!({"email": "w@example.com", "password": "weak", "account_id": account, "role_id": 2});
    app.post("/api/v1/users", t, weak)
        .await
        .expect_error(422, "validation_error");
    let ghost = json!({"email": "g@example.com", "password": PASSWORD, "account_id": "ZZ0001", "role_id": 2});
    app.post("/api/v1/users", t, ghost)
        .await
        .expect_error(404, "not_found");
    let bad_role = json!({"email": "r@example.com", "password": PASSWORD, "account_id": account, "role_id": 99});
    app.post("/api/v1/users", t, bad_role)
        .await
        .expect_error(404, "not_found");

    let got = app
        .get(&format!("/api/v1/users/{member}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(got["email"], "Member@example.com");
    app.get("/api/v1/users/00000000-0000-0000-0000-000000000000", t)
        .await
        .expect_error(404, "not_found");

    let list = app
        .get(&format!("/api/v1/users?account_id={account}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 3);
    let list = app
        .get("/api/v1/users?search=MEMBER", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 1);
    let list = app
        .get("/api/v1/users?role_id=1&sort=%2Bemail", t)
        .await
        .expect(200)
        .clone();
    let emails: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        emails,
        ["boss@example.com", "owner@example.com", "root@example.com"]
    );
    let page = app
        .get("/api/v1/users?limit=2&skip=2&sort=email", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["total"], 4);
    app.get("/api/v1/users?limit=0", t).await.expect(422);
    app.get("/api/v1/users?sort=password_hash", t)
        .await
        .expect(422);
    app.get("/api/v1/users?is_active=maybe", t)
        .await
        .expect(422);

    let updated = app
        .patch(
            &format!("/api/v1/users/{member}"),
            t,
            json!({"role_id": 1, "email": "m2@example.com"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(updated["role_name"], "admin");
    assert_eq!(updated["email"], "m2@example.com");
    app.put(
        &format!("/api/v1/users/{member}"),
        t,
        json!({"email": "owner@example.com"}),
    )
    .await
    .expect_error(409, "conflict");
    let me = app.get("/api/v1/auth/me", t).await.expect(200)["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(
        &format!("/api/v1/users/{me}"),
        t,
        json!({"is_active": false}),
    )
    .await
    .expect_error(403, "forbidden");
    app.delete(&format!("/api/v1/users/{me}"), t)
        .await
        .expect_error(403, "forbidden");
});

both!(deactivated_users_are_refused_at_once, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let reg = app.register("owner@example.com", "Acme").await;
    let user = reg["user"]["id"].as_str().unwrap().to_string();
    let token = reg["token"].as_str().unwrap().to_string();
    app.get("/api/v1/auth/me", Some(&token)).await.expect(200);

    app.delete(&format!("/api/v1/users/{user}"), t)
        .await
        .expect(204);
    app.get("/api/v1/auth/me", Some(&token)).await.expect(401);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": reg["refresh_token"]}),
    )
    .await
    .expect(401);
    app.login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(401);
    // Soft delete: still readable, inactive.
    assert_eq!(
        app.get(&format!("/api/v1/users/{user}"), t)
            .await
            .expect(200)["is_active"],
        false
    );

    // Reactivated, they can log in again (old sessions stay dead).
    app.patch(
        &format!("/api/v1/users/{user}"),
        t,
        json!({"is_active": true}),
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", Some(&token)).await.expect(401);
    let again = app
        .login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(200)
        .clone();
    app.get("/api/v1/auth/me", again["token"].as_str())
        .await
        .expect(200);

    // Deactivating through PATCH ends sessions too.
    app.patch(
        &format!("/api/v1/users/{user}"),
        t,
        json!({"is_active": false}),
    )
    .await
    .expect(200);
    app.get("/api/v1/auth/me", again["token"].as_str())
        .await
        .expect(401);
});

both!(password_reset_revokes_sessions, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let reg = app.register("owner@example.com", "Acme").await;
    let user = reg["user"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/users/{user}/password");
    let weak = app.put(&path, t, json!({"new_password": "weak"})).await;
    weak.expect_error(422, "validation_error");
    assert_eq!(weak.json["details"][0]["field"], "new_password");
    let ok = app
        .put(&path, t, json!({"new_password": "Brand-New-Secret-7"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(ok["message"], "Password reset successfully");
    app.get("/api/v1/auth/me", reg["token"].as_str())
        .await
        .expect(401);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": reg["refresh_token"]}),
    )
    .await
    .expect(401);
    app.login("acme", "owner@example.com", PASSWORD)
        .await
        .expect(401);
    app.login("acme", "owner@example.com", "Brand-New-Secret-7")
        .await
        .expect(200);
    // The SDK's form: POST with `password`.
    app.post(&path, t, json!({"password": "Third-Secret-Pass-8"}))
        .await
        .expect(200);
    app.login("acme", "owner@example.com", "Third-Secret-Pass-8")
        .await
        .expect(200);
    app.put(
        "/api/v1/users/nope/password",
        t,
        json!({"new_password": "Brand-New-Secret-7"}),
    )
    .await
    .expect(404);
    app.put(&path, t, json!({})).await.expect(422);
});

both!(account_admins_manage_their_own_users_only, |app| {
    let sa = app.superadmin().await;
    let reg = app.register("owner@example.com", "Acme").await;
    let t = reg["token"].as_str();
    let other = app.register("b@example.com", "Beta").await;
    let b_user = other["user"]["id"].as_str().unwrap();
    // Within their account: list, create, edit, reset, deactivate.
    let list = app.get("/api/v1/users", t).await.expect(200).clone();
    assert_eq!(list["total"], 1);
    app.get("/api/v1/users?account_id=AA0002", t)
        .await
        .expect_error(403, "forbidden");
    let made = app
        .post("/api/v1/users", t, json!({"email": "x@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201)
        .clone();
    let x = made["id"].as_str().unwrap().to_string();
    app.patch(&format!("/api/v1/users/{x}"), t, json!({"role_id": 1}))
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{x}"), t, json!({"role_id": 3}))
        .await
        .expect(422);
    app.put(
        &format!("/api/v1/users/{x}/password"),
        t,
        json!({"new_password": "Brand-New-Secret-7"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/users/{x}"), t)
        .await
        .expect(204);
    assert_eq!(app.get("/api/v1/roles", t).await.expect(200)["total"], 3);
    // Nothing outside it.
    app.post("/api/v1/users", t, json!({"email": "y@example.com", "password": PASSWORD, "account_id": "AA0002", "role_id": 1}))
        .await
        .expect(403);
    app.post("/api/v1/users", t, json!({"email": "y@example.com", "password": PASSWORD, "account_id": "SY0000", "role_id": 1}))
        .await
        .expect(403);
    app.get(&format!("/api/v1/users/{b_user}"), t)
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/users/{b_user}"),
        t,
        json!({"is_active": false}),
    )
    .await
    .expect(404);
    app.put(
        &format!("/api/v1/users/{b_user}/password"),
        t,
        json!({"new_password": "Brand-New-Secret-7"}),
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/users/{b_user}"), t)
        .await
        .expect(404);
    app.get("/api/v1/dashboard/stats", t).await.expect(403);
    app.post("/api/v1/roles", t, json!({"name": "mine"}))
        .await
        .expect(403);
    // Plain users manage nobody.
    app.post("/api/v1/users", Some(&sa), json!({"email": "plain@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201);
    let plain = app
        .login("acme", "plain@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/api/v1/users", Some(&plain))
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        app.login("beta", "b@example.com", PASSWORD).await.status,
        200
    );
});
