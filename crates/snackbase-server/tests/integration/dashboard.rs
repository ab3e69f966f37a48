use serde_json::json;

use crate::both;

both!(dashboard_counts, |app| {
    let sa = app.superadmin().await;
    app.register("a@example.com", "Alpha").await;
    app.register("b@example.com", "Beta").await;
    let stats = app
        .get("/api/v1/dashboard/stats", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(stats["total_accounts"], 3);
    assert_eq!(stats["total_users"], 3);
    assert_eq!(stats["new_accounts_7d"], 3);
    assert_eq!(stats["new_users_7d"], 3);
    assert_eq!(stats["total_collections"], 0);
    assert_eq!(stats["total_records"], 0);
    assert_eq!(stats["active_sessions"], 3);
    // Sign-ups and logins may be recorded; at most the 10 newest are shown.
    assert!(stats["recent_audit_logs"].as_array().unwrap().len() <= 10);
    assert_eq!(stats["system_health"]["database_status"], "connected");
    assert!(stats["system_health"]["storage_usage_mb"].is_number());
    let recent = stats["recent_registrations"].as_array().unwrap();
    assert_eq!(recent.len(), 3);
    assert_eq!(recent[0]["email"], "b@example.com");
    assert_eq!(recent[0]["account_name"], "Beta");
    assert_eq!(recent[0]["account_code"], recent[0]["account_id"]);
    assert_eq!(stats["range"], "7d");
    assert_eq!(
        stats["previous_period"],
        json!({"new_accounts": 0, "new_users": 0})
    );
    assert_eq!(stats["records_by_collection"], json!([]));
    app.get("/api/v1/dashboard/stats", None).await.expect(401);
});

both!(dashboard_ranges_and_records_by_collection, |app| {
    // The SDK's getStats({range}) sends 7d, 30d or 90d.
    let sa = app.superadmin().await;
    let alpha = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for name in ["posts", "notes"] {
        app.post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": name, "schema": [{"name": "title", "type": "text"}]}),
        )
        .await
        .expect(201);
    }
    for title in ["a", "b"] {
        app.post(
            "/api/v1/records/posts",
            Some(&alpha),
            json!({"title": title}),
        )
        .await
        .expect(201);
    }
    app.post("/api/v1/records/notes", Some(&sa), json!({"title": "n"}))
        .await
        .expect(201);
    // Backdate one account into 30d's previous period (31 to 60 days ago).
    app.exec_elsewhere(
        "UPDATE accounts SET created_at = '2000-01-01T00:00:00Z' WHERE id = 'SY0000'",
    )
    .await;
    for (range, new_accounts) in [("7d", 1), ("30d", 1), ("90d", 1)] {
        let stats = app
            .get(&format!("/api/v1/dashboard/stats?range={range}"), Some(&sa))
            .await
            .expect(200)
            .clone();
        assert_eq!(stats["range"], range);
        assert_eq!(stats["new_accounts_7d"], new_accounts, "{range}");
        assert_eq!(stats["total_accounts"], 2);
        assert_eq!(stats["total_records"], 3);
        assert_eq!(stats["total_collections"], 2);
        assert_eq!(
            stats["records_by_collection"],
            json!([{"name": "notes", "count": 1}, {"name": "posts", "count": 2}])
        );
    }
    let since = (chrono::Utc::now() - chrono::Duration::days(45)).to_rfc3339();
    app.exec_elsewhere(&format!(
        "UPDATE accounts SET created_at = '{since}' WHERE id = 'AA0001'"
    ))
    .await;
    let stats = app
        .get("/api/v1/dashboard/stats?range=30d", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(stats["new_accounts_7d"], 0);
    assert_eq!(stats["previous_period"]["new_accounts"], 1);
    for bad in ["1y", "7", ""] {
        app.get(&format!("/api/v1/dashboard/stats?range={bad}"), Some(&sa))
            .await
            .expect_error(422, "validation_error");
    }
});
