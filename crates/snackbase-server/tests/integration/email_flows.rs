//! Email verification and password reset: links through a real SMTP server,
//! single use, expiry, sessions ended by a reset, the per-account requirement,
//! the administrator's part, no user enumeration, the mail limit, and hostile
//! input.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::*;
use crate::{both, both_with};

const NEW_PASSWORD: &str = "Another-Horse-77!";

/// Creates `email` in AA0001 as the superadmin; returns its id.
async fn create_user(app: &TestApp, sa: &str, email: &str) -> String {
    app.post(
        "/api/v1/users",
        Some(sa),
        json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn message_of(r: &Response) -> String {
    r.json["message"].as_str().unwrap_or_default().to_string()
}

/// Waits a moment and asserts that exactly `n` messages arrived.
async fn assert_mail_count(smtp: &SmtpSink, n: usize) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(smtp.messages().len(), n, "{:#?}", smtp.messages());
}

both_with!(password_reset_by_email, |app, smtp| {
    let reg = app.register("a@example.com", "Alpha").await;
    let refresh = reg["refresh_token"].as_str().unwrap().to_string();
    let access = reg["token"].as_str().unwrap().to_string();

    // Someone who exists and someone who does not get the same answer.
    let known = app
        .post(
            "/api/v1/auth/forgot-password",
            None,
            json!({"email": "a@EXAMPLE.com", "account": "AA0001"}),
        )
        .await;
    known.expect(200);
    let unknown = app
        .post(
            "/api/v1/auth/forgot-password",
            None,
            json!({"email": "nobody@example.com", "account": "alpha"}),
        )
        .await;
    unknown.expect(200);
    assert_eq!(known.json, unknown.json);
    let message = smtp.wait_for(1).await;
    assert!(
        message.contains("X-Envelope-To: a@example.com"),
        "{message}"
    );
    assert!(
        message.contains("/admin/reset-password?token="),
        "{message}"
    );
    assert_mail_count(&smtp, 1).await;
    let first = token_in(&message);

    // A second request replaces the first link.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": "a@example.com", "account": "alpha"}),
    )
    .await
    .expect(200);
    let token = token_in(&smtp.wait_for(2).await);
    assert_ne!(first, token);
    let stale = app
        .get(&format!("/api/v1/auth/verify-reset-token/{first}"), None)
        .await;
    assert_eq!(stale.expect(200)["valid"], false);

    let status = app
        .get(&format!("/api/v1/auth/verify-reset-token/{token}"), None)
        .await
        .expect(200)
        .clone();
    assert_eq!(status["valid"], true);
    assert_eq!(status["email"], "a@example.com");
    let expires = chrono::DateTime::parse_from_rfc3339(status["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let left = expires - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(25) && left <= chrono::Duration::minutes(30),
        "{left}"
    );
    let made_up = "ab".repeat(32);
    let none = app
        .get(&format!("/api/v1/auth/verify-reset-token/{made_up}"), None)
        .await;
    assert_eq!(none.expect(200)["valid"], false);
    assert_eq!(none.json["email"], Value::Null);

    // A weak password is refused and leaves the link usable.
    let weak = app
        .post(
            "/api/v1/auth/reset-password",
            None,
            json!({"token": token, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        weak.expect_error(422, "validation_error")["details"][0]["field"],
        "new_password"
    );
    app.post(
        "/api/v1/auth/reset-password",
        None,
        json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect(200);

    // Every session ended; the old password is gone; the new one works.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": refresh}),
    )
    .await
    .expect_error(401, "unauthorized");
    app.get("/api/v1/auth/me", Some(&access))
        .await
        .expect_error(401, "unauthorized");
    app.login("AA0001", "a@example.com", PASSWORD)
        .await
        .expect_error(401, "unauthorized");
    let after = app.login("AA0001", "a@example.com", NEW_PASSWORD).await;
    // The mail reached the address: it counts as verified.
    assert_eq!(after.expect(200)["user"]["email_verified"], true);

    // The link worked once.
    let again = app
        .post(
            "/api/v1/auth/reset-password",
            None,
            json!({"token": token, "new_password": "Third-Horse-99!x"}),
        )
        .await;
    assert!(message_of(&again).contains("invalid or has expired"));
    again.expect_error(400, "bad_request");
    let used = app
        .get(&format!("/api/v1/auth/verify-reset-token/{token}"), None)
        .await;
    assert_eq!(used.expect(200)["valid"], false);
});

both_with!(an_expired_link_is_refused, |app, smtp| {
    app.register("a@example.com", "Alpha").await;
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": "a@example.com", "account": "AA0001"}),
    )
    .await
    .expect(200);
    let token = token_in(&smtp.wait_for(1).await);
    app.exec_elsewhere("UPDATE auth_links SET expires_at = '2000-01-01T00:00:00Z'")
        .await;
    let status = app
        .get(&format!("/api/v1/auth/verify-reset-token/{token}"), None)
        .await;
    assert_eq!(status.expect(200)["valid"], false);
    app.post(
        "/api/v1/auth/reset-password",
        None,
        json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .expect_error(400, "bad_request");
    app.login("AA0001", "a@example.com", PASSWORD)
        .await
        .expect(200);
});

both_with!(an_account_can_require_verified_addresses, |app, smtp| {
    let sa = app.superadmin().await;
    app.register("a@example.com", "Alpha").await;
    create_user(&app, &sa, "u@example.com").await;
    let account = app.get("/api/v1/accounts/AA0001", Some(&sa)).await;
    assert_eq!(
        account.expect(200)["require_email_verification"],
        Value::Null
    );
    assert_eq!(account.json["email_verification_required"], false);
    // Nothing required yet: an unverified user logs in.
    let before = app.login("AA0001", "u@example.com", PASSWORD).await;
    assert_eq!(before.expect(200)["user"]["email_verified"], false);

    let set = app
        .put(
            "/api/v1/accounts/AA0001",
            Some(&sa),
            json!({"require_email_verification": true}),
        )
        .await;
    assert_eq!(set.expect(200)["require_email_verification"], true);
    assert_eq!(set.json["email_verification_required"], true);
    assert_eq!(set.json["name"], "Alpha", "the name stays");

    // The right password is told about verification; a wrong one is not.
    let refused = app.login("AA0001", "u@example.com", PASSWORD).await;
    refused.expect_error(401, "unauthorized");
    assert_eq!(
        message_of(&refused),
        "Email not verified. Please check your email inbox."
    );
    let wrong = app
        .login("AA0001", "u@example.com", "Wrong-Password-1!")
        .await;
    assert_eq!(message_of(&wrong), "Invalid credentials");
    // The superadmin's account never needs it.
    app.login("system", ADMIN_EMAIL, PASSWORD).await.expect(200);

    // Ask for a link by address (the account in the header), use it.
    let r = app
        .client
        .post(format!("{}/api/v1/auth/send-verification", app.base))
        .header("X-Account-ID", "AA0001")
        .json(&json!({"email": "u@example.com"}))
        .send()
        .await
        .unwrap();
    TestApp::read(r).await.expect(200);
    let message = smtp.wait_for(1).await;
    assert!(
        message.contains("X-Envelope-To: u@example.com"),
        "{message}"
    );
    assert!(message.contains("/admin/verify-email?token="), "{message}");
    let token = token_in(&message);
    let verified = app
        .post("/api/v1/auth/verify-email", None, json!({"token": token}))
        .await;
    assert_eq!(verified.expect(200)["email"], "u@example.com");
    let login = app.login("AA0001", "u@example.com", PASSWORD).await;
    assert_eq!(login.expect(200)["user"]["email_verified"], true);
    let token = login.json["token"].as_str().unwrap();
    let me = app.get("/api/v1/auth/me", Some(token)).await;
    assert_eq!(me.expect(200)["user"]["email_verified"], true);
    assert!(login.json["user"]["email_verified_at"].is_string());
    // Once only.
    app.post("/api/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .expect_error(400, "bad_request");
    // A verified user is sent nothing more.
    app.post(
        "/api/v1/auth/send-verification",
        None,
        json!({"email": "u@example.com", "account": "alpha"}),
    )
    .await
    .expect(200);
    assert_mail_count(&smtp, 1).await;

    // A new address is unverified again.
    let id = app.user_by_email(&sa, "u@example.com").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let changed = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&sa),
            json!({"email": "u2@example.com"}),
        )
        .await;
    assert_eq!(changed.expect(200)["email_verified"], false);
    assert_eq!(changed.json["email_verified_at"], Value::Null);
    app.login("AA0001", "u2@example.com", PASSWORD)
        .await
        .expect_error(401, "unauthorized");

    // Back to the server default (not required).
    let reset = app
        .put(
            "/api/v1/accounts/AA0001",
            Some(&sa),
            json!({"require_email_verification": null}),
        )
        .await;
    assert_eq!(reset.expect(200)["require_email_verification"], Value::Null);
    app.login("AA0001", "u2@example.com", PASSWORD)
        .await
        .expect(200);
});

both_with!(a_link_for_an_old_address_is_worthless, |app, smtp| {
    let sa = app.superadmin().await;
    app.register("a@example.com", "Alpha").await;
    let id = create_user(&app, &sa, "u@example.com").await;
    app.post(
        &format!("/api/v1/users/{id}/resend-verification"),
        Some(&sa),
        json!({}),
    )
    .await
    .expect(200);
    let token = token_in(&smtp.wait_for(1).await);
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&sa),
        json!({"email": "other@example.com"}),
    )
    .await
    .expect(200);
    app.post("/api/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .expect_error(400, "bad_request");
    assert_eq!(
        app.user_by_email(&sa, "other@example.com").await["email_verified"],
        false
    );
});

both_with!(administrators_verify_and_send_links, |app, smtp| {
    let sa = app.superadmin().await;
    let (alpha, beta) = app.alpha_and_beta().await;
    let id = create_user(&app, &sa, "u@example.com").await;

    // Beta's admin cannot reach Alpha's user.
    for path in ["verify", "resend-verification"] {
        app.post(
            &format!("/api/v1/users/{id}/{path}"),
            Some(&beta),
            json!({}),
        )
        .await
        .expect_error(404, "not_found");
    }
    app.put(
        &format!("/api/v1/users/{id}/password"),
        Some(&beta),
        json!({"send_reset_link": true}),
    )
    .await
    .expect_error(404, "not_found");
    assert_mail_count(&smtp, 0).await;

    // Alpha's admin mails a verification link; with SMTP there is no link in the reply.
    let sent = app
        .post(
            &format!("/api/v1/users/{id}/resend-verification"),
            Some(&alpha),
            json!({}),
        )
        .await;
    assert!(sent.expect(200).get("link").is_none());
    assert!(message_of(&sent).contains("u@example.com"));
    let message = smtp.wait_for(1).await;
    assert!(
        message.contains("X-Envelope-To: u@example.com"),
        "{message}"
    );

    // Marking verified needs no mail; a second resend is a conflict.
    app.post(
        &format!("/api/v1/users/{id}/verify"),
        Some(&alpha),
        json!({}),
    )
    .await
    .expect(200);
    let row = app.user_by_email(&sa, "u@example.com").await;
    assert_eq!(row["email_verified"], true);
    app.post(
        &format!("/api/v1/users/{id}/resend-verification"),
        Some(&alpha),
        json!({}),
    )
    .await
    .expect_error(409, "conflict");

    // A reset link instead of a password.
    app.put(
        &format!("/api/v1/users/{id}/password"),
        Some(&sa),
        json!({"send_reset_link": true}),
    )
    .await
    .expect(200);
    let token = token_in(&smtp.wait_for(2).await);
    app.post(
        "/api/v1/auth/reset-password",
        None,
        json!({"token": token, "newPassword": NEW_PASSWORD}),
    )
    .await
    .expect(200);
    app.login("AA0001", "u@example.com", NEW_PASSWORD)
        .await
        .expect(200);

    // The signed-in user asks for their own link.
    app.register("c@example.com", "Gamma").await;
    let gamma = app
        .login("AA0003", "c@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mine = app
        .post("/api/v1/auth/resend-verification", Some(&gamma), json!({}))
        .await;
    assert!(message_of(&mine).contains("c@example.com"));
    let message = smtp.wait_for(3).await;
    assert!(
        message.contains("X-Envelope-To: c@example.com"),
        "{message}"
    );
    app.post(
        "/api/v1/auth/verify-email",
        None,
        json!({"token": token_in(&message)}),
    )
    .await
    .expect(200);
    let done = app
        .post("/api/v1/auth/resend-verification", Some(&gamma), json!({}))
        .await;
    assert_eq!(message_of(&done), "Your email address is already verified");
    app.post("/api/v1/auth/resend-verification", None, json!({}))
        .await
        .expect_error(401, "unauthorized");
});

both!(without_smtp_the_superadmin_gets_the_link, |app| {
    let sa = app.superadmin().await;
    let alpha = app.register("a@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let id = create_user(&app, &sa, "u@example.com").await;
    let own = app
        .post(
            &format!("/api/v1/users/{id}/resend-verification"),
            Some(&alpha),
            json!({}),
        )
        .await;
    assert!(
        own.expect(200).get("link").is_none(),
        "only the superadmin sees links"
    );
    let r = app
        .post(
            &format!("/api/v1/users/{id}/resend-verification"),
            Some(&sa),
            json!({}),
        )
        .await;
    let link = r.expect(200)["link"].as_str().unwrap().to_string();
    assert!(link.contains("/admin/verify-email?token="), "{link}");
    // On the port the server is bound to (the configured one is 0 here).
    let port = app.base.rsplit(':').next().unwrap();
    assert!(
        link.contains(&format!(":{port}/admin/")),
        "{link} vs {}",
        app.base
    );
    // Only the newest link works.
    let token = link.split("token=").nth(1).unwrap();
    app.post("/api/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .expect(200);
    let r = app
        .put(
            &format!("/api/v1/users/{id}/password"),
            Some(&sa),
            json!({"send_reset_link": true}),
        )
        .await;
    let link = r.expect(200)["link"].as_str().unwrap().to_string();
    assert!(link.contains("/admin/reset-password?token="), "{link}");
});

both_with!(
    registration_waits_for_verification_when_the_server_requires_it,
    |c| c.auth_flows.require_email_verification = true,
    |app, smtp| {
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "a@example.com", "password": PASSWORD, "account_name": "Alpha"}),
            )
            .await;
        r.expect(201);
        assert!(r.json.get("token").is_none(), "{}", r.text);
        assert_eq!(r.json["user"]["email_verified"], false);
        assert_eq!(r.json["account"]["id"], "AA0001");
        let message = smtp.wait_for(1).await;
        assert!(
            message.contains("X-Envelope-To: a@example.com"),
            "{message}"
        );
        let refused = app.login("AA0001", "a@example.com", PASSWORD).await;
        assert!(message_of(&refused).contains("Email not verified"));
        app.post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token_in(&message)}),
        )
        .await
        .expect(200);
        app.login("AA0001", "a@example.com", PASSWORD)
            .await
            .expect(200);
        // An account may opt out of the server's default.
        let sa = app.superadmin().await;
        let detail = app.get("/api/v1/accounts/AA0001", Some(&sa)).await;
        assert_eq!(detail.expect(200)["email_verification_required"], true);
    }
);

