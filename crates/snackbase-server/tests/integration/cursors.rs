//! Cursor paging both ways: `cursor` (the page after a position) and
//! `cursor_before` (the page before it), with `next_cursor`, `prev_cursor`
//! and `has_more` in the reply; stable under inserts between requests; under
//! row rules and hidden fields; forged or mismatched cursors are 422s.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::both;
use crate::harness::*;
use crate::listing::{names, seeded};

/// A cursor as the server writes one: URL-safe base64 of a JSON array.
fn enc(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

async fn list(app: &TestApp, t: Option<&str>, query: &str) -> Value {
    app.get(&format!("/api/v1/records/items?{query}"), t)
        .await
        .expect(200)
        .clone()
}

/// Pages from `start`, following `key` (`next_cursor` or `prev_cursor`) as
/// `param` (`cursor` or `cursor_before`); `start` is not included.
async fn follow(
    app: &TestApp,
    t: Option<&str>,
    base: &str,
    start: &Value,
    key: &str,
    param: &str,
) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut current = start.clone();
    while let Some(c) = current[key].as_str().map(str::to_string) {
        current = list(app, t, &format!("{base}&{param}={c}")).await;
        pages.push(current.clone());
        assert!(pages.len() < 30, "cursor loop");
    }
    pages
}

