use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::both;
use crate::harness::*;

/// A local HTTP receiver that records what it gets and fails the first `fail` requests.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    fail: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    port: u16,
}

impl Receiver {
    async fn start(fail: usize, port: u16) -> Self {
        let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
        let fail = Arc::new(AtomicUsize::new(fail));
        let (g, f) = (got.clone(), fail.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (g, f) = (g.clone(), f.clone());
                async move {
                    if f.load(Ordering::SeqCst) > 0 {
                        f.fetch_sub(1, Ordering::SeqCst);
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    g.lock().unwrap().push((headers, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
            fail,
            stop: Some(tx),
            port,
        }
    }

    async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, Bytes)> {
        for _ in 0..200 {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} of {n} deliveries",
            self.got.lock().unwrap().len()
        );
    }

    fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Checks a delivery as a receiver should (docs/hooks.md): the V2 signature
/// over "<t>.<body>", compared in constant time, with a recent `t`; and the
/// body-only signature kept for older receivers.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) {
    let v2 = headers["x-snackbase-signature-v2"].to_str().unwrap();
    let mut t = None;
    let mut signatures = Vec::new();
    for part in v2.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_string()),
            Some(("sha256", v)) => signatures.push(hex::decode(v).unwrap()),
            _ => {}
        }
    }
    let t = t.expect("a timestamp");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    assert_eq!(signatures.len(), 1, "{v2}");
    mac.verify_slice(&signatures[0])
        .expect("the V2 signature matches the timestamp and the body");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((-5..=5).contains(&age), "signed {age} s ago");
    assert_eq!(headers["x-snackbase-timestamp"].to_str().unwrap(), t);

    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-snackbase-signature"].to_str().unwrap(), expected);
}

async fn app_with_webhooks(backend: Backend) -> TestApp {
    TestApp::start_with(backend, |c| {
        c.webhooks_allow_private_networks = true;
        c.webhook_retry_base_ms = 100;
    })
    .await
}

async fn setup(app: &TestApp) -> (String, String) {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "orders", "schema": [
        {"name": "item", "type": "text"}, {"name": "total", "type": "number"}]}),
    )
    .await
    .expect(201);
    let owner = app.register("owner@example.com", "Alpha").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    (sa, owner)
}

async fn deliveries_are_signed_retried_and_logged(backend: Backend) {
    let app = app_with_webhooks(backend).await;
    let (_, owner) = setup(&app).await;
    let receiver = Receiver::start(2, 0).await;
    let hook = app
        .post(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": receiver.url, "collection": "orders", "events": ["create", "update"],
            "filter": "total > 10", "headers": {"X-Team": "billing"}}),
        )
        .await
        .expect(201)
        .clone();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    let id = hook["id"].as_str().unwrap().to_string();
    assert!(
        app.get(&format!("/api/v1/webhooks/{id}"), Some(&owner))
            .await
            .expect(200)
            .get("secret")
            .is_none(),
        "never shown again"
    );

    app.post(
        "/api/v1/records/orders",
        Some(&owner),
        json!({"item": "cheap", "total": 5}),
    )
    .await
    .expect(201);
    let rec = app
        .post(
            "/api/v1/records/orders",
            Some(&owner),
            json!({"item": "book", "total": 42}),
        )
        .await
        .expect(201)
        .clone();
    // The receiver fails twice; the third attempt arrives.
    let got = receiver.wait_for(1).await;
    let (headers, body) = &got[0];
    verify(&secret, headers, body);
    assert_eq!(headers["x-snackbase-event"], "records.create");
    assert_eq!(headers["x-team"], "billing");
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["record"]["id"], rec["id"]);
    assert_eq!(payload["collection"], "orders");
    // The worker records the outcome after the receiver has answered: wait for it.
    let mut log = Value::Null;
    for _ in 0..100 {
        log = app
            .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&owner))
            .await
            .expect(200)["items"]
            .clone();
        if log[0]["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        log.as_array().unwrap().len(),
        1,
        "the filter kept the cheap order out"
    );
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempt_number"], 3);
    assert_eq!(log[0]["response_status"], 200);

    // Redeliver and test.
    let delivery = log[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
        Some(&owner),
        json!({}),
    )
    .await
    .expect(202);
    receiver.wait_for(2).await;
    // The test is delivered before the answer, which tells how it went (no body: the SDK sends none).
    let tested = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&owner),
            None,
        )
        .await;
    let tested = tested.expect(200);
    assert_eq!(tested["success"], true);
    assert_eq!(tested["status_code"], 200);
    assert_eq!(tested["error"], Value::Null);
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].0["x-snackbase-event"], "test");
    assert_eq!(
        got[2].0["x-snackbase-delivery"].to_str().unwrap(),
        tested["delivery_id"].as_str().unwrap()
    );
    // Each attempt is signed afresh, the redelivery and the test included.
    for (headers, body) in &got {
        verify(&secret, headers, body);
    }
    // Disabled webhooks deliver nothing; deletes were not subscribed.
    app.patch(
        &format!("/api/v1/webhooks/{id}"),
        Some(&owner),
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/records/orders",
        Some(&owner),
        json!({"item": "more", "total": 99}),
    )
    .await
    .expect(201);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.got.lock().unwrap().len(), 3);
    let _ = receiver.fail.load(Ordering::SeqCst);
}

