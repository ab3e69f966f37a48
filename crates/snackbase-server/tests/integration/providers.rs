//! Mail and storage providers configured at run time (issue 18): an SMTP
//! configuration is used by the next mail without a restart (the account's
//! own before the system one, the environment's when none), a storage
//! configuration switches where files go at once (and back), secrets are
//! sealed and masked, the scope rules (storage is the superadmin's and
//! system-wide, an account's SMTP server must be public), and
//! test-connection against a real SMTP server and real storages.

use std::time::Duration;

use serde_json::{json, Value};

use crate::files::FileApp;
use crate::harness::*;
use crate::s3::{files_under, Store};
use crate::{both, both_config, files_test};

const BASE: &str = "/api/v1/admin/configuration";
const PASSWORD_SECRET: &str = "smtp-password-never-shown-7";

fn smtp(name: &str, port: u16, from: &str) -> Value {
    json!({
        "display_name": name,
        "category": "email_providers",
        "provider_name": "smtp",
        "config": {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from_email": from,
            "from_name": name,
        },
    })
}

fn local_storage(name: &str, path: &std::path::Path) -> Value {
    json!({
        "display_name": name,
        "category": "storage_providers",
        "provider_name": "local",
        "config": {"path": path.to_str().unwrap()},
    })
}

async fn forgot(app: &TestApp, email: &str, account: &str) {
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        json!({"email": email, "account": account}),
    )
    .await
    .expect(200);
}

/// A stored file's status and bytes.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}/api/v1/files/{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.bytes().await.unwrap().to_vec())
}

/// Waits a moment and returns what the sink holds.
async fn settled(sink: &SmtpSink) -> Vec<String> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    sink.messages()
}

