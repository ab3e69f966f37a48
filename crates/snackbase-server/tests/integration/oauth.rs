//! OAuth2 / OpenID Connect login against a real local provider
//! (oauth2-mock-server, which enforces PKCE): the whole redirect flow, and
//! each way it must fail: state, nonce, issuer, audience, expiry, refused
//! and replayed codes, email collisions, domains, closed sign-up, key rotation.

use serde_json::{json, Value};

use crate::harness::*;
use crate::oidc::{oidc_available, OidcMock, Provider};
use crate::{both, both_config};

const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";

fn allow_private(c: &mut snackbase_server::config::Config) {
    c.oauth_allow_private_networks = true;
}

/// Configures generic OIDC provider `oidc` for `account_id` (the system
/// account for system-wide) at `p`, with `extra` settings, through the
/// superadmin's configuration API; returns the configuration's id.
async fn configure(app: &TestApp, account_id: &str, p: &Provider, extra: Value) -> String {
    let mut config = json!({"issuer_url": p.issuer, "client_id": "snackbase-test",
        "client_secret": "test-secret"});
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let sa = sa_token(app).await;
    let mut body = json!({"display_name": "Test IdP", "category": "auth_providers",
        "provider_name": "oidc", "config": config});
    if account_id != "SY0000" {
        body["account_id"] = json!(account_id);
    }
    let r = app
        .post("/api/v1/admin/configuration", Some(&sa), body)
        .await;
    r.expect(201)["id"].as_str().unwrap().to_string()
}

/// The superadmin's token, making the superadmin first if needed.
async fn sa_token(app: &TestApp) -> String {
    if app.state.setup.peek().is_some() {
        app.superadmin().await
    } else {
        app.superadmin_token().await
    }
}

/// Changes settings of configuration `id`.
async fn reconfigure(app: &TestApp, id: &str, values: Value) {
    let sa = sa_token(app).await;
    app.patch(
        &format!("/api/v1/admin/configuration/{id}/values"),
        Some(&sa),
        values,
    )
    .await
    .expect(200);
}

/// Follows the provider's authorization URL as a browser would (the mock
/// approves at once) and returns the `code` and `state` it redirects with.
async fn approve(app: &TestApp, authorization_url: &str) -> (String, String) {
    let res = app.client.get(authorization_url).send().await.unwrap();
    assert_eq!(res.status(), 302, "the provider redirects back");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = url::Url::parse(&location).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    (get("code"), get("state"))
}

async fn authorize(app: &TestApp, account: Option<&str>) -> Response {
    let mut body = json!({"redirect_uri": REDIRECT});
    if let Some(a) = account {
        body["account"] = json!(a);
    }
    app.post("/api/v1/auth/oauth/oidc/authorize", None, body)
        .await
}

/// The whole flow: authorize, approve at the provider, callback.
async fn sign_in(app: &TestApp, account: Option<&str>) -> Response {
    let started = authorize(app, account).await;
    let url = started.expect(200)["authorization_url"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, state) = approve(app, &url).await;
    assert_eq!(
        state, started.json["state"],
        "the provider returns our state"
    );
    callback(app, &code, &state).await
}

async fn callback(app: &TestApp, code: &str, state: &str) -> Response {
    app.post(
        "/api/v1/auth/oauth/oidc/callback",
        None,
        json!({"code": code, "redirect_uri": REDIRECT, "state": state}),
    )
    .await
}

/// A mock with one provider for `user`, configured for Alpha (`AA0001`,
/// whose admin is `a@example.com`).
async fn alpha_with_provider(
    app: &TestApp,
    user: Value,
    extra: Value,
) -> (OidcMock, Provider, String) {
    app.register("a@example.com", "Alpha").await;
    let mock = OidcMock::start();
    let p = mock.provider(user).await;
    let id = configure(app, "AA0001", &p, extra).await;
    (mock, p, id)
}

