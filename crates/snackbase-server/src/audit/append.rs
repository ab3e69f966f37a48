//! Appending to a chain, with the change that is recorded.
//!
//! An event is queued on its transaction and written just before the
//! transaction commits, with the transaction's other events.
//!
//! - On SQLite (one writer) the events are appended to the chain right
//!   there: the chain's head row is read, the entries are hashed one after
//!   the other, inserted in one statement, and the head moves and is signed
//!   again, once per transaction.
//! - On PostgreSQL the transaction stages its events: a record change's
//!   event in the row that logs the change (`record_changes.audit`), other
//!   events as one row of `audit_pending`. The sealer (`seal.rs`) appends
//!   them to their chains right after they commit (and deletes the rows of
//!   `audit_pending` in the same transaction). A head is then never locked across a request's commit, so
//!   concurrent writers do not wait for each other's disk flushes.
//!
//! Either way a change and its record commit together, and a rolled-back
//! transaction leaves neither entries, staged events nor a moved head. Every
//! `checkpoint_every` entries a signed checkpoint is written too.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::chain::{self, Content, GENESIS};
use super::Auditor;
use crate::db::journal::{AfterCommit, Deferred};
use crate::db::statement::Statement;
use crate::db::values::{self, ColumnKind, Param};
use crate::db::{Backend, Tx};
use crate::on_tx;

/// Entries written per `INSERT` at most (23 parameters each).
const ROWS_PER_STATEMENT: usize = 400;

/// One changed column (or, with no column, the event as a whole).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Who did it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
}

/// A verified electronic signature (21 CFR Part 11): who signed, why, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ESignature {
    pub username: String,
    pub reason: String,
    pub at: String,
}

/// Something to record: one event, one entry (its columns inside).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Event {
    /// The account whose chain it goes to; `None`: the system chain.
    pub account_id: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `LOGIN`, ...
    pub operation: String,
    pub table_name: String,
    pub record_id: String,
    /// At least one entry is written: none here means one without a column.
    pub columns: Vec<Column>,
    pub actor: Actor,
    pub signature: Option<ESignature>,
    pub extra: Option<Value>,
}

/// The current time in the one format entries keep
/// (`2026-12-05T12:00:00.123456Z`).
pub fn now_text() -> String {
    crate::http::time::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A chain's head as an append leaves it: its name, sequence and hash.
type Head = (String, i64, String);

/// The heads this process last appended to, per chain (SQLite), so that an
/// append does not read its chain's head back from the writer each time.
/// An entry is taken out when an append starts and put back only once its
/// transaction has committed, so a rolled-back append leaves no stale head.
/// Another process appending meanwhile (a command run against the same
/// file) is noticed by the `(chain, sequence)` unique key: the append then
/// reads the head and runs again.
#[derive(Debug, Default)]
pub struct Heads {
    known: std::sync::Mutex<std::collections::HashMap<String, (i64, String)>>,
    reads: std::sync::atomic::AtomicU64,
}

impl Heads {
    fn take(&self, chain: &str) -> Option<Head> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known
            .remove(chain)
            .map(|(sequence, hash)| (chain.to_string(), sequence, hash))
    }

    fn keep(&self, heads: Vec<Head>) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        for (chain, sequence, hash) in heads {
            known.insert(chain, (sequence, hash));
        }
    }

    /// How many times a head was read from the database.
    pub fn reads(&self) -> u64 {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn text(v: Option<&str>) -> Param {
    match v {
        Some(v) => Param::Text(v.to_string()),
        None => Param::Null(ColumnKind::Text),
    }
}

/// Chains per account (and for system events) on PostgreSQL. An append
/// holds its chain's head until its transaction commits; with one chain an
/// account's writes would commit one after the other (one disk flush each).
/// With several, an append takes the first head no one holds (`SKIP
/// LOCKED`), so up to this many of an account's writes commit together.
/// SQLite has one writer: one chain.
pub const SHARDS: usize = 16;

/// The names of the chains of `base` (the first is `base` itself).
pub fn shards(base: &str) -> Vec<String> {
    std::iter::once(base.to_string())
        .chain((1..SHARDS).map(|k| format!("{base}:{k}")))
        .collect()
}

/// A head of one of `base`'s chains (name, sequence, hash), locked until
/// the transaction ends on PostgreSQL.
async fn head(auditor: &Auditor, tx: &mut Tx, base: &str) -> Result<Head, sqlx::Error> {
    auditor
        .heads
        .reads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = match tx {
        Tx::Sqlite(_) => {
            let found: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT sequence, hash FROM audit_heads WHERE chain = $1"
            )
            .bind(base)
            .fetch_optional(c)
            .await)?;
            // One writer: nobody else can start this chain meanwhile.
            let (sequence, hash) = found.unwrap_or((0, GENESIS.to_string()));
            return Ok((base.to_string(), sequence, hash));
        }
        Tx::Postgres(t) => t,
    };
    let names = shards(base);
    for attempt in 0..3 {
        let free: Option<Head> = sqlx::query_as(
            "SELECT chain, sequence, hash FROM audit_heads WHERE chain = ANY($1) \
             ORDER BY chain FOR UPDATE SKIP LOCKED LIMIT 1",
        )
        .bind(&names)
        .fetch_optional(t.conn())
        .await?;
        if let Some(free) = free {
            return Ok(free);
        }
        if attempt == 0 {
            // The chains may not exist yet (or all be held): make sure they
            // do, each with a signed empty head; two first appends may race,
            // both then lock one.
            let signatures: Vec<String> = names
                .iter()
                .map(|n| auditor.signer.sign(&chain::head_message(n, 0, GENESIS)))
                .collect();
            sqlx::query(
                "INSERT INTO audit_heads (chain, sequence, hash, signature, updated_at) \
                 SELECT c, 0, $2, s, $3 FROM unnest($1::text[], $4::text[]) AS u(c, s) \
                 ON CONFLICT (chain) DO NOTHING",
            )
            .bind(&names)
            .bind(GENESIS)
            .bind(now_text())
            .bind(&signatures)
            .execute(t.conn())
            .await?;
        }
    }
    // Every chain is held: wait for the first.
    let (sequence, hash): (i64, String) =
        sqlx::query_as("SELECT sequence, hash FROM audit_heads WHERE chain = $1 FOR UPDATE")
            .bind(base)
            .fetch_one(t.conn())
            .await?;
    Ok((base.to_string(), sequence, hash))
}

