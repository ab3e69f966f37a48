//! A node killed with SIGKILL: no acknowledged write is lost, a realtime
//! client resumes on another node where it left off, and a job the dead node
//! held is taken by another when its lease ends.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::cluster::{eventually, Cluster};
use crate::delivery::{notes, webhook, Sse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_loses_no_acknowledged_write() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    let (_, admin) = notes(&c).await;
    let killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    // Two writers per node, as fast as they go; each keeps what was
    // acknowledged, and whether it was acknowledged after the kill.
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let node = w % 3;
            let base = c.base(node).to_string();
            let (admin, killed, stop) = (admin.clone(), killed.clone(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut acked = Vec::new();
                let mut after_kill = 0;
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let sent = client
                        .post(format!("{base}/api/v1/records/notes"))
                        .bearer_auth(&admin)
                        .json(&json!({"title": format!("w{w}-{i}")}))
                        .send()
                        .await;
                    let Ok(res) = sent else { break };
                    if res.status() != 201 {
                        break;
                    }
                    let Ok(body) = res.json::<serde_json::Value>().await else {
                        break;
                    };
                    acked.push(body["id"].as_str().unwrap().to_string());
                    if killed.load(Ordering::Relaxed) {
                        after_kill += 1;
                    }
                }
                (node, acked, after_kill)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.nodes[0].kill();
    killed.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        let (node, ids, after_kill) = w.await.unwrap();
        if node != 0 {
            assert!(
                after_kill > 0,
                "the writers of node {node} stopped with node 0"
            );
        }
        acked.extend(ids);
    }
    assert!(acked.len() > 30, "only {} writes", acked.len());
    // Every acknowledged record is there, read through the survivors.
    for (i, id) in acked.iter().enumerate() {
        let node = 1 + i % 2;
        c.get(node, &format!("/api/v1/records/notes/{id}"), Some(&admin))
            .await
            .expect(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realtime_client_resumes_on_another_node_after_its_node_dies() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    let (_, admin) = notes(&c).await;
    let query = format!("token={admin}&collections=notes");
    let write = |title: String| {
        c.post(
            0,
            "/api/v1/records/notes",
            Some(&admin),
            json!({"title": title}),
        )
    };
    let mut sse = Sse::open(&c, 2, &query, None).await;
    for i in 0..5 {
        write(format!("a{i}")).await.expect(201);
    }
    let seen = sse.take(5).await;
    let last = seen.last().unwrap().0;
    drop(sse);
    c.nodes[2].kill();
    for i in 0..5 {
        write(format!("b{i}")).await.expect(201);
    }
    // Back through node 1 with the last seq it saw: what it missed, in
    // order, once; then live.
    let mut sse = Sse::open(&c, 1, &query, Some(last)).await;
    let missed = sse.take(5).await;
    let titles: Vec<&str> = missed.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, ["b0", "b1", "b2", "b3", "b4"]);
    assert!(missed[0].0 > last);
    write("live".into()).await.expect(201);
    let (seq, title) = sse.take(1).await.remove(0);
    assert_eq!(title, "live");
    assert!(seq > missed[4].0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_held_by_a_killed_node_is_run_by_another_when_its_lease_ends() {
    let Some(mut c) = Cluster::start_with(
        1,
        &[
            ("SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true"),
            ("SNACKBASE_WEBHOOK_RETRY_BASE_MS", "100"),
            ("SNACKBASE_JOB_LEASE_SECONDS", "4"),
        ],
    )
    .await
    else {
        return;
    };
    // A receiver that never answers its first request (the node dies while
    // it waits) and accepts the others.
    let calls = Arc::new(AtomicUsize::new(0));
    let delivered: Arc<Mutex<Vec<String>>> = Arc::default();
    let (k, d) = (calls.clone(), delivered.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let (k, d) = (k.clone(), d.clone());
            async move {
                if k.fetch_add(1, Ordering::SeqCst) == 0 {
                    std::future::pending::<()>().await;
                }
                let id = headers["x-snackbase-delivery"].to_str().unwrap();
                d.lock().unwrap().push(id.to_string());
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let (root, admin) = notes(&c).await;
    webhook(&c, &admin, &url).await;
    c.post(
        0,
        "/api/v1/records/notes",
        Some(&admin),
        json!({"title": "x"}),
    )
    .await
    .expect(201);
    eventually(20, "the first attempt reaches the receiver", || {
        let n = calls.load(Ordering::SeqCst);
        async move { n >= 1 }
    })
    .await;
    c.nodes[0].kill();
    let started = std::time::Instant::now();
    let other = c.add_node().await;
    eventually(30, "another node delivers the job", || {
        let n = delivered.lock().unwrap().len();
        async move { n >= 1 }
    })
    .await;
    // Not before the dead node's lease ended (4 s after its claim).
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "taken again after {:?}",
        started.elapsed()
    );
    let stats = c.get(other, "/api/v1/admin/jobs/stats", Some(&root)).await;
    let stats = stats.expect(200);
    assert_eq!(stats["completed"], 1, "{stats}");
    assert_eq!(delivered.lock().unwrap().len(), 1);
}
