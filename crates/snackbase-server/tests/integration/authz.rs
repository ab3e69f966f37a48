use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// The superadmin, an account "Alpha" with two users of role `user`, and a
/// `posts` collection. Returns (superadmin, alpha admin, u1, u2, u1 id, u2 id).
async fn world(app: &TestApp) -> (String, String, String, String, String, String) {
    let sa = app.superadmin().await;
    app.post("/api/v1/collections", Some(&sa), json!({"name": "posts", "schema": [
        {"name": "title", "type": "text"}, {"name": "status", "type": "text"}, {"name": "secret", "type": "text"}]}))
        .await
        .expect(201);
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    for email in ["u1@example.com", "u2@example.com"] {
        let u = app
            .post(
                "/api/v1/users",
                Some(&sa),
                json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
            )
            .await
            .expect(201)
            .clone();
        ids.push(u["id"].as_str().unwrap().to_string());
        tokens.push(
            app.login("alpha", email, PASSWORD).await.expect(200)["token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    (
        sa,
        admin,
        tokens[0].clone(),
        tokens[1].clone(),
        ids[0].clone(),
        ids[1].clone(),
    )
}

async fn grant(app: &TestApp, sa: &str, role_id: i64, collection: &str, rules: Value) -> Value {
    app.post(
        "/api/v1/permissions",
        Some(sa),
        json!({"role_id": role_id, "collection": collection, "rules": rules}),
    )
    .await
    .expect(201)
    .clone()
}

both!(owner_only_rules_filter_lists_and_hide_other_rows, |app| {
    let (sa, _, u1, u2, u1_id, _) = world(&app).await;
    // Without any permission, a plain user is refused.
    app.get("/api/v1/records/posts", Some(&u1))
        .await
        .expect_error(403, "forbidden");
    app.post("/api/v1/records/posts", Some(&u1), json!({"title": "x"}))
        .await
        .expect(403);
    grant(
        &app,
        &sa,
        2,
        "posts",
        json!({
        "create": {"rule": "true"},
        "read": {"rule": "user.id == record.created_by"},
        "update": {"rule": "@owns_record()"},
        "delete": {"rule": "@is_creator()"}}),
    )
    .await;
    let mine_a = app
        .post(
            "/api/v1/records/posts",
            Some(&u1),
            json!({"title": "mine a"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/records/posts",
        Some(&u1),
        json!({"title": "mine b"}),
    )
    .await
    .expect(201);
    let theirs = app
        .post(
            "/api/v1/records/posts",
            Some(&u2),
            json!({"title": "theirs"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(
        theirs["created_by"],
        json!(app.get("/api/v1/auth/me", Some(&u2)).await.json["user_id"])
    );
    let theirs = theirs["id"].as_str().unwrap().to_string();

    let list = app
        .get("/api/v1/records/posts?sort=title", Some(&u1))
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 2);
    let titles: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["mine a", "mine b"]);
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["created_by"] == json!(u1_id)));
    // Cursors walk only the readable rows.
    let page = app
        .get("/api/v1/records/posts?limit=1&sort=title", Some(&u1))
        .await
        .expect(200)
        .clone();
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(
            &format!("/api/v1/records/posts?limit=1&sort=title&cursor={next}"),
            Some(&u1),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(page2["items"][0]["title"], "mine b");
    assert!(page2["next_cursor"].is_null());

    // Own, then someone else's, then own again: the decision is per record.
    app.get(&format!("/api/v1/records/posts/{mine_a}"), Some(&u1))
        .await
        .expect(200);
    app.get(&format!("/api/v1/records/posts/{theirs}"), Some(&u1))
        .await
        .expect_error(404, "not_found");
    app.get(&format!("/api/v1/records/posts/{mine_a}"), Some(&u1))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/records/posts/{theirs}"),
        Some(&u1),
        json!({"title": "pwned"}),
    )
    .await
    .expect(404);
    app.delete(&format!("/api/v1/records/posts/{theirs}"), Some(&u1))
        .await
        .expect(404);
    app.patch(
        &format!("/api/v1/records/posts/{mine_a}"),
        Some(&u1),
        json!({"title": "mine a2"}),
    )
    .await
    .expect(200);
    let batch = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/records/posts/batch",
            Some(&u1),
            Some(json!({"ids": [mine_a, theirs]})),
        )
        .await;
    batch.expect(404);
    assert_eq!(app.count("col_posts").await, 3);
    app.delete(&format!("/api/v1/records/posts/{mine_a}"), Some(&u1))
        .await
        .expect(204);

    // A change to the `*` permission of the role takes effect at once.
    app.put(
        "/api/v1/roles/2/permissions/bulk",
        Some(&sa),
        json!({"updates": [{"collection": "*", "operation": "read", "rule": "true"}]}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&u1))
            .await
            .expect(200)["total"],
        2
    );
    app.get(&format!("/api/v1/records/posts/{theirs}"), Some(&u1))
        .await
        .expect(200);
    app.put(
        "/api/v1/roles/2/permissions/bulk",
        Some(&sa),
        json!({"updates": [{"collection": "*", "operation": "read", "rule": null}]}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/records/posts/{theirs}"), Some(&u1))
        .await
        .expect(404);
});

both!(
    restricted_fields_never_appear_and_cannot_be_written,
    |app| {
        let (sa, _, u1, _, _, _) = world(&app).await;
        grant(
            &app,
            &sa,
            2,
            "posts",
            json!({
        "create": {"rule": "true", "fields": ["title", "status"]},
        "read": {"rule": "true", "fields": ["title"]},
        "update": {"rule": "true", "fields": ["title"]}}),
        )
        .await;
        let admin_made = app
            .post(
                "/api/v1/records/posts?account_id=AA0001",
                Some(&sa),
                json!({"title": "t", "status": "s", "secret": "hidden"}),
            )
            .await
            .expect(201)
            .clone();
        let id = admin_made["id"].as_str().unwrap().to_string();
        let check = |r: &Value| {
            assert!(
                r.get("secret").is_none() && r.get("status").is_none(),
                "leaked: {r}"
            );
            assert!(r.get("title").is_some() && r.get("id").is_some());
        };
        check(
            &app.get(&format!("/api/v1/records/posts/{id}"), Some(&u1))
                .await
                .expect(200)
                .clone(),
        );
        for r in app
            .get("/api/v1/records/posts", Some(&u1))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
        {
            check(r);
        }
        app.get("/api/v1/records/posts?fields=title,secret", Some(&u1))
            .await
            .expect(422);
        let created = app
            .post(
                "/api/v1/records/posts",
                Some(&u1),
                json!({"title": "mine", "status": "draft"}),
            )
            .await
            .expect(201)
            .clone();
        check(&created);
        check(
            &app.patch(
                &format!("/api/v1/records/posts/{id}"),
                Some(&u1),
                json!({"title": "t2"}),
            )
            .await
            .expect(200)
            .clone(),
        );
        // Writing a restricted field is a 422 naming it; nothing changes.
        let res = app
            .post(
                "/api/v1/records/posts",
                Some(&u1),
                json!({"title": "x", "secret": "s"}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["field"], "secret");
        assert_eq!(res.json["details"][0]["code"], "field_not_allowed");
        let res = app
            .patch(
                &format!("/api/v1/records/posts/{id}"),
                Some(&u1),
                json!({"status": "live"}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["field"], "status");
        app.patch(
            &format!("/api/v1/records/posts/{id}"),
            Some(&u1),
            json!({"id": "new"}),
        )
        .await
        .expect(422);
        // Hidden fields cannot be used to probe either.
        app.get(
            &format!(
                "/api/v1/records/posts?filter={}",
                "secret%20%3D%3D%20%27hidden%27"
            ),
            Some(&u1),
        )
        .await
        .expect(422);
        app.get("/api/v1/records/posts?secret=hidden", Some(&u1))
            .await
            .expect(422);
        app.get("/api/v1/records/posts?sort=secret", Some(&u1))
            .await
            .expect(422);
        assert_eq!(app.count("col_posts").await, 2);
        let stored = app
            .get(
                &format!("/api/v1/records/posts/{id}?account_id=AA0001"),
                Some(&sa),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(stored["secret"], "hidden");
        assert_eq!(stored["status"], "s");
    }
);

both!(public_access_needs_a_public_permission, |app| {
    let (sa, admin, _, _, _, _) = world(&app).await;
    app.post(
        "/api/v1/records/posts",
        Some(&admin),
        json!({"title": "hello", "status": "live"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/records/posts",
        Some(&admin),
        json!({"title": "draft", "status": "draft"}),
    )
    .await
    .expect(201);
    let anon = |path: &str| {
        let url = format!("{}{path}", app.base);
        let client = app.client.clone();
        async move {
            TestApp::read(
                client
                    .get(url)
                    .header("X-Account-ID", "AA0001")
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    anon("/api/v1/records/posts")
        .await
        .expect_error(401, "unauthorized");
    grant(
        &app,
        &sa,
        3,
        "posts",
        json!({"read": {"rule": "record.status == 'live'", "fields": ["title"]}}),
    )
    .await;
    let list = anon("/api/v1/records/posts").await.expect(200).clone();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["title"], "hello");
    assert!(list["items"][0].get("status").is_none());
    // By slug in a parameter, too; but never without naming an account.
    assert_eq!(
        app.get("/api/v1/records/posts?account=alpha", None)
            .await
            .expect(200)["total"],
        1
    );
    app.get("/api/v1/records/posts", None).await.expect(401);
    app.get("/api/v1/records/posts?account=nowhere", None)
        .await
        .expect(401);
    // Nothing else is open.
    let res = app
        .client
        .post(format!("{}/api/v1/records/posts", app.base))
        .header("X-Account-ID", "AA0001")
        .json(&json!({"title": "spam"}))
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.expect_error(401, "unauthorized");
    app.get("/api/v1/accounts", None).await.expect(401);
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "notes", "schema": [{"name": "t", "type": "text"}]}),
    )
    .await
    .expect(201);
    anon("/api/v1/records/notes").await.expect(401);
    assert_eq!(app.count("col_posts").await, 2);
});

both!(rules_that_fail_at_run_time_deny_without_500, |app| {
    let (sa, _, u1, _, _, _) = world(&app).await;
    grant(
        &app,
        &sa,
        2,
        "posts",
        json!({"create": {"rule": "true"}, "read": {"rule": "record.secret == 'open'"}}),
    )
    .await;
    let id = app
        .post(
            "/api/v1/records/posts",
            Some(&u1),
            json!({"title": "t", "secret": "open"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&u1))
            .await
            .expect(200)["total"],
        1
    );
    // The field the rule uses goes away: the rule can no longer run, and denies.
    let c = app
        .get("/api/v1/collections/posts", Some(&sa))
        .await
        .expect(200)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(&format!("/api/v1/collections/{c}"), Some(&sa), json!({"schema": [{"name": "title", "type": "text"}, {"name": "status", "type": "text"}], "confirm_data_loss": true}))
        .await
        .expect(200);
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&u1))
            .await
            .expect(200)["total"],
        0
    );
    app.get(&format!("/api/v1/records/posts/{id}"), Some(&u1))
        .await
        .expect(404);
});

both!(roles_are_managed_and_protected, |app| {
    let (sa, _, _, _, u1_id, _) = world(&app).await;
    let t = Some(sa.as_str());
    let roles = app.get("/api/v1/roles", t).await.expect(200).clone();
    let names: Vec<&str> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "user", "public"]);
    // The built-in roles are where `RoleId` names them.
    use snackbase_server::auth::RoleId;
    let ids: Vec<i64> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [RoleId::ADMIN.0, RoleId::USER.0, RoleId::PUBLIC.0]);
    assert_eq!(roles["items"][0]["collections_count"], 1);
    let editor = app
        .post(
            "/api/v1/roles",
            t,
            json!({"name": "editor", "description": "Edits"}),
        )
        .await
        .expect(201)
        .clone();
    let id = editor["id"].as_i64().unwrap();
    app.post("/api/v1/roles", t, json!({"name": "editor"}))
        .await
        .expect_error(409, "conflict");
    app.post("/api/v1/roles", t, json!({"name": "bad name; --"}))
        .await
        .expect(422);
    app.put(
        &format!("/api/v1/roles/{id}"),
        t,
        json!({"name": "editors", "description": null}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.patch(
            &format!("/api/v1/roles/{id}"),
            t,
            json!({"description": "x"})
        )
        .await
        .expect(200)["name"],
        "editors"
    );
    for builtin in [1, 2, 3] {
        app.delete(&format!("/api/v1/roles/{builtin}"), t)
            .await
            .expect_error(422, "validation_error");
    }
    app.put("/api/v1/roles/1", t, json!({"name": "root"}))
        .await
        .expect(422);
    app.patch(&format!("/api/v1/users/{u1_id}"), t, json!({"role_id": id}))
        .await
        .expect(200);
    app.delete(&format!("/api/v1/roles/{id}"), t)
        .await
        .expect_error(409, "conflict");
    app.patch(&format!("/api/v1/users/{u1_id}"), t, json!({"role_id": 2}))
        .await
        .expect(200);
    app.delete(&format!("/api/v1/roles/{id}"), t)
        .await
        .expect(204);
    app.get(&format!("/api/v1/roles/{id}"), t).await.expect(404);
    app.get("/api/v1/roles/abc", t).await.expect(404);
});

both!(
    permissions_are_validated_and_bulk_updates_are_atomic,
    |app| {
        let (sa, admin, _, _, _, _) = world(&app).await;
        let t = Some(sa.as_str());
        let bad = app.post("/api/v1/permissions", t, json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "record.title & 'x'"}}})).await;
        bad.expect_error(422, "validation_error");
        assert_eq!(bad.json["details"][0]["field"], "rules.read.rule");
        assert_eq!(bad.json["details"][0]["position"], 13);
        let unknown = app.post("/api/v1/permissions", t, json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "record.nope == 1"}}})).await;
        unknown.expect_error(422, "validation_error");
        app.post("/api/v1/permissions", t, json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "user.nickname == 'x'"}}})).await.expect(422);
        app.post("/api/v1/permissions", t, json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "true", "fields": ["nope"]}}})).await.expect(422);
        app.post(
            "/api/v1/permissions",
            t,
            json!({"role_id": 99, "collection": "posts", "rules": {}}),
        )
        .await
        .expect(404);
        app.post(
            "/api/v1/permissions",
            t,
            json!({"role_id": 2, "collection": "ghosts", "rules": {}}),
        )
        .await
        .expect(404);
        let p = grant(
            &app,
            &sa,
            2,
            "posts",
            json!({"read": {"rule": "true", "fields": ["title"]}}),
        )
        .await;
        app.post(
            "/api/v1/permissions",
            t,
            json!({"role_id": 2, "collection": "posts", "rules": {}}),
        )
        .await
        .expect_error(409, "conflict");
        let pid = p["id"].as_i64().unwrap();
        assert_eq!(
            app.get(&format!("/api/v1/permissions/{pid}"), t)
                .await
                .expect(200)["rules"]["read"]["fields"],
            json!(["title"])
        );
        assert_eq!(
            app.get("/api/v1/permissions", t).await.expect(200)["total"],
            2
        );

        let matrix = app
            .get("/api/v1/roles/2/permissions/matrix", t)
            .await
            .expect(200)
            .clone();
        let cols: Vec<&str> = matrix["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["collection"].as_str().unwrap())
            .collect();
        assert_eq!(cols, ["*", "posts"]);
        assert_eq!(matrix["permissions"][1]["read"]["rule"], "true");
        assert!(matrix["permissions"][1]["create"].is_null());

        // One bad update: nothing at all is applied.
        let bulk = app
            .put(
                "/api/v1/roles/2/permissions/bulk",
                t,
                json!({"updates": [
            {"collection": "posts", "operation": "create", "rule": "true"},
            {"collection": "posts", "operation": "delete", "rule": "record.title =="}]}),
            )
            .await;
        bulk.expect_error(422, "validation_error");
        assert_eq!(bulk.json["details"][0]["field"], "updates[1].rule");
        assert!(
            app.get("/api/v1/roles/2/permissions/matrix", t).await.json["permissions"][1]["create"]
                .is_null()
        );
        let ok = app
            .put(
                "/api/v1/roles/2/permissions/bulk",
                t,
                json!({"updates": [
            {"collection": "posts", "operation": "create", "rule": "true"},
            {"collection": "*", "operation": "delete", "rule": "@is_creator()"}]}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(ok["success_count"], 2);
        let perms = app
            .get("/api/v1/roles/2/permissions", t)
            .await
            .expect(200)
            .clone();
        assert_eq!(perms["role_name"], "user");
        assert_eq!(perms["permissions"].as_array().unwrap().len(), 2);
        app.delete(&format!("/api/v1/permissions/{pid}"), t)
            .await
            .expect(204);
        app.delete(&format!("/api/v1/permissions/{pid}"), t)
            .await
            .expect(404);
        // Only the superadmin manages permissions.
        app.get("/api/v1/permissions", Some(&admin))
            .await
            .expect(403);
        // Account admins may read the roles (to assign them), not change them.
        app.get("/api/v1/roles", Some(&admin)).await.expect(200);
        app.post("/api/v1/roles", Some(&admin), json!({"name": "x"}))
            .await
            .expect(403);
        app.put(
            "/api/v1/roles/2/permissions/bulk",
            Some(&admin),
            json!({"updates": [{"collection": "*", "operation": "read", "rule": "true"}]}),
        )
        .await
        .expect(403);
    }
);

both!(rule_tools_validate_and_explain, |app| {
    let (sa, _, _, _, _, _) = world(&app).await;
    let t = Some(sa.as_str());
    let v = app
        .post(
            "/api/v1/roles/validate-rule",
            t,
            json!({"rule": "user.id & 1"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], false);
    assert_eq!(v["position"], 8);
    assert!(v["error"].as_str().unwrap().contains("Did you mean '&&'?"));
    // The SDK's dialect is a spelling of the same language, in rules too.
    let v = app
        .post(
            "/api/v1/roles/validate-rule",
            t,
            json!({"rule": "user.id = 'u1' && user.role IN ('a', 'b') && user.email IS NOT NULL"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], true, "{v}");
    let v = app
        .post(
            "/api/v1/roles/validate-rule",
            t,
            json!({"rule": "record.title == 1", "collection": "posts"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], false);
    let v = app
        .post(
            "/api/v1/rules/validate",
            t,
            json!({"rule": "record.title == 'x'", "collection": "posts", "operation": "read"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], json!([]));
    let r = app
        .post("/api/v1/roles/test-rule", t, json!({"rule": "'editors' in user.groups and record.status == 'live'",
            "context": {"user": {"groups": ["editors"]}, "record": {"status": "live"}}, "collection": "posts"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["allowed"], true);
    assert!(r["evaluation_details"]
        .as_str()
        .unwrap()
        .contains("granted"));
    let r = app.post("/api/v1/rules/test", t, json!({"rule": "@in_time_range(0, 24) and user.role == 'admin'", "context": {"user": {"role": "user"}}})).await.expect(200).clone();
    assert_eq!(r["allowed"], false);
    let r = app
        .post(
            "/api/v1/roles/test-rule",
            t,
            json!({"rule": "record.x ==", "context": {}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["allowed"], false);
    assert!(r["error"].is_string());
});

both!(rule_validation_knows_the_sdks_operation_names, |app| {
    // collectionRules.validateRule sends list/view/create/update/delete and
    // the collection's field names as `collectionFields`.
    let (sa, _, _, _, _, _) = world(&app).await;
    for op in ["list", "view", "LIST", "read", "create", "update", "delete"] {
        let v = app
            .post(
                "/api/v1/rules/validate",
                Some(&sa),
                json!({"rule": "record.title == 'x'", "operation": op, "collection": "posts",
                       "collectionFields": ["title"]}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(v["valid"], true, "{op}: {v}");
    }
    let v = app
        .post(
            "/api/v1/rules/validate",
            Some(&sa),
            json!({"rule": "true", "operation": "browse"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], false);
    assert!(v["errors"][0].as_str().unwrap().contains("browse"), "{v}");

    // Without a collection, `collectionFields` names the fields a rule may
    // use; their types are whatever makes the rule check.
    let validate = |rule: &'static str, fields: serde_json::Value| {
        let app = &app;
        let sa = sa.clone();
        async move {
            app.post(
                "/api/v1/rules/validate",
                Some(&sa),
                json!({"rule": rule, "operation": "list", "collectionFields": fields}),
            )
            .await
            .expect(200)
            .clone()
        }
    };
    for rule in [
        "record.status == 'public'",
        "record.views > 5 and record.views < 10",
        "record.done == true or record.owner == user.id",
        "'a' in record.tags",
        "record.due < '2024-01-31T00:00:00Z'",
    ] {
        let v = validate(
            rule,
            json!(["status", "views", "done", "owner", "tags", "due"]),
        )
        .await;
        assert_eq!(v["valid"], true, "{rule}: {v}");
    }
    for (rule, needle) in [
        ("record.status == 'x'", "Unknown field 'status'"),
        ("record.views > 5 and record.views == 'x'", ""),
        ("record.title ==", ""),
    ] {
        let v = validate(rule, json!(["title", "views"])).await;
        assert_eq!(v["valid"], false, "{rule}: {v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{v}");
    }
    // Without a collection or field names, record fields are unknown (as for `*`).
    let v = app
        .post(
            "/api/v1/roles/validate-rule",
            Some(&sa),
            json!({"rule": "record.status == 'x'"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(v["valid"], false);
});

both!(
    rule_tests_without_a_collection_type_the_contexts_record,
    |app| {
        // The SDK's testRule sends a rule and a context only.
        let (sa, _, _, _, _, _) = world(&app).await;
        let test = |rule: &'static str, context: serde_json::Value| {
            let app = &app;
            let sa = sa.clone();
            async move {
                app.post(
                    "/api/v1/roles/test-rule",
                    Some(&sa),
                    json!({"rule": rule, "context": context}),
                )
                .await
                .expect(200)
                .clone()
            }
        };
        let ctx = json!({"user": {"id": "u1", "role": "user", "groups": ["editors"]},
        "record": {"owner": "u1", "views": 7, "live": true, "tags": ["a"], "note": null}});
        for (rule, allowed) in [
            ("record.owner == user.id", true),
            ("record.views > 5 and record.live", true),
            ("record.views >= 10", false),
            ("'a' in record.tags and 'editors' in user.groups", true),
            ("record.note == null", true),
            ("record.note == 'x'", false),
        ] {
            let r = test(rule, ctx.clone()).await;
            assert_eq!(r["error"], serde_json::Value::Null, "{rule}: {r}");
            assert_eq!(r["allowed"], allowed, "{rule}: {r}");
        }
        // A field the context does not have, and a type clash, are errors.
        let r = test("record.missing == 1", ctx.clone()).await;
        assert_eq!(r["allowed"], false);
        assert!(
            r["error"]
                .as_str()
                .unwrap()
                .contains("Unknown field 'missing'"),
            "{r}"
        );
        let r = test("record.views == 'seven'", ctx).await;
        assert_eq!(r["allowed"], false);
        assert!(r["error"].is_string(), "{r}");
    }
);

both!(
    changes_made_by_another_process_or_node_reach_the_caches,
    |app| {
        let (_, _, u1, _, _, _) = world(&app).await;
        // Warm every cache: the identity, the collection, the grants.
        app.get("/api/v1/records/posts", Some(&u1))
            .await
            .expect(403);
        // Another process (SQLite) or node (PostgreSQL) opens posts to role user…
        app.exec_elsewhere(
            "INSERT INTO permissions (role_id, collection, rules, created_at, updated_at) VALUES \
             (2, 'posts', '{\"read\": {\"rule\": \"true\", \"fields\": \"*\"}}', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await;
        wait_for_status(&app, "/api/v1/records/posts", &u1, 200).await;
        // …and deactivates u1: their token stops working.
        app.exec_elsewhere("UPDATE users SET is_active = FALSE WHERE email = 'u1@example.com'")
            .await;
        wait_for_status(&app, "/api/v1/records/posts", &u1, 401).await;
    }
);

/// Polls `path` until it answers `status`: at once on PostgreSQL (every request
/// reads the change generation), within the 1 s poll on SQLite.
async fn wait_for_status(app: &TestApp, path: &str, token: &str, status: u16) {
    wait_for(app, path, token, |got, _| got == status).await;
}

// A list under a read rule that hits a database error is a 500 in the
// envelope, not an empty page (only a rule's own failure, such as a SQL macro
// past its time limit, denies).
both!(a_ruled_list_that_hits_a_database_error_is_a_500, |app| {
    let (sa, _, u1, _, _, _) = world(&app).await;
    grant(
        &app,
        &sa,
        2,
        "posts",
        json!({"read": {"rule": "true"}, "create": {"rule": "true"}}),
    )
    .await;
    app.post("/api/v1/records/posts", Some(&u1), json!({"title": "a"}))
        .await
        .expect(201);
    let page = app.get("/api/v1/records/posts", Some(&u1)).await;
    assert_eq!(page.expect(200)["items"].as_array().unwrap().len(), 1);
    // The table disappears behind the server's back: a database failure.
    app.exec_elsewhere("DROP TABLE col_posts").await;
    let res = app.get("/api/v1/records/posts", Some(&u1)).await;
    res.expect_error(500, "internal_error");
    assert!(res.json.get("items").is_none());
});

// `fields=` on one record checks its names as the list does: a field the
// caller cannot read (unknown or hidden) is a 422.
both!(fields_on_one_record_are_checked_like_the_list, |app| {
    let (sa, _, u1, _, _, _) = world(&app).await;
    grant(
        &app,
        &sa,
        2,
        "posts",
        json!({"read": {"rule": "true", "fields": ["title", "status"]}, "create": {"rule": "true"}}),
    )
    .await;
    let id = app
        .post(
            "/api/v1/records/posts",
            Some(&u1),
            json!({"title": "a", "status": "live"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let one = |fields: &'static str| {
        let path = format!("/api/v1/records/posts/{id}?fields={fields}");
        let app = &app;
        let u1 = u1.clone();
        async move { app.get(&path, Some(&u1)).await }
    };
    let got = one("title").await;
    let body = got.expect(200);
    assert_eq!(body["title"], "a");
    assert!(body.get("status").is_none());
    assert!(body.get("id").is_some());
    for bad in ["nope", "secret", "title,nope"] {
        let res = one(bad).await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.codes(), ["unknown_field"]);
        // The list says the same.
        let res = app
            .get(&format!("/api/v1/records/posts?fields={bad}"), Some(&u1))
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.codes(), ["unknown_field"]);
    }
    let all = one("*").await;
    assert_eq!(all.expect(200)["status"], "live");
});

/// The world of the tests that pin two read paths to the same answers: the
/// tokens of the superadmin, an admin and two users (whose rule is "own or
/// live", on two fields), and the ids of four posts and of none.
async fn paths_world(app: &TestApp) -> ([String; 4], Vec<String>) {
    let (sa, admin, u1, u2, _, _) = world(app).await;
    grant(
        app,
        &sa,
        2,
        "posts",
        json!({
        "create": {"rule": "true"},
        "read": {"rule": "user.id == record.created_by || record.status == 'live'", "fields": ["title", "status"]}}),
    )
    .await;
    let mut ids = Vec::new();
    for (token, body) in [
        (
            &u1,
            json!({"title": "u1 draft", "status": "draft", "secret": "s1"}),
        ),
        (
            &u2,
            json!({"title": "u2 live", "status": "live", "secret": "s2"}),
        ),
        (&u2, json!({"title": "u2 draft", "status": "draft"})),
        (&admin, json!({"title": "admin's", "secret": "s3"})),
    ] {
        let created = app.post("/api/v1/records/posts", Some(token), body).await;
        ids.push(created.expect(201)["id"].as_str().unwrap().to_string());
    }
    ids.push("no-such-record".into());
    ([sa, admin, u1, u2], ids)
}

/// The direct SQLite read path (`db::fast`, used for a record by id when the
/// caches can answer) must answer exactly as the pooled path does: the same
/// requests, run on both, give the same statuses and bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_read_path_answers_like_the_pooled_one() {
    let app = TestApp::start(Backend::Sqlite).await;
    let ([sa, admin, u1, u2], ids) = paths_world(&app).await;
    let mut requests = Vec::new();
    for token in [&sa, &admin, &u1, &u2] {
        for id in &ids {
            for query in [
                "",
                "?fields=title",
                "?fields=title,secret",
                "?fields=id,status",
            ] {
                requests.push((token.clone(), format!("/api/v1/records/posts/{id}{query}")));
            }
        }
    }
    let run = |fast: bool| {
        let (app, requests) = (&app, &requests);
        async move {
            app.state.db.fast().unwrap().set_enabled(fast);
            let mut answers = Vec::new();
            for (token, path) in requests {
                // Twice: the first may warm a cache, the second is served from it.
                app.get(path, Some(token)).await;
                let res = app.get(path, Some(token)).await;
                answers.push((path.clone(), res.status.as_u16(), res.json.clone()));
            }
            answers
        }
    };
    let before = app.state.db.fast().unwrap().hits();
    let direct = run(true).await;
    let hits = app.state.db.fast().unwrap().hits() - before;
    assert!(
        hits as usize >= requests.len(),
        "the direct path answered {hits} of {} reads",
        2 * requests.len()
    );
    let pooled = run(false).await;
    assert_eq!(app.state.db.fast().unwrap().hits() - before, hits);
    for (d, p) in direct.iter().zip(&pooled) {
        assert_eq!(d, p, "the two paths differ");
    }
    // The requests cover every kind of answer.
    let statuses: std::collections::BTreeSet<u16> = direct.iter().map(|a| a.1).collect();
    assert!(
        statuses.is_superset(&[200, 404, 422].into()),
        "{statuses:?}"
    );
}

// A record read by id with everything cached: on PostgreSQL one statement
// (the record and the change generation together), and still no cache hides
// a change another node committed: the very next read sees it.
both!(
    a_cached_read_by_id_is_one_statement_and_sees_every_change,
    |app| {
        let (sa, _, u1, _, _, _) = world(&app).await;
        grant(
        &app,
        &sa,
        2,
        "posts",
        json!({"create": {"rule": "true"}, "read": {"rule": "true", "fields": ["title", "status"]}}),
    )
    .await;
        let post = app
            .post(
                "/api/v1/records/posts",
                Some(&u1),
                json!({"title": "t", "secret": "s"}),
            )
            .await
            .expect(201)
            .clone();
        let path = format!("/api/v1/records/posts/{}", post["id"].as_str().unwrap());
        app.get(&path, Some(&u1)).await.expect(200);
        let stats = app.state.db.statements();
        let (reads, polls) = (stats.reads(), stats.polls());
        let got = app.get(&path, Some(&u1)).await.expect(200).clone();
        assert_eq!(got["title"], "t");
        assert!(got.get("secret").is_none());
        if app.state.db.backend() == snackbase_server::db::Backend::Postgres {
            assert_eq!(stats.reads() - reads, 1, "one statement");
            assert_eq!(
                stats.polls() - polls,
                0,
                "no separate read of the generation"
            );
        }
        // Another node narrows the grant: the field list applies at once.
        app.exec_elsewhere(
        "UPDATE permissions SET rules = '{\"read\": {\"rule\": \"true\", \"fields\": [\"status\"]}}' WHERE role_id = 2",
    )
    .await;
        wait_for(&app, &path, &u1, |status, body| {
            status == 200 && body.get("title").is_none()
        })
        .await;
        // …and deactivates the user: the token stops working at once.
        app.exec_elsewhere("UPDATE users SET is_active = FALSE WHERE email = 'u1@example.com'")
            .await;
        wait_for_status(&app, &path, &u1, 401).await;
    }
);

// A list with everything cached: on PostgreSQL one statement (the page, its
// total and the change generation row together), and still no cache hides a
// change another node committed: the very next list sees it.
both!(
    a_cached_list_is_one_statement_and_sees_every_change,
    |app| {
        let (sa, _, u1, _, _, _) = world(&app).await;
        grant(
        &app,
        &sa,
        2,
        "posts",
        json!({"create": {"rule": "true"}, "read": {"rule": "true", "fields": ["title", "status"]}}),
    )
    .await;
        for title in ["t0", "t1", "t2"] {
            app.post(
                "/api/v1/records/posts",
                Some(&u1),
                json!({"title": title, "status": "live", "secret": "s"}),
            )
            .await
            .expect(201);
        }
        let path = "/api/v1/records/posts?sort=title&limit=2";
        app.get(path, Some(&u1)).await.expect(200);
        let stats = app.state.db.statements();
        let (reads, polls) = (stats.reads(), stats.polls());
        let got = app.get(path, Some(&u1)).await.expect(200).clone();
        let titles = |list: &Value| -> Vec<String> {
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["title"].as_str().unwrap_or("-").to_string())
                .collect()
        };
        assert_eq!(got["total"], 3);
        assert_eq!(titles(&got), ["t0", "t1"]);
        assert!(got["items"][0].get("secret").is_none());
        assert!(got["next_cursor"].is_string());
        if app.state.db.backend() == snackbase_server::db::Backend::Postgres {
            assert_eq!(stats.reads() - reads, 1, "one statement");
            assert_eq!(
                stats.polls() - polls,
                0,
                "no separate read of the generation"
            );
        }
        // Another node narrows the rule and the fields: both apply at once (and
        // the title can no longer be sorted by).
        let path = "/api/v1/records/posts?sort=status&limit=5";
        app.get(path, Some(&u1)).await.expect(200);
        app.exec_elsewhere(
        "UPDATE permissions SET rules = '{\"read\": {\"rule\": \"record.title != ''t0''\", \"fields\": [\"status\"]}}' WHERE role_id = 2",
    )
    .await;
        wait_for(
            &app,
            "/api/v1/records/posts?sort=title",
            &u1,
            |status, _| status == 422,
        )
        .await;
        wait_for(&app, path, &u1, |status, body| {
            status == 200
                && body["total"] == 2
                && body["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().all(|r| r.get("title").is_none()))
        })
        .await;
        // …and deactivates the user: the token stops working at once.
        app.exec_elsewhere("UPDATE users SET is_active = FALSE WHERE email = 'u1@example.com'")
            .await;
        wait_for_status(&app, path, &u1, 401).await;
    }
);

/// PostgreSQL's one-statement reads (a record by id, a list, from the
/// caches) must answer exactly as the pooled path does: the same requests,
/// run on both, give the same statuses and bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_statement_reads_answer_like_the_pooled_path() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let ([sa, admin, u1, u2], ids) = paths_world(&app).await;
    let mut paths: Vec<String> = [
        "",
        "?sort=title",
        "?sort=-title&limit=2",
        "?sort=title&limit=1&skip=1",
        "?count=false&sort=title",
        "?fields=title",
        "?fields=title,secret",
        "?filter=status%20%3D%20%27live%27",
        "?filter=title%20~%20%27draft%27&sort=-created_at",
        "?status=draft",
        "?sort=nope",
        "?limit=0",
        "?skip=50",
    ]
    .iter()
    .map(|q| format!("/api/v1/records/posts{q}"))
    .collect();
    for id in &ids {
        paths.push(format!("/api/v1/records/posts/{id}"));
        paths.push(format!("/api/v1/records/posts/{id}?fields=title"));
    }
    let mut requests = Vec::new();
    for token in [&sa, &admin, &u1, &u2] {
        for path in &paths {
            requests.push((token.clone(), path.clone()));
        }
    }
    let run = |one_statement: bool| {
        let (app, requests) = (&app, &requests);
        async move {
            app.state.db.set_one_statement_reads(one_statement);
            let stats = app.state.db.statements();
            let mut answers = Vec::new();
            let mut reads = 0;
            for (token, path) in requests {
                // Twice: the first may warm a cache, the second is served from it.
                app.get(path, Some(token)).await;
                let before = stats.reads();
                let res = app.get(path, Some(token)).await;
                reads += stats.reads() - before;
                answers.push((path.clone(), res.status.as_u16(), res.json.clone()));
            }
            (answers, reads)
        }
    };
    let (one, one_reads) = run(true).await;
    let (pooled, pooled_reads) = run(false).await;
    for (a, b) in one.iter().zip(&pooled) {
        assert_eq!(a, b, "the two paths differ");
    }
    assert!(
        one_reads < pooled_reads,
        "the one-statement path took {one_reads} statements, the pooled one {pooled_reads}"
    );
    let statuses: std::collections::BTreeSet<u16> = one.iter().map(|a| a.1).collect();
    assert!(
        statuses.is_superset(&[200, 404, 422].into()),
        "{statuses:?}"
    );
}

/// Polls `path` until `done(status, body)`: at once on PostgreSQL, within the
/// 1 s poll on SQLite.
async fn wait_for(app: &TestApp, path: &str, token: &str, done: impl Fn(u16, &Value) -> bool) {
    let postgres = app.state.db.backend() == snackbase_server::db::Backend::Postgres;
    until(postgres, || app.get(path, Some(token)), done).await;
}

/// Repeats `request` until `done(status, body)`: at once on PostgreSQL,
/// within the 1 s poll on SQLite.
async fn until<F, Fut>(postgres: bool, request: F, done: impl Fn(u16, &Value) -> bool)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = request().await;
        if done(got.status.as_u16(), &got.json) {
            return;
        }
        assert!(
            !postgres,
            "PostgreSQL answered {} right after the change",
            got.text
        );
        assert!(
            std::time::Instant::now() < deadline,
            "still {} after 10 s",
            got.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

// A create and a PATCH with everything cached: on PostgreSQL the generation
// is not read on its own (the write's statement confirms it), and still no
// cache hides a change another node committed: the very next write sees it.
both!(
    cached_writes_confirm_the_generation_and_see_every_change,
    |app| {
        let (sa, _, u1, _, _, _) = world(&app).await;
        grant(
            &app,
            &sa,
            2,
            "posts",
            json!({"create": {"rule": "true"}, "read": {"rule": "true"}, "update": {"rule": "true"}}),
        )
        .await;
        let t = Some(u1.as_str());
        let post = app
            .post("/api/v1/records/posts", t, json!({"title": "t"}))
            .await
            .expect(201)
            .clone();
        let path = format!("/api/v1/records/posts/{}", post["id"].as_str().unwrap());
        app.patch(&path, t, json!({"title": "w"})).await.expect(200);
        let stats = app.state.db.statements();
        let postgres = app.state.db.backend() == snackbase_server::db::Backend::Postgres;
        let (reads, writes, polls) = (stats.reads(), stats.writes(), stats.polls());
        let patched = app
            .patch(&path, t, json!({"status": "s"}))
            .await
            .expect(200)
            .clone();
        assert_eq!(
            (patched["title"].as_str(), patched["status"].as_str()),
            (Some("w"), Some("s"))
        );
        app.post("/api/v1/records/posts", t, json!({"title": "t2"}))
            .await
            .expect(201);
        if postgres {
            assert_eq!(stats.reads() - reads, 1, "the PATCH's one read");
            assert_eq!(stats.writes() - writes, 2, "one statement per write");
            assert_eq!(
                stats.polls() - polls,
                0,
                "no separate read of the generation"
            );
        }
        // Another node closes updates: the very next PATCH is refused.
        app.exec_elsewhere(
            "UPDATE permissions SET rules = '{\"create\": {\"rule\": \"true\"}, \"read\": {\"rule\": \"true\"}, \"update\": {\"rule\": \"false\"}}' WHERE role_id = 2",
        )
        .await;
        // (The same title: on SQLite a PATCH may pass before the poll sees it.)
        until(
            postgres,
            || app.patch(&path, t, json!({"title": "w"})),
            |s, _| s == 403,
        )
        .await;
        // …and deactivates the user: neither a PATCH nor a create gets through.
        app.exec_elsewhere("UPDATE users SET is_active = FALSE WHERE email = 'u1@example.com'")
            .await;
        until(
            postgres,
            || app.post("/api/v1/records/posts", t, json!({"title": "t3"})),
            |s, _| s == 401,
        )
        .await;
        app.patch(&path, t, json!({"title": "y"})).await.expect(401);
        let stored = app
            .get(&format!("{path}?account_id=AA0001"), Some(sa.as_str()))
            .await
            .expect(200)
            .clone();
        assert_eq!(stored["title"], "w", "no refused write changed the record");
    }
);
