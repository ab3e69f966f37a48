//! Statement counts of the record path: what tests use to pin how many
//! round trips an operation costs.

use std::sync::atomic::{AtomicU64, Ordering};

use super::is_read;

/// Record statements run through [`Tx`] (see `records::sql`), by kind: what
/// tests use to pin how many round trips an operation costs.
#[derive(Debug, Default)]
pub struct Statements {
    reads: AtomicU64,
    writes: AtomicU64,
    polls: AtomicU64,
}

impl Statements {
    /// Record statements that read (`SELECT`).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Acquire)
    }
    /// Record statements that write (`INSERT`, `UPDATE`, `DELETE`, with or without `RETURNING`).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }
    /// Reads of the change generation on their own (a round trip each).
    pub fn polls(&self) -> u64 {
        self.polls.load(Ordering::Acquire)
    }
    pub(super) fn count_poll(&self) {
        self.polls.fetch_add(1, Ordering::AcqRel);
    }
    pub(crate) fn count(&self, sql: &str) {
        let counter = if is_read(sql) {
            &self.reads
        } else {
            &self.writes
        };
        counter.fetch_add(1, Ordering::AcqRel);
    }
}
