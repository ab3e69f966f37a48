//! `filter=` in the official SDK's dialect (`@snackbase/sdk` 0.9,
//! `shared/spec/reference/sdk-0.9.md` §3), sent as its query builder sends
//! it: form-encoded (a space is `+`), after `skip` and `limit`.

use serde_json::{json, Value};

use crate::both;
use crate::harness::*;

/// A collection `notes` and the token of a user who reads all of it.
async fn seeded(app: &TestApp) -> String {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "notes", "schema": [
            {"name": "title", "type": "text"}, {"name": "n", "type": "number"},
            {"name": "flag", "type": "boolean"}, {"name": "due", "type": "datetime"}]}),
    )
    .await
    .expect(201);
    let token = app.register("sdk@example.com", "Sdk").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = [
        json!({"title": "Alpha report", "n": 1, "flag": true, "due": "2024-01-01T00:00:00Z"}),
        json!({"title": "beta REPORT 100%", "n": 2, "flag": false, "due": "2024-01-02T00:00:00Z"}),
        json!({"title": "gamma_notes", "n": null, "flag": true}),
        json!({"title": "it's done", "n": 3, "flag": false, "due": "2024-06-15T12:30:00Z"}),
        json!({"title": "a\\b path", "n": 4}),
        json!({"title": null, "n": 5, "flag": true}),
    ];
    app.post(
        "/api/v1/records/notes/batch",
        Some(&token),
        json!({"records": rows}),
    )
    .await
    .expect(201);
    token
}

/// The query string the SDK's builder sends for `filter` (URLSearchParams:
/// a space is `+`, `'` is `%27`, `+` is `%2B`).
fn sdk_url(filter: &str) -> String {
    let filter: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("/api/v1/records/notes?skip=0&limit=30&sort=%2Btitle&filter={filter}")
}

/// Titles in a fixed order (where NULLs sort differs between backends).
fn sorted(mut titles: Vec<Value>) -> Vec<Value> {
    titles.sort_by_key(Value::to_string);
    titles
}

async fn list(app: &TestApp, token: &str, filter: &str) -> Vec<Value> {
    let res = app.get(&sdk_url(filter), Some(token)).await;
    assert_eq!(res.status, 200, "{filter}: {}", res.text);
    let titles = res.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].clone())
        .collect();
    sorted(titles)
}

both!(sdk_dialect_filters_select_the_matching_records, |app| {
    let t = seeded(&app).await;
    let cases: Vec<(&str, Vec<Value>)> = vec![
        // The builder's own shapes: `field OP V`, joined by ` && `.
        (r"title = 'it\'s done'", vec![json!("it's done")]),
        (r"title = 'a\b path'", vec![json!("a\\b path")]),
        (
            "title ~ 'REPORT'",
            vec![json!("Alpha report"), json!("beta REPORT 100%")],
        ),
        // `%` and `_` are plain characters, not wildcards.
        ("title ~ '100%'", vec![json!("beta REPORT 100%")]),
        ("title ~ '%'", vec![json!("beta REPORT 100%")]),
        ("title ~ '_'", vec![json!("gamma_notes")]),
        (r"title ~ '\'s'", vec![json!("it's done")]),
        (
            "title !~ 'report' && n > 2",
            vec![json!("a\\b path"), json!("it's done"), Value::Null],
        ),
        (
            "n IN (1, 2)",
            vec![json!("Alpha report"), json!("beta REPORT 100%")],
        ),
        ("n IN (3)", vec![json!("it's done")]),
        ("n NOT IN (1, 2, 3, 4, null)", vec![Value::Null]),
        ("n IS NULL", vec![json!("gamma_notes")]),
        ("n = null", vec![json!("gamma_notes")]),
        ("title IS NULL", vec![Value::Null]),
        (
            "n IS NOT NULL && flag = true && n < 5",
            vec![json!("Alpha report")],
        ),
        (
            "flag = false && (n = 1 || n = 2 || n = 3)",
            vec![json!("beta REPORT 100%"), json!("it's done")],
        ),
        (
            "due >= Tue Jan 02 2024 01:00:00 GMT+0100 (Central European Standard Time)",
            vec![json!("beta REPORT 100%"), json!("it's done")],
        ),
        (
            "due IN (Sat Jun 15 2024 07:30:00 GMT-0500 (Central Daylight Time))",
            vec![json!("it's done")],
        ),
        (
            "title IN ('Alpha report', null) && n >= 1e+0",
            vec![json!("Alpha report"), Value::Null],
        ),
        // A raw filter (`filterRaw`) is sent in parentheses; double quotes too.
        (
            "(title = \"gamma_notes\" OR title Is Null) && flag = true",
            vec![json!("gamma_notes"), Value::Null],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            list(&app, &t, filter).await,
            sorted(expected),
            "filter {filter}"
        );
    }
    // The same filters in the rule syntax select the same records.
    for (sdk, rule) in [
        ("n IS NOT NULL && flag = true", "n != null and flag == true"),
        ("n NOT IN (1, null)", "n not in [1, null]"),
        ("title = 'it\\'s done'", "title == \"it's done\""),
    ] {
        assert_eq!(
            list(&app, &t, sdk).await,
            list(&app, &t, rule).await,
            "{sdk}"
        );
    }
});