both_with!(
    mail_requests_are_limited_per_address_whoever_it_is,
    |c| {
        c.rate_limits.enabled = true;
        c.rate_limits.per_minute = 100_000;
        c.rate_limits.per_hour = 1_000_000;
        c.rate_limits.auth_per_minute = 100_000;
        c.rate_limits.mail_per_hour = 2;
    },
    |app, smtp| {
        app.register("a@example.com", "Alpha").await;
        for email in ["a@example.com", "nobody@example.com"] {
            for _ in 0..2 {
                app.post(
                    "/api/v1/auth/forgot-password",
                    None,
                    json!({"email": email, "account": "AA0001"}),
                )
                .await
                .expect(200);
            }
            let third = app
                .post(
                    "/api/v1/auth/forgot-password",
                    None,
                    json!({"email": email, "account": "AA0001"}),
                )
                .await;
            third.expect_error(429, "too_many_requests");
            assert!(third.headers.get("retry-after").is_some());
        }
        assert_mail_count(&smtp, 2).await;
    }
);

both!(hostile_input_gets_a_clear_4xx, |app| {
    app.register("a@example.com", "Alpha").await;
    let long = "a".repeat(2048);
    for token in [long.as_str(), "", "' OR 1=1 --", "../../etc/passwd"] {
        app.post("/api/v1/auth/verify-email", None, json!({"token": token}))
            .await
            .expect_error(400, "bad_request");
        app.post(
            "/api/v1/auth/reset-password",
            None,
            json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await
        .expect_error(400, "bad_request");
    }
    let r = app
        .get(&format!("/api/v1/auth/verify-reset-token/{long}"), None)
        .await;
    assert_eq!(r.expect(200)["valid"], false);
    // Missing or malformed pieces.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": "a@example.com"}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": "not an address", "account": "AA0001"}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post(
        "/api/v1/auth/send-verification",
        None,
        json!({"email": "a@example.com", "account": "AA0001", "admin": true}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post("/api/v1/auth/verify-email", None, json!({}))
        .await
        .expect_error(422, "validation_error");
    // The account names an unknown tenant: the same 200 as for a known one.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": "a@example.com", "account": "ZZ9999' OR '1'='1"}),
    )
    .await
    .expect(200);
    // Nothing changed: the password still works.
    app.login("AA0001", "a@example.com", PASSWORD)
        .await
        .expect(200);
});
