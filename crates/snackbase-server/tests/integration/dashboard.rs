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

both!(dashboard_time_series_cover_every_day_of_the_range, |app| {
    let sa = app.superadmin().await;
    let alpha = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "schema": [{"name": "title", "type": "text"}, {"name": "views", "type": "number"}]}),
    )
    .await
    .expect(201);
    let t = Some(alpha.as_str());
    let mut ids = Vec::new();
    for title in ["a", "b", "c"] {
        let r = app
            .post(
                "/api/v1/records/posts",
                t,
                json!({"title": title, "views": 1}),
            )
            .await;
        ids.push(r.expect(201)["id"].as_str().unwrap().to_string());
    }
    // Two columns change at once: one update, not two.
    app.patch(
        &format!("/api/v1/records/posts/{}", ids[0]),
        t,
        json!({"title": "a2", "views": 2}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/records/posts/{}", ids[1]), t)
        .await
        .expect(204);
    // An account created 45 days ago shows in the 90-day series only.
    let old = chrono::Utc::now() - chrono::Duration::days(45);
    app.exec_elsewhere(&format!(
        "UPDATE accounts SET created_at = '{}' WHERE id = 'SY0000'",
        old.to_rfc3339()
    ))
    .await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let old_day = old.format("%Y-%m-%d").to_string();
    for (range, days) in [("7d", 7), ("30d", 30), ("90d", 90)] {
        let stats = app
            .get(&format!("/api/v1/dashboard/stats?range={range}"), Some(&sa))
            .await
            .expect(200)
            .clone();
        let series = &stats["time_series"];
        for name in ["accounts_created", "users_created", "audit_by_operation"] {
            let days_listed: Vec<&str> = series[name]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["date"].as_str().unwrap())
                .collect();
            assert_eq!(days_listed.len(), days, "{name} {range}");
            assert_eq!(days_listed.last(), Some(&today.as_str()), "{name}");
            assert!(days_listed.windows(2).all(|w| w[0] < w[1]), "{name}");
        }
        let on = |name: &str, day: &str| {
            series[name]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["date"] == day)
                .cloned()
        };
        assert_eq!(
            on("accounts_created", &today).unwrap()["count"],
            1,
            "{range}"
        );
        assert_eq!(on("users_created", &today).unwrap()["count"], 2, "{range}");
        let old_accounts = on("accounts_created", &old_day).map(|d| d["count"].clone());
        if days == 90 {
            assert_eq!(old_accounts, Some(json!(1)));
        } else {
            assert_eq!(old_accounts, None);
        }
        let audited = on("audit_by_operation", &today).unwrap();
        assert_eq!(
            audited["create"],
            3 + 1,
            "three records and the collection: {audited}"
        );
        assert_eq!(audited["update"], 1, "{audited}");
        assert_eq!(audited["delete"], 1, "{audited}");
        let total: i64 = series["audit_by_operation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["create"].as_i64().unwrap() + d["update"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 5);
    }
});