both_config!(
    a_first_login_joins_the_account_and_the_next_finds_the_user,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (mock, _p, _) = alpha_with_provider(
            &app,
            json!({"sub": "s-1", "email": "New@Example.com", "email_verified": true}),
            json!({}),
        )
        .await;
        let started = authorize(&app, Some("alpha")).await;
        let url =
            url::Url::parse(started.expect(200)["authorization_url"].as_str().unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "snackbase-test");
        assert!(q["scope"].split(' ').any(|s| s == "openid"));
        assert!(q["nonce"].len() >= 32 && q["state"] == started.json["state"]);

        let first = sign_in(&app, Some("alpha")).await;
        let body = first.expect(200).clone();
        assert_eq!(body["isNewUser"], true);
        assert_eq!(body["isNewAccount"], false);
        // The domain is folded to lower case; the local part is kept as given.
        assert_eq!(body["user"]["email"], "New@example.com");
        assert_eq!(body["user"]["role"], "user");
        assert_eq!(body["user"]["email_verified"], true);
        assert_eq!(body["account"]["id"], "AA0001");
        let token = body["token"].as_str().unwrap();
        let me = app.get("/api/v1/auth/me", Some(token)).await;
        assert_eq!(me.expect(200)["email"], "New@example.com");
        // The user the first login made is in the audit trail.
        let made = app
            .get(
                "/api/v1/audit-logs?table_name=auth&operation=REGISTER&limit=100",
                Some(&sa_token(&app).await),
            )
            .await;
        let made = made.expect(200)["items"].as_array().unwrap().clone();
        assert!(
            made.iter().any(|e| e["user_email"] == "New@example.com"
                && e["account_id"] == "AA0001"
                && e["record_id"] == body["user"]["id"]
                && e["extra_metadata"]["via"] == "oauth"
                && e["extra_metadata"]["provider"] == "oidc"),
            "{made:?}"
        );

        let again = sign_in(&app, Some("alpha")).await;
        assert_eq!(again.expect(200)["isNewUser"], false);
        assert_eq!(again.json["user"]["id"], body["user"]["id"]);
        assert_eq!(app.count("user_identities").await, 1);
        assert_eq!(mock.stats(&_p).await["token_requests"], 2);

        // The identity is listed on the user.
        let sa = sa_token(&app).await;
        let id = body["user"]["id"].as_str().unwrap();
        let listed = app
            .get(&format!("/api/v1/users/{id}/identities"), Some(&sa))
            .await;
        let identities = listed.expect(200)["items"].as_array().unwrap().clone();
        assert_eq!(identities.len(), 1);
        assert_eq!(identities[0]["provider_name"], "oidc");
        assert_eq!(identities[0]["subject"], "s-1");
        // Another account's admin sees nothing of it.
        let b = app.register("b@example.com", "Beta").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        app.get(&format!("/api/v1/users/{id}/identities"), Some(&b))
            .await
            .expect_error(404, "not_found");
        // Unlinked, the identity is a stranger again: its email now collides (409).
        let iid = identities[0]["id"].as_str().unwrap();
        app.delete(&format!("/api/v1/users/{id}/identities/{iid}"), Some(&b))
            .await
            .expect_error(404, "not_found");
        let alpha_admin = app.login("AA0001", "a@example.com", PASSWORD).await.json["token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .delete(
                &format!("/api/v1/users/{id}/identities/{iid}"),
                Some(&alpha_admin),
            )
            .await;
        assert_eq!(r.status, 204);
        sign_in(&app, Some("alpha"))
            .await
            .expect_error(409, "conflict");

        // The provider list offers it for Alpha.
        let list = app
            .get("/api/v1/auth/oauth/providers?account=AA0001", None)
            .await;
        assert_eq!(list.expect(200)["items"][0]["provider_name"], "oidc");
        assert_eq!(list.json["items"][0]["display_name"], "Test IdP");
        app.get("/api/v1/auth/oauth/providers?account=nope", None)
            .await
            .expect_error(404, "not_found");
    }
);

