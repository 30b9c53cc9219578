//! A shared cache of trie nodes by hash, in front of RocksDB.
//!
//! Every state read walks the trie from the root, so the upper levels are read by every
//! access of every block; RocksDB's block cache holds them only among 4 KiB blocks of
//! unrelated nodes (node hashes scatter them), which lets a large state push them out. Nodes
//! are content-addressed and immutable, so caching them needs no invalidation: a hash always
//! names the same bytes. Nodes a block adds are cached when it is committed (the next block
//! reads the paths it changed); nodes pruning deletes are dropped.

use cpc_primitives::H256;
use hashlink::LruCache;
use parking_lot::Mutex;

/// Bookkeeping bytes per entry on top of the node: key, vector header, list links.
const ENTRY_OVERHEAD: usize = 96;

/// Least-recently-used trie nodes, bounded in bytes.
pub struct NodeCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

struct Inner {
    lru: LruCache<H256, Vec<u8>>,
    bytes: usize,
}

impl NodeCache {
    /// A cache holding at most `capacity` bytes (0 disables it).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                lru: LruCache::new_unbounded(),
                bytes: 0,
            }),
            capacity,
        }
    }

    /// The node with `hash`, if cached (it becomes the most recently used).
    pub fn get(&self, hash: &H256) -> Option<Vec<u8>> {
        if self.capacity == 0 {
            return None;
        }
        self.inner.lock().lru.get(hash).cloned()
    }

    /// Caches `node` under `hash`, evicting the least recently used nodes over capacity. A
    /// node bigger than a sixteenth of the cache (the runtime code's value node) is not
    /// cached: it would evict thousands of trie nodes for one read per block.
    pub fn insert(&self, hash: H256, node: Vec<u8>) {
        let size = node.len() + ENTRY_OVERHEAD;
        if size > self.capacity / 16 {
            return;
        }
        let mut inner = self.inner.lock();
        if let Some(old) = inner.lru.insert(hash, node) {
            inner.bytes -= old.len() + ENTRY_OVERHEAD;
        }
        inner.bytes += size;
        while inner.bytes > self.capacity {
            match inner.lru.remove_lru() {
                Some((_, evicted)) => inner.bytes -= evicted.len() + ENTRY_OVERHEAD,
                None => break,
            }
        }
    }

    /// Forgets the node with `hash` (it was deleted from the store).
    pub fn remove(&self, hash: &H256) {
        let mut inner = self.inner.lock();
        if let Some(old) = inner.lru.remove(hash) {
            inner.bytes -= old.len() + ENTRY_OVERHEAD;
        }
    }

    /// Bytes held, with bookkeeping.
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    /// Nodes held.
    pub fn len(&self) -> usize {
        self.inner.lock().lru.len()
    }

    /// Whether no node is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(i: u8) -> H256 {
        H256([i; 32])
    }

    #[test]
    fn evicts_the_least_recently_used_within_capacity() {
        let cache = NodeCache::new(16 * (100 + ENTRY_OVERHEAD));
        for i in 0..16 {
            cache.insert(hash(i), vec![i; 100]);
        }
        assert_eq!(cache.len(), 16);
        // Touch node 0 so node 1 is the oldest.
        assert_eq!(cache.get(&hash(0)), Some(vec![0; 100]));
        cache.insert(hash(16), vec![16; 100]);
        assert_eq!(cache.len(), 16);
        assert!(cache.get(&hash(1)).is_none());
        assert!(cache.get(&hash(0)).is_some());
        assert!(cache.bytes() <= 16 * (100 + ENTRY_OVERHEAD));
    }

    #[test]
    fn replacing_and_removing_keep_the_byte_count() {
        let cache = NodeCache::new(1 << 20);
        cache.insert(hash(1), vec![1; 10]);
        cache.insert(hash(1), vec![1; 10]);
        assert_eq!(cache.bytes(), 10 + ENTRY_OVERHEAD);
        cache.remove(&hash(1));
        cache.remove(&hash(2));
        assert_eq!(cache.bytes(), 0);
        assert!(cache.is_empty());
    }

    #[test]
    fn huge_nodes_and_a_disabled_cache_hold_nothing() {
        let cache = NodeCache::new(1600);
        cache.insert(hash(1), vec![0; 200]);
        assert!(cache.is_empty());
        let disabled = NodeCache::new(0);
        disabled.insert(hash(1), vec![1]);
        assert!(disabled.get(&hash(1)).is_none());
    }
}
