//! TOTP as a second factor: enrolment and confirmation, the login challenge
//! and its verification with a computed code, replay refused, recovery codes
//! used once, the cap on wrong codes and the login lockout, disabling, the
//! administrator's reset (not across accounts), and the enrolment a login
//! demands of admins when their account requires it.

use std::time::Duration;

use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::harness::*;
use crate::{both, both_config};

fn generator(secret: &str) -> TOTP {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
}

fn now_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
}

/// An authenticator app that never shows a code twice: the code of the
/// earliest step after the last one used that the server still accepts
/// (one step of skew either way), waiting for the next step if need be.
pub(crate) struct App {
    secret: String,
    last: Option<u64>,
}

impl App {
    fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_string(),
            last: None,
        }
    }

    async fn code(&mut self) -> String {
        loop {
            let now = now_step();
            let from = self.last.map_or(now - 1, |l| (l + 1).max(now - 1));
            if from <= now + 1 {
                self.last = Some(from);
                return generator(&self.secret).generate(from * 30);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The code last shown (already used).
    fn last_code(&self) -> String {
        generator(&self.secret).generate(self.last.unwrap() * 30)
    }
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("a string: {v}"))
        .to_string()
}

/// Enrols the holder of `token` and returns their app and recovery codes.
pub(crate) async fn enrol(app: &TestApp, token: &str) -> (App, Vec<String>) {
    let setup = app
        .post("/api/v1/auth/totp/setup", Some(token), json!({}))
        .await
        .expect(200)
        .clone();
    let mut authenticator = App::new(&s(&setup["secret"]));
    let code = authenticator.code().await;
    let done = app
        .post(
            "/api/v1/auth/totp/confirm",
            Some(token),
            json!({"code": code}),
        )
        .await
        .expect(200)
        .clone();
    let codes = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    (authenticator, codes)
}

/// The login challenge of a TOTP user.
async fn challenge(app: &TestApp, account: &str, email: &str) -> String {
    let r = app.login(account, email, PASSWORD).await;
    let body = r.expect(200);
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("token").is_none(), "no session before the code");
    s(&body["mfa_token"])
}

async fn verify(app: &TestApp, mfa_token: &str, code: &str) -> Response {
    app.post(
        "/api/v1/auth/mfa/verify",
        None,
        json!({"mfa_token": mfa_token, "code": code}),
    )
    .await
}

