use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// A superadmin token and two account admins' tokens, with `posts` created.
async fn setup(app: &TestApp) -> (String, String, String) {
    let (sa, a, b) = app.with_posts().await;
    (sa, a, b)
}

both!(records_keep_their_types, |app| {
    let (_, a, _) = setup(&app).await;
    let t = Some(a.as_str());
    let body = json!({
        "title": "Hello", "views": 42, "published": false, "contact": "me@example.com", "link": "https://example.com/x",
        "published_at": "2024-05-06T07:08:09+02:00", "meta": {"k": [1, 2.5, null]}, "status": "live", "tags": ["b", "a"],
        "slug": "hello"
    });
    let created = app
        .post("/api/v1/records/posts", t, body)
        .await
        .expect(201)
        .clone();
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &keys[..6],
        [
            "id",
            "account_id",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by"
        ]
    );
    assert_eq!(created["account_id"], "AA0001");
    assert_eq!(created["created_at"], created["updated_at"]);
    let id = created["id"].as_str().unwrap().to_string();
    let got = app
        .get(&format!("/api/v1/records/posts/{id}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        got, created,
        "what is returned on create is what is read back"
    );
    assert_eq!(got["views"], json!(42));
    assert!(got["views"].is_i64());
    assert_eq!(got["published"], json!(false));
    assert_eq!(got["published_at"], "2024-05-06T05:08:09.000000Z");
    assert_eq!(got["meta"], json!({"k": [1, 2.5, null]}));
    assert_eq!(got["tags"], json!(["b", "a"]));

    // Optional fields left out are null (or their default), and stay null.
    let sparse = app
        .post(
            "/api/v1/records/posts",
            t,
            json!({"title": "Sparse", "views": 2.5}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(sparse["published"], Value::Null);
    assert_eq!(sparse["meta"], Value::Null);
    assert_eq!(sparse["views"], json!(2.5));
    let defaulted = app
        .post("/api/v1/records/posts", t, json!({"title": "Default"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(defaulted["views"], json!(0));

    // PATCH merges; PUT replaces.
    let patched = app
        .patch(
            &format!("/api/v1/records/posts/{id}"),
            t,
            json!({"views": 43, "meta": null}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(patched["views"], 43);
    assert_eq!(patched["meta"], Value::Null);
    assert_eq!(patched["title"], "Hello");
    assert_eq!(patched["created_at"], created["created_at"]);
    assert_ne!(patched["updated_at"], created["updated_at"]);
    let replaced = app
        .put(
            &format!("/api/v1/records/posts/{id}"),
            t,
            json!({"title": "New"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(replaced["views"], 0);
    assert_eq!(replaced["slug"], Value::Null);
    assert_eq!(replaced["title"], "New");

    let res = app.delete(&format!("/api/v1/records/posts/{id}"), t).await;
    assert_eq!(res.status, 204);
    app.get(&format!("/api/v1/records/posts/{id}"), t)
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("/api/v1/records/posts/{id}"), t)
        .await
        .expect(404);
    app.get("/api/v1/records/ghosts", t)
        .await
        .expect_error(404, "not_found");
    app.post("/api/v1/records/ghosts", t, json!({"x": 1}))
        .await
        .expect(404);
});

both!(wrong_values_are_refused_with_codes, |app| {
    let (_, a, _) = setup(&app).await;
    let t = Some(a.as_str());
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"views": 1}), "title", "required_missing"),
        (json!({"title": null}), "title", "required_null"),
        (json!({"title": 5}), "title", "invalid_type"),
        (json!({"title": "x".repeat(101)}), "title", "too_long"),
        (json!({"title": "t", "views": "5"}), "views", "invalid_type"),
        (
            json!({"title": "t", "views": true}),
            "views",
            "invalid_type",
        ),
        (json!({"title": "t", "views": -1}), "views", "too_small"),
        (
            json!({"title": "t", "published": "yes"}),
            "published",
            "invalid_type",
        ),
        (
            json!({"title": "t", "published": 1}),
            "published",
            "invalid_type",
        ),
        (
            json!({"title": "t", "contact": "nope"}),
            "contact",
            "invalid_email_format",
        ),
        (
            json!({"title": "t", "contact": 7}),
            "contact",
            "invalid_type",
        ),
        (
            json!({"title": "t", "link": "javascript:alert(1)"}),
            "link",
            "invalid_url_format",
        ),
        (
            json!({"title": "t", "published_at": "yesterday"}),
            "published_at",
            "invalid_datetime_format",
        ),
        (
            json!({"title": "t", "published_at": 1700000000}),
            "published_at",
            "invalid_type",
        ),
        (
            json!({"title": "t", "status": "gone"}),
            "status",
            "invalid_choice",
        ),
        (
            json!({"title": "t", "status": ["live"]}),
            "status",
            "invalid_type",
        ),
        (json!({"title": "t", "tags": "a"}), "tags", "invalid_type"),
        (
            json!({"title": "t", "tags": ["z"]}),
            "tags",
            "invalid_choice",
        ),
        (json!({"title": "t", "bogus": 1}), "bogus", "unknown_field"),
        (json!({"title": "t", "id": "mine"}), "id", "unknown_field"),
        (
            json!({"title": "t", "account_id": "AA0002"}),
            "account_id",
            "unknown_field",
        ),
        (
            json!({"title": "t", "created_by": "someone"}),
            "created_by",
            "unknown_field",
        ),
    ];
    for (body, field, code) in cases {
        let res = app.post("/api/v1/records/posts", t, body.clone()).await;
        res.expect_error(422, "validation_error");
        let details = res.json["details"].as_array().unwrap();
        assert!(
            details
                .iter()
                .any(|d| d["field"] == field && d["code"] == code),
            "{body}: {}",
            res.text
        );
    }
    for body in [json!([1, 2]), json!("text"), json!(null)] {
        app.post("/api/v1/records/posts", t, body)
            .await
            .expect_error(422, "validation_error");
    }
    let url = format!("{}/api/v1/records/posts", app.base);
    let res = app
        .client
        .post(&url)
        .bearer_auth(&a)
        .header("content-type", "application/json")
        .body("{\"title\": 'x'}")
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.expect_error(400, "bad_request");
    assert_eq!(app.count("col_posts").await, 0);
    // Updates are validated the same way and change nothing on failure.
    let id = app
        .post("/api/v1/records/posts", t, json!({"title": "ok"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(
        &format!("/api/v1/records/posts/{id}"),
        t,
        json!({"views": "many"}),
    )
    .await
    .expect(422);
    app.patch(
        &format!("/api/v1/records/posts/{id}"),
        t,
        json!({"updated_by": "x"}),
    )
    .await
    .expect(422);
    app.put(
        &format!("/api/v1/records/posts/{id}"),
        t,
        json!({"views": 3}),
    )
    .await
    .expect(422);
    let got = app
        .get(&format!("/api/v1/records/posts/{id}"), t)
        .await
        .expect(200)
        .clone();
    assert_eq!(got["views"], 0);
    assert_eq!(got["title"], "ok");
});

both!(unique_is_per_account, |app| {
    let (_, a, b) = setup(&app).await;
    app.post(
        "/api/v1/records/posts",
        Some(&a),
        json!({"title": "x", "slug": "same"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/records/posts",
        Some(&b),
        json!({"title": "y", "slug": "same"}),
    )
    .await
    .expect(201);
    let dup = app
        .post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": "z", "slug": "same"}),
        )
        .await;
    dup.expect_error(409, "conflict");
    assert_eq!(dup.json["details"][0]["field"], "slug");
    let other = app
        .post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": "w", "slug": "other"}),
        )
        .await
        .expect(201)
        .clone();
    let clash = app
        .patch(
            &format!("/api/v1/records/posts/{}", other["id"].as_str().unwrap()),
            Some(&a),
            json!({"slug": "same"}),
        )
        .await;
    clash.expect_error(409, "conflict");
    assert_eq!(clash.json["details"][0]["field"], "slug");
    assert_eq!(app.count("col_posts").await, 3);
});

both!(accounts_cannot_reach_each_others_records, |app| {
    let (sa, a, b) = setup(&app).await;
    let rec = app
        .post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": "secret"}),
        )
        .await
        .expect(201)
        .clone();
    let path = format!("/api/v1/records/posts/{}", rec["id"].as_str().unwrap());
    app.get(&path, Some(&b))
        .await
        .expect_error(404, "not_found");
    app.patch(&path, Some(&b), json!({"title": "pwned"}))
        .await
        .expect(404);
    app.put(&path, Some(&b), json!({"title": "pwned"}))
        .await
        .expect(404);
    app.delete(&path, Some(&b)).await.expect(404);
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&b)).await.expect(200)["total"],
        0
    );
    // Naming another account is for the superadmin only.
    let res = app
        .client
        .get(format!("{}/api/v1/records/posts", app.base))
        .bearer_auth(&b)
        .header("X-Account-ID", "AA0001")
        .send()
        .await
        .unwrap();
    TestApp::read(res).await.expect_error(403, "forbidden");
    app.get("/api/v1/records/posts?account_id=AA0001", Some(&b))
        .await
        .expect(403);
    app.get("/api/v1/records/posts", None).await.expect(401);
    // The superadmin works in an account by naming it, and only there.
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&sa))
            .await
            .expect(200)["total"],
        0
    );
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&sa)
        .header("X-Account-ID", "AA0001")
        .send()
        .await
        .unwrap();
    assert_eq!(TestApp::read(res).await.expect(200)["title"], "secret");
    let made = app
        .post(
            "/api/v1/records/posts?account_id=AA0002",
            Some(&sa),
            json!({"title": "for beta"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(made["account_id"], "AA0002");
    assert_eq!(
        app.get("/api/v1/records/posts", Some(&b)).await.expect(200)["total"],
        1
    );
    app.get("/api/v1/records/posts?account_id=ZZ0001", Some(&sa))
        .await
        .expect(404);
    // Deleting an account deletes its records.
    app.delete("/api/v1/accounts/AA0001", Some(&sa))
        .await
        .expect(204);
    assert_eq!(app.count("col_posts").await, 1);
    let _ = app.get(&path, Some(&a)).await.expect(401);
});

both!(references_and_on_delete, |app| {
    let (sa, a, b) = setup(&app).await;
    let t = Some(sa.as_str());
    app.post("/api/v1/collections", t, json!({"name": "comments", "schema": [
        {"name": "post", "type": "reference", "collection": "posts", "on_delete": "cascade", "required": true},
        {"name": "body", "type": "text"}]})).await.expect(201);
    app.post("/api/v1/collections", t, json!({"name": "likes", "schema": [
        {"name": "comment", "type": "reference", "collection": "comments", "on_delete": "restrict"}]})).await.expect(201);
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "pins", "schema": [
        {"name": "post", "type": "reference", "collection": "posts", "on_delete": "set_null"}]}),
    )
    .await
    .expect(201);
    let post = app
        .post("/api/v1/records/posts", Some(&a), json!({"title": "p"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b_post = app
        .post("/api/v1/records/posts", Some(&b), json!({"title": "q"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A reference must exist in the same account.
    let res = app
        .post(
            "/api/v1/records/comments",
            Some(&a),
            json!({"post": b_post}),
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.codes(), ["invalid_reference"]);
    app.post(
        "/api/v1/records/comments",
        Some(&a),
        json!({"post": "missing"}),
    )
    .await
    .expect(422);
    app.post("/api/v1/records/comments", Some(&a), json!({"post": ""}))
        .await
        .expect(422);
    let comment = app
        .post(
            "/api/v1/records/comments",
            Some(&a),
            json!({"post": post, "body": "hi"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pin = app
        .post("/api/v1/records/pins", Some(&a), json!({"post": post}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let like = app
        .post(
            "/api/v1/records/likes",
            Some(&a),
            json!({"comment": comment}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();

    // restrict: the like blocks the cascade from the post through the comment.
    app.delete(&format!("/api/v1/records/posts/{post}"), Some(&a))
        .await
        .expect_error(409, "conflict");
    assert_eq!(app.count("col_comments").await, 1);
    app.delete(&format!("/api/v1/records/likes/{like}"), Some(&a))
        .await
        .expect(204);
    // cascade and set_null.
    app.delete(&format!("/api/v1/records/posts/{post}"), Some(&a))
        .await
        .expect(204);
    assert_eq!(app.count("col_comments").await, 0);
    let pinned = app
        .get(&format!("/api/v1/records/pins/{pin}"), Some(&a))
        .await
        .expect(200)
        .clone();
    assert_eq!(pinned["post"], Value::Null);
    assert_eq!(
        app.count("col_posts").await,
        1,
        "the other account's post is untouched"
    );
});

both!(batches_are_all_or_nothing, |app| {
    let (_, a, _) = setup(&app).await;
    let t = Some(a.as_str());
    let made = app
        .post(
            "/api/v1/records/posts/batch",
            t,
            json!({"records": [{"title": "one"}, {"title": "two", "views": 2}]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(made["count"], 2);
    assert_eq!(made["created"][1]["views"], 2);
    assert!(made.get("items").is_none());
    let bad = app
        .post(
            "/api/v1/records/posts/batch",
            t,
            json!({"records": [{"title": "three"}, {"views": "x"}]}),
        )
        .await;
    bad.expect_error(422, "validation_error");
    assert!(bad.json["details"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["field"] == "records[1].views"));
    assert_eq!(app.count("col_posts").await, 2);
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"title": format!("t{i}")}))
        .collect();
    app.post(
        "/api/v1/records/posts/batch",
        t,
        json!({"records": too_many}),
    )
    .await
    .expect(422);
    app.post("/api/v1/records/posts/batch", t, json!({"records": []}))
        .await
        .expect(422);

    let ids: Vec<String> = made["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let updated = app
        .patch("/api/v1/records/posts/batch", t, json!({"records": [{"id": ids[0], "data": {"views": 10}}, {"id": ids[1], "data": {"views": 20}}]}))
        .await
        .expect(200)
        .clone();
    assert_eq!(updated["count"], 2);
    assert_eq!(updated["updated"][1]["views"], 20);
    assert_eq!(updated["updated"][0]["id"], ids[0].as_str());
    let failed = app
        .patch(
            "/api/v1/records/posts/batch",
            t,
            json!({"records": [{"id": ids[0], "data": {"views": 11}}, {"id": "nope", "data": {}}]}),
        )
        .await;
    failed.expect_error(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/records/posts/{}", ids[0]), t)
            .await
            .expect(200)["views"],
        10
    );

    let del = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/records/posts/batch",
            t,
            Some(json!({"ids": [ids[0], "nope"]})),
        )
        .await;
    del.expect_error(404, "not_found");
    assert_eq!(app.count("col_posts").await, 2);
    let sent = [ids[1].clone(), ids[0].clone()];
    let del = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/records/posts/batch",
            t,
            Some(json!({ "ids": sent })),
        )
        .await;
    let del = del.expect(200);
    assert_eq!(
        del["deleted"],
        json!(sent),
        "the ids deleted, in the order sent"
    );
    assert_eq!(del["count"], 2);
    assert_eq!(app.count("col_posts").await, 0);
});

both!(hostile_bodies_and_paths_are_refused, |app| {
    let (_, a, _) = setup(&app).await;
    let url = format!("{}/api/v1/records/posts", app.base);
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    for raw in [
        r#"{"title": "t", "views": 1e400}"#.to_string(),
        format!(r#"{{"title": "t", "meta": {deep}}}"#),
        r#"{"title": "t", "views": 9007199254740993}"#.to_string(),
        r#"{"title": "t"#.to_string(),
    ] {
        let res = app
            .client
            .post(&url)
            .bearer_auth(&a)
            .header("content-type", "application/json")
            .body(raw.clone())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let res = TestApp::read(res).await;
        assert!((400..500).contains(&status), "{raw}: {status} {}", res.text);
        assert!(res.json["error"].is_string());
    }
    for path in [
        "/api/v1/records/po%22sts",
        "/api/v1/records/posts%3B%20DROP%20TABLE%20users",
        "/api/v1/records/col_posts",
        "/api/v1/records/accounts",
    ] {
        app.get(path, Some(&a)).await.expect_error(404, "not_found");
    }
    let sa = app.superadmin_token().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "refs", "schema": [
        {"name": "post", "type": "reference", "collection": "posts", "on_delete": "restrict"}]}),
    )
    .await
    .expect(201);
    let res = app
        .post("/api/v1/records/refs", Some(&a), json!({"post": 42}))
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.codes(), ["invalid_type"]);
    assert_eq!(app.count("col_posts").await, 0);
    assert_eq!(app.count("users").await, 3);
});

both!(concurrent_writes_commit_together_and_fail_alone, |app| {
    // Forty creates at once: on SQLite they are group-committed, each in a
    // savepoint. Twenty share one unique slug: exactly one of them wins, the
    // others get a 409 and leave nothing behind; the other twenty all land.
    let (_, a, _) = setup(&app).await;
    let sends = (0..40).map(|i| {
        let slug = if i % 2 == 0 {
            "shared".to_string()
        } else {
            format!("own-{i}")
        };
        app.post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": format!("t{i}"), "slug": slug}),
        )
    });
    let answers = futures_util::future::join_all(sends).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let conflicts = answers.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, conflicts),
        (21, 19),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let listed = app.get("/api/v1/records/posts?limit=100", Some(&a)).await;
    assert_eq!(listed.expect(200)["total"], 21);
    // Every acknowledged record reads back.
    for r in answers.iter().filter(|r| r.status == 201) {
        let id = r.json["id"].as_str().unwrap();
        app.get(&format!("/api/v1/records/posts/{id}"), Some(&a))
            .await
            .expect(200);
    }
});

both!(text_patterns_are_enforced_on_every_write, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "codes", "schema": [
            {"name": "code", "type": "text", "options": {"pattern": "[a-z]{3}-[0-9]+"}}]}),
    )
    .await
    .expect(201);
    let a = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    // The pattern is anchored and checked on each write (compiled once).
    for (code, ok) in [
        ("abc-1", true),
        ("ABC-1", false),
        ("xabc-12", false),
        ("xyz-42", true),
        ("abc-", false),
    ] {
        let r = app
            .post("/api/v1/records/codes", Some(&a), json!({"code": code}))
            .await;
        if ok {
            r.expect(201);
        } else {
            assert_eq!(
                r.expect_error(422, "validation_error")["details"][0]["code"],
                "pattern_mismatch",
                "{code}"
            );
        }
    }
    assert_eq!(
        app.get("/api/v1/records/codes", Some(&a)).await.expect(200)["total"],
        2
    );
});

// One parser per format: an email address a user account accepts, a record's
// email field accepts, and the other way round; URLs are parsed, not guessed.
both!(emails_and_urls_are_judged_as_everywhere_else, |app| {
    let (sa, a, _) = setup(&app).await;
    let t = Some(a.as_str());
    for email in ["o'brien@example.org", "first.last+tag@example.co.uk"] {
        app.post(
            "/api/v1/records/posts",
            t,
            json!({"title": "x", "contact": email}),
        )
        .await
        .expect(201);
        app.post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
        )
        .await
        .expect(201);
    }
    for email in ["a@[127.0.0.1]", "a@b", "a b@example.com"] {
        let res = app
            .post(
                "/api/v1/records/posts",
                t,
                json!({"title": "x", "contact": email}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.codes(), ["invalid_email_format"], "{email}");
        app.post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
        )
        .await
        .expect_error(422, "validation_error");
    }
    for link in [
        "http:///x",
        "https://exa mple.com",
        "javascript:alert(1)",
        "http://",
    ] {
        let res = app
            .post(
                "/api/v1/records/posts",
                t,
                json!({"title": "x", "link": link}),
            )
            .await;
        assert_eq!(res.codes(), ["invalid_url_format"], "{link}");
    }
    app.post(
        "/api/v1/records/posts",
        t,
        json!({"title": "x", "link": "http://[::1]:8080/a?b=c"}),
    )
    .await
    .expect(201);
});

// A datetime a filter accepts, a record accepts (one parser): `2024-01-02 03:04`
// (a space, no seconds) was refused by records and accepted by filters.
both!(records_and_filters_read_datetimes_alike, |app| {
    let (_, a, _) = setup(&app).await;
    let t = Some(a.as_str());
    let made = app
        .post(
            "/api/v1/records/posts",
            t,
            json!({"title": "x", "published_at": "2024-01-02 03:04"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(made["published_at"], "2024-01-02T03:04:00.000000Z");
    let filter = "published_at%20%3D%3D%20%272024-01-02%2003%3A04%27";
    let page = app
        .get(&format!("/api/v1/records/posts?filter={filter}"), t)
        .await;
    assert_eq!(page.expect(200)["items"].as_array().unwrap().len(), 1);
    for bad in ["2024-02-30", "yesterday", "2024-01-02T25:00"] {
        let res = app
            .post(
                "/api/v1/records/posts",
                t,
                json!({"title": "x", "published_at": bad}),
            )
            .await;
        res.expect_error(422, "validation_error");
    }
});
