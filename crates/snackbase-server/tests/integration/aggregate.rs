//! `GET /records/{collection}/aggregate`: values computed independently from
//! the records created, tenancy, row rules and hidden fields as in the list,
//! and bad or hostile parameters refused with a 422.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

const STATUSES: [&str; 3] = ["open", "done", "late"];

/// One seeded order: (status, total, price, note, due day).
type Order = (&'static str, f64, f64, Option<String>, u32);

fn orders(n: usize, salt: usize) -> Vec<Order> {
    (0..n)
        .map(|i| {
            let k = i + salt;
            (
                STATUSES[k % 3],
                (k * 7 % 11) as f64 + if k.is_multiple_of(4) { 0.5 } else { 0.0 },
                (k % 5) as f64 * 2.25,
                k.is_multiple_of(2).then(|| format!("n{k}")),
                (k % 9 + 1) as u32,
            )
        })
        .collect()
}

async fn collection(app: &TestApp, sa: &str) {
    app.post(
        "/api/v1/collections",
        Some(sa),
        json!({"name": "orders", "schema": [
            {"name": "status", "type": "text"}, {"name": "total", "type": "number"},
            {"name": "price", "type": "number"}, {"name": "note", "type": "text"},
            {"name": "due", "type": "datetime"}, {"name": "meta", "type": "json"},
            {"name": "flag", "type": "boolean"}, {"name": "cost", "type": "number"}],
          "indexes": [{"fields": ["status"]}]}),
    )
    .await
    .expect(201);
}

async fn create(app: &TestApp, token: &str, rows: &[Order]) {
    let records: Vec<Value> = rows
        .iter()
        .map(|(status, total, price, note, day)| {
            json!({"status": status, "total": total, "price": price, "note": note,
                   "due": format!("2024-02-{day:02}T00:00:00Z"), "meta": {"k": 1}, "flag": true, "cost": 1})
        })
        .collect();
    app.post(
        "/api/v1/records/orders/batch",
        Some(token),
        json!({"records": records}),
    )
    .await
    .expect(201);
}

fn agg(query: &str) -> String {
    format!("/api/v1/records/orders/aggregate?{query}")
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

both!(aggregates_by_group_match_the_records, |app| {
    let sa = app.superadmin().await;
    collection(&app, &sa).await;
    let (alpha, beta) = app.alpha_and_beta().await;
    let mine = orders(20, 0);
    create(&app, &alpha, &mine).await;
    // Another account's records are never counted.
    create(&app, &beta, &orders(7, 3)).await;

    let body = app
        .get(
            &agg("functions=count(),sum(total),avg(price),min(due),max(total),count(note),min(note)&group_by=status"),
            Some(&alpha),
        )
        .await
        .expect(200)
        .clone();
    let mut expected: BTreeMap<&str, Vec<&Order>> = BTreeMap::new();
    for o in &mine {
        expected.entry(o.0).or_default().push(o);
    }
    assert_eq!(body["total_groups"], expected.len());
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    // Ordered by the group field.
    let got: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(got, expected.keys().copied().collect::<Vec<_>>());
    for r in results {
        let rows = &expected[r["status"].as_str().unwrap()];
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "status",
                "count",
                "sum_total",
                "avg_price",
                "min_due",
                "max_total",
                "count_note",
                "min_note"
            ]
        );
        assert_eq!(r["count"], json!(rows.len()), "{r}");
        assert!(r["count"].is_i64(), "counts are integers: {r}");
        let sum: f64 = rows.iter().map(|o| o.1).sum();
        assert!(close(&r["sum_total"], sum), "{r} vs {sum}");
        if sum.fract() == 0.0 {
            assert!(r["sum_total"].is_i64(), "integral sums are integers: {r}");
        }
        let avg = rows.iter().map(|o| o.2).sum::<f64>() / rows.len() as f64;
        assert!(close(&r["avg_price"], avg), "{r} vs {avg}");
        let min_day = rows.iter().map(|o| o.4).min().unwrap();
        assert_eq!(
            r["min_due"],
            format!("2024-02-{min_day:02}T00:00:00.000000Z")
        );
        let max = rows.iter().map(|o| o.1).fold(f64::MIN, f64::max);
        assert!(close(&r["max_total"], max));
        let notes: Vec<&String> = rows.iter().filter_map(|o| o.3.as_ref()).collect();
        assert_eq!(r["count_note"], json!(notes.len()));
        assert_eq!(r["min_note"], json!(notes.iter().min()));
    }

    // Without group_by: one row over everything the caller may list.
    let all = app
        .get(
            &agg("functions=count(),sum(total),max(created_at)"),
            Some(&alpha),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(all["total_groups"], 1);
    assert_eq!(all["results"][0]["count"], 20);
    assert!(close(
        &all["results"][0]["sum_total"],
        mine.iter().map(|o| o.1).sum()
    ));
    assert!(all["results"][0]["max_created_at"].is_string());
    let b = app
        .get(&agg("functions=count()"), Some(&beta))
        .await
        .expect(200)
        .clone();
    assert_eq!(b["results"][0]["count"], 7);

    // filter + having, in both spellings; numbers in having are bound values.
    let filtered: Vec<&Order> = mine.iter().filter(|o| o.1 >= 3.0).collect();
    let mut per: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for o in &filtered {
        let e = per.entry(o.0).or_default();
        e.0 += 1;
        e.1 += o.1;
    }
    let threshold = 4;
    let want: Vec<(&str, usize)> = per
        .iter()
        .filter(|(_, (n, s))| *n > threshold && *s >= 20.0)
        .map(|(k, (n, _))| (*k, *n))
        .collect();
    assert!(!want.is_empty() && want.len() < per.len(), "{per:?}");
    for (filter, having) in [
        (
            "total%20%3E%3D%203",
            "count()%20%3E%204%20%26%26%20sum(total)%20%3E%3D%2020",
        ),
        (
            "total%20%3E%3D%203.0",
            "count()%20%3E%204%20and%20not%20(sum(total)%20%3C%2020)",
        ),
    ] {
        let page = app
            .get(
                &agg(&format!(
                    "functions=count(),sum(total)&group_by=status&filter={filter}&having={having}"
                )),
                Some(&alpha),
            )
            .await
            .expect(200)
            .clone();
        let got: Vec<(&str, usize)> = page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["status"].as_str().unwrap(),
                    r["count"].as_u64().unwrap() as usize,
                )
            })
            .collect();
        assert_eq!(got, want, "{}", page);
        assert_eq!(page["total_groups"], want.len());
    }

    // Two group fields; booleans and datetimes are typed like record values.
    let two = app
        .get(&agg("functions=count()&group_by=flag,status"), Some(&alpha))
        .await
        .expect(200)
        .clone();
    assert_eq!(two["total_groups"], 3);
    assert_eq!(two["results"][0]["flag"], true);
    let by_day = app
        .get(
            &agg("functions=count()&group_by=due&having=count()%20%3E%3D%202"),
            Some(&alpha),
        )
        .await
        .expect(200)
        .clone();
    let mut days: BTreeMap<u32, usize> = BTreeMap::new();
    for o in &mine {
        *days.entry(o.4).or_default() += 1;
    }
    let want: Vec<Value> = days
        .iter()
        .filter(|(_, n)| **n >= 2)
        .map(|(d, n)| json!({"due": format!("2024-02-{d:02}T00:00:00.000000Z"), "count": n}))
        .collect();
    assert_eq!(by_day["results"], json!(want));

    // The route does not shadow records: a record by id still answers.
    let id = app
        .get("/api/v1/records/orders?limit=1", Some(&alpha))
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/records/orders/{id}"), Some(&alpha))
        .await
        .expect(200);
});

