//! Reading what verification walks — the heads, the checkpoints and the
//! entries — from one snapshot of the database, so that a server writing
//! meanwhile is never half seen (a head ahead of the entries read).
//!
//! On SQLite everything is read through rusqlite on a blocking thread, in one
//! read transaction (sqlx hands each row over from its connection's thread,
//! which costs more than the row); on PostgreSQL in one `REPEATABLE READ`
//! transaction, the entries streamed. Entries arrive in batches, in order.

use futures_util::TryStreamExt as _;
use tokio::sync::{mpsc, oneshot};

use super::query::Row;
use super::verify::{Checkpoint, Head};
use crate::db::{Db, Tx};

/// Entries per batch.
pub const BATCH: usize = 4096;

/// The statements to read with, each bound to `names` in order.
pub struct Queries {
    pub heads: String,
    pub checkpoints: String,
    pub entries: String,
    pub names: Vec<String>,
}

/// What one snapshot holds.
pub struct Snapshot {
    pub heads: Vec<Head>,
    pub checkpoints: Vec<Checkpoint>,
    pub entries: mpsc::Receiver<Result<Vec<Row>, sqlx::Error>>,
}

type Batches = mpsc::Sender<Result<Vec<Row>, sqlx::Error>>;
type Fixed = oneshot::Sender<Result<(Vec<Head>, Vec<Checkpoint>), sqlx::Error>>;

/// Starts reading; returns once the heads and checkpoints are read.
pub async fn read(db: &Db, sql: Queries) -> Result<Snapshot, sqlx::Error> {
    let (send, entries) = mpsc::channel(4);
    let (fixed, fixed_read) = oneshot::channel();
    match db.fast() {
        Some(fast) => {
            let path = fast.path().to_path_buf();
            tokio::task::spawn_blocking(move || sqlite(&path, &sql, fixed, &send));
        }
        None => {
            let tx = db.begin_read().await?;
            tokio::spawn(postgres(tx, sql, fixed, send));
        }
    }
    let (heads, checkpoints) = fixed_read
        .await
        .map_err(|_| sqlx::Error::Protocol("the audit reader stopped".into()))??;
    Ok(Snapshot {
        heads,
        checkpoints,
        entries,
    })
}

fn protocol(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

/// SQLite: a read-only connection of its own, one read transaction.
fn sqlite(path: &std::path::Path, sql: &Queries, fixed: Fixed, send: &Batches) {
    let opened = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|conn| {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // The snapshot starts with the first read and lasts until COMMIT.
        conn.execute_batch("BEGIN")?;
        Ok(conn)
    });
    let conn = match opened {
        Ok(conn) => conn,
        Err(e) => {
            let _ = fixed.send(Err(protocol(e)));
            return;
        }
    };
    let _ = fixed.send(sqlite_fixed(&conn, sql).map_err(protocol));
    if let Err(e) = sqlite_entries(&conn, sql, send) {
        let _ = send.blocking_send(Err(protocol(e)));
    }
    let _ = conn.execute_batch("COMMIT");
}

fn sqlite_fixed(
    conn: &rusqlite::Connection,
    sql: &Queries,
) -> rusqlite::Result<(Vec<Head>, Vec<Checkpoint>)> {
    let params = || rusqlite::params_from_iter(sql.names.iter());
    let heads = conn
        .prepare(&sql.heads)?
        .query_map(params(), |r| {
            Ok(Head {
                chain: r.get(0)?,
                sequence: r.get(1)?,
                hash: r.get(2)?,
                signature: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let checkpoints = conn
        .prepare(&sql.checkpoints)?
        .query_map(params(), |r| {
            Ok(Checkpoint {
                chain: r.get(0)?,
                sequence: r.get(1)?,
                head_hash: r.get(2)?,
                created_at: r.get(3)?,
                previous_signature: r.get(4)?,
                signature: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok((heads, checkpoints))
}

fn sqlite_entries(
    conn: &rusqlite::Connection,
    sql: &Queries,
    send: &Batches,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare(&sql.entries)?;
    let mut rows = statement.query(rusqlite::params_from_iter(sql.names.iter()))?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(r) = rows.next()? {
        batch.push(Row {
            id: r.get(0)?,
            chain: r.get(1)?,
            sequence: r.get(2)?,
            account_id: r.get(3)?,
            operation: r.get(4)?,
            table_name: r.get(5)?,
            record_id: r.get(6)?,
            column_name: r.get(7)?,
            old_value: r.get(8)?,
            new_value: r.get(9)?,
            user_id: r.get(10)?,
            user_email: r.get(11)?,
            user_name: r.get(12)?,
            es_username: r.get(13)?,
            es_reason: r.get(14)?,
            es_timestamp: r.get(15)?,
            ip_address: r.get(16)?,
            user_agent: r.get(17)?,
            request_id: r.get(18)?,
            occurred_at: r.get(19)?,
            extra_metadata: r.get(20)?,
            previous_hash: r.get(21)?,
            checksum: r.get(22)?,
            columns: r.get(23)?,
        });
        if batch.len() >= BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if send.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = send.blocking_send(Ok(batch));
    }
    Ok(())
}

/// PostgreSQL: one `REPEATABLE READ` read-only transaction.
async fn postgres(mut tx: Tx, sql: Queries, fixed: Fixed, send: Batches) {
    let Tx::Postgres(conn) = &mut tx else {
        let _ = fixed.send(Err(sqlx::Error::Protocol("not PostgreSQL".into())));
        return;
    };
    let c = conn.conn();
    let first = async {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *c)
            .await?;
        let mut h = sqlx::query_as::<_, Head>(&sql.heads);
        let mut k = sqlx::query_as::<_, Checkpoint>(&sql.checkpoints);
        for name in &sql.names {
            h = h.bind(name.clone());
            k = k.bind(name.clone());
        }
        let heads = h.fetch_all(&mut *c).await?;
        let checkpoints = k.fetch_all(&mut *c).await?;
        Ok::<_, sqlx::Error>((heads, checkpoints))
    }
    .await;
    let failed = first.is_err();
    let _ = fixed.send(first);
    if failed {
        return;
    }
    let streamed = async {
        let mut q = sqlx::query_as::<_, Row>(&sql.entries);
        for name in &sql.names {
            q = q.bind(name.clone());
        }
        let mut rows = q.fetch(&mut *c);
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.try_next().await? {
            batch.push(row);
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if send.send(Ok(full)).await.is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            let _ = send.send(Ok(batch)).await;
        }
        Ok::<(), sqlx::Error>(())
    }
    .await;
    if let Err(e) = streamed {
        let _ = send.send(Err(e)).await;
    }
}
