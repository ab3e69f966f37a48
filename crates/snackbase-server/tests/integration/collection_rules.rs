//! `/collections/{name}/rules`: the SDK's rules as permissions of the built-in
//! `user` and `public` roles, enforced on records.

use serde_json::json;

use crate::both;
use crate::harness::*;

/// The superadmin, a `notes` collection with an `owner` field, the admin of
/// "Alpha" and two plain users of Alpha. Returns (sa, admin, u1, u2, u1 id, u2 id).
async fn world(app: &TestApp) -> (String, String, String, String, String, String) {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "notes", "fields": [
        {"name": "title", "type": "text"}, {"name": "owner", "type": "text"}]}),
    )
    .await
    .expect(201);
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut out = Vec::new();
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
        let token = app.login("alpha", email, PASSWORD).await.expect(200)["token"]
            .as_str()
            .unwrap()
            .to_string();
        out.push((token, u["id"].as_str().unwrap().to_string()));
    }
    let (u1, u1_id) = out[0].clone();
    let (u2, u2_id) = out[1].clone();
    (sa, admin, u1, u2, u1_id, u2_id)
}

both!(rules_start_locked_and_round_trip, |app| {
    let (sa, ..) = world(&app).await;
    let rules = app
        .get("/api/v1/collections/notes/rules", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        rules,
        json!({"list_rule": null, "view_rule": null, "create_rule": null, "update_rule": null,
               "delete_rule": null, "list_fields": "*", "view_fields": "*", "create_fields": "*",
               "update_fields": "*"})
    );
    let rules = app
        .put(
            "/api/v1/collections/notes/rules",
            Some(&sa),
            json!({"list_rule": "record.owner == user.id", "create_rule": "",
                   "update_fields": ["title"], "update_rule": "true"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(rules["list_rule"], "record.owner == user.id");
    assert_eq!(rules["view_rule"], "record.owner == user.id");
    assert_eq!(rules["create_rule"], "");
    assert_eq!(rules["update_rule"], "true");
    assert_eq!(rules["update_fields"], json!(["title"]));
    assert_eq!(rules["delete_rule"], json!(null));
    // Partial: a key left out is kept, null locks.
    let rules = app
        .put(
            "/api/v1/collections/notes/rules",
            Some(&sa),
            json!({"update_rule": null}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(rules["update_rule"], json!(null));
    assert_eq!(rules["create_rule"], "");
    // They are the permissions of the built-in roles.
    let user = app
        .get("/api/v1/roles/2/permissions", Some(&sa))
        .await
        .expect(200)
        .clone();
    let notes = user["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["collection"] == "notes")
        .unwrap()
        .clone();
    assert_eq!(notes["read"]["rule"], "record.owner == user.id");
    assert_eq!(notes["create"]["rule"], "true");
    assert_eq!(
        app.get("/api/v1/collections/notes/rules", Some(&sa))
            .await
            .expect(200)["create_rule"],
        ""
    );
});

both!(rules_are_enforced_on_records, |app| {
    let (sa, admin, u1, u2, u1_id, u2_id) = world(&app).await;
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rule": "record.owner == user.id", "create_rule": "true"}),
    )
    .await
    .expect(200);
    for (token, id) in [(&u1, &u1_id), (&u2, &u2_id), (&u2, &u2_id)] {
        app.post(
            "/api/v1/records/notes",
            Some(token),
            json!({"title": "n", "owner": id}),
        )
        .await
        .expect(201);
    }
    let list = app
        .get("/api/v1/records/notes", Some(&u1))
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["owner"], u1_id.as_str());
    let list = app
        .get("/api/v1/records/notes", Some(&u2))
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 2);
    // The account's admin keeps its own `*` permission.
    assert_eq!(
        app.get("/api/v1/records/notes", Some(&admin))
            .await
            .expect(200)["total"],
        3
    );
    // An expression is not a grant for anonymous callers.
    app.get("/api/v1/records/notes?account=alpha", None)
        .await
        .expect(401);

    // "" opens the list to everyone, the public role included.
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rule": ""}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/v1/records/notes", Some(&u1))
            .await
            .expect(200)["total"],
        3
    );
    assert_eq!(
        app.get("/api/v1/records/notes?account=alpha", None)
            .await
            .expect(200)["total"],
        3
    );

    // null locks: no grant for users or the public.
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rule": null}),
    )
    .await
    .expect(200);
    app.get("/api/v1/records/notes", Some(&u1))
        .await
        .expect(403);
    app.get("/api/v1/records/notes?account=alpha", None)
        .await
        .expect(401);
});

