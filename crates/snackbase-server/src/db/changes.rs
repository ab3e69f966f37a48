//! The change generation: a counter that moves whenever a committed
//! transaction changed a table the in-memory caches are built from (users,
//! sessions, accounts, roles, permissions, groups, macros, collections).
//!
//! Triggers (migration 0007) bump the row `cache_generation` in the same
//! transaction as such a change, on both backends, whoever makes it. A cache
//! entry remembers the local generation it was loaded under and is served only
//! while that generation is unchanged. The local generation follows the row:
//! - SQLite: an update hook on the single writer connection sees the row
//!   change and marks the connection dirty; the commit moves the generation,
//!   so the next request of this process reloads. A one-second poll of the row
//!   catches writers outside the process (the CLI on the same file).
//! - PostgreSQL: every authenticated or public request reads the row with its
//!   identity query (no extra round trip) and moves the local generation when
//!   the row moved, so a change made on any node is seen by the next request
//!   on every node.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// The table the triggers bump.
pub const TABLE: &str = "cache_generation";

/// The SQL reading the generation row (as a sub-select or alone).
pub const SELECT: &str = "(SELECT value FROM cache_generation WHERE id = 1)";

#[derive(Debug)]
pub struct Changes {
    generation: AtomicU64,
    dirty: AtomicBool,
    /// The last value of the row this node saw, and the generation it moved
    /// the local one to (changed together).
    row: Mutex<(u64, u64)>,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            dirty: AtomicBool::new(false),
            row: Mutex::new((u64::MAX, 0)),
        }
    }
}

impl Changes {
    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Moves the generation: every cache entry loaded before is stale.
    pub fn bump(&self) {
        let mut row = self.row.lock().unwrap_or_else(|e| e.into_inner());
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        row.1 = generation;
    }

    /// Notes that the writer changed the row (not yet committed).
    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// After a commit: moves the generation if the row was changed.
    pub fn settle(&self) {
        if self.dirty.swap(false, Ordering::AcqRel) {
            self.bump();
        }
    }

    /// Records a value read from the row; moves the generation if it moved.
    pub fn observe(&self, value: i64) {
        let value = value as u64;
        let mut row = self.row.lock().unwrap_or_else(|e| e.into_inner());
        if row.0 != value {
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            *row = (value, generation);
        }
    }

    /// The row's value that `generation` stands for: what a statement must
    /// still find in the row for caches valid under `generation` to be
    /// current (PostgreSQL's one-statement paths). `None` if the generation
    /// moved since, or moved without a value read.
    pub fn row_for(&self, generation: u64) -> Option<i64> {
        let row = self.row.lock().unwrap_or_else(|e| e.into_inner());
        (row.1 == generation && row.0 != u64::MAX && self.generation() == generation)
            .then_some(row.0 as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_moves_the_generation_only_when_dirty() {
        let c = Changes::default();
        c.settle();
        assert_eq!(c.generation(), 0);
        c.mark_dirty();
        assert_eq!(c.generation(), 0, "not before the commit");
        c.settle();
        assert_eq!(c.generation(), 1);
        c.settle();
        assert_eq!(c.generation(), 1);
    }

    #[test]
    fn observing_a_moved_row_moves_the_generation() {
        let c = Changes::default();
        c.observe(5);
        let first = c.generation();
        c.observe(5);
        assert_eq!(c.generation(), first);
        c.observe(6);
        assert_eq!(c.generation(), first + 1);
        assert_eq!(c.row_for(first + 1), Some(6));
        assert_eq!(c.row_for(first), None, "a generation that moved on");
        c.bump();
        assert_eq!(c.row_for(first + 1), None);
        assert_eq!(c.row_for(first + 2), Some(6), "a local bump keeps the row");
    }
}
