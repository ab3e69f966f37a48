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
    assert_eq!(stats["recent_audit_logs"], json!([]));
    assert_eq!(stats["system_health"]["database_status"], "connected");
    assert!(stats["system_health"]["storage_usage_mb"].is_number());
    let recent = stats["recent_registrations"].as_array().unwrap();
    assert_eq!(recent.len(), 3);
    assert_eq!(recent[0]["email"], "b@example.com");
    assert_eq!(recent[0]["account_name"], "Beta");
    app.get("/api/v1/dashboard/stats", None).await.expect(401);
});