/// An event queued on a transaction, with what it keeps of the moment it
/// happened (its request and time); staged on PostgreSQL as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Queued {
    pub(super) event: Event,
    pub(super) origin: Option<std::sync::Arc<crate::db::origin::Origin>>,
    pub(super) at: String,
}

impl Queued {
    /// `event`, happening now in the current request (if any).
    fn now(event: Event) -> Self {
        Self {
            event,
            origin: crate::db::origin::current(),
            at: now_text(),
        }
    }
}

/// The staged form of `events`: a JSON array.
fn staged_json(events: &[Queued]) -> Result<String, sqlx::Error> {
    serde_json::to_string(events)
        .map_err(|e| sqlx::Error::Protocol(format!("staging audit events: {e}")))
}

/// The events a transaction will append just before it commits.
#[derive(Debug)]
struct Pending {
    auditor: Auditor,
    events: Vec<Queued>,
}

impl Deferred for Pending {
    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn len(&self) -> usize {
        self.events.len()
    }

    fn truncate(&mut self, len: usize) {
        self.events.truncate(len);
    }

    fn flush<'a>(
        self: Box<Self>,
        tx: &'a mut Tx,
    ) -> Pin<Box<dyn Future<Output = Result<AfterCommit, sqlx::Error>> + Send + 'a>> {
        Box::pin(async move {
            let Pending { auditor, events } = *self;
            if tx.backend() == Backend::Postgres {
                if events.is_empty() {
                    // Staged with their changes' statements (`staging`).
                    return Ok(Some(wake(&auditor)));
                }
                return stage(&auditor, tx, &events).await;
            }
            let heads = write_all(&auditor, tx, events).await?;
            // Known to be the heads once the transaction has committed.
            let keep: Box<dyn FnOnce() + Send> = Box::new(move || auditor.heads.keep(heads));
            Ok(Some(keep))
        })
    }
}

