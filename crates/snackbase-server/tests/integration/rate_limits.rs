//! Brute-force protection: per-address limits, the per-account-and-email
//! limit, the lockout that the right password does not bypass, trusted
//! proxies, and token responses that no cache keeps.

use std::time::Duration;

use serde_json::json;

use crate::harness::*;
use crate::{both, both_config};

/// Rate limiting on, with every limit high except the ones a test lowers.
fn limited(c: &mut snackbase_server::config::Config) {
    let r = &mut c.rate_limits;
    r.enabled = true;
    r.per_minute = 100_000;
    r.per_hour = 1_000_000;
    r.auth_per_minute = 100_000;
    r.login_per_minute = 100_000;
}

const WRONG: &str = "Wrong-Password-1!";

async fn wrong_login(app: &TestApp, account: &str) -> Response {
    app.login(account, "ada@example.com", WRONG).await
}

async fn right_login(app: &TestApp) -> Response {
    app.login("acme", "ada@example.com", PASSWORD).await
}

#[track_caller]
fn assert_too_many(res: &Response) -> u64 {
    res.expect_error(429, "too_many_requests");
    res.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s >= 1)
        .expect("a Retry-After of at least one second")
}

both_config!(fifty_wrong_passwords_lock_the_login, limited, |app| {
    let sa = app.superadmin().await;
    let reg = app.register("ada@example.com", "Acme").await;
    let user_id = reg["user"]["id"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for _ in 0..50 {
        statuses.push(wrong_login(&app, "acme").await.status.as_u16());
    }
    // Five failures, then the pair is locked: every later try is refused
    // without looking at the password.
    assert_eq!(statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let right = right_login(&app).await;
    let retry = assert_too_many(&right);
    assert!((1..=30).contains(&retry), "first lock is 30 s: {retry}");
    assert!(right.json.get("token").is_none());
    // The account code names the same account: no way around the lock.
    let by_code = app.login("AA0001", "ADA@example.com", PASSWORD).await;
    assert_too_many(&by_code);
    // Another user of the account is not affected.
    app.post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": "bob@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
        )
        .await
        .expect(201);
    app.login("acme", "bob@example.com", PASSWORD)
        .await
        .expect(200);
    // An administrator's new password lifts the lock.
    app.put(
        &format!("/api/v1/users/{user_id}/password"),
        Some(&sa),
        json!({"new_password": "Another-Horse-43!"}),
    )
    .await
    .expect(200);
    app.login("acme", "ada@example.com", "Another-Horse-43!")
        .await
        .expect(200);
});

both_config!(
    the_lock_grows_survives_a_restart_and_ends,
    |c| {
        limited(c);
        c.rate_limits.lockout_threshold = 2;
        c.rate_limits.lockout_base = Duration::from_secs(1);
        c.rate_limits.lockout_max = Duration::from_secs(2);
    },
    |app| {
        app.superadmin().await;
        app.register("ada@example.com", "Acme").await;
        wrong_login(&app, "acme").await.expect(401);
        wrong_login(&app, "acme").await.expect(401);
        // Locked for 1 s: the right password is refused.
        assert_too_many(&right_login(&app).await);
        // The count lives in the database: a new node (or a restart) sees it.
        app.restart().await;
        assert_too_many(&right_login(&app).await);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        // The next failure doubles the lock (2 s).
        wrong_login(&app, "acme").await.expect(401);
        let retry = assert_too_many(&right_login(&app).await);
        assert_eq!(retry, 2);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        right_login(&app).await.expect(200);
        // A success forgets the failures: one more wrong try is a plain 401.
        wrong_login(&app, "acme").await.expect(401);
        right_login(&app).await.expect(200);
    }
);

both_config!(
    after_the_maximum_of_failures_only_an_administrator_unlocks,
    |c| {
        limited(c);
        c.rate_limits.lockout_threshold = 100;
        c.rate_limits.lockout_max_failures = 100;
    },
    |app| {
        let sa = app.superadmin().await;
        let reg = app.register("ada@example.com", "Acme").await;
        let user_id = reg["user"]["id"].as_str().unwrap().to_string();
        for _ in 0..100 {
            wrong_login(&app, "acme").await.expect(401);
        }
        let res = right_login(&app).await;
        assert_too_many(&res);
        assert!(res.json["message"]
            .as_str()
            .unwrap()
            .contains("administrator"));
        app.put(
            &format!("/api/v1/users/{user_id}/password"),
            Some(&sa),
            json!({"new_password": PASSWORD}),
        )
        .await
        .expect(200);
        right_login(&app).await.expect(200);
    }
);

both_config!(
    attempts_per_account_and_email_are_limited,
    |c| {
        limited(c);
        c.rate_limits.login_per_minute = 3;
        c.rate_limits.lockout_threshold = 100;
    },
    |app| {
        app.superadmin().await;
        app.register("ada@example.com", "Acme").await;
        for _ in 0..3 {
            wrong_login(&app, "acme").await.expect(401);
        }
        assert_too_many(&wrong_login(&app, "acme").await);
        assert_too_many(&right_login(&app).await);
        // Other pairs have their own budget, existing or not.
        app.login("acme", "eve@example.com", WRONG)
            .await
            .expect(401);
        app.login("nowhere", "ada@example.com", WRONG)
            .await
            .expect(401);
    }
);

both_config!(
    auth_routes_are_limited_per_address,
    |c| {
        limited(c);
        c.rate_limits.auth_per_minute = 4;
    },
    |app| {
        app.superadmin().await;
        let reg = app.register("ada@example.com", "Acme").await;
        let refresh = reg["refresh_token"].as_str().unwrap().to_string();
        // setup + login (inside superadmin()) + register used three of four.
        app.login("acme", "ada@example.com", WRONG)
            .await
            .expect(401);
        let res = app
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        assert_too_many(&res);
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "b@example.com", "password": PASSWORD, "account_name": "B"}),
            )
            .await;
        assert_too_many(&res);
        let res = app
            .post(
                "/api/v1/invitations/0123456789abcdef/accept",
                None,
                json!({"password": PASSWORD}),
            )
            .await;
        assert_too_many(&res);
        // Other routes are under the general limit only.
        app.get("/api/v1/auth/me", reg["token"].as_str())
            .await
            .expect(200);
    }
);

