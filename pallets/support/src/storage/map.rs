//! A map from keys to values.

use super::{StorageHasher, StorageInstance, decode_stored, hasher_metadata, modifier};
use crate::metadata::StorageEntry;
use alloc::vec::Vec;
use codec::{Decode, FullCodec};
use core::marker::PhantomData;
use cpc_io::ClearPrefixResult;
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryType};
use scale_info::{TypeInfo, meta_type};

/// A map stored under `prefix ++ H(SCALE(key))`.
pub struct StorageMap<P, H, K, V>(PhantomData<(P, H, K, V)>);

impl<P: StorageInstance, H: StorageHasher, K: FullCodec, V: FullCodec> StorageMap<P, H, K, V> {
    /// The storage key of `key`.
    pub fn hashed_key(key: &K) -> Vec<u8> {
        key.using_encoded(|encoded| cpc_primitives::storage::map_key::<H>(&P::PREFIX, encoded))
    }

    /// The value at `key`, if present (and decodable).
    pub fn get(key: &K) -> Option<V> {
        let hashed = Self::hashed_key(key);
        cpc_io::storage::get(&hashed).and_then(|raw| decode_stored(&hashed, &raw))
    }

    /// The value at `key`, or the default when absent.
    pub fn get_or_default(key: &K) -> V
    where
        V: Default,
    {
        Self::get(key).unwrap_or_default()
    }

    /// The value at `key`, or an error if it does not decode.
    pub fn try_get(key: &K) -> Result<Option<V>, codec::Error> {
        cpc_io::storage::get(&Self::hashed_key(key))
            .map(|raw| <V as codec::DecodeAll>::decode_all(&mut &raw[..]))
            .transpose()
    }

    /// Whether `key` has a value.
    pub fn contains_key(key: &K) -> bool {
        cpc_io::storage::exists(&Self::hashed_key(key))
    }

    /// Stores `value` at `key`.
    pub fn insert(key: &K, value: &V) {
        let hashed = Self::hashed_key(key);
        value.using_encoded(|bytes| cpc_io::storage::set(&hashed, bytes))
    }

    /// Removes `key`.
    pub fn remove(key: &K) {
        cpc_io::storage::clear(&Self::hashed_key(key))
    }

    /// Removes and returns the value at `key`.
    pub fn take(key: &K) -> Option<V> {
        let hashed = Self::hashed_key(key);
        let value = cpc_io::storage::get(&hashed).and_then(|raw| decode_stored(&hashed, &raw));
        cpc_io::storage::clear(&hashed);
        value
    }

    /// Changes the value at `key` in place; `None` means absent (and removes it).
    pub fn mutate<R>(key: &K, f: impl FnOnce(&mut Option<V>) -> R) -> R {
        let hashed = Self::hashed_key(key);
        let mut value = cpc_io::storage::get(&hashed).and_then(|raw| decode_stored(&hashed, &raw));
        let result = f(&mut value);
        match value {
            Some(v) => v.using_encoded(|bytes| cpc_io::storage::set(&hashed, bytes)),
            None => cpc_io::storage::clear(&hashed),
        }
        result
    }

    /// Changes the value at `key` in place, or leaves it untouched if `f` fails.
    pub fn try_mutate<R, E>(
        key: &K,
        f: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        let hashed = Self::hashed_key(key);
        let mut value = cpc_io::storage::get(&hashed).and_then(|raw| decode_stored(&hashed, &raw));
        let result = f(&mut value)?;
        match value {
            Some(v) => v.using_encoded(|bytes| cpc_io::storage::set(&hashed, bytes)),
            None => cpc_io::storage::clear(&hashed),
        }
        Ok(result)
    }

    /// Changes the value at `key` in place, starting from the default, and stores it.
    pub fn mutate_or_default<R>(key: &K, f: impl FnOnce(&mut V) -> R) -> R
    where
        V: Default,
    {
        Self::mutate(key, |value| {
            let mut v = value.take().unwrap_or_default();
            let result = f(&mut v);
            *value = Some(v);
            result
        })
    }

    /// Iterates the map in key-hash order. Lazy: each step reads one entry, so callers bound
    /// the work with `take(n)`.
    pub fn iter() -> MapIter<K, V, H> {
        MapIter::new(P::PREFIX.to_vec())
    }

    /// Iterates the map's keys.
    pub fn iter_keys() -> impl Iterator<Item = K> {
        Self::iter().map(|(k, _)| k)
    }

    /// Removes up to `limit` entries (all when `None`).
    pub fn clear(limit: Option<u32>) -> ClearPrefixResult {
        cpc_io::storage::clear_prefix(&P::PREFIX, limit)
    }
}

/// Iterates `(key, value)` pairs under a prefix, decoding keys from their hashed form.
pub struct MapIter<K, V, H> {
    prefix: Vec<u8>,
    previous: Vec<u8>,
    done: bool,
    _marker: PhantomData<(K, V, H)>,
}

impl<K, V, H> MapIter<K, V, H> {
    pub(crate) fn new(prefix: Vec<u8>) -> Self {
        Self {
            previous: prefix.clone(),
            prefix,
            done: false,
            _marker: PhantomData,
        }
    }

    /// The same iteration, resuming after the full storage key `key` (which lies under the
    /// prefix).
    pub(crate) fn starting_after(mut self, key: Vec<u8>) -> Self {
        debug_assert!(key.starts_with(&self.prefix));
        self.previous = key;
        self
    }
}

impl<K: Decode, V: Decode, H: StorageHasher> Iterator for MapIter<K, V, H> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        while !self.done {
            let Some(key) = cpc_io::storage::next_key(&self.previous) else {
                self.done = true;
                return None;
            };
            if !key.starts_with(&self.prefix) {
                self.done = true;
                return None;
            }
            self.previous = key;
            let decoded = H::reverse(&self.previous[self.prefix.len()..])
                .and_then(|mut raw| K::decode(&mut raw).ok());
            let value = cpc_io::storage::get(&self.previous)
                .and_then(|raw| decode_stored::<V>(&self.previous, &raw));
            if let (Some(k), Some(v)) = (decoded, value) {
                return Some((k, v));
            }
            // An undecodable entry is skipped (and logged by `decode_stored`).
        }
        None
    }
}

impl<P, H, K, V> StorageEntry for StorageMap<P, H, K, V>
where
    P: StorageInstance,
    H: StorageHasher,
    K: TypeInfo + 'static,
    V: TypeInfo + 'static,
{
    fn entry_metadata() -> StorageEntryMetadata {
        let (modifier, default) = modifier::<P>();
        StorageEntryMetadata {
            name: P::ITEM,
            modifier,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![hasher_metadata(H::KIND)],
                key: meta_type::<K>(),
                value: meta_type::<V>(),
            },
            default,
            docs: P::DOCS.to_vec(),
        }
    }
}
