//! State read from a trie in a node database.

use crate::backend::{Backend, BackendError};
use cpc_primitives::H256;
use cpc_trie::{Blake2Hasher, LayoutV1, MemoryDB};
use hash_db::{AsHashDB, HashDB, HashDBRef, Prefix};
use std::collections::BTreeMap;
use trie_db::{Trie, TrieDBBuilder, TrieDBMutBuilder, TrieMut};

/// Key-value pairs in key order.
pub type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

/// Where trie nodes live: looked up by hash.
pub trait TrieNodeStorage: Send + Sync {
    /// The node with this hash.
    fn get(&self, hash: &H256) -> Result<Option<Vec<u8>>, String>;
}

impl TrieNodeStorage for MemoryDB {
    fn get(&self, hash: &H256) -> Result<Option<Vec<u8>>, String> {
        Ok(HashDB::get(self, hash, hash_db::EMPTY_PREFIX))
    }
}

/// The trie at `root` over node storage `S`.
///
/// It remembers the last state root it computed with the nodes that came with it: executing a
/// block computes the root in the runtime (`storage_root`), then the importer asks for the same
/// changes' nodes to store them ([`TrieBackend::apply_changes`]), and the trie work is done once.
pub struct TrieBackend<S> {
    storage: S,
    root: H256,
    last_root: std::sync::Mutex<Option<(H256, H256, MemoryDB)>>,
}

/// A fingerprint of a set of changes (blake2-256 over keys and values, in order).
fn fingerprint<'a>(delta: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>) -> H256 {
    use codec::Encode;
    let mut state = cpc_primitives::hashing::Blake2Stream::new();
    for (key, value) in delta {
        state.update(&(key, value).encode());
    }
    state.finalize()
}

/// Adapts node storage to `HashDBRef`, with new nodes kept in an in-memory overlay.
struct NodeDb<'a, S> {
    storage: &'a S,
    overlay: MemoryDB,
}

impl<S: TrieNodeStorage> HashDBRef<Blake2Hasher, Vec<u8>> for NodeDb<'_, S> {
    fn get(&self, key: &H256, prefix: Prefix<'_>) -> Option<Vec<u8>> {
        HashDB::get(self, key, prefix)
    }

    fn contains(&self, key: &H256, prefix: Prefix<'_>) -> bool {
        HashDB::contains(self, key, prefix)
    }
}

impl<S: TrieNodeStorage> HashDB<Blake2Hasher, Vec<u8>> for NodeDb<'_, S> {
    fn get(&self, key: &H256, prefix: Prefix<'_>) -> Option<Vec<u8>> {
        if *key == cpc_trie::EMPTY_TRIE_ROOT {
            return Some(vec![0]);
        }
        if let Some(node) = HashDB::get(&self.overlay, key, prefix) {
            return Some(node);
        }
        match self.storage.get(key) {
            Ok(node) => node,
            // The trie layer has no error channel here; a storage failure reads as a missing
            // node, which trie-db reports as `IncompleteDatabase` with this hash.
            Err(e) => {
                log::error!(target: "state", "trie node {key:?} unreadable: {e}");
                None
            }
        }
    }

    fn contains(&self, key: &H256, prefix: Prefix<'_>) -> bool {
        HashDB::get(self, key, prefix).is_some()
    }

    fn insert(&mut self, prefix: Prefix<'_>, value: &[u8]) -> H256 {
        self.overlay.insert(prefix, value)
    }

    fn emplace(&mut self, key: H256, prefix: Prefix<'_>, value: Vec<u8>) {
        self.overlay.emplace(key, prefix, value)
    }

    fn remove(&mut self, key: &H256, prefix: Prefix<'_>) {
        self.overlay.remove(key, prefix)
    }
}

impl<S: TrieNodeStorage> AsHashDB<Blake2Hasher, Vec<u8>> for NodeDb<'_, S> {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'b>(&'b mut self) -> &'b mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'b) {
        self
    }
}

fn trie_error(e: Box<cpc_trie::TrieError>) -> BackendError {
    BackendError(format!("{e:?}"))
}

impl<S: TrieNodeStorage> TrieBackend<S> {
    /// The state at `root`.
    pub fn new(storage: S, root: H256) -> Self {
        Self {
            storage,
            root,
            last_root: std::sync::Mutex::new(None),
        }
    }

