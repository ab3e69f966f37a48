use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

pub fn posts_schema() -> Value {
    json!({
        "name": "posts",
        "schema": [
            {"name": "title", "type": "text", "required": true, "options": {"max_length": 100}},
            {"name": "views", "type": "number", "default": 0, "options": {"min": 0}},
            {"name": "published", "type": "boolean"},
            {"name": "contact", "type": "email"},
            {"name": "link", "type": "url"},
            {"name": "published_at", "type": "datetime"},
            {"name": "meta", "type": "json"},
            {"name": "status", "type": "select", "options": {"values": ["draft", "live"]}},
            {"name": "tags", "type": "select", "options": {"values": ["a", "b", "c"], "multiple": true}},
            {"name": "slug", "type": "text", "unique": true}
        ]
    })
}

both!(collections_are_created_listed_and_read, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let created = app
        .post("/api/v1/collections", t, posts_schema())
        .await
        .expect(201)
        .clone();
    assert_eq!(created["name"], "posts");
    assert_eq!(created["table_name"], "col_posts");
    assert_eq!(created["schema"].as_array().unwrap().len(), 10);
    assert_eq!(created["schema"], created["fields"]);
    let title = &created["schema"][0];
    for key in [
        "name",
        "type",
        "required",
        "default",
        "unique",
        "options",
        "collection",
        "on_delete",
        "pii",
        "mask_type",
    ] {
        assert!(title.get(key).is_some(), "missing {key}");
    }
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&format!("/api/v1/collections/{id}"), t)
            .await
            .expect(200)["name"],
        "posts"
    );
    app.get("/api/v1/collections/nope", t)
        .await
        .expect_error(404, "not_found");
    // The SDK's field aliases: `fields`, `relation`, `date`.
    let authors = json!({"name": "Authors", "fields": [{"name": "name", "type": "text"}, {"name": "born", "type": "date"}]});
    app.post("/api/v1/collections", t, authors)
        .await
        .expect(201);
    let rel = json!({"name": "comments", "schema": [
        {"name": "post", "type": "relation", "collection": "posts", "on_delete": "cascade", "required": true},
        {"name": "body", "type": "text"}]});
    app.post("/api/v1/collections", t, rel).await.expect(201);

    let names = app
        .get("/api/v1/collections/names", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        names,
        json!({"names": ["Authors", "comments", "posts"], "total": 3})
    );
    let list = app
        .get("/api/v1/collections?sort_by=name&sort_order=asc", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][2]["fields_count"], 10);
    assert_eq!(list["items"][2]["records_count"], 0);
    let found = app
        .get("/api/v1/collections?search=AUTH", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(found["total"], 1);
    let history = app
        .get(&format!("/api/v1/collections/{id}/history"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(history[0]["operation"], "create");
    assert_eq!(history[0]["version"], 1);

    // Names are unique whatever their case.
    let clash = app
        .post(
            "/api/v1/collections",
            t,
            json!({"name": "POSTS", "schema": [{"name": "x", "type": "text"}]}),
        )
        .await;
    clash.expect_error(409, "conflict");
    assert_eq!(clash.json["details"][0]["field"], "name");
});

both!(bad_schemas_are_refused_and_change_nothing, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"name": "ab", "schema": [{"name": "x", "type": "text"}]}),
            "name_too_short",
        ),
        (
            json!({"name": "posts\"; DROP TABLE users; --", "schema": [{"name": "x", "type": "text"}]}),
            "name_invalid_format",
        ),
        (
            json!({"name": "1posts", "schema": [{"name": "x", "type": "text"}]}),
            "name_invalid_format",
        ),
        (json!({"name": "posts", "schema": []}), "schema_empty"),
        (
            json!({"name": "posts", "schema": [{"name": "id", "type": "text"}]}),
            "field_name_reserved",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "a\"b", "type": "text"}]}),
            "field_name_invalid_format",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "x", "type": "blob"}]}),
            "field_type_invalid",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "x", "type": "text"}, {"name": "X", "type": "text"}]}),
            "field_name_duplicate",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "r", "type": "reference", "collection": "ghosts", "on_delete": "cascade"}]}),
            "reference_collection_not_found",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "r", "type": "reference", "collection": "posts", "on_delete": "explode"}]}),
            "reference_on_delete_invalid",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "n", "type": "number", "default": "zero"}]}),
            "default_invalid",
        ),
        (
            json!({"name": "posts", "schema": [{"name": "t", "type": "text", "default": "it's"}], "indexes": [{"fields": ["nope"]}]}),
            "index_invalid",
        ),
    ];
    for (body, code) in cases {
        let res = app.post("/api/v1/collections", t, body.clone()).await;
        res.expect_error(422, "validation_error");
        assert!(
            res.codes().contains(&code.to_string()),
            "{body}: {:?}",
            res.codes()
        );
    }
    // Wrong JSON shapes.
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "posts", "schema": {"x": 1}}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "posts", "schema": [{"name": "x", "type": "text", "evil": 1}]}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "posts", "schema": [{"name": "x", "type": "text"}], "fields": []}),
    )
    .await
    .expect(422);
    assert_eq!(app.count("collections").await, 0);
    // A string default with a quote is data, not DDL.
    let ok = json!({"name": "quotes", "schema": [{"name": "t", "type": "text", "default": "it's; DROP TABLE users; --"}]});
    app.post("/api/v1/collections", t, ok).await.expect(201);
    assert_eq!(app.count("users").await, 1);
});

