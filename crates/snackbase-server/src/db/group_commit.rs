//! Group commit for SQLite: concurrent record writes share one transaction.
//!
//! SQLite commits one transaction at a time, and with `synchronous=FULL` each
//! commit waits for the disk. Under load, writes queue up behind that wait;
//! here they are taken from the queue together and run one after another in
//! one transaction, each inside its own savepoint (so a write that fails is
//! undone alone), and the transaction commits once for all of them. Every
//! write is answered only after that commit, so an acknowledged write is as
//! durable as before; a lone write runs without savepoints and commits alone,
//! so nothing waits for company.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{Conn, Tx};
use crate::error::{ApiError, ApiResult};

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 128;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// What a write returns: its result, once it ran in the transaction.
pub type Work<'a, T> = BoxFuture<'a, ApiResult<T>>;
/// Called once the transaction ended: `Ok` when the write is committed.
type Done = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs one write; says whether it succeeded (else it is rolled back).
type Job = Box<dyn for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, (bool, Done)> + Send>;

/// The queue of writes; cloning it is cheap.
#[derive(Clone, Debug)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the committer over the single writer connection's pool.
    pub(super) fn start(write: sqlx::SqlitePool, shared: Arc<super::Shared>) -> Self {
        let (queue, mut jobs) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let (write, shared) = (write.clone(), shared.clone());
                // A panicking write drops its batch's answers (each caller
                // gets an error) but not the committer.
                let _ = tokio::spawn(run(write, shared, batch)).await;
            }
        });
        Self { queue }
    }

    /// Runs `work` in a write transaction shared with other queued writes and
    /// returns its result once committed. A failed `work` changes nothing.
    pub async fn write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> Work<'a, T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<ApiResult<T>>();
        // The write runs on the committer's task: it keeps its request's origin.
        let origin = super::origin::current();
        let job: Job = Box::new(move |tx| {
            Box::pin(async move {
                let result = match origin {
                    Some(origin) => super::origin::scope(origin, work(tx)).await,
                    None => work(tx).await,
                };
                let ok = result.is_ok();
                let done: Done = Box::new(move |committed| {
                    let _ = answer.send(match committed {
                        Ok(()) => result,
                        Err(cause) => Err(ApiError::internal(anyhow::anyhow!(cause))),
                    });
                });
                (ok, done)
            })
        });
        self.queue
            .send(job)
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the writer has stopped")))?;
        answered
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the write was abandoned")))?
    }
}

async fn exec(tx: &mut Tx, sql: &str) -> Result<(), sqlx::Error> {
    crate::on_tx!(tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()))
}

async fn run(write: sqlx::SqlitePool, shared: Arc<super::Shared>, batch: Vec<Job>) {
    let mut tx = match write.begin().await {
        Ok(t) => Tx::Sqlite(Conn::write(t, &shared)),
        Err(e) => {
            // Nobody ran; dropping the batch answers every caller with an error.
            tracing::error!(error = %e, "could not begin a write transaction");
            return;
        }
    };
    let alone = batch.len() == 1;
    shared.timings.group_batch.observe(batch.len() as f64);
    let mut dones = Vec::with_capacity(batch.len());
    let mut kept = 0;
    // A savepoint that could not be opened or closed leaves a failed write's
    // changes in the transaction: then nothing of the batch is committed.
    let mut poisoned = false;
    for job in batch {
        if !alone {
            if let Err(e) = exec(&mut tx, "SAVEPOINT sb_write").await {
                tracing::error!(error = %e, "could not open a savepoint");
                poisoned = true;
            }
        }
        let mark = tx.changes_kept();
        let (ok, done) = job(&mut tx).await;
        if !ok {
            // Undone below: its record changes never happened.
            tx.forget_changes_after(mark);
        }
        if !alone {
            let closed = match ok {
                true => exec(&mut tx, "RELEASE sb_write").await,
                false => match exec(&mut tx, "ROLLBACK TO sb_write").await {
                    Ok(()) => exec(&mut tx, "RELEASE sb_write").await,
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = closed {
                tracing::error!(error = %e, "could not close a savepoint");
                poisoned = true;
            }
        }
        kept += usize::from(ok);
        dones.push(done);
    }
    let committed = if poisoned {
        drop(tx);
        Err("the write batch failed; nothing was stored".to_string())
    } else if kept == 0 {
        drop(tx);
        Ok(())
    } else {
        tx.commit().await.map_err(|e| e.to_string())
    };
    for done in dones {
        done(committed.clone());
    }
}
