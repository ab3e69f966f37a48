//! The audit trail: record changes recorded in their own transaction (and
//! nothing of a rolled-back one), who sees what, electronic signatures,
//! signed exports verified offline, and a randomized tamper suite that
//! `audit verify` must catch every time.

use serde_json::{json, Value};
use snackbase_server::audit::{chain, offline, verify};

use crate::harness::*;
use crate::{both, both_config};

async fn entries(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/audit-logs?{query}"), Some(token))
        .await
        .expect(200)
        .clone()
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

async fn report(app: &TestApp) -> verify::Report {
    app.settle_audit().await;
    verify::verify(&app.state.db, &app.state.audit.signer.verifier(), None)
        .await
        .expect("verify runs")
}

both!(record_changes_are_recorded_column_by_column, |app| {
    let (sa, a, _) = app.with_posts().await;
    let t = Some(a.as_str());
    let post = app
        .post(
            "/api/v1/records/posts",
            t,
            json!({"title": "one", "views": 3}),
        )
        .await
        .expect(201)
        .clone();
    let id = post["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/records/posts/{id}");
    app.patch(&path, t, json!({"title": "two"}))
        .await
        .expect(200);
    app.delete(&path, t).await.expect(204);

    let q = format!("table_name=posts&record_id={id}&sort_by=id&sort_order=asc");
    let list = entries(&app, &sa, &q).await;
    assert_eq!(list["audit_logging_enabled"], true);
    let all = items(&list);
    let ops: Vec<(String, String)> = all
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap().to_string(),
                e["column_name"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    // The create names each field with a value (views has its default 3),
    // the update only the changed field, the delete each field it removed.
    assert!(ops.contains(&("CREATE".into(), "title".into())), "{ops:?}");
    assert!(ops.contains(&("CREATE".into(), "views".into())), "{ops:?}");
    let updates: Vec<&Value> = all.iter().filter(|e| e["operation"] == "UPDATE").collect();
    assert_eq!(updates.len(), 1, "{ops:?}");
    assert_eq!(updates[0]["column_name"], "title");
    assert_eq!(updates[0]["old_value"], "one");
    assert_eq!(updates[0]["new_value"], "two");
    let deletes: Vec<&Value> = all.iter().filter(|e| e["operation"] == "DELETE").collect();
    assert!(deletes.iter().any(|e| e["column_name"] == "title"
        && e["old_value"] == "two"
        && e["new_value"].is_null()));
    for e in &all {
        assert_eq!(e["account_id"], post["account_id"]);
        assert_eq!(e["user_email"], "a@example.com");
        assert!(
            e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
            "{e}"
        );
        assert_eq!(e["ip_address"], "127.0.0.1");
        assert_eq!(e["checksum"].as_str().unwrap().len(), 64);
        assert_eq!(e["extra_metadata"]["role"], "admin");
        assert!(e["extra_metadata"]["change_seq"].is_i64());
    }
    // The entries of one change share its change sequence and request.
    let creates: Vec<&Value> = all.iter().filter(|e| e["operation"] == "CREATE").collect();
    assert!(creates
        .windows(2)
        .all(
            |w| w[0]["extra_metadata"]["change_seq"] == w[1]["extra_metadata"]["change_seq"]
                && w[0]["request_id"] == w[1]["request_id"]
        ));
    // One entry by id; a filter that matches nothing.
    let one = app
        .get(&format!("/api/v1/audit-logs/{}", all[0]["id"]), Some(&sa))
        .await
        .expect(200)
        .clone();
    assert_eq!(one, all[0]);
    assert_eq!(
        entries(&app, &sa, "table_name=posts&operation=nothing").await["total"],
        0
    );
    // The dashboard shows the newest entries: the delete's.
    let stats = app
        .get("/api/v1/dashboard/stats", Some(&sa))
        .await
        .expect(200)
        .clone();
    let recent = stats["recent_audit_logs"].as_array().unwrap();
    assert!(!recent.is_empty() && recent.len() <= 10);
    assert_eq!(recent[0]["operation"], "DELETE");
    assert_eq!(recent[0]["record_id"], id.as_str());
    let r = report(&app).await;
    assert!(r.ok, "{r:?}");
});

both!(
    a_change_is_one_stored_entry_listed_column_by_column,
    |app| {
        // A change is stored as one entry with its columns inside (one row, one
        // link of the chain); the API lists, pages, counts, finds and exports
        // it as one entry per column, as the SDK expects. Events without
        // columns (a sign-up) are one entry as before.
        let (sa, a, _) = app.with_posts().await;
        let before = app.count("audit_log").await;
        let post = app
        .post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": "wide", "views": 4, "published": true, "status": "draft", "contact": "c@example.com"}),
        )
        .await
        .expect(201)
        .clone();
        assert_eq!(
            app.count("audit_log").await,
            before + 1,
            "one row per change"
        );
        let id = post["id"].as_str().unwrap();
        let q = format!("record_id={id}&sort_by=id&sort_order=asc");
        let list = entries(&app, &sa, &q).await;
        let all = items(&list);
        let n = all.len();
        assert!(n >= 5, "one entry per column: {list}");
        assert_eq!(list["total"], n as i64);
        let several = chain::COLUMNS_PER_ENTRY as i64;
        let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids[0] >= 1 << 40 && ids[n - 1] < 1 << 53, "{ids:?}");
        assert_eq!((ids[0] - (1 << 40)) % several, 0, "{ids:?}");
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
        let mut names: Vec<&str> = all
            .iter()
            .filter_map(|e| e["column_name"].as_str())
            .collect();
        assert_eq!(names.len(), n);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "each column once");
        for e in &all {
            for shared in [
                "checksum",
                "previous_hash",
                "sequence",
                "request_id",
                "occurred_at",
            ] {
                assert_eq!(e[shared], all[0][shared], "{shared}");
            }
        }
        let title = all.iter().find(|e| e["column_name"] == "title").unwrap();
        assert_eq!(
            (title["old_value"].clone(), title["new_value"].clone()),
            (Value::Null, json!("wide"))
        );
        // Pages split a change anywhere; descending is the reverse.
        for skip in 0..n {
            let page = entries(&app, &sa, &format!("{q}&skip={skip}&limit=2")).await;
            assert_eq!(
                items(&page),
                all[skip..(skip + 2).min(n)].to_vec(),
                "skip {skip}"
            );
            assert_eq!(page["total"], n as i64);
        }
        let desc = entries(&app, &sa, &format!("record_id={id}&sort_order=desc")).await;
        let mut reversed = items(&desc);
        reversed.reverse();
        assert_eq!(reversed, all);
        // Each entry by its id; ids next to them are not entries.
        for e in &all {
            let one = app
                .get(&format!("/api/v1/audit-logs/{}", e["id"]), Some(&sa))
                .await
                .expect(200)
                .clone();
            assert_eq!(&one, e);
        }
        for missing in [ids[n - 1] + 1, ids[0] - 1, (1 << 40) - 1, i64::MAX, -1] {
            app.get(&format!("/api/v1/audit-logs/{missing}"), Some(&sa))
                .await
                .expect_error(404, "not_found");
        }
        // A sign-up has no columns: one entry, its row id.
        let signed_up = items(&entries(&app, &a, "operation=REGISTER").await);
        assert_eq!(signed_up.len(), 1);
        assert!(signed_up[0]["id"].as_i64().unwrap() < 1 << 40);
        assert!(signed_up[0]["column_name"].is_null());
        // Sorted by another field, a change's entries stay together.
        let mut account = entries(&app, &a, "sort_by=operation&sort_order=asc&limit=500").await;
        let sorted = items(&account);
        let mut seen = Vec::new();
        for e in &sorted {
            let c = e["checksum"].as_str().unwrap();
            if seen.last().map(String::as_str) != Some(c) {
                assert!(!seen.iter().any(|s| s == c), "a change's entries are apart");
                seen.push(c.to_string());
            }
        }
        assert_eq!(account["total"].take(), json!(sorted.len()));
        // Exported, the columns of a change verify together: a value moved from
        // one column to another, or one column's shared field changed, fails.
        let key = app.state.audit.signer.public_key_hex();
        let export = app
            .get(
                &format!("/api/v1/audit-logs/export?record_id={id}"),
                Some(&sa),
            )
            .await;
        offline::verify_export(export.text.as_bytes(), Some(&key)).expect("valid");
        let mut swapped = export.json.clone();
        let first = swapped["entries"][0]["new_value"].clone();
        swapped["entries"][0]["new_value"] = swapped["entries"][1]["new_value"].clone();
        swapped["entries"][1]["new_value"] = first;
        assert!(offline::verify_export(swapped.to_string().as_bytes(), Some(&key)).is_err());
        let mut other = export.json.clone();
        other["entries"][2]["user_email"] = json!("someone@example.com");
        assert!(offline::verify_export(other.to_string().as_bytes(), Some(&key)).is_err());
        assert!(report(&app).await.ok);
    }
);

