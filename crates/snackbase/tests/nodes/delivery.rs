//! What leaves the nodes: realtime events and webhook deliveries, whichever
//! node the write went through.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::cluster::{eventually, Cluster};
use crate::shared::{counting_receiver, SseReader};

/// An SSE subscription read event by event.
pub struct Sse(SseReader);

impl Sse {
    /// Subscribes on `node`; `last` resumes after that event's seq.
    pub async fn open(c: &Cluster, node: usize, query: &str, last: Option<i64>) -> Self {
        let mut req = reqwest::Client::new().get(format!(
            "{}/api/v1/realtime/subscribe?{query}",
            c.base(node)
        ));
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let mut sse = Self(SseReader::new(res));
        assert_eq!(sse.0.next().await.1["type"], "subscribed");
        sse
    }

    /// The next `n` record events: (seq, title), checked to be in strictly
    /// increasing seq order.
    pub async fn take(&mut self, n: usize) -> Vec<(i64, String)> {
        let mut got: Vec<(i64, String)> = Vec::with_capacity(n);
        while got.len() < n {
            let (id, data) = self.0.next().await;
            if data["type"] == "heartbeat" {
                continue;
            }
            let seq = id.unwrap_or_else(|| panic!("an event without an id: {data}"));
            if let Some((last, _)) = got.last() {
                assert!(seq > *last, "seq {seq} after {last}");
            }
            got.push((seq, data["data"]["title"].as_str().unwrap().to_string()));
        }
        got
    }
}

/// `notes` (a title) in a new account Acme; the superadmin's and the
/// account admin's tokens.
pub async fn notes(c: &Cluster) -> (String, String) {
    let root = c.root(0).await;
    c.post(
        0,
        "/api/v1/collections",
        Some(&root),
        json!({"name": "notes", "schema": [{"name": "title", "type": "text"}]}),
    )
    .await
    .expect(201);
    let admin = c.register(0, "ada@example.com", "Acme").await;
    (root, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_every_node_reach_subscribers_on_every_node_in_one_order() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    let (_, admin) = notes(&c).await;
    let query = format!("token={admin}&collections=notes");
    let mut subscribers = Vec::new();
    for node in 0..3 {
        subscribers.push(Sse::open(&c, node, &query, None).await);
    }
    // Three writers at once, each through its own node.
    const EACH: usize = 20;
    let c = Arc::new(c);
    let writers: Vec<_> = (0..3)
        .map(|node| {
            let (c, admin) = (c.clone(), admin.clone());
            tokio::spawn(async move {
                for i in 0..EACH {
                    c.post(
                        node,
                        "/api/v1/records/notes",
                        Some(&admin),
                        json!({"title": format!("n{node}-{i}")}),
                    )
                    .await
                    .expect(201);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    // Every subscriber gets every change once, in seq order, and all of them
    // in the same order.
    let mut orders = Vec::new();
    for s in &mut subscribers {
        let got = s.take(3 * EACH).await;
        let mut titles: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), 3 * EACH, "each change once");
        orders.push(got);
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(orders[0], orders[2]);
}

/// A webhook of Acme on `notes` creates, posting to `url`.
pub async fn webhook(c: &Cluster, admin: &str, url: &str) {
    c.post(
        0,
        "/api/v1/webhooks",
        Some(admin),
        json!({"url": url, "collection": "notes", "events": ["create"]}),
    )
    .await
    .expect(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_webhook_job_runs_once_across_three_nodes() {
    let Some(c) = Cluster::start_with(
        3,
        &[
            ("SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true"),
            ("SNACKBASE_WEBHOOK_RETRY_BASE_MS", "100"),
        ],
    )
    .await
    else {
        return;
    };
    let (root, admin) = notes(&c).await;
    let (url, got) = counting_receiver().await;
    webhook(&c, &admin, &url).await;
    const N: usize = 150;
    for i in 0..N {
        c.post(
            i % 3,
            "/api/v1/records/notes",
            Some(&admin),
            json!({"title": format!("n{i}")}),
        )
        .await
        .expect(201);
    }
    eventually(60, "every job delivered", || {
        let n = got.lock().unwrap().len();
        async move { n >= N }
    })
    .await;
    // Long enough for a second delivery of any job to arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), N);
    let repeated: Vec<_> = got.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered more than once: {repeated:?}"
    );
    // Every node reports the same: N completed jobs.
    for node in 0..3 {
        let stats = c.get(node, "/api/v1/admin/jobs/stats", Some(&root)).await;
        assert_eq!(stats.expect(200)["completed"], N as u64, "node {node}");
    }
}
