//! `?search=` on record lists: full-text (substring) search over searchable
//! fields, on both backends (FTS5 trigram on SQLite, pg_trgm on PostgreSQL).

use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// A `docs` collection (title and body searchable, note not), the superadmin
/// and Alpha's admin token; returns (superadmin, collection id, alpha token).
async fn docs(app: &TestApp) -> (String, String, String) {
    let sa = app.superadmin().await;
    let c = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "docs", "schema": [
                {"name": "title", "type": "text", "searchable": true},
                {"name": "body", "type": "text", "searchable": true},
                {"name": "note", "type": "text"},
                {"name": "n", "type": "number"}]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(c["schema"][0]["searchable"], true);
    assert_eq!(c["schema"][2]["searchable"], false);
    let (alpha, _) = app.alpha_and_beta().await;
    (sa, c["id"].as_str().unwrap().to_string(), alpha)
}

async fn add(app: &TestApp, token: &str, record: Value) -> String {
    app.post("/api/v1/records/docs", Some(token), record)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The titles a search lists, in order.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/records/docs?{query}"), Some(token))
        .await
        .expect(200)
        .clone();
    res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

both!(search_matches_substrings_in_searchable_fields_only, |app| {
    let (_, _, a) = docs(&app).await;
    add(
        &app,
        &a,
        json!({"title": "Rust in Action", "body": "systems programming", "note": "zebra"}),
    )
    .await;
    add(
        &app,
        &a,
        json!({"title": "Cooking", "body": "How to make RUSTIC bread", "note": "rust"}),
    )
    .await;
    add(
        &app,
        &a,
        json!({"title": "Gardening", "body": "tomatoes", "note": "rust belt"}),
    )
    .await;
    // Case-insensitive substring in either searchable field; `note` is not searched.
    assert_eq!(
        sorted(found(&app, &a, "search=rUsT").await),
        ["Cooking", "Rust in Action"]
    );
    assert_eq!(found(&app, &a, "search=zebra").await, Vec::<String>::new());
    assert_eq!(found(&app, &a, "search=ogramm").await, ["Rust in Action"]);
    // Phrases with spaces are one substring.
    assert_eq!(found(&app, &a, "search=make%20rustic").await, ["Cooking"]);
    assert_eq!(
        found(&app, &a, "search=make%20bread").await,
        Vec::<String>::new()
    );
    // Ranked by relevance without sort=: a title that is mostly the text comes first.
    add(&app, &a, json!({"title": "bread", "body": "bread"})).await;
    let ranked = found(&app, &a, "search=bread").await;
    assert_eq!(ranked, ["bread", "Cooking"]);
    // An explicit sort replaces the ranking; the total counts the matches.
    assert_eq!(
        found(&app, &a, "search=bread&sort=title").await,
        ["Cooking", "bread"]
    );
    // Empty (or blank) search is no search.
    assert_eq!(found(&app, &a, "search=").await.len(), 4);
    assert_eq!(found(&app, &a, "search=%20%20").await.len(), 4);
    // Short queries (1-2 characters) work too.
    assert_eq!(
        sorted(found(&app, &a, "search=ru").await),
        ["Cooking", "Rust in Action"]
    );
    assert_eq!(found(&app, &a, "search=x").await, Vec::<String>::new());
    assert_eq!(
        sorted(found(&app, &a, "search=T").await),
        ["Cooking", "Gardening", "Rust in Action"]
    );
});

both!(search_needs_a_searchable_field, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "plain", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    let (a, _) = app.alpha_and_beta().await;
    let res = app
        .get("/api/v1/records/plain?search=abc", Some(&a))
        .await
        .expect(422)
        .clone();
    assert!(res.to_string().contains("search"), "{res}");
    app.get("/api/v1/records/plain?search=", Some(&a))
        .await
        .expect(200);
    // Only textual fields can be searchable.
    let res = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "nums", "schema": [{"name": "n", "type": "number", "searchable": true}]}),
        )
        .await;
    assert_eq!(res.codes(), ["searchable_not_applicable"]);
});

