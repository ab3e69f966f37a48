use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// The `items` collection and twelve records of Alpha's; returns Alpha's admin token.
pub async fn seeded(app: &TestApp) -> String {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "items", "schema": [
            {"name": "name", "type": "text"}, {"name": "n", "type": "number"}, {"name": "flag", "type": "boolean"},
            {"name": "due", "type": "datetime"}, {"name": "meta", "type": "json"},
            {"name": "parent", "type": "reference", "collection": "items", "on_delete": "set_null"}],
          "indexes": [{"fields": ["n"]}]}),
    )
    .await
    .expect(201);
    let token = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let rows: Vec<Value> = (0..12)
        .map(|i| {
            json!({"name": format!("item{:02}", i), "n": if i % 4 == 3 { Value::Null } else { json!(i % 3) }, "flag": i % 2 == 0,
                   "due": format!("2024-01-{:02}T00:00:00Z", i + 1), "meta": {"i": i}})
        })
        .collect();
    app.post(
        "/api/v1/records/items/batch",
        Some(&token),
        json!({"records": rows}),
    )
    .await
    .expect(201);
    token
}

/// The `name`s of a list's items, in order.
pub fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

both!(list_pages_sorts_filters_and_projects, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    let all = app
        .get("/api/v1/records/items?limit=100", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(all["total"], 12);
    assert_eq!(all["skip"], 0);
    assert_eq!(all["limit"], 100);
    let page = app
        .get("/api/v1/records/items?sort=name&skip=2&limit=3", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page), ["item02", "item03", "item04"]);
    assert_eq!(page["total"], 12);
    let desc = app
        .get("/api/v1/records/items?sort=-name&limit=2", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&desc), ["item11", "item10"]);
    let plus = app
        .get("/api/v1/records/items?sort=%2Bname&limit=1", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&plus), ["item00"]);
    // Several keys; NULLs first ascending.
    let multi = app
        .get("/api/v1/records/items?sort=n,-name&limit=12", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        &names(&multi)[..4],
        ["item11", "item07", "item03", "item09"]
    );
    // Equality parameters are typed.
    let eq = app
        .get("/api/v1/records/items?n=1&sort=name", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&eq), ["item01", "item04", "item10"]);
    assert_eq!(eq["total"], 3);
    let flag = app
        .get("/api/v1/records/items?flag=true&n=0", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(flag["total"], 2);
    let due = app
        .get("/api/v1/records/items?due=2024-01-05", t)
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&due), ["item04"]);
    // Projection keeps system fields.
    let proj = app
        .get("/api/v1/records/items?fields=name&limit=1", t)
        .await
        .expect(200)
        .clone();
    let keys: Vec<&str> = proj["items"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "account_id",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "name"
        ]
    );
    // The count can be skipped.
    let nocount = app
        .get("/api/v1/records/items?count=false", t)
        .await
        .expect(200)
        .clone();
    assert!(nocount.get("total").is_none());
    // Bad parameters are 422s, never ignored or 500s.
    for bad in [
        "limit=0",
        "limit=101",
        "skip=-1",
        "skip=x",
        "sort=nope",
        "sort=meta",
        "sort=name,name",
        "n=abc",
        "flag=maybe",
        "due=soon",
        "meta=1",
        "fields=nope",
        "bogus=1",
        "cursor=%%%",
        "cursor=WzFd",
        "count=perhaps",
        "name%22%3B%20DROP%20TABLE%20users%3B--=1",
    ] {
        app.get(&format!("/api/v1/records/items?{bad}"), t)
            .await
            .expect_error(422, "validation_error");
    }
    assert_eq!(app.count("users").await, 2);
});

both!(cursor_pagination_visits_every_record_once, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    for sort in ["-created_at", "n,name", "-n", "flag,-due"] {
        let mut seen = Vec::new();
        let mut url = format!("/api/v1/records/items?limit=5&sort={sort}");
        let mut pages = 0;
        loop {
            let page = app.get(&url, t).await.expect(200).clone();
            seen.extend(names(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => url = format!("/api/v1/records/items?limit=5&sort={sort}&cursor={c}"),
                None => break,
            }
            assert!(pages < 10, "cursor loop");
        }
        let offset = app
            .get(&format!("/api/v1/records/items?limit=100&sort={sort}"), t)
            .await
            .expect(200)
            .clone();
        assert_eq!(seen, names(&offset), "sort {sort}");
        assert_eq!(pages, 3);
    }
    app.get("/api/v1/records/items?cursor=W10&skip=1", t)
        .await
        .expect(422);
});