/// Records `event` in `tx`: its entries are appended to the chain just
/// before `tx` commits, with the entries of every other event of the
/// transaction (one head lock and one signature for all). Does nothing when
/// the audit trail is off.
pub async fn append(auditor: &Auditor, tx: &mut Tx, event: Event) -> Result<(), sqlx::Error> {
    if !auditor.enabled {
        return Ok(());
    }
    let queued = Queued::now(event);
    let pending = tx
        .deferred(|| Pending {
            auditor: auditor.clone(),
            events: Vec::new(),
        })
        .ok_or_else(|| sqlx::Error::Protocol("other work is queued on this transaction".into()))?;
    pending.events.push(queued);
    Ok(())
}

/// On PostgreSQL, `event` staged as JSON for the row that logs its record
/// change (`feed::record_with`: column `record_changes.audit`), written in
/// the same statement; the sealer is woken when `tx` commits and finds it
/// there. `None` when the trail is off, and on SQLite, where the event goes
/// through [`append`].
pub fn staging(
    auditor: &Auditor,
    tx: &mut Tx,
    event: Event,
) -> Result<Option<String>, sqlx::Error> {
    if !auditor.enabled || tx.backend() != Backend::Postgres {
        return Ok(None);
    }
    let text = staged_json(&[Queued::now(event)])?;
    // Nothing is queued, but the commit wakes the sealer.
    tx.deferred(|| Pending {
        auditor: auditor.clone(),
        events: Vec::new(),
    })
    .ok_or_else(|| sqlx::Error::Protocol("other work is queued on this transaction".into()))?;
    Ok(Some(text))
}

/// Wakes the sealer of this node.
fn wake(auditor: &Auditor) -> Box<dyn FnOnce() + Send> {
    let wake = auditor.sealer.clone();
    Box::new(move || wake.notify_one())
}

/// Appends `events` to their chains, in `tx`; returns the heads it left.
pub(super) async fn write_all(
    auditor: &Auditor,
    tx: &mut Tx,
    events: Vec<Queued>,
) -> Result<Vec<Head>, sqlx::Error> {
    // Chains in a fixed order: two transactions never wait for each other's
    // heads in opposite orders.
    let mut by_chain: BTreeMap<String, Vec<Queued>> = BTreeMap::new();
    for queued in events {
        let base = chain::chain_of(queued.event.account_id.as_deref());
        by_chain.entry(base).or_default().push(queued);
    }
    let mut heads = Vec::with_capacity(by_chain.len());
    for (base, events) in by_chain {
        heads.push(write(auditor, tx, &base, &events).await?);
    }
    Ok(heads)
}

/// Stages `events` in `tx` (PostgreSQL): one row of `audit_pending`, which
/// the sealer appends to the chains once `tx` has committed (it is woken
/// then).
async fn stage(
    auditor: &Auditor,
    tx: &mut Tx,
    events: &[Queued],
) -> Result<AfterCommit, sqlx::Error> {
    let text = staged_json(events)?;
    tx.before_write().await?;
    values::execute_uncounted(
        tx,
        "INSERT INTO audit_pending (events) VALUES ($1)",
        &[Param::Text(text)],
    )
    .await?;
    Ok(Some(wake(auditor)))
}

/// Appends `events` to one of `base`'s chains, in `tx`; returns its head.
async fn write(
    auditor: &Auditor,
    tx: &mut Tx,
    base: &str,
    events: &[Queued],
) -> Result<Head, sqlx::Error> {
    // The head's lock and the entries belong to the change's transaction.
    tx.before_write().await?;
    let mut known = match tx.backend() {
        Backend::Sqlite => auditor.heads.take(base),
        Backend::Postgres => None,
    };
    loop {
        let cached = known.is_some();
        let (chain, start, hash) = match known.take() {
            Some(head) => head,
            None => head(auditor, tx, base).await?,
        };
        let (rows, at) = entries(&chain, start, &hash, events);
        let Some((last, _, hash)) = rows.last() else {
            return Ok((chain, start, hash));
        };
        let (sequence, hash) = (last.sequence, hash.clone());
        let signature = auditor
            .signer
            .sign(&chain::head_message(&chain, sequence, &hash));
        let head_values = [
            Param::Text(chain.clone()),
            Param::Int(sequence),
            Param::Text(hash.clone()),
            Param::Text(signature),
            Param::Text(at.clone()),
        ];
        match insert(tx, &rows, head_values).await {
            Ok(()) => {}
            // Another process appended since this one last did: the first
            // entry's sequence is taken, and nothing was written.
            Err(Inserted::First(sqlx::Error::Database(e))) if cached && e.is_unique_violation() => {
                tracing::debug!(chain = %chain, "an audit chain moved under this process; reading its head");
                continue;
            }
            Err(Inserted::First(e) | Inserted::Later(e)) => return Err(e),
        }
        let every = auditor.checkpoint_every.max(1);
        if start / every != sequence / every {
            checkpoint(auditor, tx, &chain, sequence, &hash, &at).await?;
        }
        return Ok((chain, sequence, hash));
    }
}