/// Every record's name in the order `sort`, by offset pages.
async fn ordered(app: &TestApp, t: Option<&str>, sort: &str) -> Vec<String> {
    let mut all = Vec::new();
    loop {
        let page = list(app, t, &format!("sort={sort}&limit=100&skip={}", all.len())).await;
        let got = names(&page);
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

async fn add(app: &TestApp, t: Option<&str>, name: &str, n: Value) {
    app.post(
        "/api/v1/records/items",
        t,
        json!({"name": name, "n": n, "flag": name.len().is_multiple_of(2), "due": "2024-02-01T00:00:00Z"}),
    )
    .await
    .expect(201);
}

both!(cursor_before_walks_back_over_the_same_pages, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    for sort in [
        "-created_at",
        "n,name",
        "-n",
        "flag,-due",
        "name",
        "-n,-name",
        "due",
        "id",
    ] {
        let all = names(&list(&app, t, &format!("sort={sort}&limit=100")).await);
        assert_eq!(all.len(), 12);
        for limit in [5, 4, 12, 1] {
            let base = format!("sort={sort}&limit={limit}");
            let first = list(&app, t, &base).await;
            let mut forward = vec![first.clone()];
            forward.extend(follow(&app, t, &base, &first, "next_cursor", "cursor").await);
            let walked: Vec<String> = forward.iter().flat_map(names).collect();
            assert_eq!(walked, all, "forward, sort {sort}, limit {limit}");
            assert_eq!(forward.len(), 12_usize.div_ceil(limit), "sort {sort}");
            assert!(
                first["prev_cursor"].is_null(),
                "the first page has no previous one"
            );
            for (i, page) in forward.iter().enumerate() {
                let last = i + 1 == forward.len();
                assert_eq!(page["has_more"], !last, "sort {sort}, page {i}");
                assert_eq!(page["next_cursor"].is_null(), last, "sort {sort}, page {i}");
                assert_eq!(
                    page["prev_cursor"].is_null(),
                    i == 0,
                    "sort {sort}, page {i}"
                );
                assert_eq!(page["total"], 12);
            }
            // Back from the last page: the same pages, in reverse.
            let last = forward.last().unwrap();
            let backward = follow(&app, t, &base, last, "prev_cursor", "cursor_before").await;
            assert_eq!(
                backward.len(),
                forward.len() - 1,
                "sort {sort}, limit {limit}"
            );
            for (j, page) in backward.iter().enumerate() {
                let i = forward.len() - 2 - j;
                assert_eq!(
                    names(page),
                    names(&forward[i]),
                    "sort {sort}, limit {limit}, page {i}"
                );
                assert_eq!(page["has_more"], i > 0, "sort {sort}, page {i}");
                assert_eq!(page["prev_cursor"].is_null(), i == 0);
                assert_eq!(page["total"], 12);
                // Forwards again from a page reached backwards: the page after it.
                let next = page["next_cursor"].as_str().unwrap();
                let again = list(&app, t, &format!("{base}&cursor={next}")).await;
                assert_eq!(
                    names(&again),
                    names(&forward[i + 1]),
                    "sort {sort}, page {i}"
                );
            }
        }
        // Offset paging hands over to cursors both ways.
        let middle = list(&app, t, &format!("sort={sort}&skip=5&limit=5")).await;
        assert_eq!(names(&middle), all[5..10].to_vec());
        let prev = middle["prev_cursor"].as_str().unwrap();
        let before = list(
            &app,
            t,
            &format!("sort={sort}&limit=3&cursor_before={prev}"),
        )
        .await;
        assert_eq!(names(&before), all[2..5].to_vec());
        assert_eq!(before["has_more"], true);
        let before = list(
            &app,
            t,
            &format!("sort={sort}&limit=100&cursor_before={prev}"),
        )
        .await;
        assert_eq!(names(&before), all[..5].to_vec());
        assert_eq!(before["has_more"], false);
        assert!(before["prev_cursor"].is_null());
        // The SDK always sends skip=0 beside a cursor.
        let before = list(
            &app,
            t,
            &format!("skip=0&limit=2&sort={sort}&cursor_before={prev}"),
        )
        .await;
        assert_eq!(names(&before), all[3..5].to_vec());
        // Past the end: nothing, and no cursor to follow.
        let past = list(&app, t, &format!("sort={sort}&skip=20&limit=5")).await;
        assert_eq!(past["items"], json!([]));
        assert!(past["prev_cursor"].is_null() && past["next_cursor"].is_null());
        assert_eq!(past["has_more"], false);
        // Projection keeps working: cursors come from the sort values, not the fields shown.
        let projected = list(&app, t, &format!("sort={sort}&limit=4&fields=flag")).await;
        let next = projected["next_cursor"].as_str().unwrap();
        let second = list(&app, t, &format!("sort={sort}&limit=4&cursor={next}")).await;
        assert_eq!(names(&second), all[4..8].to_vec());
        let prev = second["prev_cursor"].as_str().unwrap();
        let back = list(
            &app,
            t,
            &format!("sort={sort}&limit=4&fields=flag&cursor_before={prev}"),
        )
        .await;
        assert_eq!(back["items"].as_array().unwrap().len(), 4);
        assert!(back["items"][0].get("name").is_none());
    }
});

both!(
    cursors_neither_repeat_nor_skip_under_concurrent_inserts,
    |app| {
        let t = seeded(&app).await;
        let t = Some(t.as_str());
        let mut k = 0;
        for sort in [
            "name",
            "-name",
            "-created_at",
            "created_at",
            "n,name",
            "-n,name",
        ] {
            let existing: HashSet<String> = ordered(&app, t, sort).await.into_iter().collect();
            let base = format!("sort={sort}&limit=4");
            // Forwards, with records inserted before, inside and after the
            // remaining pages between the first requests.
            let mut page = list(&app, t, &base).await;
            let mut seen = names(&page);
            let mut round = 0;
            while let Some(c) = page["next_cursor"].as_str().map(str::to_string) {
                round += 1;
                if round <= 3 {
                    for (name, n) in [
                        ("a", json!(0)),
                        ("item05", json!(1)),
                        ("item10", Value::Null),
                        ("z", json!(2)),
                    ] {
                        k += 1;
                        add(&app, t, &format!("{name}~{k:03}"), n).await;
                    }
                }
                page = list(&app, t, &format!("{base}&cursor={c}")).await;
                seen.extend(names(&page));
                assert!(seen.len() < 400, "cursor loop");
            }
            check_walk(&seen, &existing, &ordered(&app, t, sort).await, sort);

            // Backwards from the end, inserting again between the first requests.
            let existing = ordered(&app, t, sort).await;
            let mut page = list(&app, t, &format!("{base}&skip={}", existing.len() - 3)).await;
            let existing: HashSet<String> = existing.into_iter().collect();
            let mut seen = names(&page);
            assert_eq!(seen.len(), 3);
            let mut round = 0;
            while let Some(c) = page["prev_cursor"].as_str().map(str::to_string) {
                round += 1;
                if round <= 3 {
                    for (name, n) in [("a", json!(2)), ("item03", Value::Null), ("z", json!(0))] {
                        k += 1;
                        add(&app, t, &format!("{name}~{k:03}"), n).await;
                    }
                }
                page = list(&app, t, &format!("{base}&cursor_before={c}")).await;
                let mut before = names(&page);
                before.extend(seen);
                seen = before;
                assert!(seen.len() < 400, "cursor loop");
            }
            check_walk(&seen, &existing, &ordered(&app, t, sort).await, sort);
        }
    }
);

/// Every record that existed before a walk was seen exactly once, nothing
/// was seen twice, and the walk kept the list's order (`now`: the order
/// after the walk, with the inserted records).
fn check_walk(seen: &[String], existing: &HashSet<String>, now: &[String], sort: &str) {
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a record repeated, sort {sort}: {seen:?}"
    );
    for name in existing {
        assert!(
            unique.contains(name),
            "{name} skipped, sort {sort}: {seen:?}"
        );
    }
    let at: Vec<usize> = seen
        .iter()
        .map(|n| now.iter().position(|m| m == n).unwrap())
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "out of order, sort {sort}: {seen:?}"
    );
}