    /// The root this backend reads.
    pub fn root(&self) -> H256 {
        self.root
    }

    /// The node storage.
    pub fn storage_ref(&self) -> &S {
        &self.storage
    }

    fn db(&self) -> NodeDb<'_, S> {
        NodeDb {
            storage: &self.storage,
            overlay: MemoryDB::default(),
        }
    }

    /// Applies `delta` (in key order) and returns the new root with the nodes it adds
    /// (reference count above zero) and the nodes it no longer references (count below zero).
    /// When the last [`Backend::storage_root`] on this backend was for the same changes, its
    /// result is handed over instead of computed again.
    pub fn apply_changes<'a>(
        &self,
        delta: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)> + Clone,
    ) -> Result<(H256, MemoryDB), BackendError> {
        let print = fingerprint(delta.clone());
        if let Ok(mut last) = self.last_root.lock()
            && let Some((cached, root, nodes)) = last.take()
            && cached == print
        {
            return Ok((root, nodes));
        }
        self.compute_changes(delta)
    }

    fn compute_changes<'a>(
        &self,
        delta: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Result<(H256, MemoryDB), BackendError> {
        let mut db = self.db();
        let mut root = self.root;
        {
            let mut trie = TrieDBMutBuilder::<LayoutV1>::from_existing(&mut db, &mut root).build();
            for (key, value) in delta {
                match value {
                    Some(value) => {
                        trie.insert(key, value).map_err(trie_error)?;
                    }
                    // trie-db 0.32 mishandles removing an absent key that ends where a branch
                    // with a partial key starts: it drops that branch's value. So only keys
                    // that exist are removed (`removing_an_absent_prefix_key_keeps_the_rest`).
                    None => {
                        if trie.contains(key).map_err(trie_error)? {
                            trie.remove(key).map_err(trie_error)?;
                        }
                    }
                }
            }
            trie.commit();
        }
        Ok((root, db.overlay))
    }

    /// A read proof of `keys` in this state.
    pub fn read_proof<'a>(
        &self,
        keys: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<cpc_trie::StorageProof, BackendError> {
        let db = self.db();
        cpc_trie::generate_read_proof(&db, &self.root, keys).map_err(trie_error)
    }

    /// Up to `count` keys starting with `prefix`, after `start` (or from the prefix on).
    pub fn keys_paged(
        &self,
        prefix: &[u8],
        count: usize,
        start: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, BackendError> {
        let mut keys = Vec::new();
        let mut cursor = match start {
            Some(start) if start > prefix => start.to_vec(),
            _ => {
                if self.storage(prefix)?.is_some() {
                    keys.push(prefix.to_vec());
                }
                prefix.to_vec()
            }
        };
        while keys.len() < count {
            match self.next_storage_key(&cursor)? {
                Some(next) if next.starts_with(prefix) => {
                    keys.push(next.clone());
                    cursor = next;
                }
                _ => break,
            }
        }
        Ok(keys)
    }

    /// The Merkle value of the trie node at `key`, or of its closest descendant when no node
    /// sits exactly there: the node itself when it is inlined, else its hash. `None` when no
    /// key starts with `key`. (`chainHead_v1_storage`'s `closestDescendantMerkleValue`: it
    /// changes exactly when something under `key` changes.)
    pub fn closest_descendant_merkle_value(
        &self,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, BackendError> {
        let db = self.db();
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, &self.root).build();
        Ok(
            match trie.lookup_first_descendant(key).map_err(trie_error)? {
                Some(trie_db::MerkleValue::Node(node)) => Some(node),
                Some(trie_db::MerkleValue::Hash(hash)) => Some(hash.0.to_vec()),
                None => None,
            },
        )
    }

    /// Every key-value pair under `prefix`, in order (for export and RPC paging).
    pub fn pairs(&self, prefix: &[u8]) -> Result<KeyValues, BackendError> {
        let db = self.db();
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, &self.root).build();
        let mut iter = trie.iter().map_err(trie_error)?;
        iter.seek(prefix).map_err(trie_error)?;
        let mut out = Vec::new();
        for item in iter {
            let (key, value) = item.map_err(trie_error)?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push((key, value));
        }
        Ok(out)
    }
}

