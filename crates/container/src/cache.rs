//! The one bounded cache of the workspace: a map shared between threads whose budget is in
//! **bytes**, not entries.
//!
//! Every layer keeps recently read structures so that one check reads each at most once: the
//! container's 4 KiB pages ([`PageCache`](crate::read::PageCache)), the VHDX BAT pages, the
//! hive reader's pages, NTFS's file records, index nodes and decompressed units. Each owner
//! names a budget in bytes and tells the cache what each value costs (its payload plus a
//! per-entry overhead, [`ENTRY_OVERHEAD`]); when an insertion would pass the budget, the oldest
//! entries are evicted (first in, first out) until it fits. A value larger than the whole
//! budget is returned to the caller but not kept. So a cache never holds more than its budget,
//! whatever an image claims: a hostile image with many aliased structures costs re-reads, not
//! memory.
//!
//! Work: `get` and `insert` are O(1) amortized (a hash map and a queue of insertion order; a
//! replaced entry leaves a stale queue slot, skipped on eviction, and the queue is compacted
//! when stale slots outnumber live ones).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// Bytes charged per entry on top of its payload: the map slot, the queue slot and the
/// allocation header of an `Arc` (an estimate; it keeps a cache of tiny values bounded too).
pub const ENTRY_OVERHEAD: u64 = 64;

/// A thread-safe map bounded by a budget in bytes, evicting oldest-first.
#[derive(Debug)]
pub struct ByteCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    budget: u64,
}

#[derive(Debug)]
struct Inner<K, V> {
    /// Value, cost, insertion stamp.
    map: HashMap<K, (V, u64, u64)>,
    /// Keys with their insertion stamp, oldest first; a slot whose stamp differs from the map's
    /// is stale.
    order: VecDeque<(K, u64)>,
    bytes: u64,
    stamp: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> ByteCache<K, V> {
    /// An empty cache that holds at most `budget` bytes (payload + [`ENTRY_OVERHEAD`] each).
    pub fn new(budget: u64) -> Self {
        ByteCache {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
                stamp: 0,
            }),
            budget,
        }
    }

    /// The budget in bytes.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// The value of `key`, if cached.
    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().map.get(key).map(|(v, _, _)| v.clone())
    }

    /// Keeps `value` (of `bytes` payload bytes) under `key`, evicting the oldest entries until
    /// it fits. A value that alone exceeds the budget is not kept.
    pub fn insert(&self, key: K, value: V, bytes: u64) {
        let cost = bytes.saturating_add(ENTRY_OVERHEAD);
        let mut inner = self.lock();
        if let Some((_, old, _)) = inner.map.remove(&key) {
            inner.bytes = inner.bytes.saturating_sub(old);
        }
        if cost > self.budget {
            return;
        }
        // Bounded: each step removes one queue slot.
        while inner.bytes.saturating_add(cost) > self.budget {
            let Some((old_key, stamp)) = inner.order.pop_front() else {
                break;
            };
            if inner.map.get(&old_key).is_some_and(|e| e.2 == stamp) {
                if let Some((_, old, _)) = inner.map.remove(&old_key) {
                    inner.bytes = inner.bytes.saturating_sub(old);
                }
            }
        }
        inner.stamp = inner.stamp.wrapping_add(1);
        let stamp = inner.stamp;
        inner.bytes = inner.bytes.saturating_add(cost);
        inner.order.push_back((key.clone(), stamp));
        inner.map.insert(key, (value, cost, stamp));
        if inner.order.len() > 2 * inner.map.len() + 16 {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|(k, s)| map.get(k).is_some_and(|e| e.2 == *s));
        }
    }

    /// Bytes held now (payload + overhead), never more than the budget.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn evicts_oldest_by_bytes_not_count() {
        // Room for three 1000-byte values (3 × 1064 = 3192 ≤ 3200), not four.
        let c: ByteCache<u32, Arc<Vec<u8>>> = ByteCache::new(3200);
        for k in 0..3 {
            c.insert(k, Arc::new(vec![0; 1000]), 1000);
        }
        assert_eq!(c.len(), 3);
        c.insert(3, Arc::new(vec![0; 1000]), 1000);
        assert_eq!(c.len(), 3);
        assert!(c.get(&0).is_none(), "the oldest went first");
        assert!(c.get(&1).is_some() && c.get(&3).is_some());
        // One big value pushes out as many small ones as it needs.
        c.insert(9, Arc::new(vec![0; 2000]), 2000);
        assert!(c.get(&1).is_none() && c.get(&2).is_none());
        assert!(c.get(&3).is_some() && c.get(&9).is_some());
        assert!(c.bytes() <= c.budget());
        // Many tiny values: bounded by the per-entry overhead.
        for k in 100..10_000 {
            c.insert(k, Arc::new(Vec::new()), 0);
        }
        assert_eq!(c.len() as u64, 3200 / ENTRY_OVERHEAD);
        assert!(c.bytes() <= c.budget());
    }

    #[test]
    fn oversized_values_are_not_kept_and_reinsertion_recharges() {
        let c: ByteCache<u32, u32> = ByteCache::new(1000);
        c.insert(1, 1, 5000);
        assert!(c.get(&1).is_none(), "larger than the budget");
        assert!(c.is_empty());
        c.insert(2, 2, 400);
        c.insert(2, 3, 100);
        assert_eq!(c.get(&2), Some(3));
        assert_eq!(c.bytes(), 100 + ENTRY_OVERHEAD, "the old cost is returned");
        c.insert(2, 4, 5000);
        assert!(c.is_empty(), "an oversized replacement drops the old value");
        assert_eq!(c.bytes(), 0);
        // Replacing one key many times neither grows the queue nor evicts the others early.
        c.insert(7, 7, 100);
        for v in 0..10_000 {
            c.insert(8, v, 100);
        }
        assert_eq!(c.get(&7), Some(7));
        assert_eq!(c.get(&8), Some(9_999));
        let queued = c.lock().order.len();
        assert!(queued <= 2 * c.len() + 16, "{queued} queue slots");
    }
}
