use serde_json::json;

use crate::harness::*;
use crate::{both, both_with};

both_with!(invitations_travel_through_smtp, |app, smtp| {
    let sa = app.superadmin().await;
    let reg = app.register("owner@example.com", "Alpha").await;
    let owner = reg["token"].as_str().unwrap().to_string();
    let editors = app
        .post("/api/v1/groups", Some(&owner), json!({"name": "editors"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role = app
        .post("/api/v1/roles", Some(&sa), json!({"name": "editor"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": "new@example.com", "role_id": role, "groups": [editors]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["role_name"], "editor");
    assert!(inv.get("accept_url").is_none(), "the link travels by mail");
    let message = smtp.wait_for(1).await;
    assert!(
        message.contains("X-Envelope-To: new@example.com"),
        "{message}"
    );
    assert!(message.contains("Alpha"), "{message}");
    let token = token_in(&message);
    assert_eq!(
        app.get("/api/v1/invitations", Some(&owner))
            .await
            .expect(200)["invitations"][0]["email_sent"],
        true
    );

    // The invitee sees what it is for, then accepts with a strong password.
    let public = app
        .get(&format!("/api/v1/invitations/{token}"), None)
        .await
        .expect(200)
        .clone();
    assert_eq!(public["account_name"], "Alpha");
    // The SDK's getPublic reads is_valid and invited_by_name.
    assert_eq!(public["status"], "pending");
    assert_eq!(public["is_valid"], true);
    assert_eq!(public["invited_by_name"], "owner@example.com");
    let accept = format!("/api/v1/invitations/{token}/accept");
    app.post(&accept, None, json!({"password": "weak"}))
        .await
        .expect_error(422, "validation_error");
    let auth = app
        .post(&accept, None, json!({"password": PASSWORD}))
        .await
        .expect(200)
        .clone();
    assert_eq!(auth["user"]["role"], "editor");
    assert_eq!(auth["account"]["id"], "AA0001");
    let me = app
        .get("/api/v1/auth/me", auth["token"].as_str())
        .await
        .expect(200)
        .clone();
    assert_eq!(me["role"], "editor");
    let members = app
        .get(&format!("/api/v1/groups/{editors}/users"), Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!(members[0]["email"], "new@example.com");
    // Single use.
    app.post(&accept, None, json!({"password": PASSWORD}))
        .await
        .expect_error(404, "not_found");
    let spent = app
        .get(&format!("/api/v1/invitations/{token}"), None)
        .await
        .expect(200)
        .clone();
    assert_eq!(spent["status"], "accepted");
    assert_eq!(spent["is_valid"], false);
    app.login("alpha", "new@example.com", PASSWORD)
        .await
        .expect(200);
    let listed = app
        .get("/api/v1/invitations?status=accepted", Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!(listed["total"], 1);
});

both_with!(invitations_are_resent_cancelled_and_guarded, |app, smtp| {
    let sa = app.superadmin().await;
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": "x@example.com"}),
        )
        .await
        .expect(201)
        .clone();
    let id = inv["id"].as_str().unwrap().to_string();
    assert_eq!(inv["role_name"], "user");
    let first = token_in(&smtp.wait_for(1).await);
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "x@example.com"}),
    )
    .await
    .expect_error(409, "conflict");
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "owner@example.com"}),
    )
    .await
    .expect_error(409, "conflict");
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "y@example.com", "role_id": 3}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "y@example.com", "groups": ["nope"]}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "y@example.com", "account_id": "AA0002"}),
    )
    .await
    .expect(403);
    // Other accounts cannot see or touch it; plain users cannot invite.
    app.delete(&format!("/api/v1/invitations/{id}"), Some(&other))
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/v1/invitations", Some(&other))
            .await
            .expect(200)["total"],
        0
    );
    app.post("/api/v1/users", Some(&sa), json!({"email": "plain@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}))
        .await
        .expect(201);
    let plain = app
        .login("alpha", "plain@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/invitations",
        Some(&plain),
        json!({"email": "z@example.com"}),
    )
    .await
    .expect_error(403, "forbidden");

    // Resend: a new token; the old one is dead.
    app.post(
        &format!("/api/v1/invitations/{id}/resend"),
        Some(&owner),
        json!({}),
    )
    .await
    .expect(200);
    let second = token_in(&smtp.wait_for(2).await);
    assert_ne!(first, second);
    app.post(
        &format!("/api/v1/invitations/{first}/accept"),
        None,
        json!({"password": PASSWORD}),
    )
    .await
    .expect(404);
    // Cancel: the token stops working.
    app.delete(&format!("/api/v1/invitations/{id}"), Some(&owner))
        .await
        .expect(204);
    app.post(
        &format!("/api/v1/invitations/{second}/accept"),
        None,
        json!({"password": PASSWORD}),
    )
    .await
    .expect(404);
    assert_eq!(
        app.get("/api/v1/invitations?status=cancelled", Some(&owner))
            .await
            .expect(200)["total"],
        1
    );
    app.get("/api/v1/invitations?status=weird", Some(&owner))
        .await
        .expect(422);
    // An expired invitation cannot be accepted.
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "late@example.com"}),
    )
    .await
    .expect(201);
    let late = token_in(&smtp.wait_for(3).await);
    let past = "2020-01-01T00:00:00Z";
    match &app.state.db {
        snackbase_server::db::Db::Sqlite { write, .. } => {
            sqlx::query("UPDATE invitations SET expires_at = $1 WHERE email = 'late@example.com'")
                .bind(past)
                .execute(write)
                .await
                .unwrap();
        }
        snackbase_server::db::Db::Postgres(pool, ..) => {
            sqlx::query("UPDATE invitations SET expires_at = CAST($1 AS TIMESTAMPTZ) WHERE email = 'late@example.com'")
                .bind(past)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    let res = app
        .post(
            &format!("/api/v1/invitations/{late}/accept"),
            None,
            json!({"password": PASSWORD}),
        )
        .await;
    res.expect_error(404, "not_found");
    assert!(res.json["message"].as_str().unwrap().contains("expired"));
    assert_eq!(
        app.get("/api/v1/invitations?status=expired", Some(&owner))
            .await
            .expect(200)["total"],
        1
    );
    assert_eq!(app.count("users").await, 4);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_the_link_is_returned_to_the_superadmin() {
    let app = TestApp::start(Backend::Sqlite).await;
    let sa = app.superadmin().await;
    app.register("owner@example.com", "Alpha").await;
    let inv = app
        .post(
            "/api/v1/invitations",
            Some(&sa),
            json!({"email": "n@example.com", "account_id": "AA0001"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(inv["email_sent"], false);
    let url = inv["accept_url"].as_str().unwrap();
    let token = url.split("token=").nth(1).unwrap();
    app.post(
        &format!("/api/v1/invitations/{token}/accept"),
        None,
        json!({"password": PASSWORD}),
    )
    .await
    .expect(200);
}

both_with!(email_templates_can_be_changed, |app, smtp| {
    let sa = app.superadmin().await;
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let t = app
        .get("/api/v1/admin/email/templates/invitation", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(t["customized"], false);
    app.put(
        "/api/v1/admin/email/templates/invitation",
        Some(&sa),
        json!({"subject": "Hi", "body": "{{nope}}"}),
    )
    .await
    .expect(422);
    app.put(
        "/api/v1/admin/email/templates/invitation",
        Some(&sa),
        json!({"subject": "Join {{account_name}}!", "body": "Code: {{token}}"}),
    )
    .await
    .expect(200);
    app.put(
        "/api/v1/admin/email/templates/invitation",
        Some(&owner),
        json!({"subject": "x", "body": "y"}),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "q@example.com"}),
    )
    .await
    .expect(201);
    let message = smtp.wait_for(1).await;
    assert!(message.contains("Subject: Join Alpha!"), "{message}");
    assert_eq!(token_in(&message).len(), 64);
});

both_with!(substituted_values_are_not_substituted_again, |app, smtp| {
    // The account name and the inviter's email are the users' own text; a
    // placeholder in them must arrive as written, never as the secret token.
    let owner = app
        .register(
            "boss{{token}}@example.com",
            "Alpha {{token}} {{accept_url}}",
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "new@example.com"}),
    )
    .await
    .expect(201);
    let message = smtp.wait_for(1).await;
    let token = token_in(&message);
    // Unfold headers; undo quoted-printable soft line breaks and the one
    // escape this text needs.
    let flat = message
        .replace("\r\n ", " ")
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        flat.contains("Subject: You are invited to Alpha {{token}} {{accept_url}}"),
        "{flat}"
    );
    assert!(
        flat.contains(
            "boss{{token}}@example.com invited you to join Alpha {{token}} {{accept_url}} on"
        ),
        "{flat}"
    );
    // Plain text, so nothing is HTML-escaped (an HTML body would have to be).
    assert!(flat.contains("Content-Type: text/plain"), "{flat}");
    // Only where the template puts it: the accept link and the code.
    assert_eq!(flat.matches(&token).count(), 2, "{flat}");
    assert!(flat.contains(&format!("accept?token={token}")), "{flat}");
    assert!(
        flat.contains(&format!("Or use this code: {token}")),
        "{flat}"
    );
});

both!(invitations_page_as_the_sdk_asks, |app| {
    // invitations.list sends page/page_size with status_filter; total counts
    // every match, the page holds at most page_size (newest first).
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    for n in 1..=5 {
        app.post(
            "/api/v1/invitations",
            Some(&owner),
            json!({"email": format!("u{n}@example.com")}),
        )
        .await
        .expect(201);
    }
    let emails = |v: &serde_json::Value| -> Vec<String> {
        v["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["email"].as_str().unwrap().to_string())
            .collect()
    };
    let all = app.get("/api/v1/invitations", Some(&owner)).await;
    let all = all.expect(200).clone();
    assert_eq!(all["total"], 5);
    assert_eq!(emails(&all).len(), 5);
    let page = app
        .get(
            "/api/v1/invitations?status_filter=pending&page=2&page_size=2",
            Some(&owner),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(page["total"], 5);
    assert_eq!(emails(&page), emails(&all)[2..4]);
    let last = app
        .get("/api/v1/invitations?page=3&page_size=2", Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!(emails(&last), emails(&all)[4..]);
    let none = app
        .get("/api/v1/invitations?status=accepted&page=1", Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!((none["total"].as_i64(), emails(&none).len()), (Some(0), 0));
    for bad in ["page=0", "page_size=0", "page_size=101"] {
        app.get(&format!("/api/v1/invitations?{bad}"), Some(&owner))
            .await
            .expect_error(422, "validation_error");
    }
});