both!(enrol_confirm_and_sign_in_with_a_code, |app| {
    let sa = app.superadmin().await;
    let a = s(&app.register("a@example.com", "Alpha").await["token"]);
    let st = app.get("/api/v1/auth/totp", Some(&a)).await;
    assert_eq!(
        st.expect(200).clone(),
        json!({"enabled": false, "pending": false, "confirmed_at": null, "recovery_codes_left": 0})
    );

    let setup = app
        .post("/api/v1/auth/totp/setup", Some(&a), json!({}))
        .await
        .expect(200)
        .clone();
    let secret = s(&setup["secret"]);
    assert_eq!(secret.len(), 32);
    let uri = s(&setup["otpauth_uri"]);
    assert!(
        uri.starts_with("otpauth://totp/SnackBase:a%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=SnackBase"));
    // The seed is sealed at rest.
    assert_eq!(
        app.count(&format!(
            "user_totp WHERE secret_sealed LIKE 'v1.%' AND secret_sealed NOT LIKE '%{secret}%'"
        ))
        .await,
        1
    );
    let st = app.get("/api/v1/auth/totp", Some(&a)).await;
    assert_eq!(st.expect(200)["pending"], true);
    assert_eq!(st.json["enabled"], false);
    // Pending: login still gives tokens.
    app.login("AA0001", "a@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap();

    // A new setup replaces the pending seed.
    let again = app
        .post("/api/v1/auth/totp/setup", Some(&a), json!({}))
        .await
        .expect(200)
        .clone();
    let secret = s(&again["secret"]);
    let mut phone = App::new(&s(&setup["secret"]));
    let stale = phone.code().await;
    app.post(
        "/api/v1/auth/totp/confirm",
        Some(&a),
        json!({"code": stale}),
    )
    .await
    .expect_error(400, "bad_request");
    app.post(
        "/api/v1/auth/totp/confirm",
        Some(&a),
        json!({"code": "12345"}),
    )
    .await
    .expect(422);
    let mut phone = App::new(&secret);
    let code = phone.code().await;
    let done = app
        .post("/api/v1/auth/totp/confirm", Some(&a), json!({"code": code}))
        .await
        .expect(200)
        .clone();
    let codes = done["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(
        done.get("token").is_none(),
        "a signed-in confirm opens no session"
    );
    let st = app.get("/api/v1/auth/totp", Some(&a)).await;
    assert_eq!(st.expect(200)["enabled"], true);
    assert_eq!(st.json["pending"], false);
    assert!(st.json["confirmed_at"].is_string());
    assert_eq!(st.json["recovery_codes_left"], 10);
    app.post("/api/v1/auth/totp/setup", Some(&a), json!({}))
        .await
        .expect_error(409, "conflict");
    app.post("/api/v1/auth/totp/confirm", Some(&a), json!({"code": code}))
        .await
        .expect_error(409, "conflict");

    // Login: the right password answers a challenge, not a session.
    let r = app.login("AA0001", "a@example.com", PASSWORD).await;
    let body = r.expect(200).clone();
    assert_eq!(body["mfa_required"], true);
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert_eq!(body["expires_in"], 300);
    assert!(body.get("token").is_none() && body.get("refresh_token").is_none());
    let mfa_token = s(&body["mfa_token"]);
    // The code used to confirm is not accepted again.
    verify(&app, &mfa_token, &phone.last_code())
        .await
        .expect_error(401, "unauthorized");
    let next = phone.code().await;
    let auth = verify(&app, &mfa_token, &next).await.expect(200).clone();
    let token = s(&auth["token"]);
    assert!(auth["refresh_token"].is_string());
    assert_eq!(auth["user"]["email"], "a@example.com");
    assert_eq!(auth["account"]["id"], "AA0001");
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(me.expect(200)["email"], "a@example.com");
    // The challenge is used up, and the code too (replay with a new challenge).
    verify(&app, &mfa_token, &phone.code().await)
        .await
        .expect_error(401, "unauthorized");
    let fresh = challenge(&app, "AA0001", "a@example.com").await;
    verify(&app, &fresh, &next)
        .await
        .expect_error(401, "unauthorized");
    // The refresh token works as after any login.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": auth["refresh_token"]}),
    )
    .await
    .expect(200);

    let user = app.user_by_email(&sa, "a@example.com").await;
    assert_eq!(user["totp_enabled"], true);
    assert!(user["last_login"].is_string());
    let detail = app
        .get(&format!("/api/v1/users/{}", s(&user["id"])), Some(&sa))
        .await;
    assert_eq!(detail.expect(200)["totp_enabled"], true);
});

both!(recovery_codes_are_single_use_and_renewable, |app| {
    app.superadmin().await;
    let a = s(&app.register("a@example.com", "Alpha").await["token"]);
    let (mut phone, codes) = enrol(&app, &a).await;
    let t = challenge(&app, "AA0001", "a@example.com").await;
    // Any case, with or without dashes.
    let first = codes[0].to_uppercase().replace('-', "");
    verify(&app, &t, &first).await.expect(200);
    let t = challenge(&app, "AA0001", "a@example.com").await;
    verify(&app, &t, &codes[0])
        .await
        .expect_error(401, "unauthorized");
    let auth = verify(&app, &t, &codes[1]).await.expect(200).clone();
    let token = s(&auth["token"]);
    let st = app.get("/api/v1/auth/totp", Some(&token)).await;
    assert_eq!(st.expect(200)["recovery_codes_left"], 8);

    // A new set with a current code; the old set is void.
    app.post(
        "/api/v1/auth/totp/recovery-codes",
        Some(&token),
        json!({"code": "000000"}),
    )
    .await
    .expect_error(400, "bad_request");
    let renewed = app
        .post(
            "/api/v1/auth/totp/recovery-codes",
            Some(&token),
            json!({"code": phone.code().await}),
        )
        .await
        .expect(200)
        .clone();
    let new_codes = renewed["recovery_codes"].as_array().unwrap();
    assert_eq!(new_codes.len(), 10);
    let t = challenge(&app, "AA0001", "a@example.com").await;
    verify(&app, &t, &codes[2])
        .await
        .expect_error(401, "unauthorized");
    verify(&app, &t, &s(&new_codes[0])).await.expect(200);
});

