use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use snackbase_server::hooks::{Event, HookError, HookEvent, Hooks};

use crate::harness::*;

type Seen = Arc<Mutex<Vec<HookEvent>>>;

fn recorder(hooks: &Hooks) -> Seen {
    let seen: Seen = Arc::default();
    for event in Event::ALL {
        let seen = seen.clone();
        hooks.register(event, None, 0, move |_app, e| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(e.clone());
                Ok(e)
            }
        });
    }
    seen
}

fn count(seen: &Seen, event: Event) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|e| e.event == event)
        .count()
}

fn one(seen: &Seen, event: Event) -> HookEvent {
    let all: Vec<HookEvent> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.event == event)
        .cloned()
        .collect();
    assert_eq!(all.len(), 1, "{} fired {} times", event.name(), all.len());
    all[0].clone()
}

async fn every_event_fires_once_with_its_payload(backend: Backend) {
    let hooks = Arc::new(Hooks::new());
    let seen = recorder(&hooks);
    let mut app = TestApp::start_hooked(backend, hooks).await;
    // `app.serve` fires from the server task once it listens; wait for it
    // (a loaded machine may take a while), then check it fired once.
    for _ in 0..100 {
        if count(&seen, Event::AppServe) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    one(&seen, Event::AppBootstrap);
    one(&seen, Event::AppServe);

    let sa = app.superadmin().await;
    let reg = app.register("a@example.com", "Alpha").await;
    let user_id = reg["user"]["id"].as_str().unwrap().to_string();
    let e = one(&seen, Event::AuthRegister);
    assert_eq!(e.data["email"], "a@example.com");
    assert_eq!(e.account_id.as_deref(), Some("AA0001"));
    let login = app
        .login("alpha", "a@example.com", PASSWORD)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        count(&seen, Event::AuthLogin),
        2,
        "the superadmin's login and this one"
    );
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": login["refresh_token"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        one(&seen, Event::AuthRefresh).user_id.as_deref(),
        Some(user_id.as_str())
    );
    app.post("/api/v1/auth/logout", login["token"].as_str(), json!({}))
        .await
        .expect(204);
    one(&seen, Event::AuthLogout);

    let c = app
        .post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": "notes", "schema": [{"name": "t", "type": "text"}]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        one(&seen, Event::CollectionBeforeCreate)
            .collection
            .as_deref(),
        Some("notes")
    );
    assert_eq!(
        one(&seen, Event::CollectionAfterCreate).data["fields"][0]["name"],
        "t"
    );
    app.put(
        &format!("/api/v1/collections/{c}"),
        Some(&sa),
        json!({"schema": [{"name": "t", "type": "text"}, {"name": "u", "type": "text"}]}),
    )
    .await
    .expect(200);
    one(&seen, Event::CollectionBeforeUpdate);
    assert_eq!(
        one(&seen, Event::CollectionAfterUpdate).data["changes"][0]["op"],
        "add_field"
    );

    let token = reg["token"].as_str().unwrap();
    let rec = app
        .post("/api/v1/records/notes", Some(token), json!({"t": "hello"}))
        .await
        .expect(201)
        .clone();
    let id = rec["id"].as_str().unwrap().to_string();
    assert_eq!(
        one(&seen, Event::RecordBeforeCreate).record.unwrap()["t"],
        "hello"
    );
    let after = one(&seen, Event::RecordAfterCreate);
    assert_eq!(after.record.unwrap()["id"], json!(id));
    assert_eq!(after.account_id.as_deref(), Some("AA0001"));
    app.patch(
        &format!("/api/v1/records/notes/{id}"),
        Some(token),
        json!({"t": "changed"}),
    )
    .await
    .expect(200);
    let before = one(&seen, Event::RecordBeforeUpdate);
    assert_eq!(before.previous.unwrap()["t"], "hello");
    assert_eq!(before.record.unwrap()["t"], "changed");
    assert_eq!(
        one(&seen, Event::RecordAfterUpdate).record.unwrap()["t"],
        "changed"
    );
    app.delete(&format!("/api/v1/records/notes/{id}"), Some(token))
        .await
        .expect(204);
    assert_eq!(
        one(&seen, Event::RecordBeforeDelete).previous.unwrap()["t"],
        "changed"
    );
    one(&seen, Event::RecordAfterDelete);

    app.delete(&format!("/api/v1/collections/{c}"), Some(&sa))
        .await
        .expect(200);
    one(&seen, Event::CollectionBeforeDelete);
    one(&seen, Event::CollectionAfterDelete);
    email_flows_fire_their_events(&app, &sa, &user_id, &seen).await;

    app.stop().await;
    one(&seen, Event::AppTerminate);
    for event in Event::ALL {
        assert!(count(&seen, event) >= 1, "{} never fired", event.name());
    }
}

