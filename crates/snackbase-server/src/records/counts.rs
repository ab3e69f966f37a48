//! List totals kept between requests on PostgreSQL.
//!
//! A list's total is a `COUNT(*)` of every matching row of the account: on
//! a large collection it costs far more than the page. A [`CountCache`] keeps
//! each total with the snapshot it was counted under (`pg_current_snapshot()`
//! of the same statement). The next list of the same count statement asks,
//! in its own statement, whether the account's change log holds a change that
//! snapshot did not see (`record_changes (account_id, xid)`, migration 0013);
//! only then does it count again. The check is exact for concurrent writers:
//! a change whose transaction was running when the total was counted is
//! invisible to that snapshot, so it counts as new once it commits, whatever
//! its `seq`.
//!
//! Why the whole account's changes and not the collection's: a read rule may
//! look at other collections of the account (references). Anything else a
//! count depends on (the collection, rules, grants, the caller) moves the
//! change generation, and an entry counted under another generation is not
//! used. Entries are used for [`MAX_AGE`] at most, well inside the change
//! log's shortest retention (60 s), so pruning never removes a change an
//! entry would have to see.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::db::Changes;

/// How long a kept total may be confirmed by the change log.
pub const MAX_AGE: Duration = Duration::from_secs(20);

/// Totals kept at most.
const CAP: usize = 4096;

/// A total and the snapshot it was counted under.
#[derive(Debug, Clone)]
pub struct Counted {
    pub total: i64,
    /// `pg_current_snapshot()` as text.
    pub snapshot: String,
    generation: u64,
    at: Instant,
}

/// Totals of list count statements (keyed by the statement and its
/// parameters), PostgreSQL only.
pub struct CountCache {
    changes: Arc<Changes>,
    map: RwLock<HashMap<String, Counted>>,
    confirmed: AtomicU64,
}

impl CountCache {
    pub fn new(changes: Arc<Changes>) -> Self {
        Self {
            changes,
            map: RwLock::new(HashMap::new()),
            confirmed: AtomicU64::new(0),
        }
    }

    /// The total kept for `key`, to be confirmed against the change log:
    /// counted under the current generation, less than [`MAX_AGE`] ago.
    pub fn get(&self, key: &str) -> Option<Counted> {
        let map = self.map.read().ok()?;
        let kept = map.get(key)?;
        (kept.generation == self.changes.generation() && kept.at.elapsed() < MAX_AGE)
            .then(|| kept.clone())
    }

    /// Keeps `total`, counted under `snapshot` by a statement that ran while
    /// the generation was `generation` (not kept if it has moved since).
    pub fn put(&self, key: String, total: i64, snapshot: String, generation: u64) {
        if self.changes.generation() != generation {
            return;
        }
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if map.len() >= CAP {
            map.retain(|_, c| c.generation == generation && c.at.elapsed() < MAX_AGE);
            if map.len() >= CAP {
                map.clear();
            }
        }
        let at = Instant::now();
        map.insert(
            key,
            Counted {
                total,
                snapshot,
                generation,
                at,
            },
        );
    }

    /// Notes a total the change log confirmed (answered without counting).
    pub fn confirmed(&self) {
        self.confirmed.fetch_add(1, Ordering::Relaxed);
    }

    /// Totals answered without counting since start (tests, diagnostics).
    pub fn hits(&self) -> u64 {
        self.confirmed.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_live_for_one_generation() {
        let changes = Arc::new(Changes::default());
        let cache = CountCache::new(changes.clone());
        cache.put("k".into(), 7, "1:2:".into(), changes.generation());
        assert_eq!(cache.get("k").map(|c| c.total), Some(7));
        assert!(cache.get("other").is_none());
        changes.bump();
        assert!(cache.get("k").is_none(), "the generation moved");
    }

    #[test]
    fn a_total_counted_across_a_change_is_not_kept() {
        let changes = Arc::new(Changes::default());
        let cache = CountCache::new(changes.clone());
        let generation = changes.generation();
        changes.bump();
        cache.put("k".into(), 7, "1:2:".into(), generation);
        assert!(cache.get("k").is_none());
    }
}