both!(
    wrong_codes_end_the_challenge_and_hostile_input_is_refused,
    |app| {
        app.superadmin().await;
        let (a, b) = app.alpha_and_beta().await;
        let (mut phone_a, codes_a) = enrol(&app, &a).await;
        let (_phone_b, _) = enrol(&app, &b).await;

        // Five wrong codes end the challenge: even a right one is refused then.
        let t = challenge(&app, "AA0001", "a@example.com").await;
        for _ in 0..5 {
            verify(&app, &t, "000000")
                .await
                .expect_error(401, "unauthorized");
        }
        verify(&app, &t, &codes_a[0])
            .await
            .expect_error(401, "unauthorized");
        verify(&app, &t, &phone_a.code().await)
            .await
            .expect_error(401, "unauthorized");

        // Another user's challenge does not take this user's codes.
        let tb = challenge(&app, "AA0002", "b@example.com").await;
        verify(&app, &tb, &codes_a[0])
            .await
            .expect_error(401, "unauthorized");
        verify(&app, &tb, &phone_a.code().await)
            .await
            .expect_error(401, "unauthorized");

        // Malformed tokens and codes.
        let t = challenge(&app, "AA0001", "a@example.com").await;
        for bad in [
            "",
            "x",
            "../../etc",
            &"a".repeat(64),
            &"g".repeat(64),
            &"a".repeat(5000),
        ] {
            verify(&app, bad, &codes_a[0])
                .await
                .expect_error(401, "unauthorized");
        }
        for bad in [
            "",
            "1",
            "12345",
            "1234567",
            "abcdef",
            "١٢٣٤٥٦",
            &"1".repeat(10_000),
        ] {
            let r = verify(&app, &t, bad).await;
            assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.text);
        }
        app.post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": t, "code": codes_a[0], "extra": 1}),
        )
        .await
        .expect(422);
        app.post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": 5, "code": []}),
        )
        .await
        .expect(422);
        let huge = json!({"mfa_token": t, "code": "x".repeat(4 * 1024 * 1024)});
        let r = app.post("/api/v1/auth/mfa/verify", None, huge).await;
        assert_eq!(r.status.as_u16(), 413, "{}", r.text);
        // A verify challenge cannot enrol, nor sign in once expired.
        app.post("/api/v1/auth/totp/setup", None, json!({"mfa_token": t}))
            .await
            .expect_error(401, "unauthorized");
        app.exec_elsewhere("UPDATE mfa_challenges SET expires_at = created_at")
            .await;
        verify(&app, &t, &codes_a[0])
            .await
            .expect_error(401, "unauthorized");
        // Unauthenticated management is refused.
        app.get("/api/v1/auth/totp", None)
            .await
            .expect_error(401, "unauthorized");
        app.post("/api/v1/auth/totp/setup", None, json!({}))
            .await
            .expect_error(401, "unauthorized");
        app.post(
            "/api/v1/auth/totp/disable",
            None,
            json!({"password": PASSWORD}),
        )
        .await
        .expect_error(401, "unauthorized");
        // Not with an API key: a second factor is the user's own business.
        let key = app
            .post(
                "/api/v1/admin/api-keys",
                Some(&a),
                json!({"name": "script", "role": "admin"}),
            )
            .await
            .expect(201)["key"]
            .clone();
        let r = app
            .client
            .post(format!("{}/api/v1/auth/totp/setup", app.base))
            .header("X-API-Key", s(&key))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        TestApp::read(r).await.expect_error(403, "forbidden");
        // The right code still works on a fresh challenge.
        let t = challenge(&app, "AA0001", "a@example.com").await;
        verify(&app, &t, &codes_a[0]).await.expect(200);
    }
);

