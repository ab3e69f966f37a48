//! The SDK's email calls: render, test sends through a real SMTP server, and
//! the log of every mail sent.

use serde_json::json;

use crate::{both, both_config, both_with};

both!(render_fills_variables_and_overrides, |app| {
    let sa = app.superadmin().await;
    let r = app
        .post(
            "/api/v1/admin/email/templates/render",
            Some(&sa),
            json!({"template_type": "invitation", "locale": "en",
                   "variables": {"account_name": "Acme <Labs>", "accept_url": "https://x.io/a", "token": 7}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["subject"], "You are invited to Acme <Labs>");
    let text = r["text_body"].as_str().unwrap();
    assert!(
        text.contains("https://x.io/a") && text.contains("code: 7"),
        "{text}"
    );
    let html = r["html_body"].as_str().unwrap();
    assert!(
        html.contains("Acme &lt;Labs&gt;") && html.contains("<br>"),
        "{html}"
    );
    let r = app
        .post(
            "/api/v1/admin/email/templates/render",
            Some(&sa),
            json!({"template_type": "invitation", "locale": "en", "variables": {"name": "<b>"},
                   "subject": "Hi {{name}}", "html_body": "<p>{{name}}</p>", "text_body": "T {{name}}"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        r,
        json!({"subject": "Hi <b>", "html_body": "<p>&lt;b&gt;</p>", "text_body": "T <b>"})
    );
    // Bad input.
    app.post(
        "/api/v1/admin/email/templates/render",
        Some(&sa),
        json!({"template_type": "nope", "variables": {}}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post(
        "/api/v1/admin/email/templates/render",
        Some(&sa),
        json!({"variables": {}}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/admin/email/templates/render",
        Some(&sa),
        json!({"template_type": "invitation", "variables": []}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/admin/email/templates/render",
        Some(&sa),
        json!({"template_type": "invitation", "variables": {"a": "x\ny"}, "subject": "{{a}}"}),
    )
    .await
    .expect(422);
    // The existing template routes still answer.
    app.get("/api/v1/admin/email/templates/invitation", Some(&sa))
        .await
        .expect(200);
    app.get("/api/v1/admin/email/templates", Some(&sa))
        .await
        .expect(200);
});

both!(email_routes_are_for_the_superadmin, |app| {
    let admin = app.register("admin@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/admin/email/templates/render",
        Some(&admin),
        json!({"template_type": "invitation", "variables": {}}),
    )
    .await
    .expect_error(403, "forbidden");
    app.post(
        "/api/v1/admin/email/templates/invitation/test",
        Some(&admin),
        json!({"recipient_email": "a@b.io", "variables": {}}),
    )
    .await
    .expect_error(403, "forbidden");
    app.get("/api/v1/admin/email/logs", Some(&admin))
        .await
        .expect_error(403, "forbidden");
    app.get("/api/v1/admin/email/logs/x", Some(&admin))
        .await
        .expect_error(403, "forbidden");
    app.get("/api/v1/admin/email/logs", None).await.expect(401);
    // Without SMTP, a test send is refused, not attempted.
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/admin/email/templates/invitation/test",
        Some(&sa),
        json!({"recipient_email": "a@b.io", "variables": {}}),
    )
    .await
    .expect(422);
});

both_with!(test_sends_and_invitations_are_logged, |app, smtp| {
    let sa = app.superadmin().await;
    let r = app
        .post(
            "/api/v1/admin/email/templates/invitation/test",
            Some(&sa),
            json!({"recipient_email": "dest@example.com", "variables": {"account_name": "Acme", "token": "s3cret"}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["status"], "sent");
    assert_eq!(r["template_type"], "invitation");
    assert_eq!(r["locale"], "en");
    let message = smtp.wait_for(1).await;
    assert!(message.contains("dest@example.com") && message.contains("You are invited to Acme"));
    // An invitation is logged too.
    app.register("admin@example.com", "Alpha").await;
    app.post(
        "/api/v1/invitations",
        Some(&sa),
        json!({"email": "new@example.com", "account_id": "AA0001"}),
    )
    .await
    .expect(201);
    smtp.wait_for(2).await;
    let mut logs = serde_json::Value::Null;
    for _ in 0..50 {
        logs = app
            .get("/api/v1/admin/email/logs", Some(&sa))
            .await
            .expect(200)
            .clone();
        if logs["total"] == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(logs["total"], 2, "{logs}");
    assert_eq!(logs["page"], 1);
    assert_eq!(logs["page_size"], 25);
    let newest = &logs["logs"][0];
    assert_eq!(newest["recipient_email"], "new@example.com");
    assert_eq!(newest["account_id"], "AA0001");
    assert_eq!(newest["status"], "sent", "{newest}");
    assert_eq!(newest["provider"], "smtp");
    // Tokens and links are never stored.
    assert_eq!(newest["variables"]["token"], "[redacted]");
    assert_eq!(newest["variables"]["accept_url"], "[redacted]");
    assert_eq!(newest["variables"]["account_name"], "Alpha");
    let test = &logs["logs"][1];
    assert_eq!(test["variables"]["token"], "[redacted]");
    let id = test["id"].as_str().unwrap();
    let one = app
        .get(&format!("/api/v1/admin/email/logs/{id}"), Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(one["recipient_email"], "dest@example.com");
    assert_eq!(one["subject"], "You are invited to Acme");
    // Filters.
    let q = |s: &str| format!("/api/v1/admin/email/logs?{s}");
    assert_eq!(
        app.get(&q("status_filter=failed"), Some(&sa))
            .await
            .expect(200)["total"],
        0
    );
    assert_eq!(
        app.get(&q("status_filter=sent&template_type=invitation"), Some(&sa))
            .await
            .expect(200)["total"],
        2
    );
    assert_eq!(
        app.get(&q("template_type=other"), Some(&sa))
            .await
            .expect(200)["total"],
        0
    );
    assert_eq!(
        app.get(&q("start_date=2000-01-01&end_date=2999-01-01"), Some(&sa))
            .await
            .expect(200)["total"],
        2
    );
    assert_eq!(
        app.get(&q("end_date=2000-01-01T00:00:00Z"), Some(&sa))
            .await
            .expect(200)["total"],
        0
    );
    let page = app
        .get(&q("page=2&page_size=1"), Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(page["logs"][0]["id"], id);
    for bad in [
        "status_filter=lost",
        "start_date=yesterday",
        "page=0",
        "page_size=1000",
    ] {
        app.get(&q(bad), Some(&sa))
            .await
            .expect_error(422, "validation_error");
    }
    app.get("/api/v1/admin/email/logs/nope", Some(&sa))
        .await
        .expect_error(404, "not_found");
    // Bad test requests.
    app.post(
        "/api/v1/admin/email/templates/invitation/test",
        Some(&sa),
        json!({"recipient_email": "not an address", "variables": {}}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/admin/email/templates/invitation/test",
        Some(&sa),
        json!({"recipient_email": "a@b.io", "provider": "ses"}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/admin/email/templates/nope/test",
        Some(&sa),
        json!({"recipient_email": "a@b.io"}),
    )
    .await
    .expect(404);
});

both_config!(
    failed_sends_are_logged_as_failed,
    |c| {
        // Nothing listens on port 1.
        c.smtp = Some(snackbase_server::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: 1,
            username: None,
            password: None,
            from: "SnackBase <noreply@example.com>".into(),
            security: snackbase_server::config::SmtpSecurity::None,
            public_only: false,
        });
    },
    |app| {
        let sa = app.superadmin().await;
        let r = app
            .post(
                "/api/v1/admin/email/templates/invitation/test",
                Some(&sa),
                json!({"recipient_email": "dest@example.com"}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(r["status"], "failed");
        let logs = app
            .get("/api/v1/admin/email/logs?status_filter=failed", Some(&sa))
            .await
            .expect(200)
            .clone();
        assert_eq!(logs["total"], 1);
        assert!(logs["logs"][0]["error_message"].is_string());
    }
);
