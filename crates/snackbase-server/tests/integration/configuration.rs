//! Provider configurations (/admin/configuration): CRUD, secrets sealed at
//! rest and masked (kept when the mask is sent back), schema validation,
//! access (the superadmin, account admins for their own account only),
//! `resolve`/`enabled` as the OAuth flow reads them, and test-connection
//! (a local discovery document, a dead address, the private-network refusal).

use serde_json::{json, Value};
use snackbase_server::configuration;

use crate::harness::*;
use crate::{both, both_config};

const BASE: &str = "/api/v1/admin/configuration";
const SECRET: &str = "very-secret-client-secret-42";

fn oidc(name: &str) -> Value {
    json!({
        "display_name": name,
        "category": "auth_providers",
        "provider_name": "oidc",
        "config": {
            "issuer_url": "https://id.example.com",
            "client_id": "client-1",
            "client_secret": SECRET,
            "allowed_domains": ["Example.com"],
        },
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    app.post(BASE, Some(token), body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The stored `config` and `secrets` columns of a row.
async fn raw_row(app: &TestApp, id: &str) -> (String, Option<String>) {
    snackbase_server::on_pool!(&app.state.db, |p| sqlx::query_as(
        "SELECT config, secrets FROM configurations WHERE id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await
    .unwrap())
}

async fn resolved_secret(app: &TestApp, account: Option<&str>) -> Option<(String, Value)> {
    configuration::resolve(&app.state, "auth_providers", "oidc", account)
        .await
        .unwrap()
        .map(|r| (r.id, Value::Object(r.values)))
}

both!(crud_masks_seals_and_keeps_secrets, |app| {
    let sa = app.superadmin().await;
    let created = app.post(BASE, Some(&sa), oidc("Company SSO")).await;
    let body = created.expect(201);
    assert_eq!(body["status"], "success");
    let id = body["id"].as_str().unwrap().to_string();

    // Listed as a system configuration.
    let list = app.get(&format!("{BASE}/system"), Some(&sa)).await;
    let item = &list.expect(200)[0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["is_system"], true);
    assert_eq!(item["account_id"], "SY0000");
    assert_eq!(item["enabled"], true);
    assert_eq!(item["is_default"], false);
    assert!(!list.text.contains(SECRET));

    // Values: the secret masked, the rest normalised.
    let values = app.get(&format!("{BASE}/{id}/values"), Some(&sa)).await;
    let v = values.expect(200);
    assert_eq!(v["client_secret"], "********");
    assert_eq!(v["client_id"], "client-1");
    assert_eq!(v["allowed_domains"], json!(["example.com"]));
    assert!(!values.text.contains(SECRET));

    // At rest: sealed, nowhere in plain text.
    let (config, secrets) = raw_row(&app, &id).await;
    assert!(!config.contains(SECRET) && config.contains("client-1"));
    let secrets = secrets.expect("sealed secrets");
    assert!(secrets.starts_with("v1.") && !secrets.contains(SECRET));

    // The flow sees the secret, with defaults filled.
    let (rid, full) = resolved_secret(&app, None).await.expect("resolved");
    assert_eq!(rid, id);
    assert_eq!(full["client_secret"], SECRET);
    assert_eq!(full["scopes"], "openid email profile");
    assert_eq!(full["default_role"], "user");
    assert_eq!(full["allow_signup"], true);
    assert_eq!(full["link_existing"], false);

    // The mask sent back keeps the stored secret.
    let updated = app
        .patch(
            &format!("{BASE}/{id}/values"),
            Some(&sa),
            json!({"client_id": "client-2", "client_secret": "********", "link_existing": true}),
        )
        .await;
    assert_eq!(updated.expect(200)["id"], id.as_str());
    let (_, full) = resolved_secret(&app, None).await.unwrap();
    assert_eq!(full["client_secret"], SECRET);
    assert_eq!(full["client_id"], "client-2");
    assert_eq!(full["link_existing"], true);
    // A new secret replaces it.
    app.patch(
        &format!("{BASE}/{id}/values"),
        Some(&sa),
        json!({"client_secret": "the-new-one"}),
    )
    .await
    .expect(200);
    let (_, full) = resolved_secret(&app, None).await.unwrap();
    assert_eq!(full["client_secret"], "the-new-one");
    assert!(!raw_row(&app, &id).await.1.unwrap().contains("the-new-one"));

    // Disabled: nothing resolves; enabled again.
    let off = app
        .patch(
            &format!("{BASE}/{id}"),
            Some(&sa),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(off.expect(200)["enabled"], false);
    assert_eq!(off.json["status"], "success");
    assert!(resolved_secret(&app, None).await.is_none());
    app.patch(&format!("{BASE}/{id}"), Some(&sa), json!({"enabled": true}))
        .await
        .expect(200);

    // Default on and off.
    let d = app
        .post(&format!("{BASE}/{id}/set-default"), Some(&sa), json!(null))
        .await;
    assert_eq!(d.expect(200)["is_default"], true);
    assert_eq!(d.json["provider_name"], "oidc");
    assert_eq!(d.json["display_name"], "Company SSO");
    let g = create(
        &app,
        &sa,
        json!({"display_name": "Google", "category": "auth_providers", "provider_name": "google",
               "config": {"client_id": "g", "client_secret": "gs"}}),
    )
    .await;
    app.post(&format!("{BASE}/{g}/set-default"), Some(&sa), json!(null))
        .await
        .expect(200);
    let list = app.get(&format!("{BASE}/system"), Some(&sa)).await;
    let defaults: Vec<_> = list
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["is_default"] == true)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(defaults, vec![g.clone()], "one default per category");
    let u = app
        .delete(&format!("{BASE}/{g}/set-default"), Some(&sa))
        .await;
    assert_eq!(u.expect(200)["is_default"], false);

    // Stats, recent.
    let stats = app.get(&format!("{BASE}/stats"), Some(&sa)).await;
    assert_eq!(stats.expect(200)["system_configs"]["total"], 2);
    assert_eq!(
        stats.json["system_configs"]["by_category"]["auth_providers"],
        2
    );
    assert_eq!(stats.json["account_configs"]["total"], 0);
    let recent = app.get(&format!("{BASE}/recent?limit=1"), Some(&sa)).await;
    let r = &recent.expect(200)[0];
    assert_eq!(r["id"], g.as_str());
    assert_eq!(r["last_modified_by"]["email"], ADMIN_EMAIL);

    // Deleted: gone.
    let del = app.delete(&format!("{BASE}/{id}"), Some(&sa)).await;
    assert_eq!(del.expect(200)["success"], true);
    app.get(&format!("{BASE}/{id}/values"), Some(&sa))
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("{BASE}/{id}"), Some(&sa))
        .await
        .expect_error(404, "not_found");
});

both!(values_are_checked_against_the_schema, |app| {
    let sa = app.superadmin().await;
    // The catalogue and its schemas.
    let providers = app
        .get(
            &format!("{BASE}/providers?category=auth_providers"),
            Some(&sa),
        )
        .await;
    let names: Vec<_> = providers
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["oidc", "google", "microsoft", "github"]);
    assert_eq!(providers.json[0]["is_builtin"], true);
    let email = app
        .get(
            &format!("{BASE}/providers?category=email_providers"),
            Some(&sa),
        )
        .await;
    assert_eq!(email.expect(200)[0]["provider_name"], "smtp");
    assert_eq!(email.json.as_array().unwrap().len(), 1);
    let storage = app
        .get(
            &format!("{BASE}/providers?category=storage_providers"),
            Some(&sa),
        )
        .await;
    let names: Vec<&str> = storage
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["local", "s3"]);
    let none = app
        .get(
            &format!("{BASE}/providers?category=sms_providers"),
            Some(&sa),
        )
        .await;
    assert_eq!(none.expect(200), &json!([]));
    let smtp = app
        .get(&format!("{BASE}/schema/email_providers/smtp"), Some(&sa))
        .await;
    let smtp = smtp.expect(200);
    assert_eq!(smtp["properties"]["port"]["type"], "integer");
    assert_eq!(smtp["properties"]["port"]["default"], 587);
    assert_eq!(
        smtp["properties"]["security"]["enum"],
        json!(["starttls", "tls", "none"])
    );
    assert_eq!(smtp["properties"]["password"]["secret"], true);
    let schema = app
        .get(&format!("{BASE}/schema/auth_providers/oidc"), Some(&sa))
        .await;
    let s = schema.expect(200);
    assert_eq!(s["type"], "object");
    assert_eq!(s["properties"]["client_secret"]["secret"], true);
    assert_eq!(s["properties"]["issuer_url"]["format"], "uri");
    assert!(s["properties"]["client_id"].get("secret").is_none());
    assert!(s["required"]
        .as_array()
        .unwrap()
        .contains(&json!("issuer_url")));
    assert_eq!(s["properties"]["allow_signup"]["default"], true);
    let github = app
        .get(&format!("{BASE}/schema/auth_providers/github"), Some(&sa))
        .await;
    assert_eq!(
        github.expect(200)["properties"]["api_url"]["default"],
        "https://api.github.com"
    );
    assert!(github.json["properties"].get("issuer_url").is_none());
    app.get(&format!("{BASE}/schema/auth_providers/nope"), Some(&sa))
        .await
        .expect_error(404, "not_found");

    let field_of = |r: &Response| {
        r.json["details"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let mut bad = oidc("x");
    bad["config"]["nope"] = json!(1);
    let r = app.post(BASE, Some(&sa), bad).await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "config.nope");
    for (key, value, code) in [
        ("issuer_url", json!("ftp://id.example.com"), "invalid_url"),
        ("issuer_url", json!("not a url"), "invalid_url"),
        ("client_id", json!(42), "invalid_type"),
        ("client_id", json!(""), "required"),
        ("allow_signup", json!("yes"), "invalid_type"),
        ("allowed_domains", json!("example.com"), "invalid_type"),
        ("allowed_domains", json!(["not a domain"]), "invalid_domain"),
        ("client_secret", json!("********"), "invalid_value"),
        ("default_role", json!("no-such-role"), "unknown_role"),
        ("default_role", json!("public"), "role_not_assignable"),
    ] {
        let mut body = oidc("x");
        body["config"][key] = value;
        let r = app.post(BASE, Some(&sa), body).await;
        r.expect_error(422, "validation_error");
        assert_eq!(field_of(&r), format!("config.{key}"), "{}", r.text);
        assert!(r.codes().contains(&code.to_string()), "{key}: {}", r.text);
    }
    let mut missing = oidc("x");
    missing["config"]
        .as_object_mut()
        .unwrap()
        .remove("client_secret");
    let r = app.post(BASE, Some(&sa), missing).await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "config.client_secret");
    let mut other = oidc("x");
    other["category"] = json!("sms_providers");
    app.post(BASE, Some(&sa), other)
        .await
        .expect_error(400, "bad_request");
    // A provider of another category is not one of this one.
    let mut elsewhere = oidc("x");
    elsewhere["category"] = json!("email_providers");
    let r = app.post(BASE, Some(&sa), elsewhere).await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "provider_name");
    let mut unknown = oidc("x");
    unknown["provider_name"] = json!("myspace");
    let r = app.post(BASE, Some(&sa), unknown).await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "provider_name");
    let mut config_not_object = oidc("x");
    config_not_object["config"] = json!([1]);
    let r = app.post(BASE, Some(&sa), config_not_object).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    let mut blank = oidc(" ");
    blank["display_name"] = json!("  ");
    app.post(BASE, Some(&sa), blank)
        .await
        .expect_error(422, "validation_error");

    // One configuration per provider and account.
    let id = create(&app, &sa, oidc("first")).await;
    app.post(BASE, Some(&sa), oidc("second"))
        .await
        .expect_error(409, "conflict");

    // Updates are checked as a whole; the stored values stay.
    let r = app
        .patch(
            &format!("{BASE}/{id}/values"),
            Some(&sa),
            json!({"issuer_url": "javascript:alert(1)"}),
        )
        .await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "config.issuer_url");
    let r = app
        .patch(
            &format!("{BASE}/{id}/values"),
            Some(&sa),
            json!({"client_secret": null}),
        )
        .await;
    r.expect_error(422, "validation_error");
    assert_eq!(field_of(&r), "config.client_secret");
    app.patch(&format!("{BASE}/{id}/values"), Some(&sa), json!([1, 2]))
        .await
        .expect_error(422, "validation_error");
    app.patch(&format!("{BASE}/{id}"), Some(&sa), json!({"enabled": "no"}))
        .await
        .expect_error(422, "validation_error");
    let v = app.get(&format!("{BASE}/{id}/values"), Some(&sa)).await;
    assert_eq!(v.expect(200)["issuer_url"], "https://id.example.com");
    // Hostile ids and a huge body: 4xx.
    app.get(&format!("{BASE}/%27%20OR%201=1--/values"), Some(&sa))
        .await
        .expect_error(404, "not_found");
    let huge = json!({"client_id": "x".repeat(5000)});
    let r = app
        .patch(&format!("{BASE}/{id}/values"), Some(&sa), huge)
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
});