both!(cursor_before_sees_only_readable_rows_and_fields, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "schema": [
        {"name": "title", "type": "text"}, {"name": "secret", "type": "text"}]}),
    )
    .await
    .expect(201);
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u1@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u1 = app
        .login("alpha", "u1@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/permissions",
        Some(&sa),
        json!({"role_id": 2, "collection": "posts", "rules": {
            "create": {"rule": "true"},
            "read": {"rule": "user.id == record.created_by", "fields": ["title"]}}}),
    )
    .await
    .expect(201);
    for i in 0..10 {
        let who = if i % 2 == 1 { &u1 } else { &admin };
        app.post(
            "/api/v1/records/posts",
            Some(who),
            json!({"title": format!("t{i:02}"), "secret": format!("s{i}")}),
        )
        .await
        .expect(201);
    }
    let u = Some(u1.as_str());
    let get = |query: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/records/posts?{query}"), u)
                .await
                .expect(200)
                .clone()
        }
    };
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert!(r.get("secret").is_none(), "a hidden field: {r}");
                r["title"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let p1 = get("sort=title&limit=2".into()).await;
    assert_eq!(titles(&p1), ["t01", "t03"]);
    assert_eq!(p1["total"], 5);
    let next = p1["next_cursor"].as_str().unwrap();
    let p2 = get(format!("sort=title&limit=2&cursor={next}")).await;
    assert_eq!(titles(&p2), ["t05", "t07"]);
    let next = p2["next_cursor"].as_str().unwrap();
    let p3 = get(format!("sort=title&limit=2&cursor={next}")).await;
    assert_eq!(titles(&p3), ["t09"]);
    assert_eq!(p3["has_more"], false);
    let prev = p3["prev_cursor"].as_str().unwrap();
    let back = get(format!("sort=title&limit=2&cursor_before={prev}")).await;
    assert_eq!(titles(&back), ["t05", "t07"]);
    let prev = back["prev_cursor"].as_str().unwrap();
    let back = get(format!("sort=title&limit=2&cursor_before={prev}")).await;
    assert_eq!(titles(&back), ["t01", "t03"]);
    assert_eq!(back["has_more"], false);
    assert!(back["prev_cursor"].is_null());
    // A cursor made up by the caller is only a position: the rows around it
    // are still only the readable ones.
    let forged = enc(r#"["t99", "~"]"#);
    let tail = get(format!("sort=title&limit=2&cursor_before={forged}")).await;
    assert_eq!(titles(&tail), ["t07", "t09"]);
    assert_eq!(tail["has_more"], true);
    let forged = enc(r#"["t04", ""]"#);
    let head = get(format!("sort=title&limit=5&cursor_before={forged}")).await;
    assert_eq!(titles(&head), ["t01", "t03"]);
    // A hidden field cannot order the list, so no cursor walks it.
    for query in [
        "sort=secret".to_string(),
        format!("sort=secret&cursor_before={}", enc(r#"["s3", "x"]"#)),
    ] {
        app.get(&format!("/api/v1/records/posts?{query}"), u)
            .await
            .expect_error(422, "validation_error");
    }
});

both!(cursor_mistakes_and_forged_cursors_are_422s, |app| {
    let t = seeded(&app).await;
    let t = Some(t.as_str());
    let first = list(&app, t, "sort=name&limit=4").await;
    let next = first["next_cursor"].as_str().unwrap().to_string();
    let second = list(&app, t, &format!("sort=name&limit=4&cursor={next}")).await;
    let prev = second["prev_cursor"].as_str().unwrap().to_string();
    let refused = |query: String, code: &'static str, field: &'static str| {
        let app = &app;
        async move {
            let res = app.get(&format!("/api/v1/records/items?{query}"), t).await;
            res.expect_error(422, "validation_error");
            assert!(
                res.codes().iter().any(|c| c == code),
                "{query}: {}",
                res.text
            );
            assert_eq!(
                res.json["details"][0]["field"], field,
                "{query}: {}",
                res.text
            );
        }
    };
    // Both directions at once, a cursor with skip, a cursor of another sort.
    refused(
        format!("sort=name&cursor={next}&cursor_before={prev}"),
        "cursor_conflict",
        "cursor_before",
    )
    .await;
    refused(
        format!("sort=name&cursor_before={prev}&cursor={next}"),
        "cursor_conflict",
        "cursor_before",
    )
    .await;
    refused(
        format!("sort=name&cursor_before={prev}&skip=4"),
        "cursor_with_skip",
        "cursor_before",
    )
    .await;
    refused(
        format!("skip=1&sort=name&cursor_before={prev}"),
        "cursor_with_skip",
        "cursor_before",
    )
    .await;
    refused(
        format!("sort=name&cursor={next}&skip=4"),
        "cursor_with_skip",
        "cursor",
    )
    .await;
    refused(
        format!("sort=n,name&cursor_before={prev}"),
        "invalid_cursor",
        "cursor_before",
    )
    .await;
    refused(
        format!("cursor_before={prev}"),
        "invalid_cursor",
        "cursor_before",
    )
    .await;
    // Garbage and forged tokens, for the default order (created_at, id) and for n, name, id.
    let long = "A".repeat(5000);
    let default_sort = [
        "%%%".to_string(),
        "".to_string(),
        "W10=".to_string(),
        "[1,2]".to_string(),
        long.clone(),
        enc("[1]"),
        enc("{}"),
        enc("\"x\""),
        enc("[]"),
        enc("[null, null]"),
        enc(r#"[null, "x"]"#),
        enc(r#"["2024-01-01T00:00:00Z", null]"#),
        enc(r#"[1, "x"]"#),
        enc(r#"["yesterday", "x"]"#),
        enc(r#"["2024-01-01T00:00:00Z", 5]"#),
        enc(r#"["2024-01-01T00:00:00Z", "a\u0000b"]"#),
        enc(r#"["2024-01-01T00:00:00Z", "x", "extra"]"#),
        enc(r#"[["2024-01-01T00:00:00Z"], "x"]"#),
        enc(r#"[{"a": 1}, "x"]"#),
        enc(r#"["2024-01-01T00:00:00Z", "x"#),
        enc(&format!(r#"["2024-01-01T00:00:00Z", "{long}"]"#)),
    ];
    for param in ["cursor", "cursor_before"] {
        for token in &default_sort {
            refused(format!("{param}={token}"), "invalid_cursor", param).await;
        }
        for token in [
            enc(r#"["1", "a", "x"]"#),
            enc(r#"[true, "a", "x"]"#),
            enc(r#"[1e400, "a", "x"]"#),
            enc(r#"[1, 2, "x"]"#),
            enc(r#"[1, "a", "x\u0000"]"#),
        ] {
            refused(
                format!("sort=n,name&{param}={token}"),
                "invalid_cursor",
                param,
            )
            .await;
        }
        // Well-formed positions that match no record are fine (a null n sorts first).
        for token in [enc(r#"[1.5, "m", "x"]"#), enc(r#"[null, "a", ""]"#)] {
            list(&app, t, &format!("sort=n,name&{param}={token}")).await;
        }
    }
    // The envelope, not a 500, for the SDK's own spelling of a bad cursor.
    let res = app
        .get(
            "/api/v1/records/items?skip=0&limit=30&cursor_before=not-a-cursor",
            t,
        )
        .await;
    res.expect_error(422, "validation_error");
    assert_eq!(app.count("col_items").await, 12);
});

both!(cursor_before_with_search_needs_a_sort, |app| {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "docs", "schema": [
            {"name": "title", "type": "text", "searchable": true}, {"name": "n", "type": "number"}]}),
    )
    .await
    .expect(201);
    let (a, _) = app.alpha_and_beta().await;
    let a = Some(a.as_str());
    for i in 0..6 {
        app.post(
            "/api/v1/records/docs",
            a,
            json!({"title": format!("apple {i}"), "n": i}),
        )
        .await
        .expect(201);
    }
    app.post("/api/v1/records/docs", a, json!({"title": "pear", "n": 9}))
        .await
        .expect(201);
    let get = |query: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/records/docs?{query}"), a).await }
    };
    let ranked = get("search=apple&limit=2&skip=2".into())
        .await
        .expect(200)
        .clone();
    assert!(ranked["prev_cursor"].is_null() && ranked["next_cursor"].is_null());
    assert_eq!(ranked["has_more"], true);
    let sorted = get("search=apple&sort=n&limit=2&skip=2".into())
        .await
        .expect(200)
        .clone();
    let prev = sorted["prev_cursor"].as_str().unwrap().to_string();
    let before = get(format!("search=apple&sort=n&limit=2&cursor_before={prev}"))
        .await
        .expect(200)
        .clone();
    let titles: Vec<&str> = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["apple 0", "apple 1"]);
    assert_eq!(before["total"], 6);
    let res = get(format!("search=apple&cursor_before={prev}")).await;
    res.expect_error(422, "validation_error");
    assert!(
        res.codes().iter().any(|c| c == "cursor_with_search"),
        "{}",
        res.text
    );
    assert_eq!(res.json["details"][0]["field"], "cursor_before");
});