both_config!(
    without_an_account_a_first_login_makes_one,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        sa_token(&app).await;
        let mock = OidcMock::start();
        let p = mock
            .provider(
                json!({"sub": "founder", "email": "founder@example.com", "email_verified": true}),
            )
            .await;
        configure(&app, "SY0000", &p, json!({})).await;
        let started = app
            .post(
                "/api/v1/auth/oauth/oidc/authorize",
                None,
                json!({"redirect_uri": REDIRECT, "account_name": "Founder Co", "state": "ignored"}),
            )
            .await;
        let url = started.expect(200)["authorization_url"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(
            started.json["state"], "ignored",
            "the server makes its own state"
        );
        let (code, state) = approve(&app, &url).await;
        let first = callback(&app, &code, &state).await;
        let body = first.expect(200).clone();
        assert_eq!(body["isNewAccount"], true);
        assert_eq!(body["isNewUser"], true);
        assert_eq!(body["user"]["role"], "admin");
        assert_eq!(body["account"]["name"], "Founder Co");
        assert_eq!(body["account"]["slug"], "founder-co");
        let again = sign_in(&app, None).await;
        assert_eq!(again.expect(200)["isNewAccount"], false);
        assert_eq!(again.json["account"]["id"], body["account"]["id"]);
        assert_eq!(again.json["user"]["id"], body["user"]["id"]);
    }
);

both_config!(
    state_is_single_use_and_bound_to_provider_and_redirect,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (_mock, _p, _) = alpha_with_provider(
            &app,
            json!({"sub": "s", "email": "s@example.com"}),
            json!({}),
        )
        .await;
        let users = app.count("users").await;
        // A state we never made.
        for state in ["", "x", &"A".repeat(43), "' OR 1=1 --"] {
            callback(&app, "code", state)
                .await
                .expect_error(400, "bad_request");
        }
        // Replayed: the first callback takes the state; the same code and state again fail.
        let started = authorize(&app, Some("AA0001")).await;
        let url = started.expect(200)["authorization_url"]
            .as_str()
            .unwrap()
            .to_string();
        let (code, state) = approve(&app, &url).await;
        callback(&app, &code, &state).await.expect(200);
        let replay = callback(&app, &code, &state).await;
        assert!(replay.expect_error(400, "bad_request")["message"]
            .as_str()
            .unwrap()
            .contains("state"));
        // Another provider's path, or another redirect URI, with a live state.
        let started = authorize(&app, Some("AA0001")).await;
        let url = started.expect(200)["authorization_url"]
            .as_str()
            .unwrap()
            .to_string();
        let (code, state) = approve(&app, &url).await;
        app.post(
            "/api/v1/auth/oauth/google/callback",
            None,
            json!({"code": code, "redirect_uri": REDIRECT, "state": state}),
        )
        .await
        .expect_error(400, "bad_request");
        // ... which also used it up.
        callback(&app, &code, &state)
            .await
            .expect_error(400, "bad_request");
        let started = authorize(&app, Some("AA0001")).await;
        let url = started.expect(200)["authorization_url"]
            .as_str()
            .unwrap()
            .to_string();
        let (code, state) = approve(&app, &url).await;
        app.post(
            "/api/v1/auth/oauth/oidc/callback",
            None,
            json!({"code": code, "redirect_uri": "http://evil.example/cb", "state": state}),
        )
        .await
        .expect_error(400, "bad_request");
        assert_eq!(
            app.count("users").await,
            users + 1,
            "only the one good login made a user"
        );
    }
);