both!(account_admins_manage_their_own_only, |app| {
    let sa = app.superadmin().await;
    let (a, b) = app.alpha_and_beta().await;
    let system = create(&app, &sa, oidc("System SSO")).await;

    // Alpha's admin makes one for Alpha (the account is theirs by default).
    let own = create(&app, &a, oidc("Alpha SSO")).await;
    let list = app.get(&format!("{BASE}/account"), Some(&a)).await;
    let items = list.expect(200).as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], own.as_str());
    assert_eq!(items[0]["account_id"], "AA0001");
    assert_eq!(items[0]["is_system"], false);
    let same = app
        .get(
            &format!("{BASE}/account?account_id=AA0001&category=auth_providers"),
            Some(&a),
        )
        .await;
    assert_eq!(same.expect(200).as_array().unwrap().len(), 1);
    app.get(&format!("{BASE}/account?account_id=AA0002"), Some(&a))
        .await
        .expect_error(403, "forbidden");
    let mut elsewhere = oidc("Beta SSO");
    elsewhere["account_id"] = json!("AA0002");
    app.post(BASE, Some(&a), elsewhere)
        .await
        .expect_error(403, "forbidden");

    // Beta's admin cannot reach Alpha's, nor the system one.
    for id in [&own, &system] {
        app.get(&format!("{BASE}/{id}/values"), Some(&b))
            .await
            .expect_error(404, "not_found");
        app.patch(
            &format!("{BASE}/{id}/values"),
            Some(&b),
            json!({"client_id": "x"}),
        )
        .await
        .expect_error(404, "not_found");
        app.patch(&format!("{BASE}/{id}"), Some(&b), json!({"enabled": false}))
            .await
            .expect_error(404, "not_found");
        app.post(&format!("{BASE}/{id}/set-default"), Some(&b), json!(null))
            .await
            .expect_error(404, "not_found");
        app.delete(&format!("{BASE}/{id}"), Some(&b))
            .await
            .expect_error(404, "not_found");
    }
    app.get(&format!("{BASE}/{system}/values"), Some(&a))
        .await
        .expect_error(404, "not_found");
    for path in ["system", "stats", "recent"] {
        app.get(&format!("{BASE}/{path}"), Some(&a))
            .await
            .expect_error(403, "forbidden");
    }
    let beta_list = app.get(&format!("{BASE}/account"), Some(&b)).await;
    assert_eq!(beta_list.expect(200), &json!([]));

    // Alpha's admin works with their own.
    let v = app.get(&format!("{BASE}/{own}/values"), Some(&a)).await;
    assert_eq!(v.expect(200)["client_secret"], "********");
    app.patch(
        &format!("{BASE}/{own}/values"),
        Some(&a),
        json!({"client_id": "alpha-2"}),
    )
    .await
    .expect(200);

    // A plain user and no token are refused.
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let u = app
        .login("AA0001", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("{BASE}/account"), Some(&u))
        .await
        .expect_error(403, "forbidden");
    app.get(&format!("{BASE}/{own}/values"), Some(&u))
        .await
        .expect_error(403, "forbidden");
    app.get(&format!("{BASE}/providers"), None)
        .await
        .expect_error(401, "unauthorized");

    // The superadmin sees Alpha's and may list any account's.
    let sa_list = app
        .get(&format!("{BASE}/account?account_id=aa0001"), Some(&sa))
        .await;
    assert_eq!(sa_list.expect(200)[0]["id"], own.as_str());
    app.get(&format!("{BASE}/account"), Some(&sa))
        .await
        .expect_error(422, "validation_error");
    let mut ghost = oidc("Ghost");
    ghost["account_id"] = json!("ZZ9999");
    app.post(BASE, Some(&sa), ghost)
        .await
        .expect_error(404, "not_found");

    // resolve/enabled: the account's own first, else the system one.
    let (id, values) = resolved_secret(&app, Some("AA0001")).await.unwrap();
    assert_eq!(
        (id.as_str(), values["client_id"].as_str()),
        (own.as_str(), Some("alpha-2"))
    );
    let (id, _) = resolved_secret(&app, Some("AA0002")).await.unwrap();
    assert_eq!(id, system);
    app.patch(
        &format!("{BASE}/{own}"),
        Some(&a),
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    let (id, _) = resolved_secret(&app, Some("AA0001")).await.unwrap();
    assert_eq!(id, system);
    create(
        &app,
        &a,
        json!({"display_name": "GitHub", "category": "auth_providers", "provider_name": "github",
               "config": {"client_id": "gh", "client_secret": "ghs"}, "priority": -1}),
    )
    .await;
    let enabled = configuration::enabled(&app.state, "auth_providers", Some("AA0001"))
        .await
        .unwrap();
    assert_eq!(
        enabled,
        vec![
            ("github".to_string(), "GitHub".to_string()),
            ("oidc".to_string(), "System SSO".to_string())
        ]
    );
    let for_beta = configuration::enabled(&app.state, "auth_providers", Some("AA0002"))
        .await
        .unwrap();
    assert_eq!(
        for_beta,
        vec![("oidc".to_string(), "System SSO".to_string())]
    );
    let gh = configuration::resolve(&app.state, "auth_providers", "github", Some("AA0001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gh.values["base_url"], "https://github.com");
    assert_eq!(gh.values["client_secret"], "ghs");
    assert!(
        configuration::resolve(&app.state, "auth_providers", "github", Some("AA0002"))
            .await
            .unwrap()
            .is_none()
    );

    // Deleting the account deletes its configurations.
    app.delete("/api/v1/accounts/AA0001", Some(&sa))
        .await
        .expect(204);
    assert_eq!(app.count("configurations").await, 1);
});

/// Serves `{issuer}/.well-known/openid-configuration` on 127.0.0.1 naming
/// `issuer` (or the server itself when `None`); returns the server's base.
async fn discovery_server(issuer: Option<&'static str>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let named = issuer.map(str::to_string).unwrap_or_else(|| base.clone());
    let doc = json!({
        "issuer": named,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/jwks"),
    });
    let app = axum::Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

fn trial(issuer: &str) -> Value {
    json!({"category": "auth_providers", "provider_name": "oidc",
           "config": {"issuer_url": issuer, "client_id": "c", "client_secret": "********"}})
}

both_config!(
    test_connection_reads_the_discovery_document,
    |c| c.oauth_allow_private_networks = true,
    |app| {
        let sa = app.superadmin().await;
        let path = format!("{BASE}/test-connection");
        let base = discovery_server(None).await;
        let ok = app.post(&path, Some(&sa), trial(&base)).await;
        assert_eq!(ok.expect(200)["success"], true, "{}", ok.text);
        assert_eq!(ok.json["details"]["issuer"], base.as_str());
        assert_eq!(
            ok.json["details"]["token_endpoint"],
            format!("{base}/token")
        );

        let liar = discovery_server(Some("https://elsewhere.example.com")).await;
        let r = app.post(&path, Some(&sa), trial(&liar)).await;
        assert_eq!(r.expect(200)["success"], false);
        assert!(r.json["message"].as_str().unwrap().contains("elsewhere"));

        // Nothing listens there.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let r = app
            .post(&path, Some(&sa), trial(&format!("http://{dead}")))
            .await;
        assert_eq!(r.expect(200)["success"], false, "{}", r.text);
        assert!(!r.json["message"].as_str().unwrap().is_empty());
        // Not a URL, no issuer, unknown category: 4xx.
        let r = app.post(&path, Some(&sa), trial("gopher://x")).await;
        r.expect_error(422, "validation_error");
        let r = app
            .post(
                &path,
                Some(&sa),
                json!({"category": "auth_providers", "provider_name": "oidc", "config": {}}),
            )
            .await;
        r.expect_error(422, "validation_error");
        app.post(
            &path,
            Some(&sa),
            json!({"category": "nope", "provider_name": "oidc", "config": {}}),
        )
        .await
        .expect_error(400, "bad_request");

        // Private networks refused when not allowed.
        app.restart_with(|c| c.oauth_allow_private_networks = false)
            .await;
        let sa = app.superadmin_token().await;
        let r = app.post(&path, Some(&sa), trial(&base)).await;
        assert_eq!(r.expect(200)["success"], false);
        let message = r.json["message"].as_str().unwrap();
        assert!(
            message.contains("internal") && !message.contains("webhooks"),
            "{message}"
        );
        let r = app
            .post(&path, Some(&sa), trial("http://localhost:9"))
            .await;
        assert_eq!(r.expect(200)["success"], false, "{}", r.text);
    }
);
