//! The committed state under an overlay.

use cpc_primitives::H256;
use std::collections::BTreeMap;
use std::fmt;

/// Key-value changes: `None` deletes.
pub type StorageCollection = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// A failure of the state backend (a missing trie node, a database error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError(pub String);

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state backend: {}", self.0)
    }
}

impl std::error::Error for BackendError {}

/// Read access to committed state, and the root it would have with changes applied.
pub trait Backend {
    /// The value at `key`.
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;

    /// The first key after `key`.
    fn next_storage_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;

    /// blake2-256 of the value at `key`. A trie reads it from the node without loading a
    /// large value (the runtime code, for instance).
    fn storage_hash(&self, key: &[u8]) -> Result<Option<H256>, BackendError> {
        Ok(self
            .storage(key)?
            .map(|value| H256(cpc_primitives::hashing::blake2_256(&value))))
    }

    /// The state root with `delta` applied, without changing the backend.
    fn storage_root(&self, delta: &BTreeMap<&[u8], Option<&[u8]>>) -> Result<H256, BackendError>;
}

/// State held in a sorted map; the root is computed from scratch (fine for tests and genesis).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryBackend {
    storage: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl InMemoryBackend {
    /// A backend holding `storage`.
    pub fn new(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        Self { storage }
    }

    /// Applies changes.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>) {
        for (key, value) in changes {
            match value {
                Some(value) => self.storage.insert(key, value),
                None => self.storage.remove(&key),
            };
        }
    }

    /// All key-value pairs.
    pub fn storage(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.storage
    }

    /// The pairs, consuming the backend.
    pub fn into_storage(self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.storage
    }
}

impl Backend for InMemoryBackend {
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.storage.get(key).cloned())
    }

    fn next_storage_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        use std::ops::Bound;
        Ok(self
            .storage
            .range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded))
            .next()
            .map(|(k, _)| k.clone()))
    }

    fn storage_root(&self, delta: &BTreeMap<&[u8], Option<&[u8]>>) -> Result<H256, BackendError> {
        let mut merged: BTreeMap<&[u8], &[u8]> = self
            .storage
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        for (k, v) in delta {
            match v {
                Some(v) => merged.insert(k, v),
                None => merged.remove(k),
            };
        }
        Ok(cpc_trie::trie_root(merged))
    }
}
