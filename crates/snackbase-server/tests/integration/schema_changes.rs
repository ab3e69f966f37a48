use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

async fn notes(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    let c = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "notes", "schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}, {"name": "score", "type": "number"}]}),
        )
        .await
        .expect(201)
        .clone();
    let user = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (title, score) in [("one", json!(1)), ("two", json!(2)), ("three", Value::Null)] {
        app.post(
            "/api/v1/records/notes",
            Some(&user),
            json!({"title": title, "body": format!("{title} body"), "score": score}),
        )
        .await
        .expect(201);
    }
    (sa, c["id"].as_str().unwrap().to_string(), user)
}

fn titles(v: &Value) -> Vec<Value> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["headline"].clone())
        .collect()
}

both!(fields_are_added_renamed_and_removed_safely, |app| {
    let (sa, id, user) = notes(&app).await;
    let t = Some(sa.as_str());
    let path = format!("/api/v1/collections/{id}");
    // Rename title → headline, add tags, keep body and score.
    let change = json!({"schema": [
        {"name": "headline", "type": "text", "renamed_from": "title"},
        {"name": "body", "type": "text"},
        {"name": "score", "type": "number"},
        {"name": "tags", "type": "json"}]});
    let res = app.put(&path, t, change).await.expect(200).clone();
    assert_eq!(res["version"], 2);
    let ops: Vec<&str> = res["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["rename_field", "add_field"]);
    let list = app
        .get("/api/v1/records/notes?sort=created_at", Some(&user))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        titles(&list),
        [json!("one"), json!("two"), json!("three")],
        "renamed data is kept"
    );
    assert_eq!(list["items"][0]["tags"], Value::Null);

    // Removing a field that holds data needs confirmation.
    let drop_body = json!({"schema": [{"name": "headline", "type": "text"}, {"name": "score", "type": "number"}, {"name": "tags", "type": "json"}]});
    let refused = app.put(&path, t, drop_body.clone()).await;
    refused.expect_error(422, "validation_error");
    assert_eq!(refused.codes(), ["data_loss_requires_confirmation"]);
    let still = app
        .get("/api/v1/records/notes", Some(&user))
        .await
        .expect(200)
        .clone();
    assert!(still["items"][0]["body"].is_string());
    // A dry run says what would happen and changes nothing.
    let mut dry = drop_body.clone();
    dry["dry_run"] = json!(true);
    let preview = app.put(&path, t, dry).await.expect(200).clone();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(
        preview["changes"][0],
        json!({"op": "remove_field", "field": "body", "values_lost": 3})
    );
    assert_eq!(app.get(&path, t).await.expect(200)["version"], 2);
    let mut confirmed = drop_body;
    confirmed["confirm_data_loss"] = json!(true);
    app.patch(&path, t, confirmed).await.expect(200);
    let rec = app
        .get("/api/v1/records/notes?sort=created_at", Some(&user))
        .await
        .expect(200)["items"][0]
        .clone();
    assert!(rec.get("body").is_none());
    assert_eq!(rec["headline"], "one");
    // The field name is usable again, as a new empty column.
    let readd = json!({"schema": [{"name": "headline", "type": "text"}, {"name": "score", "type": "number"}, {"name": "tags", "type": "json"}, {"name": "body", "type": "number"}]});
    app.put(&path, t, readd).await.expect(200);
    let rec = app
        .get("/api/v1/records/notes?sort=created_at", Some(&user))
        .await
        .expect(200)["items"][0]
        .clone();
    assert_eq!(rec["body"], Value::Null);

    let history = app
        .get(&format!("{path}/history"), t)
        .await
        .expect(200)
        .clone();
    let versions: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
});

