//! The change feed and the record write pipeline: every record write path
//! emits exactly one change per record after its commit, none on rollback;
//! the compiled catalog is rebuilt when (and only when) the generation moves;
//! a PATCH reads its row once.

use std::sync::Arc;

use serde_json::{json, Value};
use snackbase_server::db::RecordChange;
use tokio::sync::broadcast::Receiver;

use crate::collections::posts_schema;
use crate::harness::*;
use crate::{both, both_config};

/// Every change published so far (the publication happens at commit, before
/// the response, so nothing is in flight once a request has been answered).
fn drain(rx: &mut Receiver<Arc<RecordChange>>) -> Vec<Arc<RecordChange>> {
    let mut out = Vec::new();
    while let Ok(change) = rx.try_recv() {
        out.push(change);
    }
    out
}

/// `collection.operation` of each change.
fn kinds(changes: &[Arc<RecordChange>]) -> Vec<String> {
    changes
        .iter()
        .map(|c| format!("{}.{}", c.collection, c.operation))
        .collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

both!(every_write_path_emits_one_change_after_commit, |app| {
    let sa = app.superadmin().await;
    app.post("/api/v1/collections", Some(&sa), posts_schema())
        .await
        .expect(201);
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "comments", "schema": [
        {"name": "post", "type": "reference", "collection": "posts", "on_delete": "cascade"},
        {"name": "body", "type": "text"}]}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "pins", "schema": [
        {"name": "post", "type": "reference", "collection": "posts", "on_delete": "set_null"}]}),
    )
    .await
    .expect(201);
    let (a, _) = app.alpha_and_beta().await;
    let t = Some(a.as_str());
    let me = app.get("/api/v1/auth/me", t).await.expect(200).clone();
    let mut rx = app.state.db.feed().subscribe();
    let published = app.state.db.feed().published();

    // POST: one create, with the stored record and the caller.
    let post = app
        .post("/api/v1/records/posts", t, json!({"title": "one"}))
        .await
        .expect(201)
        .clone();
    let got = drain(&mut rx);
    assert_eq!(kinds(&got), ["posts.create"]);
    let c = &got[0];
    assert_eq!(c.record_id, id(&post));
    assert_eq!(c.account_id, post["account_id"]);
    assert!(c.before.is_none());
    assert_eq!(Value::Object(c.after.clone().unwrap()), post);
    assert_eq!(c.actor.user_id.as_deref(), me["user_id"].as_str());
    assert_eq!(c.actor.role, "admin");

    // PATCH and PUT: one update each, before and after.
    let path = format!("/api/v1/records/posts/{}", id(&post));
    app.patch(&path, t, json!({"title": "two"}))
        .await
        .expect(200);
    app.put(&path, t, json!({"title": "three"}))
        .await
        .expect(200);
    let got = drain(&mut rx);
    assert_eq!(kinds(&got), ["posts.update", "posts.update"]);
    assert_eq!(got[0].before.as_ref().unwrap()["title"], "one");
    assert_eq!(got[0].after.as_ref().unwrap()["title"], "two");
    assert_eq!(got[1].before.as_ref().unwrap()["title"], "two");
    assert_eq!(got[1].after.as_ref().unwrap()["title"], "three");

    // Refused writes change nothing and emit nothing.
    app.post("/api/v1/records/posts", t, json!({"views": -1}))
        .await
        .expect(422);
    app.patch("/api/v1/records/posts/missing", t, json!({"title": "x"}))
        .await
        .expect(404);
    app.patch(&path, t, json!({"views": "many"}))
        .await
        .expect(422);
    assert!(drain(&mut rx).is_empty());

    // Batches: one change per item; a failing item rolls back the others.
    let batch = app
        .post(
            "/api/v1/records/posts/batch",
            t,
            json!({"records": [{"title": "b1"}, {"title": "b2"}, {"title": "b3"}]}),
        )
        .await
        .expect(201)
        .clone();
    let ids: Vec<String> = batch["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    let got = drain(&mut rx);
    assert_eq!(got.len(), 3);
    assert_eq!(
        got.iter().map(|c| c.record_id.clone()).collect::<Vec<_>>(),
        ids
    );
    app.post(
        "/api/v1/records/posts/batch",
        t,
        json!({"records": [{"title": "ok"}, {"views": -5}]}),
    )
    .await
    .expect(422);
    assert!(
        drain(&mut rx).is_empty(),
        "a rolled-back batch emits nothing"
    );
    app.patch(
        "/api/v1/records/posts/batch",
        t,
        json!({"records": [{"id": ids[0], "data": {"title": "c1"}}, {"id": ids[1], "data": {"title": "c2"}}]}),
    )
    .await
    .expect(200);
    assert_eq!(kinds(&drain(&mut rx)), ["posts.update", "posts.update"]);
    app.send(
        reqwest::Method::DELETE,
        "/api/v1/records/posts/batch",
        t,
        Some(json!({"ids": [ids[0], ids[1]]})),
    )
    .await
    .expect(200);
    let got = drain(&mut rx);
    assert_eq!(kinds(&got), ["posts.delete", "posts.delete"]);
    assert_eq!(got[0].before.as_ref().unwrap()["title"], "c1");
    assert!(got[0].after.is_none());

    // A delete emits the records on_delete removes or changes, too.
    let comment = app
        .post(
            "/api/v1/records/comments",
            t,
            json!({"post": id(&post), "body": "hi"}),
        )
        .await
        .expect(201)
        .clone();
    let pin = app
        .post("/api/v1/records/pins", t, json!({"post": id(&post)}))
        .await
        .expect(201)
        .clone();
    drain(&mut rx);
    app.delete(&path, t).await.expect(204);
    let got = drain(&mut rx);
    assert_eq!(
        kinds(&got),
        ["comments.delete", "pins.update", "posts.delete"]
    );
    assert_eq!(got[0].record_id, id(&comment));
    assert_eq!(got[1].record_id, id(&pin));
    assert_eq!(got[1].before.as_ref().unwrap()["post"], id(&post));
    assert_eq!(got[1].after.as_ref().unwrap()["post"], Value::Null);
    assert_eq!(got[2].record_id, id(&post));

    // Sequence numbers grow; the log holds one row per change.
    let total = app.state.db.feed().published() - published;
    assert_eq!(total, 1 + 2 + 3 + 2 + 2 + 2 + 3);
    assert_eq!(app.count("record_changes").await, total as i64);
});

