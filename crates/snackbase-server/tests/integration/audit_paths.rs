//! The audit trail of every non-record change: auth events in the user's
//! account chain, users, roles and permissions, groups, invitations, macros,
//! webhooks, API keys, accounts, collections, provider configurations and
//! the request-log settings, the first-run setup, second factors and
//! imports. Each entry is written in the change's
//! transaction (a refused change leaves none), names who did it and the
//! request, masks secrets, and the chains still verify.

use serde_json::{json, Value};

use crate::both_config;
use crate::harness::*;

fn audited(c: &mut snackbase_server::config::Config) {
    c.audit_enabled = true;
    c.webhooks_allow_private_networks = true;
}

/// The entries a caller sees with `query`, and the response text.
async fn entries(app: &TestApp, token: &str, query: &str) -> (Vec<Value>, String) {
    let r = app
        .get(
            &format!("/api/v1/audit-logs?limit=500&{query}"),
            Some(token),
        )
        .await;
    let items = r.expect(200)["items"].as_array().unwrap().clone();
    (items, r.text)
}

/// The entry of `operation` on `record` for `column` (`None`: the event's
/// entry without a column); panics with what there is.
#[track_caller]
fn entry<'a>(items: &'a [Value], operation: &str, record: &str, column: Option<&str>) -> &'a Value {
    items
        .iter()
        .find(|e| {
            e["operation"] == operation
                && e["record_id"] == record
                && e["column_name"].as_str() == column
        })
        .unwrap_or_else(|| {
            panic!(
                "no {operation} of {record} ({column:?}) in {}",
                serde_json::to_string_pretty(items).unwrap()
            )
        })
}

fn count(items: &[Value], operation: &str, record: &str) -> usize {
    items
        .iter()
        .filter(|e| e["operation"] == operation && e["record_id"] == record)
        .count()
}

#[track_caller]
fn by_request(e: &Value, email: &str) {
    assert_eq!(e["user_email"], email, "{e}");
    assert!(
        e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "no request id: {e}"
    );
}

async fn verifies(app: &TestApp, sa: &str) {
    let report = app.get("/api/v1/audit-logs/verify", Some(sa)).await;
    assert_eq!(report.expect(200)["ok"], true, "{}", report.text);
}