both!(search_respects_rules_tenancy_filter_and_paging, |app| {
    let (sa, _, a) = docs(&app).await;
    let b = app
        .login("beta", "b@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..7 {
        add(
            &app,
            &a,
            json!({"title": format!("alpha apple {i}"), "body": "fruit", "n": i}),
        )
        .await;
    }
    add(&app, &a, json!({"title": "alpha pear", "body": "fruit"})).await;
    add(&app, &b, json!({"title": "beta apple", "body": "fruit"})).await;
    // Never another account's records.
    assert_eq!(found(&app, &b, "search=apple").await, ["beta apple"]);
    // search + filter + paging + total.
    let res = app
        .get(
            "/api/v1/records/docs?search=apple&filter=n%20%3E%3D%202&sort=n&limit=2&skip=1",
            Some(&a),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(res["total"], 5);
    let titles: Vec<&str> = res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["alpha apple 3", "alpha apple 4"]);
    // Ranked pages use skip; a cursor needs sort=.
    let page = app
        .get("/api/v1/records/docs?search=apple&limit=3", Some(&a))
        .await
        .expect(200)
        .clone();
    assert_eq!(page["total"], 7);
    assert!(page["next_cursor"].is_null());
    let with_sort = app
        .get("/api/v1/records/docs?search=apple&sort=n&limit=3", Some(&a))
        .await
        .expect(200)
        .clone();
    let cursor = with_sort["next_cursor"].as_str().unwrap().to_string();
    let next = found(
        &app,
        &a,
        &format!("search=apple&sort=n&limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(next, ["alpha apple 3", "alpha apple 4", "alpha apple 5"]);
    app.get(
        &format!("/api/v1/records/docs?search=apple&cursor={cursor}"),
        Some(&a),
    )
    .await
    .expect(422);
    // A row-level read rule: users of role `user` see only their own records.
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 2, "collection": "docs", "rules": {
            "create": {"rule": "true"}, "read": {"rule": "user.id == record.created_by"}}}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    add(&app, &u, json!({"title": "user apple", "body": "mine"})).await;
    assert_eq!(found(&app, &u, "search=apple").await, ["user apple"]);
    assert_eq!(found(&app, &u, "search=ap").await, ["user apple"]);
    assert_eq!(found(&app, &a, "search=apple").await.len(), 8);
});

both!(search_follows_writes_in_their_transaction, |app| {
    let (_, _, a) = docs(&app).await;
    let id = add(&app, &a, json!({"title": "first draft", "body": "lorem"})).await;
    let other = add(&app, &a, json!({"title": "second", "body": "ipsum"})).await;
    assert_eq!(found(&app, &a, "search=draft").await, ["first draft"]);
    app.patch(
        &format!("/api/v1/records/docs/{id}"),
        Some(&a),
        json!({"title": "final version"}),
    )
    .await
    .expect(200);
    assert_eq!(found(&app, &a, "search=draft").await, Vec::<String>::new());
    assert_eq!(found(&app, &a, "search=final").await, ["final version"]);
    // An update of a field that is not searchable keeps the record findable.
    app.patch(
        &format!("/api/v1/records/docs/{id}"),
        Some(&a),
        json!({"n": 3}),
    )
    .await
    .expect(200);
    assert_eq!(found(&app, &a, "search=lorem").await, ["final version"]);
    app.delete(&format!("/api/v1/records/docs/{other}"), Some(&a))
        .await
        .expect(204);
    assert_eq!(found(&app, &a, "search=ipsum").await, Vec::<String>::new());
    // A batch that fails is rolled back: nothing of it is indexed.
    app.post(
        "/api/v1/records/docs/batch",
        Some(&a),
        json!({"records": [{"title": "ghost entry"}, {"n": "not a number"}]}),
    )
    .await
    .expect(422);
    assert_eq!(found(&app, &a, "search=ghost").await, Vec::<String>::new());
    assert_eq!(found(&app, &a, "search=gh").await, Vec::<String>::new());
    // A record created afterwards is found (the index is not left broken).
    add(&app, &a, json!({"title": "ghost story"})).await;
    assert_eq!(found(&app, &a, "search=ghost").await, ["ghost story"]);
});

both!(schema_changes_maintain_the_search_index, |app| {
    let (sa, id, a) = docs(&app).await;
    add(
        &app,
        &a,
        json!({"title": "walrus", "body": "x", "note": "penguin colony"}),
    )
    .await;
    add(
        &app,
        &a,
        json!({"title": "otter", "body": "y", "note": "seal"}),
    )
    .await;
    let path = format!("/api/v1/collections/{id}");
    let t = Some(sa.as_str());
    // Making note searchable indexes the existing rows.
    app.put(
        &path,
        t,
        json!({"schema": [
        {"name": "title", "type": "text", "searchable": true},
        {"name": "body", "type": "text", "searchable": true},
        {"name": "note", "type": "text", "searchable": true},
        {"name": "n", "type": "number"}]}),
    )
    .await
    .expect(200);
    assert_eq!(found(&app, &a, "search=penguin").await, ["walrus"]);
    // Renaming a searchable field keeps search working, new writes included.
    app.put(
        &path,
        t,
        json!({"schema": [
        {"name": "title", "type": "text", "searchable": true},
        {"name": "body", "type": "text", "searchable": true},
        {"name": "remark", "type": "text", "searchable": true, "renamed_from": "note"},
        {"name": "n", "type": "number"}]}),
    )
    .await
    .expect(200);
    assert_eq!(found(&app, &a, "search=penguin").await, ["walrus"]);
    add(
        &app,
        &a,
        json!({"title": "puffin", "remark": "penguin cousin"}),
    )
    .await;
    assert_eq!(
        sorted(found(&app, &a, "search=penguin").await),
        ["puffin", "walrus"]
    );
    // Removing searchable stops matching it; the other fields still match.
    app.put(
        &path,
        t,
        json!({"schema": [
        {"name": "title", "type": "text", "searchable": true},
        {"name": "body", "type": "text", "searchable": true},
        {"name": "remark", "type": "text"},
        {"name": "n", "type": "number"}]}),
    )
    .await
    .expect(200);
    assert_eq!(
        found(&app, &a, "search=penguin").await,
        Vec::<String>::new()
    );
    assert_eq!(found(&app, &a, "search=otter").await, ["otter"]);
    // Dropping a searchable field (data loss confirmed) keeps the rest searchable.
    app.put(
        &path,
        t,
        json!({"confirm_data_loss": true, "schema": [
        {"name": "title", "type": "text", "searchable": true},
        {"name": "remark", "type": "text"},
        {"name": "n", "type": "number"}]}),
    )
    .await
    .expect(200);
    assert_eq!(found(&app, &a, "search=walr").await, ["walrus"]);
    app.get("/api/v1/records/docs?search=y", Some(&a))
        .await
        .expect(200);
    // Dropping the collection drops its index; a new one of the same name starts empty.
    app.delete(&path, t).await.expect(200);
    docs_again(&app, &sa).await;
    assert_eq!(found(&app, &a, "search=walrus").await, Vec::<String>::new());
    add(&app, &a, json!({"title": "walrus two"})).await;
    assert_eq!(found(&app, &a, "search=walrus").await, ["walrus two"]);
});

async fn docs_again(app: &TestApp, sa: &str) {
    app.post(
        "/api/v1/collections",
        Some(sa),
        json!({"name": "docs", "schema": [
            {"name": "title", "type": "text", "searchable": true},
            {"name": "body", "type": "text", "searchable": true}]}),
    )
    .await
    .expect(201);
}

both!(search_text_cannot_inject, |app| {
    let (_, _, a) = docs(&app).await;
    add(
        &app,
        &a,
        json!({"title": "quote \" here", "body": "it's O'Brien"}),
    )
    .await;
    add(&app, &a, json!({"title": "100% sure", "body": "a_b c\\d"})).await;
    add(
        &app,
        &a,
        json!({"title": "stars ***", "body": "NEAR(x y) OR z"}),
    )
    .await;
    add(
        &app,
        &a,
        json!({"title": "plain", "body": "nothing special"}),
    )
    .await;
    let cases: [(&str, &[&str]); 14] = [
        ("\"", &["quote \" here"]),
        ("\" OR 1", &[]),
        ("'", &["quote \" here"]),
        ("' OR '1'='1", &[]),
        ("O'Bri", &["quote \" here"]),
        ("*", &["stars ***"]),
        ("***", &["stars ***"]),
        ("OR", &["stars ***"]),
        ("NEAR(", &["stars ***"]),
        ("%", &["100% sure"]),
        ("0% s", &["100% sure"]),
        ("_", &["100% sure"]),
        ("\\", &["100% sure"]),
        ("c\\d", &["100% sure"]),
    ];
    for (text, expected) in cases {
        let query = format!(
            "search={}",
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
        );
        assert_eq!(
            sorted(found(&app, &a, &query).await),
            expected,
            "search={text:?}"
        );
    }
    for text in [
        "\"\"\"",
        "a\" NOT b",
        "{title} : x",
        "^abc",
        "-- ;DROP",
        "x\u{0}y",
    ] {
        let query = format!(
            "search={}",
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
        );
        let res = app
            .get(&format!("/api/v1/records/docs?{query}"), Some(&a))
            .await;
        assert!(res.status.as_u16() < 500, "search={text:?}: {}", res.status);
    }
    let long = "a".repeat(500);
    app.get(&format!("/api/v1/records/docs?search={long}"), Some(&a))
        .await
        .expect(422);
});

/// On SQLite the FTS match drives the query: the collection table is reached
/// by rowid, never scanned (the account's index would visit every row).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_search_plan_starts_from_the_match() {
    use snackbase_server::records::sql::BindParam as _;
    let app = TestApp::start(Backend::Sqlite).await;
    let (_, _, a) = docs(&app).await;
    let rows: Vec<Value> = (0..100)
        .map(|i| json!({"title": format!("row {i}"), "body": "filler text"}))
        .collect();
    app.post(
        "/api/v1/records/docs/batch",
        Some(&a),
        json!({"records": rows}),
    )
    .await
    .expect(201);
    let db = &app.state.db;
    let mut tx = db.begin_read().await.unwrap();
    let catalog = app.state.catalog.catalog(&mut tx).await.unwrap();
    drop(tx);
    let compiled = catalog.get("docs").unwrap();
    let c = snackbase_server::collections::view::View::all(compiled);
    let q =
        snackbase_server::records::list::parse(&c, Some("search=row%201&limit=20"), 100).unwrap();
    let statements = snackbase_server::records::list::build(
        db.backend(),
        &c,
        "AA0001",
        &q,
        None,
        snackbase_server::records::list::Shape::Separate,
    )
    .unwrap();
    let snackbase_server::db::Db::Sqlite { read, .. } = db else {
        unreachable!()
    };
    for (sql, params) in [
        (&statements.select, &statements.params),
        (&statements.count, &statements.count_params),
    ] {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(&explain);
        for p in params {
            query = query.bind_param(p);
        }
        let plan = query
            .fetch_all(read)
            .await
            .unwrap()
            .iter()
            .map(|r| sqlx::Row::get::<String, _>(r, 3))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            plan.contains("SEARCH t USING INTEGER PRIMARY KEY") && !plan.contains("SCAN t"),
            "{plan}\n{sql}"
        );
    }
}