both!(expand_follows_references, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    let list = app
        .get("/api/v1/records/items?sort=name&limit=3", t)
        .await
        .expect(200)
        .clone();
    let (a, b, c) = (
        list["items"][0]["id"].clone(),
        list["items"][1]["id"].clone(),
        list["items"][2]["id"].clone(),
    );
    app.patch(
        &format!("/api/v1/records/items/{}", b.as_str().unwrap()),
        t,
        json!({"parent": a}),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/api/v1/records/items/{}", c.as_str().unwrap()),
        t,
        json!({"parent": b}),
    )
    .await
    .expect(200);
    let got = app
        .get(
            &format!(
                "/api/v1/records/items/{}?expand=parent.parent",
                c.as_str().unwrap()
            ),
            t,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(got["expand"]["parent"]["name"], "item01");
    assert_eq!(
        got["expand"]["parent"]["expand"]["parent"]["name"],
        "item00"
    );
    let listed = app
        .get("/api/v1/records/items?sort=name&limit=3&expand=parent", t)
        .await
        .expect(200)
        .clone();
    assert!(listed["items"][0].get("expand").is_none());
    assert_eq!(listed["items"][2]["expand"]["parent"]["id"], b);
    // Depth is limited (self-references would otherwise cycle) and only references expand.
    app.get(
        "/api/v1/records/items?expand=parent.parent.parent.parent",
        t,
    )
    .await
    .expect_error(422, "validation_error");
    app.get("/api/v1/records/items?expand=name", t)
        .await
        .expect(422);
    app.get("/api/v1/records/items?expand=ghost", t)
        .await
        .expect(422);
});

