//! Work a feature queues on a write transaction and writes just before the
//! transaction commits.
//!
//! The audit trail queues its entries here: whatever a transaction records
//! (one change, or the many changes of SQLite's group commit, or a batch) is
//! then appended with one lock of each chain's head and one signature,
//! instead of one per change. Queued work belongs to the transaction: a
//! rolled-back savepoint forgets what was queued after it (see [`Mark`]), a
//! dropped transaction forgets everything, and a failed flush fails the
//! commit.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use super::Tx;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a flush asks to run once its transaction has committed.
pub type AfterCommit = Option<Box<dyn FnOnce() + Send>>;

/// What a transaction holds until it commits.
pub trait Deferred: Send {
    /// For the feature that queued it, to add to it.
    fn as_any(&mut self) -> &mut dyn Any;
    /// How many items are queued.
    fn len(&self) -> usize;
    /// Whether nothing is queued.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Forgets the items queued after the first `len`.
    fn truncate(&mut self, len: usize);
    /// Writes the queued items in `tx`, which commits right after; what it
    /// returns runs once the commit succeeded.
    fn flush<'a>(
        self: Box<Self>,
        tx: &'a mut Tx,
    ) -> BoxFuture<'a, Result<AfterCommit, sqlx::Error>>;
}

/// What a transaction had kept at a savepoint: record changes and queued work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mark {
    pub(super) changes: usize,
    pub(super) deferred: usize,
}
