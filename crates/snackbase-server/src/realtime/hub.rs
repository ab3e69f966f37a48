//! The hub: this node's open realtime connections with their subscriptions,
//! and the dispatch of each committed change, in `seq` order, to the
//! subscribers allowed to read it now (see [`super::authorize`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use super::authorize::{self, Grants};
use super::log::{self, Replay};
use crate::app::AppState;
use crate::auth::tokens::AccessClaims;
use crate::auth::Principal;
use crate::config::RealtimeLimits;
use crate::db::feed::RecordChange;
use crate::db::Operation;

/// The most subscriptions one connection may hold (the SDK's own limit).
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// One message for a client: its JSON text, and the change's `seq` (the SSE
/// event id) when it is a change.
#[derive(Debug, Clone)]
pub struct Out {
    pub text: Arc<str>,
    pub seq: Option<i64>,
}

impl Out {
    pub fn message(value: Value) -> Self {
        Self {
            text: value.to_string().into(),
            seq: None,
        }
    }
}

/// Why the server ends a connection (a WebSocket close code and reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: reason.to_string(),
        }
    }
}

/// How a connection authenticated with a token: what the periodic check of
/// its session needs.
#[derive(Debug, Clone)]
pub struct Session {
    pub claims: AccessClaims,
    /// The account the superadmin acts in, when not its own.
    pub acting: Option<(String, String)>,
}

#[derive(Debug)]
struct Sub {
    /// The collection as the client named it (event types use this name).
    name: String,
    operations: Vec<Operation>,
    /// While a replay runs: the live changes that arrive meanwhile.
    pending: Option<Vec<Out>>,
}

/// One open connection.
#[derive(Debug)]
pub struct Conn {
    pub id: u64,
    principal: RwLock<Arc<Principal>>,
    pub session: Option<Session>,
    pub transport: &'static str,
    pub connected_at: DateTime<Utc>,
    /// What the per-user limit counts: the user, or the client address.
    pub key: String,
    subs: Mutex<HashMap<String, Sub>>,
    out: mpsc::Sender<Out>,
    close: watch::Sender<Option<Close>>,
    delivered: AtomicU64,
}

impl Conn {
    pub fn principal(&self) -> Arc<Principal> {
        self.principal
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Ends the connection with `why` (the transport sends it and closes).
    pub fn close(&self, why: Close) {
        self.close.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            *slot = Some(why);
            true
        });
    }

    /// Queues a message; a full queue ends the connection (a slow consumer).
    pub fn send(&self, out: Out) -> bool {
        match self.out.try_send(out) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(Close::new(
                    1008,
                    "slow consumer: too many undelivered messages",
                ));
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn subscriptions_of(&self, key: &str) -> Vec<Operation> {
        self.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .map(|s| s.operations.clone())
            .unwrap_or_default()
    }

    fn subscriptions(&self) -> Vec<(String, Vec<Operation>)> {
        let subs = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        subs.values()
            .map(|s| (s.name.clone(), s.operations.clone()))
            .collect()
    }
}

/// What a transport receives when its connection is registered.
pub struct Registered {
    pub conn: Arc<Conn>,
    pub messages: mpsc::Receiver<Out>,
    pub closed: watch::Receiver<Option<Close>>,
}

/// Why a connection or a subscription is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
}

fn refused(code: &'static str, message: impl Into<String>) -> Refused {
    Refused {
        code,
        message: message.into(),
    }
}

#[derive(Debug)]
pub struct Hub {
    pub limits: RealtimeLimits,
    conns: RwLock<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// The last `seq` dispatched; held while dispatching so that a replay's
    /// hand-over to live delivery neither misses nor repeats a change.
    gate: tokio::sync::Mutex<i64>,
    deliveries: AtomicU64,
    changes: AtomicU64,
    log_reads: AtomicU64,
    closing: AtomicBool,
}