/// The entries of `events` following `(start, hash)` on `chain`: (content,
/// previous hash, checksum) each, and the time of the last event.
fn entries(
    chain: &str,
    start: i64,
    hash: &str,
    events: &[Queued],
) -> (Vec<(Content, String, String)>, String) {
    let mut hash = hash.to_string();
    let mut sequence = start;
    let mut rows = Vec::with_capacity(events.len());
    let mut at = String::new();
    for Queued {
        event,
        origin,
        at: when,
    } in events
    {
        let origin = origin.as_deref();
        let extra = event.extra.as_ref().map(Value::to_string);
        // One entry per change, its columns inside (at most
        // COLUMNS_PER_ENTRY each); an event without columns is one entry of
        // none.
        let mut parts: Vec<Option<String>> = event
            .columns
            .chunks(chain::COLUMNS_PER_ENTRY)
            .map(|part| {
                Some(chain::columns_text(part.iter().map(|c| {
                    (c.name.as_deref(), c.old.as_deref(), c.new.as_deref())
                })))
            })
            .collect();
        if parts.is_empty() {
            parts.push(None);
        }
        for columns in parts {
            sequence += 1;
            let content = Content {
                chain: chain.to_string(),
                sequence,
                account_id: event.account_id.clone(),
                operation: event.operation.clone(),
                table_name: event.table_name.clone(),
                record_id: event.record_id.clone(),
                column_name: None,
                old_value: None,
                new_value: None,
                user_id: event.actor.user_id.clone(),
                user_email: event.actor.user_email.clone(),
                user_name: event.actor.user_name.clone(),
                es_username: event.signature.as_ref().map(|s| s.username.clone()),
                es_reason: event.signature.as_ref().map(|s| s.reason.clone()),
                es_timestamp: event.signature.as_ref().map(|s| s.at.clone()),
                ip_address: origin.and_then(|o| o.ip.clone()),
                user_agent: origin.and_then(|o| o.user_agent.clone()),
                request_id: origin.and_then(|o| o.request_id.clone()),
                occurred_at: when.clone(),
                extra_metadata: extra.clone(),
                columns,
            };
            let checksum = content.checksum(&hash);
            rows.push((content, hash, checksum.clone()));
            hash = checksum;
        }
        at.clone_from(when);
    }
    (rows, at)
}

/// Where an [`insert`] failed: in its first statement (then it wrote
/// nothing) or later.
enum Inserted {
    First(sqlx::Error),
    Later(sqlx::Error),
}

/// Inserts `rows` and moves the head to `head_values` (the last statement
/// does both).
async fn insert(
    tx: &mut Tx,
    rows: &[(Content, String, String)],
    head_values: [Param; 5],
) -> Result<(), Inserted> {
    let chunks: Vec<_> = rows.chunks(ROWS_PER_STATEMENT).collect();
    let last = chunks.len().saturating_sub(1);
    let sqlite = tx.backend() == Backend::Sqlite;
    for (n, chunk) in chunks.into_iter().enumerate() {
        let result = if sqlite {
            let (mut sql, mut params) = sqlite_insert(chunk);
            if n == last {
                // The last entries and the head in one call to the writer:
                // sqlx runs the statements of one string in turn, each
                // taking its `?` values from the list in order.
                sql.push_str("; ");
                sql.push_str(&format!("{HEAD_UPSERT} (?, ?, ?, ?, ?){HEAD_CONFLICT}"));
                params.extend(head_values.clone());
            }
            values::execute_uncounted(tx, &sql, &params).await
        } else {
            let insert = insert_statement(chunk);
            let (sql, params) = if n == last {
                // The last entries and the head in one round trip.
                let mut both = Statement::new("WITH e AS (");
                let mut head = Statement::new(&format!("{HEAD_UPSERT} "));
                head.bind_list(head_values.clone()).push(HEAD_CONFLICT);
                both.append(&insert).push(") ").append(&head);
                both.finish()
            } else {
                insert.finish()
            };
            values::execute_uncounted(tx, &sql, &params).await
        };
        if let Err(e) = result {
            return Err(if n == 0 {
                Inserted::First(e)
            } else {
                Inserted::Later(e)
            });
        }
    }
    Ok(())
}

