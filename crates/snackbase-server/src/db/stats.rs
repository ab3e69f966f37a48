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

/// Timings of the database for `/metrics` (rendered by `metrics`; the
/// histograms are shared handles).
#[derive(Debug, Clone)]
pub struct Timings {
    /// Writes per SQLite group commit.
    pub group_batch: prometheus_client::metrics::histogram::Histogram,
    /// Write transactions, from their start to their commit, seconds.
    pub write_seconds: prometheus_client::metrics::histogram::Histogram,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            group_batch: prometheus_client::metrics::histogram::Histogram::new([
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0,
            ]),
            write_seconds: prometheus_client::metrics::histogram::Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
        }
    }
}
