//! `/admin/jobs`: a failing webhook shows its attempts and error, retry and
//! cancel work and refuse what they must, stats count, backups appear, only
//! the superadmin sees them; and two nodes on one PostgreSQL deliver each of
//! many jobs exactly once.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_config;
use crate::harness::{Backend, TestApp};
use crate::shared::counting_receiver;

/// A URL where nothing listens.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/hook", l.local_addr().unwrap())
}

async fn world(app: &TestApp, url: &str) -> (String, String) {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "orders", "schema": [{"name": "item", "type": "text"}]}),
    )
    .await
    .expect(201);
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/webhooks",
        Some(&owner),
        json!({"url": url, "collection": "orders", "events": ["create"]}),
    )
    .await
    .expect(201);
    (sa, owner)
}

async fn wait_for_status(app: &TestApp, sa: &str, id: &str, want: &str) -> Value {
    for _ in 0..200 {
        let job = app.get(&format!("/api/v1/admin/jobs/{id}"), Some(sa)).await;
        let job = job.expect(200).clone();
        if job["status"] == want {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never became {want}");
}

both_config!(
    a_failing_webhook_is_a_dead_job_that_can_be_retried,
    |c| {
        c.webhooks_allow_private_networks = true;
        c.webhook_max_attempts = 2;
        c.webhook_retry_base_ms = 50;
    },
    |app| {
        let (sa, owner) = world(&app, &dead_url()).await;
        app.post("/api/v1/records/orders", Some(&owner), json!({"item": "a"}))
            .await
            .expect(201);
        let list = app
            .get("/api/v1/admin/jobs?queue=webhooks", Some(&sa))
            .await;
        assert_eq!(list.expect(200)["total"], 1);
        let job = list.json["items"][0].clone();
        let id = job["id"].as_str().unwrap().to_string();
        assert_eq!(job["handler"], "webhook.deliver");
        assert_eq!(job["payload"]["event"], "records.create");
        assert_eq!(job["max_retries"], 2);

        let dead = wait_for_status(&app, &sa, &id, "dead").await;
        assert_eq!(dead["attempt_number"], 2);
        assert!(
            dead["error_message"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{dead}"
        );
        assert!(dead["failed_at"].is_string());
        let stats = app.get("/api/v1/admin/jobs/stats", Some(&sa)).await;
        assert_eq!(stats.expect(200)["dead"], 1);
        assert_eq!(stats.json["failure_rate"], 1.0);
        let filtered = app.get("/api/v1/admin/jobs?status=dead", Some(&sa)).await;
        assert_eq!(filtered.expect(200)["items"][0]["id"], id.as_str());
        let none = app
            .get("/api/v1/admin/jobs?status=completed", Some(&sa))
            .await;
        assert_eq!(none.expect(200)["total"], 0);

        // A dead job cannot be cancelled; retried, it runs again from attempt 0.
        app.delete(&format!("/api/v1/admin/jobs/{id}"), Some(&sa))
            .await
            .expect(400);
        let retried = app
            .post(
                &format!("/api/v1/admin/jobs/{id}/retry"),
                Some(&sa),
                json!({}),
            )
            .await;
        let status = retried.expect(200)["status"].as_str().unwrap().to_string();
        assert!(["pending", "retrying", "dead"].contains(&status.as_str()));
        let again = wait_for_status(&app, &sa, &id, "dead").await;
        assert_eq!(
            again["attempt_number"], 2,
            "a fresh set of attempts was made"
        );

        // Retry refuses what is not dead or retrying; unknown ids are 404.
        let (url, got) = counting_receiver().await;
        app.post(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": url, "collection": "orders", "events": ["create"]}),
        )
        .await
        .expect(201);
        app.post("/api/v1/records/orders", Some(&owner), json!({"item": "b"}))
            .await
            .expect(201);
        let mut delivered = None;
        for _ in 0..200 {
            if let Some(id) = got.lock().unwrap().keys().next().cloned() {
                delivered = Some(id);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let done = format!("webhook-{}", delivered.expect("delivered"));
        wait_for_status(&app, &sa, &done, "completed").await;
        app.post(
            &format!("/api/v1/admin/jobs/{done}/retry"),
            Some(&sa),
            json!({}),
        )
        .await
        .expect(400);
        app.delete(&format!("/api/v1/admin/jobs/{done}"), Some(&sa))
            .await
            .expect(400);
        for bad in [
            "webhook-nope",
            "backup-x",
            "nothing",
            "webhook-'%20OR%201=1--",
        ] {
            app.get(&format!("/api/v1/admin/jobs/{bad}"), Some(&sa))
                .await
                .expect(404);
        }
        app.get("/api/v1/admin/jobs?status=bogus", Some(&sa))
            .await
            .expect(422);
        app.get("/api/v1/admin/jobs?limit=0", Some(&sa))
            .await
            .expect(422);
        app.get("/api/v1/admin/jobs?limit=101", Some(&sa))
            .await
            .expect(422);

        // The superadmin's only.
        app.get("/api/v1/admin/jobs", Some(&owner))
            .await
            .expect(403);
        app.get("/api/v1/admin/jobs/stats", None).await.expect(401);
        app.post(
            &format!("/api/v1/admin/jobs/{id}/retry"),
            Some(&owner),
            json!({}),
        )
        .await
        .expect(403);
    }
);

both_config!(
    a_pending_job_can_be_cancelled_and_backups_are_jobs,
    |c| {
        c.webhooks_allow_private_networks = true;
        // The first retry waits long: the job stays waiting while the test looks.
        c.webhook_retry_base_ms = 600_000;
    },
    |app| {
        let (sa, owner) = world(&app, &dead_url()).await;
        app.post("/api/v1/records/orders", Some(&owner), json!({"item": "a"}))
            .await
            .expect(201);
        let list = app
            .get("/api/v1/admin/jobs?queue=webhooks", Some(&sa))
            .await;
        let id = list.expect(200)["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let waiting = wait_for_status(&app, &sa, &id, "retrying").await;
        assert_eq!(waiting["attempt_number"], 1);
        assert!(waiting["run_at"].is_string());
        app.delete(&format!("/api/v1/admin/jobs/{id}"), Some(&sa))
            .await
            .expect(204);
        app.get(&format!("/api/v1/admin/jobs/{id}"), Some(&sa))
            .await
            .expect(404);

        let begun = app
            .post("/api/v1/admin/backups", Some(&sa), json!({}))
            .await;
        let backup = format!("backup-{}", begun.expect(202)["id"].as_str().unwrap());
        let job = wait_for_status(&app, &sa, &backup, "completed").await;
        assert_eq!(job["queue"], "backups");
        assert!(job["completed_at"].is_string());
        let backups = app.get("/api/v1/admin/jobs?queue=backups", Some(&sa)).await;
        assert_eq!(backups.expect(200)["total"], 1);
        let all = app.get("/api/v1/admin/jobs", Some(&sa)).await;
        assert_eq!(
            all.expect(200)["total"],
            1,
            "the cancelled delivery is gone"
        );
        app.post(
            &format!("/api/v1/admin/jobs/{backup}/retry"),
            Some(&sa),
            json!({}),
        )
        .await
        .expect(400);
        let stats = app.get("/api/v1/admin/jobs/stats", Some(&sa)).await;
        assert_eq!(stats.expect(200)["completed"], 1);
        assert!(
            stats.json["avg_duration_seconds"].as_f64().is_some(),
            "the backup's duration"
        );
    }
);

/// Two nodes on one PostgreSQL: every delivery reaches the receiver once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_each_job_exactly_once() {
    if !crate::harness::postgres_available() {
        return;
    }
    let app = TestApp::start_with(Backend::Postgres, |c| {
        c.webhooks_allow_private_networks = true;
    })
    .await;
    let (url, got) = counting_receiver().await;
    let (sa, owner) = world(&app, &url).await;
    let other = app.another_node().await;
    const N: usize = 120;
    for i in 0..N {
        let node = if i % 2 == 0 { &app } else { &other };
        node.post(
            "/api/v1/records/orders",
            Some(&owner),
            json!({"item": format!("i{i}")}),
        )
        .await
        .expect(201);
    }
    for _ in 0..400 {
        if got.lock().unwrap().len() >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer, for any duplicate to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), N, "every job delivered");
    let repeated: Vec<_> = got.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered more than once: {repeated:?}"
    );
    let stats = app.get("/api/v1/admin/jobs/stats", Some(&sa)).await;
    assert_eq!(stats.expect(200)["completed"], N as u64);
}
