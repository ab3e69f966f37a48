//! The collection replies the JavaScript SDK types: `has_public_access` in
//! lists and on get, `record_count`/`field_count` on get, and export/import
//! in the SDK's format beside ours (docs/collections.md).

use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// `notes` (locked), `posts` (open to everyone: `list_rule: ""`) and `tasks`
/// (a rule for signed-in users only); two records of Alpha's and one of
/// Beta's in `notes`. Returns (superadmin, Alpha's admin, notes' id).
async fn world(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    let notes = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "notes", "fields": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "fields": [{"name": "title", "type": "text"}], "list_rule": ""}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "tasks", "fields": [{"name": "title", "type": "text"}], "list_rule": "true"}),
    )
    .await
    .expect(201);
    let alpha = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let beta = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (token, title) in [(&alpha, "one"), (&alpha, "two"), (&beta, "three")] {
        app.post(
            "/api/v1/records/notes",
            Some(token),
            json!({ "title": title }),
        )
        .await
        .expect(201);
    }
    (sa, alpha, notes)
}

fn flags(list: &Value) -> Vec<(String, bool)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["has_public_access"].as_bool().unwrap(),
            )
        })
        .collect()
}

both!(lists_and_get_show_public_access_and_counts, |app| {
    let (sa, alpha, notes) = world(&app).await;
    let list = app
        .get("/api/v1/collections?sort_by=name&sort_order=asc", Some(&sa))
        .await
        .expect(200)
        .clone();
    let want = |n: bool, p: bool, t: bool| {
        vec![
            ("notes".to_string(), n),
            ("posts".to_string(), p),
            ("tasks".to_string(), t),
        ]
    };
    assert_eq!(flags(&list), want(false, true, false));
    assert_eq!(list["items"][0]["records_count"], 3);

    let got = app
        .get(&format!("/api/v1/collections/{notes}"), Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(got["name"], "notes");
    assert_eq!(got["fields"].as_array().unwrap().len(), 2);
    assert_eq!(got["field_count"], 2);
    assert_eq!(
        got["record_count"], 3,
        "every account's, for the superadmin"
    );
    assert_eq!(got["has_public_access"], false);
    // An account admin counts their own account's records.
    let mine = app
        .get("/api/v1/collections/notes", Some(&alpha))
        .await
        .expect(200)
        .clone();
    assert_eq!(mine["record_count"], 2);
    assert_eq!(
        app.get("/api/v1/collections/posts", Some(&alpha))
            .await
            .expect(200)["has_public_access"],
        true
    );

    // A permission of `public` on `*` opens every collection.
    let everywhere = app
        .post(
            "/api/v1/permissions",
            Some(&sa),
            json!({"role_id": 3, "collection": "*", "rules": {"read": {"rule": "true", "fields": "*"}}}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let list = app
        .get("/api/v1/collections?sort_by=name&sort_order=asc", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(flags(&list), want(true, true, true));
    assert_eq!(
        app.get(&format!("/api/v1/collections/{notes}"), Some(&sa))
            .await
            .expect(200)["has_public_access"],
        true
    );
    app.delete(&format!("/api/v1/permissions/{everywhere}"), Some(&sa))
        .await
        .expect(204);
    // Locking `posts` again takes its public access away.
    app.put(
        "/api/v1/collections/posts/rules",
        Some(&sa),
        json!({"list_rule": null}),
    )
    .await
    .expect(200);
    let list = app
        .get("/api/v1/collections?sort_by=name&sort_order=asc", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(flags(&list), want(false, false, false));
});

both!(export_carries_the_sdks_keys_and_the_rules, |app| {
    let (sa, _, _) = world(&app).await;
    let doc = app
        .get("/api/v1/collections/export", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["version"], "1.0");
    assert_eq!(doc["exported_by"], ADMIN_EMAIL);
    assert!(doc["exported_at"].as_str().unwrap().ends_with('Z'));
    let posts = doc["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "posts")
        .unwrap();
    assert_eq!(posts["schema"][0]["name"], "title");
    assert_eq!(posts["indexes"], json!([]));
    assert_eq!(
        posts["rules"],
        app.get("/api/v1/collections/posts/rules", Some(&sa))
            .await
            .expect(200)
            .clone()
    );
    assert_eq!(posts["rules"]["list_rule"], "");
    assert_eq!(posts["rules"]["delete_rule"], Value::Null);
});

/// A document as the SDK's `CollectionExportData` types it.
fn sdk_document() -> Value {
    json!({
        "version": "1.0",
        "exported_at": "2026-01-02T03:04:05Z",
        "exported_by": "someone@example.com",
        "collections": [
            {"name": "articles", "schema": [
                {"name": "title", "type": "text", "required": true, "default": null, "unique": false,
                 "options": null, "collection": null, "on_delete": null, "pii": false, "mask_type": null,
                 "expression": null, "return_type": null},
                {"name": "body", "type": "text"}
             ],
             "rules": {"list_rule": "", "view_rule": "", "create_rule": "@has_role('admin')",
                       "update_rule": null, "delete_rule": null, "list_fields": "*", "view_fields": "*",
                       "create_fields": "title, body", "update_fields": "*"}},
            {"name": "comments", "schema": [
                {"name": "article", "type": "reference", "collection": "articles", "on_delete": "cascade"},
                {"name": "text", "type": "text"}
             ],
             "rules": {"list_rule": "true", "view_rule": "true", "create_rule": "true",
                       "update_rule": null, "delete_rule": null, "list_fields": "*", "view_fields": "*",
                       "create_fields": "*", "update_fields": "*"}}
        ]
    })
}

both!(the_sdks_export_format_is_imported, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let reply = app
        .post(
            "/api/v1/collections/import",
            t,
            json!({"data": sdk_document(), "strategy": "error"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(reply["success"], true);
    assert_eq!(reply["imported_count"], 2);
    assert_eq!(reply["updated_count"], 0);
    assert_eq!(reply["skipped_count"], 0);
    assert_eq!(reply["failed_count"], 0);
    assert_eq!(
        reply["collections"],
        json!([{"name": "articles", "status": "imported", "message": "Created with 2 fields"},
               {"name": "comments", "status": "imported", "message": "Created with 2 fields"}])
    );
    assert_eq!(
        reply["imported"],
        json!([{"name": "articles", "status": "created"}, {"name": "comments", "status": "created"}])
    );
    // One migration per collection, named as the history names it.
    let history = app
        .get("/api/v1/collections/articles/history", t)
        .await
        .expect(200)
        .clone();
    let migrations = reply["migrations_created"].as_array().unwrap();
    assert_eq!(migrations.len(), 2);
    assert_eq!(migrations[0], history[0]["id"]);

    // The rules became permissions: anonymous reads in a named account work.
    let rules = app
        .get("/api/v1/collections/articles/rules", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(rules["list_rule"], "");
    assert_eq!(rules["create_rule"], "@has_role('admin')");
    assert_eq!(rules["create_fields"], json!(["title", "body"]));
    assert_eq!(rules["update_rule"], Value::Null);
    let alpha = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/records/articles",
        Some(&alpha),
        json!({"title": "Hello"}),
    )
    .await
    .expect(201);
    let anonymous = app
        .get("/api/v1/records/articles?account_id=AA0001", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(anonymous["items"][0]["title"], "Hello");
    let got = app
        .get("/api/v1/collections/articles", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(got["has_public_access"], true);
    assert_eq!(got["field_count"], 2);

    // Again: skip, then update with changed rules and a new field.
    let skipped = app
        .post(
            "/api/v1/collections/import",
            t,
            json!({"data": sdk_document()}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(skipped["skipped_count"], 2);
    assert_eq!(skipped["collections"][0]["status"], "skipped");
    assert_eq!(skipped["migrations_created"], json!([]));
    let mut changed = sdk_document();
    changed["collections"][0]["schema"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "summary", "type": "text"}));
    changed["collections"][1]["rules"]["delete_rule"] = json!("true");
    let updated = app
        .post(
            "/api/v1/collections/import",
            t,
            json!({"data": changed, "strategy": "update"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        updated["collections"],
        json!([{"name": "articles", "status": "updated", "message": "1 schema change"},
               {"name": "comments", "status": "updated", "message": "Rules changed"}])
    );
    assert_eq!(updated["updated_count"], 2);
    assert_eq!(updated["migrations_created"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/collections/comments/rules", t)
            .await
            .expect(200)["delete_rule"],
        "true"
    );
    let same = app
        .post(
            "/api/v1/collections/import",
            t,
            json!({"data": changed, "strategy": "update"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(same["imported"][0]["status"], "unchanged");
    assert_eq!(same["collections"][0]["status"], "skipped");
    assert_eq!(same["collections"][0]["message"], "Already as imported");
    assert_eq!(same["skipped_count"], 2);
});

both!(bad_sdk_documents_are_refused_whole, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let import = |data: Value| {
        let app = &app;
        async move {
            app.post("/api/v1/collections/import", t, json!({ "data": data }))
                .await
        }
    };
    // Neither format named.
    let res = import(json!({"collections": []})).await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["code"], "missing_version");
    // A computed field (a feature we do not have).
    let mut computed = sdk_document();
    computed["collections"][1]["schema"][1]["expression"] = json!("upper(text)");
    let res = import(computed).await;
    res.expect_error(422, "validation_error");
    assert_eq!(
        res.json["details"][0]["field"],
        "data.collections[1].schema"
    );
    // List and view rules that differ cannot be one read permission.
    let mut differ = sdk_document();
    differ["collections"][1]["rules"]["view_rule"] = json!("false");
    let res = import(differ).await;
    res.expect_error(422, "validation_error");
    assert_eq!(
        res.json["details"][0]["field"],
        "data.collections[1].rules.view_rule"
    );
    assert_eq!(res.json["details"][0]["code"], "rules_differ");
    // A rule that does not compile, with its position.
    let mut broken = sdk_document();
    broken["collections"][1]["rules"]["create_rule"] = json!("record.text ==");
    let res = import(broken).await;
    res.expect_error(422, "validation_error");
    assert_eq!(
        res.json["details"][0]["field"],
        "data.collections[1].rules.create_rule"
    );
    // Fields given as empty text.
    let mut empty = sdk_document();
    empty["collections"][0]["rules"]["update_fields"] = json!(" ");
    import(empty).await.expect_error(422, "validation_error");
    // Nothing of them was kept: the first collection of each was valid.
    assert_eq!(app.count("collections").await, 0);
    assert_eq!(app.count("permissions").await, 1, "the admin role's only");
});
