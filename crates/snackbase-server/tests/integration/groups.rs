use serde_json::json;

use crate::both;
use crate::harness::*;

both!(groups_are_managed_per_account, |app| {
    let sa = app.superadmin().await;
    let a = app.register("a@example.com", "Alpha").await;
    let b = app.register("b@example.com", "Beta").await;
    let ta = a["token"].as_str().unwrap().to_string();
    let tb = b["token"].as_str().unwrap().to_string();
    let member = app
        .post("/api/v1/users", Some(&sa), json!({"email": "m@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tm = app
        .login("alpha", "m@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();

    let g = app
        .post(
            "/api/v1/groups",
            Some(&ta),
            json!({"name": "editors", "description": "Edit things"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(g["account_id"], "AA0001");
    assert_eq!(g["member_count"], 0);
    let gid = g["id"].as_str().unwrap().to_string();
    app.post("/api/v1/groups", Some(&ta), json!({"name": "editors"}))
        .await
        .expect_error(409, "conflict");
    app.post("/api/v1/groups", Some(&tb), json!({"name": "editors"}))
        .await
        .expect(201);
    app.post("/api/v1/groups", Some(&ta), json!({"name": ""}))
        .await
        .expect(422);
    // Only admins manage; members read; other accounts see nothing.
    app.post("/api/v1/groups", Some(&tm), json!({"name": "mine"}))
        .await
        .expect_error(403, "forbidden");
    app.post(
        "/api/v1/groups",
        Some(&ta),
        json!({"name": "x", "account_id": "AA0002"}),
    )
    .await
    .expect(403);
    assert_eq!(
        app.get("/api/v1/groups", Some(&tm))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.get(&format!("/api/v1/groups/{gid}"), Some(&tb))
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/groups/{gid}"),
        Some(&tb),
        json!({"name": "pwned"}),
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/groups/{gid}"), Some(&tb))
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/v1/groups", Some(&sa))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.get("/api/v1/groups?account_id=AA0002", Some(&sa))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // PATCH works (it crashed in the original).
    let renamed = app
        .patch(
            &format!("/api/v1/groups/{gid}"),
            Some(&ta),
            json!({"name": "writers"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(renamed["name"], "writers");
    assert_eq!(renamed["description"], "Edit things");

    // Members come from the same account only.
    app.post(
        &format!("/api/v1/groups/{gid}/users"),
        Some(&ta),
        json!({"user_id": member}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/groups/{gid}/members"),
        Some(&ta),
        json!({"user_id": member}),
    )
    .await
    .expect_error(409, "conflict");
    let b_user = b["user"]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/groups/{gid}/users"),
        Some(&ta),
        json!({"user_id": b_user}),
    )
    .await
    .expect_error(404, "not_found");
    app.post(
        &format!("/api/v1/groups/{gid}/users"),
        Some(&ta),
        json!({"user_id": "nobody"}),
    )
    .await
    .expect(404);
    let members = app
        .get(&format!("/api/v1/groups/{gid}/members"), Some(&tm))
        .await
        .expect(200)
        .clone();
    assert_eq!(members[0]["email"], "m@example.com");
    assert_eq!(
        app.get(&format!("/api/v1/groups/{gid}"), Some(&ta))
            .await
            .expect(200)["member_count"],
        1
    );
    app.delete(&format!("/api/v1/groups/{gid}/members/{member}"), Some(&tm))
        .await
        .expect(403);
    app.delete(&format!("/api/v1/groups/{gid}/members/{member}"), Some(&ta))
        .await
        .expect(204);
    app.delete(&format!("/api/v1/groups/{gid}/users/{member}"), Some(&ta))
        .await
        .expect(404);
    app.delete(&format!("/api/v1/groups/{gid}"), Some(&ta))
        .await
        .expect(204);
    app.get(&format!("/api/v1/groups/{gid}"), Some(&ta))
        .await
        .expect(404);
});

both!(another_accounts_user_ids_cannot_be_confirmed, |app| {
    // Adding or removing a member answers a user id of another account
    // exactly as it answers an id that does not exist.
    let sa = app.superadmin().await;
    let a = app.register("a@example.com", "Alpha").await;
    let b = app.register("b@example.com", "Beta").await;
    let a_user = a["user"]["id"].as_str().unwrap().to_string();
    let tb = b["token"].as_str().unwrap().to_string();
    let gid = app
        .post("/api/v1/groups", Some(&tb), json!({"name": "editors"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let random = uuid::Uuid::new_v4().to_string();
    for token in [&tb, &sa] {
        for route in ["users", "members"] {
            let path = format!("/api/v1/groups/{gid}/{route}");
            let foreign = app
                .post(&path, Some(token), json!({"user_id": a_user}))
                .await;
            let unknown = app
                .post(&path, Some(token), json!({"user_id": random}))
                .await;
            foreign.expect_error(404, "not_found");
            assert_eq!(
                (foreign.status, &foreign.json),
                (unknown.status, &unknown.json)
            );
            let foreign = app.delete(&format!("{path}/{a_user}"), Some(token)).await;
            let unknown = app.delete(&format!("{path}/{random}"), Some(token)).await;
            foreign.expect_error(404, "not_found");
            assert_eq!(
                (foreign.status, &foreign.json),
                (unknown.status, &unknown.json)
            );
        }
    }
    assert_eq!(app.count("group_members").await, 0);
});

both!(group_rules_follow_membership_at_once, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "docs", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    let a = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let member = app
        .post("/api/v1/users", Some(&sa), json!({"email": "m@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tm = app
        .login("alpha", "m@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 2, "collection": "docs", "rules": {
        "read": {"rule": "@has_group('editors') or 'readers' in user.groups"},
        "update": {"rule": "@has_group('editors')"}}}),
    )
    .await
    .expect(201);
    let doc = app
        .post("/api/v1/records/docs", Some(&a), json!({"title": "plan"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/api/v1/records/docs", Some(&tm)).await.expect(200)["total"],
        0
    );
    app.get(&format!("/api/v1/records/docs/{doc}"), Some(&tm))
        .await
        .expect(404);

    let gid = app
        .post("/api/v1/groups", Some(&a), json!({"name": "readers"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/groups/{gid}/users"),
        Some(&a),
        json!({"user_id": member}),
    )
    .await
    .expect(201);
    assert_eq!(
        app.get("/api/v1/records/docs", Some(&tm)).await.expect(200)["total"],
        1
    );
    app.get(&format!("/api/v1/records/docs/{doc}"), Some(&tm))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/records/docs/{doc}"),
        Some(&tm),
        json!({"title": "x"}),
    )
    .await
    .expect_error(403, "forbidden");

    app.delete(&format!("/api/v1/groups/{gid}/users/{member}"), Some(&a))
        .await
        .expect(204);
    assert_eq!(
        app.get("/api/v1/records/docs", Some(&tm)).await.expect(200)["total"],
        0
    );
    app.get(&format!("/api/v1/records/docs/{doc}"), Some(&tm))
        .await
        .expect(404);
});

both!(groups_page_as_the_sdk_asks, |app| {
    // The SDK's groups.list sends page/page_size; skip/limit keep working.
    let a = app.register("a@example.com", "Alpha").await;
    let ta = a["token"].as_str().unwrap().to_string();
    for name in ["c", "a", "b", "d", "e"] {
        app.post("/api/v1/groups", Some(&ta), json!({"name": name}))
            .await
            .expect(201);
    }
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect()
    };
    let page = app
        .get("/api/v1/groups?page=2&page_size=2", Some(&ta))
        .await;
    assert_eq!(names(page.expect(200)), ["c", "d"]);
    let page = app
        .get("/api/v1/groups?page=3&page_size=2", Some(&ta))
        .await;
    assert_eq!(names(page.expect(200)), ["e"]);
    let first = app.get("/api/v1/groups?page=1", Some(&ta)).await;
    assert_eq!(names(first.expect(200)).len(), 5);
    let skipped = app.get("/api/v1/groups?skip=1&limit=2", Some(&ta)).await;
    assert_eq!(names(skipped.expect(200)), ["b", "c"]);
    for bad in [
        "page=0",
        "page_size=0",
        "page_size=101",
        "page=-1&page_size=2",
    ] {
        app.get(&format!("/api/v1/groups?{bad}"), Some(&ta))
            .await
            .expect_error(422, "validation_error");
    }
});