fn now_text() -> String {
    crate::http::time::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Hub {
    pub fn new(limits: RealtimeLimits) -> Self {
        Self {
            limits,
            conns: RwLock::default(),
            next_id: AtomicU64::new(1),
            gate: tokio::sync::Mutex::new(0),
            deliveries: AtomicU64::new(0),
            changes: AtomicU64::new(0),
            log_reads: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        }
    }

    fn read_conns(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a connection for `principal`, within the node's and the user's limits.
    pub fn register(
        &self,
        principal: Principal,
        session: Option<Session>,
        transport: &'static str,
        key: String,
    ) -> Result<Registered, Refused> {
        if self.closing.load(Ordering::Acquire) {
            return Err(refused("shutting_down", "The server is shutting down"));
        }
        let mut conns = self.conns.write().unwrap_or_else(|e| e.into_inner());
        if conns.len() >= self.limits.max_connections {
            return Err(refused(
                "too_many_connections",
                "This server holds as many realtime connections as it may",
            ));
        }
        if conns.values().filter(|c| c.key == key).count() >= self.limits.max_per_user {
            return Err(refused(
                "too_many_connections",
                format!(
                    "At most {} realtime connections per user",
                    self.limits.max_per_user
                ),
            ));
        }
        let (out, messages) = mpsc::channel(self.limits.queue);
        let (close, closed) = watch::channel(None);
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::AcqRel),
            principal: RwLock::new(Arc::new(principal)),
            session,
            transport,
            connected_at: crate::http::time::now(),
            key,
            subs: Mutex::default(),
            out,
            close,
            delivered: AtomicU64::new(0),
        });
        conns.insert(conn.id, conn.clone());
        Ok(Registered {
            conn,
            messages,
            closed,
        })
    }

    pub fn unregister(&self, id: u64) {
        self.conns
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Subscribes `conn` to a collection (replacing an earlier subscription
    /// to it): checks that it exists and that the caller may read it, acks,
    /// then replays what followed `since` (if given) before live changes.
    pub async fn subscribe(
        &self,
        state: &AppState,
        conn: &Conn,
        name: &str,
        operations: Vec<Operation>,
        since: Option<i64>,
    ) -> Result<(), Refused> {
        let principal = conn.principal();
        let c = authorize::collection(state, name).await?;
        let mut grants = Grants::default();
        if grants.access(state, &principal, &c).await?.is_none() {
            return Err(refused(
                "forbidden",
                format!("You may not read the records of '{name}'"),
            ));
        }
        let key = c.name.to_ascii_lowercase();
        let upto = {
            let gate = self.gate.lock().await;
            let mut subs = conn.subs.lock().unwrap_or_else(|e| e.into_inner());
            if !subs.contains_key(&key) && subs.len() >= MAX_SUBSCRIPTIONS {
                return Err(refused(
                    "too_many_subscriptions",
                    format!("Maximum {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                ));
            }
            subs.insert(
                key.clone(),
                Sub {
                    name: name.to_string(),
                    operations,
                    pending: since.map(|_| Vec::new()),
                },
            );
            conn.send(Out::message(json!({
                "type": "subscribed", "collection": name, "timestamp": now_text(),
            })));
            *gate
        };
        let Some(since) = since else {
            return Ok(());
        };
        let limits = &self.limits;
        let replay = log::replay(
            &state.db,
            &principal,
            &c.name,
            since,
            upto,
            limits.replay_window,
            limits.replay_events,
        )
        .await;
        self.log_reads.fetch_add(1, Ordering::AcqRel);
        match replay {
            Ok(Replay::Changes(changes)) => {
                for change in changes {
                    let sub_ops = conn.subscriptions_of(&key);
                    if let Some(out) = authorize::event(
                        state,
                        &mut grants,
                        &principal,
                        &c,
                        name,
                        &sub_ops,
                        &change,
                    )
                    .await
                    {
                        conn.send(out);
                    }
                }
            }
            Ok(Replay::Resync(reason)) => {
                conn.send(Out::message(json!({
                    "type": "resync", "collection": name, "message": reason, "timestamp": now_text(),
                })));
            }
            Err(e) => {
                tracing::warn!(error = %e, "a realtime replay failed");
                conn.send(Out::message(json!({
                    "type": "resync", "collection": name,
                    "message": "the change log could not be read", "timestamp": now_text(),
                })));
            }
        }
        // Hand over to live delivery: what arrived meanwhile, in order.
        let _gate = self.gate.lock().await;
        let pending = {
            let mut subs = conn.subs.lock().unwrap_or_else(|e| e.into_inner());
            subs.get_mut(&key).and_then(|s| s.pending.take())
        };
        for out in pending.into_iter().flatten() {
            conn.send(out);
        }
        Ok(())
    }

    pub fn unsubscribe(&self, conn: &Conn, name: &str) {
        let key = name.to_ascii_lowercase();
        conn.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        conn.send(Out::message(json!({
            "type": "unsubscribed", "collection": name, "timestamp": now_text(),
        })));
    }

    /// Starts dispatching after `seq` (the log's end when the node starts).
    pub async fn start_at(&self, seq: i64) {
        *self.gate.lock().await = seq;
    }

    /// Delivers committed changes, in `seq` order, to every subscriber of
    /// their account and collection that may read them.
    pub async fn dispatch(&self, state: &AppState, changes: &[Arc<RecordChange>]) {
        self.log_reads.fetch_add(1, Ordering::AcqRel);

        let mut grants = Grants::default();
        let mut gate = self.gate.lock().await;
        for change in changes {
            self.changes.fetch_add(1, Ordering::AcqRel);
            *gate = change.seq;
            let key = change.collection.to_ascii_lowercase();
            let targets: Vec<Arc<Conn>> = self
                .read_conns()
                .values()
                .filter(|c| c.principal().account_id.as_str() == change.account_id)
                .filter(|c| {
                    let subs = c.subs.lock().unwrap_or_else(|e| e.into_inner());
                    subs.contains_key(&key)
                })
                .cloned()
                .collect();
            if targets.is_empty() {
                continue;
            }
            let Ok(c) = authorize::collection(state, &change.collection).await else {
                continue;
            };
            let mut messages = authorize::Messages::default();
            for conn in targets {
                let principal = conn.principal();
                let (name, ops) = {
                    let subs = conn.subs.lock().unwrap_or_else(|e| e.into_inner());
                    match subs.get(&key) {
                        Some(s) => (s.name.clone(), s.operations.clone()),
                        None => continue,
                    }
                };
                let Some(out) = messages
                    .event(state, &mut grants, &principal, &c, &name, &ops, change)
                    .await
                else {
                    continue;
                };
                let mut subs = conn.subs.lock().unwrap_or_else(|e| e.into_inner());
                match subs.get_mut(&key).and_then(|s| s.pending.as_mut()) {
                    Some(pending) => pending.push(out),
                    None => {
                        drop(subs);
                        if conn.send(out) {
                            conn.delivered.fetch_add(1, Ordering::AcqRel);
                            self.deliveries.fetch_add(1, Ordering::AcqRel);
                        }
                    }
                }
            }
        }
    }

    /// Ends connections whose token expired or whose session ended (logout,
    /// deactivation, refresh-token reuse), and follows role and group
    /// changes of the others.
    pub async fn sweep(&self, state: &AppState) {
        let conns: Vec<Arc<Conn>> = self.read_conns().values().cloned().collect();
        if conns.iter().all(|c| c.session.is_none()) {
            return;
        }
        if state.db.backend() == crate::db::Backend::Postgres
            && state.db.poll_changes().await.is_err()
        {
            return;
        }
        let now = Utc::now().timestamp();
        for conn in conns {
            let Some(session) = &conn.session else {
                continue;
            };
            if session.claims.exp <= now {
                conn.close(Close::new(4001, "token expired"));
                continue;
            }
            match crate::auth::extract::current_identity(state, &session.claims).await {
                Ok(Some(found)) => {
                    let mut principal = Principal::clone(&found);
                    if let Some((account, slug)) = &session.acting {
                        principal = principal.acting_in(account.clone(), slug.clone());
                    }
                    *conn.principal.write().unwrap_or_else(|e| e.into_inner()) =
                        Arc::new(principal);
                }
                Ok(None) => conn.close(Close::new(4003, "session ended")),
                Err(e) => tracing::warn!(error = %e, "a realtime session check failed"),
            }
        }
    }

    /// Tells every client to reconnect (to another node, or to this one once
    /// it is back) and refuses new connections.
    pub fn shutdown(&self) {
        self.closing.store(true, Ordering::Release);
        for conn in self.read_conns().values() {
            conn.close(Close::new(1012, "server restarting: reconnect"));
        }
    }

    /// What the superadmin's inspector shows.
    pub fn snapshot(&self) -> Value {
        let conns = self.read_conns();
        let mut by_account: HashMap<String, (usize, usize)> = HashMap::new();
        let mut list: Vec<Value> = conns
            .values()
            .map(|c| {
                let p = c.principal();
                let subs = c.subscriptions();
                let entry = by_account.entry(p.account_id.to_string()).or_default();
                entry.0 += 1;
                entry.1 += subs.len();
                json!({
                    "id": c.id,
                    "account_id": p.account_id.as_str(),
                    "user_id": p.user_id.as_deref(),
                    "email": p.email,
                    "role": p.role,
                    "transport": c.transport,
                    "connected_at": c.connected_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    "delivered": c.delivered.load(Ordering::Acquire),
                    "subscriptions": subs.iter().map(|(name, ops)| json!({
                        "collection": name,
                        "operations": ops.iter().map(|o| o.name()).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        list.sort_by_key(|c| c["id"].as_u64());
        let mut accounts: Vec<Value> = by_account
            .into_iter()
            .map(|(account, (connections, subscriptions))| {
                json!({"account_id": account, "connections": connections, "subscriptions": subscriptions})
            })
            .collect();
        accounts.sort_by(|a, b| a["account_id"].as_str().cmp(&b["account_id"].as_str()));
        json!({
            "connections": list.len(),
            "max_connections": self.limits.max_connections,
            "changes_dispatched": self.changes.load(Ordering::Acquire),
            "deliveries": self.deliveries.load(Ordering::Acquire),
            "log_reads": self.log_reads.load(Ordering::Acquire),
            "accounts": accounts,
            "items": list,
        })
    }
}
