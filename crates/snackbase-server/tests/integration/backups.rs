//! Backups: taken while a writer inserts, they restore to a sound database
//! holding every row acknowledged before the backup started, with the
//! files; a corrupted archive is refused; the superadmin API (start, list,
//! get, download, delete, retention, one at a time) and its refusals.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use snackbase_server::backup::{self, restore, Quiet, Sources};
use snackbase_server::config::BackupDestination;
use snackbase_server::files::key::Key;
use snackbase_server::files::Storage;

use crate::both;
use crate::both_config;
use crate::harness::TestApp;

/// An account admin's token and a `notes` collection.
async fn world(app: &TestApp, sa: &str) -> String {
    app.post(
        "/api/v1/collections",
        Some(sa),
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn put_object(storage: &Storage, key: &str, bytes: &[u8]) {
    let (key, _) = Key::parse(key).unwrap();
    let mut upload = storage.upload(&key);
    upload.write(bytes.to_vec().into()).await.unwrap();
    upload.finish().await.unwrap();
}

/// Starts a backup through the API and waits for its end.
async fn backup_now(app: &TestApp, sa: &str) -> Value {
    let begun = app.post("/api/v1/admin/backups", Some(sa), json!({})).await;
    let id = begun.expect(202)["id"].as_str().unwrap().to_string();
    assert_eq!(begun.json["status"], "running");
    for _ in 0..600 {
        let got = app
            .get(&format!("/api/v1/admin/backups/{id}"), Some(sa))
            .await;
        let got = got.expect(200).clone();
        if got["status"] != "running" {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("backup {id} did not finish");
}

/// A scratch place to restore into: an empty SQLite path and a local storage.
fn scratch(dir: &Path) -> Sources {
    let mut config = snackbase_server::config::Config::for_tests(
        &format!("sqlite://{}", dir.join("restored.db").display()),
        dir.to_path_buf(),
    );
    config.storage_path = dir.join("files");
    Sources::from_config(&config, Storage::build(&config).unwrap()).unwrap()
}

both!(
    a_backup_taken_under_writes_restores_every_acknowledged_row,
    |app| {
        let sa = app.superadmin().await;
        let token = world(&app, &sa).await;
        put_object(
            &app.state.storage,
            "AA0001/uploads/kept_abc123.txt",
            b"file body",
        )
        .await;

        // A writer creates records continuously and notes each acknowledged id.
        let acked: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (client, base, token) = (app.client.clone(), app.base.clone(), token.clone());
            let (acked, stop) = (acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let res = client
                        .post(format!("{base}/api/v1/records/notes"))
                        .bearer_auth(&token)
                        .json(&json!({"title": format!("note {n}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201, "a write failed during the backup");
                    let body: Value = res.json().await.unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push(body["id"].as_str().unwrap().to_string());
                }
            })
        };
        while acked.lock().unwrap().len() < 50 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let before: Vec<String> = acked.lock().unwrap().clone();
        let made = backup_now(&app, &sa).await;
        // Writes went on while the backup ran.
        let during = acked.lock().unwrap().len();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        assert!(acked.lock().unwrap().len() > during, "writes stopped");

        assert_eq!(made["status"], "completed", "{made}");
        assert_eq!(made["verified"], true);
        assert_eq!(made["files_count"], 1);
        let sqlite = app.state.db.sqlite_path().is_some();
        assert_eq!(made["database_bytes"].is_u64(), sqlite);

        let archive = app
            .state
            .config
            .backup
            .dir
            .join(made["file_name"].as_str().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let target = scratch(dir.path());
        let done = restore::restore(&archive, &target, &Quiet).await.unwrap();
        assert_eq!(done.files, 1);
        assert_eq!(done.database_restored, sqlite);
        let (key, _) = Key::parse("AA0001/uploads/kept_abc123.txt").unwrap();
        assert_eq!(target.storage.size(&key).await.unwrap(), 9);
        if sqlite {
            let conn = rusqlite::Connection::open(dir.path().join("restored.db")).unwrap();
            let check: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok");
            let mut stmt = conn.prepare("SELECT id FROM col_notes").unwrap();
            let ids: HashSet<String> = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for id in &before {
                assert!(
                    ids.contains(id),
                    "acknowledged row {id} is missing from the backup"
                );
            }
        }
    }
);

both!(a_corrupted_or_truncated_archive_is_refused, |app| {
    let sa = app.superadmin().await;
    world(&app, &sa).await;
    put_object(
        &app.state.storage,
        "AA0001/uploads/f_abc123.bin",
        &[9u8; 70_000],
    )
    .await;
    let made = backup_now(&app, &sa).await;
    assert_eq!(made["status"], "completed");
    let path = app
        .state
        .config
        .backup
        .dir
        .join(made["file_name"].as_str().unwrap());
    let good = std::fs::read(&path).unwrap();
    let scratch_db = path.with_extension("check.db");
    assert!(backup::verify_into(&path, &scratch_db, &Quiet).is_ok());
    for at in [good.len() / 4, good.len() / 2, good.len() * 3 / 4] {
        let mut bad = good.clone();
        bad[at] ^= 0xA5;
        std::fs::write(&path, &bad).unwrap();
        assert!(
            backup::verify_into(&path, &scratch_db, &Quiet).is_err(),
            "a flipped byte at {at} went unnoticed"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(restore::restore(&path, &scratch(dir.path()), &Quiet)
            .await
            .is_err());
        assert!(
            !dir.path().join("restored.db").exists(),
            "a bad archive was restored"
        );
    }
    std::fs::write(&path, &good[..good.len() - 100]).unwrap();
    assert!(backup::verify_into(&path, &scratch_db, &Quiet).is_err());
});

both_config!(
    the_api_lists_downloads_deletes_and_keeps_the_newest,
    |c| c.backup.keep = 2,
    |app| {
        let sa = app.superadmin().await;
        let token = world(&app, &sa).await;
        let list = app.get("/api/v1/admin/backups", Some(&sa)).await;
        assert_eq!(list.expect(200)["total"], 0);
        assert_eq!(list.json["config"]["keep"], 2);
        assert_eq!(
            list.json["config"]["database_included"],
            app.state.db.sqlite_path().is_some()
        );

        let mut ids = Vec::new();
        for _ in 0..3 {
            let made = backup_now(&app, &sa).await;
            assert_eq!(made["status"], "completed");
            ids.push(made["id"].as_str().unwrap().to_string());
        }
        let list = app.get("/api/v1/admin/backups", Some(&sa)).await;
        let listed: Vec<&str> = list.expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            vec![ids[2].as_str(), ids[1].as_str()],
            "newest two kept"
        );
        app.get(&format!("/api/v1/admin/backups/{}", ids[0]), Some(&sa))
            .await
            .expect(404);

        let res = app
            .client
            .get(format!(
                "{}/api/v1/admin/backups/{}/download",
                app.base, ids[2]
            ))
            .bearer_auth(&sa)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/zstd");
        let bytes = res.bytes().await.unwrap();
        assert_eq!(&bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.tar.zst");
        std::fs::write(&copy, &bytes).unwrap();
        assert!(backup::verify_into(&copy, &dir.path().join("x.db"), &Quiet).is_ok());

        // Refusals: nobody but the superadmin; ids that are not ids.
        app.get("/api/v1/admin/backups", None).await.expect(401);
        app.get("/api/v1/admin/backups", Some(&token))
            .await
            .expect(403);
        app.post("/api/v1/admin/backups", Some(&token), json!({}))
            .await
            .expect(403);
        app.delete(&format!("/api/v1/admin/backups/{}", ids[2]), Some(&token))
            .await
            .expect(403);
        for bad in ["..%2F..%2Fetc%2Fpasswd", "snackbase-x", "snackbase-1'--"] {
            app.get(&format!("/api/v1/admin/backups/{bad}"), Some(&sa))
                .await
                .expect(404);
            app.get(&format!("/api/v1/admin/backups/{bad}/download"), Some(&sa))
                .await
                .expect(404);
        }

        // One at a time.
        let held = app
            .state
            .backups
            .begin(snackbase_server::backup::Trigger::Cli)
            .unwrap();
        app.post("/api/v1/admin/backups", Some(&sa), json!({}))
            .await
            .expect(409);
        app.delete(&format!("/api/v1/admin/backups/{}", held.id), Some(&sa))
            .await
            .expect(409);
        let listed = app.get("/api/v1/admin/backups", Some(&sa)).await;
        assert_eq!(listed.expect(200)["items"][0]["status"], "running");
        backup::run(
            &app.state.backups,
            &app.state.config.backup,
            &Sources::of(&app.state),
            held,
            Arc::new(Quiet),
        )
        .await;

        app.delete(&format!("/api/v1/admin/backups/{}", ids[2]), Some(&sa))
            .await
            .expect(204);
        app.get(
            &format!("/api/v1/admin/backups/{}/download", ids[2]),
            Some(&sa),
        )
        .await
        .expect(404);
    }
);

both_config!(
    a_backup_kept_in_the_storage_is_served_from_there_and_not_backed_up_again,
    |c| c.backup.destination = BackupDestination::Storage,
    |app| {
        let sa = app.superadmin().await;
        world(&app, &sa).await;
        put_object(&app.state.storage, "AA0001/uploads/one_abc123.txt", b"1").await;
        let first = backup_now(&app, &sa).await;
        assert_eq!(first["status"], "completed", "{first}");
        assert_eq!(first["location"], "storage");
        let name = first["file_name"].as_str().unwrap();
        assert!(
            !app.state.config.backup.dir.join(name).exists(),
            "the local copy stays"
        );
        let stored = app.state.storage.list("backups/").await.unwrap();
        assert_eq!(stored, vec![format!("backups/{name}")]);

        // The next backup holds the one file, not the first archive.
        let second = backup_now(&app, &sa).await;
        assert_eq!(second["files_count"], 1);

        let res = app
            .client
            .get(format!(
                "{}/api/v1/admin/backups/{}/download",
                app.base,
                first["id"].as_str().unwrap()
            ))
            .bearer_auth(&sa)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.bytes().await.unwrap().len() as u64,
            first["size_bytes"].as_u64().unwrap()
        );

        app.delete(
            &format!("/api/v1/admin/backups/{}", first["id"].as_str().unwrap()),
            Some(&sa),
        )
        .await
        .expect(204);
        assert_eq!(app.state.storage.list("backups/").await.unwrap().len(), 1);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_database_a_server_has_open() {
    let app = TestApp::start(crate::harness::Backend::Sqlite).await;
    let path = app.state.db.sqlite_path().unwrap().to_path_buf();
    let err = restore::ensure_unused(&path).unwrap_err();
    assert!(err.to_string().contains("stop the server"), "{err}");
}

both!(each_scheduled_backup_slot_is_claimed_once, |app| {
    let db = &app.state.db;
    assert!(backup::claim_scheduled_slot(db, 7_200, 3_600)
        .await
        .unwrap());
    assert!(!backup::claim_scheduled_slot(db, 7_200, 3_600)
        .await
        .unwrap());
    assert!(backup::claim_scheduled_slot(db, 10_800, 3_600)
        .await
        .unwrap());
    if db.backend() != snackbase_server::db::Backend::Postgres {
        return; // one node on SQLite
    }
    // Two nodes reaching the same tick at once: one makes the backup.
    let other = app.another_node().await;
    for slot in (14_400..).step_by(3_600).take(20) {
        let (a, b) = tokio::join!(
            backup::claim_scheduled_slot(db, slot, 3_600),
            backup::claim_scheduled_slot(&other.state.db, slot, 3_600)
        );
        assert!(
            a.unwrap() ^ b.unwrap(),
            "slot {slot}: exactly one node claims it"
        );
    }
    assert_eq!(app.count("backup_slots").await, 22);
    // Slots a hundred intervals older than a new one are forgotten.
    assert!(backup::claim_scheduled_slot(db, 3_600 * 200, 3_600)
        .await
        .unwrap());
    assert_eq!(app.count("backup_slots").await, 1);
});

/// SQLite: a commit never checkpoints (the writer's auto-checkpoint is off,
/// so a backup's disk traffic cannot stall the commit that would have run
/// it); the checkpointer thread folds the WAL into the database file while
/// the server runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_off_the_writer() {
    let app = TestApp::start(crate::harness::Backend::Sqlite).await;
    let snackbase_server::db::Db::Sqlite { write, read, .. } = &app.state.db else {
        unreachable!("a SQLite app")
    };
    let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(write)
        .await
        .expect("pragma");
    assert_eq!(auto, 0, "the writer leaves checkpoints to the checkpointer");
    let path = app.state.db.sqlite_path().unwrap().to_path_buf();
    let (_, a, _) = app.with_posts().await;
    // Let the checkpointer catch up with the set-up first.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (runs, size) = (
        app.state.db.checkpoints().expect("SQLite"),
        std::fs::metadata(&path).unwrap().len(),
    );
    let title = "t".repeat(90);
    for _ in 0..5 {
        let records: Vec<Value> = (0..100).map(|_| json!({"title": title})).collect();
        app.post(
            "/api/v1/records/posts/batch",
            Some(&a),
            json!({ "records": records }),
        )
        .await
        .expect(201);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let grown = std::fs::metadata(&path).unwrap().len() > size;
        if app.state.db.checkpoints().unwrap() > runs && grown {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint folded the writes into the file"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM col_posts")
        .fetch_one(read)
        .await
        .expect("count");
    assert_eq!(n, 500);
}