both_config!(
    the_whole_api_is_limited_per_address,
    |c| {
        limited(c);
        c.rate_limits.per_minute = 10;
    },
    |app| {
        for _ in 0..10 {
            app.get("/api/v1/collections", None).await.expect(401);
        }
        let res = app.get("/api/v1/collections", None).await;
        assert_too_many(&res);
        assert!(res.headers.contains_key("x-correlation-id"));
        // Probes are not limited.
        app.get("/health", None).await.expect(200);
        app.get("/ready", None).await.expect(200);
    }
);

both_config!(
    forwarded_for_counts_only_from_a_trusted_proxy,
    |c| {
        limited(c);
        c.rate_limits.auth_per_minute = 2;
        c.server_limits.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    },
    |app| {
        let login = |ip: &'static str| {
            app.client
                .post(format!("{}/api/v1/auth/login", app.base))
                .header("x-forwarded-for", format!("203.0.113.99, {ip}"))
                .json(&json!({"account": "x", "email": "a@example.com", "password": WRONG}))
                .send()
        };
        for _ in 0..2 {
            assert_eq!(login("198.51.100.1").await.unwrap().status(), 401);
        }
        assert_eq!(login("198.51.100.1").await.unwrap().status(), 429);
        // Another client behind the same proxy has its own budget.
        assert_eq!(login("198.51.100.2").await.unwrap().status(), 401);
    }
);

both_config!(
    forwarded_for_is_ignored_without_a_trusted_proxy,
    |c| {
        limited(c);
        c.rate_limits.auth_per_minute = 2;
    },
    |app| {
        for i in 0..3 {
            let res = app
                .client
                .post(format!("{}/api/v1/auth/login", app.base))
                .header("x-forwarded-for", format!("198.51.100.{i}"))
                .json(&json!({"account": "x", "email": "a@example.com", "password": WRONG}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), if i < 2 { 401 } else { 429 });
        }
    }
);

// With the limits off (as `SNACKBASE_RATE_LIMIT_ENABLED=false` says), nothing
// is counted: the old behaviour, kept for benchmarks and trusted networks.
both!(disabled_limits_count_nothing, |app| {
    app.superadmin().await;
    app.register("ada@example.com", "Acme").await;
    for _ in 0..20 {
        wrong_login(&app, "acme").await.expect(401);
    }
    right_login(&app).await.expect(200);
    assert_eq!(app.count("auth_lockouts").await, 0);
});

#[track_caller]
fn assert_no_store(res: &Response) {
    assert_eq!(
        res.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "{}",
        res.text
    );
}

both!(token_responses_are_not_cacheable, |app| {
    let token = app.state.setup.peek().unwrap();
    let res = app
        .post(
            "/api/v1/setup",
            None,
            json!({"token": token, "email": ADMIN_EMAIL, "password": PASSWORD}),
        )
        .await;
    res.expect(201);
    assert_no_store(&res);
    let sa = app.superadmin_token().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "ada@example.com", "password": PASSWORD, "account_name": "Acme"}),
        )
        .await;
    res.expect(201);
    assert_no_store(&res);
    let refresh = res.json["refresh_token"].as_str().unwrap().to_string();
    let res = right_login(&app).await;
    res.expect(200);
    assert_no_store(&res);
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    res.expect(200);
    assert_no_store(&res);
    let invite = app.invitation_token(&sa, "n@example.com").await;
    let res = app
        .post(
            &format!("/api/v1/invitations/{invite}/accept"),
            None,
            json!({"password": PASSWORD}),
        )
        .await;
    res.expect(200);
    assert_no_store(&res);
});

