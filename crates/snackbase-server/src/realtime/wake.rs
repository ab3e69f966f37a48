//! Waking other nodes' tails early (PostgreSQL): a node whose own commits
//! put changes in the log says so with `NOTIFY`, and every node `LISTEN`s,
//! so a change written on one node is read by the others at once instead of
//! at their next poll of the log. The log stays the only source of changes:
//! a lost notification, or a listener that is reconnecting, only delays a
//! change to the next poll.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{mpsc, watch};

const CHANNEL: &str = "snackbase_record_changes";

/// This node's name on the channel, so that it ignores its own notices.
pub struct Wake {
    node: String,
}

impl Wake {
    pub fn new() -> Self {
        Self {
            node: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// Listens on a connection of its own (outside the pool, which keeps
    /// its size for requests) until `stop`; the receiver gets a message when
    /// another node has new changes. Reconnects after a failure.
    pub fn listen(&self, pool: &PgPool, mut stop: watch::Receiver<bool>) -> mpsc::Receiver<()> {
        let (tx, rx) = mpsc::channel(1);
        let options = (*pool.connect_options()).clone();
        let me = self.node.clone();
        tokio::spawn(async move {
            loop {
                let listening = async {
                    let own = PgPoolOptions::new()
                        .max_connections(1)
                        .connect_lazy_with(options.clone());
                    let mut listener = PgListener::connect_with(&own).await?;
                    listener.listen(CHANNEL).await?;
                    loop {
                        let notice = listener.recv().await?;
                        if notice.payload() != me {
                            // Full: a wake is already pending, which is enough.
                            let _ = tx.try_send(());
                        }
                    }
                };
                tokio::select! {
                    _ = stop.changed() => return,
                    result = listening => {
                        let e: sqlx::Error = match result {
                            Err(e) => e,
                            Ok::<(), sqlx::Error>(()) => continue,
                        };
                        tracing::warn!(error = %e, "listening for other nodes' changes failed; polling meanwhile");
                    }
                }
                tokio::select! {
                    _ = stop.changed() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
        rx
    }

    /// Tells the other nodes that this node's commits added changes.
    pub async fn notify(&self, pool: &PgPool) {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&self.node)
            .execute(pool)
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "NOTIFY of new changes failed; other nodes poll");
        }
    }
}