both!(a_rolled_back_write_leaves_no_entry, |app| {
    let (sa, a, _) = app.with_posts().await;
    let t = Some(a.as_str());
    app.post("/api/v1/records/posts", t, json!({"title": "kept"}))
        .await
        .expect(201);
    let before = app.count("audit_log").await;
    // The first item is written (and audited) before the second fails:
    // the batch's transaction rolls both back.
    app.post(
        "/api/v1/records/posts/batch",
        t,
        json!({"records": [{"title": "gone"}, {"views": -5}]}),
    )
    .await
    .expect(422);
    app.post("/api/v1/records/posts", t, json!({"views": -1}))
        .await
        .expect(422);
    assert_eq!(
        app.count("audit_log").await,
        before,
        "no entry of a rolled-back change"
    );
    let r = report(&app).await;
    assert!(r.ok, "the chain continues unbroken: {r:?}");
    // A committed batch is recorded in full.
    app.post(
        "/api/v1/records/posts/batch",
        t,
        json!({"records": [{"title": "b1"}, {"title": "b2"}]}),
    )
    .await
    .expect(201);
    let list = entries(&app, &sa, "table_name=posts&operation=CREATE&limit=500").await;
    let all = items(&list);
    let titles: Vec<&str> = all
        .iter()
        .filter(|e| e["column_name"] == "title")
        .filter_map(|e| e["new_value"].as_str())
        .collect();
    assert!(titles.contains(&"b1") && titles.contains(&"b2") && !titles.contains(&"gone"));
    assert!(report(&app).await.ok);
});

