//! The hub: this node's open realtime connections with their subscriptions,
//! and the dispatch of each committed change, in `seq` order, to the
//! subscribers allowed to read it now (see [`super::authorize`]).
//!
//! A change concerns only the subscribers of its account and collection: the
//! hub keeps them in an index (the [`Registry`]'s topics), so dispatching a
//! change costs its subscribers, not every connection of the node.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::authorize::{self, Grants};
use super::log::{self, Replay};
use super::outbox::{Outbox, Pushed};
use crate::app::AppState;
use crate::auth::tokens::AccessClaims;
use crate::auth::Principal;
use crate::config::RealtimeLimits;
use crate::db::feed::RecordChange;
use crate::db::Operation;

/// The most subscriptions one connection may hold (the SDK's own limit).
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// One message for a client: its JSON text (shared by every subscriber that
/// receives it, and sent without a copy), and the change's `seq` (the SSE
/// event id) when it is a change.
#[derive(Debug, Clone)]
pub struct Out {
    pub text: Utf8Bytes,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub fn new(code: u16, reason: &'static str) -> Self {
        Self { code, reason }
    }
}

/// The operations a subscription receives: a set of create, update and delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ops(u8);

impl Ops {
    const WRITES: [Operation; 3] = [Operation::Create, Operation::Update, Operation::Delete];
    pub const ALL: Ops = Ops(0b111);

    fn bit(op: Operation) -> u8 {
        match op {
            Operation::Create => 1,
            Operation::Update => 2,
            Operation::Delete => 4,
            Operation::Read => 0,
        }
    }

    pub fn of(ops: impl IntoIterator<Item = Operation>) -> Self {
        Self(ops.into_iter().fold(0, |set, op| set | Self::bit(op)))
    }

