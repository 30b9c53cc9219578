//! A map with two keys, iterable by the first.

use super::{
    StorageHasher, StorageInstance, decode_stored, hasher_metadata, map::MapIter, modifier,
};
use crate::metadata::StorageEntry;
use alloc::vec::Vec;
use codec::FullCodec;
use core::marker::PhantomData;
use cpc_io::ClearPrefixResult;
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryType};
use scale_info::{TypeInfo, meta_type};

/// A map stored under `prefix ++ H1(SCALE(k1)) ++ H2(SCALE(k2))`.
pub struct StorageDoubleMap<P, H1, K1, H2, K2, V>(PhantomData<(P, H1, K1, H2, K2, V)>);

impl<P, H1, K1, H2, K2, V> StorageDoubleMap<P, H1, K1, H2, K2, V>
where
    P: StorageInstance,
    H1: StorageHasher,
    K1: FullCodec,
    H2: StorageHasher,
    K2: FullCodec,
    V: FullCodec,
{
    /// The storage key of `(k1, k2)`.
    pub fn hashed_key(k1: &K1, k2: &K2) -> Vec<u8> {
        cpc_primitives::storage::double_map_key::<H1, H2>(&P::PREFIX, &k1.encode(), &k2.encode())
    }

    /// The key prefix of every entry under `k1`.
    pub fn prefix_key(k1: &K1) -> Vec<u8> {
        cpc_primitives::storage::map_key::<H1>(&P::PREFIX, &k1.encode())
    }

    /// The value at `(k1, k2)`, if present.
    pub fn get(k1: &K1, k2: &K2) -> Option<V> {
        let hashed = Self::hashed_key(k1, k2);
        cpc_io::storage::get(&hashed).and_then(|raw| decode_stored(&hashed, &raw))
    }

    /// The value at `(k1, k2)`, or the default.
    pub fn get_or_default(k1: &K1, k2: &K2) -> V
    where
        V: Default,
    {
        Self::get(k1, k2).unwrap_or_default()
    }

    /// Whether `(k1, k2)` has a value.
    pub fn contains_key(k1: &K1, k2: &K2) -> bool {
        cpc_io::storage::exists(&Self::hashed_key(k1, k2))
    }

    /// Stores `value` at `(k1, k2)`.
    pub fn insert(k1: &K1, k2: &K2, value: &V) {
        let hashed = Self::hashed_key(k1, k2);
        value.using_encoded(|bytes| cpc_io::storage::set(&hashed, bytes))
    }

    /// Removes `(k1, k2)`.
    pub fn remove(k1: &K1, k2: &K2) {
        cpc_io::storage::clear(&Self::hashed_key(k1, k2))
    }

    /// Removes and returns the value at `(k1, k2)`.
    pub fn take(k1: &K1, k2: &K2) -> Option<V> {
        let value = Self::get(k1, k2);
        Self::remove(k1, k2);
        value
    }

    /// Changes the value at `(k1, k2)` in place; `None` means absent.
    pub fn mutate<R>(k1: &K1, k2: &K2, f: impl FnOnce(&mut Option<V>) -> R) -> R {
        let mut value = Self::get(k1, k2);
        let result = f(&mut value);
        match value {
            Some(v) => Self::insert(k1, k2, &v),
            None => Self::remove(k1, k2),
        }
        result
    }

    /// Changes the value at `(k1, k2)`, or leaves it untouched if `f` fails.
    pub fn try_mutate<R, E>(
        k1: &K1,
        k2: &K2,
        f: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut value = Self::get(k1, k2);
        let result = f(&mut value)?;
        match value {
            Some(v) => Self::insert(k1, k2, &v),
            None => Self::remove(k1, k2),
        }
        Ok(result)
    }

    /// Iterates `(k2, value)` under `k1`. Lazy; bound the work with `take(n)`.
    pub fn iter_prefix(k1: &K1) -> MapIter<K2, V, H2> {
        MapIter::new(Self::prefix_key(k1))
    }

    /// Iterates `(k2, value)` under `k1` from the entry after `after`'s (in key-hash order,
    /// whether or not `after` is present): the next page of a paged listing whose cursor is
    /// the last key of the previous one.
    pub fn iter_prefix_from(k1: &K1, after: &K2) -> MapIter<K2, V, H2> {
        MapIter::new(Self::prefix_key(k1)).starting_after(Self::hashed_key(k1, after))
    }

    /// Removes up to `limit` entries under `k1`.
    pub fn clear_prefix(k1: &K1, limit: Option<u32>) -> ClearPrefixResult {
        cpc_io::storage::clear_prefix(&Self::prefix_key(k1), limit)
    }

    /// Removes up to `limit` entries of the whole map.
    pub fn clear(limit: Option<u32>) -> ClearPrefixResult {
        cpc_io::storage::clear_prefix(&P::PREFIX, limit)
    }
}

impl<P, H1, K1, H2, K2, V> StorageEntry for StorageDoubleMap<P, H1, K1, H2, K2, V>
where
    P: StorageInstance,
    H1: StorageHasher,
    K1: TypeInfo + 'static,
    H2: StorageHasher,
    K2: TypeInfo + 'static,
    V: TypeInfo + 'static,
{
    fn entry_metadata() -> StorageEntryMetadata {
        let (modifier, default) = modifier::<P>();
        StorageEntryMetadata {
            name: P::ITEM,
            modifier,
            ty: StorageEntryType::Map {
                hashers: alloc::vec![hasher_metadata(H1::KIND), hasher_metadata(H2::KIND)],
                key: meta_type::<(K1, K2)>(),
                value: meta_type::<V>(),
            },
            default,
            docs: P::DOCS.to_vec(),
        }
    }
}