async fn create_user(app: &TestApp, sa: &str, email: &str, role: &str) -> String {
    app.post(
        "/api/v1/users",
        Some(sa),
        json!({"email": email, "password": PASSWORD, "account_id": "AA0001", "role": role}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn token_of(link: &Value) -> String {
    link.as_str()
        .and_then(|l| l.split("token=").nth(1))
        .expect("a link with a token")
        .to_string()
}

both_config!(
    auth_events_are_recorded_in_the_users_chain,
    audited,
    |app| {
        let sa = app.superadmin().await;
        let (alpha, beta) = app.alpha_and_beta().await;
        let a_id = claims_of(&alpha)["user_id"].as_str().unwrap().to_string();
        let u_id = create_user(&app, &sa, "u@example.com", "user").await;

        // Failures: a wrong password, an unknown user.
        app.login("AA0001", "a@example.com", "Wrong-Password-1!")
            .await
            .expect(401);
        app.login("AA0001", "nobody@example.com", "Wrong-Password-1!")
            .await
            .expect(401);
        // A login, a refresh token used twice, a logout.
        let session = app
            .login("AA0001", "a@example.com", PASSWORD)
            .await
            .expect(200)
            .clone();
        let refresh = session["refresh_token"].as_str().unwrap().to_string();
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await
        .expect(200);
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await
        .expect(401);
        let other = app
            .login("AA0001", "a@example.com", PASSWORD)
            .await
            .expect(200)["token"]
            .as_str()
            .unwrap()
            .to_string();
        app.post("/api/v1/auth/logout", Some(&other), json!({}))
            .await
            .expect(204);
        // An impersonation, a password reset and an email verification by link.
        app.post(
            &format!("/api/v1/users/{u_id}/impersonate"),
            Some(&sa),
            json!({}),
        )
        .await
        .expect(200);
        let verify = app
            .post(
                &format!("/api/v1/users/{u_id}/resend-verification"),
                Some(&sa),
                json!({}),
            )
            .await;
        let verify = token_of(&verify.expect(200)["link"]);
        app.post("/api/v1/auth/verify-email", None, json!({"token": verify}))
            .await
            .expect(200);

        let reset = app
            .put(
                &format!("/api/v1/users/{u_id}/password"),
                Some(&sa),
                json!({"send_reset_link": true}),
            )
            .await;
        let reset = token_of(&reset.expect(200)["link"]);
        app.post(
            "/api/v1/auth/reset-password",
            None,
            json!({"token": reset, "new_password": "Another-Horse-43!"}),
        )
        .await
        .expect(200);
        let (items, text) = entries(&app, &sa, "table_name=auth").await;
        let failed = entry(&items, "LOGIN_FAILED", &a_id, None);
        by_request(failed, "a@example.com");
        assert_eq!(failed["account_id"], "AA0001");
        assert_eq!(failed["extra_metadata"]["reason"], "wrong_password");
        let unknown = entry(&items, "LOGIN_FAILED", "nobody@example.com", None);
        assert_eq!(unknown["account_id"], "AA0001");
        assert_eq!(unknown["extra_metadata"]["reason"], "unknown_user");
        let login = entry(&items, "LOGIN", &a_id, None);
        by_request(login, "a@example.com");
        assert_eq!(login["user_id"], a_id.as_str());
        assert_eq!(login["account_id"], "AA0001");
        by_request(entry(&items, "REFRESH_REUSE", &a_id, None), "a@example.com");
        by_request(entry(&items, "LOGOUT", &a_id, None), "a@example.com");
        let impersonate = entry(&items, "IMPERSONATE", &u_id, None);
        by_request(impersonate, ADMIN_EMAIL);
        assert_eq!(impersonate["account_id"], "AA0001");
        assert_eq!(impersonate["extra_metadata"]["impersonated"], u_id.as_str());
        by_request(
            entry(&items, "PASSWORD_RESET", &u_id, None),
            "u@example.com",
        );
        by_request(
            entry(&items, "EMAIL_VERIFIED", &u_id, None),
            "u@example.com",
        );
        // The superadmin's own logins are system events.
        let sa_login = items
            .iter()
            .find(|e| e["operation"] == "LOGIN" && e["user_email"] == ADMIN_EMAIL)
            .expect("the superadmin's login");
        assert!(sa_login["account_id"].is_null(), "{sa_login}");
        // Neither passwords nor tokens are written.
        let secrets = [
            PASSWORD,
            "Wrong-Password-1!",
            "Another-Horse-43!",
            refresh.as_str(),
            reset.as_str(),
        ];
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in the audit trail");
        }

        // Beta's admin sees Beta's entries only.
        app.login("AA0002", "b@example.com", PASSWORD)
            .await
            .expect(200);
        let (theirs, _) = entries(&app, &beta, "").await;
        assert!(!theirs.is_empty());
        assert!(
            theirs.iter().all(|e| e["account_id"] == "AA0002"),
            "{theirs:?}"
        );
        app.get("/api/v1/audit-logs?account_id=AA0001", Some(&beta))
            .await
            .expect(403);
        verifies(&app, &sa).await;
    }
);

both_config!(user_changes_are_recorded_and_masked, audited, |app| {
    let sa = app.superadmin().await;
    let (_, beta) = app.alpha_and_beta().await;
    let id = create_user(&app, &sa, "u@example.com", "user").await;
    // A duplicate is refused and leaves nothing.
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
    )
    .await
    .expect(409);
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&sa),
        json!({"role": "admin"}),
    )
    .await
    .expect(200);
    app.post(&format!("/api/v1/users/{id}/verify"), Some(&sa), json!({}))
        .await
        .expect(200);
    app.put(
        &format!("/api/v1/users/{id}/password"),
        Some(&sa),
        json!({"new_password": "Brand-New-Pass-7!"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/users/{id}"), Some(&sa))
        .await
        .expect(204);

    let (items, text) = entries(&app, &sa, "table_name=users").await;
    let created = entry(&items, "CREATE", &id, Some("email"));
    by_request(created, ADMIN_EMAIL);
    assert_eq!(created["new_value"], "u@example.com");
    assert_eq!(created["account_id"], "AA0001");
    assert_eq!(
        items
            .iter()
            .filter(|e| e["operation"] == "CREATE" && e["column_name"] == "email")
            .filter(|e| e["new_value"] == "u@example.com")
            .count(),
        1,
        "the refused duplicate left an entry"
    );
    let role = entry(&items, "UPDATE", &id, Some("role_name"));
    assert_eq!(role["old_value"], "user");
    assert_eq!(role["new_value"], "admin");
    let verified = entry(&items, "UPDATE", &id, Some("email_verified"));
    assert_eq!(verified["old_value"], "false");
    assert_eq!(verified["new_value"], "true");
    let password = entry(&items, "UPDATE", &id, Some("password"));
    by_request(password, ADMIN_EMAIL);
    assert_eq!(password["old_value"], "***");
    assert_eq!(password["new_value"], "***");
    let deleted = entry(&items, "DELETE", &id, Some("is_active"));
    assert_eq!(deleted["old_value"], "true");
    assert_eq!(deleted["new_value"], "false");
    assert!(!text.contains("Brand-New-Pass-7!"));
    assert!(!text.contains(PASSWORD));
    assert!(!text.contains("$argon2"), "a password hash in the trail");

    // Alpha's users are not Beta's business.
    let (theirs, _) = entries(&app, &beta, "table_name=users").await;
    assert_eq!(count(&theirs, "CREATE", &id), 0);
    assert!(theirs.iter().all(|e| e["account_id"] == "AA0002"));
    verifies(&app, &sa).await;
});

both_config!(roles_and_permissions_are_system_events, audited, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    app.post("/api/v1/collections", t, crate::collections::posts_schema())
        .await
        .expect(201);
    let role = app
        .post("/api/v1/roles", t, json!({"name": "editor"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let rid = role.to_string();
    app.put(
        &format!("/api/v1/roles/{role}"),
        t,
        json!({"name": "writer", "description": "Writes"}),
    )
    .await
    .expect(200);
    // A refused change (a built-in role) leaves nothing.
    app.delete("/api/v1/roles/2", t).await.expect(422);
    app.put(
        &format!("/api/v1/roles/{role}/permissions/bulk"),
        t,
        json!({"updates": [
            {"collection": "posts", "operation": "read", "rule": "true", "fields": "*"},
            {"collection": "posts", "operation": "create", "rule": "true", "fields": "*"}]}),
    )
    .await
    .expect(200);
    let wildcard = app
        .post(
            "/api/v1/permissions",
            t,
            json!({"role_id": role, "collection": "*", "rules": {"read": {"rule": "true", "fields": "*"}}}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap()
        .to_string();
    // A refused rule leaves nothing either.
    app.post(
        "/api/v1/permissions",
        t,
        json!({"role_id": 2, "collection": "posts", "rules": {"read": {"rule": "record.title & 'x'"}}}),
    )
    .await
    .expect(422);
    app.delete(&format!("/api/v1/permissions/{wildcard}"), t)
        .await
        .expect(204);

    let (roles, _) = entries(&app, &sa, "table_name=roles").await;
    let created = entry(&roles, "CREATE", &rid, Some("name"));
    by_request(created, ADMIN_EMAIL);
    assert!(created["account_id"].is_null(), "global: the system chain");
    let renamed = entry(&roles, "UPDATE", &rid, Some("name"));
    assert_eq!(renamed["old_value"], "editor");
    assert_eq!(renamed["new_value"], "writer");
    assert_eq!(count(&roles, "DELETE", "2"), 0);

    let (perms, _) = entries(&app, &sa, "table_name=permissions").await;
    let created = perms
        .iter()
        .filter(|e| e["operation"] == "CREATE" && e["column_name"] == "rules")
        .count();
    assert_eq!(created, 2, "one per permission, none refused: {perms:?}");
    let bulk = perms
        .iter()
        .find(|e| {
            e["operation"] == "CREATE"
                && e["column_name"] == "collection"
                && e["new_value"] == "posts"
        })
        .expect("the bulk update's permission");
    by_request(bulk, ADMIN_EMAIL);
    let rules = perms
        .iter()
        .find(|e| e["record_id"] == bulk["record_id"] && e["column_name"] == "rules")
        .unwrap();
    let rules: Value = serde_json::from_str(rules["new_value"].as_str().unwrap()).unwrap();
    assert_eq!(rules["read"]["rule"], "true");
    assert_eq!(rules["create"]["rule"], "true");
    entry(&perms, "DELETE", &wildcard, Some("rules"));
    assert!(perms.iter().all(|e| e["account_id"].is_null()));

    app.delete(&format!("/api/v1/roles/{role}"), t)
        .await
        .expect(204);
    let (roles, _) = entries(&app, &sa, "table_name=roles").await;
    entry(&roles, "DELETE", &rid, Some("name"));
    verifies(&app, &sa).await;
});

both_config!(groups_invitations_and_macros_are_recorded, audited, |app| {
    let sa = app.superadmin().await;
    let (alpha, beta) = app.alpha_and_beta().await;
    let t = Some(alpha.as_str());
    let u_id = create_user(&app, &sa, "u@example.com", "user").await;
    let group = app
        .post("/api/v1/groups", t, json!({"name": "Team"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post("/api/v1/groups", t, json!({"name": "Team"}))
        .await
        .expect(409);
    app.patch(
        &format!("/api/v1/groups/{group}"),
        t,
        json!({"name": "Core team"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/groups/{group}/users"),
        t,
        json!({"user_id": u_id}),
    )
    .await
    .expect(201);
    app.delete(&format!("/api/v1/groups/{group}/users/{u_id}"), t)
        .await
        .expect(204);
    app.delete(&format!("/api/v1/groups/{group}"), t)
        .await
        .expect(204);

    let (groups, _) = entries(&app, &sa, "table_name=groups").await;
    let created = entry(&groups, "CREATE", &group, Some("name"));
    by_request(created, "a@example.com");
    assert_eq!(created["account_id"], "AA0001");
    assert_eq!(
        count(&groups, "CREATE", &group),
        groups.iter().filter(|e| e["operation"] == "CREATE").count()
    );
    let renamed = entry(&groups, "UPDATE", &group, Some("name"));
    assert_eq!(renamed["old_value"], "Team");
    assert_eq!(renamed["new_value"], "Core team");
    entry(&groups, "DELETE", &group, Some("name"));
    let (members, _) = entries(&app, &sa, "table_name=group_members").await;
    let member = format!("{group}/{u_id}");
    by_request(
        entry(&members, "CREATE", &member, Some("user_id")),
        "a@example.com",
    );
    entry(&members, "DELETE", &member, Some("user_id"));

    // Invitations: created, cancelled, another accepted.
    let token = app.invitation_token(&sa, "cancel@example.com").await;
    let (list, _) = entries(&app, &sa, "table_name=invitations").await;
    let first = list[0]["record_id"].as_str().unwrap().to_string();
    app.delete(&format!("/api/v1/invitations/{first}"), Some(&sa))
        .await
        .expect(204);
    let token2 = app.invitation_token(&sa, "new@example.com").await;
    let accepted = app
        .post(
            &format!("/api/v1/invitations/{token2}/accept"),
            None,
            json!({"password": PASSWORD}),
        )
        .await
        .expect(200)
        .clone();
    let new_id = accepted["user"]["id"].as_str().unwrap().to_string();
    let (list, text) = entries(&app, &sa, "table_name=invitations").await;
    let created = entry(&list, "CREATE", &first, Some("email"));
    by_request(created, ADMIN_EMAIL);
    assert_eq!(created["new_value"], "cancel@example.com");
    let cancelled = entry(&list, "UPDATE", &first, Some("status"));
    assert_eq!(cancelled["old_value"], "pending");
    assert_eq!(cancelled["new_value"], "cancelled");
    let used = list
        .iter()
        .find(|e| {
            e["operation"] == "UPDATE"
                && e["column_name"] == "status"
                && e["new_value"] == "accepted"
        })
        .expect("the acceptance");
    by_request(used, "new@example.com");
    assert!(!text.contains(&token) && !text.contains(&token2));
    let (users, _) = entries(&app, &sa, "table_name=users").await;
    by_request(
        entry(&users, "CREATE", &new_id, Some("email")),
        "new@example.com",
    );

    // Macros: global, in the system chain.
    app.post(
        "/api/v1/collections",
        Some(&sa),
        crate::collections::posts_schema(),
    )
    .await
    .expect(201);
    let m = app
        .post(
            "/api/v1/macros",
            Some(&sa),
            json!({"name": "count_posts",
            "sql_query": "SELECT COUNT(*) FROM {posts}", "parameters": []}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap()
        .to_string();
    app.put(
        &format!("/api/v1/macros/{m}"),
        Some(&sa),
        json!({"description": "All posts"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/macros/{m}"), Some(&sa))
        .await
        .expect(204);
    let (macros, _) = entries(&app, &sa, "table_name=macros").await;
    let created = entry(&macros, "CREATE", &m, Some("sql_query"));
    by_request(created, ADMIN_EMAIL);
    assert!(created["account_id"].is_null());
    let described = entry(&macros, "UPDATE", &m, Some("description"));
    assert_eq!(described["new_value"], "All posts");
    entry(&macros, "DELETE", &m, Some("name"));

    let (theirs, _) = entries(&app, &beta, "").await;
    assert!(theirs.iter().all(|e| e["account_id"] == "AA0002"));
    verifies(&app, &sa).await;
});

both_config!(
    webhooks_keys_and_settings_mask_their_secrets,
    audited,
    |app| {
        let sa = app.superadmin().await;
        let (alpha, _) = app.alpha_and_beta().await;
        let t = Some(alpha.as_str());
        app.post(
            "/api/v1/collections",
            Some(&sa),
            crate::collections::posts_schema(),
        )
        .await
        .expect(201);
        let secret = "a-webhook-secret-0123456789";
        let hook = app
        .post(
            "/api/v1/webhooks",
            t,
            json!({"url": "http://127.0.0.1:9/hook", "collection": "posts", "events": ["create"], "secret": secret}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
        app.patch(
            &format!("/api/v1/webhooks/{hook}"),
            t,
            json!({"enabled": false}),
        )
        .await
        .expect(200);
        app.post(
            "/api/v1/webhooks",
            t,
            json!({"url": "http://127.0.0.1:9/hook", "collection": "nope", "events": ["create"]}),
        )
        .await
        .expect(422);
        app.delete(&format!("/api/v1/webhooks/{hook}"), t)
            .await
            .expect(204);
        let (hooks, text) = entries(&app, &sa, "table_name=webhooks").await;
        let created = entry(&hooks, "CREATE", &hook, Some("secret"));
        by_request(created, "a@example.com");
        assert_eq!(created["new_value"], "***");
        assert_eq!(created["account_id"], "AA0001");
        assert_eq!(
            hooks
                .iter()
                .filter(|e| e["operation"] == "CREATE" && e["column_name"] == "url")
                .count(),
            1
        );
        let disabled = entry(&hooks, "UPDATE", &hook, Some("enabled"));
        assert_eq!(disabled["old_value"], "true");
        assert_eq!(disabled["new_value"], "false");
        entry(&hooks, "DELETE", &hook, Some("url"));
        assert!(!text.contains(secret));

        // API keys: never the key itself.
        let key = app
            .post(
                "/api/v1/admin/api-keys",
                t,
                json!({"name": "ci", "account_id": "AA0001"}),
            )
            .await
            .expect(201)
            .clone();
        let (key_id, plain) = (key["id"].as_str().unwrap(), key["key"].as_str().unwrap());
        app.delete(&format!("/api/v1/admin/api-keys/{key_id}"), t)
            .await
            .expect(204);
        let (keys, text) = entries(&app, &sa, "table_name=api_keys").await;
        by_request(
            entry(&keys, "CREATE", key_id, Some("name")),
            "a@example.com",
        );
        let revoked = entry(&keys, "DELETE", key_id, Some("is_active"));
        assert_eq!(revoked["new_value"], "false");
        assert!(!text.contains(plain));

        // Provider configuration: secret values only ever read ***.
        let client_secret = "very-secret-client-secret-42";
        let config = app
            .post(
                "/api/v1/admin/configuration",
                Some(&sa),
                json!({"display_name": "SSO", "category": "auth_providers", "provider_name": "oidc",
                "config": {"issuer_url": "https://id.example.com", "client_id": "client-1",
                "client_secret": client_secret}}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.patch(
            &format!("/api/v1/admin/configuration/{config}/values"),
            Some(&sa),
            json!({"client_secret": "another-secret-value-99", "client_id": "client-2"}),
        )
        .await
        .expect(200);
        let (configs, text) = entries(&app, &sa, "table_name=configurations").await;
        let created = entry(&configs, "CREATE", &config, Some("config.client_secret"));
        by_request(created, ADMIN_EMAIL);
        assert_eq!(created["new_value"], "***");
        assert!(
            created["account_id"].is_null(),
            "system-wide: the system chain"
        );
        let rotated = entry(&configs, "UPDATE", &config, Some("config.client_secret"));
        assert_eq!(
            (rotated["old_value"].as_str(), rotated["new_value"].as_str()),
            (Some("***"), Some("***"))
        );
        let client = entry(&configs, "UPDATE", &config, Some("config.client_id"));
        assert_eq!(client["new_value"], "client-2");
        assert!(!text.contains(client_secret) && !text.contains("another-secret-value-99"));

        // Request-log settings.
        app.patch(
            "/api/v1/admin/logs/settings",
            Some(&sa),
            json!({"retention_days": 7}),
        )
        .await
        .expect(200);
        let (settings, _) = entries(&app, &sa, "table_name=settings").await;
        let retention = entry(
            &settings,
            "UPDATE",
            "request_logs.retention_days",
            Some("value"),
        );
        by_request(retention, ADMIN_EMAIL);
        assert_eq!(retention["new_value"], "7");
        verifies(&app, &sa).await;
    }
);

both_config!(accounts_and_collections_are_recorded, audited, |app| {
    let sa = app.superadmin().await;
    let t = Some(sa.as_str());
    let account = app
        .post("/api/v1/accounts", t, json!({"name": "Gamma"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(
        &format!("/api/v1/accounts/{account}"),
        t,
        json!({"name": "Gamma Two"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/accounts/{account}"), t)
        .await
        .expect(204);
    app.delete("/api/v1/accounts/SY0000", t).await.expect(422);
    let (accounts, _) = entries(&app, &sa, "table_name=accounts").await;
    let created = entry(&accounts, "CREATE", &account, Some("name"));
    by_request(created, ADMIN_EMAIL);
    assert_eq!(created["account_id"], account.as_str());
    let renamed = entry(&accounts, "UPDATE", &account, Some("name"));
    assert_eq!(renamed["old_value"], "Gamma");
    assert_eq!(renamed["new_value"], "Gamma Two");
    let deleted = entry(&accounts, "DELETE", &account, Some("name"));
    assert!(deleted["account_id"].is_null(), "the system chain");
    assert_eq!(count(&accounts, "DELETE", "SY0000"), 0);

    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/collections",
        t,
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(409);
    app.put(
        "/api/v1/collections/notes",
        t,
        json!({"schema": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}]}),
    )
    .await
    .expect(200);
    app.delete("/api/v1/collections/notes", t).await.expect(200);
    let (collections, _) = entries(&app, &sa, "table_name=collections").await;
    let created = entry(&collections, "CREATE", "notes", Some("fields"));
    by_request(created, ADMIN_EMAIL);
    assert_eq!(
        count(&collections, "CREATE", "notes"),
        3,
        "fields, indexes and rules once"
    );
    let changed = entry(&collections, "UPDATE", "notes", Some("fields"));
    assert!(!changed["old_value"].as_str().unwrap().contains("body"));
    assert!(changed["new_value"].as_str().unwrap().contains("body"));
    entry(&collections, "DELETE", "notes", Some("fields"));
    verifies(&app, &sa).await;
});

both_config!(
    setup_second_factor_and_imports_are_recorded,
    audited,
    |app| {
        // The superadmin made by the first-run setup.
        let sa = app.superadmin().await;
        let (system, _) = entries(&app, &sa, "table_name=auth&operation=REGISTER").await;
        let made = system
            .iter()
            .find(|e| e["user_email"] == ADMIN_EMAIL)
            .unwrap_or_else(|| panic!("no REGISTER of the superadmin in {system:?}"));
        assert!(made["account_id"].is_null(), "the system chain: {made}");
        assert_eq!(made["extra_metadata"]["via"], "setup");
        assert_eq!(made["extra_metadata"]["superadmin"], true);

        // A user's own second factor: enrolled, recovery codes renewed, disabled.
        let (alpha, _) = app.alpha_and_beta().await;
        let a_id = claims_of(&alpha)["user_id"].as_str().unwrap().to_string();
        let (_, codes) = crate::totp::enrol(&app, &alpha).await;
        app.post(
            "/api/v1/auth/totp/recovery-codes",
            Some(&alpha),
            json!({"code": codes[0]}),
        )
        .await
        .expect(200);
        app.post(
            "/api/v1/auth/totp/disable",
            Some(&alpha),
            json!({"password": PASSWORD}),
        )
        .await
        .expect(200);
        let (auth, text) = entries(&app, &alpha, "table_name=auth").await;
        for op in ["TOTP_ENABLED", "RECOVERY_CODES_RENEWED", "TOTP_DISABLED"] {
            let e = entry(&auth, op, &a_id, None);
            by_request(e, "a@example.com");
            assert_eq!(e["account_id"], "AA0001");
        }
        assert_eq!(
            entry(&auth, "TOTP_DISABLED", &a_id, None)["extra_metadata"]["with"],
            "password"
        );
        assert!(!text.contains(&codes[0]), "no recovery code in the trail");

        // Collections imported through the API: created, then updated.
        let doc = |fields: Value| {
            json!({"data": {"format_version": 1, "collections": [
            {"name": "imported", "schema": fields, "indexes": []}
        ]}, "strategy": "update"})
        };
        app.post(
            "/api/v1/collections/import",
            Some(&sa),
            doc(json!([{"name": "title", "type": "text"}])),
        )
        .await
        .expect(200);
        app.post(
            "/api/v1/collections/import",
            Some(&sa),
            doc(json!([{"name": "title", "type": "text"}, {"name": "body", "type": "text"}])),
        )
        .await
        .expect(200);
        let (collections, _) = entries(&app, &sa, "table_name=collections").await;
        let created = entry(&collections, "CREATE", "imported", Some("fields"));
        by_request(created, ADMIN_EMAIL);
        assert_eq!(created["extra_metadata"]["via"], "import");
        let changed = entry(&collections, "UPDATE", "imported", Some("fields"));
        assert!(changed["new_value"].as_str().unwrap().contains("body"));
        verifies(&app, &sa).await;
    }
);
