//! `/migrations`: the embedded migrations and the collection schema changes.

use serde_json::json;

use crate::both;

both!(migrations_list_static_and_dynamic_revisions, |app| {
    let sa = app.superadmin().await;
    let list = app
        .get("/api/v1/migrations", Some(&sa))
        .await
        .expect(200)
        .clone();
    let revisions = list["revisions"].as_array().unwrap().clone();
    assert_eq!(list["total"], revisions.len());
    assert_eq!(revisions[0]["revision"], "0001_foundation");
    assert_eq!(revisions[0]["description"], "foundation");
    assert!(revisions
        .iter()
        .all(|r| r["isApplied"] == true && r["isDynamic"] == false));
    let last_static = revisions.last().unwrap()["revision"].clone();
    assert_eq!(list["currentRevision"], last_static);
    let current = app
        .get("/api/v1/migrations/current", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(current["revision"], last_static);
    assert_eq!(current["isDynamic"], false);
    assert!(current["appliedAt"].as_str().unwrap().ends_with('Z'));

    // A collection and a schema change are dynamic revisions.
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "schema": [{"name": "a", "type": "text"}]}),
    )
    .await
    .expect(201);
    app.put(
        "/api/v1/collections/posts",
        Some(&sa),
        json!({"schema": [{"name": "a", "type": "text"}, {"name": "b", "type": "number"}]}),
    )
    .await
    .expect(200);
    let list = app
        .get("/api/v1/migrations", Some(&sa))
        .await
        .expect(200)
        .clone();
    let revisions = list["revisions"].as_array().unwrap();
    let dynamic: Vec<_> = revisions
        .iter()
        .filter(|r| r["isDynamic"] == true)
        .collect();
    assert_eq!(dynamic.len(), 2);
    assert_eq!(
        dynamic[0]["description"],
        "create collection 'posts' (version 1)"
    );
    assert_eq!(
        dynamic[1]["description"],
        "update collection 'posts' (version 2)"
    );
    assert_eq!(list["currentRevision"], dynamic[1]["revision"]);
    let current = app
        .get("/api/v1/migrations/current", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(current["isDynamic"], true);
    assert_eq!(current["revision"], dynamic[1]["revision"]);
    let history = app
        .get("/api/v1/migrations/history", Some(&sa))
        .await
        .expect(200)
        .clone();
    let items = history["history"].as_array().unwrap();
    assert_eq!(history["total"], items.len());
    assert_eq!(items.len(), revisions.len());
    assert_eq!(items[0]["revision"], "0001_foundation");
    assert_eq!(items.last().unwrap()["revision"], dynamic[1]["revision"]);
    assert!(items.iter().all(|h| h["createdAt"].is_string()));
});

both!(migrations_are_for_the_superadmin, |app| {
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/api/v1/migrations",
        "/api/v1/migrations/current",
        "/api/v1/migrations/history",
    ] {
        app.get(path, Some(&admin))
            .await
            .expect_error(403, "forbidden");
        app.get(path, None).await.expect(401);
    }
});