impl<S: TrieNodeStorage> Backend for TrieBackend<S> {
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let db = self.db();
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, &self.root).build();
        trie.get(key).map_err(trie_error)
    }

    fn storage_hash(&self, key: &[u8]) -> Result<Option<H256>, BackendError> {
        let db = self.db();
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, &self.root).build();
        trie.get_hash(key).map_err(trie_error)
    }

    fn next_storage_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let db = self.db();
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, &self.root).build();
        let mut iter = trie.key_iter().map_err(trie_error)?;
        iter.seek(key).map_err(trie_error)?;
        for found in iter {
            let found = found.map_err(trie_error)?;
            if found.as_slice() > key {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Computes the root and keeps it with its nodes, so that committing the same changes
    /// afterwards ([`TrieBackend::apply_changes`]) costs no second trie pass.
    fn storage_root(&self, delta: &BTreeMap<&[u8], Option<&[u8]>>) -> Result<H256, BackendError> {
        let pairs = || delta.iter().map(|(k, v)| (*k, *v));
        let print = fingerprint(pairs());
        if let Ok(last) = self.last_root.lock()
            && let Some((cached, root, _)) = last.as_ref()
            && *cached == print
        {
            return Ok(*root);
        }
        let (root, nodes) = self.compute_changes(pairs())?;
        if let Ok(mut last) = self.last_root.lock() {
            *last = Some((print, root, nodes));
        }
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InMemoryBackend;
    use proptest::prelude::*;

    fn build(entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> TrieBackend<MemoryDB> {
        let mut db = MemoryDB::default();
        let root = cpc_trie::build_trie(&mut db, entries.clone());
        TrieBackend::new(db, root)
    }

    proptest! {
        /// The trie backend and the in-memory backend agree on every read and every root.
        #[test]
        fn agrees_with_the_in_memory_backend(
            entries in proptest::collection::btree_map(proptest::collection::vec(0u8..4, 0..5), proptest::collection::vec(0u8.., 0..50), 0..40),
            delta in proptest::collection::btree_map(proptest::collection::vec(0u8..4, 0..5), proptest::option::of(proptest::collection::vec(0u8.., 0..50)), 0..20),
            probes in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..5), 0..20),
        ) {
            let trie = build(&entries);
            let memory = InMemoryBackend::new(entries.clone());
            for probe in &probes {
                prop_assert_eq!(trie.storage(probe).unwrap(), Backend::storage(&memory, probe).unwrap());
                prop_assert_eq!(trie.next_storage_key(probe).unwrap(), memory.next_storage_key(probe).unwrap());
            }
            let delta_ref: BTreeMap<&[u8], Option<&[u8]>> =
                delta.iter().map(|(k, v)| (k.as_slice(), v.as_deref())).collect();
            prop_assert_eq!(trie.storage_root(&delta_ref).unwrap(), memory.storage_root(&delta_ref).unwrap());
            for (key, _) in entries.iter().take(5) {
                prop_assert_eq!(trie.storage_hash(key).unwrap(), memory.storage_hash(key).unwrap());
            }
        }
    }

    #[test]
    fn applied_changes_hold_the_new_nodes() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> =
            (0u8..50).map(|i| (vec![i, i], vec![i; 40])).collect();
        let mut trie = build(&entries);
        let (root, new_nodes) = trie
            .apply_changes([(&b"new"[..], Some(&b"value"[..])), (&[3u8, 3][..], None)])
            .unwrap();
        trie.storage.consolidate(new_nodes);
        let after = TrieBackend::new(trie.storage, root);
        assert_eq!(after.storage(b"new").unwrap(), Some(b"value".to_vec()));
        assert_eq!(after.storage(&[3, 3]).unwrap(), None);
        assert_eq!(after.storage(&[4, 4]).unwrap(), Some(vec![4; 40]));
        assert_eq!(after.pairs(&[]).unwrap().len(), 50);
    }

    /// Storage that counts lookups, to see how much trie work a root and a commit cost.
    struct Counting(MemoryDB, std::sync::atomic::AtomicUsize);

    impl TrieNodeStorage for Counting {
        fn get(&self, hash: &H256) -> Result<Option<Vec<u8>>, String> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            TrieNodeStorage::get(&self.0, hash)
        }
    }

    #[test]
    fn a_commit_after_the_root_reuses_its_trie_pass() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> =
            (0u8..200).map(|i| (vec![i, i], vec![i; 40])).collect();
        let built = build(&entries);
        let root = built.root();
        let trie = TrieBackend::new(Counting(built.storage, Default::default()), root);
        let delta: BTreeMap<&[u8], Option<&[u8]>> = [
            (&b"new"[..], Some(&b"value"[..])),
            (&[3u8, 3][..], None),
            (&[9u8, 9][..], Some(&[1u8; 50][..])),
        ]
        .into();
        let new_root = trie.storage_root(&delta).unwrap();
        let lookups = trie.storage.1.load(std::sync::atomic::Ordering::Relaxed);
        assert!(lookups > 0);
        assert_eq!(trie.storage_root(&delta).unwrap(), new_root, "asked twice");
        let (committed, nodes) = trie
            .apply_changes(delta.iter().map(|(k, v)| (*k, *v)))
            .unwrap();
        assert_eq!(committed, new_root);
        assert_eq!(
            trie.storage.1.load(std::sync::atomic::Ordering::Relaxed),
            lookups,
            "no node read again"
        );
        let mut storage = trie.storage.0.clone();
        storage.consolidate(nodes);
        let after = TrieBackend::new(storage, committed);
        assert_eq!(after.storage(b"new").unwrap(), Some(b"value".to_vec()));
        assert_eq!(after.storage(&[9, 9]).unwrap(), Some(vec![1; 50]));

        // Other changes are computed, not taken from the cache.
        let other: BTreeMap<&[u8], Option<&[u8]>> = [(&b"other"[..], Some(&b"v"[..]))].into();
        trie.storage_root(&delta).unwrap();
        let (other_root, _) = trie
            .apply_changes(other.iter().map(|(k, v)| (*k, *v)))
            .unwrap();
        assert_eq!(
            other_root,
            build(&{
                let mut e = entries.clone();
                e.insert(b"other".to_vec(), b"v".to_vec());
                e
            })
            .root()
        );
    }

    #[test]
    fn removing_an_absent_prefix_key_keeps_the_rest() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> = [
            (vec![0, 1, 2], vec![1]),
            (vec![1, 0], vec![2]),
            (vec![1, 0, 1], vec![3]),
        ]
        .into();
        let trie = build(&entries);
        let (root, _) = trie.apply_changes([(&[1u8][..], None)]).unwrap();
        assert_eq!(root, trie.root(), "nothing was removed");
    }

    #[test]
    fn the_closest_descendant_merkle_value_changes_with_what_is_under_the_key() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> = (0u8..20)
            .map(|i| (vec![7, i % 4, i], vec![i; 40]))
            .chain([(vec![9, 9], vec![1; 40])])
            .collect();
        let trie = build(&entries);
        let under = trie
            .closest_descendant_merkle_value(&[7, 1])
            .unwrap()
            .unwrap();
        assert_eq!(trie.closest_descendant_merkle_value(&[8]).unwrap(), None);
        let whole = trie.closest_descendant_merkle_value(&[]).unwrap().unwrap();
        assert_eq!(whole, trie.root().0.to_vec(), "the root node's hash");

        let mut changed = entries.clone();
        changed.insert(vec![7, 1, 200], vec![2; 40]);
        let other = build(&changed);
        assert_ne!(
            other
                .closest_descendant_merkle_value(&[7, 1])
                .unwrap()
                .unwrap(),
            under
        );
        let mut elsewhere = entries;
        elsewhere.insert(vec![7, 2, 200], vec![2; 40]);
        let same = build(&elsewhere);
        assert_eq!(
            same.closest_descendant_merkle_value(&[7, 1])
                .unwrap()
                .unwrap(),
            under
        );
    }

    #[test]
    fn a_missing_node_is_an_error_not_a_wrong_answer() {
        let entries: BTreeMap<Vec<u8>, Vec<u8>> =
            (0u8..50).map(|i| (vec![i], vec![i; 40])).collect();
        let trie = build(&entries);
        let broken = TrieBackend::new(MemoryDB::default(), trie.root());
        assert!(broken.storage(&[1]).is_err());
        assert!(broken.next_storage_key(&[1]).is_err());
    }
}