/// The titles and the total of a ranked search.
async fn searched(app: &TestApp, token: &str, text: &str) -> (Vec<String>, i64) {
    let res = app
        .get(
            &format!("/api/v1/records/docs?search={text}&limit=50"),
            Some(token),
        )
        .await
        .expect(200)
        .clone();
    let titles = res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap_or_default().to_string())
        .collect();
    (sorted(titles), res["total"].as_i64().unwrap())
}

// Search pages are kept (SQLite), and every committed change shows in the
// very next search: writes through the routes, a write by another
// connection (another process), a change of the read rules.
both!(search_pages_follow_every_write, |app| {
    let (sa, _, a) = docs(&app).await;
    async fn expect(app: &TestApp, token: &str, text: &str, want: &[&str], step: &str) {
        let want: Vec<String> = sorted(want.iter().map(|s| s.to_string()).collect());
        for _ in 0..2 {
            let (titles, total) = searched(app, token, text).await;
            assert_eq!(titles, want, "{step}");
            assert_eq!(total, want.len() as i64, "{step}");
        }
    }
    add(&app, &a, json!({"title": "apple pie", "body": "x"})).await;
    expect(&app, &a, "apple", &["apple pie"], "first").await;
    if app.state.db.backend() == snackbase_server::db::Backend::Sqlite {
        assert!(!app.state.searches.is_empty(), "the page is kept");
    }
    let id = add(&app, &a, json!({"title": "apple tart", "body": "y"})).await;
    expect(&app, &a, "apple", &["apple pie", "apple tart"], "create").await;
    app.patch(
        &format!("/api/v1/records/docs/{id}"),
        Some(&a),
        json!({"title": "pear tart"}),
    )
    .await
    .expect(200);
    expect(&app, &a, "apple", &["apple pie"], "update").await;
    expect(&app, &a, "tart", &["pear tart"], "update, other text").await;
    app.delete(&format!("/api/v1/records/docs/{id}"), Some(&a))
        .await
        .expect(204);
    expect(&app, &a, "tart", &[], "delete").await;
    // A page past the last match still has the total (the count statement).
    let past = app
        .get("/api/v1/records/docs?search=apple&skip=5", Some(&a))
        .await
        .expect(200)
        .clone();
    assert_eq!(past["items"], json!([]));
    assert_eq!(past["total"], 1);
    // Another process (SQLite) or node (PostgreSQL) writes a record with its
    // change, as SnackBase does.
    let record = "INSERT INTO col_docs (id, account_id, created_at, updated_at, title, body) \
                  VALUES ('elsewhere1', 'AA0001', '2024-03-01T00:00:00.000000Z', \
                  '2024-03-01T00:00:00.000000Z', 'apple crumble', 'z')";
    match app.state.db.backend() {
        snackbase_server::db::Backend::Sqlite => {
            app.exec_elsewhere(record).await;
            app.exec_elsewhere(
                "INSERT INTO record_changes (account_id, collection, operation, record_id, actor_role, created_at) \
                 VALUES ('AA0001', 'docs', 'create', 'elsewhere1', 'admin', '2024-03-01T00:00:00.000000Z')",
            )
            .await;
        }
        snackbase_server::db::Backend::Postgres => {
            app.exec_elsewhere(&format!(
                "WITH w AS ({record} RETURNING id) INSERT INTO record_changes \
                 (account_id, collection, operation, record_id, actor_role, created_at) \
                 SELECT 'AA0001', 'docs', 'create', id, 'admin', now() FROM w"
            ))
            .await
        }
    }
    expect(
        &app,
        &a,
        "apple",
        &["apple crumble", "apple pie"],
        "a write elsewhere",
    )
    .await;
    // A change of the read rules shows at once.
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (rule, want) in [
        ("record.title == 'apple pie'", vec!["apple pie"]),
        ("true", vec!["apple crumble", "apple pie"]),
        ("record.title == 'nothing'", vec![]),
    ] {
        app.put(
            "/api/v1/roles/2/permissions/bulk",
            Some(&sa),
            json!({"updates": [{"collection": "docs", "operation": "read", "rule": rule}]}),
        )
        .await
        .expect(200);
        expect(&app, &u, "apple", &want, rule).await;
    }
});