both_config!(
    wrong_codes_count_toward_the_login_lockout,
    |c| {
        let r = &mut c.rate_limits;
        r.enabled = true;
        r.per_minute = 100_000;
        r.per_hour = 1_000_000;
        r.auth_per_minute = 100_000;
        r.login_per_minute = 100_000;
        r.lockout_threshold = 3;
        r.lockout_base = Duration::from_secs(60);
    },
    |app| {
        app.superadmin().await;
        let a = s(&app.register("a@example.com", "Alpha").await["token"]);
        let (_, codes) = enrol(&app, &a).await;
        let t = challenge(&app, "AA0001", "a@example.com").await;
        verify(&app, &t, "000000").await.expect(401);
        verify(&app, &t, "111111").await.expect(401);
        // The right code resets the count, as a successful login does.
        verify(&app, &t, &codes[0]).await.expect(200);
        let t = challenge(&app, "AA0001", "a@example.com").await;
        for code in ["000000", "111111", "222222"] {
            verify(&app, &t, code).await.expect(401);
        }
        // Locked: the right code, and the right password, are refused.
        verify(&app, &t, &codes[1])
            .await
            .expect_error(429, "too_many_requests");
        app.login("AA0001", "a@example.com", PASSWORD)
            .await
            .expect_error(429, "too_many_requests");
    }
);

