//! The externalities the runtime sees: the overlay on top of a backend.

use crate::{Backend, OverlayedChanges};
use codec::{Compact, Decode, Encode};
use cpc_io::{ClearPrefixResult, Externalities, NoOpenTransaction, misc::RuntimeVersionError};
use cpc_primitives::H256;

/// Reads the `RuntimeVersion` of a code blob; implemented by the executor.
pub trait ReadRuntimeVersion {
    /// The encoded version of `code`, or why it cannot be read.
    fn read_runtime_version(&self, code: &[u8]) -> Result<Vec<u8>, RuntimeVersionError>;
}

/// A keystore a runtime call may generate keys in (`author_rotateKeys`).
pub trait KeystoreExt {
    /// Generates a key of `key_type` (from the secret URI `seed` when given); its public key.
    fn sr25519_generate(&self, key_type: [u8; 4], seed: Option<&str>) -> Result<[u8; 32], String>;
}

/// Externalities over an overlay and a backend.
pub struct Ext<'a, B> {
    overlay: &'a mut OverlayedChanges,
    backend: &'a B,
    version_reader: Option<&'a dyn ReadRuntimeVersion>,
    keystore: Option<&'a dyn KeystoreExt>,
}

impl<'a, B: Backend> Ext<'a, B> {
    /// Externalities writing into `overlay` over `backend`.
    pub fn new(
        overlay: &'a mut OverlayedChanges,
        backend: &'a B,
        version_reader: Option<&'a dyn ReadRuntimeVersion>,
    ) -> Self {
        Self {
            overlay,
            backend,
            version_reader,
            keystore: None,
        }
    }

    /// These externalities, offering `keystore` to the runtime.
    pub fn with_keystore(mut self, keystore: &'a dyn KeystoreExt) -> Self {
        self.keystore = Some(keystore);
        self
    }

    /// How many storage transactions are open: a caller that opened one around a runtime
    /// call rolls back to its own level when the call trapped with more left open.
    pub fn transaction_depth(&self) -> usize {
        self.overlay.transaction_depth()
    }

    /// Rolls back every storage transaction above `depth`.
    pub fn rollback_to(&mut self, depth: usize) {
        while self.overlay.transaction_depth() > depth {
            let _ = self.overlay.rollback_transaction();
        }
    }

    fn backend_storage(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.backend
            .storage(key)
            .unwrap_or_else(|e| panic!("cannot read state: {e}"))
    }

    fn backend_next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.backend
            .next_storage_key(key)
            .unwrap_or_else(|e| panic!("cannot read state: {e}"))
    }
}

/// Appends an encoded item to a SCALE-encoded `Vec`, updating its length prefix.
///
/// A missing value or one that does not start with a valid length becomes a one-item vector,
/// as in Substrate.
pub fn append_to_encoded_vec(existing: Option<Vec<u8>>, item: &[u8]) -> Vec<u8> {
    let fresh = || {
        let mut v = Compact(1u32).encode();
        v.extend_from_slice(item);
        v
    };
    let Some(existing) = existing else {
        return fresh();
    };
    let mut input = &existing[..];
    let Ok(Compact(len)) = Compact::<u32>::decode(&mut input) else {
        return fresh();
    };
    let Some(new_len) = len.checked_add(1) else {
        return fresh();
    };
    let mut out = Compact(new_len).encode();
    out.reserve(input.len() + item.len());
    out.extend_from_slice(input);
    out.extend_from_slice(item);
    out
}

