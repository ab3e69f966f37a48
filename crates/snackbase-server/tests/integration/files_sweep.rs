//! Files nobody holds any more are removed: after cascaded deletes, removed
//! fields, dropped collections and deleted accounts, and after a crash (the
//! sweeper), on both databases and both storages. The superadmin's storage
//! view redacts secrets and counts usage.

use std::time::Duration;

use serde_json::{json, Value};
use snackbase_server::config::{S3Config, StorageBackend};
use snackbase_server::files::key::Key;
use snackbase_server::files::sweep;

use crate::both;
use crate::files::{docs_world, name_in, picture, png_bytes, uploaded};
use crate::files_test;
use crate::harness::TestApp;

/// Every stored key under `prefix`, sorted.
async fn stored(app: &TestApp, prefix: &str) -> Vec<String> {
    let mut keys = app.state.storage.list(prefix).await.expect("list");
    keys.sort();
    keys
}

/// Waits (up to 10 s) until `prefix` holds exactly `want`.
async fn eventually_stored(app: &TestApp, prefix: &str, want: &[String]) {
    let mut want = want.to_vec();
    want.sort();
    for _ in 0..100 {
        if stored(app, prefix).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored(app, prefix).await, want, "what {prefix} holds");
}

fn upload_key(name: &str) -> String {
    format!("AA0001/uploads/{name}")
}

async fn file_rows(app: &TestApp) -> i64 {
    app.count("files").await
}

/// Waits (up to 10 s) until the `files` table has `want` rows (a purge
/// deletes the object first, then the row).
async fn eventually_rows(app: &TestApp, want: i64) {
    for _ in 0..100 {
        if file_rows(app).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(file_rows(app).await, want, "rows of the files table");
}

/// Writes an object straight into the storage, as a crashed upload would
/// have left it (no row).
async fn put_object(app: &TestApp, key: &str, bytes: Vec<u8>) {
    let (key, _) = Key::parse(key).expect("key");
    let mut upload = app.state.storage.upload(&key);
    upload.write(bytes.into()).await.expect("write");
    upload.finish().await.expect("finish");
}

files_test!(
    files_go_with_cascades_removed_fields_and_dropped_collections,
    |app| {
        let sa = app.superadmin().await;
        let admin = app.register("a@example.com", "Alpha").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        let t = Some(admin.as_str());
        app.post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "albums", "schema": [{"name": "title", "type": "text"}]}),
        )
        .await
        .expect(201);
        let photos = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "photos", "schema": [
                {"name": "album", "type": "reference", "collection": "albums", "on_delete": "cascade"},
                {"name": "pic", "type": "file"},
                {"name": "scan", "type": "file"}
            ]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
        let album = app
            .post("/api/v1/records/albums", t, json!({"title": "Trip"}))
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let f1 = uploaded(&app, &admin, "one.png", png_bytes(100)).await;
        let f2 = uploaded(&app, &admin, "two.png", png_bytes(100)).await;
        let f3 = uploaded(&app, &admin, "three.png", png_bytes(100)).await;
        let f4 = uploaded(&app, &admin, "four.png", png_bytes(100)).await;
        app.post(
            "/api/v1/records/photos",
            t,
            json!({"album": album, "pic": f1, "scan": f2}),
        )
        .await
        .expect(201);
        app.post("/api/v1/records/photos", t, json!({"pic": f3, "scan": f4}))
            .await
            .expect(201);
        let all = [&f1, &f2, &f3, &f4].map(|p| p.to_string());
        assert_eq!(stored(&app, "AA0001/uploads").await, {
            let mut v = all.to_vec();
            v.sort();
            v
        });

        // Deleting the album cascades to its photo: that photo's files go.
        app.delete(&format!("/api/v1/records/albums/{album}"), t)
            .await
            .expect(204);
        eventually_stored(&app, "AA0001/uploads", &[f3.clone(), f4.clone()]).await;
        eventually_rows(&app, 2).await;

        // Removing the `scan` field removes the files it held, and only those.
        app.patch(
            &format!("/api/v1/collections/{photos}"),
            Some(&sa),
            json!({"schema": [
            {"name": "album", "type": "reference", "collection": "albums", "on_delete": "cascade"},
            {"name": "picture", "type": "file", "renamed_from": "pic"}
        ], "confirm_data_loss": true}),
        )
        .await
        .expect(200);
        eventually_stored(&app, "AA0001/uploads", std::slice::from_ref(&f3)).await;
        eventually_rows(&app, 1).await;
        // The renamed field keeps its file (a full sweep agrees).
        let report = sweep::sweep(&app.state, Duration::ZERO).await;
        assert_eq!(report.error, None);
        assert_eq!(stored(&app, "AA0001/uploads").await, [f3.as_str()]);
        let listed = app
            .get("/api/v1/records/photos", t)
            .await
            .expect(200)
            .clone();
        assert_eq!(listed["items"][0]["picture"], name_in(&f3));

        // Dropping the collection removes the rest.
        app.delete(&format!("/api/v1/collections/{photos}"), Some(&sa))
            .await
            .expect(200);
        eventually_stored(&app, "AA0001/uploads", &[]).await;
        eventually_rows(&app, 0).await;
    }
);