both!(disabling_needs_the_password_or_a_code, |app| {
    app.superadmin().await;
    let a = s(&app.register("a@example.com", "Alpha").await["token"]);
    app.post(
        "/api/v1/auth/totp/disable",
        Some(&a),
        json!({"password": PASSWORD}),
    )
    .await
    .expect_error(409, "conflict");
    enrol(&app, &a).await;
    app.post(
        "/api/v1/auth/totp/disable",
        Some(&a),
        json!({"password": "Wrong-Password-1!"}),
    )
    .await
    .expect_error(400, "bad_request");
    app.post("/api/v1/auth/totp/disable", Some(&a), json!({}))
        .await
        .expect(422);
    app.post(
        "/api/v1/auth/totp/disable",
        Some(&a),
        json!({"code": "123456"}),
    )
    .await
    .expect_error(400, "bad_request");
    app.post(
        "/api/v1/auth/totp/disable",
        Some(&a),
        json!({"password": PASSWORD}),
    )
    .await
    .expect(200);
    let st = app.get("/api/v1/auth/totp", Some(&a)).await;
    assert_eq!(st.expect(200)["enabled"], false);
    assert_eq!(app.count("totp_recovery_codes").await, 0);
    app.login("AA0001", "a@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap();

    // Again, off with a code this time.
    let (mut phone, _) = enrol(&app, &a).await;
    app.post(
        "/api/v1/auth/totp/disable",
        Some(&a),
        json!({"code": phone.code().await}),
    )
    .await
    .expect(200);
    assert_eq!(app.count("user_totp").await, 0);
});

both!(an_admin_resets_a_users_totp_within_their_account, |app| {
    let sa = app.superadmin().await;
    let (a, b) = app.alpha_and_beta().await;
    let u = app
        .post(
            "/api/v1/users",
            Some(&sa),
            json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
        )
        .await
        .expect(201)["id"]
        .clone();
    let u = s(&u);
    let ut = s(&app
        .login("AA0001", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]);
    enrol(&app, &ut).await;
    challenge(&app, "AA0001", "u@example.com").await;
    // An impersonation does not manage the user's second factor.
    let acting = app
        .post(
            &format!("/api/v1/users/{u}/impersonate"),
            Some(&sa),
            json!({}),
        )
        .await
        .expect(200)["token"]
        .clone();
    app.get("/api/v1/auth/totp", Some(&s(&acting)))
        .await
        .expect_error(403, "forbidden");
    let path = format!("/api/v1/users/{u}/totp");
    // Not another account's admin, not the user themself.
    app.delete(&path, Some(&b))
        .await
        .expect_error(404, "not_found");
    app.delete(&path, Some(&ut))
        .await
        .expect_error(403, "forbidden");
    // The account's admin does.
    let listed = app.get("/api/v1/users?page_size=100", Some(&a)).await;
    let row = listed.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == u.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["totp_enabled"], true);
    app.delete(&path, Some(&a)).await.expect(204);
    app.delete(&path, Some(&a))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        app.user_by_email(&sa, "u@example.com").await["totp_enabled"],
        false
    );
    app.login("AA0001", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap();
    // The superadmin resets anyone's.
    let (_, _) = enrol(&app, &b).await;
    let b_id = s(&app.user_by_email(&sa, "b@example.com").await["id"]);
    app.delete(&format!("/api/v1/users/{b_id}/totp"), Some(&sa))
        .await
        .expect(204);
    app.login("AA0002", "b@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap();
});

both!(an_account_can_require_its_admins_to_enrol, |app| {
    let sa = app.superadmin().await;
    app.register("a@example.com", "Alpha").await;
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u@example.com", "password": PASSWORD, "account_id": "AA0001", "role": "user"}),
    )
    .await
    .expect(201);
    let acct = app
        .put(
            "/api/v1/accounts/AA0001",
            Some(&sa),
            json!({"require_admin_mfa": true}),
        )
        .await;
    assert_eq!(acct.expect(200)["require_admin_mfa"], true);
    let listed = app.get("/api/v1/accounts", Some(&sa)).await;
    let alpha = listed.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "AA0001")
        .unwrap()
        .clone();
    assert_eq!(alpha["require_admin_mfa"], true);
    // Users who are not admins are not concerned.
    app.login("AA0001", "u@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap();

    let r = app.login("AA0001", "a@example.com", PASSWORD).await;
    let body = r.expect(200).clone();
    assert_eq!(body["mfa_enrollment_required"], true);
    assert!(body.get("token").is_none() && body.get("mfa_required").is_none());
    let t = s(&body["mfa_token"]);
    // It is not a session, nor good for verify.
    app.get("/api/v1/auth/totp", Some(&t))
        .await
        .expect_error(401, "unauthorized");
    verify(&app, &t, "123456")
        .await
        .expect_error(401, "unauthorized");
    let setup = app
        .post("/api/v1/auth/totp/setup", None, json!({"mfa_token": t}))
        .await
        .expect(200)
        .clone();
    let mut phone = App::new(&s(&setup["secret"]));
    app.post(
        "/api/v1/auth/totp/confirm",
        None,
        json!({"mfa_token": t, "code": "000000"}),
    )
    .await
    .expect_error(401, "unauthorized");
    let done = app
        .post(
            "/api/v1/auth/totp/confirm",
            None,
            json!({"mfa_token": t, "code": phone.code().await}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    let token = s(&done["token"]);
    assert!(done["refresh_token"].is_string());
    assert_eq!(done["user"]["email"], "a@example.com");
    let st = app.get("/api/v1/auth/totp", Some(&token)).await;
    assert_eq!(st.expect(200)["enabled"], true);
    // Used up.
    app.post("/api/v1/auth/totp/setup", None, json!({"mfa_token": t}))
        .await
        .expect_error(401, "unauthorized");
    // From now on the admin signs in with a code.
    let t = challenge(&app, "AA0001", "a@example.com").await;
    verify(&app, &t, &phone.code().await).await.expect(200);
    // Back to optional: null.
    let acct = app
        .put(
            "/api/v1/accounts/AA0001",
            Some(&sa),
            json!({"require_admin_mfa": null}),
        )
        .await;
    assert_eq!(acct.expect(200)["require_admin_mfa"], Value::Null);
});
