use serde_json::json;

use crate::{both, both_config, both_with};

both!(probes_answer, |app| {
    let body = app.get("/health", None).await.expect(200).clone();
    assert_eq!(
        body,
        json!({"status": "healthy", "service": "SnackBase", "version": "0.1.0"})
    );
    assert_eq!(app.get("/live", None).await.expect(200)["status"], "alive");
    let ready = app.get("/ready", None).await.expect(200).clone();
    assert_eq!(ready["database"], "connected");
    assert_eq!(ready["status"], "ready");
    // Local storage answers; no SMTP server is configured.
    assert_eq!(ready["storage"], "reachable");
    assert_eq!(ready["mail"], "not_configured");
    let root = app.get("/api/v1", None).await.expect(200).clone();
    assert_eq!(
        root,
        json!({"name": "SnackBase", "version": "0.1.0", "api_version": "v1"})
    );
    // Trailing slashes are accepted as the same route.
    app.get("/api/v1/", None).await.expect(200);
    app.get("/health/", None).await.expect(200);

    // With the database gone, readiness fails while liveness holds.
    app.state.db.close().await;
    let ready = app.get("/ready", None).await;
    ready.expect(503);
    assert_eq!(ready.json["database"], "disconnected");
    assert_eq!(ready.json["status"], "not_ready");
    assert_eq!(ready.json["storage"], "reachable", "checked on its own");
    app.get("/live", None).await.expect(200);
});

both_with!(ready_reports_the_mail_server, |app, smtp| {
    let ready = app.get("/ready", None).await.expect(200).clone();
    assert_eq!(ready["mail"], "reachable");
    assert_eq!(ready["status"], "ready");
    // The SMTP server goes away: reported, but the node still serves.
    drop(smtp);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let ready = app.get("/ready", None).await.expect(200).clone();
    assert_eq!(ready["mail"], "unreachable");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], "connected");
});

both_config!(
    ready_fails_when_the_file_storage_is_unreachable,
    |c| {
        // An S3 endpoint where nothing listens.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        c.storage =
            snackbase_server::config::StorageBackend::S3(snackbase_server::config::S3Config {
                bucket: "nowhere".into(),
                endpoint: Some(format!("http://127.0.0.1:{port}")),
                region: "us-east-1".into(),
                access_key_id: Some("key".into()),
                secret_access_key: Some(snackbase_server::config::Secret::new("secret")),
                force_path_style: true,
            });
    },
    |app| {
        let ready = app.get("/ready", None).await;
        ready.expect(503);
        assert_eq!(ready.json["storage"], "unreachable");
        assert_eq!(ready.json["database"], "connected");
        assert_eq!(ready.json["status"], "not_ready");
        app.get("/live", None).await.expect(200);
    }
);

both!(errors_use_the_envelope, |app| {
    app.get("/api/v1/nothing-here", None)
        .await
        .expect_error(404, "not_found");
    app.get("/nothing", None)
        .await
        .expect_error(404, "not_found");
    app.delete("/health", None)
        .await
        .expect_error(405, "method_not_allowed");
    app.send(reqwest::Method::PATCH, "/api/v1/auth/login", None, None)
        .await
        .expect_error(405, "method_not_allowed");
});

both!(correlation_ids_and_security_headers, |app| {
    let res = app
        .client
        .get(format!("{}/health", app.base))
        .header("X-Correlation-ID", "my-trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-correlation-id"], "my-trace-42");
    let res = app
        .client
        .get(format!("{}/nope", app.base))
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        generated.starts_with("cid_") && generated.len() == 16,
        "{generated}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers().contains_key("content-security-policy"));
    // A hostile correlation id is replaced, not echoed.
    let res = app
        .client
        .get(format!("{}/health", app.base))
        .header("X-Correlation-ID", "a b<script>")
        .send()
        .await
        .unwrap();
    assert!(res.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .starts_with("cid_"));
});

both!(cors_follows_the_configuration, |app| {
    let res = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/auth/login", app.base),
        )
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let res = app
        .client
        .get(format!("{}/health", app.base))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
});

both!(openapi_describes_the_routes, |app| {
    let doc = app.get("/openapi.json", None).await.expect(200).clone();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/health",
        "/ready",
        "/live",
        "/api/v1",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/accounts",
        "/api/v1/accounts/{account_id}",
        "/api/v1/accounts/{account_id}/users",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/users/{user_id}/password",
        "/api/v1/dashboard/stats",
        "/api/v1/setup",
        "/api/v1/admin/logs",
        "/api/v1/admin/logs/{log_id}",
        "/api/v1/admin/logs/stats",
        "/api/v1/admin/logs/settings",
        "/api/v1/collections/{collection_id}/rules",
        "/api/v1/migrations",
        "/api/v1/migrations/current",
        "/api/v1/migrations/history",
        "/api/v1/admin/email/templates/render",
        "/api/v1/admin/email/templates/{key}/test",
        "/api/v1/admin/email/logs",
        "/api/v1/admin/email/logs/{log_id}",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    assert!(paths["/api/v1/users/{user_id}"].get("patch").is_some());
    assert!(paths["/api/v1/admin/logs/settings"].get("patch").is_some());
    assert!(paths["/api/v1/webhooks/{webhook_id}"].get("put").is_some());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger-ui-bundle.js"));
    let bundle = app
        .client
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(bundle.text().await.unwrap().len() > 100_000);
});