files_test!(the_sweeper_finishes_what_a_crash_left_behind, |app| {
    let (_, admin, _) = docs_world(&app).await;
    let t = Some(admin.as_str());
    // What must survive: a standalone upload and a record's file (with a
    // thumbnail made of it).
    let kept = uploaded(&app, &admin, "kept.png", png_bytes(100)).await;
    let cover = uploaded(
        &app,
        &admin,
        "cover.png",
        picture(20, 20, image::ImageFormat::Png),
    )
    .await;
    let id = app
        .post(
            "/api/v1/records/docs",
            t,
            json!({"title": "A", "cover": cover}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let thumb = app
        .download(&format!("docs/{id}/{}?thumb=50x0", name_in(&cover)), t, &[])
        .await;
    assert_eq!(thumb.status, 200);
    let cover_thumb = format!("AA0001/thumbs/{}/50x0", name_in(&cover));
    assert_eq!(stored(&app, "AA0001/thumbs").await, [cover_thumb.as_str()]);

    // Leftovers of a crash, each made the way the crash would have left it:
    // (a) an object whose row was never written, and a thumbnail of a file
    // that is gone;
    put_object(&app, &upload_key("ghost_aaaaaaaaaa.png"), png_bytes(50)).await;
    put_object(
        &app,
        "AA0001/thumbs/gone_bbbbbbbbbb.png/50x0",
        png_bytes(50),
    )
    .await;
    // (b) a file a committed write dropped, its object not yet deleted;
    let dropped = uploaded(&app, &admin, "dropped.png", png_bytes(100)).await;
    app.exec_elsewhere(&format!(
        "UPDATE files SET dropped_at = created_at WHERE key = '{dropped}'"
    ))
    .await;
    // (c) an upload of a record write that never committed;
    let pending = uploaded(&app, &admin, "pending.png", png_bytes(100)).await;
    app.exec_elsewhere(&format!(
        "UPDATE files SET field = 'cover' WHERE key = '{pending}'"
    ))
    .await;
    // (d) a file of a record that is gone without its hooks.
    let orphan_file = uploaded(&app, &admin, "orphan.png", png_bytes(100)).await;
    let orphan = app
        .post(
            "/api/v1/records/docs",
            t,
            json!({"title": "B", "secret": orphan_file}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.exec_elsewhere(&format!("DELETE FROM col_docs WHERE id = '{orphan}'"))
        .await;

    // A restart: nothing of this lives in memory.
    let mut app = app;
    app.app.restart().await;
    app.get(&format!("/api/v1/records/docs/{id}"), t)
        .await
        .expect(200);

    // Within the grace period, only what the database proves goes: (b), (d).
    let report = sweep::sweep(&app.state, Duration::from_secs(3600)).await;
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(report.rows_forgotten, 2, "{report:?}");
    let mut left = vec![
        kept.clone(),
        cover.clone(),
        pending.clone(),
        upload_key("ghost_aaaaaaaaaa.png"),
    ];
    left.sort();
    assert_eq!(stored(&app, "AA0001/uploads").await, left);
    assert_eq!(
        stored(&app, "AA0001/thumbs").await,
        [
            cover_thumb.clone(),
            "AA0001/thumbs/gone_bbbbbbbbbb.png/50x0".to_string(),
        ]
    );

    // Past it, the rest goes too; what is held stays, and stays readable.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = sweep::sweep(&app.state, Duration::ZERO).await;
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(report.rows_forgotten, 1, "the pending upload: {report:?}");
    assert_eq!(report.objects_deleted, 3, "{report:?}");
    let mut left = vec![kept.clone(), cover.clone()];
    left.sort();
    assert_eq!(stored(&app, "AA0001/uploads").await, left);
    assert_eq!(stored(&app, "AA0001/thumbs").await, [cover_thumb]);
    assert_eq!(file_rows(&app).await, 2);
    let got = app
        .download(&format!("docs/{id}/{}", name_in(&cover)), t, &[])
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(app.download(&kept, t, &[]).await.status, 200);

    // The last run is on the superadmin's storage view.
    let sa = app.superadmin_token().await;
    let view = app
        .get("/api/v1/admin/storage", Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(view["sweeper"]["last_run"]["objects_deleted"], 3);
    assert_eq!(view["usage"]["files"], 2);
});

files_test!(deleting_an_account_deletes_its_files, |app| {
    let (alpha, beta) = app.alpha_and_beta().await;
    let a = uploaded(&app, &alpha, "a.png", png_bytes(100)).await;
    let b1 = uploaded(&app, &beta, "b1.png", png_bytes(100)).await;
    let b2 = uploaded(&app, &beta, "b2.png", png_bytes(100)).await;
    assert!(b1.starts_with("AA0002/") && b2.starts_with("AA0002/"));
    assert_eq!(stored(&app, "AA0002").await.len(), 2);
    let sa = app.superadmin().await;
    app.delete("/api/v1/accounts/AA0002", Some(&sa))
        .await
        .expect(204);
    eventually_stored(&app, "AA0002", &[]).await;
    assert_eq!(stored(&app, "AA0001").await, [a.as_str()]);
    assert_eq!(app.download(&a, Some(&alpha), &[]).await.status, 200);
});

both!(
    the_storage_view_is_the_superadmins_and_redacts_secrets,
    |app| {
        let sa = app.superadmin().await;
        let admin = app.register("a@example.com", "Alpha").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        for (method, path) in [
            ("GET", "/api/v1/admin/storage"),
            ("POST", "/api/v1/admin/storage/sweep"),
        ] {
            let res = match method {
                "GET" => app.get(path, Some(&admin)).await,
                _ => app.post(path, Some(&admin), json!({})).await,
            };
            res.expect(403);
            let res = match method {
                "GET" => app.get(path, None).await,
                _ => app.post(path, None, json!({})).await,
            };
            res.expect(401);
        }
        let part = reqwest::multipart::Part::bytes(png_bytes(1234))
            .file_name("x.png")
            .mime_str("image/png")
            .unwrap();
        let res = app
            .client
            .post(format!("{}/api/v1/files/upload", app.base))
            .bearer_auth(&admin)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let view = app
            .get("/api/v1/admin/storage", Some(&sa))
            .await
            .expect(200)
            .clone();
        assert_eq!(view["backend"], "local");
        assert!(view["local"]["path"].as_str().unwrap().starts_with('/'));
        assert_eq!(view["s3"], Value::Null);
        assert_eq!(view["limits"]["max_file_size"], 10_485_760);
        assert_eq!(view["sweeper"]["interval_seconds"], 3600);
        assert_eq!(view["sweeper"]["last_run"], Value::Null);
        assert_eq!(view["usage"]["files"], 1);
        assert_eq!(view["usage"]["bytes"], 1234);
        assert_eq!(
            view["usage"]["by_account"],
            json!([{"account_id": "AA0001", "account_name": "Alpha", "files": 1, "bytes": 1234}])
        );
        let report = app
            .post("/api/v1/admin/storage/sweep", Some(&sa), json!({}))
            .await
            .expect(200)
            .clone();
        assert_eq!(report["error"], Value::Null);
        assert_eq!(report["objects_deleted"], 0, "a young upload is no orphan");

        // An S3 configuration: its secret never leaves the server.
        let s3 = TestApp::start_with(crate::harness::Backend::Sqlite, |c| {
            c.storage = StorageBackend::S3(S3Config {
                bucket: "media".into(),
                endpoint: Some("http://127.0.0.1:9".into()),
                region: "eu-west-1".into(),
                access_key_id: Some("AKIAEXAMPLEKEY".into()),
                secret_access_key: Some(snackbase_server::config::Secret::new(
                    "very-secret-value-123",
                )),
                force_path_style: true,
            });
        })
        .await;
        let sa = s3.superadmin().await;
        let res = s3.get("/api/v1/admin/storage", Some(&sa)).await;
        assert!(!res.text.contains("very-secret-value-123"), "{}", res.text);
        assert!(!res.text.contains("AKIAEXAMPLEKEY"), "{}", res.text);
        let view = res.expect(200);
        assert_eq!(view["backend"], "s3");
        assert_eq!(
            view["s3"],
            json!({"bucket": "media", "region": "eu-west-1", "endpoint": "http://127.0.0.1:9",
               "force_path_style": true, "access_key_id": "AKIA…", "secret_access_key": "••••••••"})
        );
    }
);