/// The nodes a limit must hold across: on PostgreSQL two nodes of one
/// database, on SQLite the one node.
async fn nodes(app: &TestApp) -> Vec<TestApp> {
    if app.state.db.backend() == snackbase_server::db::Backend::Postgres {
        vec![app.another_node().await]
    } else {
        Vec::new()
    }
}

/// Sends `tries` requests made by `send`, alternating between `app` and the
/// other nodes; returns how many were admitted before the first 429, and
/// checks that every try from there on, on every node, is a 429.
async fn alternate<'a, F, Fut>(
    app: &'a TestApp,
    others: &'a [TestApp],
    tries: usize,
    send: F,
) -> usize
where
    F: Fn(&'a TestApp) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let all: Vec<&TestApp> = std::iter::once(app).chain(others.iter()).collect();
    let mut admitted = 0;
    let mut refused = false;
    for i in 0..tries {
        let res = send(all[i % all.len()]).await;
        if res.status.as_u16() == 429 {
            assert_too_many(&res);
            refused = true;
        } else {
            assert!(!refused, "a try after a 429 was admitted: {}", res.text);
            admitted += 1;
        }
    }
    assert!(refused, "nothing was refused in {tries} tries");
    admitted
}

both_config!(
    login_attempts_are_limited_across_nodes,
    |c| {
        limited(c);
        c.rate_limits.login_per_minute = 3;
        c.rate_limits.lockout_threshold = 100;
    },
    |app| {
        app.superadmin().await;
        app.register("ada@example.com", "Acme").await;
        let others = nodes(&app).await;
        let admitted = alternate(&app, &others, 10, |node| wrong_login(node, "acme")).await;
        assert!(admitted <= 4, "{admitted} attempts admitted");
        assert_eq!(admitted, 3);
        // Every node refuses the right password as well, and another pair
        // still has its budget.
        for node in std::iter::once(&app).chain(others.iter()) {
            assert_too_many(&right_login(node).await);
            node.login("acme", "eve@example.com", WRONG)
                .await
                .expect(401);
        }
    }
);

async fn forgot(node: &TestApp, email: &str) -> Response {
    node.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": email, "account": "AA0001"}),
    )
    .await
}

both_config!(
    mails_are_limited_across_nodes,
    |c| {
        limited(c);
        c.rate_limits.mail_per_hour = 2;
    },
    |app| {
        let others = nodes(&app).await;
        let admitted = alternate(&app, &others, 7, |node| forgot(node, "nobody@example.com")).await;
        assert_eq!(admitted, 2);
        let res = forgot(&app, "nobody@example.com").await;
        let retry = assert_too_many(&res);
        assert!(retry <= 3600, "within the hour: {retry}");
        // Another address has its own budget, on every node.
        for node in std::iter::once(&app).chain(others.iter()) {
            forgot(node, "other@example.com").await.expect(200);
        }
    }
);

both_config!(
    auth_routes_are_limited_per_address_across_nodes,
    |c| {
        limited(c);
        c.rate_limits.auth_per_minute = 5;
    },
    |app| {
        let others = nodes(&app).await;
        let admitted = alternate(&app, &others, 12, |node| {
            node.post(
                "/api/v1/auth/login",
                None,
                json!({"account": "nowhere", "email": "a@example.com", "password": WRONG}),
            )
        })
        .await;
        assert_eq!(admitted, 5);
        // The other auth routes share the budget; others do not count.
        for node in std::iter::once(&app).chain(others.iter()) {
            let res = node
                .post(
                    "/api/v1/auth/forgot-password",
                    None,
                    json!({"email": "a@example.com", "account": "AA0001"}),
                )
                .await;
            let retry = assert_too_many(&res);
            assert!(retry <= 60, "{retry}");
            node.get("/api/v1/collections", None).await.expect(401);
        }
    }
);

both_config!(
    failed_api_keys_are_limited_per_address_across_nodes,
    |c| {
        limited(c);
        c.rate_limits.auth_per_minute = 3;
    },
    |app| {
        let others = nodes(&app).await;
        let bogus = format!("sb_ak.{}.{}", "A".repeat(16), "B".repeat(43));
        let admitted = alternate(&app, &others, 8, |node| {
            let bogus = bogus.clone();
            async move {
                TestApp::read(
                    node.client
                        .get(format!("{}/api/v1/records/posts", node.base))
                        .header("x-api-key", bogus)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        })
        .await;
        assert_eq!(admitted, 3);
    }
);