both!(sdk_dialect_values_are_data, |app| {
    let t = seeded(&app).await;
    let users = app.count("users").await;
    // Quotes, SQL and LIKE wildcards inside a `~` value or an IN list are
    // data: they match nothing (or only themselves) and change nothing.
    for filter in [
        r"title ~ '\'; DROP TABLE users; --'",
        r"title ~ '%\' OR \'1\'=\'1'",
        r"title !~ '' || title ~ '\' OR 1=1 --'",
        r"title IN ('a', 'b\'); DELETE FROM col_notes; --')",
        r"title NOT IN ('\') OR (\'1\'=\'1') && title IS NULL",
    ] {
        let found = list(&app, &t, filter).await;
        assert!(found.len() <= 1, "{filter}: {found:?}");
    }
    // What is not a value is a syntax error, with its position.
    for (filter, position) in [
        ("title IN ('a'); DELETE FROM col_notes", 14),
        ("title IN (SELECT title FROM col_notes)", 17),
        ("title ~ 'x' ESCAPE '!'", 12),
        ("title = 'x' -- ", 12),
    ] {
        let res = app.get(&sdk_url(filter), Some(&t)).await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["field"], "filter", "{filter}");
        assert_eq!(res.json["details"][0]["position"], position, "{filter}");
    }
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("col_notes").await, 6);
});

both!(bad_sdk_filters_are_422_with_a_position, |app| {
    let t = seeded(&app).await;
    for (filter, code, position, message) in [
        (
            "title = 'x' && nme > 1",
            "filter_invalid",
            15,
            "Unknown field 'nme' at position 15",
        ),
        (
            "title LIKE '%x%'",
            "filter_syntax",
            6,
            "Unknown operator 'LIKE'. Did you mean '~'? at position 6",
        ),
        (
            "n ~ 'x'",
            "filter_invalid",
            0,
            "'~' compares text, found number at position 0",
        ),
        (
            "n IS 5",
            "filter_syntax",
            5,
            "Expected NULL, found INTEGER at position 5",
        ),
        (
            "title = NULL",
            "filter_invalid",
            8,
            "Unknown name 'NULL'. Did you mean 'null'? at position 8",
        ),
        (
            "due > Invalid Date",
            "filter_syntax",
            14,
            "Unexpected token after expression at position 14",
        ),
    ] {
        let res = app.get(&sdk_url(filter), Some(&t)).await;
        res.expect_error(422, "validation_error");
        let detail = &res.json["details"][0];
        assert_eq!(detail["field"], "filter", "{filter}");
        assert_eq!(detail["code"], code, "{filter}");
        assert_eq!(detail["position"], position, "{filter}");
        assert_eq!(detail["message"], message, "{filter}");
    }
});
