//! Small in-memory caches keyed by the change generation (see
//! [`crate::db::changes`]): an entry is served only while the generation it
//! was loaded under is current, and an entry loaded while the generation moved
//! is not kept, so a committed change is never hidden by a cache.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use crate::db::Changes;

/// A map of values valid for one generation, cleared when it grows past `cap`.
pub struct GenCache<K, V> {
    changes: Arc<Changes>,
    cap: usize,
    map: RwLock<HashMap<K, (u64, V)>>,
}

impl<K: Hash + Eq, V: Clone> GenCache<K, V> {
    pub fn new(changes: Arc<Changes>, cap: usize) -> Self {
        Self {
            changes,
            cap,
            map: RwLock::new(HashMap::new()),
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
        match map.get(key) {
            Some((generation, value)) if *generation == now => Some(value.clone()),
            _ => None,
        }
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