/// SQLite: an append continues its chain from the head this process last
/// committed, without reading it back from the writer. A chain that another
/// writer moved meanwhile (here an auditor of its own on the same file, as a
/// command run beside the server would be) is noticed by its next sequence
/// being taken: the head is read again and the append goes on from there,
/// the chain whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_appends_keep_their_head_and_notice_another_writer() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (_, a, _) = app.with_posts().await;
    let t = Some(a.as_str());
    app.post("/api/v1/records/posts", t, json!({"title": "warm"}))
        .await
        .expect(201);
    let heads = app.state.audit.heads.clone();
    let reads = heads.reads();
    for n in 0..5 {
        app.post(
            "/api/v1/records/posts",
            t,
            json!({"title": format!("p{n}")}),
        )
        .await
        .expect(201);
    }
    assert_eq!(heads.reads(), reads, "the head is not read back");
    let last = |app: &TestApp| {
        let read = match &app.state.db {
            snackbase_server::db::Db::Sqlite { read, .. } => read.clone(),
            _ => unreachable!("SQLite"),
        };
        async move {
            let row: (String, i64) =
                sqlx::query_as("SELECT chain, sequence FROM audit_log ORDER BY id DESC LIMIT 1")
                    .fetch_one(&read)
                    .await
                    .unwrap();
            row
        }
    };
    let (chain, before) = last(&app).await;
    let account = chain.strip_prefix("account:").expect("an account's chain");

    // Another writer appends two entries to the same chain.
    let other = snackbase_server::audit::Auditor {
        heads: Default::default(),
        ..app.state.audit.clone()
    };
    for n in 0..2 {
        let mut tx = app.state.db.begin().await.unwrap();
        let event = snackbase_server::audit::Event {
            account_id: Some(account.to_string()),
            operation: "IMPORT".into(),
            table_name: "elsewhere".into(),
            record_id: format!("e{n}"),
            ..Default::default()
        };
        snackbase_server::audit::append(&other, &mut tx, event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(last(&app).await, (chain.clone(), before + 2));

    // The server's next append finds its head stale, reads it once, and
    // follows the other writer's entries.
    app.post("/api/v1/records/posts", t, json!({"title": "after"}))
        .await
        .expect(201);
    assert_eq!(heads.reads(), reads + 1, "the head is read once more");
    assert_eq!(last(&app).await, (chain.clone(), before + 3));
    app.post("/api/v1/records/posts", t, json!({"title": "again"}))
        .await
        .expect(201);
    assert_eq!(heads.reads(), reads + 1, "and then kept again");
    assert_eq!(last(&app).await, (chain, before + 4));
    let r = report(&app).await;
    assert!(r.ok, "the chain is whole: {r:?}");
}

both!(concurrent_writes_are_recorded_exactly_as_committed, |app| {
    // Forty writes at once: on SQLite they share a transaction (group
    // commit, one savepoint each) and their entries are appended together
    // just before it commits. Half are batches whose first record is written
    // (and its entries queued) before the second fails: their savepoint
    // rolls back, and so must their queued entries.
    let (sa, a, _) = app.with_posts().await;
    let t = Some(a.as_str());
    let sends = (0..40).map(|i| {
        let (path, body) = if i % 2 == 0 {
            (
                "/api/v1/records/posts",
                json!({"title": format!("kept-{i}")}),
            )
        } else {
            (
                "/api/v1/records/posts/batch",
                json!({"records": [{"title": format!("gone-{i}")}, {"views": -5}]}),
            )
        };
        app.post(path, t, body)
    });
    let answers = futures_util::future::join_all(sends).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        20,
        "{statuses:?}"
    );
    let list = entries(&app, &sa, "table_name=posts&limit=500").await;
    let mut titles: Vec<String> = items(&list)
        .iter()
        .filter(|e| e["column_name"] == "title")
        .filter_map(|e| e["new_value"].as_str().map(str::to_string))
        .collect();
    titles.sort();
    let mut expected: Vec<String> = (0..40).step_by(2).map(|i| format!("kept-{i}")).collect();
    expected.sort();
    assert_eq!(
        titles, expected,
        "one entry per committed title, none of a rolled-back one"
    );
    // Each entry belongs to the record it names.
    for r in answers.iter().filter(|r| r.status == 201) {
        let id = r.json["id"].as_str().unwrap();
        let mine = entries(&app, &sa, &format!("record_id={id}")).await;
        let titled: Vec<Value> = items(&mine)
            .into_iter()
            .filter(|e| e["column_name"] == "title")
            .collect();
        assert_eq!(titled.len(), 1);
        assert_eq!(titled[0]["new_value"], r.json["title"]);
    }
    let r = report(&app).await;
    assert!(r.ok, "{r:?}");
});

both!(verify_sees_one_snapshot_while_the_server_writes, |app| {
    // A verification while writes go on reads the heads, checkpoints and
    // entries of one moment: never a head ahead of the entries it read.
    let (_, a, _) = app.with_posts().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, client, token, stop) = (
                app.base.clone(),
                app.client.clone(),
                a.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Acquire) {
                    let r = client
                        .post(format!("{base}/api/v1/records/posts"))
                        .bearer_auth(&token)
                        .json(&json!({"title": format!("w{w}-{n}"), "views": n}))
                        .send()
                        .await
                        .expect("the server answers");
                    assert_eq!(r.status().as_u16(), 201);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut walked = Vec::new();
    for _ in 0..15 {
        let r = report(&app).await;
        assert!(r.ok, "{r:?}");
        walked.push(r.chains.iter().map(|c| c.entries).sum::<i64>());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    let mut written = 0;
    for w in writers {
        written += w.await.expect("the writer ran");
    }
    assert!(written > 0);
    assert!(walked.windows(2).all(|w| w[0] <= w[1]), "{walked:?}");
    assert!(
        walked.last() > walked.first(),
        "the writes went on: {walked:?}"
    );
    assert!(report(&app).await.ok);
});

both!(accounts_see_only_their_own_trail, |app| {
    let (sa, a, b) = app.with_posts().await;
    app.post(
        "/api/v1/records/posts",
        Some(&a),
        json!({"title": "alpha secret"}),
    )
    .await
    .expect(201);
    app.post("/api/v1/records/posts", Some(&b), json!({"title": "beta"}))
        .await
        .expect(201);
    // Each sign-up is recorded in its new account's chain.
    let signed_up = entries(&app, &b, "operation=REGISTER").await;
    assert_eq!(signed_up["total"], 1, "{signed_up}");
    assert_eq!(items(&signed_up)[0]["user_email"], "b@example.com");
    assert_eq!(
        items(&signed_up)[0]["extra_metadata"]["account_name"],
        "Beta"
    );
    let mine = entries(&app, &b, "table_name=posts").await;
    assert!(!items(&mine).is_empty());
    assert!(items(&mine).iter().all(|e| e["account_id"] == "AA0002"));
    assert!(!mine.to_string().contains("alpha secret"));
    // Naming another account, by any case, is refused.
    for q in [
        "account_id=AA0001",
        "account_id=aa0001",
        "account_id=system",
    ] {
        app.get(&format!("/api/v1/audit-logs?{q}"), Some(&b))
            .await
            .expect_error(403, "forbidden");
    }
    let alpha = entries(&app, &a, "table_name=posts").await;
    let alpha_id = items(&alpha)[0]["id"].clone();
    app.get(&format!("/api/v1/audit-logs/{alpha_id}"), Some(&b))
        .await
        .expect_error(404, "not_found");
    // Filters cannot smuggle SQL.
    let hostile = entries(
        &app,
        &b,
        "table_name=posts'%20OR%201=1--&record_id=x'%20OR%20'1'='1",
    )
    .await;
    assert_eq!(hostile["total"], 0);
    let text = app
        .get(
            "/api/v1/audit-logs/export?format=csv&account_id=AA0002",
            Some(&b),
        )
        .await;
    assert!(!text.text.contains("alpha secret"));
    // Exports and verification follow the same rule.
    app.get("/api/v1/audit-logs/export?account_id=AA0001", Some(&b))
        .await
        .expect_error(403, "forbidden");
    let v = app
        .get("/api/v1/audit-logs/verify", Some(&b))
        .await
        .expect(200)
        .clone();
    assert!(v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["chain"].as_str().unwrap().starts_with("account:AA0002")));
    // A user who is not an admin, and the public, see nothing.
    let inv = app.invitation_token(&sa, "u@example.com").await;
    let user = app
        .post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv, "password": PASSWORD}),
        )
        .await;
    if let Some(token) = user.json["token"].as_str() {
        app.get("/api/v1/audit-logs", Some(token))
            .await
            .expect_error(403, "forbidden");
    }
    app.get("/api/v1/audit-logs", None).await.expect(401);
    // Bad paging and sorting are 422s.
    for q in [
        "limit=0",
        "limit=501",
        "skip=-1",
        "sort_by=checksum",
        "sort_order=up",
        "from_date=yesterday",
    ] {
        app.get(&format!("/api/v1/audit-logs?{q}"), Some(&sa))
            .await
            .expect_error(422, "validation_error");
    }
});