impl<B: Backend> Externalities for Ext<'_, B> {
    fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        match self.overlay.get(key) {
            Some(change) => change.map(<[u8]>::to_vec),
            None => self.backend_storage(key),
        }
    }

    fn exists_storage(&mut self, key: &[u8]) -> bool {
        match self.overlay.get(key) {
            Some(change) => change.is_some(),
            None => self.backend_storage(key).is_some(),
        }
    }

    fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let mut cursor = key.to_vec();
        loop {
            let backend = self.backend_next_key(&cursor);
            let overlay = self.overlay.next_change(&cursor);
            match (backend, overlay) {
                (None, None) => return None,
                (Some(b), None) => return Some(b),
                (backend, Some((o_key, o_change))) => {
                    if let Some(b) = backend.as_ref().filter(|b| b.as_slice() < o_key) {
                        return Some(b.clone());
                    }
                    // The overlay decides for its key (also when the backend has the same key).
                    if o_change.is_some() {
                        return Some(o_key.to_vec());
                    }
                    cursor = o_key.to_vec();
                }
            }
        }
    }

    fn set_storage(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.overlay.set(key, Some(value));
    }

    fn clear_storage(&mut self, key: &[u8]) {
        self.overlay.set(key.to_vec(), None);
    }

    fn clear_prefix(&mut self, prefix: &[u8], limit: Option<u32>) -> ClearPrefixResult {
        let mut removed = 0u32;
        let mut candidate = if self.exists_storage(prefix) {
            Some(prefix.to_vec())
        } else {
            self.next_storage_key(prefix)
        };
        loop {
            let Some(key) = candidate.filter(|k| k.starts_with(prefix)) else {
                return ClearPrefixResult {
                    removed,
                    complete: true,
                };
            };
            if limit.is_some_and(|limit| removed >= limit) {
                return ClearPrefixResult {
                    removed,
                    complete: false,
                };
            }
            self.overlay.set(key.clone(), None);
            removed += 1;
            candidate = self.next_storage_key(&key);
        }
    }

    fn append_storage(&mut self, key: Vec<u8>, item: Vec<u8>) {
        let backend = self.backend;
        self.overlay.append(key.clone(), &item, || {
            backend
                .storage(&key)
                .unwrap_or_else(|e| panic!("cannot read state: {e}"))
        });
    }

    fn storage_root(&mut self) -> H256 {
        self.backend
            .storage_root(&self.overlay.changes())
            .unwrap_or_else(|e| panic!("cannot compute the state root: {e}"))
    }

    fn storage_start_transaction(&mut self) {
        self.overlay.start_transaction();
    }

    fn storage_commit_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.overlay.commit_transaction()
    }

    fn storage_rollback_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.overlay.rollback_transaction()
    }

    fn runtime_version(&mut self, code: &[u8]) -> Result<Vec<u8>, RuntimeVersionError> {
        match self.version_reader {
            Some(reader) => reader.read_runtime_version(code),
            // Without an executor (plain tests) no code can be loaded.
            None => Err(RuntimeVersionError::InvalidCode),
        }
    }

    fn sr25519_generate(
        &mut self,
        key_type: [u8; 4],
        seed: Option<&str>,
    ) -> Result<[u8; 32], String> {
        match self.keystore {
            Some(keystore) => keystore.sr25519_generate(key_type, seed),
            None => Err("no keystore is offered to this call".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InMemoryBackend;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn append_builds_a_valid_vec() {
        let mut v = None;
        for i in 0u16..100 {
            v = Some(append_to_encoded_vec(v, &i.encode()));
        }
        let decoded: Vec<u16> = Decode::decode(&mut &v.unwrap()[..]).unwrap();
        assert_eq!(decoded, (0..100).collect::<Vec<_>>());
        // Garbage is replaced by a fresh vector.
        let fresh = append_to_encoded_vec(Some(vec![0xff, 0xff, 0xff, 0xff, 0xff]), &7u16.encode());
        assert_eq!(Vec::<u16>::decode(&mut &fresh[..]).unwrap(), vec![7]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<u8>, Vec<u8>),
        Clear(Vec<u8>),
        ClearPrefix(Vec<u8>, Option<u32>),
        Start,
        Commit,
        Rollback,
    }

    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..3, 0..4)
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (key(), proptest::collection::vec(0u8.., 0..40)).prop_map(|(k, v)| Op::Set(k, v)),
            key().prop_map(Op::Clear),
            (key(), proptest::option::of(0u32..3)).prop_map(|(k, l)| Op::ClearPrefix(k, l)),
            Just(Op::Start),
            Just(Op::Commit),
            Just(Op::Rollback),
        ]
    }

    proptest! {
        /// The overlay over a backend behaves exactly like a plain map with snapshots.
        #[test]
        fn behaves_like_a_map_with_snapshots(
            initial in proptest::collection::btree_map(key(), proptest::collection::vec(0u8.., 0..40), 0..20),
            ops in proptest::collection::vec(op(), 0..60),
        ) {
            let backend = InMemoryBackend::new(initial.clone());
            let mut overlay = OverlayedChanges::new();
            let mut ext = Ext::new(&mut overlay, &backend, None);
            let mut model = initial.clone();
            let mut snapshots: Vec<BTreeMap<Vec<u8>, Vec<u8>>> = Vec::new();
            for op in ops {
                match op {
                    Op::Set(k, v) => { model.insert(k.clone(), v.clone()); ext.set_storage(k, v); }
                    Op::Clear(k) => { model.remove(&k); ext.clear_storage(&k); }
                    Op::ClearPrefix(p, limit) => {
                        let matching: Vec<_> = model.keys().filter(|k| k.starts_with(&p)).cloned().collect();
                        let take = limit.map_or(matching.len(), |l| (l as usize).min(matching.len()));
                        for k in &matching[..take] { model.remove(k); }
                        let result = ext.clear_prefix(&p, limit);
                        prop_assert_eq!(result.removed as usize, take);
                        prop_assert_eq!(result.complete, take == matching.len());
                    }
                    Op::Start => { snapshots.push(model.clone()); ext.storage_start_transaction(); }
                    Op::Commit => {
                        prop_assert_eq!(ext.storage_commit_transaction().is_ok(), snapshots.pop().is_some());
                    }
                    Op::Rollback => {
                        let ok = ext.storage_rollback_transaction().is_ok();
                        match snapshots.pop() {
                            Some(s) => { prop_assert!(ok); model = s; }
                            None => prop_assert!(!ok),
                        }
                    }
                }
                // Every read agrees with the model.
                for probe in [vec![], vec![0], vec![1], vec![1, 2], vec![2, 2, 2]] {
                    prop_assert_eq!(ext.storage(&probe), model.get(&probe).cloned());
                    let expected_next = model.range::<Vec<u8>, _>((std::ops::Bound::Excluded(&probe), std::ops::Bound::Unbounded)).next().map(|(k, _)| k.clone());
                    prop_assert_eq!(ext.next_storage_key(&probe), expected_next);
                }
            }
            prop_assert_eq!(ext.storage_root(), cpc_trie::trie_root(model.clone()));
        }
    }
}
