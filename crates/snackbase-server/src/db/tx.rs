//! What a transaction offers the features: commit, the record changes it
//! keeps until then, the deferred work written just before commit, and the
//! write-round-trip controls of PostgreSQL's deferred transactions.

use std::sync::Arc;

use super::{journal, Backend, Inner, RecordChange, Tx};

impl Tx {
    /// Writes the queued work (see [`journal`]), then commits.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let after = match self.deferred_slot().take() {
            Some(deferred) => deferred.flush(&mut self).await?,
            None => None,
        };
        match self {
            Self::Sqlite(c) => c.commit().await?,
            Self::Postgres(c) => c.commit().await?,
        }
        if let Some(after) = after {
            after();
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether this is a write transaction that keeps record changes.
    pub(crate) fn keeps_changes(&self) -> bool {
        match self {
            Self::Sqlite(c) => c.write,
            Self::Postgres(c) => c.write,
        }
    }

    /// Announces that the next write is the transaction's last and only
    /// one: in a deferred transaction (single record writes on PostgreSQL)
    /// with no write yet, it then runs alone, without BEGIN and COMMIT.
    /// Elsewhere this changes nothing.
    pub(crate) fn last_write(&mut self) {
        if let Self::Postgres(c) = self {
            c.alone = matches!(c.inner, Inner::Deferred(_));
        }
    }

    /// The write announced by [`Tx::last_write`] changed no row (its guard no
    /// longer held), so nothing was committed: the transaction is deferred
    /// again and its next write begins it as usual.
    pub(crate) fn write_missed(&mut self) {
        if let Self::Postgres(c) = self {
            if c.spent {
                c.spent = false;
                c.inner = match std::mem::replace(&mut c.inner, Inner::Gone) {
                    Inner::Plain(conn) => Inner::Deferred(conn),
                    other => other,
                };
            }
        }
    }

    /// Called by every write statement of the record path before it runs.
    pub(crate) async fn before_write(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(c) => c.before_write().await,
            Self::Postgres(c) => c.before_write().await,
        }
    }

    /// Counts a record statement (see [`Statements`]).
    pub(crate) fn count_statement(&self, sql: &str) {
        match self {
            Self::Sqlite(c) => c.shared.stats.count(sql),
            Self::Postgres(c) => c.shared.stats.count(sql),
        }
    }

    fn pending(&mut self) -> &mut Vec<Arc<RecordChange>> {
        match self {
            Self::Sqlite(c) => &mut c.pending,
            Self::Postgres(c) => &mut c.pending,
        }
    }

    pub(crate) fn keep_change(&mut self, change: Arc<RecordChange>) {
        self.pending().push(change);
    }

    /// Record changes and queued work kept so far (a savepoint's mark).
    pub(crate) fn changes_kept(&mut self) -> journal::Mark {
        journal::Mark {
            changes: self.pending().len(),
            deferred: self.deferred_slot().as_ref().map_or(0, |d| d.len()),
        }
    }

    /// Forgets the changes and work kept after `mark` (their savepoint
    /// rolled back).
    pub(crate) fn forget_changes_after(&mut self, mark: journal::Mark) {
        self.pending().truncate(mark.changes);
        if let Some(d) = self.deferred_slot() {
            d.truncate(mark.deferred);
        }
    }

    fn deferred_slot(&mut self) -> &mut Option<Box<dyn journal::Deferred>> {
        match self {
            Self::Sqlite(c) => &mut c.deferred,
            Self::Postgres(c) => &mut c.deferred,
        }
    }

    /// The work of type `T` queued on this transaction, made by `make` when
    /// there is none yet; `None` when other work holds the slot.
    pub(crate) fn deferred<T: journal::Deferred + 'static>(
        &mut self,
        make: impl FnOnce() -> T,
    ) -> Option<&mut T> {
        self.deferred_slot()
            .get_or_insert_with(|| Box::new(make()))
            .as_any()
            .downcast_mut::<T>()
    }
}