both!(list_queries_use_an_index, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "events", "schema": [{"name": "status", "type": "text"}, {"name": "n", "type": "number"}],
               "indexes": [{"fields": ["status", "created_at"]}]}),
    )
    .await
    .expect(201);
    app.register("a@example.com", "Alpha").await;
    app.register("b@example.com", "Beta").await;
    let db = &app.state.db;
    match db {
        snackbase_server::db::Db::Sqlite { write, .. } => {
            sqlx::query(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100000) \
                 INSERT INTO col_events (id, account_id, created_at, created_by, updated_at, updated_by, status, n) \
                 SELECT 'r' || n, CASE WHEN n % 5 = 0 THEN 'AA0002' ELSE 'AA0001' END, \
                 strftime('%Y-%m-%dT%H:%M:%S', 1700000000 + n, 'unixepoch') || '.000000Z', 'u', \
                 strftime('%Y-%m-%dT%H:%M:%S', 1700000000 + n, 'unixepoch') || '.000000Z', 'u', 's' || (n % 10), n FROM seq",
            )
            .execute(write)
            .await
            .unwrap();
            sqlx::query("ANALYZE").execute(write).await.unwrap();
        }
        snackbase_server::db::Db::Postgres(pool, ..) => {
            sqlx::query(
                "INSERT INTO col_events (id, account_id, created_at, created_by, updated_at, updated_by, status, n) \
                 SELECT 'r' || n, CASE WHEN n % 5 = 0 THEN 'AA0002' ELSE 'AA0001' END, to_timestamp(1700000000 + n), 'u', \
                 to_timestamp(1700000000 + n), 'u', 's' || (n % 10), n FROM generate_series(1, 100000) AS n",
            )
            .execute(pool)
            .await
            .unwrap();
            sqlx::query("ANALYZE col_events")
                .execute(pool)
                .await
                .unwrap();
        }
    }
    let mut tx = db.begin_read().await.unwrap();
    let catalog = app.state.catalog.catalog(&mut tx).await.unwrap();
    drop(tx);
    let compiled = catalog.get("events").unwrap();
    let c = snackbase_server::collections::view::View::all(compiled);
    for query in [
        "status=s3&sort=-created_at&limit=20",
        "filter=status%20%3D%3D%20%27s3%27&sort=-created_at&limit=20",
    ] {
        let q = snackbase_server::records::list::parse(&c, Some(query), 100).unwrap();
        let extra = q
            .filter
            .as_deref()
            .map(|f| snackbase_server::collections::filter::compile(&c, f, db.backend()).unwrap());
        let statements = snackbase_server::records::list::build(
            db.backend(),
            &c,
            "AA0001",
            &q,
            extra,
            snackbase_server::records::list::Shape::Separate,
        )
        .unwrap();
        let plan = explain(db, &statements.select, &statements.params).await;
        assert!(
            plan.contains("ix_"),
            "{query}: no index in the plan:\n{plan}\n{}",
            statements.select
        );
        assert!(
            !plan.contains("Seq Scan") && !plan.contains("SCAN t\n") && !plan.ends_with("SCAN t"),
            "{query}: a full scan:\n{plan}"
        );
        assert!(
            !plan.contains("TEMP B-TREE") && !plan.contains("Sort  "),
            "{query}: the order needs a sort:\n{plan}\n{}",
            statements.select
        );
    }
    // And the page itself is right.
    let token = app
        .login("alpha", "a@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app
        .get(
            "/api/v1/records/events?status=s3&sort=-created_at&limit=20",
            Some(&token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert_eq!(page["items"][0]["n"], 99993);
    assert_eq!(page["total"], 10000);
});

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both!(filters_select_exactly_the_matching_records, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    let run = |f: &str| {
        format!(
            "/api/v1/records/items?sort=name&limit=100&filter={}",
            enc(f)
        )
    };
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("n == 2", vec!["item02", "item05", "item08"]),
        (
            "n > 0 and flag == true",
            vec!["item02", "item04", "item08", "item10"],
        ),
        ("n == null", vec!["item03", "item07", "item11"]),
        (
            "not (n >= 1) and n != null",
            vec!["item00", "item06", "item09"],
        ),
        (
            "name in ['item01', 'item09', 'nope']",
            vec!["item01", "item09"],
        ),
        ("starts_with(name, 'item1')", vec!["item10", "item11"]),
        (
            "due >= '2024-01-11' or name == \"item00\"",
            vec!["item00", "item10", "item11"],
        ),
        (
            "due < '2024-01-02T12:00:00+00:00'",
            vec!["item00", "item01"],
        ),
        ("record.n == 1 && !flag", vec!["item01"]),
    ];
    for (filter, expected) in cases {
        let page = app.get(&run(filter), t).await.expect(200).clone();
        assert_eq!(names(&page), expected, "filter {filter}");
        assert_eq!(page["total"], expected.len(), "filter {filter}");
    }
    // Filters combine with equality parameters and cursors.
    let page = app
        .get(
            &format!(
                "/api/v1/records/items?flag=true&limit=2&sort=name&filter={}",
                enc("n != null")
            ),
            t,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page), ["item00", "item02"]);
    let next = page["next_cursor"].as_str().unwrap();
    let page = app
        .get(
            &format!(
                "/api/v1/records/items?flag=true&limit=2&sort=name&filter={}&cursor={next}",
                enc("n != null")
            ),
            t,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&page), ["item04", "item06"]);

    // Errors name the filter and the position.
    let res = app.get(&run("n >"), t).await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["field"], "filter");
    assert_eq!(res.json["details"][0]["code"], "filter_syntax");
    assert_eq!(res.json["details"][0]["position"], 3);
    let res = app.get(&run("ghost == 1"), t).await;
    res.expect_error(422, "validation_error");
    assert_eq!(res.json["details"][0]["code"], "filter_invalid");
    assert_eq!(res.json["details"][0]["position"], 0);
    for hostile in [
        "n == 'x'",
        "user.id == 'x'",
        "name == 'x' OR 1=1 --",
        "name == 'x'; DROP TABLE users; --",
        "name == 'unterminated",
        "n > 99999999999999999999999999",
        "/* comment */ n == 1",
        "\"name\" == 1",
        &"(".repeat(200),
        &format!("{}n == 1{}", "(".repeat(100), ")".repeat(100)),
    ] {
        app.get(&run(hostile), t)
            .await
            .expect_error(422, "validation_error");
    }
    // Quotes inside strings are data.
    let page = app.get(&run("name == 'x'' OR ''1''=''1'"), t).await;
    assert!(page.status == 200 || page.status == 422, "{}", page.text);
    if page.status == 200 {
        assert_eq!(page.json["total"], 0);
    }
    assert_eq!(app.count("users").await, 2);
    assert_eq!(app.count("col_items").await, 12);
});