/// Moves a chain's head (its values follow: chain, sequence, hash,
/// signature, time).
const HEAD_UPSERT: &str =
    "INSERT INTO audit_heads (chain, sequence, hash, signature, updated_at) VALUES";
const HEAD_CONFLICT: &str = " ON CONFLICT (chain) DO UPDATE SET sequence = excluded.sequence, \
     hash = excluded.hash, signature = excluded.signature, updated_at = excluded.updated_at";

/// The columns of an entry, in the order [`insert_statement`] binds them.
const INSERTED: &str = "chain, sequence, account_id, operation, table_name, record_id, column_name, old_value, new_value, user_id, user_email, user_name, es_username, es_reason, es_timestamp, ip_address, user_agent, request_id, occurred_at, extra_metadata, previous_hash, checksum, columns";

/// An entry's values in the order of [`INSERTED`].
fn values_of((c, previous, checksum): &(Content, String, String)) -> [Param; 23] {
    [
        Param::Text(c.chain.clone()),
        Param::Int(c.sequence),
        text(c.account_id.as_deref()),
        Param::Text(c.operation.clone()),
        Param::Text(c.table_name.clone()),
        Param::Text(c.record_id.clone()),
        text(c.column_name.as_deref()),
        text(c.old_value.as_deref()),
        text(c.new_value.as_deref()),
        text(c.user_id.as_deref()),
        text(c.user_email.as_deref()),
        text(c.user_name.as_deref()),
        text(c.es_username.as_deref()),
        text(c.es_reason.as_deref()),
        text(c.es_timestamp.as_deref()),
        text(c.ip_address.as_deref()),
        text(c.user_agent.as_deref()),
        text(c.request_id.as_deref()),
        Param::Text(c.occurred_at.clone()),
        text(c.extra_metadata.as_deref()),
        Param::Text(previous.clone()),
        Param::Text(checksum.clone()),
        text(c.columns.as_deref()),
    ]
}

/// The `INSERT` of some entries: (content, previous hash, checksum), with
/// `$n` placeholders (PostgreSQL).
fn insert_statement(rows: &[(Content, String, String)]) -> Statement {
    let mut insert = Statement::new(&format!("INSERT INTO audit_log ({INSERTED}) VALUES "));
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            insert.push(", ");
        }
        insert.bind_list(values_of(row));
    }
    insert
}

/// The same `INSERT` with anonymous `?` placeholders (SQLite). sqlx looks
/// up the name of every numbered placeholder, and SQLite finds a name by
/// walking the list of all of them: with `$n`, binding costs time in the
/// number of parameters squared, which for a few hundred entries cost more
/// than everything else the write does. Anonymous ones have no names.
fn sqlite_insert(rows: &[(Content, String, String)]) -> (String, Vec<Param>) {
    let row = format!("({})", vec!["?"; 23].join(", "));
    let sql = format!(
        "INSERT INTO audit_log ({INSERTED}) VALUES {}",
        vec![row.as_str(); rows.len()].join(", ")
    );
    (sql, rows.iter().flat_map(values_of).collect())
}

/// Writes a signed checkpoint of `chain` at `sequence`, chained to the last one.
async fn checkpoint(
    auditor: &Auditor,
    tx: &mut Tx,
    chain: &str,
    sequence: i64,
    hash: &str,
    at: &str,
) -> Result<(), sqlx::Error> {
    let previous: Option<String> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT signature FROM audit_checkpoints WHERE chain = $1 ORDER BY sequence DESC LIMIT 1"
    )
    .bind(chain)
    .fetch_optional(c)
    .await
    })?;
    let previous = previous.unwrap_or_default();
    let signature = auditor.signer.sign(&chain::checkpoint_message(
        chain, sequence, hash, at, &previous,
    ));
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO audit_checkpoints (chain, sequence, head_hash, created_at, previous_signature, signature) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(chain)
    .bind(sequence)
    .bind(hash)
    .bind(at)
    .bind(&previous)
    .bind(&signature)
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}
