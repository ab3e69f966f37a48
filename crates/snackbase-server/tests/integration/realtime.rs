//! Realtime over real WebSocket and SSE connections: acks, events under the
//! read rules and field lists, tenant isolation, replay and resync, session
//! ends, bad frames and limits, and (PostgreSQL) delivery across nodes.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::both;
use crate::both_config;
use crate::harness::*;
use crate::shared::SseReader;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Ws(Socket);

async fn ws(app: &TestApp, query: &str) -> Ws {
    let url = format!(
        "{}/api/v1/realtime/ws?{query}",
        app.base.replacen("http", "ws", 1)
    );
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    Ws(socket)
}

impl Ws {
    async fn send(&mut self, frame: Value) {
        self.0
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    async fn send_text(&mut self, text: &str) {
        self.0.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next message that is not a heartbeat; `Err` with the close code
    /// when the server closed the connection.
    async fn next(&mut self) -> Result<Value, u16> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("a realtime message within 10 s");
            match frame {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["type"] != "heartbeat" {
                        return Ok(v);
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map(|f| u16::from(f.code)).unwrap_or(1005))
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended: {other:?}"),
            }
        }
    }

    async fn event(&mut self) -> Value {
        self.next().await.expect("an event, not a close")
    }

    async fn subscribe(&mut self, collection: &str) {
        self.send(json!({"action": "subscribe", "collection": collection}))
            .await;
        let ack = self.event().await;
        assert_eq!(ack["type"], "subscribed", "{ack}");
        assert_eq!(ack["collection"], collection);
    }
}

async fn grant(app: &TestApp, sa: &str, role_id: i64, collection: &str, rules: Value) {
    app.post(
        "/api/v1/permissions",
        Some(sa),
        json!({"role_id": role_id, "collection": collection, "rules": rules}),
    )
    .await
    .expect(201);
}