async fn explain(
    db: &snackbase_server::db::Db,
    select: &str,
    params: &[snackbase_server::records::sql::Param],
) -> String {
    use snackbase_server::records::sql::BindParam as _;
    match db {
        snackbase_server::db::Db::Sqlite { read, .. } => {
            let sql = format!("EXPLAIN QUERY PLAN {select}");
            let mut query = sqlx::query(&sql);
            for p in params {
                query = query.bind_param(p);
            }
            let rows = query.fetch_all(read).await.unwrap();
            rows.iter()
                .map(|r| sqlx::Row::get::<String, _>(r, 3))
                .collect::<Vec<_>>()
                .join("\n")
        }
        snackbase_server::db::Db::Postgres(pool, ..) => {
            let sql = format!("EXPLAIN {select}");
            let mut query = sqlx::query(&sql);
            for p in params {
                query = query.bind_param(p);
            }
            let rows = query.fetch_all(pool).await.unwrap();
            rows.iter()
                .map(|r| sqlx::Row::get::<String, _>(r, 0))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

/// PostgreSQL keeps list totals between requests (`records::counts`) and
/// asks the change log, in the list's own statement, whether anything changed
/// since: every committed change shows in the very next total, including one
/// whose transaction was running (and had taken its place in the log) when the
/// total was counted and committed after later changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_total_sees_every_committed_change() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let token = seeded(&app).await;
    let t = Some(token.as_str());
    let path = "/api/v1/records/items?limit=2";
    let first = app.get(path, t).await.expect(200).clone();
    assert_eq!(first["total"], 12);
    let account = first["items"][0]["account_id"]
        .as_str()
        .unwrap()
        .to_string();
    let hits = app.state.counts.hits();
    assert_eq!(app.get(path, t).await.expect(200)["total"], 12);
    assert_eq!(app.state.counts.hits(), hits + 1, "the kept total answered");

    // A writer of its own: its row and its change-log entry are written
    // (taking a `seq`) but not committed.
    let mut writer = app.pg_connection().await;
    for sql in [
        "BEGIN".to_string(),
        format!(
            "INSERT INTO col_items (id, account_id, created_at, updated_at, name) \
             VALUES ('raw-1', '{account}', now(), now(), 'raw')"
        ),
        format!(
            "INSERT INTO record_changes (account_id, collection, operation, record_id, actor_role, created_at) \
             VALUES ('{account}', 'items', 'create', 'raw-1', 'admin', now())"
        ),
    ] {
        sqlx::query(&sql).execute(&mut writer).await.expect(&sql);
    }
    // A later change commits first: the total is counted again, while the
    // writer is still running.
    app.post("/api/v1/records/items", t, json!({"name": "api"}))
        .await
        .expect(201);
    assert_eq!(app.get(path, t).await.expect(200)["total"], 13);
    let hits = app.state.counts.hits();
    assert_eq!(app.get(path, t).await.expect(200)["total"], 13);
    assert_eq!(app.state.counts.hits(), hits + 1);
    // The writer commits: its change is older in the log than the one the
    // kept total saw, and still counts.
    sqlx::query("COMMIT")
        .execute(&mut writer)
        .await
        .expect("commit");
    assert_eq!(app.get(path, t).await.expect(200)["total"], 14);
    // Deletes count, from any node; another account's changes do not matter.
    let other = app.another_node().await;
    other
        .delete("/api/v1/records/items/raw-1", t)
        .await
        .expect(204);
    assert_eq!(app.get(path, t).await.expect(200)["total"], 13);
    let beta = app.register("b@example.com", "Beta").await;
    let beta = beta["token"].as_str().unwrap();
    app.post("/api/v1/records/items", Some(beta), json!({"name": "b"}))
        .await
        .expect(201);
    let hits = app.state.counts.hits();
    assert_eq!(app.get(path, t).await.expect(200)["total"], 13);
    assert_eq!(
        app.state.counts.hits(),
        hits + 1,
        "Beta's write left Alpha's total"
    );
}