both_config!(
    a_bad_id_token_or_a_refused_code_signs_nobody_in,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (mock, p, _) = alpha_with_provider(
            &app,
            json!({"sub": "t", "email": "t@example.com", "email_verified": true}),
            json!({}),
        )
        .await;
        let users = app.count("users").await;
        let cases = [
            (json!({"nonce": "not-the-nonce"}), "nonce"),
            (json!({"iss": "http://127.0.0.1:1"}), "issuer"),
            (json!({"aud": "another-client"}), "another client"),
            (json!({"exp_offset": -600}), "expired"),
            (
                json!({"token_error": "invalid_grant"}),
                "expired or already used",
            ),
        ];
        for (tamper, expected) in cases {
            mock.tamper(&p, tamper.clone()).await;
            let r = sign_in(&app, Some("AA0001")).await;
            let message = r.expect_error(400, "bad_request")["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(message.contains(expected), "{tamper}: {message}");
            let clear: serde_json::Map<String, Value> = tamper
                .as_object()
                .unwrap()
                .keys()
                .map(|k| (k.clone(), Value::Null))
                .collect();
            mock.tamper(&p, Value::Object(clear)).await;
        }
        assert_eq!(app.count("users").await, users);
        assert_eq!(app.count("user_identities").await, 0);
        // A wrong PKCE verifier: the provider refuses the code.
        let started = authorize(&app, Some("AA0001")).await;
        let url = started.expect(200)["authorization_url"]
            .as_str()
            .unwrap()
            .to_string();
        let (code, state) = approve(&app, &url).await;
        let forged = app.state.sealer.seal("oauth-pkce", &"x".repeat(43));
        app.exec_elsewhere(&format!(
            "UPDATE oauth_flows SET pkce_verifier = '{forged}'"
        ))
        .await;
        let r = callback(&app, &code, &state).await;
        assert_eq!(r.status, 400, "{:?}", r.json);
        assert_eq!(app.count("users").await, users);
        // After all that, a clean login works.
        sign_in(&app, Some("AA0001")).await.expect(200);
    }
);

both_config!(
    email_collisions_follow_the_linking_rule,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (mock, p, id) = alpha_with_provider(
            &app,
            json!({"sub": "admin-at-idp", "email": "a@example.com", "email_verified": true}),
            json!({}),
        )
        .await;
        // Linking is off by default: the existing admin's address is not taken over.
        let r = sign_in(&app, Some("AA0001")).await;
        r.expect_error(409, "conflict");
        // Allowed, but the provider has not verified the address: still refused.
        reconfigure(&app, &id, json!({"link_existing": true})).await;
        mock.set_user(
            &p,
            json!({"sub": "admin-at-idp", "email": "a@example.com", "email_verified": false}),
        )
        .await;
        sign_in(&app, Some("AA0001"))
            .await
            .expect_error(409, "conflict");
        // Allowed and verified: linked to the existing user, who keeps their role.
        mock.set_user(
            &p,
            json!({"sub": "admin-at-idp", "email": "a@example.com", "email_verified": true}),
        )
        .await;
        let r = sign_in(&app, Some("AA0001")).await;
        assert_eq!(r.expect(200)["isNewUser"], false);
        assert_eq!(r.json["user"]["role"], "admin");
        assert_eq!(r.json["user"]["email"], "a@example.com");
        // And the password still works for them.
        app.login("AA0001", "a@example.com", PASSWORD)
            .await
            .expect(200);
    }
);

both_config!(
    domains_and_closed_signup_are_enforced,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (mock, p, config_id) = alpha_with_provider(
            &app,
            json!({"sub": "d-1", "email": "x@example.com", "email_verified": true}),
            json!({"allowed_domains": ["corp.io"]}),
        )
        .await;
        sign_in(&app, Some("AA0001"))
            .await
            .expect_error(403, "forbidden");
        mock.set_user(
            &p,
            json!({"sub": "d-1", "email": "x@corp.io", "email_verified": true}),
        )
        .await;
        let r = sign_in(&app, Some("AA0001")).await;
        let id = r.expect(200)["user"]["id"].as_str().unwrap().to_string();
        // Sign-up closed: a new identity is refused; the linked one still signs in.
        reconfigure(&app, &config_id, json!({"allow_signup": false})).await;
        sign_in(&app, Some("AA0001")).await.expect(200);
        mock.set_user(
            &p,
            json!({"sub": "d-2", "email": "y@corp.io", "email_verified": true}),
        )
        .await;
        sign_in(&app, Some("AA0001"))
            .await
            .expect_error(403, "forbidden");
        // A deactivated user is refused even with a good identity.
        mock.set_user(
            &p,
            json!({"sub": "d-1", "email": "x@corp.io", "email_verified": true}),
        )
        .await;
        let sa = sa_token(&app).await;
        app.patch(
            &format!("/api/v1/users/{id}"),
            Some(&sa),
            json!({"is_active": false}),
        )
        .await
        .expect(200);
        sign_in(&app, Some("AA0001"))
            .await
            .expect_error(401, "unauthorized");
    }
);