both!(rules_need_an_admin_and_valid_input, |app| {
    let (sa, admin, u1, ..) = world(&app).await;
    let other = app.register("beta@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    // A plain user: 403 on both; no token: 401.
    app.get("/api/v1/collections/notes/rules", Some(&u1))
        .await
        .expect_error(403, "forbidden");
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&u1),
        json!({"list_rule": ""}),
    )
    .await
    .expect_error(403, "forbidden");
    app.get("/api/v1/collections/notes/rules", None)
        .await
        .expect(401);
    // Account admins may read the rules, which are the same in every account,
    // but not change them for every account.
    app.get("/api/v1/collections/notes/rules", Some(&admin))
        .await
        .expect(200);
    for token in [&admin, &other] {
        app.put(
            "/api/v1/collections/notes/rules",
            Some(token),
            json!({"list_rule": ""}),
        )
        .await
        .expect_error(403, "forbidden");
    }
    assert_eq!(
        app.get("/api/v1/collections/notes/rules", Some(&other))
            .await
            .expect(200)["list_rule"],
        json!(null)
    );
    // Bad input is a 4xx in the envelope, and changes nothing.
    app.get("/api/v1/collections/nope/rules", Some(&sa))
        .await
        .expect_error(404, "not_found");
    let res = app
        .put(
            "/api/v1/collections/notes/rules",
            Some(&sa),
            json!({"list_rule": "record.missing == 1", "create_rule": ""}),
        )
        .await;
    res.expect(422);
    assert_eq!(res.codes(), ["rule_invalid"]);
    let res = app
        .put(
            "/api/v1/collections/notes/rules",
            Some(&sa),
            json!({"list_rule": "true", "view_rule": "false"}),
        )
        .await;
    res.expect(422);
    assert_eq!(res.codes(), ["rules_differ"]);
    let res = app
        .put(
            "/api/v1/collections/notes/rules",
            Some(&sa),
            json!({"create_fields": ["nope"]}),
        )
        .await;
    assert_eq!(res.codes(), ["unknown_field"]);
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rle": ""}),
    )
    .await
    .expect(422);
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rule": 5}),
    )
    .await
    .expect(422);
    app.put(
        "/api/v1/collections/notes/rules",
        Some(&sa),
        json!({"list_rule": "(("}),
    )
    .await
    .expect(422);
    assert_eq!(
        app.get("/api/v1/collections/notes/rules", Some(&sa))
            .await
            .expect(200)["create_rule"],
        json!(null)
    );
});

both!(rules_in_collection_bodies, |app| {
    let (sa, _, u1, ..) = world(&app).await;
    let created = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "tasks", "fields": [{"name": "prio", "type": "select", "options": ["low", "high"]}],
                   "list_rule": "", "create_rule": "true", "delete_rule": null}),
        )
        .await
        .expect(201)
        .clone();
    // The list form of select options is stored and returned as the object form.
    assert_eq!(
        created["schema"][0]["options"]["values"],
        json!(["low", "high"])
    );
    let rules = app
        .get("/api/v1/collections/tasks/rules", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(rules["list_rule"], "");
    assert_eq!(rules["create_rule"], "true");
    assert_eq!(rules["delete_rule"], json!(null));
    app.post("/api/v1/records/tasks", Some(&u1), json!({"prio": "high"}))
        .await
        .expect(201);
    app.post("/api/v1/records/tasks", Some(&u1), json!({"prio": "mid"}))
        .await
        .expect(422);
    // Rules alone in an update body.
    app.put(
        "/api/v1/collections/tasks",
        Some(&sa),
        json!({"create_rule": null}),
    )
    .await
    .expect(200);
    app.post("/api/v1/records/tasks", Some(&u1), json!({"prio": "low"}))
        .await
        .expect(403);
    // With a schema change, in one transaction: a bad rule changes nothing.
    app.put(
        "/api/v1/collections/tasks",
        Some(&sa),
        json!({"fields": [{"name": "prio", "type": "select", "options": ["low", "high"]},
                          {"name": "note", "type": "text"}], "update_rule": "record.nope == 1"}),
    )
    .await
    .expect(422);
    let c = app
        .get("/api/v1/collections/tasks", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(c["schema"].as_array().unwrap().len(), 1);
    // A bad rule on create creates nothing.
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "bad", "fields": [{"name": "a", "type": "text"}], "list_rule": "record.b == 1"}),
    )
    .await
    .expect(422);
    app.get("/api/v1/collections/bad/rules", Some(&sa))
        .await
        .expect(404);
    // A select's options must be strings.
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "bad2", "fields": [{"name": "a", "type": "select", "options": ["x", 1]}]}),
    )
    .await
    .expect(422);
});