both_config!(
    mail_follows_the_configurations_without_restart,
    |c| c.smtp_allow_private_networks = true,
    |app| {
        let system_sink = SmtpSink::start();
        let alpha_sink = SmtpSink::start();
        let sa = app.superadmin().await;
        let (alpha, _beta) = app.alpha_and_beta().await;

        // No SMTP anywhere: nothing is mailed.
        forgot(&app, "a@example.com", "alpha").await;
        assert!(settled(&system_sink).await.is_empty());

        // A system configuration: the next mail goes through it, from its address.
        let mut body = smtp("System mail", system_sink.port, "system@example.com");
        // A password without a username is kept but not used (the sink
        // offers no AUTH); what matters here is that it stays secret.
        body["config"]["password"] = json!(PASSWORD_SECRET);
        let system_id = app.post(BASE, Some(&sa), body).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        forgot(&app, "a@example.com", "alpha").await;
        let first = system_sink.wait_for(1).await;
        assert!(first.contains("X-Envelope-To: a@example.com"), "{first}");
        assert!(
            first.contains("From: \"System mail\" <system@example.com>")
                || first.contains("From: System mail <system@example.com>"),
            "{first}"
        );

        // The password is sealed and masked.
        let values = app
            .get(&format!("{BASE}/{system_id}/values"), Some(&sa))
            .await;
        assert_eq!(values.expect(200)["password"], "********");
        assert!(!values.text.contains(PASSWORD_SECRET));
        let (plain, sealed): (String, Option<String>) = snackbase_server::on_pool!(
            &app.state.db,
            |p| sqlx::query_as("SELECT config, secrets FROM configurations WHERE id = $1")
                .bind(&system_id)
                .fetch_one(p)
                .await
                .unwrap()
        );
        assert!(!plain.contains(PASSWORD_SECRET) && !plain.contains("password"));
        assert!(!sealed.unwrap_or_default().contains(PASSWORD_SECRET));

        // Alpha's own configuration wins for Alpha's mail; Beta's still uses the system one.
        let alpha_id = app
            .post(
                BASE,
                Some(&alpha),
                smtp("Alpha mail", alpha_sink.port, "alpha@example.com"),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        forgot(&app, "a@example.com", "alpha").await;
        let own = alpha_sink.wait_for(1).await;
        assert!(own.contains("alpha@example.com"), "{own}");
        forgot(&app, "b@example.com", "beta").await;
        let beta = system_sink.wait_for(2).await;
        assert!(beta.contains("X-Envelope-To: b@example.com"), "{beta}");
        assert_eq!(settled(&alpha_sink).await.len(), 1);

        // Alpha turns theirs off: back to the system one.
        app.patch(
            &format!("{BASE}/{alpha_id}"),
            Some(&alpha),
            json!({"enabled": false}),
        )
        .await
        .expect(200);
        forgot(&app, "a@example.com", "alpha").await;
        let back = system_sink.wait_for(3).await;
        assert!(back.contains("X-Envelope-To: a@example.com"), "{back}");
        assert_eq!(settled(&alpha_sink).await.len(), 1);

        // A changed port applies to the next mail; the masked password is kept.
        let moved = SmtpSink::start();
        app.patch(
            &format!("{BASE}/{system_id}/values"),
            Some(&sa),
            json!({"port": moved.port, "password": "********"}),
        )
        .await
        .expect(200);
        let test = app
            .post(
                "/api/v1/admin/email/templates/reset_password/test",
                Some(&sa),
                json!({"recipient_email": "ops@example.com"}),
            )
            .await;
        assert_eq!(test.expect(200)["status"], "sent", "{:?}", test.json);
        moved.wait_for(1).await;
        assert_eq!(settled(&system_sink).await.len(), 3);
        let stored = app
            .get(&format!("{BASE}/{system_id}/values"), Some(&sa))
            .await;
        assert_eq!(stored.expect(200)["password"], "********");

        // Every change is in the audit trail, the password never in clear.
        app.settle_audit().await;
        let trail: Vec<String> = snackbase_server::on_pool!(&app.state.db, |p| {
            sqlx::query_scalar(
            "SELECT COALESCE(columns, new_value, '') FROM audit_log WHERE table_name = 'configurations'"
        )
        .fetch_all(p)
        .await
        .unwrap()
        });
        assert!(!trail.is_empty());
        assert!(
            trail.iter().all(|v| !v.contains(PASSWORD_SECRET)),
            "{trail:?}"
        );

        // Deleted: the environment has none, so nothing is mailed again.
        app.delete(&format!("{BASE}/{system_id}"), Some(&sa))
            .await
            .expect(200);
        forgot(&app, "b@example.com", "beta").await;
        assert_eq!(settled(&moved).await.len(), 1);
    }
);

both!(smtp_values_and_scope_are_checked, |app| {
    let sa = app.superadmin().await;
    let (alpha, _beta) = app.alpha_and_beta().await;
    let sink = SmtpSink::start();

    // Bad values name their field.
    let mut bad = smtp("Bad", 0, "not-an-address");
    bad["config"]["security"] = json!("ssl3");
    bad["config"]["host"] = json!("http://mail.example.com");
    let r = app.post(BASE, Some(&sa), bad).await;
    let fields: Vec<String> = r.expect(422)["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "config.port",
        "config.from_email",
        "config.security",
        "config.host",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    let mut big = smtp("Big", 25, "a@example.com");
    big["config"]["port"] = json!(70000);
    app.post(BASE, Some(&sa), big).await.expect(422);

    // An account's SMTP server must be public (the system's may be anything).
    for host in [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "[::1]",
        "169.254.169.254",
    ] {
        let mut own = smtp("Alpha mail", 25, "alpha@example.com");
        own["config"]["host"] = json!(host);
        let r = app.post(BASE, Some(&alpha), own).await;
        assert_eq!(
            r.expect(422)["details"][0]["code"],
            "internal_host",
            "{host}: {:?}",
            r.json
        );
    }
    let public = {
        let mut own = smtp("Alpha mail", 25, "alpha@example.com");
        own["config"]["host"] = json!("smtp.example.com");
        app.post(BASE, Some(&alpha), own).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Nor can it be moved there later.
    app.patch(
        &format!("{BASE}/{public}/values"),
        Some(&alpha),
        json!({"host": "127.0.0.1"}),
    )
    .await
    .expect_error(422, "validation_error");
    app.post(
        BASE,
        Some(&sa),
        smtp("System mail", sink.port, "system@example.com"),
    )
    .await
    .expect(201);

    // test-connection: the real server answers; a dead port does not; an
    // account admin cannot probe internal addresses.
    let ok = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            json!({"category": "email_providers", "provider_name": "smtp",
                   "config": smtp("x", sink.port, "s@example.com")["config"]}),
        )
        .await;
    assert_eq!(ok.expect(200)["success"], true, "{:?}", ok.json);
    assert!(sink.messages().is_empty(), "a test sends no mail");
    let dead = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            json!({"category": "email_providers", "provider_name": "smtp",
                   "config": smtp("x", 1, "s@example.com")["config"]}),
        )
        .await;
    assert_eq!(dead.expect(200)["success"], false);
    assert!(dead.json["message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1:1"));
    app.post(
        &format!("{BASE}/test-connection"),
        Some(&alpha),
        json!({"category": "email_providers", "provider_name": "smtp",
               "config": smtp("x", sink.port, "s@example.com")["config"]}),
    )
    .await
    .expect_error(422, "validation_error");
});

files_test!(storage_follows_the_configurations_without_restart, |app| {
    let sa = app.superadmin().await;
    let png = |n: u8| {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        bytes.extend(std::iter::repeat_n(n, 64));
        bytes
    };
    let before = app
        .upload(Some(&sa), "before.png", png(1), "image/png")
        .await;
    let before_path = before.expect(201)["file"]["path"]
        .as_str()
        .or_else(|| before.json["path"].as_str())
        .unwrap()
        .to_string();
    let env_files = app.disk();
    assert!(!env_files.is_empty());

    // A local storage configuration: new files go there at once.
    let other = tempfile::tempdir().unwrap();
    let dir = other.path().join("files");
    let id = app
        .post(BASE, Some(&sa), local_storage("Second disk", &dir))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let storage = app.get("/api/v1/admin/storage", Some(&sa)).await;
    assert_eq!(storage.expect(200)["backend"], "local");
    assert_eq!(storage.json["configuration_id"], id.as_str());
    assert!(
        storage.json["local"]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("files") && p.starts_with(other.path().to_str().unwrap())),
        "{:?}",
        storage.json
    );
    let after = app
        .upload(Some(&sa), "after.png", png(2), "image/png")
        .await;
    let after_path = after.expect(201)["file"]["path"]
        .as_str()
        .or_else(|| after.json["path"].as_str())
        .unwrap()
        .to_string();
    assert_eq!(files_under(&dir).len(), 1, "{:?}", files_under(&dir));
    assert_eq!(
        app.disk(),
        env_files,
        "nothing more in the environment's storage"
    );
    assert_eq!(download(&app, &sa, &after_path).await, (200, png(2)));
    // Files are not moved: the earlier one is not on this storage.
    assert_eq!(download(&app, &sa, &before_path).await.0, 404);

    // Disabled: back to the environment's storage, which still has the first file.
    app.patch(
        &format!("{BASE}/{id}"),
        Some(&sa),
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    assert_eq!(download(&app, &sa, &before_path).await, (200, png(1)));

    // Enabled again and then deleted: the storage follows each change.
    app.patch(&format!("{BASE}/{id}"), Some(&sa), json!({"enabled": true}))
        .await
        .expect(200);
    app.upload(Some(&sa), "third.png", png(3), "image/png")
        .await
        .expect(201);
    assert_eq!(files_under(&dir).len(), 2);
    app.delete(&format!("{BASE}/{id}"), Some(&sa))
        .await
        .expect(200);
    let storage = app.get("/api/v1/admin/storage", Some(&sa)).await;
    assert_eq!(storage.expect(200)["configuration_id"], Value::Null);
    app.upload(Some(&sa), "fourth.png", png(4), "image/png")
        .await
        .expect(201);
    assert_eq!(files_under(&dir).len(), 2);
    assert_eq!(app.disk().len(), env_files.len() + 1);
});

both!(storage_scope_values_and_test_connection, |app| {
    let sa = app.superadmin().await;
    let (alpha, _beta) = app.alpha_and_beta().await;
    let dir = tempfile::tempdir().unwrap();

    // Only the superadmin, only system-wide.
    app.post(BASE, Some(&alpha), local_storage("Mine", dir.path()))
        .await
        .expect_error(403, "forbidden");
    let mut for_alpha = local_storage("For Alpha", dir.path());
    for_alpha["account_id"] = json!("AA0001");
    let r = app.post(BASE, Some(&sa), for_alpha).await;
    assert_eq!(r.expect(422)["details"][0]["field"], "account_id");
    app.post(
        &format!("{BASE}/test-connection"),
        Some(&alpha),
        json!({"category": "storage_providers", "provider_name": "local",
               "config": {"path": dir.path().to_str().unwrap()}}),
    )
    .await
    .expect_error(403, "forbidden");

    // Values: a relative path, a bad bucket, a URL that is not one.
    let r = app
        .post(
            BASE,
            Some(&sa),
            local_storage("Rel", std::path::Path::new("files")),
        )
        .await;
    assert_eq!(r.expect(422)["details"][0]["field"], "config.path");
    let r = app
        .post(
            BASE,
            Some(&sa),
            json!({"display_name": "S3", "category": "storage_providers", "provider_name": "s3",
                   "config": {"bucket": "Bad_Bucket", "endpoint": "ftp://x"}}),
        )
        .await;
    let fields: Vec<&str> = r.expect(422)["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"config.bucket") && fields.contains(&"config.endpoint"));
    // A directory that cannot be created is refused before it is saved.
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let r = app
        .post(
            BASE,
            Some(&sa),
            local_storage("Blocked", &blocker.join("sub")),
        )
        .await;
    assert_eq!(r.expect(422)["details"][0]["code"], "storage_unusable");
    assert_eq!(app.count("configurations").await, 0);

    // test-connection writes, reads back and deletes a probe.
    let ok = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            json!({"category": "storage_providers", "provider_name": "local",
                   "config": {"path": dir.path().join("probe").to_str().unwrap()}}),
        )
        .await;
    assert_eq!(ok.expect(200)["success"], true, "{:?}", ok.json);
    assert!(files_under(&dir.path().join("probe")).is_empty());
});

/// An S3 configuration against the real S3-compatible server: test-connection
/// with the right and a wrong secret (also through a saved configuration's
/// masked secret), then files go to the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_configuration_is_tested_and_used() {
    if !crate::s3::s3_available() {
        return;
    }
    let s3 = crate::s3::S3Server::start().await;
    let app = FileApp::start(Backend::Sqlite, Store::Local, |_| {}).await;
    let sa = app.superadmin().await;
    let config = |secret: &str| {
        json!({
            "bucket": crate::s3::BUCKET,
            "endpoint": format!("http://127.0.0.1:{}", s3.port),
            "access_key_id": crate::s3::ACCESS_KEY,
            "secret_access_key": secret,
            "force_path_style": true,
        })
    };
    let test = |config: Value, id: Option<&str>| {
        let mut body =
            json!({"category": "storage_providers", "provider_name": "s3", "config": config});
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        body
    };
    let ok = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            test(config(crate::s3::SECRET_KEY), None),
        )
        .await;
    assert_eq!(ok.expect(200)["success"], true, "{:?}", ok.json);
    let wrong = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            test(config("not-the-secret-at-all"), None),
        )
        .await;
    assert_eq!(wrong.expect(200)["success"], false);

    let id = app
        .post(
            BASE,
            Some(&sa),
            json!({"display_name": "Bucket", "category": "storage_providers", "provider_name": "s3",
                   "config": config(crate::s3::SECRET_KEY)}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let masked = app
        .post(
            &format!("{BASE}/test-connection"),
            Some(&sa),
            test(config("********"), Some(&id)),
        )
        .await;
    assert_eq!(masked.expect(200)["success"], true, "{:?}", masked.json);
    let storage = app.get("/api/v1/admin/storage", Some(&sa)).await;
    assert_eq!(storage.expect(200)["backend"], "s3");
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend([7u8; 64]);
    app.upload(Some(&sa), "in-bucket.png", png, "image/png")
        .await
        .expect(201);
    assert!(
        files_under(s3.root.path())
            .iter()
            .any(|f| f.starts_with(crate::s3::BUCKET) && f.ends_with(".png")),
        "{:?}",
        files_under(s3.root.path())
    );
    assert!(
        app.disk().is_empty(),
        "nothing in the environment's storage"
    );
}

/// Another node on the same PostgreSQL follows a storage change within its
/// poll interval (two seconds), without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_follows_a_storage_change() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let sa = app.superadmin().await;
    let other = app.another_node().await;
    let dir = tempfile::tempdir().unwrap();
    let id = app
        .post(BASE, Some(&sa), local_storage("Shared", dir.path()))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The other node saw no request; its follower looks every two seconds.
    let wanted = format!("{id}@");
    let follows = |want: Option<String>| {
        let state = other.state.clone();
        async move {
            for _ in 0..60 {
                let source = state.storage.source();
                let ok = match &want {
                    Some(w) => source.as_deref().is_some_and(|s| s.starts_with(w)),
                    None => source.is_none(),
                };
                if ok {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(follows(Some(wanted)).await, "the other node switched");
    app.delete(&format!("{BASE}/{id}"), Some(&sa))
        .await
        .expect(200);
    assert!(follows(None).await, "the other node switched back");
}