both!(collections_are_changed_by_the_superadmin_only, |app| {
    let sa = app.superadmin().await;
    let id = app
        .post("/api/v1/collections", Some(&sa), posts_schema())
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reg = app.register("owner@example.com", "Acme").await;
    let t = reg["token"].as_str();
    // Account admins read schemas (to work with records), and change nothing.
    assert_eq!(
        app.get("/api/v1/collections", t).await.expect(200)["total"],
        1
    );
    app.get("/api/v1/collections/names", t).await.expect(200);
    app.get(&format!("/api/v1/collections/{id}"), t)
        .await
        .expect(200);
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "other", "schema": [{"name": "x", "type": "text"}]}),
    )
    .await
    .expect_error(403, "forbidden");
    app.put(
        &format!("/api/v1/collections/{id}"),
        t,
        json!({"schema": [{"name": "x", "type": "text"}]}),
    )
    .await
    .expect(403);
    app.delete(&format!("/api/v1/collections/{id}"), t)
        .await
        .expect(403);
    app.get("/api/v1/collections/export", t).await.expect(403);
    // Plain users read nothing.
    app.post("/api/v1/users", Some(&sa), json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201);
    let user = app
        .login("acme", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/api/v1/collections", Some(&user))
        .await
        .expect_error(403, "forbidden");
    app.get(&format!("/api/v1/collections/{id}"), Some(&user))
        .await
        .expect(403);
    assert_eq!(app.count("collections").await, 1);
});

both!(deleting_collections, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let posts = app
        .post("/api/v1/collections", t, posts_schema())
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rel = json!({"name": "comments", "schema": [{"name": "post", "type": "reference", "collection": "posts", "on_delete": "cascade"}]});
    let comments = app.post("/api/v1/collections", t, rel).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post("/api/v1/records/posts", t, json!({"title": "a"}))
        .await
        .expect(201);
    app.delete(&format!("/api/v1/collections/{posts}"), t)
        .await
        .expect_error(409, "conflict");
    app.delete(&format!("/api/v1/collections/{comments}"), t)
        .await
        .expect(200);
    let res = app
        .delete(&format!("/api/v1/collections/{posts}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(res["message"], "Collection deleted successfully");
    assert_eq!(res["records_deleted"], 1);
    assert_eq!(res["table_name"], "col_posts");
    app.get("/api/v1/records/posts", t)
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("/api/v1/collections/{posts}"), t)
        .await
        .expect(404);
    // The name is free again, with a fresh table.
    app.post("/api/v1/collections", t, posts_schema())
        .await
        .expect(201);
    let list = app
        .get("/api/v1/records/posts", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 0);
});