/// The superadmin, an admin of Alpha (AA0001), a user of Alpha, an admin of
/// Beta, and a `posts` collection the user may read when it is live.
async fn world(app: &TestApp) -> (String, String, String, String) {
    let sa = app.superadmin().await;
    app.post(
        "/api/v1/collections",
        Some(&sa),
        json!({"name": "posts", "schema": [
        {"name": "title", "type": "text"}, {"name": "status", "type": "text"},
        {"name": "secret", "type": "text"}]}),
    )
    .await
    .expect(201);
    let (alpha, beta) = app.alpha_and_beta().await;
    app.post(
        "/api/v1/users",
        Some(&sa),
        json!({"email": "u1@example.com", "password": PASSWORD, "account_id": "AA0001", "role_id": 2}),
    )
    .await
    .expect(201);
    let user = app
        .login("alpha", "u1@example.com", PASSWORD)
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    grant(
        app,
        &sa,
        2,
        "posts",
        json!({"read": {"rule": "record.status == 'live'", "fields": ["title", "status"]}}),
    )
    .await;
    (sa, alpha, user, beta)
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    app.post("/api/v1/records/posts", Some(token), body)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

both!(websocket_events_follow_the_read_rules_and_fields, |app| {
    let (_, alpha, user, beta) = world(&app).await;
    let mut ws = ws(&app, &format!("token={user}")).await;
    ws.subscribe("posts").await;

    let live = create(
        &app,
        &alpha,
        json!({"title": "one", "status": "live", "secret": "s"}),
    )
    .await;
    let got = ws.event().await;
    assert_eq!(got["type"], "posts.create");
    assert_eq!(got["data"]["id"], live.as_str());
    assert_eq!(got["data"]["title"], "one");
    assert!(
        got["data"].get("secret").is_none(),
        "an unreadable field: {got}"
    );
    let first_seq = got["seq"].as_i64().expect("a seq");

    // A draft is not readable: nothing. Another account: nothing.
    let draft = create(&app, &alpha, json!({"title": "two", "status": "draft"})).await;
    create(&app, &beta, json!({"title": "beta's", "status": "live"})).await;
    // Published: readable now, so a create.
    app.patch(
        &format!("/api/v1/records/posts/{draft}"),
        Some(&alpha),
        json!({"status": "live"}),
    )
    .await
    .expect(200);
    let got = ws.event().await;
    assert_eq!(got["type"], "posts.create", "{got}");
    assert_eq!(got["data"]["id"], draft.as_str());
    assert!(got["seq"].as_i64().unwrap() > first_seq);
    // An update that stays readable.
    app.patch(
        &format!("/api/v1/records/posts/{live}"),
        Some(&alpha),
        json!({"title": "uno"}),
    )
    .await
    .expect(200);
    let got = ws.event().await;
    assert_eq!(got["type"], "posts.update");
    assert_eq!(got["data"]["title"], "uno");
    // Unpublished: no longer readable, so a delete.
    app.patch(
        &format!("/api/v1/records/posts/{draft}"),
        Some(&alpha),
        json!({"status": "draft"}),
    )
    .await
    .expect(200);
    let got = ws.event().await;
    assert_eq!(got["type"], "posts.delete");
    assert_eq!(got["data"]["id"], draft.as_str());
    // The rule changes (here from another connection) without a reconnect:
    // the secret becomes readable.
    app.exec_elsewhere(
        r#"UPDATE permissions SET rules = '{"read": {"rule": "true", "fields": ["title", "status", "secret"]}}' WHERE role_id = 2"#,
    )
    .await;
    if app.state.db.backend() == snackbase_server::db::Backend::Sqlite {
        // SQLite learns of another process's commit within its 1 s poll.
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    app.delete(&format!("/api/v1/records/posts/{live}"), Some(&alpha))
        .await;
    let got = ws.event().await;
    assert_eq!(got["type"], "posts.delete");
    assert_eq!(got["data"]["id"], live.as_str());
    assert_eq!(got["data"]["secret"], "s", "{got}");

    // Unsubscribed: no more events, and the connection still answers.
    ws.send(json!({"action": "unsubscribe", "collection": "posts"}))
        .await;
    assert_eq!(ws.event().await["type"], "unsubscribed");
    create(&app, &alpha, json!({"title": "after", "status": "live"})).await;
    ws.send(json!({"action": "ping"})).await;
    assert_eq!(ws.event().await["type"], "pong");
});

both!(bad_frames_get_an_error_and_the_connection_stays, |app| {
    let (_, alpha, user, _) = world(&app).await;
    let mut ws = ws(&app, &format!("token={user}")).await;
    for (frame, code) in [
        ("not json", "invalid_message"),
        (r#"{"action":"dance"}"#, "invalid_message"),
        (r#"{"action":"subscribe"}"#, "invalid_message"),
        (
            r#"{"action":"subscribe","collection":"posts","operations":["read"]}"#,
            "invalid_operation",
        ),
        (
            r#"{"action":"subscribe","collection":"nope"}"#,
            "collection_not_found",
        ),
        (
            r#"{"action":"subscribe","collection":"posts' OR 1=1 --"}"#,
            "collection_not_found",
        ),
        (
            r#"{"action":"subscribe","collection":"posts","since":-4}"#,
            "invalid_since",
        ),
    ] {
        ws.send_text(frame).await;
        let got = ws.event().await;
        assert_eq!(got["type"], "error", "{frame}: {got}");
        assert_eq!(got["data"]["code"], code, "{frame}: {got}");
    }
    ws.subscribe("posts").await;
    create(
        &app,
        &alpha,
        json!({"title": "still here", "status": "live"}),
    )
    .await;
    assert_eq!(ws.event().await["data"]["title"], "still here");

    // Without credentials (and no account named): a 401 before any upgrade.
    let url = format!("{}/api/v1/realtime/ws", app.base.replacen("http", "ws", 1));
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
    app.get("/api/v1/realtime/subscribe?collections=posts", None)
        .await
        .expect_error(401, "unauthorized");
    app.get(
        "/api/v1/realtime/subscribe?collections=posts&token=forged",
        None,
    )
    .await
    .expect(401);
    // SSE: subscriptions are checked before the stream opens.
    let many: Vec<String> = (0..101).map(|i| format!("collections=c{i}")).collect();
    app.get(
        &format!("/api/v1/realtime/subscribe?token={user}&{}", many.join("&")),
        None,
    )
    .await
    .expect(422);
    app.get(
        &format!("/api/v1/realtime/subscribe?token={user}&collections=nope"),
        None,
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/v1/realtime/subscribe?token={user}&collections=posts&last_event_id=x"),
        None,
    )
    .await
    .expect(422);
});

both!(logout_closes_the_connection, |app| {
    let (_, _, user, _) = world(&app).await;
    let mut ws = ws(&app, &format!("token={user}")).await;
    ws.subscribe("posts").await;
    let res = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(ws.next().await, Err(4003), "closed as a session that ended");
});

both!(an_expiring_token_closes_the_connection, |app| {
    let (_, _, user, _) = world(&app).await;
    // The same session, with a token that expires in 3 s.
    let mut claims = claims_of(&user);
    claims["exp"] = json!(chrono::Utc::now().timestamp() + 3);
    let short = sign(&claims, TEST_SECRET);
    let mut ws = ws(&app, &format!("token={short}")).await;
    ws.subscribe("posts").await;
    let started = std::time::Instant::now();
    assert_eq!(ws.next().await, Err(4001), "closed as an expired token");
    assert!(started.elapsed() < Duration::from_secs(8));
});

both!(
    changes_arrive_once_in_seq_order_across_digit_boundaries,
    |app| {
        let (_, alpha, _, _) = world(&app).await;
        let mut ws = ws(&app, &format!("token={alpha}")).await;
        ws.subscribe("posts").await;
        // One batch of 25 (seq 1…25 in a fresh log): one read of the log, whose
        // order must be numeric (9 < 10), not textual.
        let records: Vec<Value> = (0..25).map(|i| json!({"title": format!("b{i}")})).collect();
        app.post(
            "/api/v1/records/posts/batch",
            Some(&alpha),
            json!({"records": records}),
        )
        .await
        .expect(201);
        create(&app, &alpha, json!({"title": "last"})).await;
        let mut last = 0;
        for i in 0..26 {
            let got = ws.event().await;
            let want = if i < 25 {
                format!("b{i}")
            } else {
                "last".into()
            };
            assert_eq!(got["data"]["title"], want.as_str(), "{got}");
            let seq = got["seq"].as_i64().unwrap();
            assert!(seq > last, "seq {seq} after {last}");
            last = seq;
        }
        ws.send(json!({"action": "ping"})).await;
        assert_eq!(ws.event().await["type"], "pong", "no event twice");
    }
);

both!(the_public_role_subscribes_to_its_account, |app| {
    let (sa, alpha, _, beta) = world(&app).await;
    grant(
        &app,
        &sa,
        3,
        "posts",
        json!({"read": {"rule": "record.status == 'live'"}}),
    )
    .await;
    let mut ws = ws(&app, "account=alpha").await;
    ws.subscribe("posts").await;
    create(&app, &beta, json!({"title": "beta", "status": "live"})).await;
    create(&app, &alpha, json!({"title": "hidden", "status": "draft"})).await;
    create(&app, &alpha, json!({"title": "public", "status": "live"})).await;
    let got = ws.event().await;
    assert_eq!(got["data"]["title"], "public", "{got}");
    assert_eq!(got["data"]["account_id"], "AA0001");
});

async fn sse(app: &TestApp, query: &str, last_event_id: Option<i64>) -> SseReader {
    let mut req = app
        .client
        .get(format!("{}/api/v1/realtime/subscribe?{query}", app.base));
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    SseReader::new(res)
}

both_config!(
    sse_replays_what_a_client_missed_and_resyncs_past_the_window,
    |c| c.realtime.replay_events = 3,
    |app| {
        let (_, alpha, _, _) = world(&app).await;
        let query = format!("token={alpha}&collections=posts:create,update");
        let mut stream = sse(&app, &query, None).await;
        assert_eq!(stream.next().await.1["type"], "subscribed");
        create(&app, &alpha, json!({"title": "seen", "status": "live"})).await;
        let (seen, got) = stream.next().await;
        assert_eq!(got["data"]["title"], "seen");
        let seen = seen.expect("an event id");
        drop(stream);
        // Missed while away: two creates (and a delete the client does not want).
        let gone = create(&app, &alpha, json!({"title": "missed 1"})).await;
        create(&app, &alpha, json!({"title": "missed 2"})).await;
        app.delete(&format!("/api/v1/records/posts/{gone}"), Some(&alpha))
            .await;
        let mut stream = sse(&app, &query, Some(seen)).await;
        assert_eq!(stream.next().await.1["type"], "subscribed");
        let (id1, one) = stream.next().await;
        let (id2, two) = stream.next().await;
        assert_eq!(one["data"]["title"], "missed 1");
        assert_eq!(two["data"]["title"], "missed 2");
        assert!(seen < id1.unwrap() && id1.unwrap() < id2.unwrap());
        // Then live, in order, without repeats.
        create(&app, &alpha, json!({"title": "live again"})).await;
        let (last, got) = stream.next().await;
        assert_eq!(got["data"]["title"], "live again");
        drop(stream);
        // More missed than a replay sends: an explicit resync. (A watcher
        // that sees the four shows they were dispatched before the client
        // comes back; changes not yet dispatched would simply arrive live.)
        let mut watcher = ws(&app, &format!("token={alpha}")).await;
        watcher.subscribe("posts").await;
        for i in 0..4 {
            create(&app, &alpha, json!({"title": format!("lost {i}")})).await;
        }
        for i in 0..4 {
            assert_eq!(watcher.event().await["data"]["title"], format!("lost {i}"));
        }
        let mut stream = sse(&app, &query, last).await;
        assert_eq!(stream.next().await.1["type"], "subscribed");
        let got = stream.next().await.1;
        assert_eq!(got["type"], "resync", "{got}");
    }
);

/// Two nodes on one PostgreSQL: a write on A reaches a subscriber on B, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_reaches_a_subscriber_on_another() {
    if !postgres_available() {
        return;
    }
    let a = TestApp::start(Backend::Postgres).await;
    let (_, alpha, user, _) = world(&a).await;
    let b = a.another_node().await;
    let mut ws = ws(&b, &format!("token={user}")).await;
    ws.subscribe("posts").await;
    for i in 0..5 {
        create(
            &a,
            &alpha,
            json!({"title": format!("p{i}"), "status": "live"}),
        )
        .await;
    }
    let mut last = 0;
    for i in 0..5 {
        let got = ws.event().await;
        assert_eq!(got["data"]["title"], format!("p{i}"));
        let seq = got["seq"].as_i64().unwrap();
        assert!(seq > last);
        last = seq;
    }
    let stats = b
        .get("/api/v1/admin/realtime", Some(&b.superadmin_token().await))
        .await;
    let stats = stats.expect(200);
    assert_eq!(stats["connections"], 1);
    assert_eq!(stats["items"][0]["subscriptions"][0]["collection"], "posts");
}

/// On PostgreSQL a change may take its `seq` before a later change and
/// commit after it, from a transaction whose id is above every transaction
/// that had ended when the tailer first saw the gap (so that gap's snapshot
/// has it neither below its `xmax` nor in its running list). The tailer must
/// still wait for it: the subscriber gets both changes, in `seq` order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_commits_after_a_later_one_is_delivered_in_order() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    let (_, _, user, _) = world(&app).await;
    let mut ws = ws(&app, &format!("token={user}")).await;
    ws.subscribe("posts").await;
    let log = |id: &str| {
        format!(
            "INSERT INTO record_changes (account_id, collection, operation, record_id, actor_role, after, created_at) \
             VALUES ('AA0001', 'posts', 'create', '{id}', 'admin', \
             '{{\"id\": \"{id}\", \"account_id\": \"AA0001\", \"title\": \"{id}\", \"status\": \"live\"}}', now())"
        )
    };
    let (mut early, mut slow) = (app.pg_connection().await, app.pg_connection().await);
    // `early` takes the older transaction id, `slow` the newer one; `slow`
    // logs first (the smaller seq), `early` logs and commits first.
    for sql in ["BEGIN", "SELECT pg_current_xact_id()::text"] {
        sqlx::query(sql).execute(&mut early).await.expect(sql);
    }
    for sql in [
        "BEGIN".to_string(),
        "SELECT pg_current_xact_id()::text".to_string(),
        log("slow"),
    ] {
        sqlx::query(&sql).execute(&mut slow).await.expect(&sql);
    }
    for sql in [log("early"), "COMMIT".to_string()] {
        sqlx::query(&sql).execute(&mut early).await.expect(&sql);
    }
    // The tailer polls every 50 ms: let it see the gap, and look again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    sqlx::query("COMMIT")
        .execute(&mut slow)
        .await
        .expect("commit");
    let first = ws.event().await;
    assert_eq!(first["data"]["title"], "slow", "{first}");
    let second = ws.event().await;
    assert_eq!(second["data"]["title"], "early", "{second}");
    assert!(first["seq"].as_i64() < second["seq"].as_i64());
}