both!(aggregates_count_only_what_the_caller_may_read, |app| {
    let sa = app.superadmin().await;
    collection(&app, &sa).await;
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 2, "collection": "orders", "rules": {
            "create": {"rule": "true"},
            "read": {"rule": "record.created_by == user.id", "fields": ["status", "total", "note", "due", "flag"]}}}),
    )
    .await
    .expect(201);
    let mut users = Vec::new();
    for email in ["u1@example.com", "u2@example.com"] {
        app.post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
        )
        .await
        .expect(201);
        users.push(
            app.login("alpha", email, PASSWORD).await.expect(200)["token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (u1, u2) = (&users[0], &users[1]);
    let u1_rows = orders(5, 0);
    let u2_rows = orders(8, 1);
    create(&app, u1, &u1_rows).await;
    create(&app, u2, &u2_rows).await;
    create(&app, &admin, &orders(4, 2)).await;

    for (token, rows) in [(u1, &u1_rows), (u2, &u2_rows)] {
        let a = app
            .get(
                &agg("functions=count(),sum(total)&group_by=status"),
                Some(token),
            )
            .await
            .expect(200)
            .clone();
        let list = app
            .get("/api/v1/records/orders?limit=100", Some(token))
            .await
            .expect(200)
            .clone();
        let counted: u64 = a["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, list["total"].as_u64().unwrap());
        assert_eq!(counted as usize, rows.len());
        let summed: f64 = a["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["sum_total"].as_f64().unwrap())
            .sum();
        assert!((summed - rows.iter().map(|o| o.1).sum::<f64>()).abs() < 1e-9);
        // A filter is compiled over the visible fields, and a having of the
        // whole can't reach other rows.
        let one = app
            .get(
                &agg("functions=count()&having=count()%20%3E%3D%200"),
                Some(token),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(one["results"][0]["count"], json!(rows.len()));
    }
    let everything = app
        .get(&agg("functions=count()"), Some(&admin))
        .await
        .expect(200)
        .clone();
    assert_eq!(everything["results"][0]["count"], 17);

    // A field the caller may not read cannot be aggregated, grouped by,
    // compared in having or filtered on: a 422 naming it, like an unknown one.
    for (query, param) in [
        ("functions=sum(cost)", "functions"),
        ("functions=count(price)", "functions"),
        ("functions=count()&group_by=price", "group_by"),
        ("functions=count()&having=sum(cost)%20%3E%201", "having"),
        ("functions=count()&filter=cost%20%3E%201", "filter"),
    ] {
        let r = app.get(&agg(query), Some(u1)).await;
        let body = r.expect_error(422, "validation_error");
        assert_eq!(body["details"][0]["field"], param, "{query}: {}", r.text);
        let hidden = if query.contains("price") {
            "price"
        } else {
            "cost"
        };
        assert!(r.text.contains(hidden), "{query}: {}", r.text);
        // The admin may use the same field.
        app.get(&agg(query), Some(&admin)).await.expect(200);
    }
});

both!(bad_and_hostile_parameters_are_refused, |app| {
    let sa = app.superadmin().await;
    collection(&app, &sa).await;
    let (alpha, _) = app.alpha_and_beta().await;
    create(&app, &alpha, &orders(6, 0)).await;
    let eleven = ["count()"; 11].join(",");
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "functions"),
        ("functions=".into(), "functions"),
        ("group_by=status".into(), "functions"),
        ("functions=median(total)".into(), "functions"),
        ("functions=sum(note)".into(), "functions"),
        ("functions=avg(created_at)".into(), "functions"),
        ("functions=min(meta)".into(), "functions"),
        ("functions=max(flag)".into(), "functions"),
        ("functions=sum()".into(), "functions"),
        ("functions=count(),".into(), "functions"),
        ("functions=count(".into(), "functions"),
        ("functions=count(nope)".into(), "functions"),
        ("functions=count(account_id)".into(), "functions"),
        (format!("functions={eleven}"), "functions"),
        ("functions=count(),count()".into(), "functions"),
        ("functions=count()&group_by=count".into(), "group_by"),
        ("functions=count()&group_by=a,b,c,d,e,f".into(), "group_by"),
        (
            "functions=count()&group_by=status,flag,note,due,total,price".into(),
            "group_by",
        ),
        ("functions=count()&group_by=meta".into(), "group_by"),
        (
            "functions=count()&group_by=status,status".into(),
            "group_by",
        ),
        ("functions=count()&having=count()".into(), "having"),
        ("functions=count()&having=count()%20%3E".into(), "having"),
        (
            "functions=count()&having=count()%20%3E%20'5'".into(),
            "having",
        ),
        (
            "functions=count()&having=min(note)%20%3E%201".into(),
            "having",
        ),
        (
            "functions=count()&having=sum(total)%20%3E%20status".into(),
            "having",
        ),
        (
            "functions=count()&having=stddev(total)%20%3E%201".into(),
            "having",
        ),
        (
            "functions=count()&having=%40has_role('admin')".into(),
            "having",
        ),
        ("functions=count()&having=count()%20~%205".into(), "having"),
        ("functions=count()&filter=status%20%3D%3D".into(), "filter"),
        ("functions=count()&sort=status".into(), "sort"),
        // Injection attempts: never SQL, always a 422 naming the parameter.
        ("functions=count();DROP%20TABLE%20users".into(), "functions"),
        ("functions=count(*)%20FROM%20users--".into(), "functions"),
        ("functions=sum(%22total%22)".into(), "functions"),
        (
            "functions=sum(total))%20FROM%20users%20--(".into(),
            "functions",
        ),
        (
            "functions=count(id)%2C(SELECT%20password_hash%20FROM%20users)".into(),
            "functions",
        ),
        (
            "functions=count()&group_by=status;DROP%20TABLE%20users".into(),
            "group_by",
        ),
        (
            "functions=count()&group_by=status%22%20FROM%20users--".into(),
            "group_by",
        ),
        ("functions=count()&group_by=1".into(), "group_by"),
        (
            "functions=count()&having=count()%20%3E%205;DROP%20TABLE%20users".into(),
            "having",
        ),
        (
            "functions=count()&having=count()%20%3E%20(SELECT%201)".into(),
            "having",
        ),
        (
            "functions=count()&having=1%3D1%20OR%20count()%20%3E%200".into(),
            "having",
        ),
        (
            "functions=count()&filter=status%20%3D%3D%20'x'%20OR%201%3D1;--".into(),
            "filter",
        ),
        (
            "functions=count()&filter=status%20%3D%3D%20'x''%20OR%20''%3D'".into(),
            "filter",
        ),
    ];
    for (query, param) in &cases {
        let r = app.get(&agg(query), Some(&alpha)).await;
        let body = r.expect_error(422, "validation_error");
        assert_eq!(body["details"][0]["field"], *param, "{query}: {}", r.text);
    }
    // A having that only compares numbers is fine; strings stay strings in
    // the filter (a quote is data, never SQL).
    let odd = app
        .get(
            &agg("functions=count()&filter=status%20%3D%3D%20%22x'%20OR%20'1'%3D'1%22"),
            Some(&alpha),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(odd["results"][0]["count"], 0);
    // Nothing changed.
    assert_eq!(app.count("users").await, 3);
    assert_eq!(app.count("col_orders").await, 6);
    app.get(&agg("functions=count()"), Some(&alpha))
        .await
        .expect(200);
    // Anonymous callers are refused as for the list.
    app.get(&agg("functions=count()"), None).await.expect(401);
    // The route is documented.
    let doc = app.get("/openapi.json", None).await.expect(200).clone();
    assert!(doc["paths"]["/api/v1/records/{collection}/aggregate"]["get"].is_object());
    // An unknown collection is a 404.
    app.get(
        "/api/v1/records/nope/aggregate?functions=count()",
        Some(&alpha),
    )
    .await
    .expect(404);
});

both!(a_read_rule_that_fails_at_run_time_denies, |app| {
    let sa = app.superadmin().await;
    collection(&app, &sa).await;
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    create(&app, &admin, &orders(3, 0)).await;
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
    app.post("/api/v1/macros", Some(&sa), json!({"name": "forever",
        "sql_query": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"}))
        .await
        .expect(201);
    app.put(
        "/api/v1/roles/2/permissions/bulk",
        Some(&sa),
        json!({"updates": [{"collection": "orders", "operation": "read", "rule": "@forever() > 0"}]}),
    )
    .await
    .expect(200);
    // The macro keeps its time limit inside the aggregate statement: the
    // rule fails, so it denies (nothing counted), as the list does.
    let started = std::time::Instant::now();
    let denied = app
        .get(&agg("functions=count()&group_by=status"), Some(&u))
        .await
        .expect(200)
        .clone();
    assert_eq!(denied, json!({"results": [], "total_groups": 0}));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let all = app
        .get(&agg("functions=count()"), Some(&admin))
        .await
        .expect(200)
        .clone();
    assert_eq!(all["results"][0]["count"], 3);
});

both!(aggregate_statements_use_the_group_index, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "events", "schema": [{"name": "status", "type": "text"}, {"name": "n", "type": "number"}],
               "indexes": [{"fields": ["status"]}]}),
    )
    .await
    .expect(201);
    app.register("a@example.com", "Alpha").await;
    app.register("b@example.com", "Beta").await;
    let db = &app.state.db;
    match db {
        snackbase_server::db::Db::Sqlite { write, .. } => {
            sqlx::query(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000) \
                 INSERT INTO col_events (id, account_id, created_at, created_by, updated_at, updated_by, status, n) \
                 SELECT 'r' || n, CASE WHEN n % 5 = 0 THEN 'AA0002' ELSE 'AA0001' END, \
                 '2024-01-01T00:00:00.000000Z', 'u', '2024-01-01T00:00:00.000000Z', 'u', 's' || (n % 10), n FROM seq",
            )
            .execute(write)
            .await
            .unwrap();
            sqlx::query("ANALYZE").execute(write).await.unwrap();
        }
        snackbase_server::db::Db::Postgres(pool, ..) => {
            sqlx::query(
                "INSERT INTO col_events (id, account_id, created_at, created_by, updated_at, updated_by, status, n) \
                 SELECT 'r' || n, CASE WHEN n % 5 = 0 THEN 'AA0002' ELSE 'AA0001' END, now(), 'u', now(), 'u', \
                 's' || (n % 10), n FROM generate_series(1, 20000) AS n",
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
    let compiled = catalog.get("events").unwrap().clone();
    let c = snackbase_server::collections::view::View::all(&compiled);
    use snackbase_server::records::aggregate;
    let listing = snackbase_server::collections::ddl::indexes(&compiled)[0]
        .name
        .clone();
    // Counting only: the group index covers the statement and serves the
    // account's rows and the grouping without a sort.
    let q = aggregate::parse(&c, Some("functions=count()&group_by=status")).unwrap();
    let index = aggregate::storage_order(&mut tx, &c, &q).await.unwrap();
    assert_eq!(index, None);
    let (sql, params) = aggregate::build(&c, "AA0001", &q, None, db.backend(), None).unwrap();
    assert!(sql.contains("GROUP BY t.\"status\""), "{sql}");
    if db.backend() == snackbase_server::db::Backend::Sqlite {
        let plan = explain_sqlite(db, &sql, &params).await;
        assert!(
            plan.contains("COVERING INDEX ix_"),
            "not the covering group index:\n{plan}\n{sql}"
        );
        assert!(
            !plan.contains("USE TEMP B-TREE FOR GROUP BY"),
            "the grouping needs a sort:\n{plan}\n{sql}"
        );
    }
    // A sum reads the rows: on SQLite in storage order (the listing index),
    // not at random places through the group index; with filter= the planner
    // chooses.
    let q = aggregate::parse(&c, Some("functions=count(),sum(n)&group_by=status")).unwrap();
    let index = aggregate::storage_order(&mut tx, &c, &q).await.unwrap();
    let filtered = aggregate::parse(
        &c,
        Some("functions=count(),sum(n)&group_by=status&filter=n > 5"),
    )
    .unwrap();
    assert_eq!(
        aggregate::storage_order(&mut tx, &c, &filtered)
            .await
            .unwrap(),
        None
    );
    drop(tx);
    let (sql, params) =
        aggregate::build(&c, "AA0001", &q, None, db.backend(), index.as_deref()).unwrap();
    if db.backend() == snackbase_server::db::Backend::Sqlite {
        assert_eq!(index.as_deref(), Some(listing.as_str()));
        let plan = explain_sqlite(db, &sql, &params).await;
        assert!(
            plan.contains(&format!("USING INDEX {listing}")),
            "not in storage order:\n{plan}\n{sql}"
        );
    } else {
        assert_eq!(index, None);
    }
    // And the answer is right: the 16,000 rows of AA0001 by status.
    let token = app
        .login("alpha", "a@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let body = app
        .get(
            "/api/v1/records/events/aggregate?functions=count(),sum(n)&group_by=status",
            Some(&token),
        )
        .await
        .expect(200)
        .clone();
    let mut want: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for n in (1..=20000u64).filter(|n| n % 5 != 0) {
        let e = want.entry(format!("s{}", n % 10)).or_default();
        e.0 += 1;
        e.1 += n;
    }
    let want: Vec<Value> = want
        .into_iter()
        .map(|(s, (count, sum))| json!({"status": s, "count": count, "sum_n": sum}))
        .collect();
    assert_eq!(body["results"], json!(want));
    assert_eq!(body["total_groups"], 8);
});

async fn explain_sqlite(
    db: &snackbase_server::db::Db,
    select: &str,
    params: &[snackbase_server::records::sql::Param],
) -> String {
    use snackbase_server::records::sql::BindParam as _;
    let snackbase_server::db::Db::Sqlite { read, .. } = db else {
        unreachable!()
    };
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

/// count() and sum(total) by status of what `token` may list, computed from
/// the list (which no result cache answers).
async fn listed_sums(app: &TestApp, token: &str) -> Value {
    let list = app
        .get("/api/v1/records/orders?limit=100", Some(token))
        .await
        .expect(200)
        .clone();
    let mut by: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for r in list["items"].as_array().unwrap() {
        let e = by
            .entry(r["status"].as_str().unwrap().to_string())
            .or_default();
        e.0 += 1;
        e.1 += r["total"].as_f64().unwrap();
    }
    json!(by
        .into_iter()
        .map(|(s, (count, sum))| json!({"status": s, "count": count, "sum_total": sum}))
        .collect::<Vec<_>>())
}

/// The aggregate `token` gets, with sums as floats (to compare with
/// [`listed_sums`]).
async fn aggregated_sums(app: &TestApp, token: &str) -> Value {
    let body = app
        .get(
            &agg("functions=count(),sum(total)&group_by=status"),
            Some(token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        body["total_groups"],
        body["results"].as_array().unwrap().len()
    );
    json!(body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!({"status": r["status"], "count": r["count"],
                        "sum_total": r["sum_total"].as_f64().unwrap()}))
        .collect::<Vec<_>>())
}

// Aggregation answers are kept (SQLite), and every committed change shows
// in the very next aggregate: writes through every route, a write by another
// connection (another process), and a change of the read rules.
both!(aggregates_follow_every_write, |app| {
    let sa = app.superadmin().await;
    collection(&app, &sa).await;
    let (alpha, beta) = app.alpha_and_beta().await;
    create(&app, &alpha, &orders(9, 0)).await;
    check(&app, &alpha, "seeded").await;
    if app.state.db.backend() == snackbase_server::db::Backend::Sqlite {
        assert!(!app.state.aggregates.is_empty(), "the answer is kept");
    }
    let id = app
        .post(
            "/api/v1/records/orders",
            Some(&alpha),
            json!({"status": "open", "total": 100}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    check(&app, &alpha, "create").await;
    app.patch(
        &format!("/api/v1/records/orders/{id}"),
        Some(&alpha),
        json!({"total": 7.5}),
    )
    .await
    .expect(200);
    check(&app, &alpha, "update of the summed field").await;
    app.patch(
        &format!("/api/v1/records/orders/{id}"),
        Some(&alpha),
        json!({"status": "brand new"}),
    )
    .await
    .expect(200);
    check(&app, &alpha, "update of the group field").await;
    app.delete(&format!("/api/v1/records/orders/{id}"), Some(&alpha))
        .await
        .expect(204);
    check(&app, &alpha, "delete").await;
    create(&app, &alpha, &orders(4, 5)).await;
    check(&app, &alpha, "batch").await;
    // Another account's write does not change Alpha's answer, nor stale Beta's.
    create(&app, &beta, &orders(3, 1)).await;
    check(&app, &beta, "beta").await;
    create(&app, &beta, &orders(2, 2)).await;
    check(&app, &beta, "beta again").await;
    check(&app, &alpha, "after beta's writes").await;
    // Another process (SQLite) or node (PostgreSQL) writes a record the way
    // SnackBase does: the row and its change, committed together.
    let record = "INSERT INTO col_orders (id, account_id, created_at, updated_at, status, total) \
                  VALUES ('elsewhere1', 'AA0001', '2024-03-01T00:00:00.000000Z', \
                  '2024-03-01T00:00:00.000000Z', 'open', 1000)";
    let change = "INSERT INTO record_changes (account_id, collection, operation, record_id, actor_role, created_at) \
                  VALUES ('AA0001', 'orders', 'create', 'elsewhere1', 'admin', '2024-03-01T00:00:00.000000Z')";
    match app.state.db.backend() {
        // One transaction per statement: the row, then its change.
        snackbase_server::db::Backend::Sqlite => {
            app.exec_elsewhere(record).await;
            app.exec_elsewhere(change).await;
        }
        snackbase_server::db::Backend::Postgres => {
            app.exec_elsewhere(&format!(
                "WITH w AS ({record} RETURNING id) INSERT INTO record_changes \
                 (account_id, collection, operation, record_id, actor_role, created_at) \
                 SELECT 'AA0001', 'orders', 'create', id, 'admin', now() FROM w"
            ))
            .await
        }
    }
    check(&app, &alpha, "a write elsewhere").await;
    // A change of the read rules shows at once, for the users it concerns.
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let user = app
        .login("alpha", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    for (rule, step) in [
        ("record.status == 'open'", "an open-only rule"),
        ("record.total > 5", "a rule on totals"),
        ("true", "every row"),
    ] {
        app.put(
            "/api/v1/roles/2/permissions/bulk",
            Some(&sa),
            json!({"updates": [{"collection": "orders", "operation": "read", "rule": rule}]}),
        )
        .await
        .expect(200);
        check(&app, &user, step).await;
    }
});

async fn check(app: &TestApp, token: &str, step: &str) {
    let want = listed_sums(app, token).await;
    assert_eq!(aggregated_sums(app, token).await, want, "{step}");
    // Twice: the second answer may come from the cache.
    assert_eq!(aggregated_sums(app, token).await, want, "{step} (again)");
}