/// `POST /webhooks/{id}/test` (the SDK's `webhooks.test`): one attempt made
/// at once, its outcome in the answer and in the log, never retried.
async fn a_test_delivery_reports_how_it_went(backend: Backend) {
    let mut app = app_with_webhooks(backend).await;
    let (_, owner) = setup(&app).await;
    let receiver = Receiver::start(1, 0).await;
    let create = |url: String| json!({"url": url, "collection": "orders", "events": ["delete"], "secret": "a-secret-of-this-webhook"});
    let id = app
        .post(
            "/api/v1/webhooks",
            Some(&owner),
            create(receiver.url.clone()),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let test = |id: String| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.send(
                reqwest::Method::POST,
                &format!("/api/v1/webhooks/{id}/test"),
                Some(&owner),
                None,
            )
            .await
        }
    };

    // The receiver answers 500 once: a failure, logged as failed, not retried.
    let failed = test(id.clone()).await;
    let failed = failed.expect(200);
    assert_eq!(failed["success"], false);
    assert_eq!(failed["status_code"], 500);
    assert_eq!(
        failed["error"],
        "The receiver answered 500 Internal Server Error"
    );
    let page = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!(page["total"], 1);
    let logged = &page["items"][0];
    assert_eq!(logged["id"], failed["delivery_id"]);
    assert_eq!(logged["webhook_id"], id.as_str());
    assert_eq!(logged["event"], "test");
    assert_eq!(logged["payload"]["event"], "test");
    assert_eq!(logged["payload"]["collection"], "orders");
    assert_eq!(logged["status"], "failed");
    assert_eq!(logged["attempt_number"], 1);
    assert_eq!(logged["response_status"], 500);
    assert_eq!(logged["response_body"], Value::Null);
    assert_eq!(logged["next_retry_at"], Value::Null);
    assert_eq!(logged["delivered_at"], Value::Null);
    assert_eq!(
        logged["error"],
        "The receiver answered 500 Internal Server Error"
    );
    // The worker retries after 100 ms, 200 ms…: a test is not retried.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(receiver.got.lock().unwrap().len(), 0);

    // Now it answers 200.
    let ok = test(id.clone()).await;
    let ok = ok.expect(200).clone();
    assert_eq!(ok["success"], true);
    assert_eq!(ok["status_code"], 200);
    assert_eq!(ok["error"], Value::Null);
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    verify("a-secret-of-this-webhook", &got[0].0, &got[0].1);
    let logged = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&owner))
        .await
        .expect(200)["items"][0]
        .clone();
    assert_eq!(logged["id"], ok["delivery_id"]);
    assert_eq!(logged["status"], "delivered");
    assert_eq!(logged["response_status"], 200);
    assert!(logged["delivered_at"].is_string());

    // Nothing listens: no status, the connection's error.
    let mut gone = Receiver::start(0, 0).await;
    gone.stop();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let down = app
        .post("/api/v1/webhooks", Some(&owner), create(gone.url.clone()))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = test(down.clone()).await;
    let res = res.expect(200);
    assert_eq!(res["success"], false);
    assert_eq!(res["status_code"], Value::Null);
    assert!(
        res["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{res}"
    );

    // Another account cannot test it; an unknown id is a 404.
    let other = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/webhooks/{id}/test"),
        Some(&other),
        None,
    )
    .await
    .expect_error(404, "not_found");
    test("00000000-0000-4000-8000-000000000000".to_string())
        .await
        .expect_error(404, "not_found");

    // Private networks no longer allowed: the target is refused before any
    // connection, as for the worker's deliveries; still an answer, not a 5xx.
    app.restart_with(|c| c.webhooks_allow_private_networks = false)
        .await;
    let owner = app
        .login("alpha", "owner@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&owner),
            None,
        )
        .await;
    let refused = refused.expect(200);
    assert_eq!(refused["success"], false);
    assert_eq!(refused["status_code"], Value::Null);
    assert_eq!(
        refused["error"],
        "The URL points to an internal address; webhooks may only call public hosts"
    );
    assert_eq!(
        receiver.got.lock().unwrap().len(),
        1,
        "nothing more arrived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delivery_sqlite() {
    a_test_delivery_reports_how_it_went(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_delivery_postgres() {
    if postgres_available() {
        a_test_delivery_reports_how_it_went(Backend::Postgres).await;
    }
}

/// `GET /webhooks/{id}/deliveries?limit&offset`: newest first, with the total.
async fn the_delivery_log_pages(backend: Backend) {
    let app = app_with_webhooks(backend).await;
    let (_, owner) = setup(&app).await;
    let receiver = Receiver::start(0, 0).await;
    let id = app
        .post(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": receiver.url, "collection": "orders", "events": ["delete"]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut made = Vec::new();
    for _ in 0..3 {
        let res = app
            .post(
                &format!("/api/v1/webhooks/{id}/test"),
                Some(&owner),
                json!({}),
            )
            .await;
        made.push(res.expect(200)["delivery_id"].as_str().unwrap().to_string());
        // Distinct creation times, so newest-first is one order.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    made.reverse();
    let page = |query: &'static str| {
        let app = &app;
        let url = format!("/api/v1/webhooks/{id}/deliveries{query}");
        let owner = owner.clone();
        async move { app.get(&url, Some(&owner)).await }
    };
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = page("").await;
    assert_eq!(ids(all.expect(200)), made);
    assert_eq!(all.json["total"], 3);
    let first = page("?limit=2&offset=0").await;
    assert_eq!(ids(first.expect(200)), made[..2]);
    assert_eq!(first.json["total"], 3);
    let rest = page("?limit=2&offset=2").await;
    assert_eq!(ids(rest.expect(200)), made[2..]);
    assert_eq!(rest.json["total"], 3);
    assert!(ids(page("?offset=5").await.expect(200)).is_empty());
    for bad in ["?limit=0", "?limit=201", "?offset=-1", "?limit=x"] {
        let res = page(bad).await;
        assert!(res.status.is_client_error(), "{bad}: {}", res.status);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_pages_sqlite() {
    the_delivery_log_pages(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_pages_postgres() {
    if postgres_available() {
        the_delivery_log_pages(Backend::Postgres).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_sqlite() {
    deliveries_are_signed_retried_and_logged(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_postgres() {
    if postgres_available() {
        deliveries_are_signed_retried_and_logged(Backend::Postgres).await;
    }
}

async fn deliveries_survive_a_restart(backend: Backend) {
    let mut app = app_with_webhooks(backend).await;
    let (_, owner) = setup(&app).await;
    // A receiver that is down: take a port, then free it.
    let mut receiver = Receiver::start(0, 0).await;
    let port = receiver.port;
    receiver.stop();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let hook = app
        .post("/api/v1/webhooks", Some(&owner), json!({"url": format!("http://127.0.0.1:{port}/hook"), "collection": "orders", "events": ["create"]}))
        .await
        .expect(201)
        .clone();
    let id = hook["id"].as_str().unwrap().to_string();
    app.post(
        "/api/v1/records/orders",
        Some(&owner),
        json!({"item": "x", "total": 1}),
    )
    .await
    .expect(201);
    // Wait until at least one attempt failed.
    for _ in 0..100 {
        let log = app
            .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&owner))
            .await
            .expect(200)["items"]
            .clone();
        if log[0]["attempt_number"].as_i64().unwrap_or(0) >= 1 {
            assert_eq!(log[0]["status"], "pending");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.restart().await;
    let receiver = Receiver::start(0, port).await;
    let got = receiver.wait_for(1).await;
    verify(hook["secret"].as_str().unwrap(), &got[0].0, &got[0].1);
    let owner = app
        .login("alpha", "owner@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let log = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&owner))
        .await
        .expect(200)["items"]
        .clone();
    assert_eq!(log[0]["status"], "delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_sqlite() {
    deliveries_survive_a_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_postgres() {
    if postgres_available() {
        deliveries_survive_a_restart(Backend::Postgres).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_refuse_internal_targets_and_other_accounts() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (sa, owner) = setup(&app).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "ftp://8.8.8.8/x",
        "not a url",
    ] {
        let res = app
            .post(
                "/api/v1/webhooks",
                Some(&owner),
                json!({"url": url, "collection": "orders", "events": ["create"]}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["field"], "url", "{url}");
    }
    let ok = json!({"url": "https://8.8.8.8/hook", "collection": "orders", "events": ["create"]});
    app.post(
        "/api/v1/webhooks",
        Some(&owner),
        json!({"url": "https://8.8.8.8/hook", "collection": "orders", "events": ["explode"]}),
    )
    .await
    .expect(422);
    app.post(
        "/api/v1/webhooks",
        Some(&owner),
        json!({"url": "https://8.8.8.8/hook", "collection": "ghosts", "events": ["create"]}),
    )
    .await
    .expect(422);
    app.post("/api/v1/webhooks", Some(&owner), json!({"url": "https://8.8.8.8/hook", "collection": "orders", "events": ["create"], "filter": "total >"})).await.expect(422);
    let id = app
        .post("/api/v1/webhooks", Some(&owner), ok)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/webhooks/{id}"), Some(&other))
        .await
        .expect(404);
    app.delete(&format!("/api/v1/webhooks/{id}"), Some(&other))
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/v1/webhooks", Some(&other)).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Naming the other account is refused, as for users.
    app.get("/api/v1/webhooks?account_id=AA0001", Some(&other))
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        app.get("/api/v1/webhooks", Some(&sa)).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.delete(&format!("/api/v1/webhooks/{id}"), Some(&owner))
        .await
        .expect(204);
}

/// An address in every special-purpose block, IPv6 forms that embed an
/// internal IPv4 address, IPv4 spelled otherwise, and a name of loopback.
const INTERNAL_TARGETS: [&str; 36] = [
    "http://0.0.0.0/x",
    "http://10.0.0.5/x",
    "http://100.64.0.1/x",
    "http://127.0.0.1:9/hook",
    "http://169.254.169.254/latest",
    "http://172.16.0.1/x",
    "http://192.0.0.192/latest",
    "http://192.0.2.1/x",
    "http://192.88.99.1/x",
    "http://192.168.1.1/x",
    "http://198.18.0.1/x",
    "http://198.51.100.1/x",
    "http://203.0.113.1/x",
    "http://224.0.0.1/x",
    "http://240.0.0.1/x",
    "http://255.255.255.255/x",
    "http://2130706433/x",
    "http://0x7f.1/x",
    "http://[::]/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:a9fe:a9fe]/x",
    "http://[::7f00:1]/",
    "http://[::a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::a00:1]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::]/",
    "http://[100::1]/",
    "http://[2001::1]/",
    "http://[2001:db8::1]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://localhost:9/hook",
];

both!(webhooks_refuse_every_special_purpose_address, |app| {
    let (_, owner) = setup(&app).await;
    for url in INTERNAL_TARGETS {
        let res = app
            .post(
                "/api/v1/webhooks",
                Some(&owner),
                json!({"url": url, "collection": "orders", "events": ["create"]}),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["field"], "url", "{url}");
        assert_eq!(res.json["details"][0]["code"], "url_not_allowed", "{url}");
    }
    // Public addresses are accepted, in IPv6 forms that embed IPv4 too
    // (nothing is called when a webhook is saved).
    let mut id = String::new();
    for url in [
        "https://93.184.216.34/hook",
        "https://[2606:2800:220:1::]/hook",
        "https://[::ffff:93.184.216.34]/hook",
        "https://[64:ff9b::5db8:d822]/hook",
    ] {
        id = app
            .post(
                "/api/v1/webhooks",
                Some(&owner),
                json!({"url": url, "collection": "orders", "events": ["create"]}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
    }
    // Changing a webhook's URL is checked the same way.
    for url in INTERNAL_TARGETS {
        let res = app
            .patch(
                &format!("/api/v1/webhooks/{id}"),
                Some(&owner),
                json!({ "url": url }),
            )
            .await;
        res.expect_error(422, "validation_error");
        assert_eq!(res.json["details"][0]["code"], "url_not_allowed", "{url}");
    }
});

/// Waits until the newest delivery of a webhook had an attempt; returns it.
async fn newest_attempted(app: &TestApp, token: &str, webhook: &str) -> Value {
    for _ in 0..200 {
        let log = app
            .get(
                &format!("/api/v1/webhooks/{webhook}/deliveries"),
                Some(token),
            )
            .await
            .expect(200)["items"]
            .clone();
        if log[0]["attempt_number"].as_i64().unwrap_or(0) >= 1 {
            return log[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no attempt to deliver for webhook {webhook}");
}

/// Webhooks saved while private networks were allowed (or whose host name
/// resolves elsewhere since): each delivery is checked again, a host name by
/// the client's resolver, on the address it would connect to.
async fn deliveries_to_internal_addresses_are_refused(backend: Backend) {
    const SECRET: &str = "a-secret-of-both-webhooks";
    let mut app = app_with_webhooks(backend).await;
    let (_, owner) = setup(&app).await;
    let receiver = Receiver::start(0, 0).await;
    let mut hooks = Vec::new();
    for url in [
        format!("http://localhost:{}/hook", receiver.port),
        receiver.url.clone(),
    ] {
        let hook = app
            .post(
                "/api/v1/webhooks",
                Some(&owner),
                json!({"url": url, "collection": "orders", "events": ["create"], "secret": SECRET}),
            )
            .await
            .expect(201)
            .clone();
        hooks.push(hook["id"].as_str().unwrap().to_string());
    }
    // Allowed, both arrive: the host name through the resolver, too.
    app.post(
        "/api/v1/records/orders",
        Some(&owner),
        json!({"item": "a", "total": 1}),
    )
    .await
    .expect(201);
    for (headers, body) in receiver.wait_for(2).await {
        verify(SECRET, &headers, &body);
    }

    app.restart_with(|c| c.webhooks_allow_private_networks = false)
        .await;
    let owner = app
        .login("alpha", "owner@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/records/orders",
        Some(&owner),
        json!({"item": "b", "total": 2}),
    )
    .await
    .expect(201);
    for (id, error) in [
        (
            &hooks[0],
            "The host 'localhost' resolves to an internal address; webhooks may only call public hosts",
        ),
        (
            &hooks[1],
            "The URL points to an internal address; webhooks may only call public hosts",
        ),
    ] {
        let delivery = newest_attempted(&app, &owner, id).await;
        assert_eq!(delivery["status"], "pending", "a failed attempt, retried");
        assert_eq!(delivery["response_status"], Value::Null);
        assert_eq!(delivery["error"], error);
    }
    assert_eq!(
        receiver.got.lock().unwrap().len(),
        2,
        "nothing more reached the receiver"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_sqlite() {
    deliveries_to_internal_addresses_are_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_postgres() {
    if postgres_available() {
        deliveries_to_internal_addresses_are_refused(Backend::Postgres).await;
    }
}

both!(put_changes_a_subset_like_patch, |app| {
    let (_, owner) = setup(&app).await;
    let id = app
        .post(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": "https://8.8.8.8/hook", "collection": "orders", "events": ["create"]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The SDK's `webhooks.update(id, {enabled: false})`: the rest is kept.
    let got = app
        .put(
            &format!("/api/v1/webhooks/{id}"),
            Some(&owner),
            json!({"enabled": false}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(got["enabled"], false);
    assert_eq!(got["url"], "https://8.8.8.8/hook");
    assert_eq!(got["events"], json!(["create"]));
    let got = app
        .get(&format!("/api/v1/webhooks/{id}"), Some(&owner))
        .await
        .expect(200)
        .clone();
    assert_eq!(got["enabled"], false);
    // Checked like PATCH; another account cannot reach it.
    app.put(
        &format!("/api/v1/webhooks/{id}"),
        Some(&owner),
        json!({"url": "http://127.0.0.1/x"}),
    )
    .await
    .expect_error(422, "validation_error");
    let other = app.register("b@example.com", "Beta").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(
        &format!("/api/v1/webhooks/{id}"),
        Some(&other),
        json!({"enabled": true}),
    )
    .await
    .expect(404);
});