    pub fn contains(self, op: Operation) -> bool {
        self.0 & Self::bit(op) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Operation> {
        Self::WRITES
            .into_iter()
            .filter(move |op| self.contains(*op))
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
    /// The collection as the client named it (event types use this name);
    /// the same collection as its topic's name, but for the letter case.
    name: Arc<str>,
    operations: Ops,
    /// While a replay runs: the live changes that arrive meanwhile.
    pending: Option<Vec<Out>>,
}

impl Sub {
    fn is(&self, topic: &str) -> bool {
        self.name.eq_ignore_ascii_case(topic)
    }
}

/// One open connection.
#[derive(Debug)]
pub struct Conn {
    pub id: u64,
    /// The account the connection acts in, for its whole life (a session
    /// check may refresh the principal, never move it to another account).
    account: String,
    principal: RwLock<Arc<Principal>>,
    pub session: Option<Session>,
    pub transport: &'static str,
    pub connected_at: DateTime<Utc>,
    /// What the per-user limit counts: the user, or the client address.
    key: String,
    /// At most [`MAX_SUBSCRIPTIONS`], usually one: a list, not a map.
    subs: Mutex<Vec<Sub>>,
    outbox: Outbox,
    delivered: AtomicU64,
}

impl Conn {
    pub fn principal(&self) -> Arc<Principal> {
        self.principal
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// What the transport sends next (see [`Outbox::next`]).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Ends the connection with `why` (the transport sends it and closes).
    pub fn close(&self, why: Close) {
        self.outbox.close(why);
    }

    /// Queues a message; a full queue ends the connection (a slow consumer).
    pub fn send(&self, out: Out) -> bool {
        self.outbox.push(out) == Pushed::Queued
    }

    fn lock_subs(&self) -> std::sync::MutexGuard<'_, Vec<Sub>> {
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The subscription to `topic` (a collection name in lower case): the
    /// name the client gave it and its operations.
    fn subscription(&self, topic: &str) -> Option<(Arc<str>, Ops)> {
        self.lock_subs()
            .iter()
            .find(|s| s.is(topic))
            .map(|s| (s.name.clone(), s.operations))
    }

    fn subscriptions(&self) -> Vec<(Arc<str>, Ops)> {
        self.lock_subs()
            .iter()
            .map(|s| (s.name.clone(), s.operations))
            .collect()
    }
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

/// The subscribers of one account's collection.
type Subscribers = Arc<Vec<Arc<Conn>>>;

/// The node's connections, indexed.
#[derive(Debug, Default)]
struct Registry {
    conns: HashMap<u64, Arc<Conn>>,
    /// Open connections per limit key (a user, or a client address).
    per_key: HashMap<String, usize>,
    /// Account → collection (lower case) → its subscribers. Copied on
    /// write, so that a dispatch takes a list without holding the lock.
    topics: HashMap<String, HashMap<String, Subscribers>>,
}

impl Registry {
    fn subscribers(&self, account: &str, topic: &str) -> Option<Subscribers> {
        self.topics.get(account)?.get(topic).cloned()
    }

    fn follow(&mut self, conn: &Arc<Conn>, topic: &str) {
        let list = self
            .topics
            .entry(conn.account.clone())
            .or_default()
            .entry(topic.to_string())
            .or_default();
        Arc::make_mut(list).push(conn.clone());
    }

    fn unfollow(&mut self, conn: &Conn, topic: &str) {
        let Some(topics) = self.topics.get_mut(&conn.account) else {
            return;
        };
        if let Some(list) = topics.get_mut(topic) {
            Arc::make_mut(list).retain(|c| c.id != conn.id);
            if list.is_empty() {
                topics.remove(topic);
            }
        }
        if topics.is_empty() {
            self.topics.remove(&conn.account);
        }
    }
}

#[derive(Debug)]
pub struct Hub {
    pub limits: RealtimeLimits,
    registry: RwLock<Registry>,
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
            registry: RwLock::default(),
            next_id: AtomicU64::new(1),
            gate: tokio::sync::Mutex::new(0),
            deliveries: AtomicU64::new(0),
            changes: AtomicU64::new(0),
            log_reads: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        }
    }

    fn read_registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_registry(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|e| e.into_inner())
    }

    fn conns(&self) -> Vec<Arc<Conn>> {
        self.read_registry().conns.values().cloned().collect()
    }

    /// Opens a connection for `principal`, within the node's and the user's limits.
    pub fn register(
        &self,
        principal: Principal,
        session: Option<Session>,
        transport: &'static str,
        key: String,
    ) -> Result<Arc<Conn>, Refused> {
        if self.closing.load(Ordering::Acquire) {
            return Err(refused("shutting_down", "The server is shutting down"));
        }
        let mut registry = self.write_registry();
        if registry.conns.len() >= self.limits.max_connections {
            return Err(refused(
                "too_many_connections",
                "This server holds as many realtime connections as it may",
            ));
        }
        if registry.per_key.get(&key).copied().unwrap_or(0) >= self.limits.max_per_user {
            return Err(refused(
                "too_many_connections",
                format!(
                    "At most {} realtime connections per user",
                    self.limits.max_per_user
                ),
            ));
        }
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::AcqRel),
            account: principal.account_id.to_string(),
            principal: RwLock::new(Arc::new(principal)),
            session,
            transport,
            connected_at: crate::http::time::now(),
            key,
            subs: Mutex::default(),
            outbox: Outbox::new(self.limits.queue),
            delivered: AtomicU64::new(0),
        });
        *registry.per_key.entry(conn.key.clone()).or_default() += 1;
        registry.conns.insert(conn.id, conn.clone());
        Ok(conn)
    }

    /// Forgets a connection that ended, with its subscriptions.
    pub fn unregister(&self, id: u64) {
        let mut registry = self.write_registry();
        let Some(conn) = registry.conns.remove(&id) else {
            return;
        };
        if let Some(n) = registry.per_key.get_mut(&conn.key) {
            *n -= 1;
            if *n == 0 {
                registry.per_key.remove(&conn.key);
            }
        }
        let subs = std::mem::take(&mut *conn.lock_subs());
        for sub in subs {
            registry.unfollow(&conn, &sub.name.to_ascii_lowercase());
        }
    }

    /// Subscribes `conn` to a collection (replacing an earlier subscription
    /// to it): checks that it exists and that the caller may read it, acks,
    /// then replays what followed `since` (if given) before live changes.
    pub async fn subscribe(
        &self,
        state: &AppState,
        conn: &Arc<Conn>,
        name: &str,
        operations: Ops,
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
            let mut registry = self.write_registry();
            let mut subs = conn.lock_subs();
            let sub = Sub {
                name: name.into(),
                operations,
                pending: since.map(|_| Vec::new()),
            };
            let count = subs.len();
            match subs.iter_mut().find(|s| s.is(&key)) {
                Some(old) => *old = sub,
                None if count >= MAX_SUBSCRIPTIONS => {
                    return Err(refused(
                        "too_many_subscriptions",
                        format!("Maximum {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                    ));
                }
                None => {
                    subs.push(sub);
                    registry.follow(conn, &key);
                }
            }
            drop(registry);
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
                    let Some((_, sub_ops)) = conn.subscription(&key) else {
                        break;
                    };
                    if let Some(out) =
                        authorize::event(state, &mut grants, &principal, &c, name, sub_ops, &change)
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
            let mut subs = conn.lock_subs();
            subs.iter_mut()
                .find(|s| s.is(&key))
                .and_then(|s| s.pending.take())
        };
        for out in pending.into_iter().flatten() {
            conn.send(out);
        }
        Ok(())
    }

    pub fn unsubscribe(&self, conn: &Conn, name: &str) {
        let key = name.to_ascii_lowercase();
        {
            let mut registry = self.write_registry();
            let mut subs = conn.lock_subs();
            let before = subs.len();
            subs.retain(|s| !s.is(&key));
            if subs.len() != before {
                registry.unfollow(conn, &key);
            }
        }
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
            let Some(targets) = self.read_registry().subscribers(&change.account_id, &key) else {
                continue;
            };
            let Ok(c) = authorize::collection(state, &change.collection).await else {
                continue;
            };
            let mut messages = authorize::Messages::default();
            for conn in targets.iter() {
                let principal = conn.principal();
                let Some((name, ops)) = conn.subscription(&key) else {
                    continue;
                };
                let Some(out) = messages
                    .event(state, &mut grants, &principal, &c, &name, ops, change)
                    .await
                else {
                    continue;
                };
                let mut subs = conn.lock_subs();
                match subs
                    .iter_mut()
                    .find(|s| s.is(&key))
                    .and_then(|s| s.pending.as_mut())
                {
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
        let conns = self.conns();
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
                    // The identity cache's own principal where it is the one
                    // to use (shared by the session's connections, and no
                    // copy every sweep); the superadmin acting elsewhere
                    // gets its own.
                    let principal = match &session.acting {
                        Some((account, slug)) => Arc::new(
                            Principal::clone(&found).acting_in(account.clone(), slug.clone()),
                        ),
                        None => found,
                    };
                    let mut slot = conn.principal.write().unwrap_or_else(|e| e.into_inner());
                    if !Arc::ptr_eq(&slot, &principal) {
                        *slot = principal;
                    }
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
        for conn in self.conns() {
            conn.close(Close::new(1012, "server restarting: reconnect"));
        }
    }

    /// For `/metrics`: open connections per transport, changes dispatched
    /// and events delivered since start.
    pub fn counts(&self) -> (Vec<(&'static str, u64)>, u64, u64) {
        let mut by_transport: Vec<(&'static str, u64)> = vec![("websocket", 0), ("sse", 0)];
        for conn in self.read_registry().conns.values() {
            match by_transport.iter_mut().find(|(t, _)| *t == conn.transport) {
                Some(entry) => entry.1 += 1,
                None => by_transport.push((conn.transport, 1)),
            }
        }
        (
            by_transport,
            self.changes.load(Ordering::Acquire),
            self.deliveries.load(Ordering::Acquire),
        )
    }

    /// What the superadmin's inspector shows.
    pub fn snapshot(&self) -> Value {
        let conns = self.conns();
        let mut by_account: HashMap<String, (usize, usize)> = HashMap::new();
        let mut list: Vec<Value> = conns
            .iter()
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
                        "collection": &**name,
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

#[cfg(test)]
mod tests {
    use super::Ops;
    use crate::db::Operation;

    #[test]
    fn ops_are_a_set_of_writes() {
        let ops = Ops::of([Operation::Delete, Operation::Create, Operation::Create]);
        assert!(ops.contains(Operation::Create) && ops.contains(Operation::Delete));
        assert!(!ops.contains(Operation::Update) && !ops.contains(Operation::Read));
        let names: Vec<_> = ops.iter().map(Operation::name).collect();
        assert_eq!(names, ["create", "delete"]);
        assert_eq!(Ops::ALL.iter().count(), 3);
    }
}