both!(concurrent_writes_emit_only_what_committed, |app| {
    let (_, a, _) = app.with_posts().await;
    let mut rx = app.state.db.feed().subscribe();
    // On SQLite these share group-commit transactions: the failing ones are
    // undone inside them, and so are their changes.
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (client, url, a) = (
            app.client.clone(),
            format!("{}/api/v1/records/posts", app.base),
            a.clone(),
        );
        let body = if i % 3 == 0 {
            json!({"title": format!("bad {i}"), "views": -1})
        } else {
            json!({"title": format!("good {i}")})
        };
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).bearer_auth(a).json(&body).send().await;
            TestApp::read(res.unwrap()).await
        }));
    }
    let mut created = Vec::new();
    for task in tasks {
        let res = task.await.unwrap();
        if res.status == 201 {
            created.push(id(&res.json));
        } else {
            assert_eq!(res.status, 422, "{}", res.text);
        }
    }
    assert_eq!(created.len(), 16);
    let got = drain(&mut rx);
    let mut emitted: Vec<String> = got.iter().map(|c| c.record_id.clone()).collect();
    emitted.sort();
    created.sort();
    assert_eq!(emitted, created);
    assert_eq!(app.count("record_changes").await, 16);
    // Every change has its own sequence number.
    let mut seqs: Vec<i64> = got.iter().map(|c| c.seq).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 16);
});

both_config!(
    the_catalog_is_rebuilt_when_and_only_when_the_generation_moves,
    |c| c.webhooks_allow_private_networks = true,
    |app| {
        let (sa, a, _) = app.with_posts().await;
        let t = Some(a.as_str());
        app.get("/api/v1/records/posts", t).await.expect(200);
        let builds = app.state.catalog.builds();
        // Record reads and writes do not move it.
        let post = app
            .post("/api/v1/records/posts", t, json!({"title": "x"}))
            .await
            .expect(201)
            .clone();
        app.get("/api/v1/records/posts", t).await.expect(200);
        app.get(&format!("/api/v1/records/posts/{}", id(&post)), t)
            .await
            .expect(200);
        app.patch(
            &format!("/api/v1/records/posts/{}", id(&post)),
            t,
            json!({"title": "y"}),
        )
        .await
        .expect(200);
        assert_eq!(
            app.state.catalog.builds(),
            builds,
            "no rebuild without a change"
        );
        // A schema change moves it: one rebuild, seen by the next request.
        let mut schema = posts_schema()["schema"].as_array().unwrap().clone();
        schema.push(json!({"name": "extra", "type": "text"}));
        app.patch(
            "/api/v1/collections/posts",
            Some(&sa),
            json!({ "schema": schema }),
        )
        .await
        .expect(200);
        let listed = app
            .get("/api/v1/records/posts", t)
            .await
            .expect(200)
            .clone();
        assert!(listed["items"][0]
            .as_object()
            .unwrap()
            .contains_key("extra"));
        app.get("/api/v1/records/posts", t).await.expect(200);
        assert_eq!(app.state.catalog.builds(), builds + 1);
        // So does a webhook (its subscription is compiled in).
        app.post(
            "/api/v1/webhooks",
            t,
            json!({"url": "http://127.0.0.1:9/x", "collection": "posts", "events": ["create"]}),
        )
        .await
        .expect(201);
        app.get("/api/v1/records/posts", t).await.expect(200);
        app.get("/api/v1/records/posts", t).await.expect(200);
        assert_eq!(app.state.catalog.builds(), builds + 2);
    }
);

