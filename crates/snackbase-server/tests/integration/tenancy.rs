use serde_json::json;

use crate::both;
use crate::harness::*;

both!(one_account_cannot_see_or_change_another, |app| {
    let a = app.register("a@example.com", "Alpha").await;
    let b = app.register("b@example.com", "Beta").await;
    let ta = a["token"].as_str();
    let b_account = b["account"]["id"].as_str().unwrap();
    let b_user = b["user"]["id"].as_str().unwrap();

    // Nothing of B is reachable with A's token.
    app.get(&format!("/api/v1/accounts/{b_account}"), ta)
        .await
        .expect(403);
    app.get(&format!("/api/v1/accounts/{b_account}/users"), ta)
        .await
        .expect(403);
    app.put(
        &format!("/api/v1/accounts/{b_account}"),
        ta,
        json!({"name": "Pwned"}),
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/accounts/{b_account}"), ta)
        .await
        .expect(403);
    app.get(&format!("/api/v1/users/{b_user}"), ta)
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/users/{b_user}"),
        ta,
        json!({"is_active": false}),
    )
    .await
    .expect(404);
    app.put(
        &format!("/api/v1/users/{b_user}/password"),
        ta,
        json!({"new_password": "Brand-New-Secret-7"}),
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/users/{b_user}"), ta)
        .await
        .expect(404);
    // A's refresh token cannot be used to log out B.
    app.post(
        "/api/v1/auth/logout",
        ta,
        json!({"refresh_token": b["refresh_token"]}),
    )
    .await
    .expect(204);
    // A user of A cannot log into B with their own credentials.
    app.login("beta", "a@example.com", PASSWORD)
        .await
        .expect(401);

    // B is untouched.
    let me = app
        .get("/api/v1/auth/me", b["token"].as_str())
        .await
        .expect(200)
        .clone();
    assert_eq!(me["account_id"], b_account);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": b["refresh_token"]}),
    )
    .await
    .expect(200);
    app.login("beta", "b@example.com", PASSWORD)
        .await
        .expect(200);
});

both!(collection_counts_are_the_callers_own, |app| {
    let (sa, a, b) = app.with_posts().await;
    for (token, title) in [(&a, "a1"), (&a, "a2"), (&b, "b1")] {
        app.post(
            "/api/v1/records/posts",
            Some(token),
            json!({"title": title}),
        )
        .await
        .expect(201);
    }
    // An account admin counts their own account's rows only; the superadmin
    // counts every account's.
    for (token, expected) in [(&b, 1), (&a, 2), (&sa, 3)] {
        let list = app
            .get("/api/v1/collections", Some(token))
            .await
            .expect(200)
            .clone();
        assert_eq!(list["items"][0]["name"], "posts");
        assert_eq!(list["items"][0]["records_count"], expected, "{list}");
    }
});
