//! Small in-memory caches keyed by the change generation (see
//! [`crate::db::changes`]): an entry is served only while the generation it
//! was loaded under is current, and an entry loaded while the generation moved
//! is not kept, so a committed change is never hidden by a cache.
//!
//! [`ResultCache`] keeps answers computed from records (aggregates, searches):
//! besides the generation, they follow the head of the record change log.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::db::values::Param;
use crate::db::{Changes, Tx};

/// Hits and misses of a cache since start (for `/metrics`).
#[derive(Debug, Default)]
pub struct Lookups {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Lookups {
    fn note<T>(&self, found: Option<T>) -> Option<T> {
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// `(hits, misses)`.
    pub fn get(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// A map of values valid for one generation, cleared when it grows past `cap`.
pub struct GenCache<K, V> {
    changes: Arc<Changes>,
    cap: usize,
    map: RwLock<HashMap<K, (u64, V)>>,
    pub lookups: Lookups,
}

impl<K: Hash + Eq, V: Clone> GenCache<K, V> {
    pub fn new(changes: Arc<Changes>, cap: usize) -> Self {
        Self {
            changes,
            cap,
            map: RwLock::new(HashMap::new()),
            lookups: Lookups::default(),
        }
    }

    /// The generation to load under: pass it to [`GenCache::put`].
    pub fn generation(&self) -> u64 {
        self.changes.generation()
    }

    /// The value for `key`, if loaded under the current generation.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.changes.generation();
        let map = self.map.read().ok()?;
        self.lookups.note(match map.get(key) {
            Some((generation, value)) if *generation == now => Some(value.clone()),
            _ => None,
        })
    }

    /// Keeps `value`, loaded under `generation`, unless the generation moved since.
    pub fn put(&self, key: K, generation: u64, value: V) {
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if self.changes.generation() != generation {
            return;
        }
        if map.len() >= self.cap {
            map.retain(|_, (g, _)| *g == generation);
            if map.len() >= self.cap {
                map.clear();
            }
        }
        map.insert(key, (generation, value));
    }
}

/// Answers of more rows than this are not kept by a [`ResultCache`].
pub const MAX_ROWS_KEPT: usize = 200;

/// Where the data a read sees stands: the change generation and the head of
/// the record change log, read in the read's own transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stand {
    generation: u64,
    head: i64,
}

/// Answers of reads whose cost grows with the records they cover (aggregates,
/// searches), keyed by their statement and its parameters (which hold the
/// account, the caller's compiled read rules and the request). An answer is
/// served only to a read that stands where the answer was computed: the same
/// change generation (collections, rules, accounts, … as for [`GenCache`])
/// and the same head of the record change log, which every record write moves
/// in its own transaction ([`crate::db::feed::head`]). So a committed change
/// is never hidden, whichever connection or process wrote it.
///
/// SQLite only: on PostgreSQL there is no head to compare (concurrent writers
/// commit out of `seq` order), and nothing is kept. Callers do not cache
/// statements whose answer depends on more than the data (SQL macros, which
/// may read the clock).
pub struct ResultCache<V> {
    changes: Arc<Changes>,
    cap: usize,
    map: RwLock<HashMap<String, (Stand, V)>>,
    pub lookups: Lookups,
}

impl<V: Clone> ResultCache<V> {
    pub fn new(changes: Arc<Changes>, cap: usize) -> Self {
        Self {
            changes,
            cap,
            map: RwLock::new(HashMap::new()),
            lookups: Lookups::default(),
        }
    }

    /// The generation to look up and keep under: read it before the read
    /// transaction begins, and pass it to [`ResultCache::stand`], so that an
    /// answer is never filed under a generation newer than its data.
    pub fn generation(&self) -> u64 {
        self.changes.generation()
    }

    /// Where `tx` stands, to look up and keep answers of its statements;
    /// `None` where answers are not kept (PostgreSQL). `generation` was read
    /// before `tx` began.
    pub async fn stand(&self, tx: &mut Tx, generation: u64) -> Result<Option<Stand>, sqlx::Error> {
        Ok(crate::db::feed::head(tx)
            .await?
            .map(|head| Stand { generation, head }))
    }