both!(a_patch_reads_its_record_once, |app| {
    let (_, a, _) = app.with_posts().await;
    let t = Some(a.as_str());
    let post = app
        .post("/api/v1/records/posts", t, json!({"title": "x"}))
        .await
        .expect(201)
        .clone();
    let path = format!("/api/v1/records/posts/{}", id(&post));
    // Warm the caches (catalog, grants) so only the record path is counted.
    app.patch(&path, t, json!({"title": "w"})).await.expect(200);
    let stats = app.state.db.statements();
    let (reads, writes) = (stats.reads(), stats.writes());
    let patched = app
        .patch(&path, t, json!({"title": "y", "views": 3}))
        .await
        .expect(200)
        .clone();
    assert_eq!(patched["title"], "y");
    assert_eq!(patched["views"], 3);
    assert_eq!(stats.reads() - reads, 1, "one read of the stored row");
    assert_eq!(stats.writes() - writes, 1, "one UPDATE … RETURNING");
    // A create is one write too (on PostgreSQL the record and its change-log
    // row go in one statement), and reads nothing when no reference is checked.
    let (reads, writes) = (stats.reads(), stats.writes());
    app.post(
        "/api/v1/records/posts",
        t,
        json!({"title": "z", "slug": "zz"}),
    )
    .await
    .expect(201);
    assert_eq!(stats.reads() - reads, 0);
    assert_eq!(stats.writes() - writes, 1);
    // The combined statement still maps a unique violation to its field.
    let dup = app
        .post(
            "/api/v1/records/posts",
            t,
            json!({"title": "z2", "slug": "zz"}),
        )
        .await;
    dup.expect_error(409, "conflict");
    assert_eq!(dup.json["details"][0]["field"], "slug", "{}", dup.text);
    assert_eq!(
        app.count("record_changes").await,
        4,
        "the refused create logged nothing"
    );
});

both!(the_change_log_is_pruned_after_its_retention, |app| {
    let (sa, a, _) = app.with_posts().await;
    for title in ["a", "b"] {
        app.post("/api/v1/records/posts", Some(&a), json!({ "title": title }))
            .await
            .expect(201);
    }
    // Changes whose audit events are still to be chained (PostgreSQL) are
    // spared by pruning: chain them first.
    app.settle_audit().await;
    let hour = std::time::Duration::from_secs(3600);
    let kept = snackbase_server::db::feed::prune(&app.state.db, hour)
        .await
        .unwrap();
    assert_eq!(kept, 0, "nothing is older than an hour");
    assert_eq!(app.count("record_changes").await, 2);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let zero = std::time::Duration::from_millis(10);
    let pruned = snackbase_server::db::feed::prune(&app.state.db, zero)
        .await
        .unwrap();
    assert_eq!(pruned, 2);
    assert_eq!(app.count("record_changes").await, 0);
    // Deleting an account deletes its changes too.
    app.post("/api/v1/records/posts", Some(&a), json!({ "title": "c" }))
        .await
        .expect(201);
    assert_eq!(app.count("record_changes").await, 1);
    let me = app
        .get("/api/v1/auth/me", Some(&a))
        .await
        .expect(200)
        .clone();
    let account = me["account_id"].as_str().unwrap();
    app.settle_audit().await;
    app.delete(&format!("/api/v1/accounts/{account}"), Some(&sa))
        .await
        .expect(204);
    assert_eq!(app.count("record_changes").await, 0);
});

both!(
    concurrent_updates_of_one_record_form_a_chain_of_changes,
    |app| {
        let (_, a, _) = app.with_posts().await;
        let t = Some(a.as_str());
        let post = app
            .post(
                "/api/v1/records/posts",
                t,
                json!({"title": "t0", "views": 0}),
            )
            .await
            .expect(201)
            .clone();
        let path = format!("{}/api/v1/records/posts/{}", app.base, id(&post));
        let mut rx = app.state.db.feed().subscribe();
        // PATCHes of different fields race on one row: none may be lost, and
        // each change's `after` must be the row as that update left it.
        let mut tasks = Vec::new();
        for i in 1..=16 {
            let (client, url, a) = (app.client.clone(), path.clone(), a.clone());
            let body = if i % 2 == 0 {
                json!({ "title": format!("t{i}") })
            } else {
                json!({ "views": i })
            };
            tasks.push(tokio::spawn(async move {
                let res = client.patch(url).bearer_auth(a).json(&body).send().await;
                TestApp::read(res.unwrap()).await
            }));
        }
        for task in tasks {
            let res = task.await.unwrap();
            assert_eq!(res.status, 200, "{}", res.text);
        }
        let mut changes = drain(&mut rx);
        assert_eq!(changes.len(), 16);
        changes.sort_by_key(|c| c.seq);
        let mut previous = post.as_object().unwrap().clone();
        for change in &changes {
            assert_eq!(
                change.before.as_ref(),
                Some(&previous),
                "seq {}",
                change.seq
            );
            previous = change.after.clone().unwrap();
        }
        let stored = app
            .get(&format!("/api/v1/records/posts/{}", id(&post)), t)
            .await
            .expect(200)
            .clone();
        assert_eq!(stored.as_object(), Some(&previous));
        // The log holds the same chain.
        assert_eq!(app.count("record_changes").await, 17);
    }
);
