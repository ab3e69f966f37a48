use serde_json::json;

use crate::both;
use crate::harness::*;

both!(bad_tokens_are_all_401, |app| {
    let reg = app.register("owner@example.com", "Acme").await;
    let token = reg["token"].as_str().unwrap().to_string();
    let claims = claims_of(&token);
    let now = chrono::Utc::now().timestamp();

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let mut tampered = token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let payload = token.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let mut no_type = claims.clone();
    no_type.as_object_mut().unwrap().remove("type");

    let candidates = [
        sign(&expired, TEST_SECRET),
        tampered,
        alg_none,
        sign(&claims, "another-secret-another-secret-123456"),
        sign(&wrong_issuer, TEST_SECRET),
        sign(&no_type, TEST_SECRET),
        reg["refresh_token"].as_str().unwrap().to_string(),
        "not.a.jwt".to_string(),
    ];
    for bad in &candidates {
        app.get("/api/v1/auth/me", Some(bad))
            .await
            .expect_error(401, "unauthorized");
    }
    // Missing and malformed headers.
    app.get("/api/v1/auth/me", None)
        .await
        .expect_error(401, "unauthorized");
    for header in [
        format!("Token {token}"),
        format!("Bearer {token} extra"),
        "Bearer".to_string(),
    ] {
        let res = app
            .client
            .get(format!("{}/api/v1/auth/me", app.base))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        TestApp::read(res).await.expect_error(401, "unauthorized");
    }
    // The scheme is case-insensitive.
    let res = app
        .client
        .get(format!("{}/api/v1/auth/me", app.base))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
});

both!(a_validly_signed_token_cannot_claim_another_account, |app| {
    let a = app.register("a@example.com", "Alpha").await;
    let b = app.register("b@example.com", "Beta").await;
    let mut forged = claims_of(a["token"].as_str().unwrap());
    forged["account_id"] = b["account"]["id"].clone();
    app.get("/api/v1/auth/me", Some(&sign(&forged, TEST_SECRET)))
        .await
        .expect(401);
    // Nor claim to be the superadmin.
    forged["account_id"] = json!("SY0000");
    app.get("/api/v1/accounts", Some(&sign(&forged, TEST_SECRET)))
        .await
        .expect(401);
    // Nor name a session that is not its own.
    let mut other_session = claims_of(a["token"].as_str().unwrap());
    other_session["sid"] = claims_of(b["token"].as_str().unwrap())["sid"].clone();
    app.get("/api/v1/auth/me", Some(&sign(&other_session, TEST_SECRET)))
        .await
        .expect(401);
});