both_config!(
    a_rotated_signing_key_is_fetched_again,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (mock, p, _) = alpha_with_provider(
            &app,
            json!({"sub": "r", "email": "r@example.com", "email_verified": true}),
            json!({}),
        )
        .await;
        let first = sign_in(&app, Some("AA0001")).await;
        first.expect(200);
        mock.rotate(&p).await;
        let second = sign_in(&app, Some("AA0001")).await;
        assert_eq!(second.expect(200)["user"]["id"], first.json["user"]["id"]);
    }
);

both_config!(hostile_input_gets_a_4xx, allow_private, |app| {
    sa_token(&app).await;
    app.register("a@example.com", "Alpha").await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move { app.post(path, None, body).await }
    };
    for redirect in ["javascript:alert(1)", "not a url", "http://x/#frag", ""] {
        post(
            "/api/v1/auth/oauth/oidc/authorize",
            json!({"redirect_uri": redirect, "account": "AA0001"}),
        )
        .await
        .expect_error(422, "validation_error");
    }
    post(
        "/api/v1/auth/oauth/evil/authorize",
        json!({"redirect_uri": REDIRECT}),
    )
    .await
    .expect_error(404, "not_found");
    post(
        "/api/v1/auth/oauth/google/authorize",
        json!({"redirect_uri": REDIRECT, "account": "AA0001"}),
    )
    .await
    .expect_error(404, "not_found");
    post(
        "/api/v1/auth/oauth/oidc/authorize",
        json!({"redirect_uri": REDIRECT, "account": "SY0000"}),
    )
    .await
    .expect_error(400, "bad_request");
    post(
        "/api/v1/auth/oauth/oidc/authorize",
        json!({"redirect_uri": REDIRECT, "account": "ZZ9999"}),
    )
    .await
    .expect_error(404, "not_found");
    post(
        "/api/v1/auth/oauth/oidc/authorize",
        json!({"redirect_uri": REDIRECT, "extra": 1}),
    )
    .await
    .expect_error(422, "validation_error");
    post(
        "/api/v1/auth/oauth/oidc/callback",
        json!({"code": "", "redirect_uri": REDIRECT, "state": "s"}),
    )
    .await
    .expect_error(422, "validation_error");
    post(
        "/api/v1/auth/oauth/oidc/callback",
        json!({"code": "c".repeat(5000), "redirect_uri": REDIRECT, "state": "s"}),
    )
    .await
    .expect_error(422, "validation_error");
    post("/api/v1/auth/oauth/oidc/callback", json!({"code": 1}))
        .await
        .expect_error(422, "validation_error");
    let huge = app
        .client
        .post(format!("{}/api/v1/auth/oauth/oidc/callback", app.base))
        .header("content-type", "application/json")
        .body(format!("{{\"code\":\"{}\"}}", "x".repeat(3 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
});

both!(private_providers_are_refused_unless_allowed, |app| {
    if !oidc_available() {
        return;
    }
    let (_mock, _p, _) = alpha_with_provider(
        &app,
        json!({"sub": "p", "email": "p@example.com"}),
        json!({}),
    )
    .await;
    let r = authorize(&app, Some("AA0001")).await;
    assert_eq!(r.status, 502, "{:?}", r.json);
    assert_eq!(r.json["error"], "bad_gateway");
});

// GitHub is OAuth2 without OpenID Connect: no ID token, the user comes from
// its REST API (a stand-in in tools/oidc-mock checks the client secret, the
// single-use code and the PKCE verifier, as GitHub does).
both_config!(
    github_signs_in_by_its_user_id_and_primary_email,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        app.register("a@example.com", "Alpha").await;
        let mock = OidcMock::start();
        let gh = mock
            .github(
                json!({"id": 4242, "login": "octo"}),
                json!([{"email": "octo@example.com", "primary": true, "verified": true},
                   {"email": "other@example.com", "primary": false, "verified": true}]),
            )
            .await;
        let sa = sa_token(&app).await;
        app.post(
        "/api/v1/admin/configuration",
        Some(&sa),
        json!({"display_name": "GitHub", "category": "auth_providers", "provider_name": "github",
            "account_id": "AA0001", "config": {"client_id": "gh-client", "client_secret": "test-secret",
            "base_url": gh.issuer, "api_url": gh.issuer}}),
    )
    .await
    .expect(201);
        let start = || async {
            let r = app
                .post(
                    "/api/v1/auth/oauth/github/authorize",
                    None,
                    json!({"redirect_uri": REDIRECT, "account": "AA0001"}),
                )
                .await;
            let url = r.expect(200)["authorization_url"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                url.starts_with(&format!("{}/login/oauth/authorize?", gh.issuer)),
                "{url}"
            );
            assert!(url.contains("code_challenge_method=S256"));
            approve(&app, &url).await
        };
        let finish = |code: String, state: String| {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/auth/oauth/github/callback",
                    None,
                    json!({"code": code, "redirect_uri": REDIRECT, "state": state}),
                )
                .await
            }
        };
        let (code, state) = start().await;
        let first = finish(code, state).await;
        assert_eq!(first.expect(200)["isNewUser"], true);
        assert_eq!(first.json["user"]["email"], "octo@example.com");
        assert_eq!(first.json["user"]["email_verified"], true);
        // The same GitHub id with a new address is the same user.
        mock.set_github_user(
            &gh,
            json!({"id": 4242, "login": "octo"}),
            json!([{"email": "renamed@example.com", "primary": true, "verified": true}]),
        )
        .await;
        let (code, state) = start().await;
        let again = finish(code, state).await;
        assert_eq!(again.expect(200)["user"]["id"], first.json["user"]["id"]);
        // A forged PKCE verifier: GitHub refuses the code (with a 200 and an
        // `error` field); nobody is signed in.
        let (code, state) = start().await;
        let forged = app.state.sealer.seal("oauth-pkce", &"y".repeat(43));
        app.exec_elsewhere(&format!(
            "UPDATE oauth_flows SET pkce_verifier = '{forged}'"
        ))
        .await;
        let r = finish(code, state).await;
        assert!(r.expect_error(400, "bad_request")["message"]
            .as_str()
            .unwrap()
            .contains("GitHub refused"));
        // A new GitHub user whose primary address is unverified, colliding with Alpha's admin.
        mock.set_github_user(
            &gh,
            json!({"id": 7, "login": "mallory"}),
            json!([{"email": "a@example.com", "primary": true, "verified": false}]),
        )
        .await;
        let (code, state) = start().await;
        finish(code, state).await.expect_error(409, "conflict");
        assert_eq!(app.count("user_identities").await, 1);
    }
);

both_config!(
    a_second_factor_is_still_asked_after_the_provider,
    allow_private,
    |app| {
        if !oidc_available() {
            return;
        }
        let (_mock, _p, id) = alpha_with_provider(
            &app,
            json!({"sub": "a-idp", "email": "a@example.com", "email_verified": true}),
            json!({"link_existing": true}),
        )
        .await;
        let _ = id;
        let password = app.login("AA0001", "a@example.com", PASSWORD).await;
        let token = password.expect(200)["token"].as_str().unwrap().to_string();
        let (_authenticator, codes) = crate::totp::enrol(&app, &token).await;
        let r = sign_in(&app, Some("AA0001")).await;
        let body = r.expect(200).clone();
        assert_eq!(body["mfa_required"], true, "{body}");
        assert!(
            body.get("token").is_none(),
            "no session before the second factor"
        );
        let done = app
            .post(
                "/api/v1/auth/mfa/verify",
                None,
                json!({"mfa_token": body["mfa_token"], "code": codes[0]}),
            )
            .await;
        assert_eq!(done.expect(200)["user"]["email"], "a@example.com");
    }
);
