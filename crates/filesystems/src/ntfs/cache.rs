//! A small bounded map shared between threads: MFT files, index nodes and decompressed units
//! are kept so that one check reads each at most once, and never more than a named cap.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// A map holding at most `cap` entries; when full, it is emptied (cheap, and bounded).
pub(crate) struct Cache<K, V> {
    map: Mutex<HashMap<K, V>>,
    cap: usize,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new(cap: usize) -> Self {
        Cache {
            map: Mutex::new(HashMap::new()),
            cap,
        }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(k)
            .cloned()
    }

    pub fn insert(&self, k: K, v: V) {
        let mut m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if m.len() >= self.cap {
            m.clear();
        }
        m.insert(k, v);
    }
}