both!(signed_changes_need_the_password_and_a_reason, |app| {
    let (sa, a, _) = app.with_posts().await;
    app.put(
        "/api/v1/audit-logs/settings/posts",
        Some(&sa),
        json!({"enabled": true, "excluded_fields": ["views"], "require_signature": true}),
    )
    .await
    .expect(200);
    app.put(
        "/api/v1/audit-logs/settings/posts",
        Some(&a),
        json!({"enabled": false, "excluded_fields": [], "require_signature": false}),
    )
    .await
    .expect(403);
    app.put(
        "/api/v1/audit-logs/settings/posts",
        Some(&sa),
        json!({"enabled": true, "excluded_fields": ["nope"], "require_signature": true}),
    )
    .await
    .expect_error(422, "validation_error");
    let before = app.count("col_posts").await;
    app.post(
        "/api/v1/records/posts",
        Some(&a),
        json!({"title": "unsigned"}),
    )
    .await
    .expect_error(403, "forbidden");
    let send = |password: &'static str, reason: &'static str| {
        let req = app
            .client
            .post(format!("{}/api/v1/records/posts", app.base))
            .bearer_auth(&a)
            .header("X-Signature-Password", password)
            .header("X-Signature-Reason", reason)
            .json(&json!({"title": "signed", "views": 9}));
        async move { TestApp::read(req.send().await.unwrap()).await }
    };
    send("wrong password", "approval")
        .await
        .expect_error(403, "forbidden");
    send(PASSWORD, "")
        .await
        .expect_error(422, "validation_error");
    assert_eq!(
        app.count("col_posts").await,
        before,
        "refused writes change nothing"
    );
    let post = send(PASSWORD, "Approved by QA").await.expect(201).clone();
    let list = entries(
        &app,
        &sa,
        &format!("record_id={}", post["id"].as_str().unwrap()),
    )
    .await;
    let all = items(&list);
    assert!(!all.is_empty());
    for e in &all {
        assert_eq!(e["es_username"], "a@example.com");
        assert_eq!(e["es_reason"], "Approved by QA");
        assert!(e["es_timestamp"].is_string());
        assert_ne!(
            e["column_name"], "views",
            "excluded fields are not recorded"
        );
    }
    let settings = app
        .get("/api/v1/audit-logs/settings", Some(&sa))
        .await
        .expect(200)
        .clone();
    let posts = settings["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["collection"] == "posts")
        .unwrap()
        .clone();
    assert_eq!(posts["require_signature"], true);
    assert_eq!(posts["excluded_fields"], json!(["views"]));
    // The settings change is itself recorded (system chain).
    let changed = entries(&app, &sa, "table_name=audit_settings").await;
    assert!(changed["total"].as_i64().unwrap() >= 1);
    // Switched off: nothing more is recorded for the collection.
    app.put(
        "/api/v1/audit-logs/settings/posts",
        Some(&sa),
        json!({"enabled": false, "excluded_fields": [], "require_signature": false}),
    )
    .await
    .expect(200);
    let n = app.count("audit_log").await;
    app.post("/api/v1/records/posts", Some(&a), json!({"title": "quiet"}))
        .await
        .expect(201);
    assert_eq!(app.count("audit_log").await, n);
    assert!(report(&app).await.ok);
});

both!(exports_are_signed_and_verify_offline, |app| {
    let (sa, a, _) = app.with_posts().await;
    for i in 0..5 {
        app.post(
            "/api/v1/records/posts",
            Some(&a),
            json!({"title": format!("line, \"quoted\"\nnext {i}"), "meta": {"k": i}}),
        )
        .await
        .expect(201);
    }
    let key = app
        .get("/api/v1/audit-logs/public-key", Some(&sa))
        .await
        .expect(200)["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let json_export = app
        .get("/api/v1/audit-logs/export?table_name=posts", Some(&sa))
        .await;
    assert!(json_export.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let checked = offline::verify_export(json_export.text.as_bytes(), Some(&key)).expect("valid");
    assert!(checked.entries >= 10);
    assert_eq!(
        json_export.json["entries"].as_array().unwrap().len() as u64,
        checked.entries
    );
    // A changed value, a dropped entry, another key: each fails.
    let mut edited = json_export.json.clone();
    edited["entries"][0]["new_value"] = json!("forged");
    assert!(offline::verify_export(edited.to_string().as_bytes(), Some(&key)).is_err());
    let mut dropped = json_export.json.clone();
    dropped["entries"].as_array_mut().unwrap().remove(1);
    dropped["count"] = json!(checked.entries - 1);
    assert!(offline::verify_export(dropped.to_string().as_bytes(), Some(&key)).is_err());
    let other = chain::Signer::new("another secret key 0123456789abcdef").public_key_hex();
    assert!(offline::verify_export(json_export.text.as_bytes(), Some(&other)).is_err());

    let csv = app
        .get(
            "/api/v1/audit-logs/export?format=csv&table_name=posts",
            Some(&sa),
        )
        .await;
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.text.starts_with("id,chain,sequence"));
    assert_eq!(
        offline::verify_export(csv.text.as_bytes(), Some(&key))
            .unwrap()
            .entries,
        checked.entries
    );
    let tampered = csv.text.replacen("next 0", "next X", 1);
    assert!(offline::verify_export(tampered.as_bytes(), Some(&key)).is_err());
    let cut: String = csv
        .text
        .lines()
        .filter(|l| !l.starts_with("#signature"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(offline::verify_export(cut.as_bytes(), Some(&key)).is_err());

    let pdf = app
        .get(
            "/api/v1/audit-logs/export?format=pdf&table_name=posts",
            Some(&sa),
        )
        .await;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(pdf.text.trim())
        .expect("base64 PDF");
    assert!(bytes.starts_with(b"%PDF-"));
    let raw = app
        .get(
            "/api/v1/audit-logs/export?format=pdf&encoding=binary",
            Some(&sa),
        )
        .await;
    assert_eq!(raw.headers["content-type"], "application/pdf");
    app.get("/api/v1/audit-logs/export?format=xml", Some(&sa))
        .await
        .expect_error(422, "validation_error");
});

/// A small deterministic random source for the tamper trials.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

async fn exec(app: &TestApp, sql: &str) {
    app.try_exec_elsewhere(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn max_sequence(app: &TestApp, chain: &str) -> i64 {
    let sql = format!("SELECT MAX(sequence) FROM audit_log WHERE chain = '{chain}'");
    match &app.state.db {
        snackbase_server::db::Db::Sqlite { read, .. } => {
            sqlx::query_scalar(&sql).fetch_one(read).await.unwrap()
        }
        snackbase_server::db::Db::Postgres(p, ..) => {
            sqlx::query_scalar(&sql).fetch_one(p).await.unwrap()
        }
    }
}

both_config!(
    every_tampering_is_detected,
    |c| c.audit_checkpoint_every = 5,
    |app| {
        let (_, a, _) = app.with_posts().await;
        for i in 0..20 {
            app.post(
                "/api/v1/records/posts",
                Some(&a),
                json!({"title": format!("p{i}")}),
            )
            .await
            .expect(201);
        }
        assert!(report(&app).await.ok);
        // The database refuses changes to the trail.
        assert!(app
            .try_exec_elsewhere("UPDATE audit_log SET new_value = 'x'")
            .await
            .is_err());
        assert!(app
            .try_exec_elsewhere("DELETE FROM audit_log")
            .await
            .is_err());
        assert!(app
            .try_exec_elsewhere("DELETE FROM audit_checkpoints")
            .await
            .is_err());
        let sqlite = matches!(app.state.db, snackbase_server::db::Db::Sqlite { .. });
        // An attacker with the database file drops the guards first.
        if sqlite {
            for t in [
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_checkpoints_no_update",
                "audit_checkpoints_no_delete",
            ] {
                exec(&app, &format!("DROP TRIGGER {t}")).await;
            }
        } else {
            exec(&app, "ALTER TABLE audit_log DISABLE TRIGGER USER").await;
            exec(&app, "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER").await;
        }
        for t in ["audit_log", "audit_checkpoints", "audit_heads"] {
            exec(
                &app,
                &format!("CREATE TABLE saved_{t} AS SELECT * FROM {t}"),
            )
            .await;
        }
        let chain = "account:AA0001";
        let last = max_sequence(&app, chain).await;
        assert!(last >= 15, "entries to tamper with: {last}");
        let cps_sql = format!(
            "SELECT sequence FROM audit_checkpoints WHERE chain = '{chain}' ORDER BY sequence"
        );
        let cps: Vec<i64> = match &app.state.db {
            snackbase_server::db::Db::Sqlite { read, .. } => {
                sqlx::query_scalar(&cps_sql).fetch_all(read).await.unwrap()
            }
            snackbase_server::db::Db::Postgres(p, ..) => {
                sqlx::query_scalar(&cps_sql).fetch_all(p).await.unwrap()
            }
        };
        assert!(cps.len() >= 3, "checkpoints: {cps:?}");
        let (first_cp, second_cp) = (cps[0], cps[1]);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let trials = 60;
        let mut kinds_seen = std::collections::BTreeSet::new();
        for trial in 0..trials {
            let kind = rng.below(7);
            let k = 1 + rng.below(last as u64 - 1) as i64; // 1..last-1
            let statements: Vec<String> = match kind {
                // Edit one value of one entry.
                0 => {
                    let column = ["new_value", "old_value", "user_email", "occurred_at", "operation", "columns"][rng.below(6) as usize];
                    vec![format!("UPDATE audit_log SET {column} = 'tampered' WHERE chain = '{chain}' AND sequence = {k}")]
                }
                // Delete one entry.
                1 => vec![format!("DELETE FROM audit_log WHERE chain = '{chain}' AND sequence = {k}")],
                // Insert one: a copy of an entry appended after the last.
                2 => vec![format!(
                    "INSERT INTO audit_log (chain, sequence, account_id, operation, table_name, record_id, column_name, old_value, new_value, user_id, user_email, user_name, es_username, es_reason, es_timestamp, ip_address, user_agent, request_id, occurred_at, extra_metadata, previous_hash, checksum, columns) \
                     SELECT chain, {next}, account_id, operation, table_name, record_id, column_name, old_value, new_value, user_id, user_email, user_name, es_username, es_reason, es_timestamp, ip_address, user_agent, request_id, occurred_at, extra_metadata, checksum, checksum, columns FROM audit_log WHERE chain = '{chain}' AND sequence = {last}",
                    next = last + 1
                )],
                // Reorder two entries.
                3 => {
                    let j = if k == last { k - 1 } else { k + 1 };
                    vec![
                        format!("UPDATE audit_log SET sequence = -1 WHERE chain = '{chain}' AND sequence = {k}"),
                        format!("UPDATE audit_log SET sequence = {k} WHERE chain = '{chain}' AND sequence = {j}"),
                        format!("UPDATE audit_log SET sequence = {j} WHERE chain = '{chain}' AND sequence = -1"),
                    ]
                }
                // Truncate the tail, and move the head back with it.
                4 => vec![
                    format!("DELETE FROM audit_log WHERE chain = '{chain}' AND sequence > {k}"),
                    format!("UPDATE audit_heads SET sequence = {k}, hash = (SELECT checksum FROM audit_log WHERE chain = '{chain}' AND sequence = {k}) WHERE chain = '{chain}'"),
                ],
                // Replace a checkpoint's hash or signature with another's.
                5 => vec![format!(
                    "UPDATE audit_checkpoints SET {col} = (SELECT {col} FROM saved_audit_checkpoints s WHERE s.chain = '{chain}' AND s.sequence = {first_cp}) WHERE chain = '{chain}' AND sequence = {second_cp}",
                    col = if rng.below(2) == 0 { "head_hash" } else { "signature" }
                )],
                // Delete a checkpoint (not the last).
                _ => vec![format!("DELETE FROM audit_checkpoints WHERE chain = '{chain}' AND sequence = {first_cp}")],
            };
            kinds_seen.insert(kind);
            for s in &statements {
                exec(&app, s).await;
            }
            let r = report(&app).await;
            let broken = r
                .chains
                .iter()
                .find(|c| c.chain == chain)
                .expect("the chain");
            assert!(
                !r.ok && !broken.ok,
                "trial {trial} (kind {kind}, at {k}) went unnoticed: {statements:?}"
            );
            // Restore the untouched trail for the next trial.
            for t in ["audit_log", "audit_checkpoints", "audit_heads"] {
                exec(&app, &format!("DELETE FROM {t}")).await;
                exec(&app, &format!("INSERT INTO {t} SELECT * FROM saved_{t}")).await;
            }
            assert!(report(&app).await.ok, "restored after trial {trial}");
        }
        assert_eq!(kinds_seen.len(), 7, "every kind of tampering was tried");
    }
);

/// PostgreSQL: a change's transaction stages its events in `audit_pending`
/// and the sealer chains them. A row staged by another process is chained
/// once; one that does not parse is kept in the system chain, not dropped;
/// a tenant's transaction may stage but not read or delete staged rows; and
/// under concurrent writers every staged event ends in a chain exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stages_events_and_the_sealer_chains_them() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let (sa, a, _) = app.with_posts().await;
    let mut conn = app.pg_connection().await;
    async fn pending(conn: &mut sqlx::PgConnection) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
            .fetch_one(conn)
            .await
            .expect("count")
    }

    // Another process stages two events in one row, as a transaction does.
    let event = |id: &str| {
        json!({"event": {"account_id": "AA0001", "operation": "CREATE", "table_name": "posts",
            "record_id": id, "columns": [{"name": "title", "old": null, "new": "staged"}],
            "actor": {"user_id": null, "user_email": "x@example.com", "user_name": null},
            "signature": null, "extra": null},
          "origin": {"request_id": "r-1", "ip": "10.0.0.1", "user_agent": "test"},
          "at": "2026-12-05T00:00:00.000000Z"})
    };
    let row = json!([event("staged-1"), event("staged-2")]).to_string();
    sqlx::query("INSERT INTO audit_pending (events) VALUES ($1), ('not json')")
        .bind(&row)
        .execute(&mut conn)
        .await
        .expect("stage");
    app.settle_audit().await;
    assert_eq!(pending(&mut conn).await, 0, "every staged row is sealed");
    let list = entries(&app, &sa, "table_name=posts&sort_by=id&sort_order=asc").await;
    let all = items(&list);
    let ids: Vec<&str> = all
        .iter()
        .filter_map(|e| e["record_id"].as_str())
        .filter(|r| r.starts_with("staged-"))
        .collect();
    assert_eq!(ids, ["staged-1", "staged-2"], "chained once, in order");
    let e = all
        .iter()
        .find(|e| e["record_id"] == "staged-1")
        .expect("staged-1");
    assert_eq!(e["ip_address"], "10.0.0.1");
    assert_eq!(e["request_id"], "r-1");
    assert_eq!(e["new_value"], "staged");
    let kept: (String, String) = sqlx::query_as(
        "SELECT chain, columns FROM audit_log WHERE operation = 'STAGED_UNREADABLE'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("the unreadable row is kept");
    assert_eq!(
        kept,
        (
            "system".to_string(),
            r#"[[null,null,"not json"]]"#.to_string()
        )
    );

    // A tenant's transaction stages, and can do nothing else with the rows.
    for (sql, allowed) in [
        ("INSERT INTO audit_pending (events) VALUES ('[]')", true),
        ("SELECT COUNT(*) FROM audit_pending", false),
        ("DELETE FROM audit_pending", false),
        ("UPDATE audit_pending SET events = '[]'", false),
    ] {
        let mut tx = app.state.db.begin_as(Some("AA0001")).await.expect("begin");
        let done =
            snackbase_server::on_tx!(&mut tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()));
        assert_eq!(done.is_ok(), allowed, "{sql}: {done:?}");
    }
    // The owner cannot rewrite a staged row either.
    sqlx::query("INSERT INTO audit_pending (events) VALUES ('[]')")
        .execute(&mut conn)
        .await
        .expect("stage an empty row");
    let refused = sqlx::query("UPDATE audit_pending SET events = 'x'")
        .execute(&mut conn)
        .await
        .expect_err("staged rows are never changed");
    assert!(refused.to_string().contains("append-only"), "{refused}");

    // Concurrent writers: every create is chained exactly once.
    let before = app.count("audit_log").await;
    create_concurrently(&app, &a, 8, 10, "w").await;
    app.settle_audit().await;
    assert_eq!(pending(&mut conn).await, 0);
    let created: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT record_id) FROM audit_log WHERE operation = 'CREATE' \
         AND table_name = 'posts' AND columns LIKE '%\"title\",null,\"w%-%'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(created, 80);
    // Staged by the statement that logged the change: the entry names the
    // change's position in the log.
    let (logged, noted): (i64, String) = sqlx::query_as(
        "SELECT r.seq, a.extra_metadata FROM record_changes r JOIN audit_log a \
         ON a.record_id = r.record_id AND a.operation = 'CREATE' \
         WHERE r.operation = 'create' AND a.columns LIKE '%\"w3-7\"%'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("the create and its entry");
    let noted: Value = serde_json::from_str(&noted).expect("metadata");
    assert_eq!(noted["change_seq"], logged);
    assert_eq!(
        app.count("audit_log").await,
        before + 80,
        "one stored entry per change"
    );
    let r = report(&app).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.staged, 0);
}

/// PostgreSQL: a record change's event is staged in the row that logs the
/// change, and the sealer reads the log by the transactions that wrote it.
/// A change that took its place in the log before another but commits after
/// it is chained once, by a later round; a rolled-back one never; settling
/// does not wait for a transaction still running; pruning and deleting an
/// account spare rows whose events are not chained yet; tenants cannot
/// rewrite or delete the log and nobody can rewrite a logged row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_seals_record_changes_from_the_change_log_by_transaction() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let (sa, a, _) = app.with_posts().await;
    let account = app.get("/api/v1/auth/me", Some(&a)).await.expect(200)["account_id"]
        .as_str()
        .expect("account")
        .to_string();
    let staged = |id: &str| {
        json!([{"event": {"account_id": account, "operation": "CREATE", "table_name": "posts",
            "record_id": id, "columns": [{"name": "title", "old": null, "new": id}],
            "actor": {"user_id": null, "user_email": "x@example.com", "user_name": null},
            "signature": null, "extra": {}},
          "origin": null, "at": "2026-12-05T00:00:00.000000Z"}])
        .to_string()
    };
    let log = "INSERT INTO record_changes (account_id, collection, operation, record_id, \
               actor_role, after, created_at, audit) \
               VALUES ($1, 'posts', 'create', $2, 'admin', '{}', now() - $3 * interval '1 hour', $4) \
               RETURNING seq";
    async fn chained(conn: &mut sqlx::PgConnection, id: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE record_id = $1")
            .bind(id)
            .fetch_one(conn)
            .await
            .expect("count")
    }
    let mut main = app.pg_connection().await;
    let pending_ids = "SELECT COALESCE(last_value, 0) FROM audit_pending_seq_seq";

    // A create through the API stages its event in its log row, not in
    // audit_pending.
    let staged_before: i64 = sqlx::query_scalar(pending_ids)
        .fetch_one(&mut main)
        .await
        .expect("identity");
    let made_id = create_post(&app, &a, "api").await;
    let in_log: Option<String> =
        sqlx::query_scalar("SELECT audit FROM record_changes WHERE record_id = $1")
            .bind(&made_id)
            .fetch_one(&mut main)
            .await
            .expect("logged");
    assert!(
        in_log.is_some_and(|t| t.contains("\"api\"")),
        "staged in the log row"
    );
    let staged_after: i64 = sqlx::query_scalar(pending_ids)
        .fetch_one(&mut main)
        .await
        .expect("identity");
    assert_eq!(staged_after, staged_before, "no row of audit_pending");

    // A change that takes its seq first and commits last.
    let mut late = app.pg_connection().await;
    sqlx::query("BEGIN")
        .execute(&mut late)
        .await
        .expect("begin");
    let late_seq: i64 = sqlx::query_scalar(log)
        .bind(&account)
        .bind("late-1")
        .bind(0.0_f64)
        .bind(staged("late-1"))
        .fetch_one(&mut late)
        .await
        .expect("stage late");
    // One that rolls back.
    let mut undone = app.pg_connection().await;
    sqlx::query("BEGIN")
        .execute(&mut undone)
        .await
        .expect("begin");
    sqlx::query(log)
        .bind(&account)
        .bind("undone-1")
        .bind(0.0_f64)
        .bind(staged("undone-1"))
        .fetch_one(&mut undone)
        .await
        .expect("stage undone");
    sqlx::query("ROLLBACK")
        .execute(&mut undone)
        .await
        .expect("rollback");
    // Changes after it, committed before it.
    let after_id = create_post(&app, &a, "after").await;
    let after_seq: i64 = sqlx::query_scalar("SELECT seq FROM record_changes WHERE record_id = $1")
        .bind(&after_id)
        .fetch_one(&mut main)
        .await
        .expect("logged");
    assert!(after_seq > late_seq);
    tokio::time::timeout(std::time::Duration::from_secs(10), app.settle_audit())
        .await
        .expect("settling does not wait for a running transaction");
    assert_eq!(
        chained(&mut main, &after_id).await,
        1,
        "the later change is chained"
    );
    assert_eq!(chained(&mut main, "late-1").await, 0, "not committed yet");
    sqlx::query("COMMIT")
        .execute(&mut late)
        .await
        .expect("commit");
    app.settle_audit().await;
    assert_eq!(
        chained(&mut main, "late-1").await,
        1,
        "chained once it commits"
    );
    assert_eq!(
        chained(&mut main, "undone-1").await,
        0,
        "a rollback is never chained"
    );
    let noted: String =
        sqlx::query_scalar("SELECT extra_metadata FROM audit_log WHERE record_id = 'late-1'")
            .fetch_one(&mut main)
            .await
            .expect("entry");
    let noted: Value = serde_json::from_str(&noted).expect("metadata");
    assert_eq!(noted["change_seq"], late_seq, "the entry names its log row");
    app.settle_audit().await;
    for id in ["late-1", made_id.as_str(), after_id.as_str()] {
        assert_eq!(chained(&mut main, id).await, 1, "{id} chained exactly once");
    }

    // Many writers and many pages: each change once. The cursor held
    // meanwhile, the next round finds them all in one snapshot (pages of 256).
    let before = app.count("audit_log").await;
    let mut holder = hold_cursor(&app).await;
    create_concurrently(&app, &a, 6, 60, "m").await;
    sqlx::query("COMMIT")
        .execute(&mut holder)
        .await
        .expect("release");
    app.settle_audit().await;
    assert_eq!(app.count("audit_log").await, before + 360);
    let r = report(&app).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.staged, 0);

    // Nobody rewrites a logged change; tenants cannot delete one.
    let refused = sqlx::query("UPDATE record_changes SET audit = NULL")
        .execute(&mut main)
        .await
        .expect_err("logged changes are never rewritten");
    assert!(refused.to_string().contains("append-only"), "{refused}");
    for (sql, allowed) in [
        ("SELECT COUNT(*) FROM record_changes", true),
        ("DELETE FROM record_changes", false),
        ("SELECT 1 FROM audit_seal_cursor", false),
    ] {
        let mut tx = app.state.db.begin_as(Some(&account)).await.expect("begin");
        let done =
            snackbase_server::on_tx!(&mut tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()));
        assert_eq!(done.is_ok(), allowed, "{sql}: {done:?}");
    }

    // Pruning and deleting the account spare a change whose event is not
    // chained yet: the cursor held here keeps every sealer away from it.
    let mut holder = hold_cursor(&app).await;
    sqlx::query(log)
        .bind(&account)
        .bind("old-1")
        .bind(2.0_f64)
        .bind(staged("old-1"))
        .fetch_one(&mut main)
        .await
        .expect("stage an old change");
    let left = prune_and_count(&app, &mut main, "old-1").await;
    assert_eq!(left, 1, "pruning spares a change not chained yet");
    assert!(report_backlog(&app).await >= 1, "counted as staged");
    app.delete(&format!("/api/v1/accounts/{account}"), Some(&sa))
        .await
        .expect(204);
    let left: Vec<String> =
        sqlx::query_scalar("SELECT record_id FROM record_changes WHERE account_id = $1")
            .bind(&account)
            .fetch_all(&mut main)
            .await
            .expect("rows");
    assert_eq!(
        left,
        ["old-1"],
        "deleting the account spares only what is not chained"
    );
    sqlx::query("COMMIT")
        .execute(&mut holder)
        .await
        .expect("release");
    app.settle_audit().await;
    assert_eq!(chained(&mut main, "old-1").await, 1);
    let left = prune_and_count(&app, &mut main, "old-1").await;
    assert_eq!(left, 0, "pruned once chained");
}

