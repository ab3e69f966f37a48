//! Appending to a chain, inside the transaction of the change.
//!
//! The chain's head row is read (on PostgreSQL `FOR UPDATE`, so appends to
//! one chain are serialised until commit, on every node), the entries are
//! hashed one after the other, inserted in one statement, and the head moves
//! and is signed again. Every `checkpoint_every` entries a signed checkpoint
//! is written too. A rolled-back transaction leaves neither entries nor a
//! moved head.

use serde_json::Value;

use super::chain::{self, Content, GENESIS};
use super::Auditor;
use crate::db::statement::Statement;
use crate::db::values::{self, ColumnKind, Param};
use crate::db::{Backend, Tx};
use crate::on_tx;

/// Entries written per `INSERT` at most (23 parameters each).
const ROWS_PER_STATEMENT: usize = 400;

/// One changed column (or, with no column, the event as a whole).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub name: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Who did it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actor {
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
}

/// A verified electronic signature (21 CFR Part 11): who signed, why, when.
#[derive(Debug, Clone, PartialEq)]
pub struct ESignature {
    pub username: String,
    pub reason: String,
    pub at: String,
}

/// Something to record: one event, one entry per column.
#[derive(Debug, Clone, Default)]
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

/// The current time in the one format entries keep.
pub fn now_text() -> String {
    crate::http::time::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn text(v: Option<&str>) -> Param {
    match v {
        Some(v) => Param::Text(v.to_string()),
        None => Param::Null(ColumnKind::Text),
    }
}

/// The chain's head (sequence, hash), locked until the transaction ends on
/// PostgreSQL.
async fn head(tx: &mut Tx, chain: &str) -> Result<(i64, String), sqlx::Error> {
    let select = match tx.backend() {
        Backend::Postgres => "SELECT sequence, hash FROM audit_heads WHERE chain = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT sequence, hash FROM audit_heads WHERE chain = $1",
    };
    for _ in 0..2 {
        let found: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(select)
            .bind(chain)
            .fetch_optional(c)
            .await)?;
        if let Some(found) = found {
            return Ok(found);
        }
        if tx.backend() == Backend::Sqlite {
            // One writer: nobody else can start this chain meanwhile.
            return Ok((0, GENESIS.to_string()));
        }
        // Two first appends may race: one inserts, both then lock it.
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO audit_heads (chain, sequence, hash, signature, updated_at) VALUES ($1, 0, $2, '', $3) ON CONFLICT (chain) DO NOTHING"
        )
        .bind(chain)
        .bind(GENESIS)
        .bind(now_text())
        .execute(c)
        .await
        .map(|_| ())
        })?;
    }
    Err(sqlx::Error::RowNotFound)
}

/// Records `event` in `tx`. Does nothing when the audit trail is off.
pub async fn append(auditor: &Auditor, tx: &mut Tx, event: Event) -> Result<(), sqlx::Error> {
    if !auditor.enabled {
        return Ok(());
    }
    // The head's lock and the entries belong to the change's transaction.
    tx.before_write().await?;
    let chain = chain::chain_of(event.account_id.as_deref());
    let (mut sequence, mut hash) = head(tx, &chain).await?;
    let start = sequence;
    let origin = crate::db::origin::current();
    let origin = origin.as_deref();
    let at = now_text();
    let extra = event.extra.as_ref().map(Value::to_string);
    let columns = if event.columns.is_empty() {
        vec![Column::default()]
    } else {
        event.columns
    };
    let mut rows = Vec::with_capacity(columns.len());
    for column in columns {
        sequence += 1;
        let content = Content {
            chain: chain.clone(),
            sequence,
            account_id: event.account_id.clone(),
            operation: event.operation.clone(),
            table_name: event.table_name.clone(),
            record_id: event.record_id.clone(),
            column_name: column.name,
            old_value: column.old,
            new_value: column.new,
            user_id: event.actor.user_id.clone(),
            user_email: event.actor.user_email.clone(),
            user_name: event.actor.user_name.clone(),
            es_username: event.signature.as_ref().map(|s| s.username.clone()),
            es_reason: event.signature.as_ref().map(|s| s.reason.clone()),
            es_timestamp: event.signature.as_ref().map(|s| s.at.clone()),
            ip_address: origin.and_then(|o| o.ip.clone()),
            user_agent: origin.and_then(|o| o.user_agent.clone()),
            request_id: origin.and_then(|o| o.request_id.clone()),
            occurred_at: at.clone(),
            extra_metadata: extra.clone(),
        };
        let checksum = content.checksum(&hash);
        rows.push((content, hash, checksum.clone()));
        hash = checksum;
    }
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert = Statement::new(
            "INSERT INTO audit_log (chain, sequence, account_id, operation, table_name, record_id, column_name, old_value, new_value, user_id, user_email, user_name, es_username, es_reason, es_timestamp, ip_address, user_agent, request_id, occurred_at, extra_metadata, previous_hash, checksum) VALUES ",
        );
        for (i, (c, previous, checksum)) in chunk.iter().enumerate() {
            if i > 0 {
                insert.push(", ");
            }
            insert.bind_list([
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
            ]);
        }
        let (sql, params) = insert.finish();
        values::execute(tx, &sql, &params).await?;
    }
    let signature = auditor
        .signer
        .sign(&chain::head_message(&chain, sequence, &hash));
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO audit_heads (chain, sequence, hash, signature, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (chain) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash, \
         signature = excluded.signature, updated_at = excluded.updated_at"
    )
    .bind(&chain)
    .bind(sequence)
    .bind(&hash)
    .bind(&signature)
    .bind(&at)
    .execute(c)
    .await
    .map(|_| ())
    })?;
    let every = auditor.checkpoint_every.max(1);
    if start / every != sequence / every {
        checkpoint(auditor, tx, &chain, sequence, &hash, &at).await?;
    }
    Ok(())
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