    /// The answer of the statement `key`, if computed where `stand` stands
    /// and the generation has not moved since.
    pub fn get(&self, key: &str, stand: Stand) -> Option<V> {
        if self.changes.generation() != stand.generation {
            return self.lookups.note(None);
        }
        let map = self.map.read().ok()?;
        self.lookups.note(match map.get(key) {
            Some((kept, value)) if *kept == stand => Some(value.clone()),
            _ => None,
        })
    }

    /// Keeps the answer of `key` computed where `stand` stands, unless the
    /// generation moved since.
    pub fn put(&self, key: String, stand: Stand, value: V) {
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if self.changes.generation() != stand.generation {
            return;
        }
        if map.len() >= self.cap {
            map.retain(|_, (kept, _)| *kept == stand);
            if map.len() >= self.cap {
                map.clear();
            }
        }
        map.insert(key, (stand, value));
    }

    /// Answers kept (tests).
    pub fn len(&self) -> usize {
        self.map.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The key of a statement with its parameters.
pub fn statement_key(sql: &str, params: &[Param]) -> String {
    format!("{sql}\u{0}{params:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_die_with_their_generation() {
        let changes = Arc::new(Changes::default());
        let cache: GenCache<String, i32> = GenCache::new(changes.clone(), 10);
        let g = cache.generation();
        cache.put("a".into(), g, 1);
        assert_eq!(cache.get("a"), Some(1));
        changes.bump();
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_value_loaded_across_a_change_is_not_kept() {
        let changes = Arc::new(Changes::default());
        let cache: GenCache<String, i32> = GenCache::new(changes.clone(), 10);
        let g = cache.generation();
        changes.bump();
        cache.put("a".into(), g, 1);
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn the_map_stays_within_its_cap() {
        let changes = Arc::new(Changes::default());
        let cache: GenCache<i32, i32> = GenCache::new(changes, 4);
        let g = cache.generation();
        for i in 0..100 {
            cache.put(i, g, i);
        }
        assert!(cache.map.read().unwrap().len() <= 4);
        assert_eq!(cache.get(&99), Some(99));
    }
}

#[cfg(test)]
mod result_tests {
    use super::*;

    fn stand(changes: &Changes, head: i64) -> Stand {
        Stand {
            generation: changes.generation(),
            head,
        }
    }

    #[test]
    fn answers_follow_the_head_and_the_generation() {
        let changes = Arc::new(Changes::default());
        let cache: ResultCache<i32> = ResultCache::new(changes.clone(), 10);
        let at = stand(&changes, 7);
        cache.put("q".into(), at, 1);
        assert_eq!(cache.get("q", at), Some(1));
        assert_eq!(cache.get("q", stand(&changes, 8)), None, "a record changed");
        assert_eq!(cache.get("other", at), None);
        changes.bump();
        assert_eq!(cache.get("q", at), None, "the generation moved");
        assert_eq!(cache.get("q", stand(&changes, 7)), None);
    }

    #[test]
    fn an_answer_computed_across_a_change_is_not_kept() {
        let changes = Arc::new(Changes::default());
        let cache: ResultCache<i32> = ResultCache::new(changes.clone(), 10);
        let at = stand(&changes, 1);
        changes.bump();
        cache.put("q".into(), at, 1);
        assert!(cache.is_empty());
    }

    #[test]
    fn the_map_stays_within_its_cap() {
        let changes = Arc::new(Changes::default());
        let cache: ResultCache<i32> = ResultCache::new(changes.clone(), 4);
        for head in 0..3 {
            cache.put(format!("old{head}"), stand(&changes, head), 0);
        }
        for i in 0..10 {
            cache.put(format!("q{i}"), stand(&changes, 5), i);
        }
        assert!(cache.len() <= 4);
        assert_eq!(cache.get("q9", stand(&changes, 5)), Some(9));
    }

    #[test]
    fn keys_tell_parameters_apart() {
        let a = statement_key("SELECT $1", &[Param::Text("a".into())]);
        let b = statement_key("SELECT $1", &[Param::Text("b".into())]);
        assert_ne!(a, b);
        assert_eq!(a, statement_key("SELECT $1", &[Param::Text("a".into())]));
    }
}
