use serde_json::json;

use crate::both;
use crate::harness::*;

both!(first_run_setup_works_once, |app| {
    assert_eq!(
        app.get("/api/v1/setup", None).await.expect(200)["needs_setup"],
        true
    );
    let token = app.state.setup.peek().unwrap();
    let wrong = json!({"token": "0".repeat(48), "email": ADMIN_EMAIL, "password": PASSWORD});
    app.post("/api/v1/setup", None, wrong)
        .await
        .expect_error(403, "forbidden");
    // A weak password is refused without burning the token.
    let weak = json!({"token": token, "email": ADMIN_EMAIL, "password": "short"});
    app.post("/api/v1/setup", None, weak)
        .await
        .expect_error(422, "validation_error");
    let ok = json!({"token": token, "email": ADMIN_EMAIL, "password": PASSWORD});
    let created = app
        .post("/api/v1/setup", None, ok.clone())
        .await
        .expect(201)
        .clone();
    assert_eq!(created["account_id"], "SY0000");
    app.post("/api/v1/setup", None, ok)
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        app.get("/api/v1/setup", None).await.expect(200)["needs_setup"],
        false
    );
    // The system account exists and the superadmin logs in by slug or code.
    app.login("system", ADMIN_EMAIL, PASSWORD).await.expect(200);
    let res = app.login("sy0000", ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(res.expect(200)["account"]["name"], "SnackBase System");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn superadmin_from_the_environment() {
    let app = TestApp::start_with(Backend::Sqlite, |c| {
        c.superadmin_email = Some("boot@example.com".into());
        c.superadmin_password = Some(snackbase_server::config::Secret::new(PASSWORD));
    })
    .await;
    assert!(app.state.setup.peek().is_none());
    let res = app.login("system", "boot@example.com", PASSWORD).await;
    assert_eq!(res.expect(200)["user"]["role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_environment_password_stops_start_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let mut config = snackbase_server::config::Config::for_tests(&url, dir.path().to_path_buf());
    config.superadmin_email = Some("boot@example.com".into());
    config.superadmin_password = Some(snackbase_server::config::Secret::new("weak"));
    let err = snackbase_server::AppState::build(config)
        .await
        .err()
        .expect("must fail");
    let text = format!("{err:#}");
    assert!(text.contains("SNACKBASE_SUPERADMIN_PASSWORD"), "{text}");
    assert!(!text.contains("weak\""), "{text}");
}