/// The token of a link the superadmin got back (`…?token=<hex>`).
fn link_token(reply: &Value) -> String {
    let link = reply["link"].as_str().expect("a link");
    link.split("token=").nth(1).expect("a token").to_string()
}

/// Verification and password reset, by link and by an administrator (no
/// SMTP server: the superadmin gets the links in the replies).
async fn email_flows_fire_their_events(app: &TestApp, sa: &str, user_id: &str, seen: &Seen) {
    let sent = app
        .post(
            &format!("/api/v1/users/{user_id}/resend-verification"),
            Some(sa),
            json!({}),
        )
        .await;
    let token = link_token(sent.expect(200));
    assert_eq!(count(seen, Event::AuthEmailVerified), 0);
    app.post("/api/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .expect(200);
    let e = one(seen, Event::AuthEmailVerified);
    assert_eq!(e.user_id.as_deref(), Some(user_id));
    assert_eq!(e.account_id.as_deref(), Some("AA0001"));
    assert_eq!(e.data["email"], "a@example.com");
    assert_eq!(e.data["via"], "link");
    // Marking an address already verified changes nothing: no event.
    app.post(
        &format!("/api/v1/users/{user_id}/verify"),
        Some(sa),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(count(seen, Event::AuthEmailVerified), 1);

    let sent = app
        .post(
            &format!("/api/v1/users/{user_id}/password"),
            Some(sa),
            json!({"send_reset_link": true}),
        )
        .await;
    let token = link_token(sent.expect(200));
    assert_eq!(count(seen, Event::AuthPasswordReset), 0);
    app.post(
        "/api/v1/auth/reset-password",
        None,
        json!({"token": token, "new_password": "Another-Horse-43!"}),
    )
    .await
    .expect(200);
    let e = one(seen, Event::AuthPasswordReset);
    assert_eq!(e.user_id.as_deref(), Some(user_id));
    assert_eq!(e.data["id"], user_id);
    assert_eq!(e.data["via"], "link");
    // A used link fires nothing more.
    app.post(
        "/api/v1/auth/reset-password",
        None,
        json!({"token": token, "new_password": "Third-Horse-44!"}),
    )
    .await
    .expect(400);
    // An administrator's new password: the event names the administrator.
    app.put(
        &format!("/api/v1/users/{user_id}/password"),
        Some(sa),
        json!({"new_password": PASSWORD}),
    )
    .await
    .expect(200);
    let resets: Vec<HookEvent> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.event == Event::AuthPasswordReset)
        .cloned()
        .collect();
    assert_eq!(resets.len(), 2);
    assert_eq!(resets[1].data["via"], "admin");
    assert_eq!(resets[1].data["id"], user_id);
    assert_ne!(resets[1].user_id.as_deref(), Some(user_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_fires_sqlite() {
    every_event_fires_once_with_its_payload(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_fires_postgres() {
    if postgres_available() {
        every_event_fires_once_with_its_payload(Backend::Postgres).await;
    }
}

fn append(
    letter: &'static str,
) -> impl Fn(snackbase_server::AppState, HookEvent) -> std::future::Ready<Result<HookEvent, HookError>>
       + Send
       + Sync {
    move |_app, mut e: HookEvent| {
        if let Some(r) = e.record.as_mut() {
            let trace = r
                .get("trace")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            r.insert("trace".into(), Value::String(trace + letter));
        }
        std::future::ready(Ok(e))
    }
}

async fn hooks_order_change_abort_and_guard(backend: Backend) {
    let hooks = Arc::new(Hooks::new());
    hooks.register(Event::RecordBeforeCreate, Some("items"), 1, append("c"));
    hooks.register(Event::RecordBeforeCreate, Some("items"), 10, append("a"));
    hooks.register(Event::RecordBeforeCreate, Some("items"), 5, append("b1"));
    hooks.register(Event::RecordBeforeCreate, Some("items"), 5, append("b2"));
    hooks.register(Event::RecordBeforeCreate, Some("other"), 100, append("X"));
    // Forging the tenant or the author is undone by the built-ins, which run last.
    hooks.register(
        Event::RecordBeforeCreate,
        None,
        50,
        |_app, mut e: HookEvent| async move {
            e.account_id = Some("ZZ9999".into());
            e.user_id = Some("forged".into());
            Ok(e)
        },
    );
    hooks.register(
        Event::RecordBeforeCreate,
        Some("locked"),
        0,
        |_app, _e: HookEvent| async move {
            Err::<HookEvent, _>(HookError::forbidden("This collection is read-only"))
        },
    );
    hooks.register(
        Event::RecordAfterCreate,
        None,
        0,
        |_app, _e: HookEvent| async move {
            Err::<HookEvent, _>(HookError::bad_request("after-hooks cannot fail a request"))
        },
    );
    let ids = hooks.builtin_ids();
    assert!(!ids.is_empty());
    for id in ids {
        assert!(hooks.unregister(id).is_err(), "a built-in hook was removed");
    }
    let custom = hooks.register(Event::RecordBeforeUpdate, None, 0, append("z"));
    assert!(hooks.unregister(custom).is_ok());

    let app = TestApp::start_hooked(backend, hooks).await;
    let sa = app.superadmin().await;
    for name in ["items", "locked"] {
        app.post(
            "/api/v1/collections",
            Some(&sa),
            json!({"name": name, "schema": [{"name": "trace", "type": "text"}]}),
        )
        .await
        .expect(201);
    }
    let reg = app.register("a@example.com", "Alpha").await;
    let token = reg["token"].as_str().unwrap();
    let rec = app
        .post("/api/v1/records/items", Some(token), json!({"trace": ">"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(
        rec["trace"], ">ab1b2c",
        "higher priority first, ties in registration order"
    );
    assert_eq!(rec["account_id"], "AA0001");
    assert_eq!(rec["created_by"], reg["user"]["id"]);
    let stored = app
        .get(
            &format!("/api/v1/records/items/{}", rec["id"].as_str().unwrap()),
            Some(token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(stored["trace"], ">ab1b2c");
    // An abort is the hook's 4xx, and nothing is stored.
    let res = app
        .post("/api/v1/records/locked", Some(token), json!({"trace": "x"}))
        .await;
    res.expect_error(403, "forbidden");
    assert_eq!(res.json["message"], "This collection is read-only");
    assert_eq!(app.count("col_locked").await, 0);
    let res = app
        .post(
            "/api/v1/records/locked/batch",
            Some(token),
            json!({"records": [{"trace": "x"}]}),
        )
        .await;
    res.expect(403);
    assert_eq!(app.count("col_locked").await, 0);
    // The removed update hook does not run.
    let patched = app
        .patch(
            &format!("/api/v1/records/items/{}", rec["id"].as_str().unwrap()),
            Some(token),
            json!({"trace": "u"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(patched["trace"], "u");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_order_change_abort_and_guard_sqlite() {
    hooks_order_change_abort_and_guard(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_order_change_abort_and_guard_postgres() {
    if postgres_available() {
        hooks_order_change_abort_and_guard(Backend::Postgres).await;
    }
}

/// Pins the public hook API: an accidental change of a signature or a field
/// stops this from compiling.
#[test]
fn the_hook_api_keeps_its_shape() {
    use snackbase_server::hooks::{
        AppState, DateTime, HookId, Map, StatusCode, Utc, BUILTIN_PRIORITY,
    };
    let _: fn() -> Hooks = Hooks::new;
    let _: fn(&Hooks, HookId) -> Result<(), HookError> = Hooks::unregister;
    let _: fn(&Hooks) -> Vec<HookId> = Hooks::builtin_ids;
    let _: fn(Event) -> HookEvent = HookEvent::new;
    let _: fn(Event) -> bool = Event::is_before;
    let _: fn(Event) -> &'static str = Event::name;
    let _: [Event; 21] = Event::ALL;
    let _: i32 = BUILTIN_PRIORITY;
    let _: fn(StatusCode, String) -> HookError = HookError::new;
    let _: fn(String) -> HookError = HookError::forbidden;
    let e = HookEvent::new(Event::AppServe);
    let _: &Event = &e.event;
    let _: &Option<String> = &e.collection;
    let _: &Option<String> = &e.account_id;
    let _: &Option<String> = &e.user_id;
    let _: &DateTime<Utc> = &e.timestamp;
    let _: &Option<Map<String, Value>> = &e.record;
    let _: &Option<Map<String, Value>> = &e.previous;
    let _: &Value = &e.data;
    let hooks = Hooks::new();
    let id: HookId = hooks.register(
        Event::AppServe,
        Some("posts"),
        0,
        |_app: AppState, e: HookEvent| async move { Ok::<_, HookError>(e) },
    );
    assert!(hooks.unregister(id).is_ok());
    let _ = AppState::build_with_hooks;
    let _ = AppState::with_db_and_hooks;
}