/// Prunes the change log of what is over an hour old; how many rows of
/// `record_id` are left.
async fn prune_and_count(app: &TestApp, conn: &mut sqlx::PgConnection, record_id: &str) -> i64 {
    let hour = std::time::Duration::from_secs(3600);
    snackbase_server::db::feed::prune(&app.state.db, hour)
        .await
        .expect("prune");
    sqlx::query_scalar("SELECT COUNT(*) FROM record_changes WHERE record_id = $1")
        .bind(record_id)
        .fetch_one(conn)
        .await
        .expect("count")
}

async fn report_backlog(app: &TestApp) -> i64 {
    snackbase_server::audit::seal::backlog(&app.state.db)
        .await
        .expect("backlog")
        .0
}

/// `writers` concurrent writers each create `each` posts titled
/// `{prefix}{writer}-{k}`.
async fn create_concurrently(
    app: &TestApp,
    token: &str,
    writers: usize,
    each: usize,
    prefix: &str,
) {
    let writers = (0..writers).map(|w| async move {
        for k in 0..each {
            app.post(
                "/api/v1/records/posts",
                Some(token),
                json!({"title": format!("{prefix}{w}-{k}")}),
            )
            .await
            .expect(201);
        }
    });
    futures_util::future::join_all(writers).await;
}

/// Creates a post titled `title`; its id.
async fn create_post(app: &TestApp, token: &str, title: &str) -> String {
    app.post(
        "/api/v1/records/posts",
        Some(token),
        json!({ "title": title }),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// A connection of its own holding the sealer's cursor (every sealer waits)
/// until it commits.
async fn hold_cursor(app: &TestApp) -> sqlx::PgConnection {
    let mut holder = app.pg_connection().await;
    sqlx::query("BEGIN")
        .execute(&mut holder)
        .await
        .expect("begin");
    sqlx::query("SELECT 1 FROM audit_seal_cursor FOR UPDATE")
        .execute(&mut holder)
        .await
        .expect("hold the cursor");
    holder
}