both!(
    types_requirements_uniqueness_and_indexes_change_safely,
    |app| {
        let (sa, id, user) = notes(&app).await;
        let t = Some(sa.as_str());
        let path = format!("/api/v1/collections/{id}");
        let base = |score: Value| json!({"schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}, score]});
        // text → email keeps the column (no data loss); number → text loses values.
        app.put(&path, t, json!({"schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "url"}, {"name": "score", "type": "number"}]}))
        .await
        .expect(200);
        let lossy = app
            .put(&path, t, base(json!({"name": "score", "type": "text"})))
            .await;
        lossy.expect_error(422, "validation_error");
        assert_eq!(lossy.codes(), ["data_loss_requires_confirmation"]);
        // Making a field required: refused while values are missing, filled from a default otherwise.
        let required = app
            .put(
                &path,
                t,
                base(json!({"name": "score", "type": "number", "required": true})),
            )
            .await;
        required.expect_error(422, "validation_error");
        assert_eq!(required.codes(), ["required_has_nulls"]);
        let filled = app
            .put(
                &path,
                t,
                base(json!({"name": "score", "type": "number", "required": true, "default": 7})),
            )
            .await
            .expect(200)
            .clone();
        assert!(filled["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["op"] == "backfill_default" && c["rows"] == 1));
        let scores: Vec<Value> = app
            .get("/api/v1/records/notes?sort=created_at", Some(&user))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["score"].clone())
            .collect();
        assert_eq!(scores, [json!(1), json!(2), json!(7)]);
        // Unique: refused while duplicates exist in an account.
        app.post(
            "/api/v1/records/notes",
            Some(&user),
            json!({"title": "one", "score": 3}),
        )
        .await
        .expect(201);
        let unique = app
        .put(&path, t, json!({"schema": [{"name": "title", "type": "text", "unique": true}, {"name": "body", "type": "text"}, {"name": "score", "type": "number"}]}))
        .await;
        unique.expect_error(409, "conflict");
        assert_eq!(
            app.get(&path, t).await.expect(200)["schema"][0]["unique"],
            false,
            "nothing changed"
        );
        // Indexes come and go.
        let indexed = app
        .put(&path, t, json!({"schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}, {"name": "score", "type": "number"}],
                              "indexes": [{"fields": ["score", "created_at"]}]}))
        .await
        .expect(200)
        .clone();
        assert_eq!(
            indexed["indexes"],
            json!([{"fields": ["score", "created_at"], "unique": false}])
        );
        let cleared = app
        .put(&path, t, json!({"schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}, {"name": "score", "type": "number"}], "indexes": []}))
        .await
        .expect(200)
        .clone();
        assert!(cleared["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["op"] == "remove_index"));
        // Bad changes.
        app.put(
            &path,
            t,
            json!({"schema": [{"name": "x", "type": "text", "renamed_from": "ghost"}]}),
        )
        .await
        .expect(422);
        app.put(&path, t, json!({"schema": [{"name": "title", "type": "text"}], "indexes": [{"fields": ["nope"]}]})).await.expect(422);
        app.put(
            "/api/v1/collections/nope",
            t,
            json!({"schema": [{"name": "x", "type": "text"}]}),
        )
        .await
        .expect(404);
    }
);

both!(export_and_import, |app| {
    let (sa, _, _) = notes(&app).await;
    let t = Some(sa.as_str());
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "links", "schema": [
        {"name": "note", "type": "reference", "collection": "notes", "on_delete": "cascade"}]}),
    )
    .await
    .expect(201);
    let doc = app
        .get("/api/v1/collections/export", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(doc["format_version"], 1);
    let names: Vec<&str> = doc["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["notes", "links"],
        "referenced collections come first"
    );
    let one = app
        .get("/api/v1/collections/export?collection_ids=links", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(one["collections"].as_array().unwrap().len(), 1);
    app.get("/api/v1/collections/export?collection_ids=ghost", t)
        .await
        .expect(404);

    // Existing collections: skip (default), error, update.
    let skipped = app
        .post("/api/v1/collections/import", t, json!({"data": doc}))
        .await
        .expect(200)
        .clone();
    assert_eq!(skipped["imported"][0]["status"], "skipped");
    app.post(
        "/api/v1/collections/import",
        t,
        json!({"data": doc, "strategy": "error"}),
    )
    .await
    .expect_error(409, "conflict");
    let unchanged = app
        .post(
            "/api/v1/collections/import",
            t,
            json!({"data": doc, "strategy": "update"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(unchanged["imported"][0]["status"], "unchanged");

    // Into an empty server.
    let other = TestApp::start(Backend::Sqlite).await;
    let other_sa = other.superadmin().await;
    let created = other
        .post(
            "/api/v1/collections/import",
            Some(&other_sa),
            json!({"data": doc}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        created["imported"][1],
        json!({"name": "links", "status": "created"})
    );
    let again = other
        .get("/api/v1/collections/export", Some(&other_sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(again["collections"], doc["collections"]);
    // A bad document changes nothing.
    let mut broken = doc.clone();
    broken["collections"][1]["name"] = json!("bad name");
    let fresh = TestApp::start(Backend::Sqlite).await;
    let fresh_sa = fresh.superadmin().await;
    fresh
        .post(
            "/api/v1/collections/import",
            Some(&fresh_sa),
            json!({"data": broken}),
        )
        .await
        .expect(422);
    assert_eq!(fresh.count("collections").await, 0);
});
